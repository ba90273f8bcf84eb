/**
 * Type tests of aio-ts/fp-ts against the built declarations (`npm run build && npm run
 * test:types`): the URItoKind2 registration, what fp-ts's generic helpers (sequenceT,
 * sequenceS, traverse, apS/bind) infer for Aio values, the pipeable functions' widening,
 * and the conversions' types.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import { sequenceS, sequenceT } from "fp-ts/Apply";
import type * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import type { Kind2 } from "fp-ts/HKT";
import type * as O from "fp-ts/Option";
import * as RA from "fp-ts/ReadonlyArray";
import type { IO } from "fp-ts/IO";
import type { IOEither } from "fp-ts/IOEither";
import type { Task } from "fp-ts/Task";
import type { TaskEither } from "fp-ts/TaskEither";
import { Aio } from "aio-ts";
import * as AF from "aio-ts/fp-ts";

declare const n: Aio<number, "E1">;
declare const s: Aio<string, "E2">;
declare const b: Aio<boolean, "E1">;

// The HKT registration: Kind2<URI, E, A> is Aio<A, E>.
expectType<Aio<number, string>>({} as Kind2<AF.URI, string, number>);
expectType<"aio-ts/Aio">(AF.URI);

// fp-ts's generic helpers infer Aio types (fp-ts's instances keep E invariant: one E).
declare const n1: Aio<number, "E">;
declare const s1: Aio<string, "E">;
expectType<Aio<[number, string], "E">>(sequenceT(AF.ApplyPar)(n1, s1));
expectType<Aio<[number, string], "E">>(sequenceT(AF.Apply)(n1, s1));
expectType<Aio<{ a: number; b: string }, "E">>(sequenceS(AF.ApplyPar)({ a: n1, b: s1 }));
expectType<Aio<ReadonlyArray<string>, "E">>(pipe([1, 2], RA.traverse(AF.ApplicativePar)((_x: number) => s1)));
expectType<Aio<ReadonlyArray<string>, "E">>(pipe([1, 2], RA.traverse(AF.Applicative)((_x: number) => s1)));
// fp-ts's instances (E fixed): mixing error types does not compile
expectError(sequenceT(AF.ApplyPar)(n, s));

// Pipeable functions widen the error union (fp-ts's "W" typing)
expectType<Aio<number, "E1" | "E2">>(pipe(s, AF.chain((x) => Aio.succeed(x.length).pipe(AF.mapLeft((): "E1" => "E1")))));
expectType<Aio<number, "E2" | "E1">>(pipe(s, AF.map((x) => (x.length > 0 ? (x: number) => x : (x: number) => -x)), AF.ap(n)));
expectType<Aio<number, "E2" | "E1">>(pipe(s, AF.map(() => (x: number) => x), AF.apPar(n)));
expectType<Aio<string, "E2" | "E1">>(pipe(s, AF.apFirst(b)));
expectType<Aio<boolean, "E2" | "E1">>(pipe(s, AF.apSecond(b)));
expectType<Aio<string, "E2" | "E1">>(pipe(s, AF.chainFirst(() => n)));
expectType<Aio<number, "E1" | "E2">>(AF.flatten({} as Aio<Aio<number, "E2">, "E1">));
expectType<Aio<string | number, "E1">>(pipe(s, AF.alt(() => n)));
expectType<Aio<boolean, 404>>(pipe(n, AF.bimap((): 404 => 404, (x) => x > 0)));
expectType<Aio<number, { code: "E1" }>>(pipe(n, AF.mapLeft((e) => ({ code: e }))));
expectType<Aio<ReadonlyArray<string>, "E2">>(pipe([1, 2], AF.traverseArray(() => s)));
expectType<Aio<ReadonlyArray<number>, "E1">>(AF.sequenceSeqArray([n, n]));

// Constructors
expectType<Aio<number, never>>(AF.of(1));
expectType<Aio<never, string>>(AF.throwError("x"));
expectType<Aio<number, never>>(AF.fromIO(() => 1));
expectType<Aio<number, never>>(AF.fromTask(() => Promise.resolve(1)));
expectType<Aio<number, string>>(AF.fromEither({} as E.Either<string, number>));
expectType<Aio<number, "None">>(pipe({} as O.Option<number>, AF.fromOption((): "None" => "None")));
expectType<Aio<number, string>>(AF.fromIOEither({} as IOEither<string, number>));
expectType<Aio<number, string>>(AF.fromTaskEither({} as TaskEither<string, number>));

// Conversions out
expectType<Aio<E.Either<"E1", number>, never>>(AF.toEither(n));
expectType<Aio<O.Option<number>, never>>(AF.toOption(n));
expectType<TaskEither<"E1", number>>(AF.toTaskEither(n));
expectType<IOEither<"E1", number>>(AF.toIOEither(n));
expectAssignable<Task<number>>(AF.toTask(Aio.succeed(1)));
expectAssignable<IO<number>>(AF.toIO(Aio.succeed(1)));
// toTask / toIO only for an Aio that cannot fail with a typed error
expectError(AF.toTask(n));
expectError(AF.toIO(n));
