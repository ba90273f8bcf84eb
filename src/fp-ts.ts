/**
 * fp-ts integration (`aio-ts/fp-ts`): `Aio` registered as an fp-ts higher-kinded type
 * (`URI`, `URItoKind2`), its type-class instances, data-last pipeable functions with
 * fp-ts's names, and conversions both ways with `Task`, `TaskEither`, `IO`, `IOEither`,
 * `Either` and `Option`.
 *
 * fp-ts is an optional peer dependency: this module imports only its *types*, so it loads
 * without fp-ts installed, and the main entry (`aio-ts`) never loads this module.
 *
 * Two Apply flavours: `Apply`/`Applicative` run their arguments one after the other (as
 * fp-ts's `ApplySeq` of TaskEither), `ApplyPar`/`ApplicativePar` run them concurrently
 * through `gather` (structured: the first failure cancels the other side). `Monad`'s `ap`
 * is the sequential one, so `Monad`'s laws hold.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { sequenceT } from "fp-ts/Apply";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const both = sequenceT(AF.ApplyPar)(Aio.sleep(100, 1), Aio.sleep(100, "two")); // 100 ms, not 200
 * const n = await run(pipe(both, AF.map(([a, b]) => a + b.length))); // 4
 * ```
 * @module fp-ts
 */
import type { Alt2 } from "fp-ts/Alt";
import type { Applicative2 } from "fp-ts/Applicative";
import type { Apply2 } from "fp-ts/Apply";
import type { Bifunctor2 } from "fp-ts/Bifunctor";
import type { Chain2 } from "fp-ts/Chain";
import type { Either } from "fp-ts/Either";
import type { FromEither2 } from "fp-ts/FromEither";
import type { FromIO2 } from "fp-ts/FromIO";
import type { FromTask2 } from "fp-ts/FromTask";
import type { LazyArg } from "fp-ts/function";
import type { Functor2 } from "fp-ts/Functor";
import type { IO } from "fp-ts/IO";
import type { IOEither } from "fp-ts/IOEither";
import type { Monad2 } from "fp-ts/Monad";
import type { MonadIO2 } from "fp-ts/MonadIO";
import type { MonadTask2 } from "fp-ts/MonadTask";
import type { MonadThrow2 } from "fp-ts/MonadThrow";
import type { Option } from "fp-ts/Option";
import type { Task } from "fp-ts/Task";
import type { TaskEither } from "fp-ts/TaskEither";
import { Aio, Exit, gather, runExit, runSyncExit } from "./index.js";
import type { RunOptions, Runtime, RuntimeRunOptions } from "./index.js";

// ----- the higher-kinded type ------------------------------------------------------------

/**
 * The fp-ts URI of `Aio`: `Kind2<URI, E, A>` is `Aio<A, E>` (fp-ts puts the error first).
 * @example
 * ```ts
 * import type { Kind2 } from "fp-ts/HKT";
 * import type { Aio } from "aio-ts";
 * import type { URI } from "aio-ts/fp-ts";
 * const k: Kind2<URI, string, number> = null as unknown as Aio<number, string>;
 * ```
 */
export const URI = "aio-ts/Aio";
/**
 * The type of `URI`.
 * @example
 * ```ts
 * import * as AF from "aio-ts/fp-ts";
 * const uri: AF.URI = AF.URI;
 * ```
 */
export type URI = typeof URI;

declare module "fp-ts/HKT" {
  interface URItoKind2<E, A> {
    readonly [URI]: Aio<A, E>;
  }
}

// ----- the operations the instances share -------------------------------------------------

const _map = <E, A, B>(fa: Aio<A, E>, f: (a: A) => B): Aio<B, E> => Aio.map(f)(fa);
// Sequential: the function's Aio first, then the argument's (fp-ts's ApplySeq order).
const _ap = <E, A, B>(fab: Aio<(a: A) => B, E>, fa: Aio<A, E>): Aio<B, E> =>
  Aio.flatMap((f: (a: A) => B) => Aio.map(f)(fa))(fab);
// Concurrent: both run as gather's children; the first failure cancels the other one.
const _apPar = <E, A, B>(fab: Aio<(a: A) => B, E>, fa: Aio<A, E>): Aio<B, E> =>
  Aio.map(([f, a]: [(a: A) => B, A]) => f(a))(gather([fab, fa] as const));
const _chain = <E, A, B>(fa: Aio<A, E>, f: (a: A) => Aio<B, E>): Aio<B, E> => Aio.flatMap(f)(fa);
const _bimap = <E, A, G, B>(fa: Aio<A, E>, f: (e: E) => G, g: (a: A) => B): Aio<B, G> =>
  Aio.mapError(f)(Aio.map(g)(fa));
const _mapLeft = <E, A, G>(fa: Aio<A, E>, f: (e: E) => G): Aio<A, G> => Aio.mapError(f)(fa);
const _alt = <E, A>(fa: Aio<A, E>, that: LazyArg<Aio<A, E>>): Aio<A, E> => Aio.orElse(that)(fa);

// ----- constructors and natural transformations ---------------------------------------------

/**
 * An Aio that succeeds with `a` (fp-ts's `of`; `Aio.succeed`).
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.of(1)); // 1
 * ```
 */
export const of = <A, E = never>(a: A): Aio<A, E> => Aio.succeed(a);

/**
 * An Aio that fails with the typed error `e` (fp-ts's `throwError`/`left`; `Aio.fail`).
 * @example
 * ```ts
 * import type { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const nope: Aio<number, string> = AF.throwError("nope");
 * ```
 */
export const throwError = <E, A = never>(e: E): Aio<A, E> => Aio.fail(e);

/**
 * An Aio that runs the `IO` each time it runs; a throw in it is a defect (an `IO` must not
 * throw).
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.fromIO(() => 42)); // 42
 * ```
 */
export const fromIO = <A, E = never>(io: IO<A>): Aio<A, E> => Aio.sync(io);

/**
 * An Aio that runs the `Task` each time it runs and waits for its promise; a rejection is
 * a defect (a `Task` must not reject). Cancelling the fiber stops waiting; the promise's
 * late result is dropped.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.fromTask(() => Promise.resolve("done"))); // "done"
 * ```
 */
export const fromTask = <A, E = never>(task: Task<A>): Aio<A, E> => Aio.promise(() => task());

/**
 * An Aio that fails with `Left` or succeeds with `Right` (`Aio.fromEither`).
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.fromEither(E.right(1))); // 1
 * ```
 */
export const fromEither = <E, A>(fa: Either<E, A>): Aio<A, E> => Aio.fromEither(fa);

/**
 * An Aio that succeeds with the `Some` value, or fails with `onNone()` for `None`
 * (called when the Aio runs).
 * @example
 * ```ts
 * import * as O from "fp-ts/Option";
 * import { pipe } from "fp-ts/function";
 * import type { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const user: Aio<string, "NotFound"> = pipe(O.some("ada"), AF.fromOption(() => "NotFound" as const));
 * ```
 */
export const fromOption =
  <E>(onNone: LazyArg<E>) =>
  <A>(fa: Option<A>): Aio<A, E> =>
    fa._tag === "Some" ? Aio.succeed(fa.value) : Aio.suspend(() => Aio.fail(onNone()));

/**
 * An Aio that runs the `IOEither` each time it runs: `Left` is the typed failure, a throw
 * a defect.
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(AF.fromIOEither(() => E.left("bad"))); // Exit.fail("bad")
 * ```
 */
export const fromIOEither = <E, A>(fa: IOEither<E, A>): Aio<A, E> =>
  Aio.flatMap((e: Either<E, A>) => Aio.fromEither(e))(Aio.sync(fa));

/**
 * An Aio that runs the `TaskEither` each time it runs: `Left` is the typed failure; a
 * rejection of its promise is a defect (a `TaskEither` must not reject).
 * @example
 * ```ts
 * import * as TE from "fp-ts/TaskEither";
 * import { runExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await runExit(AF.fromTaskEither(TE.left("offline"))); // Exit.fail("offline")
 * ```
 */
export const fromTaskEither = <E, A>(fa: TaskEither<E, A>): Aio<A, E> =>
  Aio.flatMap((e: Either<E, A>) => Aio.fromEither(e))(Aio.promise(() => fa()));

// ----- instances -------------------------------------------------------------------------

/**
 * `Functor` instance.
 * @example
 * ```ts
 * import { runSync, Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Functor.map(Aio.succeed(1), (n) => n + 1)); // 2
 * ```
 */
export const Functor: Functor2<URI> = { URI, map: _map };

/**
 * `Apply` instance, sequential: `ap(fab, fa)` runs `fab`, then `fa`.
 * @example
 * ```ts
 * import { sequenceT } from "fp-ts/Apply";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(sequenceT(AF.Apply)(Aio.sleep(10, 1), Aio.sleep(10, 2))); // [1, 2] after 20 ms
 * ```
 */
export const Apply: Apply2<URI> = { URI, map: _map, ap: _ap };

/**
 * `Apply` instance, concurrent: `ap(fab, fa)` runs both through `gather`; the first
 * typed failure (in completion order) wins and cancels the other side.
 * @example
 * ```ts
 * import { sequenceS } from "fp-ts/Apply";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(sequenceS(AF.ApplyPar)({ a: Aio.sleep(10, 1), b: Aio.sleep(10, "b") })); // { a: 1, b: "b" } after 10 ms
 * ```
 */
export const ApplyPar: Apply2<URI> = { URI, map: _map, ap: _apPar };

/**
 * `Applicative` instance, sequential.
 * @example
 * ```ts
 * import * as RA from "fp-ts/ReadonlyArray";
 * import { pipe } from "fp-ts/function";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(pipe([1, 2, 3], RA.traverse(AF.Applicative)((n) => Aio.sleep(n, n * 2)))); // [2, 4, 6]
 * ```
 */
export const Applicative: Applicative2<URI> = { URI, map: _map, ap: _ap, of };

/**
 * `Applicative` instance, concurrent (through `gather`).
 * @example
 * ```ts
 * import * as RA from "fp-ts/ReadonlyArray";
 * import { pipe } from "fp-ts/function";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(pipe([30, 10, 20], RA.traverse(AF.ApplicativePar)((ms) => Aio.sleep(ms, ms)))); // [30, 10, 20] after 30 ms
 * ```
 */
export const ApplicativePar: Applicative2<URI> = { URI, map: _map, ap: _apPar, of };

/**
 * `Chain` instance.
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Chain.chain(Aio.succeed(2), (n) => Aio.succeed(n * 3))); // 6
 * ```
 */
export const Chain: Chain2<URI> = { URI, map: _map, ap: _ap, chain: _chain };

/**
 * `Monad` instance (its `ap` is the sequential one).
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Monad.chain(AF.Monad.of(1), (n) => AF.Monad.of(n + 1))); // 2
 * ```
 */
export const Monad: Monad2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain };

/**
 * `MonadThrow` instance: `throwError` is a typed failure.
 * @example
 * ```ts
 * import { runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(AF.MonadThrow.throwError("bad")); // Exit.fail("bad")
 * ```
 */
export const MonadThrow: MonadThrow2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, throwError };

/**
 * `MonadIO` instance.
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.MonadIO.fromIO(() => "io")); // "io"
 * ```
 */
export const MonadIO: MonadIO2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, fromIO };

/**
 * `MonadTask` instance.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.MonadTask.fromTask(() => Promise.resolve(1))); // 1
 * ```
 */
export const MonadTask: MonadTask2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, fromIO, fromTask };

/**
 * `Bifunctor` instance: `bimap` maps the error and the value, `mapLeft` the error.
 * @example
 * ```ts
 * import { Aio, runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(AF.Bifunctor.mapLeft(Aio.fail(404), (code) => `HTTP ${code}`)); // Exit.fail("HTTP 404")
 * ```
 */
export const Bifunctor: Bifunctor2<URI> = { URI, bimap: _bimap, mapLeft: _mapLeft };

/**
 * `Alt` instance: `alt(fa, that)` runs `that()` if `fa` fails with a typed error
 * (defects and interruptions pass).
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Alt.alt(Aio.fail("down"), () => Aio.succeed("fallback"))); // "fallback"
 * ```
 */
export const Alt: Alt2<URI> = { URI, map: _map, alt: _alt };

/**
 * `FromEither` instance.
 * @example
 * ```ts
 * import * as E from "fp-ts/Either";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.FromEither.fromEither(E.right("ok"))); // "ok"
 * ```
 */
export const FromEither: FromEither2<URI> = { URI, fromEither };

/**
 * `FromIO` instance.
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.FromIO.fromIO(() => 1)); // 1
 * ```
 */
export const FromIO: FromIO2<URI> = { URI, fromIO };

/**
 * `FromTask` instance.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.FromTask.fromTask(() => Promise.resolve(1))); // 1
 * ```
 */
export const FromTask: FromTask2<URI> = { URI, fromIO, fromTask };

// ----- pipeable functions (data-last) -------------------------------------------------------

/**
 * Maps the value (`Aio.map`).
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of(1), AF.map((n) => n + 1))); // 2
 * ```
 */
export const map =
  <A, B>(f: (a: A) => B) =>
  <E>(fa: Aio<A, E>): Aio<B, E> =>
    Aio.map(f)(fa);

/**
 * Applies the function in `fab` to the value of `fa`, running `fab` then `fa`
 * (sequential). The error types widen to their union.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of((n: number) => n * 2), AF.ap(AF.of(21)))); // 42
 * ```
 */
export const ap =
  <A, E2>(fa: Aio<A, E2>) =>
  <B, E1>(fab: Aio<(a: A) => B, E1>): Aio<B, E1 | E2> =>
    _ap<E1 | E2, A, B>(fab, fa);

/**
 * `ap`, concurrently: `fab` and `fa` run as `gather`'s children; the first typed failure
 * (in completion order) cancels the other side.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(pipe(Aio.sleep(50, (n: number) => n + 1), AF.apPar(Aio.sleep(50, 1)))); // 2, after 50 ms
 * ```
 */
export const apPar =
  <A, E2>(fa: Aio<A, E2>) =>
  <B, E1>(fab: Aio<(a: A) => B, E1>): Aio<B, E1 | E2> =>
    _apPar<E1 | E2, A, B>(fab, fa);

/**
 * Runs `first` then `second`, keeping the value of `first`.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of("a"), AF.apFirst(AF.of("b")))); // "a"
 * ```
 */
export const apFirst =
  <B, E2>(second: Aio<B, E2>) =>
  <A, E1>(first: Aio<A, E1>): Aio<A, E1 | E2> =>
    Aio.flatMap((a: A) => Aio.as(a)(second))(first);

/**
 * Runs `first` then `second`, keeping the value of `second`.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of("a"), AF.apSecond(AF.of("b")))); // "b"
 * ```
 */
export const apSecond =
  <B, E2>(second: Aio<B, E2>) =>
  <A, E1>(first: Aio<A, E1>): Aio<B, E1 | E2> =>
    Aio.flatMap(() => second)(first);

/**
 * Chains an Aio that depends on the value (`Aio.flatMap`; fp-ts's `chainW` typing: the
 * error types widen to their union).
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of(2), AF.chain((n) => AF.of(n * 5)))); // 10
 * ```
 */
export const chain =
  <A, B, E2>(f: (a: A) => Aio<B, E2>) =>
  <E1>(ma: Aio<A, E1>): Aio<B, E1 | E2> =>
    Aio.flatMap(f)(ma);

/**
 * Alias of `chain` (fp-ts ≥ 2.14's name).
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of(2), AF.flatMap((n) => AF.of(n + 1)))); // 3
 * ```
 */
export const flatMap = chain;

/**
 * Chains an Aio for its effect, keeping the first value (`Aio.tap`).
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(AF.of(2), AF.chainFirst((n) => AF.fromIO(() => console.log(n))))); // 2
 * ```
 */
export const chainFirst =
  <A, B, E2>(f: (a: A) => Aio<B, E2>) =>
  <E1>(ma: Aio<A, E1>): Aio<A, E1 | E2> =>
    Aio.tap(f)(ma);

/**
 * Flattens an Aio of an Aio.
 * @example
 * ```ts
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.flatten(AF.of(AF.of(1)))); // 1
 * ```
 */
export const flatten = <A, E1, E2>(mma: Aio<Aio<A, E2>, E1>): Aio<A, E1 | E2> =>
  Aio.flatMap((ma: Aio<A, E2>) => ma)(mma);

/**
 * Maps the typed error with `f` and the value with `g`.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(pipe(Aio.fail(404), AF.bimap((c) => `HTTP ${c}`, (a: number) => a + 1))); // Exit.fail("HTTP 404")
 * ```
 */
export const bimap =
  <E, G, A, B>(f: (e: E) => G, g: (a: A) => B) =>
  (fa: Aio<A, E>): Aio<B, G> =>
    _bimap(fa, f, g);

/**
 * Maps the typed error (`Aio.mapError`).
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(pipe(Aio.fail(404), AF.mapLeft((c) => `HTTP ${c}`))); // Exit.fail("HTTP 404")
 * ```
 */
export const mapLeft =
  <E, G>(f: (e: E) => G) =>
  <A>(fa: Aio<A, E>): Aio<A, G> =>
    Aio.mapError(f)(fa);

/**
 * Falls back to `that()` on a typed failure (fp-ts's `altW` typing: the value types
 * widen, the error is `that`'s). Defects and interruptions pass.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(pipe(Aio.fail("down"), AF.alt(() => AF.of("cached")))); // "cached"
 * ```
 */
export const alt =
  <B, E2>(that: LazyArg<Aio<B, E2>>) =>
  <A, E1>(fa: Aio<A, E1>): Aio<A | B, E2> =>
    Aio.orElse(that)(fa);

// ----- arrays -----------------------------------------------------------------------------

/**
 * Maps each element to an Aio and runs them all concurrently through one `gather`
 * (flat, unlike `ReadonlyArray.traverse(ApplicativePar)`, which nests one `ap` per
 * element): the values in input order; the first typed failure cancels the rest.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(pipe([30, 10, 20], AF.traverseArray((ms) => Aio.sleep(ms, ms)))); // [30, 10, 20] after 30 ms
 * ```
 */
export const traverseArray =
  <A, B, E>(f: (a: A, i: number) => Aio<B, E>) =>
  (as: ReadonlyArray<A>): Aio<ReadonlyArray<B>, E> =>
    Aio.suspend(() => gather(as.map(f)) as Aio<ReadonlyArray<B>, E>);

/**
 * Maps each element to an Aio and runs them one after the other: the values in input
 * order; the first typed failure stops it.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(pipe([30, 10, 20], AF.traverseSeqArray((ms) => Aio.sleep(ms, ms)))); // [30, 10, 20] after 60 ms
 * ```
 */
export const traverseSeqArray =
  <A, B, E>(f: (a: A, i: number) => Aio<B, E>) =>
  (as: ReadonlyArray<A>): Aio<ReadonlyArray<B>, E> =>
    Aio.gen(function* () {
      const out: B[] = [];
      for (let i = 0; i < as.length; i++) out.push(yield* f(as[i] as A, i));
      return out as ReadonlyArray<B>;
    });

/**
 * Runs the Aios concurrently (one `gather`): their values in order.
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.sequenceArray([Aio.sleep(20, 1), Aio.sleep(10, 2)])); // [1, 2] after 20 ms
 * ```
 */
export const sequenceArray = <A, E>(as: ReadonlyArray<Aio<A, E>>): Aio<ReadonlyArray<A>, E> =>
  traverseArray((a: Aio<A, E>) => a)(as);

/**
 * Runs the Aios one after the other: their values in order.
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.sequenceSeqArray([Aio.sleep(20, 1), Aio.sleep(10, 2)])); // [1, 2] after 30 ms
 * ```
 */
export const sequenceSeqArray = <A, E>(as: ReadonlyArray<Aio<A, E>>): Aio<ReadonlyArray<A>, E> =>
  traverseSeqArray((a: Aio<A, E>) => a)(as);

// ----- conversions to fp-ts ------------------------------------------------------------------

/**
 * An Aio that never fails: `Right` with the value or `Left` with the typed error
 * (defects and interruptions pass through unchanged).
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.toEither(Aio.fail("x"))); // { _tag: "Left", left: "x" }
 * ```
 */
export const toEither = <A, E>(fa: Aio<A, E>): Aio<Either<E, A>> =>
  Aio.match({
    onSuccess: (right: A): Either<E, A> => ({ _tag: "Right", right }),
    onFailure: (left: E): Either<E, A> => ({ _tag: "Left", left }),
  })(fa);

/**
 * An Aio that never fails: `Some` with the value, `None` for a typed failure (defects and
 * interruptions pass through unchanged).
 * @example
 * ```ts
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.toOption(Aio.fail("x"))); // { _tag: "None" }
 * ```
 */
export const toOption = <A, E>(fa: Aio<A, E>): Aio<Option<A>> =>
  Aio.match({
    onSuccess: (value: A): Option<A> => ({ _tag: "Some", value }),
    onFailure: (): Option<A> => ({ _tag: "None" }),
  })(fa);

/**
 * Where `toTask` and `toTaskEither` run the program: a fresh event loop per call (as
 * `run`, with its options: `virtualTime`, `signal`, `handleSignals`), or a `Runtime`'s
 * loop (`{ runtime, signal? }`), the one to use when many tasks share a process.
 * @example
 * ```ts
 * import { createRuntime } from "aio-ts";
 * import type { RunWith } from "aio-ts/fp-ts";
 * const fresh: RunWith = { virtualTime: true };
 * const shared: RunWith = { runtime: createRuntime() };
 * ```
 */
export type RunWith = RunOptions | ({ readonly runtime: Runtime } & RuntimeRunOptions);

const exitOf = <A, E>(fa: Aio<A, E>, options: RunWith | undefined): Promise<Exit.Exit<A, E>> => {
  if (options !== undefined && "runtime" in options) {
    const { runtime, ...rest } = options;
    return runtime.runExit(fa, rest);
  }
  return runExit(fa, options);
};

/**
 * A `TaskEither` that runs the program each time it is called (see `RunWith`): `Right`
 * with its value, `Left` with its typed error. A defect rejects the Task's promise with
 * the defect; an interruption (the `signal`, or the runtime disposed) rejects it with a
 * `CancelledError`. Calling it inside a running program rejects with an `EventLoopError`
 * (there, `yield*` the Aio instead).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const te = AF.toTaskEither(Aio.fail("offline"));
 * await te(); // { _tag: "Left", left: "offline" }
 * ```
 */
export const toTaskEither =
  <A, E>(fa: Aio<A, E>, options?: RunWith): TaskEither<E, A> =>
  () =>
    exitOf(fa, options).then((exit): Either<E, A> => {
      if (exit._tag === "Success") return { _tag: "Right", right: exit.value };
      if (exit.cause._tag === "Fail") return { _tag: "Left", left: exit.cause.error };
      return Exit.getOrThrow(exit) as never; // throws the defect or a CancelledError
    });

/**
 * A `Task` that runs the program each time it is called (see `RunWith`) and resolves with
 * its value. Only an Aio that cannot fail with a typed error converts (use `toTaskEither`
 * or `toEither` first); a defect rejects the promise with the defect, an interruption
 * with a `CancelledError`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const t = AF.toTask(Aio.sleep(10, "done"));
 * await t(); // "done"
 * ```
 */
export const toTask =
  <A>(fa: Aio<A>, options?: RunWith): Task<A> =>
  () =>
    exitOf(fa, options).then(Exit.getOrThrow);

/**
 * An `IOEither` that runs the program synchronously (`runSyncExit`) each time it is
 * called: `Right` with its value, `Left` with its typed error. For programs that never
 * suspend: one that waits on a timer, a promise or another task throws an
 * `EventLoopError`; a defect throws the defect, an interruption a `CancelledError`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * AF.toIOEither(Aio.fail("bad"))(); // { _tag: "Left", left: "bad" }
 * ```
 */
export const toIOEither =
  <A, E>(fa: Aio<A, E>): IOEither<E, A> =>
  () => {
    const exit = runSyncExit(fa);
    if (exit._tag === "Success") return { _tag: "Right", right: exit.value };
    if (exit.cause._tag === "Fail") return { _tag: "Left", left: exit.cause.error };
    return Exit.getOrThrow(exit) as never;
  };

/**
 * An `IO` that runs the program synchronously (`runSync`) each time it is called. Only an
 * Aio that cannot fail with a typed error converts; as `toIOEither`, a program that
 * suspends throws an `EventLoopError`, a defect throws the defect.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * AF.toIO(Aio.sync(() => 1 + 1))(); // 2
 * ```
 */
export const toIO =
  <A>(fa: Aio<A>): IO<A> =>
  () =>
    Exit.getOrThrow(runSyncExit(fa));
