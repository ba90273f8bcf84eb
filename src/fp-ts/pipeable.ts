/**
 * `aio-ts/fp-ts`: the data-last (pipeable) functions with fp-ts's names, and the array traversals.
 * @module
 */
import type { LazyArg } from "fp-ts/function";
import { Aio, gather } from "../index.js";
import { _ap, _apPar, _bimap } from "./ops.js";

// ----- pipeable functions (data-last) -------------------------------------------------------

/**
 * Maps the value (`Aio.map`).
 * @example
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
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
 * ```ts runnable
 * import { Aio, run } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * await run(AF.sequenceSeqArray([Aio.sleep(20, 1), Aio.sleep(10, 2)])); // [1, 2] after 30 ms
 * ```
 */
export const sequenceSeqArray = <A, E>(as: ReadonlyArray<Aio<A, E>>): Aio<ReadonlyArray<A>, E> =>
  traverseSeqArray((a: Aio<A, E>) => a)(as);

