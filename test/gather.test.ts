/**
 * gather, gatherExits and race on the virtual clock: argument order, concurrency,
 * structured failure (the others are cancelled and awaited), cancellation both ways,
 * the returnExceptions form, bad input at the boundary.
 */
import { describe, expect, it } from "vitest";
import {
  Aio,
  CancelledError,
  Cause,
  Exit,
  createFuture,
  createTask,
  getRunningLoop,
  runSync,
  TimeoutError,
  type Task,
} from "../src/index.js";
import { gather, gatherExits, race } from "../src/gather.js";
import { timeout } from "../src/timeouts.js";
import { waitFor } from "../src/wait.js";
import { cancelAfter, cancelAndJoin, failing, loggedSleep, now, reportingLoop, vexit, vrun } from "./helpers.js";

/** Sleeps `ms`, logging start/end (and cancellation, with its time) into `log`. */
const worker = <A>(name: string, ms: number, value: A, log: string[]): Aio.Aio<A> =>
  loggedSleep(name, ms, value, log, true);

describe("gather: values", () => {
  it("returns the values in argument order whatever the completion order, in max(ms)", async () => {
    const log: string[] = [];
    const [r, t] = await vrun(
      Aio.gen(function* () {
        const r = yield* gather(worker("a", 3000, "A", log), worker("b", 2000, 2, log), worker("c", 4000, true, log));
        return [r, now()] as const;
      }),
    );
    expect(r).toEqual(["A", 2, true]);
    expect(t).toBe(4000);
    expect(log).toEqual(["a start@0", "b start@0", "c start@0", "b end@2000", "a end@3000", "c end@4000"]);
  });

  it("gather() is [] at once, without suspending", () => {
    expect(runSync(gather())).toEqual([]);
    expect(runSync(gather([]))).toEqual([]);
  });

  it("takes an array (result: an array) and a readonly tuple", async () => {
    const arr: Array<Aio.Aio<number>> = [1, 2, 3].map((n) => Aio.sleep(10 * (4 - n), n));
    expect(await vrun(gather(arr))).toEqual([1, 2, 3]);
    const tuple = [Aio.sleep(5, "x"), Aio.succeed(1)] as const;
    expect(await vrun(gather(tuple))).toEqual(["x", 1]);
  });

  it("accepts tasks and futures, used as they are", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(100, "task"));
        const f = yield* createFuture<number>();
        getRunningLoop().callLater(50, () => f.setResult(7));
        const done = yield* createFuture<string>();
        done.setResult("done");
        return [yield* gather(t, f, done, Aio.succeed(0)), now()] as const;
      }),
    );
    expect(r).toEqual([["task", 7, "done", 0], 100]);
  });

  it("starts Aio children at once, in order, each up to its first suspension", async () => {
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        yield* createTask(Aio.sync(() => void log.push("other task")));
        log.push("before gather");
        yield* gather(
          Aio.sync(() => void log.push("child 1")),
          Aio.gen(function* () {
            log.push("child 2 start");
            yield* Aio.sleep(0);
            log.push("child 2 end");
          }),
          Aio.sync(() => void log.push("child 3")),
        );
        log.push("after gather");
      }),
    );
    expect(log).toEqual(["before gather", "child 1", "child 2 start", "child 3", "other task", "child 2 end", "after gather"]);
  });

  it("sync children (succeed, sync, fail) need no task and no loop turn", () => {
    expect(runSync(gather(Aio.succeed(1), Aio.sync(() => 2), Aio.succeed("three")))).toEqual([1, 2, "three"]);
    const e = runSync(Aio.exit(gather(Aio.succeed(1), Aio.fail("bad" as const))));
    expect(e).toEqual(Exit.fail("bad"));
    const boom = new Error("boom");
    const d = runSync(
      Aio.exit(
        gather(
          Aio.sync(() => {
            throw boom;
          }),
        ),
      ),
    );
    expect(d._tag === "Failure" && d.cause._tag === "Die" && d.cause.defect).toBe(boom);
  });

  it("children that finish without suspending complete inside the gather (runSync works)", () => {
    const child = (n: number): Aio.Aio<number> =>
      Aio.gen(function* () {
        const a = yield* Aio.succeed(n);
        return a * 2;
      });
    expect(runSync(gather(child(1), child(2), child(3)))).toEqual([2, 4, 6]);
  });

  it("runs again (fresh children) each time it is run", async () => {
    let starts = 0;
    const g = gather(Aio.sync(() => ++starts), Aio.sleep(1, "x"));
    expect(await vrun(g)).toEqual([1, "x"]);
    expect(await vrun(g)).toEqual([2, "x"]);
  });

  it("handles many children and deeply nested gathers", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => Aio.sleep(i % 7, i));
    const r = await vrun(gather(many));
    expect(r.length).toBe(10_000);
    expect(r[9_999]).toBe(9_999);
    const nest = (n: number): Aio.Aio<number> =>
      n === 0 ? Aio.sleep(1, 0) : gather(nest(n - 1), Aio.succeed(1)).pipe(Aio.map(([a, b]) => a + b));
    expect(await vrun(nest(500))).toBe(500);
  });
});

describe("gather: failures (structured)", () => {
  it("the first failure cancels the others and waits for them to end before propagating", async () => {
    const log: string[] = [];
    const slowCleanup = Aio.gen(function* () {
      try {
        yield* Aio.sleep(10_000);
      } finally {
        log.push(`cleanup start@${now()}`);
        yield* Aio.sleep(50);
        log.push(`cleanup end@${now()}`);
      }
    });
    const r = await vrun(
      Aio.gen(function* () {
        const e = yield* Aio.exit(gather(worker("a", 5000, 1, log), failing(1000, "boom" as const), slowCleanup));
        return { e, t: now(), tasks: getRunningLoop().allTasks().size };
      }),
    );
    expect(r.e).toEqual(Exit.fail("boom"));
    expect(r.t).toBe(1050);
    expect(r.tasks).toBe(1); // only main: no orphan
    expect(log).toEqual(["a start@0", "a cancelled@1000", "cleanup start@1000", "cleanup end@1050"]);
  });

  it("fails with the typed error; a defect stays a defect", async () => {
    const e1 = await vexit(gather(Aio.sleep(10, 1), failing(5, { code: 404 })));
    expect(e1).toEqual(Exit.fail({ code: 404 }));
    const bug = new TypeError("bug");
    const e2 = await vexit(gather(Aio.sleep(10, 1), Aio.sleep(5).pipe(Aio.flatMap(() => Aio.die(bug)))));
    expect(e2._tag === "Failure" && e2.cause._tag === "Die" && e2.cause.defect).toBe(bug);
  });

  it("a child that fails at once stops the later Aio children from starting", async () => {
    const log: string[] = [];
    const e = await vexit(
      gather(worker("a", 100, 1, log), Aio.fail("now" as const), worker("never", 100, 2, log)),
    );
    expect(e).toEqual(Exit.fail("now"));
    expect(log).toEqual(["a start@0", "a cancelled@0"]);
  });

  it("a later task argument is still cancelled when an earlier child failed at once", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(100, "t"));
        const e = yield* Aio.exit(gather(Aio.fail("x"), t));
        return { e, cancelled: t.cancelled(), at: now() };
      }),
    );
    expect(r).toEqual({ e: Exit.fail("x"), cancelled: true, at: 0 });
  });

  it("a child that ends cancelled makes the gather fail with CancelledError", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const victim = yield* createTask(Aio.sleep(10_000, 0));
        getRunningLoop().callLater(500, () => victim.cancel("someone else"));
        try {
          yield* gather(victim, worker("b", 2000, 1, log));
          return "no";
        } catch (e) {
          return [e instanceof CancelledError, (e as CancelledError).message, now()] as const;
        }
      }),
    );
    expect(r).toEqual([true, "someone else", 500]);
    expect(log).toEqual(["b start@0", "b cancelled@500"]);
  });

  it("marks child failures as retrieved: nothing is reported to the loop", async () => {
    const { loop, reported } = reportingLoop();
    await loop.runUntilCompleteExit(gather(failing(10, "a"), failing(10, "b"), Aio.sleep(20)));
    await loop.runUntilCompleteExit(gatherExits(failing(10, "a"), Aio.die("d")));
    loop.close();
    expect(reported).toEqual([]);
  });
});

describe("gather: cancellation", () => {
  it("cancelling the gather cancels every child; it ends cancelled once they have ended", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const { exit: e } = yield* cancelAfter(
          gather(
            worker("a", 5000, 1, log),
            Aio.gen(function* () {
              try {
                yield* Aio.sleep(5000);
              } finally {
                yield* Aio.sleep(30);
                log.push(`b cleaned@${now()}`);
              }
            }),
          ),
          1000,
          "stop",
        );
        return { e, t: now(), tasks: getRunningLoop().allTasks().size };
      }),
    );
    expect(Exit.isInterrupted(r.e) && r.e.cause.message).toBe("stop");
    expect(r.t).toBe(1030);
    expect(r.tasks).toBe(1);
    expect(log).toEqual(["a start@0", "a cancelled@1000", "b cleaned@1030"]);
  });

  it("cancels task and future arguments too", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(5000, 1));
        const f = yield* createFuture<number>();
        const g = yield* createTask(gather(t, f));
        yield* Aio.sleep(10);
        yield* cancelAndJoin(g);
        return [t.cancelled(), f.cancelled(), g.cancelled()];
      }),
    );
    expect(r).toEqual([true, true, true]);
  });

  it("a cancellation pending before the gather starts: no child starts", async () => {
    const log: string[] = [];
    const e = await vexit(
      Aio.gen(function* () {
        const me = getRunningLoop().allTasks();
        for (const t of me) t.cancel();
        yield* gather(worker("a", 10, 1, log));
      }),
    );
    expect(Exit.isInterrupted(e)).toBe(true);
    expect(log).toEqual([]);
  });

  it("the gather's own cancellation wins over the children's values (asyncio)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const swallow = Aio.gen(function* () {
          try {
            yield* Aio.sleep(1000);
          } catch {
            return "swallowed";
          }
          return "normal";
        });
        const { exit } = yield* cancelAfter(gather(swallow), 10);
        return Exit.isInterrupted(exit);
      }),
    );
    expect(r).toBe(true);
  });
});

describe("gather under a deadline", () => {
  it("timeout / waitFor around a gather: the children are cancelled and awaited, then TimeoutError", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const a = yield* Aio.exit(timeout(100, gather(worker("a", 1000, 1, log), worker("b", 2000, 2, log))));
        const b = yield* Aio.exit(waitFor(gather(worker("c", 1000, 1, log)), 100));
        const isTimeout = (e: Exit.Exit<unknown, unknown>): boolean =>
          e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError;
        return [isTimeout(a), isTimeout(b), now(), getRunningLoop().allTasks().size] as const;
      }),
    );
    expect(r).toEqual([true, true, 200, 1]);
    expect(log).toEqual(["a start@0", "b start@0", "a cancelled@100", "b cancelled@100", "c start@100", "c cancelled@200"]);
  });
});

describe("gather: returnExceptions / gatherExits", () => {
  it("never fails because of a child; every outcome, typed position by position", async () => {
    const bug = new Error("bug");
    const r = await vrun(
      Aio.gen(function* () {
        const selfCancel = Aio.gen(function* () {
          yield* Aio.sleep(5);
          const me = yield* Aio.sync(() => getRunningLoop().allTasks());
          void me;
          return yield* Aio.failCause(Cause.interrupt("self"));
        });
        return yield* gather(
          [Aio.sleep(30, 1), failing(10, "typed" as const), Aio.sleep(20).pipe(Aio.flatMap(() => Aio.die(bug))), selfCancel],
          { returnExceptions: true },
        );
      }),
    );
    expect(r[0]).toEqual(Exit.succeed(1));
    expect(r[1]).toEqual(Exit.fail("typed"));
    expect(r[2]._tag === "Failure" && r[2].cause._tag === "Die" && r[2].cause.defect).toBe(bug);
    expect(Exit.isInterrupted(r[3]) && r[3].cause.message).toBe("self");
  });

  it("variadic with trailing options, and gatherExits in both forms", async () => {
    const a = await vrun(gather(Aio.succeed(1), Aio.fail("x"), { returnExceptions: true }));
    expect(a).toEqual([Exit.succeed(1), Exit.fail("x")]);
    const b = await vrun(gather([Aio.succeed(1)], { returnExceptions: false }));
    expect(b).toEqual([1]);
    expect(await vrun(gatherExits(Aio.fail(1), Aio.sleep(5, 2)))).toEqual([Exit.fail(1), Exit.succeed(2)]);
    expect(await vrun(gatherExits([Aio.succeed("a")]))).toEqual([Exit.succeed("a")]);
    expect(await vrun(gatherExits())).toEqual([]);
  });

  it("does not cancel the others on a failure", async () => {
    const log: string[] = [];
    const r = await vrun(gatherExits(failing(10, "x"), worker("a", 100, "A", log)));
    expect(r).toEqual([Exit.fail("x"), Exit.succeed("A")]);
    expect(log).toEqual(["a start@0", "a end@100"]);
  });

  it("cancelling it cancels the children and it ends cancelled", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { exit } = yield* cancelAfter(gatherExits(Aio.sleep(1000, 1), Aio.sleep(2000, 2)), 10);
        return Exit.isInterrupted(exit);
      }),
    );
    expect(r).toBe(true);
  });
});

describe("gather: bad input", () => {
  it("a non-awaitable argument is a TypeError at once", () => {
    expect(() => gather(1 as never)).toThrow(TypeError);
    expect(() => gather([Aio.succeed(1), "x"] as never)).toThrow(/argument 1 is not an Aio, Task or Future/);
    expect(() => gather(Promise.resolve(1) as never)).toThrow(/fromPromise/);
    expect(() => gatherExits(null as never)).toThrow(TypeError);
  });

  it("returnExceptions must be a boolean", () => {
    expect(() => gather([Aio.succeed(1)], { returnExceptions: "yes" } as never)).toThrow(/boolean/);
  });
});

describe("race", () => {
  it("the first success wins; the losers are cancelled and awaited before it returns", async () => {
    const log: string[] = [];
    const loser = Aio.gen(function* () {
      try {
        yield* Aio.sleep(5000);
        return "slow";
      } finally {
        yield* Aio.sleep(20);
        log.push(`loser cleaned@${now()}`);
      }
    });
    const r = await vrun(
      Aio.gen(function* () {
        const v = yield* race(loser, Aio.sleep(100, "fast"), failing(50, "early failure"));
        return [v, now(), getRunningLoop().allTasks().size] as const;
      }),
    );
    expect(r).toEqual(["fast", 120, 1]);
    expect(log).toEqual(["loser cleaned@120"]);
  });

  it("if every contender fails, fails with the first failure (completion order)", async () => {
    const e = await vexit(race(failing(30, "third"), failing(10, "first"), failing(20, "second")));
    expect(e).toEqual(Exit.fail("first"));
  });

  it("a contender that ends cancelled counts as a failure", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(1000, "t"));
        getRunningLoop().callLater(10, () => t.cancel());
        return [yield* race(t, Aio.sleep(50, "other")), now()] as const;
      }),
    );
    expect(r).toEqual(["other", 50]);
  });

  it("a contender that succeeds at once: the later ones never start", async () => {
    const log: string[] = [];
    expect(await vrun(race(Aio.succeed("now"), worker("late", 10, "late", log)))).toBe("now");
    expect(log).toEqual([]);
  });

  it("cancelling the race cancels every contender", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const { exit } = yield* cancelAfter(race(worker("a", 1000, 1, log), worker("b", 2000, 2, log)), 100);
        return [Exit.isInterrupted(exit), now()] as const;
      }),
    );
    expect(r).toEqual([true, 100]);
    expect(log).toEqual(["a start@0", "b start@0", "a cancelled@100", "b cancelled@100"]);
  });

  it("takes an array; zero contenders or a non-awaitable is a TypeError at once", async () => {
    const tasks: Array<Aio.Aio<number>> = [Aio.sleep(20, 2), Aio.sleep(10, 1)];
    expect(await vrun(race(tasks))).toBe(1);
    expect(() => (race as () => unknown)()).toThrow(/at least one/);
    expect(() => race([])).toThrow(/at least one/);
    expect(() => race(Aio.succeed(1), 2 as never)).toThrow(TypeError);
  });

  it("a task passed in that wins is returned; the task losers are cancelled", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const a: Task<string> = yield* createTask(Aio.sleep(10, "a"));
        const b: Task<string> = yield* createTask(Aio.sleep(20, "b"));
        const v = yield* race(a, b);
        return [v, b.cancelled()] as const;
      }),
    );
    expect(r).toEqual(["a", true]);
  });
});
