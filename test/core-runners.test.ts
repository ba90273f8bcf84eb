/**
 * Runners (src/runners.ts): run, runExit, runSync, runSyncExit, and a real-process smoke
 * test that `run` lets the process exit.
 */
import { describe, it, expect } from "vitest";
import { fileURLToPath } from "node:url";
import {
  Aio,
  CancelledError,
  Cause,
  EventLoop,
  EventLoopError,
  Exit,
  createFuture,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  runExit,
  runSync,
  runSyncExit,
  type ExceptionContext,
  type Task,
} from "../src/index.js";
import { V, expectInterrupted, now, runNode } from "./helpers.js";

describe("run", () => {
  it("resolves with the value", async () => {
    expect(await run(Aio.sleep(1000, "done"), V)).toBe("done");
  });

  it("rejects with the typed error itself", async () => {
    const err = { _tag: "Invalid" as const, field: "name" };
    await expect(run(Aio.fail(err), V)).rejects.toBe(err);
    await expect(run(Aio.sleep(5).pipe(Aio.flatMap(() => Aio.fail("late"))), V)).rejects.toBe("late");
  });

  it("rejects with the defect", async () => {
    const defect = new RangeError("bug");
    await expect(run(Aio.die(defect), V)).rejects.toBe(defect);
    await expect(
      run(
        Aio.gen(function* () {
          yield* Aio.sleep(1);
          throw defect;
        }),
        V,
      ),
    ).rejects.toBe(defect);
  });

  it("rejects with a CancelledError (with the message) when the main task is cancelled", async () => {
    const selfCancel = run(
      Aio.gen(function* () {
        currentTask()!.cancel("main stop");
        yield* Aio.sleep(10);
        return "no";
      }),
      V,
    );
    await expect(selfCancel).rejects.toBeInstanceOf(CancelledError);
    await expect(selfCancel).rejects.toThrow("main stop");

    const byOther = run(
      Aio.gen(function* () {
        const main = currentTask()!;
        yield* createTask(Aio.sleep(5).pipe(Aio.tap(() => Aio.sync(() => main.cancel("from child")))));
        yield* Aio.sleep(100);
        return "no";
      }),
      V,
    );
    await expect(byOther).rejects.toBeInstanceOf(CancelledError);
    await expect(byOther).rejects.toThrow("from child");
  });

  it("the main task is named main and the loop is closed afterwards", async () => {
    const r = await run(
      Aio.sync(() => ({ name: currentTask()?.getName(), loop: getRunningLoop() })),
      V,
    );
    expect(r.name).toBe("main");
    expect(r.loop).toBeInstanceOf(EventLoop);
    expect(r.loop.isClosed()).toBe(true);
    expect(r.loop.isRunning()).toBe(false);
  });

  it("uses a fresh loop each time", async () => {
    const loops = await Promise.all([run(Aio.sync(() => getRunningLoop()), V), run(Aio.sync(() => getRunningLoop()), V)]);
    expect(loops[0]).not.toBe(loops[1]);
    const t = await run(Aio.sleep(50).pipe(Aio.map(() => now())), V);
    expect(t).toBe(50);
    // A second run starts again at time 0.
    expect(await run(Aio.sync(() => now()), V)).toBe(0);
  });
});

describe("runExit", () => {
  it("resolves with the Exit of every outcome, never rejects", async () => {
    expect(await runExit(Aio.sleep(1, 1), V)).toEqual(Exit.succeed(1));
    expect(await runExit(Aio.fail("f"), V)).toEqual(Exit.fail("f"));
    expect(await runExit(Aio.die("d"), V)).toEqual(Exit.die("d"));
    expectInterrupted(await runExit(Aio.failCause(Cause.interrupt("i")), V), "i");
    expectInterrupted(
      await runExit(
        Aio.gen(function* () {
          currentTask()!.cancel("x");
          return 1;
        }),
        V,
      ),
      "x",
    );
  });
});

describe("run's shutdown: pending tasks are cancelled and awaited", () => {
  /**
   * Runs a main program that starts `child` as a task, sleeps `ms` and returns "main done",
   * leaving the child pending: run's value and the child's task.
   */
  const runLeavingChild = async (child: Aio.Aio<void>, ms: number) => {
    let task: Task<void, never> | undefined;
    const v = await run(
      Aio.gen(function* () {
        task = yield* createTask(child);
        yield* Aio.sleep(ms);
        return "main done";
      }),
      V,
    );
    return { v, child: task };
  };

  it("a pending task is cancelled and its (synchronous) finally runs", async () => {
    const log: string[] = [];
    const { v, child } = await runLeavingChild(
      Aio.gen(function* () {
        try {
          yield* Aio.sleep(3_600_000);
        } catch (e) {
          log.push(`cancelled: ${e instanceof CancelledError}`);
          throw e;
        } finally {
          log.push("child finally");
        }
      }),
      10,
    );
    expect(v).toBe("main done");
    expect(log).toEqual(["cancelled: true", "child finally"]);
    expect(child?.cancelled()).toBe(true);
  });

  it("a pending task's asynchronous cleanup (finally with yield*) runs to its end before run resolves", async () => {
    const log: string[] = [];
    const { v, child } = await runLeavingChild(
      Aio.gen(function* () {
        try {
          yield* Aio.sleep(3_600_000);
        } finally {
          log.push(`cleanup start ${now()}`);
          yield* Aio.sleep(10);
          log.push(`cleanup end ${now()}`);
        }
      }),
      5,
    );
    expect(v).toBe("main done");
    expect(log).toEqual(["cleanup start 5", "cleanup end 15"]);
    expect(child?.done()).toBe(true);
    expect(child?.cancelled()).toBe(true);
  });

  it("pending ensuring finalisers of several tasks all run; tasks waiting on futures are cancelled too", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        const fut = yield* createFuture<number>();
        yield* createTask(Aio.from(fut).pipe(Aio.ensuring(Aio.sync(() => log.push("future waiter")))));
        yield* createTask(Aio.never.pipe(Aio.ensuring(Aio.sleep(20).pipe(Aio.tap(() => Aio.sync(() => log.push("never, slow finaliser")))))));
        yield* createTask(Aio.sleep(1000).pipe(Aio.onInterrupt(() => Aio.sync(() => log.push("sleeper interrupted")))));
        yield* Aio.yieldNow;
      }),
      V,
    );
    expect([...log].sort()).toEqual(["future waiter", "never, slow finaliser", "sleeper interrupted"]);
  });

  it("a pending task failing during shutdown is reported to the exception handler", async () => {
    const contexts: ExceptionContext[] = [];
    const err = new Error("cleanup failed");
    await run(
      Aio.gen(function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => contexts.push(ctx));
        yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.never;
            } finally {
              throw err;
            }
          }),
          { name: "bad-cleanup" },
        );
        yield* Aio.yieldNow;
      }),
      V,
    );
    expect(contexts).toHaveLength(1);
    expect(contexts[0]!.exception).toBe(err);
    expect(contexts[0]!.task?.getName()).toBe("bad-cleanup");
  });

  it("when the main program fails, pending tasks are still cancelled and awaited", async () => {
    const log: string[] = [];
    const p = run(
      Aio.gen(function* () {
        yield* createTask(
          Aio.never.pipe(Aio.ensuring(Aio.sleep(7).pipe(Aio.tap(() => Aio.sync(() => log.push(`cleaned at ${now()}`)))))),
        );
        yield* Aio.sleep(3);
        return yield* Aio.fail("main failed");
      }),
      V,
    );
    await expect(p).rejects.toBe("main failed");
    expect(log).toEqual(["cleaned at 10"]);
  });
});

describe("runSync / runSyncExit", () => {
  it("runSync returns the value or throws the failure", () => {
    expect(runSync(Aio.succeed(1).pipe(Aio.map((n) => n + 1)))).toBe(2);
    expect(() => runSync(Aio.fail("typed"))).toThrow();
    let thrown: unknown;
    try {
      runSync(Aio.fail({ code: 1 }));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toEqual({ code: 1 });
    const defect = new Error("d");
    expect(() => runSync(Aio.die(defect))).toThrow(defect);
  });

  it("runSync of a program that cancels itself throws CancelledError", () => {
    expect(() =>
      runSync(
        Aio.sync(() => {
          currentTask()!.cancel("sync cancel");
          return 1;
        }),
      ),
    ).toThrow(CancelledError);
  });

  it("runSyncExit returns the Exit", () => {
    expect(runSyncExit(Aio.succeed("a"))).toEqual(Exit.succeed("a"));
    expect(runSyncExit(Aio.fail("f"))).toEqual(Exit.fail("f"));
    expect(runSyncExit(Aio.die("d"))).toEqual(Exit.die("d"));
    expectInterrupted(runSyncExit(Aio.failCause(Cause.interrupt("i"))), "i");
  });

  it("runSync / runSyncExit of a program that suspends throw an EventLoopError", () => {
    expect(() => runSync(Aio.sleep(1))).toThrow(EventLoopError);
    expect(() => runSyncExit(Aio.sleep(1))).toThrow(EventLoopError);
    expect(() =>
      runSyncExit(
        Aio.gen(function* () {
          const fut = yield* createFuture<number>();
          return yield* fut;
        }),
      ),
    ).toThrow(EventLoopError);
  });

  it("runSync runs the program each time and has a running loop inside", () => {
    let n = 0;
    const p = Aio.sync(() => {
      n++;
      return getRunningLoop() instanceof EventLoop;
    });
    expect(runSync(p)).toBe(true);
    expect(runSync(p)).toBe(true);
    expect(n).toBe(2);
  });
});

describe("real clock smoke test", () => {
  it(
    "a child node process running run(sleep 50 ms) exits promptly with code 0",
    async () => {
      const script = fileURLToPath(new URL("./fixtures/core-smoke-run.ts", import.meta.url));
      const started = Date.now();
      const { code, stdout, stderr } = await runNode(script, { killAfterMs: 20_000 });
      const wall = Date.now() - started;
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const out = JSON.parse(stdout.trim()) as { value: string; elapsed: number };
      expect(out.value).toBe("done");
      expect(out.elapsed).toBeGreaterThanOrEqual(45);
      expect(out.elapsed).toBeLessThan(5_000);
      expect(wall).toBeLessThan(10_000);
    },
    30_000,
  );
});
