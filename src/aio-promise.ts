/**
 * The promise bridge of the `Aio` module (re-exported by Aio.ts): `Aio.async` (a
 * callback registration), `Aio.promise` and `Aio.tryPromise`.
 * @module Aio
 */
import * as Cause from "./Cause.js";
import { type Aio } from "./internal/aio.js";
import { Async, AsyncToken, mayReadArgument } from "./internal/async.js";
import { FailCause } from "./internal/primitives.js";

/**
 * Suspends on a callback registration. `register(resume, signal)` calls `resume(aio)`
 * once, later or at once (a second call, or one after the fiber was cancelled, is
 * ignored); it may return a canceller, called if the fiber is cancelled while waiting.
 * The `signal` is a real `AbortSignal`, aborted then too with a `CancelledError` carrying
 * the cancel message as its reason. Making one costs 6 to 20 us on Node 20, so, as in
 * Effect's `Effect.callback`, it is made only when `register` declares it: when
 * `register.length >= 2`, or `register` is a classic `function` (which may read
 * `arguments`). `(resume) =>` gets none, and so do `(resume, signal = x) =>` and
 * `(...args) =>` (`length` stops counting at a default or rest parameter): declare the
 * signal as a plain second parameter. (Reading the callback's source to catch those cost
 * a third of a `yield*` of a fresh `Aio.async`.) A register
 * that returns a promise (an `async` one) is watched: its rejection is the fiber's defect
 * if `resume` was not called yet, else reported to the loop's exception handler.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const delay = (ms: number) =>
 *   Aio.async<void>((resume) => {
 *     const id = setTimeout(() => resume(Aio.succeed(undefined)), ms);
 *     return () => clearTimeout(id);
 *   });
 * ```
 */
export const async = <A, E = never>(
  register: (resume: (aio: Aio<A, E>) => void, signal: AbortSignal) => void | (() => void) | PromiseLike<void>,
): Aio<A, E> => {
  if (typeof register !== "function") throw new TypeError("Aio.async: register must be a function");
  return new Async(register, false);
};

/**
 * Awaits a Promise made by `thunk`. A rejection (or a synchronous throw) is a defect: use
 * `tryPromise` for a typed failure. The thunk gets an `AbortSignal` that is aborted when
 * the fiber is cancelled while waiting, with a `CancelledError` carrying the cancel
 * message as its reason (so `fetch` rejects with it); the promise is then no longer
 * awaited, and its late result or rejection is dropped (never an unhandled rejection).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const text = Aio.promise((signal) => fetch("http://localhost:8080", { signal }).then((r) => r.text()));
 * ```
 */
export const promise = <A>(thunk: (signal: AbortSignal) => PromiseLike<A>): Aio<A> =>
  fromPromiseThunk("Aio.promise", thunk, (e) => Cause.die(e));

/**
 * Awaits a Promise made by `thunk`; a rejection (or a synchronous throw) is the typed
 * failure `onReject(reason)`, or the reason itself typed `unknown` without `onReject`.
 * The thunk gets an `AbortSignal`, aborted on cancellation as for `Aio.promise`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import { readFile } from "node:fs/promises";
 * const read = (p: string) =>
 *   Aio.tryPromise((signal) => readFile(p, { encoding: "utf8", signal }), (e) => ({ _tag: "ReadError" as const, e }));
 * ```
 */
export function tryPromise<A>(thunk: (signal: AbortSignal) => PromiseLike<A>): Aio<A, unknown>;
export function tryPromise<A, E>(
  thunk: (signal: AbortSignal) => PromiseLike<A>,
  onReject: (reason: unknown) => E,
): Aio<A, E>;
export function tryPromise<A, E>(
  thunk: (signal: AbortSignal) => PromiseLike<A>,
  onReject?: (reason: unknown) => E,
): Aio<A, E | unknown> {
  const toError = onReject ?? ((e: unknown) => e);
  return fromPromiseThunk("Aio.tryPromise", thunk, (e) => Cause.fail(toError(e)));
}

const fromPromiseThunk = <A, E>(
  name: string,
  thunk: (signal: AbortSignal) => PromiseLike<A>,
  onReject: (reason: unknown) => Cause.Cause<E>,
): Aio<A, E> => {
  if (typeof thunk !== "function") throw new TypeError(`${name}: expected a function returning a Promise`);
  return new PromiseAsync(name, thunk, onReject);
};

/** `PromiseAsync` starts in its own `_call`, so `Async`'s `register` is never called. */
const NO_REGISTER = (): void => {};

/**
 * `Aio.promise` / `Aio.tryPromise`: a host operation (the virtual clock waits for it)
 * whose start calls the thunk and attaches its two reactions to the token directly: a
 * value resumes the fiber without a `Succeed` or a `resume` closure, and from an idle
 * loop runs it inside the reaction (`AsyncToken.succeedFromHost`). Whether the thunk gets
 * a signal is decided once per value (see `mayReadArgument`).
 */
class PromiseAsync<A, E> extends Async<A, E> {
  constructor(
    private readonly name: string,
    private readonly thunk: (signal: AbortSignal) => PromiseLike<A>,
    private readonly onReject: (reason: unknown) => Cause.Cause<E>,
  ) {
    super(NO_REGISTER, true, mayReadArgument(thunk, 0));
  }

  protected override _call(token: AsyncToken, signal: AbortSignal): undefined {
    const onReject = this.onReject;
    const rejected = (e: unknown): void => {
      let cause: Cause.Cause<E>;
      try {
        cause = onReject(e);
      } catch (defect) {
        cause = Cause.die(defect);
      }
      token.resumeFromHost(new FailCause(cause));
    };
    let p: PromiseLike<A>;
    let then: unknown;
    try {
      p = this.thunk(signal);
      then = p !== null && (typeof p === "object" || typeof p === "function") ? p.then : undefined;
    } catch (e) {
      // A synchronous throw of the thunk (or of a `then` getter) counts as a rejection.
      rejected(e);
      return;
    }
    if (typeof then !== "function") {
      // A programming error, not a rejection: a defect whatever `onReject` says.
      token.resume(new FailCause(Cause.die(new TypeError(`${this.name}: the thunk returned ${describe(p)}, not a Promise`))));
      return;
    }
    try {
      (then as PromiseLike<A>["then"]).call(p, (a) => token.succeedFromHost(a), rejected);
    } catch (e) {
      rejected(e); // a thenable whose `then` throws
    }
  }
}

const describe = (u: unknown): string => {
  try {
    return typeof u === "string" ? JSON.stringify(u) : String(u);
  } catch {
    return typeof u;
  }
};
