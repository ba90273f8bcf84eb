/**
 * Type tests of the combinators (gather, gatherExits, race, wait, waitFor, asCompleted,
 * shield, timeout, taskGroup), checked against the built declarations by tsd:
 * `npm run build && npm run test:types`.
 *
 * `expectType<T>(x)` is strict: the type of `x` must be identical to `T` (so `any`, or a
 * wider/narrower type, fails). Misuse TypeScript reports with a code `expectError` does
 * not accept is asserted with `// @ts-expect-error` instead.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import {
  ALL_COMPLETED,
  Aio,
  ExceptionGroup,
  Exit,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  Task,
  TaskGroup,
  Timeout,
  TimeoutError,
  asCompleted,
  gather,
  gatherExits,
  type GatherOptions,
  race,
  shield,
  taskGroup,
  timeout,
  timeoutAt,
  wait,
  waitFor,
} from "aio-ts";
import type { AsFuture, Awaitable, AwaitableError, AwaitableValue, ReturnWhen, WaitResult } from "aio-ts";

type IsAny<T> = 0 extends 1 & T ? true : false;

// Sample values: distinct value and error types per position.
declare const a1: Aio.Aio<1, "e1">;
declare const a2: Aio.Aio<"two", "e2">;
declare const a3: Aio.Aio<boolean, never>;
declare const a4: Aio.Aio<4, "e4">;
declare const a5: Aio.Aio<5, "e5">;
declare const a6: Aio.Aio<6, "e6">;
declare const a7: Aio.Aio<7, "e7">;
declare const a8: Aio.Aio<8, "e8">;
declare const a9: Aio.Aio<9, "e9">;
declare const a10: Aio.Aio<10, "e10">;
declare const task: Task<number, "boom">;
declare const fut: Future<string, TimeoutError>;
declare const nums: Array<Aio.Aio<number, "n">>;
declare const roTuple: readonly [Aio.Aio<1, "e1">, Aio.Aio<"two", "e2">];
declare const roArray: ReadonlyArray<Aio.Aio<string>>;

// =======================================================================================
// Awaitable helpers

expectType<1>({} as AwaitableValue<typeof a1>);
expectType<"e1">({} as AwaitableError<typeof a1>);
expectType<number>({} as AwaitableValue<typeof task>);
expectType<"boom">({} as AwaitableError<typeof task>);
expectType<string>({} as AwaitableValue<typeof fut>);
expectType<TimeoutError>({} as AwaitableError<typeof fut>);
expectType<Task<1, "e1">>({} as AsFuture<typeof a1>);
expectType<Task<number, "boom">>({} as AsFuture<typeof task>);
expectType<Future<string, TimeoutError>>({} as AsFuture<typeof fut>);
expectAssignable<Awaitable>(a1);
expectAssignable<Awaitable>(task);
expectAssignable<Awaitable>(fut);

// =======================================================================================
// gather: tuples of length 0 to 10, mixed value and error types

expectType<Aio.Aio<[], never>>(gather());
expectType<Aio.Aio<[1], "e1">>(gather(a1));
expectType<Aio.Aio<[1, "two"], "e1" | "e2">>(gather(a1, a2));
expectType<Aio.Aio<[1, "two", boolean], "e1" | "e2">>(gather(a1, a2, a3));
expectType<Aio.Aio<[1, "two", boolean, 4], "e1" | "e2" | "e4">>(gather(a1, a2, a3, a4));
expectType<Aio.Aio<[1, "two", boolean, 4, 5], "e1" | "e2" | "e4" | "e5">>(gather(a1, a2, a3, a4, a5));
expectType<Aio.Aio<[1, "two", boolean, 4, 5, 6], "e1" | "e2" | "e4" | "e5" | "e6">>(gather(a1, a2, a3, a4, a5, a6));
expectType<Aio.Aio<[1, "two", boolean, 4, 5, 6, 7], "e1" | "e2" | "e4" | "e5" | "e6" | "e7">>(
  gather(a1, a2, a3, a4, a5, a6, a7),
);
expectType<Aio.Aio<[1, "two", boolean, 4, 5, 6, 7, 8], "e1" | "e2" | "e4" | "e5" | "e6" | "e7" | "e8">>(
  gather(a1, a2, a3, a4, a5, a6, a7, a8),
);
expectType<Aio.Aio<[1, "two", boolean, 4, 5, 6, 7, 8, 9], "e1" | "e2" | "e4" | "e5" | "e6" | "e7" | "e8" | "e9">>(
  gather(a1, a2, a3, a4, a5, a6, a7, a8, a9),
);
expectType<
  Aio.Aio<[1, "two", boolean, 4, 5, 6, 7, 8, 9, 10], "e1" | "e2" | "e4" | "e5" | "e6" | "e7" | "e8" | "e9" | "e10">
>(gather(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10));
// beyond 10: still exact
expectType<Aio.Aio<[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], "e1">>(gather(a1, a1, a1, a1, a1, a1, a1, a1, a1, a1, a1, a1));

// tasks and futures mix with Aio values
expectType<Aio.Aio<[1, number, string], "e1" | "boom" | TimeoutError>>(gather(a1, task, fut));

// arrays, array literals, readonly tuples, readonly arrays
expectType<Aio.Aio<number[], "n">>(gather(nums));
expectType<Aio.Aio<[1, "two"], "e1" | "e2">>(gather([a1, a2]));
expectType<Aio.Aio<[1, "two"], "e1" | "e2">>(gather(roTuple));
expectType<Aio.Aio<string[], never>>(gather(roArray));
expectType<Aio.Aio<[], never>>(gather([]));

// the value is a tuple: positions are typed, out-of-range is an error
Aio.gen(function* () {
  const r = yield* gather(a1, a2, a3);
  expectType<[1, "two", boolean]>(r);
  expectType<1>(r[0]);
  // @ts-expect-error: a 3-tuple has no index 3
  r[3];
});

// returnExceptions: a tuple of exact Exits, and no error type
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<"two", "e2">], never>>(gather([a1, a2], { returnExceptions: true }));
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<number, "boom">], never>>(gather(a1, task, { returnExceptions: true }));
expectType<Aio.Aio<Array<Exit.Exit<number, "n">>, never>>(gather(nums, { returnExceptions: true }));
expectType<Aio.Aio<[1, "two"], "e1" | "e2">>(gather([a1, a2], { returnExceptions: false }));
expectType<Aio.Aio<[1, "two"], "e1" | "e2">>(gather(a1, a2, { returnExceptions: false }));
// a boolean known at run time: the union of both forms
declare const flag: boolean;
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<"two", "e2">] | [1, "two"], "e1" | "e2">>(
  gather(a1, a2, { returnExceptions: flag }),
);
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<"two", "e2">] | [1, "two"], "e1" | "e2">>(
  gather([a1, a2], { returnExceptions: flag }),
);
declare const opts: GatherOptions;
expectType<Aio.Aio<Array<Exit.Exit<number, "n">> | number[], "n">>(gather(nums, opts));
// an empty options object, or an unknown key, is not options (a TypeError at run time too)
// @ts-expect-error: {} is not an awaitable, nor options
gather(a1, a2, {});
// @ts-expect-error: asyncio's spelling is not an option
gather(a1, a2, { return_exceptions: true });
// @ts-expect-error: an unknown key next to a known one
gather([a1, a2], { returnExceptions: true, extra: 1 });
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<"two", "e2">, Exit.Exit<boolean, never>], never>>(gatherExits(a1, a2, a3));
expectType<Aio.Aio<[Exit.Exit<1, "e1">, Exit.Exit<"two", "e2">], never>>(gatherExits(roTuple));
expectType<Aio.Aio<Array<Exit.Exit<number, "n">>, never>>(gatherExits(nums));
expectType<Aio.Aio<[], never>>(gatherExits());

// reading a failure as a value: an Exit must be narrowed first
Aio.gen(function* () {
  const exits = yield* gatherExits(a1, a2);
  expectError(exits[0].value);
  const first = exits[0];
  if (Exit.isSuccess(first)) expectType<1>(first.value);
  else expectType<Exit.Failure<"e1">>(first);
});

// a failing gather cannot be used where an infallible Aio is expected
expectError<Aio.Aio<[1, "two"], never>>(gather(a1, a2));

// misuse: non-Aio arguments, promises, a bad returnExceptions value
expectError(gather(1));
expectError(gather(a1, 2));
expectError(gather([a1, "x"]));
expectError(gather(Promise.resolve(1)));
expectError(gather([a1], { returnExceptions: "yes" }));
expectError(gatherExits(a1, 2));

// =======================================================================================
// race: the union of the contenders' values and errors

expectType<Aio.Aio<1 | "two", "e1" | "e2">>(race(a1, a2));
expectType<Aio.Aio<1 | number | string, "e1" | "boom" | TimeoutError>>(race(a1, task, fut));
expectType<Aio.Aio<number, "n">>(race(nums));
expectType<Aio.Aio<1 | "two", "e1" | "e2">>(race(roTuple));
expectType<Aio.Aio<1, "e1">>(race(a1));
expectError(race());
expectError(race(a1, 5));

// =======================================================================================
// wait: sets of tasks/futures that keep their element types

expectType<Aio.Aio<WaitResult<Task<1, "e1"> | Task<"two", "e2">>, never>>(wait([a1, a2]));
expectType<Aio.Aio<WaitResult<Task<number, "boom"> | Future<string, TimeoutError>>, never>>(wait([task, fut]));
expectType<Aio.Aio<WaitResult<Task<number, "n">>, never>>(wait(nums));
expectType<Aio.Aio<WaitResult<Task<1, "e1">>, never>>(wait(new Set([a1])));
declare const waited: WaitResult<Task<number, "boom">>;
expectType<Set<Task<number, "boom">>>(waited.done);
expectType<Set<Task<number, "boom">>>(waited.pending);
wait([a1], { returnWhen: FIRST_COMPLETED });
wait([a1], { returnWhen: FIRST_EXCEPTION, timeout: 10 });
wait([a1], { returnWhen: ALL_COMPLETED, timeout: null });
wait([a1], { returnWhen: "FIRST_COMPLETED" });
expectType<"FIRST_COMPLETED">(FIRST_COMPLETED);
expectAssignable<ReturnWhen>(FIRST_COMPLETED);
expectType<"FIRST_EXCEPTION">(FIRST_EXCEPTION);
// misuse: unknown returnWhen literal, bad timeout, non-awaitable elements
expectError(wait([a1], { returnWhen: "FIRST_WHATEVER" }));
expectError(wait([a1], { timeout: "10" }));
expectError(wait([1, 2]));
expectError(wait(a1));

// =======================================================================================
// waitFor: adds TimeoutError

expectType<Aio.Aio<1, "e1" | TimeoutError>>(waitFor(a1, 1000));
expectType<Aio.Aio<number, "boom" | TimeoutError>>(waitFor(task, null));
expectType<Aio.Aio<string, TimeoutError>>(waitFor(fut, undefined));
expectType<Aio.Aio<boolean, TimeoutError>>(waitFor(a3, 0));
expectError(waitFor(a1, "1000"));
expectError(waitFor(5, 1000));
expectError<Aio.Aio<1, "e1">>(waitFor(a1, 10)); // the TimeoutError cannot be dropped

// =======================================================================================
// asCompleted: each element resolves to any of the values, or fails with any error or
// TimeoutError

expectType<Array<Aio.Aio<1 | "two", "e1" | "e2" | TimeoutError>>>(asCompleted([a1, a2]));
expectType<Array<Aio.Aio<number | string, "boom" | TimeoutError>>>(asCompleted([task, fut], { timeout: 5 }));
expectError(asCompleted([1]));

// =======================================================================================
// shield: preserves the types

expectType<Aio.Aio<1, "e1">>(shield(a1));
expectType<Aio.Aio<number, "boom">>(shield(task));
expectType<Aio.Aio<string, TimeoutError>>(shield(fut));
expectError(shield(1));

// =======================================================================================
// timeout / timeoutAt

expectType<Aio.Aio<1, "e1" | TimeoutError>>(timeout(100, a1));
expectType<Aio.Aio<number | null, TimeoutError>>(
  timeout(100, (scope) => {
    expectType<Timeout>(scope);
    expectType<number | null>(scope.when());
    expectType<boolean>(scope.expired());
    scope.reschedule(null);
    return Aio.sync(() => scope.when());
  }),
);
expectType<Aio.Aio<1, "e1" | TimeoutError>>(a1.pipe(timeout(100)));
expectType<Aio.Aio<1, "e1" | TimeoutError>>(timeoutAt(5000, a1));
expectType<Aio.Aio<1, "e1" | TimeoutError>>(timeout(null, a1));
expectError(timeout("100", a1));
expectError(timeout(100, 5));

// =======================================================================================
// taskGroup: the body's value; an ExceptionGroup of the body's and children's errors

expectType<Aio.Aio<"two", ExceptionGroup<"e2">>>(taskGroup(() => a2));
const grouped = taskGroup((tg) =>
  Aio.gen(function* () {
    expectType<TaskGroup>(tg);
    const t1 = yield* tg.createTask(a1);
    expectType<Task<1, "e1">>(t1);
    const t2 = yield* tg.createTask(a2, { name: "two" });
    expectType<Task<"two", "e2">>(t2);
    yield* a4;
    return [t1, t2] as const;
  }),
);
expectType<Aio.Aio<readonly [Task<1, "e1">, Task<"two", "e2">], ExceptionGroup<"e1" | "e2" | "e4">>>(grouped);
declare const group: ExceptionGroup<"e1" | "e2">;
expectType<ReadonlyArray<"e1" | "e2">>(group.errors);
expectType<ReadonlyArray<unknown>>(group.defects);
expectType<"ExceptionGroup">(group._tag);
expectError(taskGroup(5));
expectError(taskGroup((tg) => tg.createTask(5)));

// =======================================================================================
// No `any` leaks out of the signatures

const g1 = gather(a1);

expectType<false>({} as IsAny<Aio.Success<typeof g1>>);
expectType<false>({} as IsAny<Aio.Error<typeof g1>>);
expectType<false>({} as IsAny<Aio.Error<typeof grouped>>);
expectType<false>({} as IsAny<AwaitableValue<unknown>>);
expectType<false>({} as IsAny<ReturnType<Timeout["when"]>>);
