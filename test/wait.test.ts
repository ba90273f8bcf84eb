/**
 * wait, waitFor and asCompleted on the virtual clock.
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, Exit, Future, Task, TimeoutError, createFuture, createTask, getRunningLoop } from "../src/index.js";
import { ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, asCompleted, wait, waitFor } from "../src/wait.js";
import { cancelAfter, failing, now, vexit, vrun } from "./helpers.js";

describe("wait", () => {
  it("ALL_COMPLETED (the default): every task done, none pending, at the longest", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { done, pending } = yield* wait([Aio.sleep(300, "a"), Aio.sleep(100, 1), failing(200, "e")]);
        for (const t of done) t.getExit(); // read every outcome (the failure too)
        return { done: done.size, pending: pending.size, t: now(), tasks: [...done].every((t) => t instanceof Task) };
      }),
    );
    expect(r).toEqual({ done: 3, pending: 0, t: 300, tasks: true });
  });

  it("FIRST_COMPLETED returns at the first end; the pending ones keep running", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { done, pending } = yield* wait([Aio.sleep(2000, 1), Aio.sleep(3000, 2), Aio.sleep(4000, 3)], {
          returnWhen: FIRST_COMPLETED,
        });
        const at = now();
        const first = [...done].map((t) => t.result());
        const rest: number[] = [];
        for (const t of pending) rest.push(yield* t);
        return { at, first, rest, end: now() };
      }),
    );
    expect(r).toEqual({ at: 2000, first: [1], rest: [2, 3], end: 4000 });
  });

  it("FIRST_EXCEPTION returns at the first failure (a cancellation is not one)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const cancelled = yield* createTask(Aio.sleep(5000));
        getRunningLoop().callLater(100, () => cancelled.cancel());
        const { done, pending } = yield* wait([Aio.sleep(1000, 1), failing(500, "boom"), cancelled], {
          returnWhen: FIRST_EXCEPTION,
        });
        return { at: now(), done: done.size, pending: pending.size };
      }),
    );
    expect(r).toEqual({ at: 500, done: 2, pending: 1 });
  });

  it("FIRST_EXCEPTION with no failure waits for all", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { done } = yield* wait([Aio.sleep(10, 1), Aio.sleep(30, 2)], { returnWhen: FIRST_EXCEPTION });
        return [done.size, now()];
      }),
    );
    expect(r).toEqual([2, 30]);
  });

  it("a timeout returns what is done so far and cancels nothing", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { done, pending } = yield* wait([Aio.sleep(100, 1), Aio.sleep(5000, 2)], { timeout: 1000, returnWhen: ALL_COMPLETED });
        const at = now();
        const cancelled = [...pending].some((t) => t.cancelled());
        const later: number[] = [];
        for (const t of pending) later.push(yield* t);
        return { at, done: done.size, pending: pending.size, cancelled, later, timers: getRunningLoop().pendingTimers() };
      }),
    );
    expect(r).toEqual({ at: 1000, done: 1, pending: 1, cancelled: false, later: [2], timers: 0 });
  });

  it("uses tasks and futures as they are, each once", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(10, "t"));
        const f = yield* createFuture<number>();
        getRunningLoop().callLater(20, () => f.setResult(1));
        const { done, pending } = yield* wait([t, f, t, f]);
        return { done: done.size, pending: pending.size, hasT: done.has(t), hasF: done.has(f), at: now() };
      }),
    );
    expect(r).toEqual({ done: 2, pending: 0, hasT: true, hasF: true, at: 20 });
  });

  it("accepts any iterable (a Set)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { done } = yield* wait(new Set([Aio.sleep(5, 1), Aio.sleep(6, 2)]));
        return done.size;
      }),
    );
    expect(r).toBe(2);
  });

  it("cancelling the wait cancels and awaits the tasks it made; tasks passed in are left alone", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const mine = yield* createTask(Aio.sleep(5000, "mine"));
        const made = Aio.gen(function* () {
          try {
            yield* Aio.sleep(5000);
          } finally {
            yield* Aio.sleep(10);
            log.push(`made cleaned@${now()}`);
          }
        });
        const { exit: e } = yield* cancelAfter(wait([made, mine]), 100);
        return { interrupted: Exit.isInterrupted(e), at: now(), mineCancelled: mine.cancelled(), mineDone: mine.done() };
      }),
    );
    expect(r).toEqual({ interrupted: true, at: 110, mineCancelled: false, mineDone: false });
    expect(log).toEqual(["made cleaned@110"]);
  });

  it("an empty input, an unknown returnWhen, a bad element or timeout are errors at once", () => {
    expect(() => wait([])).toThrow(RangeError);
    expect(() => wait([])).toThrow(/empty/);
    expect(() => wait([Aio.succeed(1)], { returnWhen: "FIRST_WHATEVER" as never })).toThrow(/invalid returnWhen/);
    expect(() => wait([Aio.succeed(1), 5] as never)).toThrow(TypeError);
    expect(() => wait(Aio.succeed(1) as never)).toThrow(/wrap it in an array/);
    expect(() => wait([Aio.succeed(1)], { timeout: Number.NaN })).toThrow(RangeError);
    expect(() => wait(null as never)).toThrow(TypeError);
  });
});

describe("waitFor", () => {
  it("returns the value before the deadline and removes its timer", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const v = yield* waitFor(Aio.sleep(100, "v"), 1000);
        return [v, now(), getRunningLoop().pendingTimers()] as const;
      }),
    );
    expect(r).toEqual(["v", 100, 0]);
  });

  it("times out: cancels the inner, waits until it has finished cancelling, then TimeoutError", async () => {
    const log: string[] = [];
    const inner = Aio.gen(function* () {
      try {
        yield* Aio.sleep(3_600_000);
      } finally {
        log.push(`finally@${now()}`);
        yield* Aio.sleep(100);
        log.push(`cleaned@${now()}`);
      }
    });
    const r = await vrun(
      Aio.gen(function* () {
        try {
          yield* waitFor(inner, 3000);
          return "no";
        } catch (e) {
          return [e instanceof TimeoutError, now(), getRunningLoop().pendingTimers()] as const;
        }
      }),
    );
    expect(r).toEqual([true, 3100, 0]);
    expect(log).toEqual(["finally@3000", "cleaned@3100"]);
  });

  it("an inner that swallows the cancellation and returns a value: the value (3.12)", async () => {
    const inner = Aio.gen(function* () {
      try {
        yield* Aio.sleep(10_000);
        return "normal";
      } catch (e) {
        if (e instanceof CancelledError) return "swallowed";
        throw e;
      }
    });
    expect(await vrun(waitFor(inner, 100))).toBe("swallowed");
  });

  it("null / undefined wait forever", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const a = yield* waitFor(Aio.sleep(3_600_000, "a"), null);
        const b = yield* waitFor(Aio.sleep(1, "b"), undefined);
        return [a, b, now()] as const;
      }),
    );
    expect(r).toEqual(["a", "b", 3_600_001]);
  });

  it("timeout <= 0: an Aio is not started; TimeoutError at once", async () => {
    let started = false;
    const e = await vexit(waitFor(Aio.sync(() => (started = true)), 0));
    expect(e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error).toBeInstanceOf(TimeoutError);
    expect(started).toBe(false);
    const e2 = await vexit(waitFor(Aio.succeed(1), -5));
    expect(e2._tag === "Failure" && e2.cause._tag === "Fail" && e2.cause.error).toBeInstanceOf(TimeoutError);
  });

  it("timeout <= 0: a done task or future gives its result; a pending one is cancelled, then TimeoutError", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const f = yield* createFuture<number>();
        f.setResult(5);
        const a = yield* waitFor(f, 0);
        const t = yield* createTask(Aio.sleep(100, 1));
        const e = yield* Aio.exit(waitFor(t, 0));
        const swallow = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(100);
            } catch {
              return "kept";
            }
            return "normal";
          }),
        );
        yield* Aio.sleep(0); // let it start
        const s = yield* waitFor(swallow, 0);
        return { a, timedOut: e._tag === "Failure" && e.cause._tag === "Fail", tCancelled: t.cancelled(), s, at: now() };
      }),
    );
    expect(r).toEqual({ a: 5, timedOut: true, tCancelled: true, s: "kept", at: 0 });
  });

  it("an inner finishing in the same loop iteration as the deadline wins", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const a = yield* waitFor(Aio.sleep(1000, "same time"), 1000);
        const f = yield* createFuture<string>();
        getRunningLoop().callLater(500, () => f.setResult("future too"));
        const b = yield* waitFor(f, 500);
        return [a, b, now()] as const;
      }),
    );
    expect(r).toEqual(["same time", "future too", 1500]);
  });

  it("same iteration, with the inner Aio woken by a future resolved at the deadline", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const f = yield* createFuture<string>();
        const v = yield* waitFor(
          Aio.gen(function* () {
            // resolved by a timer armed after the deadline's: later in the same iteration
            getRunningLoop().callLater(500, () => f.setResult("woken in time"));
            return yield* f;
          }),
          500,
        );
        return [v, now()] as const;
      }),
    );
    expect(r).toEqual(["woken in time", 500]);
  });

  it("a busy inner that keeps waking up still times out at the deadline", async () => {
    let spins = 0;
    const busy = Aio.gen(function* () {
      for (;;) {
        yield* Aio.sleep(10);
        yield* Aio.yieldNow;
        spins++;
      }
    });
    const r = await vrun(
      Aio.gen(function* () {
        yield* Aio.sleep(100);
        const e = yield* Aio.exit(waitFor(Aio.sleep(50).pipe(Aio.flatMap(() => busy)), 100));
        return [e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError, now(), spins] as const;
      }),
    );
    expect(r).toEqual([true, 200, 5]);
  });

  it("runs an Aio inline, in the calling task (as asyncio 3.12)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const me = getRunningLoop().allTasks();
        const inner = yield* waitFor(Aio.sync(() => getRunningLoop().allTasks()), 100);
        return inner.size === me.size;
      }),
    );
    expect(r).toBe(true);
  });

  it("cancelling the waitFor cancels the inner: CancelledError, not TimeoutError", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const inner = Aio.gen(function* () {
          try {
            yield* Aio.sleep(10_000);
          } finally {
            log.push(`inner finally@${now()}`);
          }
        });
        const { exit: e } = yield* cancelAfter(waitFor(inner, 5000), 100, "outer");
        return [Exit.isInterrupted(e) && e.cause.message, now(), getRunningLoop().pendingTimers()] as const;
      }),
    );
    expect(r).toEqual(["outer", 100, 0]);
    expect(log).toEqual(["inner finally@100"]);
  });

  it("a cancellation of the waiting task during the timeout's cleanup stays a cancellation", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const inner = Aio.gen(function* () {
          try {
            yield* Aio.sleep(10_000);
          } finally {
            yield* Aio.uninterruptible(Aio.sleep(100));
          }
        });
        const { exit: e } = yield* cancelAfter(waitFor(inner, 1000), 1050); // the deadline passed, the inner is cleaning up
        return [Exit.isInterrupted(e), now()] as const;
      }),
    );
    expect(r).toEqual([true, 1100]);
  });

  it("passes the inner's failure through, typed", async () => {
    const e = await vexit(waitFor(failing(10, { code: 1 } as const), 100));
    expect(e).toEqual(Exit.fail({ code: 1 }));
  });

  it("leaves no timer behind over many calls", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let s = 0;
        for (let i = 0; i < 1000; i++) s += yield* waitFor(Aio.sleep(0, 1), 1000);
        return [s, getRunningLoop().pendingTimers(), now()] as const;
      }),
    );
    expect(r).toEqual([1000, 0, 0]);
  });

  it("bad input is an error at once", () => {
    expect(() => waitFor(5 as never, 10)).toThrow(TypeError);
    expect(() => waitFor(Aio.succeed(1), Number.NaN)).toThrow(RangeError);
    expect(() => waitFor(Aio.succeed(1), "10" as never)).toThrow(RangeError);
  });

  it("waits on a future passed in and cancels it on timeout", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const f: Future<number> = yield* createFuture<number>();
        const e = yield* Aio.exit(waitFor(f, 50));
        return [e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError, f.cancelled(), now()];
      }),
    );
    expect(r).toEqual([true, true, 50]);
  });
});

describe("asCompleted", () => {
  it("yields the results in completion order", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const out: Array<[string | number, number]> = [];
        for (const next of asCompleted([Aio.sleep(300, "c"), Aio.sleep(100, "a"), Aio.sleep(200, 2)])) {
          out.push([yield* next, now()]);
        }
        return out;
      }),
    );
    expect(r).toEqual([
      ["a", 100],
      [2, 200],
      ["c", 300],
    ]);
  });

  it("nothing starts until the first one runs", async () => {
    let started = 0;
    const r = await vrun(
      Aio.gen(function* () {
        const its = asCompleted([Aio.sync(() => ++started), Aio.sync(() => ++started)]);
        yield* Aio.sleep(10);
        const before = started;
        const a = yield* its[0]!;
        const b = yield* its[1]!;
        return [before, a + b];
      }),
    );
    expect(r).toEqual([0, 3]);
  });

  it("a failure comes out in its turn", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const out: string[] = [];
        for (const next of asCompleted([Aio.sleep(20, "ok"), failing(10, "bad")])) {
          const e = yield* Aio.exit(next);
          out.push(e._tag === "Success" ? e.value : `failed ${String(e.cause._tag === "Fail" && e.cause.error)}`);
        }
        return out;
      }),
    );
    expect(r).toEqual(["failed bad", "ok"]);
  });

  it("after the deadline, the remaining ones fail with TimeoutError; tasks it made are cancelled", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const given = yield* createTask(Aio.sleep(5000, "given"));
        const out: string[] = [];
        for (const next of asCompleted([Aio.sleep(100, "fast"), Aio.sleep(5000, "slow"), given], { timeout: 1000 })) {
          const e = yield* Aio.exit(next);
          out.push(
            e._tag === "Success" ? `${e.value}@${now()}` : e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError ? `timeout@${now()}` : "?",
          );
        }
        yield* Aio.sleep(0);
        return { out, givenCancelled: given.cancelled(), tasks: getRunningLoop().allTasks().size };
      }),
    );
    expect(r.out).toEqual(["fast@100", "timeout@1000", "timeout@1000"]);
    expect(r.givenCancelled).toBe(false);
    expect(r.tasks).toBe(2); // main and `given`
  });

  it("lists each future once; bad input is an error at once", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const f = yield* createFuture<number>();
        f.setResult(1);
        return asCompleted([f, f]).length;
      }),
    );
    expect(r).toBe(1);
    expect(() => asCompleted([1] as never)).toThrow(TypeError);
    expect(() => asCompleted([Aio.succeed(1)], { timeout: Number.NaN })).toThrow(RangeError);
    expect(asCompleted([])).toEqual([]);
  });
});
