/**
 * Type tests of the Promise boundary (Aio.promise, Aio.tryPromise, Aio.async,
 * fromPromise), checked against the built declarations by tsd:
 * `npm run build && npm run test:types`.
 */
import { expectType } from "tsd";
import { Aio, fromPromise } from "aio-ts";

// The thunk's parameter is an AbortSignal; the value type comes from the promise.
expectType<Aio.Aio<number>>(
  Aio.promise((signal) => {
    expectType<AbortSignal>(signal);
    return Promise.resolve(1);
  }),
);
expectType<Aio.Aio<string, unknown>>(Aio.tryPromise(() => Promise.resolve("a")));
expectType<Aio.Aio<string, { _tag: "E" }>>(
  Aio.tryPromise(
    () => Promise.resolve("a"),
    () => ({ _tag: "E" as const }),
  ),
);
expectType<Aio.Aio<number, unknown>>(fromPromise(Promise.resolve(1)));

// A register may return nothing, a canceller, or a promise (an async register).
expectType<Aio.Aio<number>>(Aio.async<number>((resume) => resume(Aio.succeed(1))));
expectType<Aio.Aio<number>>(
  Aio.async<number>((resume, signal) => {
    expectType<AbortSignal>(signal);
    const id = setTimeout(() => resume(Aio.succeed(1)), 10);
    return () => clearTimeout(id);
  }),
);
expectType<Aio.Aio<number>>(
  Aio.async<number>(async (resume) => {
    await Promise.resolve();
    resume(Aio.succeed(1));
  }),
);

// Anything else is not a register's result.
// @ts-expect-error a number is neither a canceller nor a promise
Aio.async<number>(() => 42);
// @ts-expect-error a promise of a canceller is not accepted: the canceller must come synchronously
Aio.async<number>(async () => () => undefined);
