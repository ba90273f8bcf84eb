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
 * ```ts runnable
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
import { Aio } from "./index.js";
// The data-first operations the instances share (internal, not exported).
import { _alt, _ap, _apPar, _bimap, _chain, _map, _mapLeft } from "./fp-ts/ops.js";

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

// ----- constructors and natural transformations ---------------------------------------------

/**
 * An Aio that succeeds with `a` (fp-ts's `of`; `Aio.succeed`).
 * @example
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.fromTask(() => Promise.resolve("done"))); // "done"
 * ```
 */
export const fromTask = <A, E = never>(task: Task<A>): Aio<A, E> => Aio.promise(() => task());

/**
 * An Aio that fails with `Left` or succeeds with `Right` (`Aio.fromEither`).
 * @example
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
 * import { runSync, Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Functor.map(Aio.succeed(1), (n) => n + 1)); // 2
 * ```
 */
export const Functor: Functor2<URI> = { URI, map: _map };

/**
 * `Apply` instance, sequential: `ap(fab, fa)` runs `fab`, then `fa`.
 * @example
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Chain.chain(Aio.succeed(2), (n) => Aio.succeed(n * 3))); // 6
 * ```
 */
export const Chain: Chain2<URI> = { URI, map: _map, ap: _ap, chain: _chain };

/**
 * `Monad` instance (its `ap` is the sequential one).
 * @example
 * ```ts runnable
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Monad.chain(AF.Monad.of(1), (n) => AF.Monad.of(n + 1))); // 2
 * ```
 */
export const Monad: Monad2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain };

/**
 * `MonadThrow` instance: `throwError` is a typed failure.
 * @example
 * ```ts runnable
 * import { runSyncExit } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSyncExit(AF.MonadThrow.throwError("bad")); // Exit.fail("bad")
 * ```
 */
export const MonadThrow: MonadThrow2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, throwError };

/**
 * `MonadIO` instance.
 * @example
 * ```ts runnable
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.MonadIO.fromIO(() => "io")); // "io"
 * ```
 */
export const MonadIO: MonadIO2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, fromIO };

/**
 * `MonadTask` instance.
 * @example
 * ```ts runnable
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.MonadTask.fromTask(() => Promise.resolve(1))); // 1
 * ```
 */
export const MonadTask: MonadTask2<URI> = { URI, map: _map, ap: _ap, of, chain: _chain, fromIO, fromTask };

/**
 * `Bifunctor` instance: `bimap` maps the error and the value, `mapLeft` the error.
 * @example
 * ```ts runnable
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
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.Alt.alt(Aio.fail("down"), () => Aio.succeed("fallback"))); // "fallback"
 * ```
 */
export const Alt: Alt2<URI> = { URI, map: _map, alt: _alt };

/**
 * `FromEither` instance.
 * @example
 * ```ts runnable
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
 * ```ts runnable
 * import { runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.FromIO.fromIO(() => 1)); // 1
 * ```
 */
export const FromIO: FromIO2<URI> = { URI, fromIO };

/**
 * `FromTask` instance.
 * @example
 * ```ts runnable
 * import { run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.FromTask.fromTask(() => Promise.resolve(1))); // 1
 * ```
 */
export const FromTask: FromTask2<URI> = { URI, fromIO, fromTask };

export * from "./fp-ts/pipeable.js";
export * from "./fp-ts/conversions.js";
