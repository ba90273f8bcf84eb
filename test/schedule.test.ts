/**
 * Schedule, Aio.retry and Aio.repeat on the virtual clock: construction errors, exact
 * delay sequences (fixed, exponential with a cap, jitter with a seeded random), the
 * recurrence limit at 0 / 1 / N, the elapsed-time limit, `while` predicates, defects and
 * interruptions not retried, cancellation during a backoff, `onRetry`, and a fast-check
 * model of attempts and virtual time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Aio, Cause, CancelledError, Exit, Schedule, createTask, getRunningLoop, run } from "../src/index.js";
import { defectOf, errorOf, expectInterrupted, now, vexit, vrun } from "./helpers.js";

/** An Aio that records the loop time of each attempt and fails with its number. */
const recorder = (times: number[], failUntil = Infinity) =>
  Aio.suspend(() => {
    times.push(now());
    return times.length < failUntil ? Aio.fail({ attempt: times.length }) : Aio.succeed(`ok ${times.length}`);
  });

/** A deterministic `random`: the given numbers in turn, then the last one again. */
const seq = (xs: number[]): (() => number) => {
  let i = 0;
  return () => xs[Math.min(i++, xs.length - 1)]!;
};

const diffs = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe("Schedule constructors validate their input at once", () => {
  it.each([-1, NaN, Infinity, -Infinity, "1" as unknown as number])("fixed(%s) is a RangeError", (ms) => {
    expect(() => Schedule.fixed(ms)).toThrow(RangeError);
  });

  it("exponential: negative or NaN initial, factor < 1 or NaN, negative or NaN max", () => {
    expect(() => Schedule.exponential(-1)).toThrow(RangeError);
    expect(() => Schedule.exponential(NaN)).toThrow(RangeError);
    expect(() => Schedule.exponential(10, { factor: 0.5 })).toThrow(RangeError);
    expect(() => Schedule.exponential(10, { factor: NaN })).toThrow(RangeError);
    expect(() => Schedule.exponential(10, { factor: Infinity })).toThrow(RangeError);
    expect(() => Schedule.exponential(10, { max: -1 })).toThrow(RangeError);
    expect(() => Schedule.exponential(10, { max: NaN })).toThrow(RangeError);
    expect(Schedule.exponential(0, { factor: 1, max: 0 }).maxDelay).toBe(0);
  });

  it("recurs: negative, fractional, NaN or infinite counts", () => {
    for (const n of [-1, 1.5, NaN, Infinity]) expect(() => Schedule.recurs(n), String(n)).toThrow(RangeError);
    expect(Schedule.fixed(1).pipe(Schedule.recurs(0)).maxRecurrences).toBe(0);
  });

  it("maxElapsed: negative or NaN", () => {
    expect(() => Schedule.maxElapsed(-1)).toThrow(RangeError);
    expect(() => Schedule.maxElapsed(NaN)).toThrow(RangeError);
    expect(Schedule.fixed(1).pipe(Schedule.maxElapsed(0)).maxElapsedMs).toBe(0);
  });

  it("jittered: a ratio outside [0, 1], an unknown mode, a random that is not a function", () => {
    expect(() => Schedule.jittered({ mode: "proportional", ratio: 1.5 })).toThrow(RangeError);
    expect(() => Schedule.jittered({ mode: "proportional", ratio: NaN })).toThrow(RangeError);
    expect(() => Schedule.jittered({ mode: "nope" as "full" })).toThrow(RangeError);
    expect(() => Schedule.jittered({ random: 0.5 as unknown as () => number })).toThrow(TypeError);
  });

  it("limits combine by keeping the smaller one; jittered replaces the jitter", () => {
    const s = Schedule.fixed(5).pipe(Schedule.recurs(3), Schedule.recurs(7), Schedule.maxElapsed(50), Schedule.maxElapsed(90));
    expect([s.maxRecurrences, s.maxElapsedMs]).toEqual([3, 50]);
    const j = s.pipe(Schedule.jittered(), Schedule.jittered({ mode: "proportional", ratio: 0.3 }));
    expect(j.jitter).toMatchObject({ mode: "proportional", ratio: 0.3 });
    expect(Schedule.isSchedule(s)).toBe(true);
    expect(Schedule.isSchedule({ schedule: s })).toBe(false);
  });

  it("retry and repeat reject a policy without a schedule, non-function hooks and non-Aio values", () => {
    expect(() => Aio.retry({} as never)).toThrow(TypeError);
    expect(() => Aio.retry(null as never)).toThrow(TypeError);
    expect(() => Aio.retry({ schedule: Schedule.fixed(1), while: 1 as never })).toThrow(TypeError);
    expect(() => Aio.retry({ schedule: Schedule.fixed(1), onRetry: "log" as never })).toThrow(TypeError);
    expect(() => Aio.repeat({ schedule: "fixed" } as never)).toThrow(TypeError);
    expect(() => Aio.repeat({ schedule: Schedule.fixed(1), while: true as never })).toThrow(TypeError);
    expect(() => Aio.retry(Schedule.fixed(1))(42 as never)).toThrow(TypeError);
    // A look-alike object (not made by the validating constructors) is refused.
    const lookAlike: Schedule = { ...Schedule.fixed(1), initialDelay: -5 };
    expect(() => Aio.retry(lookAlike)).toThrow(TypeError);
    expect(() => Aio.retry({ schedule: lookAlike })).toThrow(TypeError);
    expect(() => Aio.repeat(Schedule.fixed(1))(42 as never)).toThrow(TypeError);
  });
});

describe("Aio.retry: delays", () => {
  it("fixed: the attempts are `ms` apart; the last error is the failure", async () => {
    const times: number[] = [];
    const exit = await vexit(recorder(times).pipe(Aio.retry(Schedule.fixed(100).pipe(Schedule.recurs(3)))));
    expect(times).toEqual([0, 100, 200, 300]);
    expect(errorOf(exit)).toEqual({ attempt: 4 });
  });

  it("exponential with a cap: 100, 200, 400, then 500 for ever", async () => {
    const times: number[] = [];
    const s = Schedule.exponential(100, { max: 500 }).pipe(Schedule.recurs(6));
    await vexit(recorder(times).pipe(Aio.retry(s)));
    expect(diffs(times)).toEqual([100, 200, 400, 500, 500, 500]);
  });

  it("exponential with factor 3, no cap", async () => {
    const times: number[] = [];
    await vexit(recorder(times).pipe(Aio.retry(Schedule.exponential(10, { factor: 3 }).pipe(Schedule.recurs(4)))));
    expect(diffs(times)).toEqual([10, 30, 90, 270]);
  });

  it("a cap far below an overflowing power: the delay stays at the cap (10^4 retries, factor 10)", async () => {
    let attempts = 0;
    const s = Schedule.exponential(1, { factor: 10, max: 7 }).pipe(Schedule.recurs(10_000));
    const r = await vrun(
      Aio.gen(function* () {
        const exit = yield* Aio.exit(Aio.suspend(() => Aio.fail(++attempts)).pipe(Aio.retry(s)));
        return [exit, now()] as const;
      }),
    );
    expect(errorOf(r[0])).toBe(10_001);
    expect(r[1]).toBe(1 + 7 * 9_999);
  });

  it("full jitter with a seeded random: each delay is random() · d", async () => {
    const times: number[] = [];
    const s = Schedule.exponential(100, { max: 400 }).pipe(
      Schedule.jittered({ random: seq([0.5, 0.25, 0, 0.75]) }),
      Schedule.recurs(4),
    );
    await vexit(recorder(times).pipe(Aio.retry(s)));
    expect(diffs(times)).toEqual([50, 50, 0, 300]);
  });

  it("proportional jitter: each delay is in [d(1-ratio), d(1+ratio))", async () => {
    const times: number[] = [];
    const s = Schedule.fixed(100).pipe(
      Schedule.jittered({ mode: "proportional", ratio: 0.5, random: seq([0, 0.5, 0.75]) }),
      Schedule.recurs(3),
    );
    await vexit(recorder(times).pipe(Aio.retry(s)));
    expect(diffs(times)).toEqual([50, 100, 125]);
  });

  it("a random() outside [0, 1) is a RangeError defect; no further attempt", async () => {
    const times: number[] = [];
    const s = Schedule.fixed(100).pipe(Schedule.jittered({ random: () => 1 }));
    const exit = await vexit(recorder(times).pipe(Aio.retry(s)));
    expect(defectOf(exit)).toBeInstanceOf(RangeError);
    expect(times).toEqual([0]);
  });

  it("fixed(0) yields to the loop between attempts: another task runs in between", async () => {
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const other = yield* createTask(Aio.sync(() => void log.push("other")));
        let n = 0;
        yield* Aio.exit(
          Aio.suspend(() => {
            log.push(`attempt ${++n}`);
            return Aio.fail(n);
          }).pipe(Aio.retry(Schedule.fixed(0).pipe(Schedule.recurs(2)))),
        );
        yield* other;
      }),
    );
    expect(log).toEqual(["attempt 1", "other", "attempt 2", "attempt 3"]);
  });
});

describe("Aio.retry: limits", () => {
  it.each([
    [0, 1],
    [1, 2],
    [7, 8],
  ])("recurs(%i): %i attempts, the failure at once after the last", async (n, attempts) => {
    const times: number[] = [];
    const exit = await vexit(recorder(times).pipe(Aio.retry(Schedule.fixed(10).pipe(Schedule.recurs(n)))));
    expect(times.length).toBe(attempts);
    expect(times.at(-1)).toBe(10 * n);
    expect(errorOf(exit)).toEqual({ attempt: attempts });
  });

  it("success on the k-th attempt returns its value and stops", async () => {
    const times: number[] = [];
    const v = await vrun(recorder(times, 3).pipe(Aio.retry(Schedule.fixed(10).pipe(Schedule.recurs(5)))));
    expect(v).toBe("ok 3");
    expect(times).toEqual([0, 10, 20]);
  });

  it("10^5 retries with fixed(0): the stack does not grow, the last error is the failure", async () => {
    let attempts = 0;
    const exit = await vexit(
      Aio.suspend(() => Aio.fail(++attempts)).pipe(Aio.retry(Schedule.fixed(0).pipe(Schedule.recurs(100_000)))),
    );
    expect(attempts).toBe(100_001);
    expect(errorOf(exit)).toBe(100_001);
  });

  it("maxElapsed: no attempt starts at or after the budget (fixed 100 within 1000: 10 attempts)", async () => {
    const times: number[] = [];
    await vexit(recorder(times).pipe(Aio.retry(Schedule.fixed(100).pipe(Schedule.maxElapsed(1000)))));
    expect(times).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it("maxElapsed counts the attempts' own time and checks the next delay before sleeping", async () => {
    const times: number[] = [];
    const slow = Aio.sleep(30).pipe(Aio.flatMap(() => recorder(times)));
    // Each attempt takes 30 ms. Failures at 30, 160, 290, 420: 290 + 100 < 400 retries
    // (the attempt that starts at 390 runs past the budget: it is not cut short), then
    // 420 + 100 >= 400 stops.
    const exit = await vrun(
      Aio.gen(function* () {
        const e = yield* Aio.exit(slow.pipe(Aio.retry(Schedule.fixed(100).pipe(Schedule.maxElapsed(400)))));
        return [e, now()] as const;
      }),
    );
    expect(times).toEqual([30, 160, 290, 420]);
    expect(exit).toEqual([Exit.fail({ attempt: 4 }), 420]);
  });

  it("maxElapsed(0) and a budget the first delay reaches exactly: one attempt", async () => {
    for (const s of [Schedule.fixed(0).pipe(Schedule.maxElapsed(0)), Schedule.fixed(100).pipe(Schedule.maxElapsed(100))]) {
      const times: number[] = [];
      await vexit(recorder(times).pipe(Aio.retry(s)));
      expect(times).toEqual([0]);
    }
  });

  it("the clock starts when the retry starts, not when it was built; each run starts afresh", async () => {
    const times: number[] = [];
    const retried = recorder(times).pipe(Aio.retry(Schedule.fixed(100).pipe(Schedule.maxElapsed(250), Schedule.recurs(5))));
    await vrun(
      Aio.gen(function* () {
        yield* Aio.sleep(1000);
        yield* Aio.exit(retried);
        yield* Aio.exit(retried);
      }),
    );
    expect(times).toEqual([1000, 1100, 1200, 1200, 1300, 1400]);
  });
});

type Busy = { readonly _tag: "Busy"; readonly n: number };
type Invalid = { readonly _tag: "Invalid" };

describe("Aio.retry: what is retried", () => {
  it("while: an error it rejects fails at once, unchanged", async () => {
    const invalid: Invalid = { _tag: "Invalid" };
    let attempts = 0;
    const p = Aio.suspend((): Aio.Aio<never, Busy | Invalid> => (++attempts < 3 ? Aio.fail({ _tag: "Busy", n: attempts }) : Aio.fail(invalid)));
    const seen: Busy[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const exit = yield* Aio.exit(
          p.pipe(
            Aio.retry({
              schedule: Schedule.fixed(10),
              while: (e): e is Busy => e._tag === "Busy",
              onRetry: ({ error }) => void seen.push(error),
            }),
          ),
        );
        return [exit, now()] as const;
      }),
    );
    expect(attempts).toBe(3);
    expect(errorOf(r[0])).toBe(invalid);
    expect(r[1]).toBe(20);
    expect(seen).toEqual([
      { _tag: "Busy", n: 1 },
      { _tag: "Busy", n: 2 },
    ]);
  });

  it("while rejecting the first error: one attempt, time 0", async () => {
    const times: number[] = [];
    const exit = await vexit(recorder(times).pipe(Aio.retry({ schedule: Schedule.fixed(10), while: () => false })));
    expect(times).toEqual([0]);
    expect(errorOf(exit)).toEqual({ attempt: 1 });
  });

  it("a defect is not retried", async () => {
    let attempts = 0;
    const exit = await vexit(
      Aio.suspend(() => {
        attempts++;
        return Aio.die(new Error("bug"));
      }).pipe(Aio.retry(Schedule.fixed(10))),
    );
    expect(attempts).toBe(1);
    expect(defectOf(exit)).toEqual(new Error("bug"));
  });

  it("an interruption of an attempt is not retried", async () => {
    let attempts = 0;
    const exit = await vexit(
      Aio.suspend(() => {
        attempts++;
        return Aio.failCause(Cause.interrupt("stop"));
      }).pipe(Aio.retry(Schedule.fixed(10))),
    );
    expect(attempts).toBe(1);
    expectInterrupted(exit, "stop");
  });

  it("a throw from while or onRetry is a defect; no further attempt", async () => {
    const boom = new Error("boom");
    for (const policy of [
      { schedule: Schedule.fixed(10), while: (): boolean => { throw boom; } },
      { schedule: Schedule.fixed(10), onRetry: (): void => { throw boom; } },
    ]) {
      const times: number[] = [];
      const exit = await vexit(recorder(times).pipe(Aio.retry(policy)));
      expect(times).toEqual([0]);
      expect(defectOf(exit)).toBe(boom);
    }
  });

  it("data-first and data-last give the same result", async () => {
    const a: number[] = [];
    const b: number[] = [];
    const s = Schedule.exponential(5).pipe(Schedule.recurs(3));
    const e1 = await vexit(Aio.retry(recorder(a), s));
    const e2 = await vexit(recorder(b).pipe(Aio.retry(s)));
    expect(e1).toEqual(e2);
    expect(a).toEqual(b);
    expect(a).toEqual([0, 5, 15, 35]);
  });
});

describe("Aio.retry: onRetry", () => {
  it("is told attempt, error and the delay (jitter applied) before each backoff", async () => {
    const seen: Array<Schedule.RetryInfo<{ attempt: number }> & { at: number }> = [];
    const s = Schedule.exponential(100).pipe(Schedule.jittered({ random: seq([0.5, 0.1, 0.9]) }), Schedule.recurs(3));
    await vexit(recorder([]).pipe(Aio.retry({ schedule: s, onRetry: (info) => void seen.push({ ...info, at: now() }) })));
    expect(seen).toEqual([
      { attempt: 1, error: { attempt: 1 }, delay: 50, at: 0 },
      { attempt: 2, error: { attempt: 2 }, delay: 20, at: 50 },
      { attempt: 3, error: { attempt: 3 }, delay: 360, at: 70 },
    ]);
  });

  it("an Aio it returns runs before the sleep (its time counts toward the elapsed limit)", async () => {
    const times: number[] = [];
    const log: string[] = [];
    const policy = {
      schedule: Schedule.fixed(100).pipe(Schedule.maxElapsed(500)),
      onRetry: ({ attempt }: { attempt: number }) =>
        Aio.sleep(50).pipe(Aio.flatMap(() => Aio.sync(() => void log.push(`logged ${attempt}@${now()}`)))),
    };
    await vexit(recorder(times).pipe(Aio.retry(policy)));
    // decisions at 0 (0+100<500), 150, 300 (300+100<500), 450 (450+100>=500: stop)
    expect(times).toEqual([0, 150, 300, 450]);
    expect(log).toEqual(["logged 1@50", "logged 2@200", "logged 3@350"]);
  });
});

describe("Aio.retry: cancellation", () => {
  it("a cancellation during a backoff ends the retry at once: finalisers run, no further attempt, no timer left", async () => {
    const times: number[] = [];
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          recorder(times).pipe(
            Aio.retry(Schedule.fixed(1000)),
            Aio.onInterrupt((msg) => Aio.sync(() => void log.push(`interrupted ${msg}@${now()}`))),
            Aio.ensuring(Aio.sync(() => void log.push(`finally@${now()}`))),
          ),
        );
        yield* Aio.sleep(1500);
        t.cancel("shutdown");
        const exit = yield* Aio.exit(Aio.from(t));
        const at = now();
        const timers = getRunningLoop().pendingTimers();
        yield* Aio.sleep(10_000);
        return { exit, at, timers };
      }),
    );
    expectInterrupted(r.exit, "shutdown");
    expect(r.at).toBe(1500);
    expect(r.timers).toBe(0);
    expect(times).toEqual([0, 1000]);
    expect(log).toEqual(["interrupted shutdown@1500", "finally@1500"]);
  });

  it("a cancellation during an attempt is not retried either", async () => {
    let attempts = 0;
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.suspend(() => {
            attempts++;
            return Aio.sleep(100).pipe(Aio.flatMap(() => Aio.fail("x")));
          }).pipe(Aio.retry(Schedule.fixed(0))),
        );
        yield* Aio.sleep(250); // attempts at 0, 100, 200; the third is cancelled at 250
        t.cancel();
        return yield* Aio.exit(Aio.from(t));
      }),
    );
    expectInterrupted(r);
    expect(attempts).toBe(3);
  });

  it("inside Aio.gen: the CancelledError reaches the generator at the backoff", async () => {
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.retry(Aio.fail("busy"), Schedule.fixed(500));
            } catch (e) {
              log.push(`${e instanceof CancelledError ? "cancelled" : "other"}@${now()}`);
              throw e;
            }
          }),
        );
        yield* Aio.sleep(1200);
        t.cancel();
        yield* Aio.exit(Aio.from(t));
      }),
    );
    expect(log).toEqual(["cancelled@1200"]);
  });
});

describe("Aio.repeat", () => {
  it("recurs(n): n + 1 runs, `ms` apart; the last value", async () => {
    const times: number[] = [];
    const v = await vrun(
      Aio.sync(() => times.push(now())).pipe(Aio.repeat(Schedule.fixed(100).pipe(Schedule.recurs(3)))),
    );
    expect(times).toEqual([0, 100, 200, 300]);
    expect(v).toBe(4);
  });

  it.each([
    [0, 1],
    [1, 2],
  ])("recurs(%i): %i runs", async (n, runs) => {
    let count = 0;
    expect(await vrun(Aio.sync(() => ++count).pipe(Aio.repeat(Schedule.fixed(5).pipe(Schedule.recurs(n)))))).toBe(runs);
  });

  it("while: a value it rejects ends the repetition with that value", async () => {
    const times: number[] = [];
    let n = 0;
    const v = await vrun(
      Aio.sync(() => {
        times.push(now());
        return ++n;
      }).pipe(Aio.repeat({ schedule: Schedule.exponential(10), while: (x) => x < 4 })),
    );
    expect(v).toBe(4);
    expect(times).toEqual([0, 10, 30, 70]);
  });

  it("a failure ends it at once, with that failure", async () => {
    let n = 0;
    const exit = await vexit(
      Aio.suspend(() => (++n === 3 ? Aio.fail("broke" as const) : Aio.succeed(n))).pipe(Aio.repeat(Schedule.fixed(10))),
    );
    expect(exit).toEqual(Exit.fail("broke"));
    expect(n).toBe(3);
  });

  it("maxElapsed with runs that take time", async () => {
    const times: number[] = [];
    const run1 = Aio.sleep(40).pipe(Aio.map(() => times.push(now())));
    // Runs end at 40 (40 + 60 < 200: again at 100) and 140 (140 + 60 >= 200: stop).
    const v = await vrun(run1.pipe(Aio.repeat(Schedule.fixed(60).pipe(Schedule.maxElapsed(200)))));
    expect(times).toEqual([40, 140]);
    expect(v).toBe(2);
  });

  it("10^5 repetitions with fixed(0)", async () => {
    let n = 0;
    expect(await vrun(Aio.sync(() => ++n).pipe(Aio.repeat(Schedule.fixed(0).pipe(Schedule.recurs(99_999)))))).toBe(100_000);
  });

  it("a cancellation during a delay ends it at once", async () => {
    let n = 0;
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sync(() => ++n).pipe(Aio.repeat(Schedule.fixed(100))));
        yield* Aio.sleep(250);
        t.cancel("enough");
        const exit = yield* Aio.exit(Aio.from(t));
        yield* Aio.sleep(1000);
        return [exit, getRunningLoop().pendingTimers()] as const;
      }),
    );
    expectInterrupted(r[0], "enough");
    expect(r[1]).toBe(0);
    expect(n).toBe(3);
  });

  it("data-first", async () => {
    let n = 0;
    expect(await vrun(Aio.repeat(Aio.sync(() => ++n), { schedule: Schedule.fixed(1), while: (x) => x < 3 }))).toBe(3);
  });
});

describe("real clock smoke test", () => {
  it("retry sleeps on the real clock", async () => {
    const t0 = performance.now();
    let attempts = 0;
    const exit = await run(
      Aio.exit(Aio.suspend(() => Aio.fail(++attempts)).pipe(Aio.retry(Schedule.fixed(20).pipe(Schedule.recurs(2))))),
    );
    const took = performance.now() - t0;
    expect(errorOf(exit)).toBe(3);
    expect(took).toBeGreaterThanOrEqual(39);
    expect(took).toBeLessThan(2000);
  });
});

// ---------------------------------------------------------------------------------------
// Property: attempts and virtual time against a model

interface Policy {
  readonly initial: number;
  readonly factor: number;
  readonly max: number | undefined;
  readonly recurs: number | undefined;
  readonly maxElapsed: number | undefined;
  readonly jitter: { readonly mode: "full" | "proportional"; readonly ratio: number; readonly randoms: number[] } | undefined;
}

const policyArb: fc.Arbitrary<Policy> = fc.record({
  initial: fc.integer({ min: 0, max: 50 }),
  factor: fc.integer({ min: 1, max: 3 }),
  max: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  recurs: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  maxElapsed: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
  jitter: fc.option(
    fc.record({
      mode: fc.constantFrom("full" as const, "proportional" as const),
      ratio: fc.double({ min: 0, max: 1, noNaN: true }),
      randoms: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 12 }),
    }),
    { nil: undefined },
  ),
});

/** One run: how long it takes and whether it succeeds. */
const outcomesArb = fc.array(fc.record({ ms: fc.integer({ min: 0, max: 40 }), ok: fc.boolean() }), {
  minLength: 1,
  maxLength: 12,
});

const cycle = (xs: number[]): (() => number) => {
  let i = 0;
  return () => xs[i++ % xs.length]!;
};

const build = (p: Policy): Schedule => {
  let s = p.factor === 1 && p.max === undefined ? Schedule.fixed(p.initial) : Schedule.exponential(p.initial, p.max === undefined ? { factor: p.factor } : { factor: p.factor, max: p.max });
  if (p.jitter !== undefined) s = s.pipe(Schedule.jittered({ mode: p.jitter.mode, ratio: p.jitter.ratio, random: cycle(p.jitter.randoms) }));
  if (p.recurs !== undefined) s = s.pipe(Schedule.recurs(p.recurs));
  if (p.maxElapsed !== undefined) s = s.pipe(Schedule.maxElapsed(p.maxElapsed));
  return s;
};

/**
 * The model: runs the outcomes (cycling) from time `t0`; after run n, the schedule's n-th
 * delay, as the docs state it. `stopOn(ok)` says whether an outcome ends it (retry: a
 * success; repeat: a failure). Returns the runs and the end time.
 */
const model = (p: Policy, outcomes: Array<{ ms: number; ok: boolean }>, t0: number, stopOn: (ok: boolean) => boolean) => {
  const random = p.jitter === undefined ? undefined : cycle(p.jitter.randoms);
  let t = t0;
  for (let n = 1; ; n++) {
    const o = outcomes[(n - 1) % outcomes.length]!;
    t += o.ms;
    if (stopOn(o.ok)) return { runs: n, time: t, ok: o.ok };
    if (p.recurs !== undefined && n > p.recurs) return { runs: n, time: t, ok: o.ok };
    let d = Math.min(p.max ?? Infinity, p.initial * p.factor ** (n - 1));
    if (p.jitter !== undefined) {
      const r = random!();
      d = p.jitter.mode === "full" ? d * r : d * (1 - p.jitter.ratio + 2 * p.jitter.ratio * r);
    }
    if (p.maxElapsed !== undefined && !(t - t0 + d < p.maxElapsed)) return { runs: n, time: t, ok: o.ok };
    t += d;
  }
};

describe("property: attempts and virtual time match the model", () => {
  const check = (kind: "retry" | "repeat") =>
    fc.asyncProperty(policyArb, outcomesArb, fc.integer({ min: 0, max: 1000 }), async (p, outcomes, t0) => {
      // Without a limit an all-failing retry (an all-succeeding repeat) goes on for ever:
      // such policies get a recurs(49).
      const bounded = p.recurs === undefined && p.maxElapsed === undefined ? { ...p, recurs: 49 } : p;
      const s = build(bounded);
      let runs = 0;
      const one = Aio.suspend(() => {
        const o = outcomes[runs++ % outcomes.length]!;
        return Aio.sleep(o.ms).pipe(Aio.flatMap(() => (o.ok ? Aio.succeed(runs) : Aio.fail(runs))));
      });
      const program = Aio.gen(function* () {
        yield* Aio.sleep(t0);
        const start = now();
        const exit = yield* Aio.exit(kind === "retry" ? one.pipe(Aio.retry(s)) : one.pipe(Aio.repeat(s)));
        return { exit, start, end: now() };
      });
      const r = await vrun(program);
      const m = model(bounded, outcomes, r.start, kind === "retry" ? (ok) => ok : (ok) => !ok);
      expect(runs).toBe(m.runs);
      expect(r.end).toBe(m.time);
      expect(Exit.isSuccess(r.exit)).toBe(m.ok);
      if (Exit.isSuccess(r.exit)) expect(r.exit.value).toBe(m.runs);
      else expect(errorOf(r.exit)).toBe(m.runs);
    });

  it("retry", async () => {
    await fc.assert(check("retry"), { numRuns: 300 });
  });

  it("repeat", async () => {
    await fc.assert(check("repeat"), { numRuns: 300 });
  });
});
