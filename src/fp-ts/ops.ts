/**
 * @internal The operations the fp-ts instances and the pipeable functions share (fp-ts's
 * argument order: data first). Not exported from `aio-ts/fp-ts`.
 */
import type { LazyArg } from "fp-ts/function";
import { Aio, gather } from "../index.js";

// ----- the operations the instances share -------------------------------------------------

/** @internal */
export const _map = <E, A, B>(fa: Aio<A, E>, f: (a: A) => B): Aio<B, E> => Aio.map(f)(fa);
// Sequential: the function's Aio first, then the argument's (fp-ts's ApplySeq order).
/** @internal */
export const _ap = <E, A, B>(fab: Aio<(a: A) => B, E>, fa: Aio<A, E>): Aio<B, E> =>
  Aio.flatMap((f: (a: A) => B) => Aio.map(f)(fa))(fab);
// Concurrent: both run as gather's children; the first failure cancels the other one.
/** @internal */
export const _apPar = <E, A, B>(fab: Aio<(a: A) => B, E>, fa: Aio<A, E>): Aio<B, E> =>
  Aio.map(([f, a]: [(a: A) => B, A]) => f(a))(gather([fab, fa] as const));
/** @internal */
export const _chain = <E, A, B>(fa: Aio<A, E>, f: (a: A) => Aio<B, E>): Aio<B, E> => Aio.flatMap(f)(fa);
/** @internal */
export const _bimap = <E, A, G, B>(fa: Aio<A, E>, f: (e: E) => G, g: (a: A) => B): Aio<B, G> =>
  Aio.mapError(f)(Aio.map(g)(fa));
/** @internal */
export const _mapLeft = <E, A, G>(fa: Aio<A, E>, f: (e: E) => G): Aio<A, G> => Aio.mapError(f)(fa);
/** @internal */
export const _alt = <E, A>(fa: Aio<A, E>, that: LazyArg<Aio<A, E>>): Aio<A, E> => Aio.orElse(that)(fa);
