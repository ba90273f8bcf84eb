/**
 * Hardening of the combinators (issue 8, "Trustworthy at scale"): gather/race/gatherExits
 * never hang, defects in losers' cleanup are reported, TimeoutError carries its cause,
 * deadlines inside uninterruptible regions, gather's options, futures of another loop.
 */
import { describe, expect, it } from "vitest";
import {
  Aio,
  CancelledError,
  EventLoopError,
  Exit,
  Future,
  Task,
  TimeoutError,
  createTask,
  gather,
  gatherExits,
  newEventLoop,
  Queue,
  race,
  timeout,
  timeoutAt,
  asCompleted,
  shield,
  wait,
  waitFor,
} from "../src/index.js";
import type { EventLoop, TaskFactory } from "../src/index.js";
import { V, defectOf, errorOf, failing, now, reportingLoop, vexit } from "./helpers.js";

// ---------------------------------------------------------------------------------------
// 1. gather / race / gatherExits never hang

/** A factory that starts tasks on a later iteration (as createTask). */
const lazyFactory: TaskFactory = (loop, aio, opts) => new Task(loop, aio, opts?.name);
/** A factory that runs each task's first step at once (asyncio's eager_task_factory). */
const eagerFactory: TaskFactory = (loop, aio, opts) => new Task(loop, aio, opts?.name, true);

const FACTORIES: ReadonlyArray<readonly [string, TaskFactory | null]> = [
  ["no task factory", null],
  ["a lazy task factory", lazyFactory],
  ["an eager task factory", eagerFactory],
];

/** Real time after which a virtual-time run is taken as hung (it never needs more). */
const HUNG_MS = 5_000;

/**
 * Runs `aio` on a fresh virtual-time loop with `factory`: its Exit (the loop is closed).
 * Rejects with "hung" if the run has not ended after HUNG_MS of real time.
 */
const exitWith = async <A, E>(factory: TaskFactory | null, aio: Aio.Aio<A, E>): Promise<Exit.Exit<A, E>> => {
  const loop: EventLoop = newEventLoop(V);
  loop.setTaskFactory(factory);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("hung")), HUNG_MS);
  });
  const e = await Promise.race([loop.runUntilCompleteExit(aio), hung]);
  clearTimeout(timer);
  loop.close();
  return e;
};

/** `gather(deep(n - 1), sleep(50))`, `n` deep, over a leaf that fails with "leaf". */
const deep = (n: number): Aio.Aio<unknown, string> =>
  n === 0 ? Aio.fail("leaf") : gather(Aio.suspend(() => deep(n - 1)), Aio.sleep(50));

describe("hardening: gather, race and gatherExits never hang", () => {
  for (const [name, factory] of FACTORIES) {
    describe(`with ${name}`, () => {
      it("timeout(0, gather(sleep(5))) ends with a TimeoutError", async () => {
        const e = await exitWith(factory, timeout(0, gather(Aio.sleep(5))));
        expect(errorOf(e)).toBeInstanceOf(TimeoutError);
      });

      it("timeout(0, gatherExits(sleep(5))) ends with a TimeoutError", async () => {
        const e = await exitWith(factory, timeout(0, gatherExits(Aio.sleep(5))));
        expect(errorOf(e)).toBeInstanceOf(TimeoutError);
      });

      it("timeout(0, race(sleep(5), sleep(6))) ends with a TimeoutError", async () => {
        const e = await exitWith(factory, timeout(0, race(Aio.sleep(5), Aio.sleep(6))));
        expect(errorOf(e)).toBeInstanceOf(TimeoutError);
      });

      it("a race whose winner is decided before the others' first step ends", async () => {
        // The winner ends at once; the loser is cancelled before it ever ran.
        const e = await exitWith(factory, race(Aio.succeed(1).pipe(Aio.map((x) => x + 1)), Aio.sleep(5, 0)));
        expect(e).toEqual(Exit.succeed(2));
      });

      for (const n of [1, 63, 64, 65, 66]) {
        it(`a ${n}-deep nest of gathers whose leaf fails fails with the leaf's failure`, async () => {
          const e = await exitWith(factory, deep(n));
          expect(errorOf(e)).toBe("leaf");
        });
      }

      it("a 10^4-deep nest of gathers whose leaf fails fails with the leaf's failure", async () => {
        const e = await exitWith(factory, deep(10_000));
        expect(errorOf(e)).toBe("leaf");
      });
    });
  }
});

/** `gather(deepNever(n - 1), sleep(50))`, `n` deep, over a leaf that never ends. */
const deepNever = (n: number): Aio.Aio<unknown> =>
  n === 0 ? Aio.never : gather(Aio.suspend(() => deepNever(n - 1)), Aio.sleep(50));

/** Counts the `cancel()` calls on the tasks it makes (lazy or eager). */
const countingFactory = (eager: boolean): { factory: TaskFactory; cancels: () => number } => {
  let n = 0;
  class CountingTask<A, E> extends Task<A, E> {
    override cancel(msg?: string): boolean {
      n++;
      return super.cancel(msg);
    }
  }
  const factory: TaskFactory = (loop, aio, opts) => new CountingTask(loop, aio, opts?.name, eager);
  return { factory, cancels: () => n };
};

describe("hardening: cancelling a deep nest of gathers", () => {
  for (const [name, factory] of FACTORIES) {
    it(`timeout(10, a 3*10^4-deep nest) ends with a TimeoutError (stack-safe), with ${name}`, async () => {
      const e = await exitWith(factory, timeout(10, deepNever(30_000)));
      expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    });
  }

  for (const eager of [false, true]) {
    it(`cancels each task a bounded number of times, not once per level above it (${eager ? "eager" : "lazy"})`, async () => {
      const n = 1000;
      const { factory, cancels } = countingFactory(eager);
      const e = await exitWith(factory, timeout(10, deepNever(n)));
      expect(errorOf(e)).toBeInstanceOf(TimeoutError);
      // 2n tasks (a nest level and a sleep per level), each cancelled once: re-cancelling
      // a level's subtree at every level above it was about n^2 / 2 calls.
      expect(cancels()).toBeLessThanOrEqual(2 * n + 2);
    });
  }
});

// ---------------------------------------------------------------------------------------
// 2. Defects in losers' cleanup are reported

/** Sleeps `ms`; its cleanup (on any exit) throws `bug`. */
const cleanupThrows = (ms: number, bug: Error): Aio.Aio<string> =>
  Aio.gen(function* () {
    try {
      yield* Aio.sleep(ms);
    } finally {
      // eslint-disable-next-line no-unsafe-finally
      throw bug;
    }
    return "unreachable";
  });

describe("hardening: a defect in a cancelled child's cleanup is reported", () => {
  it("race: the winner's value stays; the loser's cleanup defect goes to the exception handler", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("loser cleanup");
    const e = await loop.runUntilCompleteExit(race(Aio.sleep(10, "fast"), cleanupThrows(100, bug)));
    loop.close();
    expect(e).toEqual(Exit.succeed("fast"));
    expect(reported).toHaveLength(1);
    expect(reported[0]!.exception).toBe(bug);
    expect(reported[0]!.message).toMatch(/^race: /);
    expect(reported[0]!.task).toBeInstanceOf(Task);
  });

  it("gather: the first failure stays; a sibling's cleanup defect goes to the exception handler", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("sibling cleanup");
    const e = await loop.runUntilCompleteExit(gather(failing(10, "first"), cleanupThrows(100, bug)));
    loop.close();
    expect(errorOf(e)).toBe("first");
    expect(reported.map((r) => r.exception)).toEqual([bug]);
    expect(reported[0]!.message).toMatch(/^gather: /);
  });

  it("race cancelled from outside: the cancellation stays; a contender's cleanup defect is reported", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("contender cleanup");
    const e = await loop.runUntilCompleteExit(timeout(10, race(Aio.sleep(100), cleanupThrows(100, bug))));
    loop.close();
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(reported.map((r) => r.exception)).toEqual([bug]);
  });

  it("gather cancelled from outside: the cancellation stays; a child's cleanup defect is reported", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("cleanup");
    // The first child ends cancelled first: that decides the outcome (asyncio too).
    const e = await loop.runUntilCompleteExit(timeout(10, gather(Aio.sleep(100), cleanupThrows(100, bug))));
    loop.close();
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(reported.map((r) => r.exception)).toEqual([bug]);
  });

  it("gather cancelled from outside: a cleanup defect that ends first is the outcome, not reported", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("cleanup");
    const e = await loop.runUntilCompleteExit(Aio.exit(timeout(10, gather(cleanupThrows(100, bug), Aio.sleep(100)))));
    loop.close();
    expect(e._tag === "Success" && defectOf(e.value)).toBe(bug);
    expect(reported).toEqual([]);
  });

  it("a race contender that fails before the winner is an ordinary failure, not reported", async () => {
    const { loop, reported } = reportingLoop();
    const e = await loop.runUntilCompleteExit(race(failing(5, "early"), Aio.sleep(10, "ok")));
    loop.close();
    expect(e).toEqual(Exit.succeed("ok"));
    expect(reported).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// 3. A TimeoutError carries the CancelledError it replaced as its `cause`

describe("hardening: a TimeoutError's cause is the CancelledError it replaced", () => {
  const cases: ReadonlyArray<readonly [string, () => Aio.Aio<unknown, unknown>]> = [
    ["timeout(10, sleep(100))", () => timeout(10, Aio.sleep(100))],
    ["timeoutAt(10, sleep(100))", () => timeoutAt(10, Aio.sleep(100))],
    ["waitFor(sleep(100), 10)", () => waitFor(Aio.sleep(100), 10)],
    ["waitFor(sleep(100), 0)", () => waitFor(Aio.sleep(100), 0)],
    [
      "waitFor(task, 10)",
      () => Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(100));
        return yield* waitFor(t, 10);
      }),
    ],
    [
      "waitFor(task, 0)",
      () => Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(100));
        return yield* waitFor(t, 0);
      }),
    ],
  ];
  for (const [name, program] of cases) {
    it(name, async () => {
      const e = await vexit(program());
      const err = errorOf(e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).cause).toBeInstanceOf(CancelledError);
    });
  }

  it("the cause is the very CancelledError the body saw", async () => {
    let seen: unknown;
    const e = await vexit(
      timeout(
        10,
        Aio.gen(function* () {
          try {
            yield* Aio.sleep(100);
          } catch (err) {
            seen = err;
            throw err;
          }
        }),
      ),
    );
    expect(seen).toBeInstanceOf(CancelledError);
    expect((errorOf(e) as TimeoutError).cause).toBe(seen);
  });
});

// ---------------------------------------------------------------------------------------
// 4. Deadlines inside an uninterruptible region

/** As `vrun`, through `exitWith` (so a hang fails the test after HUNG_MS). */
const runGuarded = async <A, E>(aio: Aio.Aio<A, E>): Promise<A> => {
  const e = await exitWith(null, aio);
  if (e._tag === "Failure") throw new Error(`the run failed: ${e.cause._tag}`);
  return e.value;
};

/** Runs `body`; its outcome as [Exit, loop time when it ended]. */
const timed = <A, E>(body: Aio.Aio<A, E>): Aio.Aio<readonly [Exit.Exit<A, E>, number]> =>
  Aio.gen(function* () {
    const e = yield* Aio.exit(body);
    return [e, now()] as const;
  });

describe("hardening: a deadline set inside an uninterruptible region applies", () => {
  it("uninterruptible(timeout(10, never)) fails with a TimeoutError at 10", async () => {
    const [e, t] = await runGuarded(timed(Aio.uninterruptible(timeout(10, Aio.never))));
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(t).toBe(10);
  });

  it("uninterruptible(timeout(10, sleep(200))) fails with a TimeoutError at 10", async () => {
    const [e, t] = await runGuarded(timed(Aio.uninterruptible(timeout(10, Aio.sleep(200, "late")))));
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(t).toBe(10);
  });

  it("uninterruptible(waitFor(q.get(), 10)) fails with a TimeoutError at 10", async () => {
    const q = new Queue<number>();
    const [e, t] = await runGuarded(timed(Aio.uninterruptible(waitFor(q.get(), 10))));
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(t).toBe(10);
  });

  it("uninterruptible(timeoutAt(10, never)) fails with a TimeoutError at 10", async () => {
    const [e, t] = await runGuarded(timed(Aio.uninterruptible(timeoutAt(10, Aio.never))));
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(t).toBe(10);
  });

  it("a deadline in a cleanup (which runs uninterruptible) applies", async () => {
    const log: string[] = [];
    const cleanup = timeout(10, Aio.never).pipe(
      Aio.catchAll((err) => Aio.sync(() => void log.push(`cleanup: ${(err as Error).name}@${now()}`))),
    );
    await runGuarded(Aio.sleep(5).pipe(Aio.ensuring(cleanup)));
    expect(log).toEqual(["cleanup: TimeoutError@15"]);
  });

  it("a body that ends in time returns its value, and the scope can be rescheduled", async () => {
    const [e, t] = await runGuarded(
      timed(
        Aio.uninterruptible(
          timeout(10, (scope) =>
            Aio.gen(function* () {
              scope.reschedule(scope.when()! + 100);
              return yield* Aio.sleep(50, "in time");
            }),
          ),
        ),
      ),
    );
    expect(e).toEqual(Exit.succeed("in time"));
    expect(t).toBe(50);
  });

  it("a cancellation from outside stays deferred to the region's end; the body is not cancelled by it", async () => {
    const log: string[] = [];
    const body = Aio.sleep(50, "body done").pipe(Aio.tap((v) => Aio.sync(() => void log.push(`${v}@${now()}`))));
    const [e, t] = await runGuarded(
      Aio.gen(function* () {
        const task = yield* createTask(
          Aio.gen(function* () {
            yield* Aio.uninterruptible(timeout(100, body));
            log.push("not reached"); // the deferred cancellation is delivered at the region's end
          }),
        );
        yield* Aio.sleep(10);
        task.cancel();
        return yield* timed(Aio.from(task));
      }),
    );
    expect(log).toEqual(["body done@50"]);
    expect(Exit.isInterrupted(e)).toBe(true);
    expect(t).toBe(50);
  });

  it("an outside cancellation and the deadline: the deadline still ends the body; the cancellation follows", async () => {
    const log: string[] = [];
    const e = await runGuarded(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.uninterruptible(timeout(30, Aio.sleep(200)));
            } catch (err) {
              log.push(`${(err as Error).name}@${now()}`);
            }
            yield* Aio.sleep(1);
            log.push("not reached");
          }),
        );
        yield* Aio.sleep(10);
        t.cancel();
        return yield* Aio.exit(Aio.from(t));
      }),
    );
    expect(log).toEqual(["TimeoutError@30"]);
    expect(Exit.isInterrupted(e)).toBe(true);
  });

  it("an uninterruptible region inside the timeout's body shields its work; the deadline applies at its end", async () => {
    const log: string[] = [];
    const work = Aio.sleep(50).pipe(Aio.tap(() => Aio.sync(() => void log.push(`work done@${now()}`))));
    const [e, t] = await runGuarded(timed(timeout(10, Aio.uninterruptible(work))));
    expect(log).toEqual(["work done@50"]);
    expect(errorOf(e)).toBeInstanceOf(TimeoutError);
    expect(t).toBe(50);
  });
});

// ---------------------------------------------------------------------------------------
// 5. gather's options object

describe("hardening: gather's options are checked", () => {
  it("an unknown key is a TypeError naming it", () => {
    expect(() => gather(Aio.succeed(1), Aio.succeed(2), { return_exceptions: true } as never)).toThrow(TypeError);
    expect(() => gather(Aio.succeed(1), { return_exceptions: true } as never)).toThrow(/unknown option "return_exceptions"/);
    expect(() => gather([Aio.succeed(1)], { returnExceptions: true, extra: 1 } as never)).toThrow(/unknown option "extra"/);
  });

  it("an empty object is a TypeError, not empty options", () => {
    expect(() => gather(Aio.succeed(1), {} as never)).toThrow(TypeError);
    expect(() => gather([Aio.succeed(1)], {} as never)).toThrow(/empty/);
  });

  it("gatherExits takes no options: an object is not an awaitable", () => {
    expect(() => gatherExits(Aio.succeed(1), { returnExceptions: true } as never)).toThrow(/not an Aio/);
  });

  it("a boolean returnExceptions picks the form at run time", async () => {
    const flag = (b: boolean): boolean => b;
    const exits = await runGuarded(gather(Aio.succeed(1), Aio.fail("x"), { returnExceptions: flag(true) }));
    expect(exits).toEqual([Exit.succeed(1), Exit.fail("x")]);
    const values = await runGuarded(gather(Aio.succeed(1), Aio.succeed(2), { returnExceptions: flag(false) }));
    expect(values).toEqual([1, 2]);
  });
});

// ---------------------------------------------------------------------------------------
// 6. Futures and tasks of another loop

/** The defect of a died exit as an EventLoopError message, or undefined. */
const loopErrorOf = (e: Exit.Exit<unknown, unknown>): string | undefined => {
  const d = defectOf(e);
  return d instanceof EventLoopError ? d.message : undefined;
};

describe("hardening: a future or task of another loop is an EventLoopError at once", () => {
  const other = newEventLoop(V);
  const foreignFuture = other.createFuture<number>();
  const foreignTask = other.createTask(Aio.never, { name: "elsewhere" });
  const cases: ReadonlyArray<readonly [string, (f: Future<unknown, unknown>) => Aio.Aio<unknown, unknown>]> = [
    ["gather", (f) => gather(Aio.sleep(10), f)],
    ["gatherExits", (f) => gatherExits(Aio.sleep(10), f)],
    ["race", (f) => race(Aio.sleep(10), f)],
    ["wait", (f) => wait([Aio.sleep(10), f])],
    ["shield", (f) => shield(f)],
    ["waitFor", (f) => waitFor(f, 100)],
    ["asCompleted", (f) => asCompleted([Aio.sleep(10), f])[0]!],
  ];
  for (const [fn, make] of cases) {
    for (const [what, fut] of [
      ["a future", foreignFuture],
      ["a task", foreignTask],
    ] as const) {
      it(`${fn} over ${what} of another loop`, async () => {
        const e = await exitWith(null, timed(make(fut as Future<unknown, unknown>)));
        expect(e._tag).toBe("Success");
        if (e._tag !== "Success") return;
        const [exit, t] = e.value;
        expect(loopErrorOf(exit)).toMatch(new RegExp(`^${fn}: the (future|task)\\b.* is attached to a different loop$`));
        if (what === "a task") expect(loopErrorOf(exit)).toContain("elsewhere");
        expect(t).toBe(0); // at once
      });
    }
  }

  it("gather starts none of its children when one is of another loop", async () => {
    const log: string[] = [];
    const first = Aio.sync(() => void log.push("started")).pipe(Aio.flatMap(() => Aio.sleep(10)));
    const e = await exitWith(null, gather(first, foreignFuture));
    expect(loopErrorOf(e)).toMatch(/attached to a different loop/);
    expect(log).toEqual([]);
  });
});

describe("a cancellation that reaches a decided gather / race is not absorbed (found by the schedule fuzzer)", () => {
  it.each([
    ["race(sleep(2), never)", () => race(Aio.sleep(2), Aio.never)],
    ["race(sleep(2), sleep(5))", () => race(Aio.sleep(2), Aio.sleep(5))],
  ] as const)("waitFor(%s then never, 2) times out at 2 ms", async (_name, mk) => {
    const r = await vexit(
      Aio.gen(function* () {
        const exit = yield* Aio.exit(waitFor(mk().pipe(Aio.flatMap(() => Aio.never)), 2));
        return { exit, at: now() };
      }),
    );
    expect(r._tag).toBe("Success");
    const { exit, at } = (r as { value: { exit: Exit.Exit<unknown, unknown>; at: number } }).value;
    expect(errorOf(exit)).toBeInstanceOf(TimeoutError);
    expect(at).toBe(2);
  });

  it("a task cancelled while its race's losers are still ending ends cancelled, after they ended", async () => {
    const r = await vexit(
      Aio.gen(function* () {
        const log: string[] = [];
        const loser = Aio.never.pipe(Aio.ensuring(Aio.sleep(3).pipe(Aio.tap(() => Aio.sync(() => void log.push("loser cleaned"))))));
        const waiter = yield* createTask(race(Aio.sleep(1, "won"), loser).pipe(Aio.tap(() => Aio.sync(() => void log.push("waiter resumed")))));
        yield* Aio.sleep(2); // the race is decided at 1; its loser cleans up until 4
        waiter.cancel("stop");
        const exit = yield* Aio.exit(Aio.from(waiter));
        return { exit, log, at: now() };
      }),
    );
    const v = (r as { value: { exit: Exit.Exit<unknown, unknown>; log: string[]; at: number } }).value;
    expect(v.exit._tag).toBe("Failure");
    expect(waiterInterrupted(v.exit)).toBe(true);
    expect(v.log).toEqual(["loser cleaned"]);
    expect(v.at).toBe(4);
  });
});

const waiterInterrupted = (e: Exit.Exit<unknown, unknown>): boolean => e._tag === "Failure" && e.cause._tag === "Interrupt";
