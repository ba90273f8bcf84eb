/**
 * Tasks and futures (src/tasks.ts, src/futures.ts, the Future of src/internal/future.ts and the Task of src/internal/fiber.ts):
 * scheduling, names, results, done callbacks, cancellation rules, joining, unretrieved
 * failures, sleep(0) fairness, uninterruptible regions, finalisers.
 */
import { describe, it, expect } from "vitest";
import {
  Aio,
  CancelledError,
  Exit,
  Future,
  InvalidStateError,
  Task,
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
  sleep,
  wrapFuture,
  type ExceptionContext,
} from "../src/index.js";
import { V, expectInterrupted, now, scheduleCb1ThenCb2 } from "./helpers.js";

/** Records the exception-handler calls of the running loop. */
const captureExceptions = (sink: ExceptionContext[]): Aio.Aio<void> =>
  Aio.sync(() => getRunningLoop().setExceptionHandler((_l, ctx) => sink.push(ctx)));

describe("createTask", () => {
  it("a task starts on a later iteration, tasks in creation order", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        const a = yield* createTask(Aio.sync(() => log.push("A")));
        const b = yield* createTask(Aio.sync(() => log.push("B")));
        const c = yield* createTask(Aio.sync(() => log.push("C")));
        log.push("main after create");
        expect(a.done() || b.done() || c.done()).toBe(false);
        yield* Aio.yieldNow;
        log.push("main resumed");
        expect(a.done() && b.done() && c.done()).toBe(true);
      }),
      V,
    );
    expect(log).toEqual(["main after create", "A", "B", "C", "main resumed"]);
  });

  it("loop.createTask does not run anything before the loop runs", async () => {
    const loop = newEventLoop(V);
    let ran = false;
    const t = loop.createTask(Aio.sync(() => (ran = true)));
    expect(ran).toBe(false);
    expect(t.done()).toBe(false);
    expect(await loop.runUntilComplete(t)).toBe(true);
    expect(ran).toBe(true);
    loop.close();
  });

  it("ensureFuture wraps an Aio in a task and returns a future as it is", async () => {
    const result = await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<number>();
        const same = yield* ensureFuture(fut);
        const t = yield* ensureFuture(Aio.sleep(3, "t"));
        return { same: same === fut, isTask: t instanceof Task, v: yield* t };
      }),
      V,
    );
    expect(result).toEqual({ same: true, isTask: true, v: "t" });
  });

  it("currentTask is the task running the code; undefined outside", async () => {
    expect(currentTask()).toBeUndefined();
    const result = await run(
      Aio.gen(function* () {
        const main = currentTask();
        let inChild: Task<unknown, unknown> | undefined;
        const child = yield* createTask(Aio.sync(() => (inChild = currentTask())));
        yield* child;
        let inCallback: Task<unknown, unknown> | undefined | null = null;
        getRunningLoop().callSoon(() => (inCallback = currentTask()));
        yield* Aio.yieldNow;
        return { mainName: main?.getName(), childOk: inChild === (child as unknown), inCallback };
      }),
      V,
    );
    expect(result).toEqual({ mainName: "main", childOk: true, inCallback: undefined });
    expect(currentTask()).toBeUndefined();
  });

  it("allTasks holds the tasks not done yet", async () => {
    expect(allTasks().size).toBe(0);
    const result = await run(
      Aio.gen(function* () {
        const main = currentTask()!;
        const a = yield* createTask(Aio.sleep(10));
        const b = yield* createTask(Aio.sleep(20));
        const s1 = allTasks();
        yield* Aio.sleep(15);
        const s2 = allTasks();
        yield* b;
        const s3 = allTasks(getRunningLoop());
        return {
          s1: s1.size === 3 && s1.has(main) && s1.has(a as Task<unknown, unknown>) && s1.has(b as Task<unknown, unknown>),
          s2: s2.size === 2 && s2.has(main) && !s2.has(a as Task<unknown, unknown>),
          s3: s3.size === 1 && s3.has(main),
        };
      }),
      V,
    );
    expect(result).toEqual({ s1: true, s2: true, s3: true });
  });

  it("getName defaults to Task-N with increasing N; name option and setName", async () => {
    const loop = newEventLoop(V);
    const t1 = loop.createTask(Aio.succeed(1));
    const t2 = loop.createTask(Aio.succeed(2));
    const m1 = /^Task-(\d+)$/.exec(t1.getName());
    const m2 = /^Task-(\d+)$/.exec(t2.getName());
    expect(m1).not.toBeNull();
    expect(m2).not.toBeNull();
    expect(Number(m2![1])).toBe(Number(m1![1]) + 1);
    const named = loop.createTask(Aio.succeed(3), { name: "worker" });
    expect(named.getName()).toBe("worker");
    named.setName("renamed");
    expect(named.getName()).toBe("renamed");
    t1.setName(42 as unknown as string);
    expect(t1.getName()).toBe("42");
    await loop.runUntilComplete(Aio.sleep(1));
    loop.close();
  });
});

describe("result() and exception()", () => {
  it("pending: InvalidStateError; success: value and no exception", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(5, "v"));
        let pendingResult: unknown;
        let pendingException: unknown;
        try {
          t.result();
        } catch (e) {
          pendingResult = e;
        }
        try {
          t.exception();
        } catch (e) {
          pendingException = e;
        }
        yield* t;
        return { pendingResult, pendingException, value: t.result(), exc: t.exception(), exit: t.getExit() };
      }),
      V,
    );
    expect(result.pendingResult).toBeInstanceOf(InvalidStateError);
    expect(result.pendingException).toBeInstanceOf(InvalidStateError);
    expect(result.value).toBe("v");
    expect(result.exc).toBeUndefined();
    expect(result.exit).toEqual(Exit.succeed("v"));
  });

  it("failed: result() throws the error, exception() returns it (typed error and defect)", async () => {
    const defect = new Error("defect");
    const result = await run(
      Aio.gen(function* () {
        const typed = yield* createTask(Aio.sleep(1).pipe(Aio.flatMap(() => Aio.fail({ code: 7 }))));
        const died = yield* createTask(Aio.die(defect));
        yield* Aio.sleep(2);
        let thrown: unknown;
        try {
          typed.result();
        } catch (e) {
          thrown = e;
        }
        return { thrown, typedExc: typed.exception(), diedExc: died.exception(), done: typed.done() && died.done() };
      }),
      V,
    );
    expect(result.thrown).toEqual({ code: 7 });
    expect(result.typedExc).toEqual({ code: 7 });
    expect(result.diedExc).toBe(defect);
    expect(result.done).toBe(true);
  });

  it("cancelled: result() and exception() throw CancelledError with the message", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.never);
        yield* Aio.yieldNow;
        t.cancel("gone");
        yield* Aio.exit(Aio.from(t));
        let r: unknown;
        let x: unknown;
        try {
          t.result();
        } catch (e) {
          r = e;
        }
        try {
          t.exception();
        } catch (e) {
          x = e;
        }
        return { r, x, cancelled: t.cancelled(), done: t.done() };
      }),
      V,
    );
    expect(result.r).toBeInstanceOf(CancelledError);
    expect((result.r as CancelledError).message).toBe("gone");
    expect(result.x).toBeInstanceOf(CancelledError);
    expect(result.cancelled).toBe(true);
    expect(result.done).toBe(true);
  });

  it("a task's setResult / setException are InvalidStateErrors", () => {
    const loop = newEventLoop(V);
    const t = loop.createTask(Aio.succeed(1));
    // @ts-expect-error a task's result is set by its program: setResult takes `never`
    expect(() => t.setResult(2)).toThrow(InvalidStateError);
    expect(() => t.setException(undefined as never)).toThrow(InvalidStateError);
    loop.close();
  });
});

describe("done callbacks", () => {
  it("are called through the loop with the task, never synchronously, in registration order", async () => {
    const result = await run(
      Aio.gen(function* () {
        const log: string[] = [];
        const t = yield* createTask(Aio.sleep(10, "x"));
        t.addDoneCallback((f) => log.push(`cb1 ${f === t} ${f.result()} at ${now()}`));
        t.addDoneCallback(() => log.push("cb2"));
        t.addDoneCallback(() => log.push("cb3"));
        const none = log.length;
        yield* Aio.sleep(11);
        // The task ended at 10; its callbacks were scheduled on the loop, then ran.
        const beforeLate = [...log];
        let lateSync = false;
        t.addDoneCallback(() => {
          lateSync = true;
          log.push("late");
        });
        const syncAfterAdd = lateSync;
        yield* Aio.yieldNow;
        return { none, beforeLate, syncAfterAdd, log };
      }),
      V,
    );
    expect(result.none).toBe(0);
    expect(result.beforeLate).toEqual(["cb1 true x at 10", "cb2", "cb3"]);
    expect(result.syncAfterAdd).toBe(false);
    expect(result.log).toEqual(["cb1 true x at 10", "cb2", "cb3", "late"]);
  });

  it("are not run synchronously when the task completes: work later in the same batch comes first", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(10));
        const b = yield* createTask(Aio.sleep(10).pipe(Aio.tap(() => Aio.sync(() => log.push("b woke (same batch)")))));
        t.addDoneCallback(() => log.push("t done callback"));
        yield* b;
        yield* Aio.yieldNow;
      }),
      V,
    );
    expect(log).toEqual(["b woke (same batch)", "t done callback"]);
  });

  it("an exception in a done callback reaches the exception handler; other callbacks still run", async () => {
    const loop = newEventLoop(V);
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    fut.addDoneCallback(() => {
      throw new Error("cb failed");
    });
    fut.addDoneCallback(() => log.push("second cb"));
    loop.callSoon(() => fut.setResult(1));
    await loop.runUntilComplete(Aio.sleep(1));
    expect(log).toEqual(["second cb"]);
    expect(contexts).toHaveLength(1);
    expect((contexts[0]!.exception as Error).message).toBe("cb failed");
    loop.close();
  });

  it("waiters and done callbacks are woken in registration order", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<number>();
        const w1 = yield* createTask(Aio.from(fut).pipe(Aio.tap(() => Aio.sync(() => log.push("waiter 1")))));
        yield* Aio.yieldNow; // w1 is now waiting
        fut.addDoneCallback(() => log.push("callback"));
        const w2 = yield* createTask(Aio.from(fut).pipe(Aio.tap(() => Aio.sync(() => log.push("waiter 2")))));
        yield* Aio.yieldNow; // w2 is now waiting
        fut.setResult(1);
        yield* w1;
        yield* w2;
      }),
      V,
    );
    expect(log).toEqual(["waiter 1", "callback", "waiter 2"]);
  });

  it("a callback of a future set from inside a callback does not run synchronously in setResult", async () => {
    const loop = newEventLoop(V);
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    fut.addDoneCallback((f) => log.push(`done ${f.result()}`));
    loop.callSoon(() => {
      fut.setResult(1);
      log.push("after setResult");
    });
    await loop.runUntilComplete(fut);
    expect(log).toEqual(["after setResult", "done 1"]);
    loop.close();
  });

  it("removeDoneCallback removes every registration and returns the count", async () => {
    const loop = newEventLoop(V);
    const fut = loop.createFuture<number>();
    const log: string[] = [];
    const cb = (): void => {
      log.push("cb");
    };
    const other = (): void => {
      log.push("other");
    };
    fut.addDoneCallback(cb);
    fut.addDoneCallback(other);
    fut.addDoneCallback(cb);
    expect(fut.removeDoneCallback(cb)).toBe(2);
    expect(fut.removeDoneCallback(cb)).toBe(0);
    expect(fut.removeDoneCallback(() => {})).toBe(0);
    loop.callSoon(() => fut.setResult(1));
    await loop.runUntilComplete(fut);
    await loop.runUntilComplete(Aio.yieldNow);
    expect(log).toEqual(["other"]);
    loop.close();
  });

  it("removeDoneCallback after the future is done removes nothing (its callbacks were scheduled)", async () => {
    const loop = newEventLoop(V);
    const fut = loop.createFuture<number>();
    const log: number[] = [];
    const cb = (f: typeof fut): void => {
      log.push(f.result());
    };
    fut.addDoneCallback(cb);
    fut.setResult(4);
    expect(fut.removeDoneCallback(cb)).toBe(0);
    await loop.runUntilComplete(Aio.yieldNow);
    expect(log).toEqual([4]);
    loop.close();
  });

  it("an unread failure is reported once at close; reading it (exception()) clears the report", async () => {
    const reported: string[] = [];
    const loop = newEventLoop(V);
    loop.setExceptionHandler((_l, ctx) => reported.push(ctx.message));
    const read = loop.createFuture<number, string>();
    const unread = loop.createFuture<number, string>();
    const cb = (): void => {};
    read.addDoneCallback(cb);
    read.setException("read me");
    unread.setException("nobody reads me");
    expect(read.exception()).toBe("read me");
    expect(read.removeDoneCallback(cb)).toBe(0);
    await loop.runUntilComplete(Aio.yieldNow);
    loop.close();
    expect(reported).toEqual(["Future exception was never retrieved"]);
  });

  it("a non-function done callback is a TypeError", () => {
    const loop = newEventLoop(V);
    const fut = loop.createFuture<number>();
    expect(() => fut.addDoneCallback(null as unknown as () => void)).toThrow(TypeError);
    loop.close();
  });
});

describe("cancellation rules", () => {
  it("several cancel() before delivery throw once, cancelling() counts all", async () => {
    const result = await run(
      Aio.gen(function* () {
        let caught = 0;
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
            } catch (e) {
              if (e instanceof CancelledError) caught++;
              else throw e;
            }
            yield* Aio.sleep(10);
            return `survived at ${now()}`;
          }),
        );
        yield* Aio.sleep(1);
        const accepted = [t.cancel("a"), t.cancel("b"), t.cancel("c")];
        const counted = t.cancelling();
        const v = yield* t;
        return { accepted, counted, caught, v, after: t.cancelling(), cancelled: t.cancelled() };
      }),
      V,
    );
    expect(result.accepted).toEqual([true, true, true]);
    expect(result.counted).toBe(3);
    expect(result.caught).toBe(1);
    expect(result.v).toBe("survived at 11");
    expect(result.after).toBe(3);
    expect(result.cancelled).toBe(false);
  });

  it("cancelling() counts many requests and uncancel() withdraws them one by one, in and out of uninterruptible regions", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.uninterruptible(Aio.sleep(10, "done")));
        yield* Aio.yieldNow;
        for (let i = 0; i < 1000; i++) t.cancel(`c${i}`);
        const counted = t.cancelling();
        for (let i = 0; i < 400; i++) t.uncancel();
        const afterUncancel = t.cancelling();
        const exit = yield* Aio.exit(Aio.from(t));
        return { counted, afterUncancel, exit, final: t.cancelling(), done: t.done() };
      }),
      V,
    );
    expect(result.counted).toBe(1000);
    expect(result.afterUncancel).toBe(600);
    expect(result.final).toBe(600);
    expect(result.done).toBe(true);
    // the uninterruptible sleep finished; the pending cancellation then ended the task
    expectInterrupted(result.exit, "c999");
  });

  it("several cancel() of a task waiting on a future throw once too", async () => {
    const result = await run(
      Aio.gen(function* () {
        let caught = 0;
        const fut = yield* createFuture<number>();
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* fut;
            } catch (e) {
              if (e instanceof CancelledError) caught++;
              else throw e;
            }
            yield* Aio.sleep(10);
            return "survived";
          }),
        );
        yield* Aio.yieldNow;
        t.cancel();
        t.cancel();
        const v = yield* t;
        return { caught, v, cancelling: t.cancelling() };
      }),
      V,
    );
    expect(result).toEqual({ caught: 1, v: "survived", cancelling: 2 });
  });

  it("uncancel() withdraws one request and never goes below 0", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.never;
            } catch {
              // swallow
            }
            return "ok";
          }),
        );
        yield* Aio.yieldNow;
        t.cancel();
        t.cancel();
        const counts = [t.cancelling(), t.uncancel(), t.uncancel(), t.uncancel(), t.cancelling()];
        const v = yield* t;
        return { counts, v };
      }),
      V,
    );
    expect(result).toEqual({ counts: [2, 1, 0, 0, 0], v: "ok" });
  });

  it("uncancel() down to 0 before delivery withdraws a request to a task that has not started (asyncio 3.13)", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(5, "ran normally"));
        t.cancel();
        const left = t.uncancel();
        const exit = yield* Aio.exit(Aio.from(t));
        return { left, exit, cancelled: t.cancelled() };
      }),
      V,
    );
    expect(result).toEqual({ left: 0, exit: Exit.succeed("ran normally"), cancelled: false });
  });

  it("uncancel() does not undo a cancellation already delivered to the wait (the sleep was cancelled)", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(1000, "no"));
        yield* Aio.yieldNow;
        t.cancel("m");
        t.uncancel();
        const exit = yield* Aio.exit(Aio.from(t));
        return { exit, time: now() };
      }),
      V,
    );
    expectInterrupted(result.exit, "m");
    expect(result.time).toBe(0);
  });

  it("cancel() of a task waiting on a future inside an uninterruptible region leaves the future alone", async () => {
    const result = await run(
      Aio.gen(function* () {
        let seen: number | undefined;
        const fut = yield* createFuture<number>();
        const t = yield* createTask(
          Aio.uninterruptible(Aio.from(fut)).pipe(Aio.tap((n) => Aio.sync(() => (seen = n)))),
        );
        yield* Aio.yieldNow;
        t.cancel("later");
        const futCancelled = fut.cancelled();
        getRunningLoop().callLater(20, () => fut.setResult(5));
        const exit = yield* Aio.exit(Aio.from(t));
        return { futCancelled, exit, seen, time: now() };
      }),
      V,
    );
    expect(result.futCancelled).toBe(false);
    expectInterrupted(result.exit, "later");
    expect(result.seen).toBeUndefined();
    expect(result.time).toBe(20);
  });

  it("cancel() of a task in Aio.async inside an uninterruptible region does not call the canceller", async () => {
    let cancellerCalls = 0;
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.uninterruptible(
            Aio.async<string>((resume) => {
              getRunningLoop().callLater(30, () => resume(Aio.succeed("resumed")));
              return () => {
                cancellerCalls++;
              };
            }),
          ),
        );
        yield* Aio.sleep(10);
        t.cancel();
        const exit = yield* Aio.exit(Aio.from(t));
        return { exit, time: now() };
      }),
      V,
    );
    expect(cancellerCalls).toBe(0);
    expectInterrupted(result.exit);
    expect(result.time).toBe(30);
  });

  it("cancel() returns false once the task is done", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.succeed(1));
        yield* t;
        return { r: t.cancel(), cancelling: t.cancelling(), cancelled: t.cancelled() };
      }),
      V,
    );
    expect(result).toEqual({ r: false, cancelling: 0, cancelled: false });
  });

  it("a task cancelled before it starts never runs its body", async () => {
    let ran = false;
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sync(() => (ran = true)));
        t.cancel("early");
        const exit = yield* Aio.exit(Aio.from(t));
        return exit;
      }),
      V,
    );
    expect(ran).toBe(false);
    expectInterrupted(result, "early");
  });

  it("cancel() of a task suspended on a future cancels that future at once", async () => {
    const result = await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<number>();
        const t = yield* createTask(Aio.from(fut));
        yield* Aio.yieldNow;
        const before = fut.done();
        t.cancel("via future");
        const futCancelled = fut.cancelled();
        let futError: unknown;
        try {
          fut.result();
        } catch (e) {
          futError = e;
        }
        const taskDoneAtOnce = t.done();
        const exit = yield* Aio.exit(Aio.from(t));
        return { before, futCancelled, futError, taskDoneAtOnce, exit };
      }),
      V,
    );
    expect(result.before).toBe(false);
    expect(result.futCancelled).toBe(true);
    expect(result.futError).toBeInstanceOf(CancelledError);
    expect((result.futError as CancelledError).message).toBe("via future");
    expect(result.taskDoneAtOnce).toBe(false);
    expectInterrupted(result.exit, "via future");
  });

  it("cancelling a joiner cancels the task it is joining (as asyncio's await task)", async () => {
    const result = await run(
      Aio.gen(function* () {
        const inner = yield* createTask(Aio.never);
        const joiner = yield* createTask(Aio.from(inner));
        yield* Aio.yieldNow;
        joiner.cancel("outer");
        yield* Aio.exit(Aio.from(joiner));
        return { inner: inner.getExit(), joiner: joiner.getExit() };
      }),
      V,
    );
    expectInterrupted(result.inner, "outer");
    expectInterrupted(result.joiner, "outer");
  });

  it("a task that cancels itself then returns without suspending ends cancelled", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.sync(() => {
            currentTask()!.cancel("self");
            return "returned";
          }),
        );
        const exit = yield* Aio.exit(Aio.from(t));
        return { exit, cancelled: t.cancelled() };
      }),
      V,
    );
    expectInterrupted(result.exit, "self");
    expect(result.cancelled).toBe(true);
  });

  it("a finished task's pending timer is gone and allTasks forgets it", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(1000));
        yield* Aio.yieldNow;
        t.cancel();
        yield* Aio.exit(Aio.from(t));
        return { timers: getRunningLoop().pendingTimers(), has: allTasks().has(t as Task<unknown, unknown>) };
      }),
      V,
    );
    expect(result).toEqual({ timers: 0, has: false });
  });
});

describe("joining", () => {
  it("joining a failed task throws its failure", async () => {
    const err = { _tag: "Boom" as const };
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(5).pipe(Aio.flatMap(() => Aio.fail(err))));
        try {
          yield* t;
          return "no";
        } catch (e) {
          return e;
        }
      }),
      V,
    );
    expect(result).toBe(err);
    const exit = await runExit(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.fail(err));
        return yield* t;
      }),
      V,
    );
    expect(exit).toEqual(Exit.fail(err));
  });

  it("joining an already-finished task gives its value at once", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.succeed(9));
        yield* Aio.sleep(5);
        const a = yield* t;
        const b = yield* t; // twice is fine
        return [a, b, now()];
      }),
      V,
    );
    expect(result).toEqual([9, 9, 5]);
  });

  it("joining a cancelled task throws CancelledError in the joiner, which may catch it", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.never);
        yield* Aio.yieldNow;
        t.cancel("child cancelled");
        try {
          yield* t;
          return "no";
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          yield* Aio.sleep(3);
          return `caught "${e.message}", main continues at ${now()}`;
        }
      }),
      V,
    );
    expect(result).toBe('caught "child cancelled", main continues at 3');
  });

  it("if the joiner does not catch it, the joiner ends interrupted", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.never);
        const joiner = yield* createTask(
          Aio.gen(function* () {
            yield* t;
            return "unreachable";
          }),
        );
        yield* Aio.yieldNow;
        t.cancel("inner");
        const exit = yield* Aio.exit(Aio.from(joiner));
        return { exit, joinerCancelled: joiner.cancelled(), joinerCancelling: joiner.cancelling() };
      }),
      V,
    );
    expectInterrupted(result.exit, "inner");
    expect(result.joinerCancelled).toBe(true);
    expect(result.joinerCancelling).toBe(0);
  });
});

describe("unretrieved failures", () => {
  it("a task failure nobody retrieves (still reachable) is reported with 'never retrieved' when run ends", async () => {
    const contexts: ExceptionContext[] = [];
    const err = new Error("lost");
    // Kept reachable, so a garbage collection cannot report it earlier (see the GC test
    // in hardening-loop.test.ts).
    const kept: Task<never, Error>[] = [];
    await run(
      Aio.gen(function* () {
        yield* captureExceptions(contexts);
        kept.push(yield* createTask(Aio.sleep(1).pipe(Aio.flatMap(() => Aio.fail(err))), { name: "loser" }));
        yield* Aio.sleep(10);
        expect(contexts.map((c) => c.message)).toEqual([]); // not while the loop runs
        return 1;
      }),
      V,
    );
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.message).toContain("never retrieved");
    expect(contexts[0]!.exception).toBe(err);
    expect(contexts[0]!.task?.getName()).toBe("loser");
  });

  it("a defect nobody retrieves is reported too; a retrieved failure is not", async () => {
    const contexts: ExceptionContext[] = [];
    await run(
      Aio.gen(function* () {
        yield* captureExceptions(contexts);
        yield* createTask(Aio.die("unseen defect"));
        const seen = yield* createTask(Aio.fail("seen"));
        const seen2 = yield* createTask(Aio.fail("seen via exception()"));
        const seen3 = yield* createTask(Aio.fail("seen via join"));
        yield* Aio.sleep(1);
        seen.getExit();
        seen2.exception();
        yield* Aio.exit(Aio.from(seen3));
      }),
      V,
    );
    expect(contexts.map((c) => c.exception)).toEqual(["unseen defect"]);
    expect(contexts[0]!.message).toContain("never retrieved");
  });

  it("a future exception nobody retrieves is reported when the loop closes", async () => {
    const loop = newEventLoop(V);
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => contexts.push(ctx));
    const fut = loop.createFuture<number, string>();
    fut.setException("nobody reads me");
    const cancelled = loop.createFuture<number>();
    cancelled.cancel();
    await loop.runUntilComplete(Aio.sleep(1));
    expect(contexts.map((c) => c.message)).toEqual([]);
    loop.close();
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.message).toContain("never retrieved");
    expect(contexts[0]!.exception).toBe("nobody reads me");
    expect(contexts[0]!.future === fut).toBe(true);
  });
});

describe("Future", () => {
  it("setResult twice (or after setException / cancel) is an InvalidStateError", () => {
    const loop = newEventLoop(V);
    const f = loop.createFuture<number, string>();
    expect(f.done()).toBe(false);
    f.setResult(1);
    expect(f.done()).toBe(true);
    expect(f.result()).toBe(1);
    expect(() => f.setResult(2)).toThrow(InvalidStateError);
    expect(() => f.setException("x")).toThrow(InvalidStateError);
    expect(f.result()).toBe(1);
    const g = loop.createFuture<number, string>();
    g.setException("x");
    expect(() => g.setResult(1)).toThrow(InvalidStateError);
    expect(g.exception()).toBe("x");
    const h = loop.createFuture<number>();
    h.cancel();
    expect(() => h.setResult(1)).toThrow(InvalidStateError);
    loop.close();
  });

  it("cancel() returns true once, then false; cancelled() and done()", () => {
    const loop = newEventLoop(V);
    const f = loop.createFuture<number>();
    expect(f.cancelled()).toBe(false);
    expect(f.cancel("m")).toBe(true);
    expect(f.cancel("again")).toBe(false);
    expect(f.cancelled()).toBe(true);
    expect(f.done()).toBe(true);
    expect(() => f.result()).toThrow(CancelledError);
    expect(() => f.result()).toThrow("m");
    const g = loop.createFuture<number>();
    g.setResult(1);
    expect(g.cancel()).toBe(false);
    expect(g.cancelled()).toBe(false);
    expect(f.getLoop()).toBe(loop);
    loop.close();
  });

  it("yield* waits for the future", async () => {
    const result = await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<string>();
        getRunningLoop().callLater(40, () => fut.setResult("ready"));
        const v = yield* fut;
        return { v, t: now() };
      }),
      V,
    );
    expect(result).toEqual({ v: "ready", t: 40 });
  });

  it("yield* of a failed future throws its error; several waiters all wake", async () => {
    const result = await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<number, string>();
        const waiters = [
          yield* createTask(Aio.exit(Aio.from(fut))),
          yield* createTask(Aio.exit(Aio.from(fut))),
        ];
        getRunningLoop().callLater(5, () => fut.setException("bad"));
        const exits = [];
        for (const w of waiters) exits.push(yield* w);
        return exits;
      }),
      V,
    );
    expect(result).toEqual([Exit.fail("bad"), Exit.fail("bad")]);
  });

  it("isFuture", () => {
    const loop = newEventLoop(V);
    expect(isFuture(loop.createFuture())).toBe(true);
    expect(isFuture(loop.createTask(Aio.succeed(1)))).toBe(true);
    expect(isFuture(Aio.succeed(1))).toBe(false);
    expect(isFuture({ done: () => true })).toBe(false);
    expect(isFuture(null)).toBe(false);
    expect(loop.createFuture()).toBeInstanceOf(Future);
    loop.close();
  });

  it("fromPromise: a resolution is the value, a rejection a typed failure", async () => {
    expect(await run(fromPromise(Promise.resolve(3)), V)).toBe(3);
    expect(await runExit(fromPromise(Promise.reject("no")), V)).toEqual(Exit.fail("no"));
  });

  it("wrapFuture: resolved and rejected promises, on a loop or the running loop", async () => {
    const loop = newEventLoop(V);
    const ok = wrapFuture(Promise.resolve(1), loop);
    expect(isFuture(ok)).toBe(true);
    expect(ok.done()).toBe(false);
    expect(await loop.runUntilComplete(ok)).toBe(1);
    const bad = wrapFuture(Promise.reject("rej"), loop);
    await expect(loop.runUntilComplete(bad)).rejects.toBe("rej");
    const viaRunning = await loop.runUntilComplete(
      Aio.gen(function* () {
        const f = wrapFuture(new Promise<string>((r) => setImmediate(() => r("later"))));
        return [f.getLoop() === loop, yield* f] as const;
      }),
    );
    expect(viaRunning).toEqual([true, "later"]);
    loop.close();
  });
});

describe("sleep", () => {
  it("sleep(0) yields exactly once: two tasks each doing sleep(0) alternate", async () => {
    const log: string[] = [];
    const worker = (name: string) =>
      Aio.gen(function* () {
        for (let i = 1; i <= 3; i++) {
          log.push(`${name}${i}`);
          yield* sleep(0);
        }
      });
    await run(
      Aio.gen(function* () {
        const a = yield* createTask(worker("A"));
        const b = yield* createTask(worker("B"));
        yield* a;
        yield* b;
        expect(now()).toBe(0);
      }),
      V,
    );
    expect(log).toEqual(["A1", "B1", "A2", "B2", "A3", "B3"]);
  });

  it("sleep(0) does not let a callback scheduled one batch later run before the sleeper resumes", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        scheduleCb1ThenCb2(log);
        yield* sleep(0);
        log.push("resumed");
        yield* sleep(0);
      }),
      V,
    );
    expect(log).toEqual(["cb1", "resumed", "cb2"]);
  });

  it("a negative sleep acts as 0", async () => {
    const log: string[] = [];
    const worker = (name: string) =>
      Aio.gen(function* () {
        for (let i = 1; i <= 2; i++) {
          log.push(`${name}${i}`);
          yield* sleep(-50);
        }
      });
    const t = await run(
      Aio.gen(function* () {
        const a = yield* createTask(worker("A"));
        const b = yield* createTask(worker("B"));
        yield* a;
        yield* b;
        return [now(), getRunningLoop().pendingTimers()];
      }),
      V,
    );
    expect(log).toEqual(["A1", "B1", "A2", "B2"]);
    expect(t).toEqual([0, 0]);
  });

  it("sleep(ms, value) returns the value after exactly ms", async () => {
    const r = await run(
      Aio.gen(function* () {
        const v = yield* sleep(123, "woke");
        return [v, now()];
      }),
      V,
    );
    expect(r).toEqual(["woke", 123]);
  });
});

describe("uninterruptible regions and finalisers", () => {
  it("interruption of an uninterruptible region waits for its end", async () => {
    const result = await run(
      Aio.gen(function* () {
        const log: string[] = [];
        const t = yield* createTask(
          Aio.gen(function* () {
            const v = yield* Aio.uninterruptible(
              Aio.gen(function* () {
                yield* Aio.sleep(30);
                log.push(`region step 1 at ${now()}`);
                yield* Aio.sleep(20);
                log.push(`region step 2 at ${now()}`);
                return "committed";
              }),
            );
            log.push(`after region ${v} (never)`);
            return v;
          }),
        );
        yield* Aio.sleep(10);
        t.cancel("wait");
        const doneAtOnce = t.done();
        yield* Aio.sleep(1);
        const doneSoon = t.done();
        const exit = yield* Aio.exit(Aio.from(t));
        return { log, exit, doneAtOnce, doneSoon, time: now() };
      }),
      V,
    );
    expect(result.log).toEqual(["region step 1 at 30", "region step 2 at 50"]);
    expect(result.doneAtOnce).toBe(false);
    expect(result.doneSoon).toBe(false);
    expectInterrupted(result.exit, "wait");
    expect(result.time).toBe(50);
  });

  it("finalisers run exactly once on success, failure and interruption", async () => {
    const counts = { success: 0, failure: 0, interruption: 0, genFinally: 0 };
    const fin = (k: keyof typeof counts) =>
      Aio.ensuring(
        Aio.sync(() => {
          counts[k]++;
        }),
      );
    const result = await run(
      Aio.gen(function* () {
        const s = yield* createTask(Aio.sleep(5, "ok").pipe(fin("success")));
        const f = yield* createTask(Aio.sleep(5).pipe(Aio.flatMap(() => Aio.fail("bad")), fin("failure")));
        const i = yield* createTask(Aio.sleep(1000).pipe(fin("interruption")));
        const g = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
            } finally {
              counts.genFinally++;
            }
          }),
        );
        yield* Aio.sleep(10);
        i.cancel();
        i.cancel(); // a second request must not run the finaliser again
        g.cancel();
        const exits = [];
        for (const t of [s, f, i, g] as Task<unknown, unknown>[]) exits.push(yield* Aio.exit(Aio.from(t)));
        yield* Aio.sleep(100);
        return exits.map((e) => (e._tag === "Success" ? "Success" : e.cause._tag));
      }),
      V,
    );
    expect(result).toEqual(["Success", "Fail", "Interrupt", "Interrupt"]);
    expect(counts).toEqual({ success: 1, failure: 1, interruption: 1, genFinally: 1 });
  });
});
