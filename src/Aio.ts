/**
 * `Aio<A, E>`: a lazy, immutable description of an asynchronous computation (asyncio's
 * coroutine), its constructors and its combinators. Combinators are data-last, so they
 * compose with fp-ts `pipe` or the `.pipe()` method.
 *
 * @module Aio
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import {
  Aio as AioClass,
  Async,
  AwaitFuture,
  CatchCause,
  CatchFail,
  checkAio,
  ExitAio,
  FailCause,
  FlatMap,
  Gen,
  MapAio,
  MapError,
  mayReadArgument,
  Never,
  OnExit,
  SetInterruptible,
  Sleep,
  Succeed,
  Suspend,
  Sync,
  TryCatch,
  WithFiber,
  type Future,
  type YieldOf,
} from "./internal/core.js";
import { debugActive } from "./internal/debug.js";
import { DebugGen } from "./debug.js";

export type { YieldOf };

/**
 * A lazy, immutable description of an asynchronous computation that succeeds with an
 * `A` or fails with a typed `E` (defects and interruptions are in its `Exit`, not in `E`).
 *
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * const hello: Aio<string> = Aio.succeed("hello");
 * await run(hello); // "hello"
 * ```
 */
export type Aio<A, E = never> = AioClass<A, E>;

/**
 * The success type of an Aio.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type N = Aio.Success<Aio<number>>; // number
 * ```
 */
export type Success<T> = T extends AioClass<infer A, infer _E> ? A : never;
/**
 * The error type of an Aio.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type S = Aio.Error<Aio<number, string>>; // string
 * ```
 */
export type Error<T> = T extends AioClass<infer _A, infer E> ? E : never;

/**
 * Anything `yield*` accepts inside `Aio.gen`: an Aio, a Task or a Future.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const toAio = <A, E>(y: Aio.Yieldable<A, E>): Aio<A, E> => Aio.from(y);
 * ```
 */
export type Yieldable<A, E> = AioClass<A, E> | Future<A, E>;

// ----- constructors ------------------------------------------------------------------

/**
 * An Aio that succeeds with `value`.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(1)); // 1
 * ```
 */
export const succeed = <A>(value: A): Aio<A> => new Succeed(value);

/**
 * An Aio that fails with the typed error `error`.
 * @example
 * ```ts
 * import { Aio, runExit } from "aio-ts";
 * await runExit(Aio.fail("not found")); // Exit.fail("not found")
 * ```
 */
export const fail = <E>(error: E): Aio<never, E> => new FailCause(Cause.fail(error));

/**
 * An Aio that fails with the given cause.
 * @example
 * ```ts
 * import { Aio, Cause } from "aio-ts";
 * const interrupted = Aio.failCause(Cause.interrupt("stop"));
 * ```
 */
export const failCause = <E>(cause: Cause.Cause<E>): Aio<never, E> => new FailCause(cause);

/**
 * An Aio that dies with a defect (an unexpected error, not part of `E`).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const bug = Aio.die(new Error("unreachable"));
 * ```
 */
export const die = (defect: unknown): Aio<never> => new FailCause(Cause.die(defect));

/**
 * An Aio that runs `thunk` each time it is run; a throw is a defect.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.sync(() => Date.now()));
 * ```
 */
export const sync = <A>(thunk: () => A): Aio<A> => new Sync(thunk);

/**
 * Runs `thunk`; a throw becomes the typed failure `onThrow(thrown)` (or the thrown value
 * itself, typed `unknown`, without `onThrow`).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const parse = (s: string) => Aio.try(() => JSON.parse(s) as unknown, (e) => new SyntaxError(String(e)));
 * ```
 */
function tryCatch<A>(thunk: () => A): Aio<A, unknown>;
function tryCatch<A, E>(thunk: () => A, onThrow: (thrown: unknown) => E): Aio<A, E>;
function tryCatch<A, E>(thunk: () => A, onThrow?: (thrown: unknown) => E): Aio<A, E | unknown> {
  return new TryCatch(thunk, onThrow ?? ((e: unknown) => e));
}
export { tryCatch as try };

/**
 * Defers building an Aio until it runs.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const countdown = (n: number): Aio<number> => (n === 0 ? Aio.succeed(0) : Aio.suspend(() => countdown(n - 1)));
 * ```
 */
export const suspend = <A, E>(thunk: () => Aio<A, E>): Aio<A, E> => new Suspend(thunk);

/**
 * Suspends on a callback registration. `register(resume, signal)` calls `resume(aio)`
 * once, later or at once (a second call, or one after the fiber was cancelled, is
 * ignored); it may return a canceller, called if the fiber is cancelled while waiting.
 * The `signal` is a real `AbortSignal`, aborted then too with a `CancelledError` carrying
 * the cancel message as its reason. (Making one costs about 7 us on Node 20, so it is made
 * only when `register` can see it: an arrow declaring just `resume` gets none.) A register
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
  // Decided once per value (see `mayReadArgument`): a thunk that cannot see the signal
  // is not given one.
  const register = (resume: (aio: Aio<A, E>) => void, signal: AbortSignal): void =>
    settle(name, thunk, signal, resume, onReject);
  return new Async(register, true, mayReadArgument(thunk, 0));
};

const settle = <A, E>(
  name: string,
  thunk: (signal: AbortSignal) => PromiseLike<A>,
  signal: AbortSignal,
  resume: (aio: Aio<A, E>) => void,
  onReject: (reason: unknown) => Cause.Cause<E>,
): void => {
  const rejected = (e: unknown): void => {
    let cause: Cause.Cause<E>;
    try {
      cause = onReject(e);
    } catch (defect) {
      cause = Cause.die(defect);
    }
    resume(new FailCause(cause));
  };
  let p: PromiseLike<A>;
  let then: unknown;
  try {
    p = thunk(signal);
    then = p !== null && (typeof p === "object" || typeof p === "function") ? p.then : undefined;
  } catch (e) {
    // A synchronous throw of the thunk (or of a `then` getter) counts as a rejection.
    rejected(e);
    return;
  }
  if (typeof then !== "function") {
    // A programming error, not a rejection: a defect whatever `onReject` says.
    resume(new FailCause(Cause.die(new TypeError(`${name}: the thunk returned ${describe(p)}, not a Promise`))));
    return;
  }
  try {
    (then as PromiseLike<A>["then"]).call(p, (a) => resume(new Succeed(a)), rejected);
  } catch (e) {
    rejected(e); // a thenable whose `then` throws
  }
};

const describe = (u: unknown): string => {
  try {
    return typeof u === "string" ? JSON.stringify(u) : String(u);
  } catch {
    return typeof u;
  }
};

const neverAio: Aio<never> = new Never();
/**
 * An Aio that never completes; only a cancellation ends it.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const forever = Aio.never;
 * ```
 */
export const never: Aio<never> = neverAio;

const yieldNowAio: Aio<void> = new Sleep(0, undefined);
/**
 * Yields to the event loop once (asyncio's `await asyncio.sleep(0)`).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const polite = Aio.gen(function* () { yield* Aio.yieldNow; return 1; });
 * ```
 */
export const yieldNow: Aio<void> = yieldNowAio;

/**
 * Suspends the fiber for `ms` milliseconds of loop time, then succeeds with `value`
 * (asyncio.sleep). `sleep(0)` yields to the loop exactly once; a negative delay acts as 0;
 * NaN (or a non-number) is a RangeError thrown at once.
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * await run(Aio.sleep(100, "woke")); // "woke" after 100 ms
 * ```
 */
export function sleep(ms: number): Aio<void>;
export function sleep<A>(ms: number, value: A): Aio<A>;
export function sleep<A>(ms: number, value?: A): Aio<A | undefined> {
  if (typeof ms !== "number" || Number.isNaN(ms)) throw new RangeError(`sleep: expected a number of milliseconds, got ${String(ms)}`);
  return new Sleep(ms, value);
}

/** The error union of what a generator `yield*`ed. */
type YieldedError<Y> = [Y] extends [never] ? never : Y extends YieldOf<infer E> ? E : never;

/**
 * Generator do-notation (asyncio's `async def`): `yield*` an Aio, Task or Future to get
 * its value with its static type. A failure of a yielded Aio is thrown at the `yield*`,
 * so `try/catch/finally` work; a cancellation is thrown as a `CancelledError`. The error
 * type is the union of the yielded error types; a thrown exception nobody catches is a
 * defect.
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * const add = (a: number, b: number) => Aio.gen(function* () {
 *   yield* Aio.sleep(1000);
 *   return a + b;
 * });
 * await run(add(10, 5)); // 15
 * ```
 */
export const gen = <Y extends YieldOf<unknown>, R>(
  body: () => Generator<Y, R, unknown>,
): Aio<R, YieldedError<Y>> => {
  if (typeof body !== "function") throw new TypeError("Aio.gen: expected a generator function");
  // Debug mode (src/debug.ts): remembers where it was made, reported if never run.
  if (debugActive) return new DebugGen(body, gen) as unknown as Aio<R, YieldedError<Y>>;
  return new Gen(body) as Aio<R, YieldedError<Y>>;
};

// ----- combinators (data-last) ---------------------------------------------------------

/**
 * Transforms the success value.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(2).pipe(Aio.map((n) => n * 10))); // 20
 * ```
 */
export const map =
  <A, B>(f: (a: A) => B) =>
  <E>(self: Aio<A, E>): Aio<B, E> =>
    new MapAio(self, f);

/**
 * Chains an Aio that depends on the success value.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.succeed(2).pipe(Aio.flatMap((n) => Aio.sleep(n, n + 1)));
 * ```
 */
export const flatMap =
  <A, B, E2>(f: (a: A) => Aio<B, E2>) =>
  <E>(self: Aio<A, E>): Aio<B, E | E2> =>
    self._flatMap(f as (a: unknown) => Aio<unknown, unknown>) as Aio<B, E | E2>;

/**
 * Runs an Aio for its effect on the value, keeping the value.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.succeed(1).pipe(Aio.tap((n) => Aio.sync(() => console.log(n))));
 * ```
 */
export const tap =
  <A, E2>(f: (a: A) => Aio<unknown, E2>) =>
  <E>(self: Aio<A, E>): Aio<A, E | E2> =>
    new FlatMap(self, (a: A) => new MapAio(checkAio("Aio.tap: the function returned", f(a)), () => a));

/**
 * Replaces the success value.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(1).pipe(Aio.as("one"))); // "one"
 * ```
 */
export const as =
  <B>(value: B) =>
  <A, E>(self: Aio<A, E>): Aio<B, E> =>
    new MapAio(self, () => value);

/**
 * Transforms the typed error.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.fail(404).pipe(Aio.mapError((code) => `HTTP ${code}`));
 * ```
 */
export const mapError =
  <E, E2>(f: (e: E) => E2) =>
  <A>(self: Aio<A, E>): Aio<A, E2> =>
    new MapError(self, f);

/**
 * Recovers from every typed failure (defects and interruptions pass through).
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("x").pipe(Aio.catchAll((e) => Aio.succeed(`recovered ${e}`))));
 * ```
 */
export const catchAll =
  <E, B, E2>(f: (e: E) => Aio<B, E2>) =>
  <A>(self: Aio<A, E>): Aio<A | B, E2> =>
    new CatchFail(self, f);

/**
 * Recovers from any cause: typed failure, defect or interruption.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const safe = Aio.die("bug").pipe(Aio.catchAllCause((cause) => Aio.succeed(cause._tag)));
 * ```
 */
export const catchAllCause =
  <E, B, E2>(f: (cause: Cause.Cause<E>) => Aio<B, E2>) =>
  <A>(self: Aio<A, E>): Aio<A | B, E2> =>
    new CatchCause(self, f);

// ----- narrowing error handlers ------------------------------------------------------

/**
 * The `_tag` literals of the members of the error union `E` that carry a string `_tag`
 * (the discriminant `catchTag` and `catchTags` match on). Members without one are left out.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type T = Aio.TagsOf<{ _tag: "NotFound" } | { _tag: "Invalid" } | Error>; // "NotFound" | "Invalid"
 * ```
 */
export type TagsOf<E> = E extends { readonly _tag: infer T } ? (T extends string ? T : never) : never;

/**
 * The members of `E` whose `_tag` is `K`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type N = Aio.ExtractTag<{ _tag: "NotFound"; id: string } | { _tag: "Invalid" }, "NotFound">; // { _tag: "NotFound"; id: string }
 * ```
 */
export type ExtractTag<E, K extends string> = Extract<E, { readonly _tag: K }>;

/**
 * The members of `E` whose `_tag` is not `K` (untagged members stay).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type R = Aio.ExcludeTag<{ _tag: "NotFound" } | { _tag: "Invalid" } | Error, "NotFound">; // { _tag: "Invalid" } | Error
 * ```
 */
export type ExcludeTag<E, K extends string> = Exclude<E, { readonly _tag: K }>;

/** Whether the thrown-or-failed value `e` is an object whose `_tag` is `tag`. */
const hasTag = (e: unknown, tag: string): boolean =>
  typeof e === "object" && e !== null && (e as { readonly _tag?: unknown })._tag === tag;

/**
 * Recovers from the typed failures whose `_tag` is `tag`: `h(error)` runs for those; every
 * other failure, defect and interruption passes unchanged. The handled members leave the
 * error type and `h`'s errors join it. A tag that is not in the error type does not
 * compile.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
 * declare const load: Aio<string, NotFound | Invalid>;
 * const orDefault: Aio<string, Invalid> = load.pipe(Aio.catchTag("NotFound", (e) => Aio.succeed(`no ${e.id}`)));
 * ```
 */
export const catchTag =
  <E, const K extends TagsOf<E>, B, E2 = never>(tag: K, h: (error: ExtractTag<E, K>) => Aio<B, E2>) =>
  <A>(self: Aio<A, E>): Aio<A | B, ExcludeTag<E, K> | E2> => {
    if (typeof tag !== "string") throw new TypeError(`Aio.catchTag: expected a string tag, got ${typeof tag}`);
    if (typeof h !== "function") throw new TypeError("Aio.catchTag: expected a handler function");
    return new CatchFail(self, (e: E): Aio<unknown, unknown> =>
      hasTag(e, tag) ? checkAio("Aio.catchTag: the handler returned", h(e as ExtractTag<E, K>)) : fail(e),
    ) as Aio<A | B, ExcludeTag<E, K> | E2>;
  };

/**
 * A handler table for `catchTags`: at most one handler per tag of `E`, each given the
 * member of its tag (`catchTags` also refuses keys that are not tags of `E`).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * const table: Aio.TagHandlers<NotFound | Error> = { NotFound: (e) => Aio.succeed(e.id) };
 * ```
 */
export type TagHandlers<E> = {
  readonly [K in TagsOf<E>]?: (error: ExtractTag<E, K>) => Aio<unknown, unknown>;
};

/** What a handler table's handlers can succeed with. */
type HandledSuccess<Cases> = {
  [K in keyof Cases]-?: Cases[K] extends ((error: never) => AioClass<infer B, infer _E>) | undefined ? B : never;
}[keyof Cases];
/** What a handler table's handlers can fail with. */
type HandledError<Cases> = {
  [K in keyof Cases]-?: Cases[K] extends ((error: never) => AioClass<infer _B, infer E2>) | undefined ? E2 : never;
}[keyof Cases];

/**
 * `catchTag` for several tags at once: `cases` maps a `_tag` to its handler. The handled
 * members leave the error type, the handlers' own errors join it; failures with another
 * tag (or none), defects and interruptions pass unchanged. A key that is not a tag of the
 * error type does not compile.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
 * declare const load: Aio<string, NotFound | Invalid | Error>;
 * const handled: Aio<string | number, Error> = load.pipe(
 *   Aio.catchTags({
 *     NotFound: (e) => Aio.succeed(`no ${e.id}`),
 *     Invalid: (e) => Aio.succeed(e.reason.length),
 *   }),
 * );
 * ```
 */
export const catchTags =
  <E, const Cases extends TagHandlers<E> & { readonly [K in Exclude<keyof Cases, TagsOf<E>>]: never }>(
    cases: Cases,
  ) =>
  <A>(self: Aio<A, E>): Aio<A | HandledSuccess<Cases>, ExcludeTag<E, keyof Cases & string> | HandledError<Cases>> => {
    if (typeof cases !== "object" || cases === null) throw new TypeError("Aio.catchTags: expected an object of handlers");
    const table = cases as unknown as Readonly<Record<string, ((error: unknown) => Aio<unknown, unknown>) | undefined>>;
    for (const key of Object.keys(table)) {
      if (typeof table[key] !== "function") throw new TypeError(`Aio.catchTags: the handler for "${key}" is not a function`);
    }
    return new CatchFail(self, (e: E): Aio<unknown, unknown> => {
      if (typeof e === "object" && e !== null) {
        const tag = (e as { readonly _tag?: unknown })._tag;
        // Own keys only: a tag named "toString" must not find Object.prototype's.
        if (typeof tag === "string" && Object.prototype.hasOwnProperty.call(table, tag)) {
          const h = table[tag];
          if (h !== undefined) return checkAio("Aio.catchTags: the handler returned", h(e));
        }
      }
      return fail(e);
    }) as Aio<A | HandledSuccess<Cases>, ExcludeTag<E, keyof Cases & string> | HandledError<Cases>>;
  };

/**
 * Recovers from the typed failures `refinement` accepts: `h(error)` runs for those, every
 * other failure, defect and interruption passes unchanged. With a type guard the accepted
 * members leave the error type; with a plain predicate the error type keeps them.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * class Timeout extends Error { readonly kind = "timeout"; }
 * const isTimeout = (e: unknown): e is Timeout => e instanceof Timeout;
 * declare const call: Aio<string, Timeout | RangeError>;
 * const retried: Aio<string, RangeError> = call.pipe(Aio.catchIf(isTimeout, () => Aio.succeed("cached")));
 * ```
 */
export function catchIf<E, E1 extends E, B, E2 = never>(
  refinement: (error: NoInfer<E>) => error is E1,
  h: (error: E1) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, Exclude<E, E1> | E2>;
export function catchIf<E, B, E2 = never>(
  predicate: (error: NoInfer<E>) => boolean,
  h: (error: E) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, E | E2>;
export function catchIf<E, B, E2>(
  predicate: (error: E) => boolean,
  h: (error: E) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, E | E2> {
  if (typeof predicate !== "function") throw new TypeError("Aio.catchIf: expected a predicate function");
  if (typeof h !== "function") throw new TypeError("Aio.catchIf: expected a handler function");
  return <A>(self: Aio<A, E>): Aio<A | B, E | E2> =>
    new CatchFail(self, (e: E): Aio<B, E | E2> =>
      predicate(e) ? checkAio("Aio.catchIf: the handler returned", h(e)) : fail(e),
    );
}

/**
 * Recovers from every typed failure with the value `evaluate(error)` (defects and
 * interruptions pass): the result cannot fail. `evaluate` runs only on a failure, so a
 * costly fallback is not built on success; a throw in it is a defect.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("offline").pipe(Aio.orElseSucceed(() => "cached"))); // "cached"
 * ```
 */
export const orElseSucceed =
  <E, B>(evaluate: (error: E) => B) =>
  <A>(self: Aio<A, E>): Aio<A | B> => {
    if (typeof evaluate !== "function") throw new TypeError("Aio.orElseSucceed: expected a function returning the fallback");
    return new CatchFail<A, E, B, never>(self, (e) => new Succeed(evaluate(e)));
  };

/**
 * An Either as fp-ts (and io-ts decoders) make it, described structurally so no import is
 * needed: `{ _tag: "Left", left }` or `{ _tag: "Right", right }`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const ok: Aio.EitherLike<string, number> = { _tag: "Right", right: 1 };
 * ```
 */
export type EitherLike<E, A> =
  | { readonly _tag: "Left"; readonly left: E }
  | { readonly _tag: "Right"; readonly right: A };

/**
 * An Aio that fails with `left` or succeeds with `right`. Anything else is a TypeError,
 * thrown at once.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * import * as E from "fp-ts/Either";
 * runSync(Aio.fromEither(E.right(1))); // 1
 * const failed: Aio<never, string> = Aio.fromEither(E.left("bad"));
 * ```
 */
export const fromEither = <E, A>(either: EitherLike<E, A>): Aio<A, E> => {
  const tag = typeof either === "object" && either !== null ? (either as { readonly _tag?: unknown })._tag : undefined;
  if (tag === "Right") return new Succeed((either as { readonly right: A }).right);
  if (tag === "Left") return new FailCause(Cause.fail((either as { readonly left: E }).left));
  throw new TypeError(`Aio.fromEither: expected { _tag: "Left", left } or { _tag: "Right", right }, got ${describeShape(either)}`);
};

/** How a bad argument looks in an error message. */
const describeShape = (x: unknown): string =>
  x === null ? "null" : typeof x !== "object" ? typeof x : `an object with _tag ${String((x as { _tag?: unknown })._tag)}`;

/**
 * An Aio that succeeds with `value` unless it is `null` or `undefined`; then it fails with
 * `onNull()` (called when the Aio runs; a throw in it is a defect).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const users = new Map([["ada", { name: "Ada" }]]);
 * const find = (id: string) => Aio.fromNullable(users.get(id), () => ({ _tag: "NotFound" as const, id }));
 * ```
 */
export const fromNullable = <A, E>(value: A, onNull: () => E): Aio<NonNullable<A>, E> => {
  if (typeof onNull !== "function") throw new TypeError("Aio.fromNullable: expected onNull to be a function returning the error");
  if (value !== null && value !== undefined) return new Succeed(value as NonNullable<A>);
  return new Suspend(() => new FailCause(Cause.fail(onNull())));
};

/**
 * Falls back to `that` on a typed failure.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("x").pipe(Aio.orElse(() => Aio.succeed(0)))); // 0
 * ```
 */
export const orElse =
  <B, E2>(that: () => Aio<B, E2>) =>
  <A, E>(self: Aio<A, E>): Aio<A | B, E2> =>
    new CatchFail(self, () => that());

// Retries and repeats with a Schedule (see src/schedule.ts and docs/retries.md).
export { retry, repeat } from "./schedule.js";

/**
 * Folds success and typed failure into a value (defects and interruptions pass).
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("x").pipe(Aio.match({ onFailure: (e) => `bad ${e}`, onSuccess: (a: number) => `ok ${a}` })));
 * ```
 */
export const match =
  <A, E, B, C>(cases: { readonly onSuccess: (a: A) => B; readonly onFailure: (e: E) => C }) =>
  (self: Aio<A, E>): Aio<B | C> =>
    new CatchFail<B, E, C, never>(new MapAio(self, cases.onSuccess), (e) => new Succeed(cases.onFailure(e)));

/**
 * Materialises the outcome as an `Exit` (which never fails): success, typed failure,
 * defect or interruption.
 * @example
 * ```ts
 * import { Aio, Exit, runSync } from "aio-ts";
 * Exit.isFailure(runSync(Aio.exit(Aio.fail("x")))); // true
 * ```
 */
export const exit = <A, E>(self: Aio<A, E>): Aio<Exit.Exit<A, E>> => new ExitAio(self);

/**
 * Runs `finalizer` (uninterruptibly) after `self` on every exit: success, failure or
 * interruption. A failing finaliser replaces the outcome, as an exception in `finally`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.sleep(100).pipe(Aio.ensuring(Aio.sync(() => console.log("cleaned up"))));
 * ```
 */
export const ensuring =
  <E2>(finalizer: Aio<unknown, E2>) =>
  <A, E>(self: Aio<A, E>): Aio<A, E | E2> =>
    new OnExit(self, () => finalizer);

/**
 * Runs `cleanup(exit)` (uninterruptibly) after `self` on every exit.
 * @example
 * ```ts
 * import { Aio, Exit } from "aio-ts";
 * const p = Aio.succeed(1).pipe(Aio.onExit((e) => Aio.sync(() => console.log(Exit.isSuccess(e)))));
 * ```
 */
export const onExit =
  <A, E, E2>(cleanup: (exit: Exit.Exit<A, E>) => Aio<unknown, E2>) =>
  (self: Aio<A, E>): Aio<A, E | E2> =>
    new OnExit(self, cleanup);

/**
 * Runs `cleanup(message)` (uninterruptibly) if `self` is interrupted.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.never.pipe(Aio.onInterrupt((msg) => Aio.sync(() => console.log("cancelled", msg))));
 * ```
 */
export const onInterrupt =
  <E2>(cleanup: (message: string | undefined) => Aio<unknown, E2>) =>
  <A, E>(self: Aio<A, E>): Aio<A, E | E2> =>
    new OnExit(self, (e: Exit.Exit<A, E>) =>
      e._tag === "Failure" && e.cause._tag === "Interrupt" ? cleanup(e.cause.message) : unit,
    );

const unit: Aio<void> = new Succeed(undefined);
/**
 * An Aio that succeeds with `undefined`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const nothing = Aio.void;
 * ```
 */
export { unit as void };

/**
 * Runs `self` uninterruptibly: a cancellation that arrives meanwhile is delivered when
 * it ends (asyncio has no direct counterpart; `shield` is the nearest).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const commit = Aio.uninterruptible(Aio.sleep(50, "committed"));
 * ```
 */
export const uninterruptible = <A, E>(self: Aio<A, E>): Aio<A, E> => new SetInterruptible(self, false);

/**
 * Runs `f(restore)` uninterruptibly; `restore(aio)` runs `aio` with the
 * interruptibility the caller had.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.uninterruptibleMask((restore) => Aio.gen(function* () {
 *   const conn = yield* Aio.succeed("conn");    // not interruptible
 *   yield* restore(Aio.sleep(1000));             // interruptible
 *   return conn;
 * }));
 * ```
 */
export const uninterruptibleMask = <A, E>(
  f: (restore: <B, E2>(aio: Aio<B, E2>) => Aio<B, E2>) => Aio<A, E>,
): Aio<A, E> =>
  new WithFiber((fiber) => {
    const outer = fiber._interruptible;
    return new SetInterruptible(
      checkAio(
        "Aio.uninterruptibleMask: the function returned",
        f(<B, E2>(aio: Aio<B, E2>) => new SetInterruptible(aio, outer)),
      ),
      false,
    );
  });

/**
 * Bracket: `acquire` (uninterruptible), then `use`, then `release(resource, exit)`
 * (uninterruptible) on every exit of `use`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const p = Aio.acquireUseRelease(
 *   Aio.sync(() => ({ open: true })),
 *   (h) => Aio.succeed(h.open),
 *   (h) => Aio.sync(() => { h.open = false; }),
 * );
 * ```
 */
export const acquireUseRelease = <R, E1, A, E2, E3>(
  acquire: Aio<R, E1>,
  use: (resource: R) => Aio<A, E2>,
  release: (resource: R, exit: Exit.Exit<A, E2>) => Aio<unknown, E3>,
): Aio<A, E1 | E2 | E3> =>
  uninterruptibleMask((restore) =>
    new FlatMap(acquire, (r: R) => new OnExit(restore(suspend(() => use(r))), (e: Exit.Exit<A, E2>) => release(r, e))),
  );

/**
 * `acquireUseRelease` in two steps: `acquireRelease(acquire, release)(use)`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const withFile = Aio.acquireRelease(Aio.sync(() => "fd"), (fd) => Aio.sync(() => console.log("close", fd)));
 * const p = withFile((fd) => Aio.succeed(fd.length));
 * ```
 */
export const acquireRelease =
  <R, E1, E3>(acquire: Aio<R, E1>, release: (resource: R, exit: Exit.Exit<unknown, unknown>) => Aio<unknown, E3>) =>
  <A, E2>(use: (resource: R) => Aio<A, E2>): Aio<A, E1 | E2 | E3> =>
    acquireUseRelease(acquire, use, release);

/**
 * Turns any yieldable (Aio, Task or Future) into an Aio.
 * @example
 * ```ts
 * import { Aio, createFuture } from "aio-ts";
 * const waitFor = <A, E>(fut: Aio.Yieldable<A, E>) => Aio.from(fut);
 * ```
 */
export const from = <A, E>(y: Yieldable<A, E>): Aio<A, E> =>
  y instanceof AioClass ? y : new AwaitFuture(y);

/**
 * Whether a value is an Aio.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * Aio.isAio(Aio.succeed(1)); // true
 * ```
 */
export const isAio = (u: unknown): u is Aio<unknown, unknown> => u instanceof AioClass;
