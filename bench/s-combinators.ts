/**
 * Combinator benchmarks, one measurement per fresh process:
 *
 *   node --expose-gc --import tsx bench/s-combinators.ts <scenario> <impl>
 *
 * scenario: S6 | S6p | S7 | S10; impl: aio | effect | native. Prints exactly one line on stdout,
 * `BENCH_RESULT ` followed by JSON `{ scenario, impl, ok, value, unit, extra? }` (or
 * `{ scenario, impl, ok: false, error }`), as bench/scenario.ts does, so `bench/run.ts`
 * can spawn it.
 *
 * - S6: 100,000 sequential `waitFor(work, 1000)` where `work` finishes after one loop
 *   turn: every deadline is armed and disarmed, none fires. µs per call.
 *   effect: `Effect.timeout(Effect.as(Effect.yieldNow, 1), 1000)`; native: a
 *   `setTimeout`/`clearTimeout` pair around an async function that awaits once.
 * - S6p: 10,000 sequential `waitFor(Aio.promise(() => resolved), 1000)`: a deadline armed
 *   and disarmed around a promise that is already resolved (so the wait is one microtask).
 *   effect: `Effect.timeout(Effect.promise(() => resolved), 1000)`; native: the same
 *   `setTimeout`/`clearTimeout` pair around the promise; floor: the same waits with one
 *   host timer for all deadlines (a FIFO, see `DeadlineQueue`), no library.
 * - S7: 100,000 tasks suspended forever; cancel them all and await their ends (timed from
 *   the first cancel to the last end). µs per task. effect: `Effect.forkChild(Effect.never)`
 *   + `Fiber.interruptAll`; native: promises rejected by an AbortSignal, then
 *   `Promise.allSettled`.
 * - S10: 10,000 sequential gathers of 10 small tasks (`Aio.sync(() => j)`). µs per gather.
 *   effect: `Effect.all(..., { concurrency: "unbounded" })` of `Effect.sync`; native:
 *   `Promise.all` of async functions. `extra.yieldingUs`: the same with children that
 *   yield to the loop once before returning (so every child really suspends).
 */
import { Aio, createTask, run, type Task } from "../src/index.js";
import { gather } from "../src/gather.js";
import { waitFor } from "../src/wait.js";
import { Effect, Fiber } from "effect";
import { benchMain, expectEq, gcIfExposed, median, now, timeMedian, type Impl, type Measurement } from "./lib.js";


// ---------------------------------------------------------------------------------------
// S6

const S6_N = 100_000;

/** Native's waitFor: a `setTimeout`/`clearTimeout` pair around a promise. */
const withTimeout = <A>(p: Promise<A>, ms: number): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const id = setTimeout(() => reject(new Error("timeout")), ms);
    p.then(
      (a) => {
        clearTimeout(id);
        resolve(a);
      },
      (e: unknown) => {
        clearTimeout(id);
        reject(e);
      },
    );
  });

/** What each `waitFor` waits on, per implementation (S6, S6p). */
interface WaitForWork {
  readonly aio: Aio.Aio<number>;
  readonly effect: Effect.Effect<number>;
  /** A fresh promise per call. */
  readonly native: () => Promise<number>;
  /** The plain-JS floor's work (S6p only). */
  readonly floor?: () => Promise<number>;
}

/** `n` sequential `waitFor(work, 1000)` (effect: `Effect.timeout`), summed. */
const waitForLoop = async (impl: Impl, n: number, work: WaitForWork): Promise<number> => {
  switch (impl) {
    case "aio":
      return run(
        Aio.gen(function* () {
          let s = 0;
          for (let i = 0; i < n; i++) s += yield* waitFor(work.aio, 1000);
          return s;
        }),
      );
    case "effect":
      return Effect.runPromise(
        Effect.gen(function* () {
          let s = 0;
          for (let i = 0; i < n; i++) s += yield* Effect.timeout(work.effect, 1000);
          return s;
        }),
      );
    case "native": {
      let s = 0;
      for (let i = 0; i < n; i++) s += await withTimeout(work.native(), 1000);
      return s;
    }
    case "floor": {
      if (work.floor === undefined) throw new Error("S6 has no floor row");
      const deadlines = new DeadlineQueue();
      let s = 0;
      for (let i = 0; i < n; i++) s += await deadlines.race(work.floor(), 1000);
      deadlines.close();
      return s;
    }
  }
};

/**
 * S6p's plain-JS floor: the same waits with their deadlines, but no per-call
 * setTimeout/clearTimeout. All deadlines have the same delay, so they fall due in the
 * order they were made: a FIFO with one host timer, armed for the oldest pending
 * deadline and re-armed when it fires. Each call reads the clock once and settles its own
 * promise from the work's reactions (what any waitFor with a deadline must do).
 */
class DeadlineQueue {
  private readonly items: Array<{ when: number; done: boolean; reject: (e: Error) => void }> = [];
  private head = 0;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;

  race<A>(p: Promise<A>, ms: number): Promise<A> {
    return new Promise<A>((resolve, reject) => {
      const d = { when: performance.now() + ms, done: false, reject };
      this.items.push(d);
      if (this.timer === undefined) this.arm();
      p.then(
        (a) => {
          d.done = true;
          resolve(a);
        },
        (e: unknown) => {
          d.done = true;
          reject(e);
        },
      );
    });
  }

  private arm(): void {
    while (this.head < this.items.length && this.items[this.head]!.done) this.head++;
    if (this.head === this.items.length) {
      this.items.length = this.head = 0;
      return;
    }
    const delay = Math.max(0, this.items[this.head]!.when - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.head < this.items.length && (this.items[this.head]!.done || this.items[this.head]!.when <= now)) {
        const d = this.items[this.head++]!;
        if (!d.done) {
          d.done = true;
          d.reject(new Error("timeout"));
        }
      }
      this.arm();
    }, delay);
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** S6: work that finishes after one loop turn (aio: `sleep(0)`), so no deadline fires. */
const s6 = (impl: Impl, n: number): Promise<number> =>
  waitForLoop(impl, n, {
    aio: Aio.sleep(0, 1),
    effect: Effect.as(Effect.yieldNow, 1),
    native: async () => {
      await undefined;
      return 1;
    },
  });

// ---------------------------------------------------------------------------------------
// S6p

const S6P_N = 10_000;

/** S6p: a promise that is already resolved (the wait is one microtask). */
const s6p = (impl: Impl, n: number): Promise<number> => {
  const resolved = Promise.resolve(1);
  return waitForLoop(impl, n, {
    aio: Aio.promise(() => resolved),
    effect: Effect.promise(() => resolved),
    native: () => resolved,
    floor: () => resolved,
  });
};

// ---------------------------------------------------------------------------------------
// S7

const S7_N = 100_000;

/** Returns the ms from the first cancel to the last end. */
const s7 = async (impl: Impl, n: number): Promise<number> => {
  switch (impl) {
    case "aio":
      return run(
        Aio.gen(function* () {
          const tasks: Array<Task<never>> = new Array(n);
          for (let i = 0; i < n; i++) tasks[i] = yield* createTask(Aio.never);
          yield* Aio.sleep(0); // every task has started and suspended
          gcIfExposed();
          const t0 = now();
          for (let i = 0; i < n; i++) tasks[i]!.cancel();
          let cancelled = 0;
          for (let i = 0; i < n; i++) {
            const e = yield* Aio.exit(Aio.from(tasks[i]!));
            if (e._tag === "Failure" && e.cause._tag === "Interrupt") cancelled++;
          }
          const ms = now() - t0;
          expectEq("S7 cancelled", cancelled, n);
          return ms;
        }),
      );
    case "effect":
      return Effect.runPromise(
        Effect.gen(function* () {
          const fibers: Array<Fiber.Fiber<never>> = new Array(n);
          for (let i = 0; i < n; i++) fibers[i] = yield* Effect.forkChild(Effect.never);
          yield* Effect.yieldNow;
          gcIfExposed();
          const t0 = now();
          yield* Fiber.interruptAll(fibers);
          return now() - t0;
        }),
      );
    case "native": {
      const controllers: AbortController[] = new Array(n);
      const ps: Array<Promise<never>> = new Array(n);
      for (let i = 0; i < n; i++) {
        const c = (controllers[i] = new AbortController());
        ps[i] = new Promise<never>((_, reject) => c.signal.addEventListener("abort", () => reject(c.signal.reason)));
      }
      await new Promise((r) => setImmediate(r));
      gcIfExposed();
      const t0 = now();
      for (let i = 0; i < n; i++) controllers[i]!.abort();
      const settled = await Promise.allSettled(ps);
      const ms = now() - t0;
      expectEq("S7 cancelled", settled.filter((s) => s.status === "rejected").length, n);
      return ms;
    }
    case "floor":
      throw new Error("S7 has no floor row");
  }
};

// ---------------------------------------------------------------------------------------
// S10

const S10_N = 10_000;
const S10_WIDTH = 10;

const s10 = async (impl: Impl, n: number, yielding: boolean): Promise<number> => {
  switch (impl) {
    case "aio": {
      const child = (j: number): Aio.Aio<number> =>
        yielding ? Aio.sleep(0).pipe(Aio.as(j)) : Aio.sync(() => j);
      return run(
        Aio.gen(function* () {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const cs: Array<Aio.Aio<number>> = new Array(S10_WIDTH);
            for (let j = 0; j < S10_WIDTH; j++) cs[j] = child(j);
            const r = yield* gather(cs);
            s += r[S10_WIDTH - 1]!;
          }
          return s;
        }),
      );
    }
    case "effect": {
      const child = (j: number): Effect.Effect<number> =>
        yielding ? Effect.as(Effect.yieldNow, j) : Effect.sync(() => j);
      return Effect.runPromise(
        Effect.gen(function* () {
          let s = 0;
          for (let i = 0; i < n; i++) {
            const cs: Array<Effect.Effect<number>> = new Array(S10_WIDTH);
            for (let j = 0; j < S10_WIDTH; j++) cs[j] = child(j);
            const r = yield* Effect.all(cs, { concurrency: "unbounded" });
            s += r[S10_WIDTH - 1]!;
          }
          return s;
        }),
      );
    }
    case "native": {
      const child = yielding
        ? async (j: number): Promise<number> => {
            await undefined;
            return j;
          }
        : async (j: number): Promise<number> => j;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const cs: Array<Promise<number>> = new Array(S10_WIDTH);
        for (let j = 0; j < S10_WIDTH; j++) cs[j] = child(j);
        const r = await Promise.all(cs);
        s += r[S10_WIDTH - 1]!;
      }
      return s;
    }
    case "floor":
      throw new Error("S10 has no floor row");
  }
};

// ---------------------------------------------------------------------------------------

const measure = async (scenario: string, impl: Impl): Promise<Measurement> => {
  switch (scenario) {
    case "S6": {
      const n = S6_N;
      const ms = await timeMedian(2, 5, async () => expectEq("S6", await s6(impl, n), n));
      return { value: (ms * 1e3) / n, unit: "µs/call", extra: { totalMs: ms } };
    }
    case "S6p": {
      const n = S6P_N;
      const ms = await timeMedian(3, 7, async () => expectEq("S6p", await s6p(impl, n), n));
      return { value: (ms * 1e3) / n, unit: "µs/call", extra: { totalMs: ms } };
    }
    case "S7": {
      const n = S7_N;
      for (let w = 0; w < 2; w++) await s7(impl, n / 10);
      const times: number[] = [];
      for (let r = 0; r < 5; r++) times.push(await s7(impl, n));
      const ms = median(times);
      return { value: (ms * 1e3) / n, unit: "µs/task", extra: { totalMs: ms } };
    }
    case "S10": {
      const n = S10_N;
      const want = n * (S10_WIDTH - 1);
      const ms = await timeMedian(3, 7, async () => expectEq("S10", await s10(impl, n, false), want));
      const ymsMs = await timeMedian(2, 5, async () => expectEq("S10 yielding", await s10(impl, n, true), want));
      return {
        value: (ms * 1e3) / n,
        unit: "µs/gather",
        extra: { totalMs: ms, yieldingUs: (ymsMs * 1e3) / n },
      };
    }
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
};

await benchMain("s-combinators.ts", "S6|S6p|S7|S10", measure);
