/**
 * `Aio<A, E>`: a lazy, immutable description of an asynchronous computation (asyncio's
 * coroutine), its constructors and its combinators. Combinators are data-last, so they
 * compose with fp-ts `pipe` or the `.pipe()` method.
 *
 * @module Aio
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import { Aio as AioClass, type YieldOf } from "./internal/aio.js";
import { Never, Sleep } from "./internal/async.js";
import { AwaitFuture, type Future } from "./internal/future.js";
import { Gen } from "./internal/gen.js";
import {
  CatchCause,
  CatchFail,
  checkAio,
  ExitAio,
  FailCause,
  FlatMap,
  MapAio,
  MapError,
  OnExit,
  SetInterruptible,
  Succeed,
  Suspend,
  Sync,
  TryCatch,
  WithFiber,
} from "./internal/primitives.js";
import { debugActive } from "./internal/debug.js";
import { DebugGen } from "./debug.js";

export type { YieldOf };

// `Aio` here is the class itself (re-exported as a type), not an alias of it: a consumer's
// declaration emit can then name an inferred `Aio<…>` through the package entry (see
// `AioClass` in index.ts). The class's own doc comment describes it.
import type { Aio } from "./internal/aio.js";
export type { Aio };

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
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(1)); // 1
 * ```
 */
export const succeed = <A>(value: A): Aio<A> => new Succeed(value);

/**
 * An Aio that fails with the typed error `error`.
 * @example
 * ```ts runnable
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
 * ```ts runnable
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

export { async, promise, tryPromise } from "./aio-promise.js";


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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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

export {
  catchIf,
  catchTag,
  catchTags,
  fromEither,
  fromNullable,
  orElse,
  orElseSucceed,
  type EitherLike,
  type ExcludeTag,
  type ExtractTag,
  type TagHandlers,
  type TagsOf,
} from "./aio-errors.js";


// Retries and repeats with a Schedule (see src/schedule.ts and docs/retries.md).
export { retry, repeat } from "./schedule.js";

/**
 * Folds success and typed failure into a value (defects and interruptions pass).
 * @example
 * ```ts runnable
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
 * ```ts runnable
 * import { Aio, Exit, runSync } from "aio-ts";
 * Exit.isFailure(runSync(Aio.exit(Aio.fail("x")))); // true
 * ```
 */
export const exit = <A, E>(self: Aio<A, E>): Aio<Exit.Exit<A, E>> => new ExitAio(self);

/**
 * Runs `finalizer` (uninterruptibly) after `self` on every exit: success, failure or
 * interruption. A failing finaliser replaces the outcome, as an exception in `finally`.
 * @example
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
