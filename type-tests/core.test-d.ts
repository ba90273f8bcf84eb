/**
 * Type tests of the public API, checked against the built declarations (dist/esm) by
 * tsd: `npm run build && npm run test:types`.
 *
 * `expectType<T>(x)` is strict: the type of `x` must be identical to `T` (so `any`, or a
 * wider/narrower type, fails). `expectError(x)` only accepts some diagnostic codes (an
 * argument or assignment mismatch, a missing property, ...); misuse that TypeScript
 * reports with another code is asserted with `// @ts-expect-error` instead (an unused
 * directive is itself an error, so the assertion still fails if the misuse compiles).
 */
import { expectAssignable, expectError, expectNotAssignable, expectType } from "tsd";
import {
  Aio,
  CancelledError,
  Cause,
  EventLoop,
  EventLoopError,
  Exit,
  Future,
  Handle,
  InvalidStateError,
  Task,
  TimeoutError,
  TimerHandle,
  allTasks,
  createFuture,
  createTask,
  currentTask,
  ensureFuture,
  fromPromise,
  getRunningLoop,
  isFuture,
  newEventLoop,
  run,
  runExit,
  runSync,
  runSyncExit,
  sleep,
  wrapFuture,
} from "aio-ts";
import type { DoneCallback, ExceptionContext, ExceptionHandler, TaskFactory, TaskOptions } from "aio-ts";

type IsAny<T> = 0 extends 1 & T ? true : false;

// Sample values whose types the tests start from.
declare const num: Aio.Aio<number, "e1">;
declare const exitNS: Exit.Exit<number, "x">;
declare const causeS: Cause.Cause<"x">;
declare const task: Task<number, "boom">;
declare const fut: Future<string, TimeoutError>;

// =======================================================================================
// Aio: the type and its helpers

expectType<Aio.Aio<number, never>>(Aio.succeed(1));
expectType<Aio.Aio<number>>(Aio.succeed(1)); // E defaults to never
expectType<number>({} as Aio.Success<Aio.Aio<number, string>>);
expectType<string>({} as Aio.Error<Aio.Aio<number, string>>);
expectType<never>({} as Aio.Error<Aio.Aio<number>>);
expectAssignable<Aio.Yieldable<number, "boom">>(task);
expectAssignable<Aio.Yieldable<string, TimeoutError>>(fut);
expectAssignable<Aio.Yieldable<number, "e1">>(num);

// Covariance in both parameters.
expectAssignable<Aio.Aio<number, string>>(Aio.succeed(1));
expectAssignable<Aio.Aio<number | string, "e1" | "e2">>(num);
expectAssignable<Aio.Aio<unknown, unknown>>(num);
expectNotAssignable<Aio.Aio<number>>(num); // a fallible Aio is not an infallible one
expectNotAssignable<Aio.Aio<string, "e1">>(num);
expectNotAssignable<Aio.Aio<number, "e1">>(task); // a Task is awaitable, but not an Aio
expectNotAssignable<Aio.Aio<string, TimeoutError>>(fut);
expectNotAssignable<Aio.Aio<number>>(42);
expectNotAssignable<Aio.Aio<number>>(Promise.resolve(42));

// =======================================================================================
// Constructors

expectType<Aio.Aio<never, string>>(Aio.fail("x"));
expectType<Aio.Aio<never, "x">>(Aio.fail("x" as const));
expectType<Aio.Aio<never, number>>(Aio.fail(42));
expectType<Aio.Aio<never, "x">>(Aio.failCause(causeS));
expectType<Aio.Aio<never, never>>(Aio.failCause(Cause.die("bug")));
expectType<Aio.Aio<never, never>>(Aio.die(new Error("bug")));
expectType<Aio.Aio<number, never>>(Aio.sync(() => 1));
expectType<Aio.Aio<number, "e1">>(Aio.suspend(() => num));
expectType<Aio.Aio<void, never>>(Aio.void);
expectType<Aio.Aio<never, never>>(Aio.never);
expectType<Aio.Aio<void, never>>(Aio.yieldNow);
expectType<Aio.Aio<void, never>>(Aio.sleep(10));
expectType<Aio.Aio<string, never>>(Aio.sleep(10, "woke"));
expectType<Aio.Aio<string, never>>(sleep(10, "woke")); // re-exported from tasks
expectError(Aio.sleep("10"));
expectType<Aio.Aio<number, never>>(Aio.async<number>((resume) => resume(Aio.succeed(1))));
expectType<Aio.Aio<number, TimeoutError>>(
  Aio.async<number, TimeoutError>((resume, signal) => {
    expectType<AbortSignal>(signal);
    const id = setTimeout(() => resume(Aio.fail(new TimeoutError())), 1);
    return () => clearTimeout(id);
  }),
);
// resume takes an Aio of the declared types, not a bare value or another error type
expectError(Aio.async<number>((resume) => resume(1)));
expectError(Aio.async<number>((resume) => resume(Aio.fail("x"))));
expectType<Aio.Aio<number, "e1">>(Aio.from(num));
expectType<Aio.Aio<number, "boom">>(Aio.from(task));
expectType<Aio.Aio<string, TimeoutError>>(Aio.from(fut));
expectError(Aio.from(42));

// Aio.try / tryPromise / promise: the error type is `unknown` without a mapper, the
// mapper's result with one.
expectType<Aio.Aio<number, unknown>>(Aio.try(() => 1));
expectType<Aio.Aio<unknown, SyntaxError>>(Aio.try(() => JSON.parse("1") as unknown, (e) => new SyntaxError(String(e))));
Aio.try(
  () => 1,
  (thrown) => {
    expectType<unknown>(thrown);
    return thrown;
  },
);
expectType<Aio.Aio<string, unknown>>(Aio.tryPromise(() => Promise.resolve("s")));
expectType<Aio.Aio<string, { readonly _tag: "ReadError"; readonly reason: unknown }>>(
  Aio.tryPromise(
    (signal) => {
      expectType<AbortSignal>(signal);
      return Promise.resolve("s");
    },
    (reason): { readonly _tag: "ReadError"; readonly reason: unknown } => ({ _tag: "ReadError", reason }),
  ),
);
expectType<Aio.Aio<string, never>>(Aio.promise(() => Promise.resolve("s"))); // rejection = defect
expectType<Aio.Aio<string, unknown>>(fromPromise(Promise.resolve("s")));
expectError(Aio.promise(() => "not a promise"));
expectError(Aio.try());

// =======================================================================================
// Aio.gen: value and error inference

// Value inference: `yield*` gives each Aio's success type.
const genValues = Aio.gen(function* () {
  const a = yield* Aio.succeed(1);
  expectType<number>(a);
  const s = yield* Aio.sleep(10, "s");
  expectType<string>(s);
  const v = yield* Aio.sleep(10);
  expectType<void>(v);
  return `${a}${s}`;
});
expectType<Aio.Aio<string, never>>(genValues); // only infallible yields: E = never

// A generator that never yields.
expectType<Aio.Aio<number, never>>(
  Aio.gen(function* () {
    return 1 as number;
  }),
);

// A generator that yields nothing and returns nothing.
expectType<Aio.Aio<void, never>>(Aio.gen(function* () {}));

// Error inference: the union of the yielded error types.
const genErrors = Aio.gen(function* () {
  const n = yield* Aio.succeed(1);
  if (n > 0) yield* Aio.fail("x" as const);
  if (n > 1) yield* Aio.fail(42);
  return n > 2;
});
expectType<Aio.Aio<boolean, "x" | number>>(genErrors);

// `yield*` of a failing Aio has type never.
Aio.gen(function* () {
  const nope = yield* Aio.fail("x" as const);
  expectType<never>(nope);
});
expectType<Aio.Aio<never, "x">>(
  Aio.gen(function* () {
    return yield* Aio.fail("x" as const);
  }),
);

// Errors of nested gens and of piped Aios propagate.
const genNested = Aio.gen(function* () {
  const b = yield* genErrors;
  const n = yield* num;
  return b ? n : 0;
});
expectType<Aio.Aio<number, "x" | number | "e1">>(genNested);

// An `unknown` error absorbs the others.
expectType<Aio.Aio<number, unknown>>(
  Aio.gen(function* () {
    yield* Aio.fail("x" as const);
    return yield* Aio.try(() => 1);
  }),
);

// Generic helpers keep their type parameters.
const lift = <T, E>(aio: Aio.Aio<T, E>) =>
  Aio.gen(function* () {
    const t = yield* aio;
    return [t] as const;
  });
expectType<Aio.Aio<readonly [number], "e1">>(lift(num));

// `yield*` of a Task<A, E> gives A and adds E.
const genTask = Aio.gen(function* () {
  const t = yield* createTask(Aio.sleep(10, 5).pipe(Aio.flatMap((n) => (n > 0 ? Aio.succeed(n) : Aio.fail("boom" as const)))));
  expectType<Task<number, "boom">>(t);
  const v = yield* t;
  expectType<number>(v);
  return v;
});
expectType<Aio.Aio<number, "boom">>(genTask);

// `yield*` of a Future<A, E> gives A and adds E.
const genFuture = Aio.gen(function* () {
  const f = yield* createFuture<string, TimeoutError>();
  expectType<Future<string, TimeoutError>>(f);
  const s = yield* f;
  expectType<string>(s);
  return s.length;
});
expectType<Aio.Aio<number, TimeoutError>>(genFuture);

// Declared Task/Future values, together with Aios.
expectType<Aio.Aio<[number, string, number], "boom" | TimeoutError | "e1">>(
  Aio.gen(function* () {
    const a = yield* task;
    const b = yield* fut;
    const c = yield* num;
    return [a, b, c] as [number, string, number];
  }),
);

// createFuture defaults E to never.
expectType<Aio.Aio<Future<number, never>, never>>(createFuture<number>());

// Misuse inside Aio.gen.
// `yield*` of a plain number: TS2488 (not iterable), which expectError does not accept.
Aio.gen(function* () {
  // @ts-expect-error a number is not iterable, so it cannot be yield*-ed
  const n = yield* 5;
  return n;
});
// `yield` (without the star) of a non-Aio: the generator's yield type breaks gen's
// constraint.
expectError(
  Aio.gen(function* () {
    yield 5;
    return 1;
  }),
);
// `yield` (without the star) of an Aio: `yield*` yields `YieldOf<E>`, a plain `yield`
// yields the Aio itself, which gen's constraint rejects.
expectError(
  Aio.gen(function* () {
    const x: unknown = yield Aio.succeed(1);
    return x;
  }),
);
// `yield*` of an array yields numbers, not Aios.
expectError(
  Aio.gen(function* () {
    yield* [1, 2, 3];
  }),
);
// `yield*` of a Promise: not iterable.
Aio.gen(function* () {
  // @ts-expect-error a Promise is not yield*-able: wrap it with Aio.promise / tryPromise
  yield* Promise.resolve(1);
});
// Not a generator function.
expectError(Aio.gen(() => 1));

// =======================================================================================
// Combinators

// map
expectType<Aio.Aio<string, "e1">>(num.pipe(Aio.map((n) => String(n))));
expectType<Aio.Aio<string, "e1">>(Aio.map((n: number) => String(n))(num));
num.pipe(
  Aio.map((n) => {
    expectType<number>(n);
    return n;
  }),
);
expectError(Aio.map((n: number) => n)(5)); // not an Aio
expectError(Aio.map((n: number) => n)(task)); // a Task is not an Aio: use Aio.from
expectError(Aio.map((n: number) => n)(Promise.resolve(1)));
expectError(Aio.map((s: string) => s)(num)); // the function's input does not match A

// flatMap: error types union
expectType<Aio.Aio<boolean, "e1" | "e2">>(num.pipe(Aio.flatMap((n) => (n > 0 ? Aio.succeed(true) : Aio.fail("e2" as const)))));
expectType<Aio.Aio<string, "e1">>(num.pipe(Aio.flatMap((n) => Aio.succeed(String(n)))));
expectError(num.pipe(Aio.flatMap((n) => n + 1))); // must return an Aio

// tap / as
expectType<Aio.Aio<number, "e1" | "t">>(num.pipe(Aio.tap(() => Aio.fail("t" as const))));
expectType<Aio.Aio<"one", "e1">>(num.pipe(Aio.as("one" as const)));

// mapError
expectType<Aio.Aio<number, TimeoutError>>(
  num.pipe(
    Aio.mapError((e) => {
      expectType<"e1">(e);
      return new TimeoutError(e);
    }),
  ),
);

// catchAll: recovers every typed failure; the handler's error replaces E
expectType<Aio.Aio<number | string, never>>(
  num.pipe(
    Aio.catchAll((e) => {
      expectType<"e1">(e);
      return Aio.succeed("recovered");
    }),
  ),
);
expectType<Aio.Aio<number, number>>(num.pipe(Aio.catchAll(() => Aio.fail(1))));
expectError(num.pipe(Aio.catchAll(() => "recovered"))); // must return an Aio

// catchAllCause: the handler sees the whole cause
expectType<Aio.Aio<number | "Fail" | "Die" | "Interrupt", never>>(
  num.pipe(
    Aio.catchAllCause((c) => {
      expectType<Cause.Cause<"e1">>(c);
      return Aio.succeed(c._tag);
    }),
  ),
);

// orElse
expectType<Aio.Aio<number | boolean, never>>(num.pipe(Aio.orElse(() => Aio.succeed(true))));
expectType<Aio.Aio<number, "other">>(num.pipe(Aio.orElse(() => Aio.fail("other" as const))));

// match: folds success and typed failure; the result cannot fail
expectType<Aio.Aio<string | boolean, never>>(
  num.pipe(
    Aio.match({
      onSuccess: (n) => {
        expectType<number>(n);
        return String(n);
      },
      onFailure: (e) => {
        expectType<"e1">(e);
        return false;
      },
    }),
  ),
);
expectError(num.pipe(Aio.match({ onSuccess: (n: number) => n })));

// exit: never fails, its value is the Exit
expectType<Aio.Aio<Exit.Exit<number, "e1">, never>>(Aio.exit(num));
expectType<Aio.Aio<Exit.Exit<number, "e1">, never>>(num.pipe(Aio.exit));

// ensuring / onExit / onInterrupt: a finaliser's error is added
expectType<Aio.Aio<number, "e1">>(num.pipe(Aio.ensuring(Aio.sync(() => undefined))));
expectType<Aio.Aio<number, "e1" | "fin">>(num.pipe(Aio.ensuring(Aio.fail("fin" as const))));
expectError(num.pipe(Aio.ensuring(() => undefined))); // the finaliser is an Aio, not a function
expectType<Aio.Aio<number, "e1">>(
  num.pipe(
    Aio.onExit((ex) => {
      expectType<Exit.Exit<number, "e1">>(ex);
      return Aio.void;
    }),
  ),
);
expectType<Aio.Aio<number, "e1" | "cleanup">>(
  num.pipe(
    Aio.onInterrupt((msg) => {
      expectType<string | undefined>(msg);
      return Aio.fail("cleanup" as const);
    }),
  ),
);

// uninterruptible / uninterruptibleMask
expectType<Aio.Aio<number, "e1">>(Aio.uninterruptible(num));
expectType<Aio.Aio<string, "e1">>(
  Aio.uninterruptibleMask((restore) =>
    Aio.gen(function* () {
      const n = yield* restore(num);
      expectType<number>(n);
      return String(n);
    }),
  ),
);

// acquireUseRelease / acquireRelease
expectType<Aio.Aio<boolean, "acq" | "use" | "rel">>(
  Aio.acquireUseRelease(
    Aio.sleep(1, { fd: 3 }).pipe(Aio.flatMap((h) => (h.fd > 0 ? Aio.succeed(h) : Aio.fail("acq" as const)))),
    (h) => {
      expectType<{ fd: number }>(h);
      return h.fd > 0 ? Aio.succeed(true) : Aio.fail("use" as const);
    },
    (h, ex) => {
      expectType<{ fd: number }>(h);
      expectType<Exit.Exit<boolean, "use">>(ex);
      return Aio.fail("rel" as const);
    },
  ),
);
const withFd = Aio.acquireRelease(Aio.succeed("fd"), (fd, ex) => {
  expectType<string>(fd);
  expectType<Exit.Exit<unknown, unknown>>(ex);
  return Aio.void;
});
expectType<Aio.Aio<number, "use">>(withFd((fd) => (fd.length > 0 ? Aio.succeed(fd.length) : Aio.fail("use" as const))));

// pipe keeps the types through several steps
expectType<Aio.Aio<string, TimeoutError>>(
  num.pipe(
    Aio.map((n) => n * 2),
    Aio.flatMap((n) => Aio.sleep(n, n)),
    Aio.mapError((e) => new TimeoutError(e)),
    Aio.map(String),
  ),
);

// =======================================================================================
// Exit and Cause: narrowing

// The value of an Exit cannot be read without narrowing.
expectError(exitNS.value);
expectError(exitNS.cause);

if (Exit.isSuccess(exitNS)) {
  expectType<Exit.Success<number>>(exitNS);
  expectType<number>(exitNS.value);
} else {
  expectType<Exit.Failure<"x">>(exitNS);
}

if (Exit.isFailure(exitNS)) {
  expectType<Cause.Cause<"x">>(exitNS.cause);
  const c = exitNS.cause;
  if (c._tag === "Fail") expectType<"x">(c.error);
  else if (c._tag === "Die") expectType<unknown>(c.defect);
  else expectType<string | undefined>(c.message);
  expectError(c.error); // not narrowed to Fail here
} else {
  expectType<number>(exitNS.value);
}

if (Exit.isInterrupted(exitNS)) {
  expectType<Cause.Interrupt>(exitNS.cause);
  expectType<string | undefined>(exitNS.cause.message);
}

if (exitNS._tag === "Success") expectType<number>(exitNS.value);
else expectType<Cause.Cause<"x">>(exitNS.cause);

if (Cause.isFail(causeS)) expectType<"x">(causeS.error);
if (Cause.isDie(causeS)) expectType<unknown>(causeS.defect);
if (Cause.isInterrupt(causeS)) expectType<string | undefined>(causeS.message);
expectType<"Fail" | "Die" | "Interrupt">(causeS._tag);
expectError(causeS.error);

expectType<Exit.Exit<number, never>>(Exit.succeed(1));
expectType<Exit.Exit<never, string>>(Exit.fail("x"));
expectType<Exit.Exit<never, never>>(Exit.die("bug"));
expectType<Exit.Exit<never, never>>(Exit.interrupt("stop"));
expectType<Exit.Exit<never, "x">>(Exit.failCause(causeS));
expectType<number>(Exit.getOrThrow(exitNS));
expectType<string>(
  Exit.match({
    onSuccess: (n: number) => `got ${n}`,
    onFail: (e: "x") => e,
    onDie: () => "defect",
    onInterrupt: (m) => m ?? "cancelled",
  })(exitNS),
);
expectType<Cause.Cause<string>>(Cause.fail("x"));
expectType<Cause.Cause<never>>(Cause.die(1));
expectType<Cause.Interrupt>(Cause.interrupt());
expectType<Cause.Cause<never>>(Cause.fromThrown(new Error()));
expectType<number>(Cause.match({ onFail: (e: "x") => e.length, onDie: () => 0, onInterrupt: () => -1 })(causeS));
expectAssignable<Exit.Exit<number, "x">>(Exit.succeed(1));
expectAssignable<Exit.Exit<number, "x">>(Exit.interrupt());
expectNotAssignable<Exit.Exit<number, never>>(exitNS);
expectNotAssignable<Exit.Success<number>>(Exit.fail("x"));
expectError(Exit.isSuccess(Aio.succeed(1)));

// =======================================================================================
// Runners

expectType<Promise<number>>(run(num));
expectType<Promise<number>>(run(num, { virtualTime: true }));
expectType<Promise<Exit.Exit<number, "e1">>>(runExit(num));
expectType<number>(runSync(num));
expectType<Exit.Exit<number, "e1">>(runSyncExit(num));
expectType<Promise<string>>(run(genValues));
expectType<Promise<Exit.Exit<boolean, number | "x">>>(runExit(genErrors));
expectError(run(42));
expectError(run(Promise.resolve(1)));
expectError(run(task)); // run takes an Aio; a Task belongs to a loop already
expectError(run(num, { virtual: true }));

// =======================================================================================
// Tasks and futures

expectType<Aio.Aio<Task<number, "e1">, never>>(createTask(num));
expectType<Aio.Aio<Task<number, "e1">, never>>(createTask(num, { name: "worker" }));
expectError(createTask(num, { label: "worker" }));
expectError(createTask(42));
expectType<Aio.Aio<Future<number, "e1">, never>>(ensureFuture(num));
expectType<Aio.Aio<Future<number, "boom">, never>>(ensureFuture(task));
expectType<Set<Task<unknown, unknown>>>(allTasks());
expectType<Task<unknown, unknown> | undefined>(currentTask());
expectType<EventLoop>(getRunningLoop());
expectType<Future<number, unknown>>(wrapFuture(Promise.resolve(1)));
expect(isFuture);
function expect(guard: (u: unknown) => u is Future<unknown, unknown>): void {
  void guard;
}

// Future methods
expectType<boolean>(fut.done());
expectType<boolean>(fut.cancelled());
expectType<boolean>(fut.cancel());
expectType<boolean>(fut.cancel("why"));
expectType<string>(fut.result());
expectType<unknown>(fut.exception());
expectType<Exit.Exit<string, TimeoutError> | undefined>(fut.getExit());
expectType<void>(fut.setResult("ok"));
expectType<void>(fut.setException(new TimeoutError()));
expectError(fut.setResult(1));
expectError(fut.setException(new Error("not a TimeoutError")));
expectType<EventLoop>(fut.getLoop());
fut.addDoneCallback((f) => {
  expectType<Future<string, TimeoutError>>(f);
});
expectType<number>(fut.removeDoneCallback(() => {}));
expectError(fut.addDoneCallback("not a function"));

// Task methods (a Task is a Future)
expectAssignable<Future<number, "boom">>(task);
expectNotAssignable<Task<string, TimeoutError>>(fut);
expectType<boolean>(task.cancel("stop"));
expectType<number>(task.cancelling());
expectType<number>(task.uncancel());
expectType<string>(task.getName());
expectType<void>(task.setName("renamed"));
expectType<number>(task.result());
expectType<Exit.Exit<number, "boom"> | undefined>(task.getExit());
task.addDoneCallback((t) => {
  expectType<Task<number, "boom">>(t);
});
expectError(task.setName(1));

// =======================================================================================
// The event loop

const loop = newEventLoop({ virtualTime: true });
expectType<EventLoop>(loop);
expectType<number>(loop.time());
expectType<boolean>(loop.isRunning());
expectType<boolean>(loop.isClosed());
expectType<boolean>(loop.isVirtual());
expectType<void>(loop.stop());
expectType<void>(loop.close());
expectType<Promise<void>>(loop.runForever());
expectType<Promise<number>>(loop.runUntilComplete(num));
expectType<Promise<number>>(loop.runUntilComplete(task));
expectType<Promise<Exit.Exit<string, TimeoutError>>>(loop.runUntilCompleteExit(fut));
expectType<Task<number, "e1">>(loop.createTask(num, { name: "t" }));
expectType<Future<string, never>>(loop.createFuture<string>());
expectType<Handle>(loop.callSoon((n: number, s: string) => void [n, s], 1, "a"));
expectType<Handle>(loop.callSoonThreadsafe(() => {}));
expectType<TimerHandle>(loop.callLater(100, (s: string) => void s, "a"));
expectType<TimerHandle>(loop.callAt(loop.time() + 100, () => {}));
expectType<number>(loop.callLater(100, () => {}).when());
expectError(loop.callSoon((n: number) => void n, "not a number"));
expectError(loop.callSoon((n: number) => void n));
expectError(loop.callLater("100", () => {}));
expectAssignable<Handle>(loop.callLater(1, () => {}));
expectType<void>(loop.setExceptionHandler((l, ctx) => {
  expectType<EventLoop>(l);
  expectType<ExceptionContext>(ctx);
  expectType<string>(ctx.message);
}));
expectType<ExceptionHandler | null>(loop.getExceptionHandler());
expectType<void>(loop.setExceptionHandler(null));
const factory: TaskFactory = (l, aio, opts) => new Task(l, aio, opts?.name);
expectType<void>(loop.setTaskFactory(factory));
expectType<TaskFactory | null>(loop.getTaskFactory());
expectError(loop.setTaskFactory((l: EventLoop) => l));
const opts: TaskOptions = { name: "x" };
void opts;
const cb: DoneCallback<Future<number, never>> = (f) => void f.result();
void cb;

// =======================================================================================
// Exceptions

expectType<"CancelledError">(new CancelledError()._tag);
expectType<"TimeoutError">(new TimeoutError()._tag);
expectType<"InvalidStateError">(new InvalidStateError()._tag);
expectType<"EventLoopError">(new EventLoopError("x")._tag);
expectAssignable<Error>(new CancelledError("msg"));
expectError(new EventLoopError()); // the message is required
expectType<unknown>(Cause.squash(causeS));

// =======================================================================================
// No public signature yields `any`

expectType<false>({} as IsAny<typeof genValues>);
expectType<false>({} as IsAny<Aio.Success<typeof genErrors>>);
expectType<false>({} as IsAny<Aio.Error<typeof genErrors>>);
expectType<false>({} as IsAny<Aio.Error<typeof genValues>>);
expectType<false>({} as IsAny<Awaited<ReturnType<typeof run<number, "e1">>>>);
expectType<false>({} as IsAny<ReturnType<typeof fut.result>>);
expectType<false>({} as IsAny<ReturnType<typeof fut.exception>>);
expectType<false>({} as IsAny<ReturnType<typeof Cause.squash<"x">>>);
expectType<false>({} as IsAny<ReturnType<typeof Aio.try<number>>>);
expectType<false>({} as IsAny<Aio.Error<ReturnType<typeof Aio.try<number>>>>);
expectType<false>({} as IsAny<Aio.Error<ReturnType<typeof Aio.tryPromise<number>>>>);
expectType<false>({} as IsAny<ReturnType<typeof Exit.getOrThrow<number, "x">>>);
expectType<false>({} as IsAny<ReturnType<typeof task.exception>>);
expectType<false>({} as IsAny<Parameters<Parameters<typeof Aio.try<number, string>>[1]>[0]>);
expectType<false>({} as IsAny<ReturnType<typeof num.pipe<number>>>);
// `yield*` values inside gen are never `any`
Aio.gen(function* () {
  const a = yield* num;
  const b = yield* task;
  const c = yield* fut;
  expectType<false>({} as IsAny<typeof a>);
  expectType<false>({} as IsAny<typeof b>);
  expectType<false>({} as IsAny<typeof c>);
});
// the helper itself works
expectType<true>({} as IsAny<any>);
