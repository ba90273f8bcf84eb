/**
 * S11, a service's request path, one measurement per fresh process:
 *
 *   node --expose-gc --import tsx bench/s11-runtime.ts S11 <impl>
 *
 * impl: aio | effect | native. Prints exactly one line on stdout, `BENCH_RESULT ` followed
 * by JSON `{ scenario, impl, ok, value, unit, extra? }` (or `{ ..., ok: false, error }`),
 * as bench/scenario.ts does, so `bench/run.ts` can spawn it.
 *
 * 10,000 concurrent requests started from plain Promise code
 * (`Promise.all(Array.from({ length: 1e4 }, (_, i) => runtime.run(handler(i))))`), on one
 * long-lived runtime made once per process. Each request holds one permit of a
 * module-level `Semaphore(64)` for a 1 ms sleep, then gathers 3 small tasks and returns
 * the sum of their values (checked: no implementation skips work).
 *
 * - aio: `createRuntime()` + `rt.run`, `sem.withPermit(Aio.sleep(1))`, `gather` of 3
 *   `Aio.sync` children.
 * - effect: `ManagedRuntime.make(Layer.empty)` + `runtime.runPromise`,
 *   `Semaphore.withPermits(sem, 1)(Effect.sleep("1 millis"))`, `Effect.all` of 3
 *   `Effect.sync` children with `{ concurrency: "unbounded" }` (each one forked).
 * - native: async/await, a p-limit-style limiter (a counter and a FIFO of resolvers),
 *   `setTimeout(1)`, `Promise.all` of 3 async functions.
 *
 * The sleep sets a floor on the wall time: 10,000 / 64 = 157 rounds of ≥ 1 ms. The
 * figure is µs per request (total / 10,000); `extra` has the total, the requests per
 * second, and `timerFloorMs`: 157 sequential `setTimeout(1)` in the same process (what the
 * host's timers alone cost, whatever the library), so the overhead above the floor can be
 * read off.
 */
import { Aio, Semaphore, createRuntime, gather } from "../src/index.js";
import { Effect, Layer, ManagedRuntime, Semaphore as ESemaphore } from "effect";
import { benchMain, expectEq, now, timeMedian, type Impl, type Measurement } from "./lib.js";

/** Requests per batch. */
export const S11_N = 10_000;
/** Permits of the module-level semaphore. */
export const S11_PERMITS = 64;
/** Each request's sleep, ms. */
const SLEEP_MS = 1;
/** The value of child `j` of request `i`. */
const childValue = (i: number, j: number): number => 3 * i + j;
/** The sum of the values every request of a batch returns. */
const expectedSum = (n: number): number => {
  let s = 0;
  for (let i = 0; i < n; i++) s += childValue(i, 0) + childValue(i, 1) + childValue(i, 2);
  return s;
};

/** A batch: starts `n` requests at once from Promise code, resolves with their sum. */
type Batch = (n: number) => Promise<number>;

/** Builds one implementation's runtime, module-level semaphore and batch; `close` ends it. */
const setup = (impl: Impl): { batch: Batch; close: () => Promise<void> } => {
  switch (impl) {
    case "aio": {
      const rt = createRuntime();
      const sem = new Semaphore(S11_PERMITS);
      const nap = sem.withPermit(Aio.sleep(SLEEP_MS));
      const handler = (i: number): Aio.Aio<number> =>
        Aio.gen(function* () {
          yield* nap;
          const [a, b, c] = yield* gather([
            Aio.sync(() => childValue(i, 0)),
            Aio.sync(() => childValue(i, 1)),
            Aio.sync(() => childValue(i, 2)),
          ]);
          return a + b + c;
        });
      return {
        batch: async (n) => sum(await Promise.all(Array.from({ length: n }, (_, i) => rt.run(handler(i))))),
        close: () => rt.dispose(),
      };
    }
    case "effect": {
      const runtime = ManagedRuntime.make(Layer.empty);
      const sem = ESemaphore.makeUnsafe(S11_PERMITS);
      const nap = ESemaphore.withPermits(sem, 1)(Effect.sleep(`${SLEEP_MS} millis`));
      const handler = (i: number): Effect.Effect<number> =>
        Effect.gen(function* () {
          yield* nap;
          const [a, b, c] = yield* Effect.all(
            [
              Effect.sync(() => childValue(i, 0)),
              Effect.sync(() => childValue(i, 1)),
              Effect.sync(() => childValue(i, 2)),
            ],
            { concurrency: "unbounded" },
          );
          return a + b + c;
        });
      return {
        batch: async (n) =>
          sum(await Promise.all(Array.from({ length: n }, (_, i) => runtime.runPromise(handler(i))))),
        close: () => runtime.dispose(),
      };
    }
    case "native": {
      const limit = pLimit(S11_PERMITS);
      const nap = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, SLEEP_MS));
      const child = async (i: number, j: number): Promise<number> => childValue(i, j);
      const handler = async (i: number): Promise<number> => {
        await limit(nap);
        const [a, b, c] = await Promise.all([child(i, 0), child(i, 1), child(i, 2)]);
        return a + b + c;
      };
      return {
        batch: async (n) => sum(await Promise.all(Array.from({ length: n }, (_, i) => handler(i)))),
        close: () => Promise.resolve(),
      };
    }
    case "floor":
      throw new Error("S11 has no floor row");
  }
};

const sum = (xs: readonly number[]): number => {
  let s = 0;
  for (const x of xs) s += x;
  return s;
};

/**
 * A p-limit-style limiter: at most `permits` calls of `f` run at once; the others wait in
 * a FIFO of resolvers, each woken by the end of a running call.
 */
const pLimit = (permits: number) => {
  let active = 0;
  const queue: Array<() => void> = [];
  let head = 0;
  return async <A>(f: () => Promise<A>): Promise<A> => {
    if (active >= permits) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await f();
    } finally {
      // Hand the permit straight to the next waiter (active stays the same), else free it.
      if (head < queue.length) {
        const next = queue[head]!;
        queue[head++] = undefined as never;
        if (head === queue.length) queue.length = head = 0;
        next();
      } else active--;
    }
  };
};

/** 157 sequential `setTimeout(1)`: the floor the host's timers alone put under a batch. */
const timerFloor = async (): Promise<number> => {
  const rounds = Math.ceil(S11_N / S11_PERMITS);
  const t0 = now();
  for (let r = 0; r < rounds; r++) await new Promise<void>((resolve) => setTimeout(resolve, SLEEP_MS));
  return now() - t0;
};

const measure = async (scenario: string, impl: Impl): Promise<Measurement> => {
  if (scenario !== "S11") throw new Error(`unknown scenario ${scenario}`);
  const n = S11_N;
  const want = expectedSum(n);
  const { batch, close } = setup(impl);
  try {
    const ms = await timeMedian(2, 5, async () => expectEq("S11", await batch(n), want));
    const floors: number[] = [];
    for (let r = 0; r < 3; r++) floors.push(await timerFloor());
    floors.sort((a, b) => a - b);
    const timerFloorMs = floors[1]!;
    return {
      value: (ms * 1e3) / n,
      unit: "µs/request",
      extra: {
        totalMs: ms,
        requestsPerSec: (n * 1e3) / ms,
        timerFloorMs,
        theoreticalFloorMs: Math.ceil(n / S11_PERMITS) * SLEEP_MS,
      },
    };
  } finally {
    await close();
  }
};

await benchMain("s11-runtime.ts", "S11", measure);
