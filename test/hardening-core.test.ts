/**
 * Issue 8, the core's part: every `yield*` runs its effect exactly once whatever the step
 * budget; cancelling deep chains is stack-safe; a continuation that returns a non-Aio is
 * a defect naming the callback; futures of another loop and a task awaiting itself fail
 * at once.
 */
import { describe, expect, it } from "vitest";
import {
  Aio,
  CancelledError,
  EventLoopError,
  Exit,
  Queue,
  Semaphore,
  Lock,
  Event,
  createTask,
  ensureFuture,
  newEventLoop,
  getRunningLoop,
  run,
  runExit,
  shield,
  taskGroup,
  timeout,
  type Task,
} from "../src/index.js";
import { MAX_STEPS_PER_TURN } from "../src/internal/aio.js";
import { V, defectOf, errorOf, expectInterrupted, vexit, vrun } from "./helpers.js";

/** Step counts around the budget boundary, and far past it. */
const COUNTS = [
  0,
  1,
  MAX_STEPS_PER_TURN - 2,
  MAX_STEPS_PER_TURN - 1,
  MAX_STEPS_PER_TURN,
  MAX_STEPS_PER_TURN + 1,
  MAX_STEPS_PER_TURN + 2,
  10_000,
  100_000,
];

describe("exactly once: every yield* runs its effect once, whatever the step budget", () => {
  it.each(COUNTS)("Aio.sync × %i", async (n) => {
    let calls = 0;
    const seen: number[] = [];
    await vrun(
      Aio.gen(function* () {
        for (let i = 0; i < n; i++) seen.push(yield* Aio.sync(() => calls++));
      }),
    );
    expect(calls).toBe(n);
    // each yield* got the value of its own call
    expect(seen.every((v, i) => v === i)).toBe(true);
  });

  it.each(COUNTS)("Aio.succeed × %i, each value seen once and in order", async (n) => {
    const seen: number[] = [];
    await vrun(
      Aio.gen(function* () {
        for (let i = 0; i < n; i++) seen.push(yield* Aio.succeed(i));
      }),
    );
    expect(seen.length).toBe(n);
    expect(seen.every((v, i) => v === i)).toBe(true);
  });

  it.each(COUNTS.filter((n) => n <= 10_000))("createTask × %i starts that many tasks", async (n) => {
    let started = 0;
    const child = Aio.sync(() => {
      started++;
    });
    const made = await vrun(
      Aio.gen(function* () {
        const ts: Task<void>[] = [];
        for (let i = 0; i < n; i++) ts.push(yield* createTask(child));
        for (const t of ts) yield* t;
        return ts.length;
      }),
    );
    expect(made).toBe(n);
    expect(started).toBe(n);
  });

  it.each(COUNTS.filter((n) => n <= 10_000))("ensureFuture × %i starts that many tasks", async (n) => {
    let started = 0;
    const child = Aio.sync(() => {
      started++;
    });
    await vrun(
      Aio.gen(function* () {
        for (let i = 0; i < n; i++) yield* ensureFuture(child);
        yield* Aio.sleep(1);
      }),
    );
    expect(started).toBe(n);
  });

  it.each(COUNTS.filter((n) => n <= 10_000))("tg.createTask × %i starts that many tasks", async (n) => {
    let started = 0;
    const child = Aio.sync(() => {
      started++;
    });
    await vrun(
      taskGroup((tg) =>
        Aio.gen(function* () {
          for (let i = 0; i < n; i++) yield* tg.createTask(child);
        }),
      ),
    );
    expect(started).toBe(n);
  });

  it.each(COUNTS)("queue getters × %i take exactly the items put, in order", async (n) => {
    const got = await vrun(
      Aio.gen(function* () {
        const q = new Queue<number>();
        for (let i = 0; i < n; i++) q.putNowait(i);
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push(yield* q.get());
        // a real getter waiting afterwards gets the next item put
        const waiter = yield* createTask(q.get());
        yield* Aio.sleep(0);
        q.putNowait(-1);
        return { out, last: yield* waiter, left: q.qsize() };
      }),
    );
    expect(got.out.length).toBe(n);
    expect(got.out.every((v, i) => v === i)).toBe(true);
    expect(got.last).toBe(-1);
    expect(got.left).toBe(0);
  });

  it.each(COUNTS.filter((n) => n <= 10_000))("lock / semaphore / event × %i inline acquisitions", async (n) => {
    const r = await vrun(
      Aio.gen(function* () {
        const lock = new Lock();
        const sem = new Semaphore(n + 1);
        const ev = new Event();
        ev.set();
        for (let i = 0; i < n; i++) {
          yield* lock.acquire();
          lock.release();
          yield* sem.acquire();
          yield* ev.wait();
        }
        return { locked: lock.locked(), value: sem.value() };
      }),
    );
    expect(r.locked).toBe(false);
    expect(r.value).toBe(1);
  });

  it.each(COUNTS)("queue put, Aio.exit of a value and a nested Aio.gen, × %i each: each runs once", async (n) => {
    let bodies = 0;
    const child = Aio.gen(function* () {
      bodies++;
      return 1;
    });
    const r = await vrun(
      Aio.gen(function* () {
        const q = new Queue<number>();
        let exits = 0;
        let sum = 0;
        for (let i = 0; i < n; i++) {
          yield* q.put(i);
          if ((yield* Aio.exit(Aio.succeed(i)))._tag === "Success") exits++;
          sum += yield* child;
        }
        const items: number[] = [];
        while (!q.empty()) items.push(q.getNowait());
        return { items, exits, sum };
      }),
    );
    expect(r.items.length).toBe(n);
    expect(r.items.every((v, i) => v === i)).toBe(true);
    expect(r.exits).toBe(n);
    expect(r.sum).toBe(n);
    expect(bodies).toBe(n);
  });

  it.each(COUNTS)("Aio.fail caught × %i", async (n) => {
    let caught = 0;
    await vrun(
      Aio.gen(function* () {
        for (let i = 0; i < n; i++) {
          try {
            yield* Aio.fail(i);
          } catch (e) {
            if (e === i) caught++;
          }
        }
      }),
    );
    expect(caught).toBe(n);
  });

  it.each(COUNTS)("joining a done task × %i", async (n) => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.succeed(7));
        yield* Aio.sleep(0);
        let sum = 0;
        for (let i = 0; i < n; i++) sum += yield* t;
        for (let i = 0; i < n; i++) sum += (yield* Aio.exit(Aio.from(t)))._tag === "Success" ? 1 : 0;
        return sum;
      }),
    );
    expect(r).toBe(8 * n);
  });
});

describe("cancellation is stack-safe", () => {
  /** A chain of `n` tasks, each awaiting the one before; the first never ends by itself. */
  const chain = (n: number): Aio<{ first: Task<unknown>; last: Task<unknown>; all: Task<unknown>[] }> =>
    Aio.gen(function* () {
      const all: Task<unknown>[] = [];
      let prev: Task<unknown> = yield* createTask(Aio.never);
      all.push(prev);
      for (let i = 1; i < n; i++) {
        prev = yield* createTask(Aio.from(prev));
        all.push(prev);
      }
      yield* Aio.sleep(0); // every task takes its first step and suspends
      return { first: all[0]!, last: prev, all };
    });

  it.each([2, 10_000, 1_000_000])("cancelling the last of a %i-task chain cancels them all", async (n) => {
    const r = await vrun(
      Aio.gen(function* () {
        const { first, last, all } = yield* chain(n);
        expect(last.cancel("stop")).toBe(true);
        const exit = yield* Aio.exit(Aio.from(last));
        let cancelled = 0;
        for (const t of all) if (t.cancelled()) cancelled++;
        return { exit, cancelled, firstCancelling: first.cancelling() };
      }),
    );
    expect(r.exit._tag).toBe("Failure");
    expect(r.cancelled).toBe(n);
    expect(r.firstCancelling).toBe(1);
  }, 60_000);

  it("a deadline over a 10,000-task chain fires (the timeout is not lost)", async () => {
    const exit = await vexit(
      Aio.gen(function* () {
        const { last } = yield* chain(10_000);
        return yield* timeout(50, Aio.from(last));
      }),
    );
    expect(exit._tag).toBe("Failure");
  });
});

describe("a continuation that returns a non-Aio is a defect naming it, never a wedge", () => {
  /** Pretends a callback returned `bad` (what a JS caller or a cast can do). */
  const asAio = (bad: unknown): Aio<never> => bad as Aio<never>;
  const BAD: ReadonlyArray<readonly [string, unknown]> = [
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a Promise", Promise.resolve(1)],
  ];
  const cases: ReadonlyArray<readonly [string, (bad: unknown) => Aio<unknown, unknown>]> = [
    ["flatMap", (bad) => Aio.sleep(1).pipe(Aio.flatMap(() => asAio(bad)))],
    ["flatMap of succeed", (bad) => Aio.succeed(1).pipe(Aio.flatMap(() => asAio(bad)))],
    ["flatMap chain", (bad) => Aio.sleep(1).pipe(Aio.flatMap(() => Aio.succeed(1)), Aio.flatMap(() => asAio(bad)))],
    ["catchAll", (bad) => Aio.fail("x").pipe(Aio.catchAll(() => asAio(bad)))],
    ["catchAllCause", (bad) => Aio.die("x").pipe(Aio.catchAllCause(() => asAio(bad)))],
    ["tap", (bad) => Aio.succeed(1).pipe(Aio.tap(() => asAio(bad)))],
    ["onExit", (bad) => Aio.succeed(1).pipe(Aio.onExit(() => asAio(bad)))],
    ["onExit", (bad) => Aio.fail(1).pipe(Aio.onExit(() => asAio(bad)))],
    ["suspend", (bad) => Aio.suspend(() => asAio(bad))],
    ["uninterruptibleMask", (bad) => Aio.uninterruptibleMask(() => asAio(bad))],
    ["Aio.async", (bad) => Aio.async<never>((resume) => void setTimeout(() => resume(asAio(bad)), 1))],
    ["Aio.async", (bad) => Aio.async<never>((resume) => resume(asAio(bad)))],
  ];
  for (const [name, make] of cases) {
    it.each(BAD)(`${name} returning %s ends the task with a TypeError defect naming it`, async (what, bad) => {
      const exit = await vexit(make(bad));
      const d = defectOf(exit);
      expect(d).toBeInstanceOf(TypeError);
      const msg = (d as TypeError).message;
      expect(msg).toContain(name.split(" ")[0]!);
      expect(msg).toContain(what === "a Promise" ? "Promise" : what === "a number" ? "42" : what);
    });
  }

  it("a Task returned where an Aio was expected is named, with the fix", async () => {
    const exit = await vexit(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.succeed(1));
        return yield* Aio.succeed(0).pipe(Aio.flatMap(() => t as unknown as Aio<number>));
      }),
    );
    expect(String((defectOf(exit) as Error).message)).toBe(
      "Aio.flatMap: the function returned a Task (wrap it in Aio.from), not an Aio",
    );
  });

  it("a task whose continuation returned null can be awaited, and run() settles", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(5).pipe(Aio.flatMap(() => null as unknown as Aio<number>)));
        const e = yield* Aio.exit(Aio.from(t));
        return e._tag;
      }),
    );
    expect(r).toBe("Failure");
  });
});

describe("futures of another loop, and a task awaiting itself", () => {
  it("yield* of a pending future of another loop fails at once with an EventLoopError", async () => {
    const other = newEventLoop();
    const fut = other.createFuture<number>();
    const exit = await vexit(Aio.gen(function* () {
      return yield* fut;
    }));
    const d = defectOf(exit);
    expect(d).toBeInstanceOf(EventLoopError);
    expect((d as Error).message).toContain("attached to a different loop");
  });

  it("yield* of a pending task of another loop fails at once", async () => {
    const other = newEventLoop({ virtualTime: true });
    const foreign = other.createTask(Aio.sleep(10, 1));
    const exit = await vexit(Aio.gen(function* () {
      return yield* foreign;
    }));
    expect(defectOf(exit)).toBeInstanceOf(EventLoopError);
    foreign.cancel();
  });

  it("a done future of another loop gives its result, as in asyncio (no wait, no loop involved)", async () => {
    const other = newEventLoop();
    const fut = other.createFuture<number>();
    fut.setResult(5);
    expect(await vrun(Aio.gen(function* () {
      return yield* fut;
    }))).toBe(5);
  });

  it("a task that awaits itself fails with 'Task cannot await on itself'", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const box: { t?: Task<number> } = {};
        const t: Task<number> = yield* createTask(
          Aio.gen(function* () {
            yield* Aio.sleep(1);
            return yield* box.t!;
          }),
        );
        box.t = t;
        return yield* Aio.exit(Aio.from(t));
      }),
    );
    const d = defectOf(r);
    expect(d).toBeInstanceOf(EventLoopError);
    expect((d as Error).message).toContain("Task cannot await on itself");
  });
});

describe("done callbacks: removal is linear in the number of callbacks", () => {
  it("10^5 callbacks, every other one removed, the rest run once each in order", async () => {
    const n = 100_000;
    const r = await vrun(
      Aio.gen(function* () {
        const fut = getRunningLoopFuture();
        const ran: number[] = [];
        const cbs = Array.from({ length: n }, (_, i) => () => void ran.push(i));
        for (const cb of cbs) fut.addDoneCallback(cb);
        let removed = 0;
        for (let i = 0; i < n; i += 2) removed += fut.removeDoneCallback(cbs[i]!);
        // a callback registered twice is removed twice
        const twice = () => void ran.push(-1);
        fut.addDoneCallback(twice);
        fut.addDoneCallback(twice);
        removed += fut.removeDoneCallback(twice);
        fut.setResult(1);
        yield* Aio.sleep(0);
        return { ran, removed };
      }),
    );
    expect(r.removed).toBe(n / 2 + 2);
    expect(r.ran.length).toBe(n / 2);
    expect(r.ran.every((v, i) => v === 2 * i + 1)).toBe(true);
  });

  it("removing a callback that was never added removes nothing; removing after done removes nothing", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const fut = getRunningLoopFuture();
        const a = () => undefined;
        const before = fut.removeDoneCallback(a);
        fut.addDoneCallback(a);
        fut.setResult(1);
        return [before, fut.removeDoneCallback(a)];
      }),
    );
    expect(r).toEqual([0, 0]);
  });
});

const getRunningLoopFuture = () => getRunningLoop().createFuture<number>();

describe("10^5 shields of one task, all cancelled", () => {
  it("every waiter ends cancelled, the shared task runs on and completes", async () => {
    const n = 100_000;
    const r = await vrun(
      Aio.gen(function* () {
        const shared = yield* createTask(Aio.sleep(100, "done"));
        const waiters: Task<string>[] = [];
        for (let i = 0; i < n; i++) waiters.push(yield* createTask(shield(shared)));
        yield* Aio.sleep(1);
        for (const w of waiters) w.cancel();
        yield* Aio.sleep(1);
        const cancelled = waiters.filter((w) => w.cancelled()).length;
        return { cancelled, sharedDone: shared.done(), result: yield* shared };
      }),
    );
    expect(r).toEqual({ cancelled: n, sharedDone: false, result: "done" });
  });
});

describe("a join cancelled after the joined task failed, before its wake-up ran", () => {
  it("the failure is thrown in (not replaced by the cancellation): the waiter fails with it, nothing reported", async () => {
    const reports: string[] = [];
    const exit = await vexit(
      Aio.gen(function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => void reports.push(ctx.message));
        const child = yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          return yield* Aio.fail("x");
        }));
        const waiter = yield* createTask(Aio.from(child));
        yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          waiter.cancel();
        }));
        return yield* Aio.exit(Aio.from(waiter));
      }),
    );
    expect(exit._tag).toBe("Success");
    expect(errorOf((exit as { value: Exit.Exit<unknown, unknown> }).value)).toBe("x");
    expect(reports).toEqual([]);
  });

  it("a success it was woken with is replaced by the cancellation (asyncio's __step)", async () => {
    const exit = await vexit(
      Aio.gen(function* () {
        const child = yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          return 1;
        }));
        const waiter = yield* createTask(Aio.from(child));
        yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          waiter.cancel("late");
        }));
        return yield* Aio.exit(Aio.from(waiter));
      }),
    );
    expect(exit._tag).toBe("Success");
    expectInterrupted((exit as { value: Exit.Exit<unknown, unknown> }).value, "late");
  });

  it("the cancellation stays pending after the failure: a handler that suspends gets it", async () => {
    const log: string[] = [];
    await vexit(
      Aio.gen(function* () {
        const child = yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          return yield* Aio.fail("x");
        }));
        const waiter = yield* createTask(Aio.gen(function* () {
          try {
            yield* child;
          } catch (e) {
            log.push(`caught ${String(e)}`);
          }
          try {
            yield* Aio.sleep(1000);
            log.push("slept");
          } catch (e) {
            log.push(e instanceof CancelledError ? `cancelled ${e.message}` : "other");
          }
        }));
        yield* createTask(Aio.gen(function* () {
          yield* Aio.yieldNow;
          waiter.cancel("late");
        }));
        return yield* Aio.exit(Aio.from(waiter));
      }),
    );
    expect(log).toEqual(["caught x", "cancelled late"]);
  });
});
