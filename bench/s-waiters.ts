/**
 * Waiter-queue benchmarks (issue 8 §3 "Linear waiter queues"): how the time per waiter
 * of waking, draining and cancelling the waiters of each primitive grows with their
 * number. One scenario per fresh process:
 *
 *   node --expose-gc --import tsx bench/s-waiters.ts <scenario> aio
 *
 * (`npm run bench` runs them as rows W-<scenario>; `--only W` runs just these.)
 *
 * Only aio-ts is measured (effect and native have no asyncio primitives to compare). Each
 * scenario measures N = 1e4 and N = 1e5 waiters in the same process (warmed up at 1e4);
 * `value` is µs per waiter at 1e5, `extra.us1e4` / `extra.us1e5` both figures, so the
 * report can show the ratio (≈ 1 for linear total time, ≈ 10 for quadratic).
 * `WAITERS_RUNS` (default 3) and `WAITERS_SIZES=a,b` change the rounds and the sizes
 * (`extra.us1e4` / `us1e5` then hold the figures at a / b; `extra.sizes` says which).
 *
 * Every scenario starts N tasks that each wait on the primitive, lets them all suspend,
 * then times from the first wake-up (or the first cancel) until every task has ended:
 *
 * - `<prim>`: wake all (`Event.set`, `Condition.notifyAll`, the last `Barrier.wait`,
 *   `Queue.taskDone` for `join`) or drain one by one (`Semaphore.release` × N, a `Lock`
 *   passed from waiter to waiter, N items put for N getters, N items got for N putters);
 * - `<prim>-c`: cancel every other waiter (N/2 cancels, all issued at once), then wake /
 *   drain the other half as above.
 *
 * Each run checks its counts (woken, cancelled, FIFO order), so no scenario skips work.
 */
import { Aio, createTask, getRunningLoop, run, shield, type Future, type Task } from "../src/index.js";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore } from "../src/locks.js";
import { Queue } from "../src/queues.js";
import { benchMain, expectEq, gcIfExposed, median, now, type Measurement } from "./lib.js";

/** The scenarios, by id; each runs one round with `n` waiters, the ms it took. */
type Round = (n: number, cancelHalf: boolean) => Promise<number>;

/** Lets every task started so far run until it blocks. */
const settle: Aio.Aio<void> = Aio.gen(function* () {
  for (let i = 0; i < 3; i++) yield* Aio.yieldNow;
});

/**
 * The common shape: start `n` tasks running `waiter(i)`, let them suspend, then (timed)
 * cancel every other one when `cancelHalf`, run `wake(remaining)`, and join them all.
 * Checks that exactly the cancelled ones ended interrupted and that the others ran in
 * FIFO order (each waiter pushes its index into `order` once it got through).
 */
const shape = (
  label: string,
  n: number,
  cancelHalf: boolean,
  waiter: (i: number, order: number[]) => Aio.Aio<unknown, unknown>,
  wake: (remaining: number) => Aio.Aio<void, unknown>,
  fifo = true,
): Promise<number> =>
  run(
    Aio.gen(function* () {
      const order: number[] = [];
      const tasks: Array<Task<unknown, unknown>> = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = yield* createTask(waiter(i, order));
      yield* settle;
      gcIfExposed();
      const t0 = now();
      if (cancelHalf) for (let i = 0; i < n; i += 2) tasks[i]!.cancel();
      const remaining = cancelHalf ? n >> 1 : n;
      yield* wake(remaining);
      let interrupted = 0;
      for (let i = 0; i < n; i++) {
        const e = yield* Aio.exit(Aio.from(tasks[i]!));
        if (e._tag === "Failure") {
          if (e.cause._tag === "Interrupt") interrupted++;
          else throw new Error(`${label}: waiter ${i} failed: ${e.cause._tag}`);
        }
      }
      const ms = now() - t0;
      expectEq(`${label} interrupted`, interrupted, cancelHalf ? n - remaining : 0);
      expectEq(`${label} woken`, order.length, remaining);
      if (fifo) {
        const step = cancelHalf ? 2 : 1;
        for (let k = 0; k < order.length; k++) {
          if (order[k] !== k * step + (cancelHalf ? 1 : 0)) throw new Error(`${label}: not FIFO at ${k}: ${order[k]}`);
        }
      }
      return ms;
    }),
  );

const rounds: Record<string, Round> = {
  event: (n, c) => {
    const ev = new Event();
    return shape(
      "event",
      n,
      c,
      (i, order) => ev.wait().pipe(Aio.map(() => void order.push(i))),
      () => Aio.sync(() => ev.set()),
    );
  },
  condition: (n, c) => {
    const cond = new Condition();
    return shape(
      "condition",
      n,
      c,
      (i, order) => cond.withLock(cond.wait().pipe(Aio.map(() => void order.push(i)))),
      () => cond.withLock(Aio.sync(() => cond.notifyAll())),
    );
  },
  lock: (n, c) => {
    const lock = new Lock();
    // Taken on a throwaway loop (the fast path binds no loop); the main task releases it.
    return run(lock.acquire()).then(() =>
      shape(
        "lock",
        n,
        c,
        (i, order) =>
          Aio.gen(function* () {
            yield* lock.acquire();
            order.push(i);
            lock.release();
          }),
        () => Aio.sync(() => lock.release()),
      ),
    );
  },
  semaphore: (n, c) => {
    const sem = new Semaphore(0);
    return shape(
      "semaphore",
      n,
      c,
      (i, order) => sem.acquire().pipe(Aio.map(() => void order.push(i))),
      (remaining) =>
        Aio.sync(() => {
          for (let k = 0; k < remaining; k++) sem.release();
        }),
    );
  },
  bsemaphore: (n, c) => {
    const sem = new BoundedSemaphore(n);
    // Every permit taken on a throwaway loop (the fast path binds no loop).
    return run(
      Aio.gen(function* () {
        for (let k = 0; k < n; k++) yield* sem.acquire();
      }),
    ).then(() =>
      shape(
        "bsemaphore",
        n,
        c,
        (i, order) => sem.acquire().pipe(Aio.map(() => void order.push(i))),
        (remaining) =>
          Aio.sync(() => {
            for (let k = 0; k < remaining; k++) sem.release();
          }),
      ),
    );
  },
  barrier: (n, c) => {
    // n waiters plus the main task; after cancelling half, the main task tops it up.
    const barrier = new Barrier(n + 1);
    return shape(
      "barrier",
      n,
      c,
      (i, order) => barrier.wait().pipe(Aio.map(() => void order.push(i))),
      (remaining) =>
        Aio.gen(function* () {
          // The cancelled waiters leave the barrier (each takes the lock in turn) first.
          while (barrier.nWaiting > remaining) yield* Aio.yieldNow;
          const extra: Array<Task<number, unknown>> = [];
          for (let k = remaining; k < n; k++) extra.push(yield* createTask(barrier.wait()));
          yield* barrier.wait();
          for (const t of extra) yield* t;
        }),
      false, // the order of a barrier's release is the lock's, checked by the tests
    );
  },
  shield: (n, c) => {
    // n tasks each shielding one shared future: cancelling a waiter removes its done
    // callback from the shared future (removeDoneCallback on a list of n callbacks).
    let shared: Future<number> | undefined;
    return shape(
      "shield",
      n,
      c,
      (i, order) =>
        Aio.gen(function* () {
          shared ??= getRunningLoop().createFuture<number>();
          yield* shield(shared);
          order.push(i);
        }),
      () => Aio.sync(() => shared!.setResult(1)),
    );
  },
  "queue-get": (n, c) => {
    const q = new Queue<number>();
    return shape(
      "queue-get",
      n,
      c,
      (i, order) => q.get().pipe(Aio.map((x) => void order.push(i + x))),
      (remaining) =>
        Aio.sync(() => {
          for (let k = 0; k < remaining; k++) q.putNowait(0);
        }),
    );
  },
  "queue-put": (n, c) => {
    const q = new Queue<number>(1);
    q.putNowait(-1);
    return shape(
      "queue-put",
      n,
      c,
      (i, order) => q.put(i).pipe(Aio.map(() => void order.push(i))),
      (remaining) =>
        Aio.gen(function* () {
          for (let k = 0; k <= remaining; k++) yield* q.get();
        }),
    );
  },
  "queue-join": (n, c) => {
    const q = new Queue<number>();
    q.putNowait(0);
    return shape(
      "queue-join",
      n,
      c,
      (i, order) => q.join().pipe(Aio.map(() => void order.push(i))),
      () => Aio.sync(() => q.taskDone()),
    );
  },
};

/** The two sizes measured (`WAITERS_SIZES=a,b` overrides them, to look at other scales). */
const SIZES: readonly [number, number] = ((): readonly [number, number] => {
  const [a, b] = (process.env["WAITERS_SIZES"] ?? "").split(",").map(Number);
  return a !== undefined && b !== undefined && a > 0 && b > 0 ? [a, b] : [10_000, 100_000];
})();

const measure = async (id: string): Promise<Measurement> => {
  const scenario = id.startsWith("W-") ? id.slice(2) : id; // bench/run.ts's ids: W-<scenario>
  const cancelHalf = scenario.endsWith("-c");
  const key = cancelHalf ? scenario.slice(0, -2) : scenario;
  const round = rounds[key];
  if (round === undefined) throw new Error(`unknown scenario ${scenario}`);
  const runs = Number(process.env["WAITERS_RUNS"] ?? 3);
  for (let w = 0; w < 2; w++) await round(SIZES[0], cancelHalf); // warm-up
  const us: number[] = [];
  for (const n of SIZES) {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) times.push(await round(n, cancelHalf));
    us.push((median(times) * 1000) / n);
  }
  return { value: us[1]!, unit: "µs/waiter", extra: { us1e4: us[0]!, us1e5: us[1]!, ratio: us[1]! / us[0]!, sizes: SIZES } };
};

/** The scenario ids, in table order. */
export const WAITER_SCENARIOS: readonly string[] = Object.keys(rounds).flatMap((k) => [k, `${k}-c`]);

// Run as a script (bench/run.ts runs its esbuild bundle, bench/.build/s-waiters.mjs), not when imported.
if (/s-waiters\.(?:ts|mjs)$/.test(process.argv[1] ?? "")) {
  void benchMain("bench/s-waiters.ts", WAITER_SCENARIOS.join("|"), (scenario, impl) => {
    if (impl !== "aio") return Promise.reject(new Error("aio only"));
    return measure(scenario);
  });
}
