/**
 * Work on other threads (asyncio's `run_in_executor` / `to_thread`): four prime sieves on a
 * pool of 1 worker thread, then of 2, while the loop keeps a 10 ms ticker on time. The
 * event loop never runs the sieve itself, so the ticker's lateness stays small (a few ms
 * of host noise) whatever the workers do; with 2 threads the batch takes about half the
 * time on a machine with 2 free cores.
 *
 * The job is a module function (examples/lib/primes.mjs): JavaScript cannot ship a closure
 * to another thread. Run it on the real clock: `npx tsx examples/threads.ts`.
 */
import { Aio, createTask, createWorkerPool, gather, type EventLoop, type WorkerError, type WorkerPool } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

const PRIMES = new URL("./lib/primes.mjs", import.meta.url);
type CountPrimes = (limit: number) => number;
const LIMIT = 5_000_000; // 348,513 primes; some 50-150 ms of CPU per sieve
const JOBS = 4;
const TICK_MS = 10;

/** A ticker: every TICK_MS, how late the loop woke it; keeps the worst lateness. */
const ticker = (worst: { ms: number }): Aio.Aio<never> =>
  Aio.gen(function* () {
    for (;;) {
      const due = performance.now() + TICK_MS;
      yield* Aio.sleep(TICK_MS);
      worst.ms = Math.max(worst.ms, performance.now() - due);
    }
  });

/** What one batch measured. */
export interface BatchResult {
  readonly threads: number;
  /** Wall time of the batch, ms. */
  readonly ms: number;
  /** The ticker's worst lateness during the batch, ms. */
  readonly lateMs: number;
  /** The primes each sieve counted. */
  readonly counts: readonly number[];
}

/** The batch of sieves on `pool`, with the ticker running. */
const batch = (pool: WorkerPool, log: Log): Aio.Aio<BatchResult, WorkerError> =>
  Aio.gen(function* () {
    yield* pool.run<CountPrimes>(PRIMES, "countPrimes", 10); // start the threads first
    const worst = { ms: 0 };
    const tick = yield* createTask(ticker(worst));
    const t0 = performance.now();
    const counts = yield* gather(...Array.from({ length: JOBS }, () => pool.run<CountPrimes>(PRIMES, "countPrimes", LIMIT)));
    const ms = performance.now() - t0;
    tick.cancel();
    log(`${pool.maxThreads} thread(s): ${JOBS} sieves (${counts[0] ?? 0} primes each) in ${ms.toFixed(0)} ms; the ${TICK_MS} ms ticker was at most ${worst.ms.toFixed(1)} ms late`);
    return { threads: pool.maxThreads, ms, lateMs: worst.ms, counts };
  });

/** Runs the two batches on `loop` (each on a pool of its own, closed after), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const threads of [1, 2]) {
    const pool = createWorkerPool({ maxThreads: threads });
    try {
      results.push(await loop.runUntilComplete(batch(pool, log)));
    } finally {
      await pool.close();
    }
  }
  const [one, two] = results;
  if (one !== undefined && two !== undefined) log(`speed-up with 2 threads: ${(one.ms / two.ms).toFixed(2)}x`);
  loop.close();
  return results;
}

await runIfEntryPoint(import.meta.url, runExample);
