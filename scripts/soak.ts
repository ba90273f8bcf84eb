/**
 * Soak checks (issue 8, "Prove it stays fixed"): the patterns of a long-running service,
 * each iterated 10^6 times inside ONE long-lived loop (one `run()` whose program
 * iterates), with the heap measured after a forced GC every 10^5 iterations. A pattern
 * whose heap keeps growing leaks something per iteration.
 *
 *   npm run soak                      # node --expose-gc --import tsx scripts/soak.ts
 *   SOAK_ITERS=200000 npm run soak    # shorter
 *
 * Patterns:
 * - task: create a task, cancel it, await it;
 * - waitFor: `waitFor` on a sleep that outlasts it (times out every time);
 * - queue: a getter task on an empty, long-lived queue, cancelled, awaited; and now and
 *   then a put and a get that must still work;
 * - fire-and-forget: a task that fails and that nobody awaits (its failure is reported
 *   once to the exception handler, which counts the reports).
 *
 * The loop runs on the virtual clock, so the sleeps and deadlines cost no real time.
 *
 * Growth is the least-squares slope of heapUsed over the checkpoints after the first
 * (10^5 iterations of warm-up: JIT, inline caches, pools), in bytes per iteration. The
 * bound is `BOUND_BYTES_PER_ITER` = 0.5. Why: anything an iteration keeps alive is at
 * least one object, >= 16 bytes on 64-bit V8 (a task or a future keeps hundreds), so a
 * leak of even one small object every 30 iterations exceeds the bound; while the patterns
 * that do not leak measure 0.01 to 0.04 bytes per iteration (heapUsed after a full GC
 * jitters by some tens of KB over the run: V8's own caches, feedback vectors, code), so a
 * bound of 0.01 would flag noise, and 0.5 is more than 10 times the largest slope
 * measured on a flat pattern. The script exits with 1 if a pattern exceeds the bound. A
 * pattern whose heap grows by more than `HEAP_CAP_BYTES` stops early (it has shown its
 * leak) so that the process does not run out of memory.
 *
 * Run time (2-core machine): about 1.5 minutes while the fire-and-forget pattern leaks
 * (it stops at the cap after 3 * 10^5 iterations); an estimated 2 to 2.5 minutes once it
 * is flat.
 */
import { Aio, Queue, createTask, getRunningLoop, run, waitFor } from "../src/index.js";

const ITERS = Number(process.env["SOAK_ITERS"] ?? 1_000_000);
const CHECKPOINTS = 10;
const EVERY = Math.floor(ITERS / CHECKPOINTS);
/** Bytes per iteration above which a pattern counts as leaking (see the module comment). */
const BOUND_BYTES_PER_ITER = 0.5;
/** Growth past the first checkpoint after which a pattern stops early (a leak, clearly). */
const HEAP_CAP_BYTES = 256 * 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("soak: run with node --expose-gc (npm run soak)");
  process.exit(2);
}

/** Lets the host run (FinalizationRegistry callbacks, pending promise jobs). */
const hostTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** heapUsed after full GCs and host turns (finalisers run in between), in bytes. */
const settledHeap: Aio.Aio<number> = Aio.promise(async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await hostTurn();
  }
  gc();
  return process.memoryUsage().heapUsed;
});

interface Pattern {
  readonly name: string;
  /** What one iteration does; `i` is the iteration's number. */
  readonly setup: () => (i: number) => Aio.Aio<void, unknown>;
  /** Extra figures to print (e.g. how many reports the handler got). */
  readonly extra?: () => string;
}

let reports = 0;

const patterns: readonly Pattern[] = [
  {
    name: "create/cancel/await a task",
    setup: () => () =>
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(1_000));
        yield* Aio.yieldNow;
        t.cancel();
        yield* Aio.exit(Aio.from(t));
      }),
  },
  {
    name: "waitFor timing out",
    setup: () => () => Aio.exit(waitFor(Aio.sleep(10), 1)).pipe(Aio.as(undefined)),
  },
  {
    name: "queue with cancelled getters",
    setup: () => {
      const q = new Queue<number>();
      return (i) =>
        Aio.gen(function* () {
          const getter = yield* createTask(q.get());
          yield* Aio.yieldNow;
          getter.cancel();
          yield* Aio.exit(Aio.from(getter));
          if (i % 1000 === 0) {
            // The queue still works after all those cancelled getters.
            q.putNowait(i);
            const got = yield* q.get();
            if (got !== i) throw new Error(`queue: put ${i}, got ${got}`);
          }
        });
    },
  },
  {
    name: "failing fire-and-forget tasks",
    setup: () => () =>
      Aio.gen(function* () {
        yield* createTask(Aio.fail(new Error("fire and forget")));
        yield* Aio.yieldNow;
      }),
    extra: () => `${reports} reports`,
  },
];

interface Row {
  readonly name: string;
  readonly heaps: number[];
  readonly slope: number;
  readonly seconds: number;
  readonly extra: string;
  /** Iterations run (fewer than ITERS if the pattern hit the heap cap). */
  readonly iters: number;
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;

/** Least-squares slope of ys over xs. */
const slope = (xs: readonly number[], ys: readonly number[]): number => {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
};

const soak = async (p: Pattern): Promise<Row> => {
  reports = 0;
  let stoppedAt: number | undefined;
  const t0 = performance.now();
  const heaps = await run(
    Aio.gen(function* () {
      getRunningLoop().setExceptionHandler(() => void reports++);
      const step = p.setup();
      const heaps: number[] = [];
      for (let i = 1; i <= ITERS; i++) {
        yield* step(i);
        if (i % EVERY === 0) {
          const heap = yield* settledHeap;
          heaps.push(heap);
          // A pattern that leaks this much has shown it; stop before the process runs out.
          if (heap - heaps[0]! > HEAP_CAP_BYTES) {
            stoppedAt = i;
            break;
          }
        }
      }
      return heaps;
    }),
    { virtualTime: true },
  );
  const seconds = (performance.now() - t0) / 1000;
  // Skip the first checkpoint: warm-up.
  const xs = heaps.map((_, k) => (k + 1) * EVERY).slice(1);
  const extra = [p.extra?.(), stoppedAt === undefined ? undefined : `stopped at ${stoppedAt}: heap grew by more than ${kb(HEAP_CAP_BYTES)}`]
    .filter((x) => x !== undefined)
    .join(", ");
  return { name: p.name, heaps, slope: slope(xs, heaps.slice(1)), seconds, extra, iters: heaps.length * EVERY };
};

const main = async (): Promise<void> => {
  console.log(`soak: ${ITERS} iterations per pattern, heap after GC every ${EVERY}; bound ${BOUND_BYTES_PER_ITER} B/iteration`);
  const rows: Row[] = [];
  for (const p of patterns) {
    const row = await soak(p);
    rows.push(row);
    console.log(
      `  ${row.name}: ${row.heaps.map(kb).join(", ")}  (${row.seconds.toFixed(1)} s${row.extra ? `, ${row.extra}` : ""})`,
    );
  }
  console.log("");
  console.log(`| pattern | heap at ${EVERY} | heap at the end (iterations) | growth (B/iteration) | verdict |`);
  console.log("| --- | ---: | ---: | ---: | --- |");
  let failed = false;
  for (const r of rows) {
    const bad = r.slope > BOUND_BYTES_PER_ITER;
    failed ||= bad;
    console.log(
      `| ${r.name} | ${kb(r.heaps[0]!)} | ${kb(r.heaps[r.heaps.length - 1]!)} (${r.iters}) | ${r.slope.toFixed(4)} | ${bad ? "LEAK" : "flat"} |`,
    );
  }
  process.exit(failed ? 1 : 0);
};

await main();
