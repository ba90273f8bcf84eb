/**
 * S8: two tasks exchanging 200,000 messages through a bounded queue (maxsize 16).
 *
 *   node --import tsx bench/s8-queue.ts <aio|effect|promise>
 *
 * - aio: aio-ts `Queue` (a producer task `put`s, the main task `get`s);
 * - effect: effect's `Queue.bounded` (a forked producer fiber `offer`s, the main fiber
 *   `take`s);
 * - promise: `PromiseChannel` below, a bounded channel on Promises driven by two async
 *   functions (`await ch.put(i)` / `await ch.take()`).
 *
 * Each implementation is warmed up, then timed over several rounds; the median round is
 * reported as `nsPerMsg` (the fastest as `minNsPerMsg`). Prints one JSON line:
 * {"scenario":"S8","impl":...,"nsPerMsg":...}.
 */
import { Effect, Fiber, Queue as EffectQueue } from "effect";
import { Aio, createTask, run } from "../src/index.js";
import { Queue } from "../src/queues.js";

const N = 200_000;
const CAPACITY = 16;
const WARMUP_ROUNDS = 5;
const ROUNDS = 9;

type Impl = "aio" | "effect" | "promise";

/**
 * A bounded FIFO channel on Promises. `put` resolves at once while there is room (with
 * one shared resolved promise) and hands the item straight to a waiting taker; `take`
 * returns the item itself when one is buffered (`await` of a plain value). Only a
 * producer that finds the buffer full, or a consumer that finds it empty, allocates a
 * Promise and waits; waiters are served in FIFO order.
 */
export class PromiseChannel<T> {
  private static readonly RESOLVED: Promise<void> = Promise.resolve();
  private readonly buf: Array<T | undefined>;
  private head = 0;
  private size = 0;
  private readonly takers: Array<(item: T) => void> = [];
  private readonly putters: Array<() => void> = [];

  constructor(private readonly capacity: number) {
    this.buf = new Array<T | undefined>(capacity);
  }

  put(item: T): Promise<void> {
    const taker = this.takers.shift();
    if (taker !== undefined) {
      taker(item);
      return PromiseChannel.RESOLVED;
    }
    if (this.size < this.capacity) {
      this.push(item);
      return PromiseChannel.RESOLVED;
    }
    return new Promise<void>((resolve) =>
      this.putters.push(() => {
        this.push(item);
        resolve();
      }),
    );
  }

  take(): T | Promise<T> {
    if (this.size === 0) return new Promise<T>((resolve) => this.takers.push(resolve));
    const item = this.buf[this.head] as T;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.size--;
    const putter = this.putters.shift();
    if (putter !== undefined) putter();
    return item;
  }

  private push(item: T): void {
    this.buf[(this.head + this.size) % this.capacity] = item;
    this.size++;
  }
}

const expected = (n: number): number => (n * (n - 1)) / 2;

const aioRound = (n: number): Promise<number> =>
  run(
    Aio.gen(function* () {
      const q = new Queue<number>(CAPACITY);
      const producer = yield* createTask(
        Aio.gen(function* () {
          for (let i = 0; i < n; i++) yield* q.put(i);
        }),
      );
      let sum = 0;
      for (let i = 0; i < n; i++) sum += yield* q.get();
      yield* producer;
      return sum;
    }),
  );

const effectRound = (n: number): Promise<number> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const q = yield* EffectQueue.bounded<number>(CAPACITY);
      const producer = yield* Effect.forkChild(
        Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* EffectQueue.offer(q, i);
        }),
      );
      let sum = 0;
      for (let i = 0; i < n; i++) sum += yield* EffectQueue.take(q);
      yield* Fiber.join(producer);
      return sum;
    }),
  );

const promiseRound = async (n: number): Promise<number> => {
  const ch = new PromiseChannel<number>(CAPACITY);
  const producer = (async () => {
    for (let i = 0; i < n; i++) await ch.put(i);
  })();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await ch.take();
  await producer;
  return sum;
};

const rounds: Record<Impl, (n: number) => Promise<number>> = {
  aio: aioRound,
  effect: effectRound,
  promise: promiseRound,
};

const main = async (): Promise<void> => {
  // Either `<impl>` or, as bench/run.ts calls it, `S8 <impl>` (where native = promise).
  const args = process.argv.slice(2).filter((a) => a !== "S8");
  const impl = args[0] === "native" ? "promise" : args[0];
  if (impl !== "aio" && impl !== "effect" && impl !== "promise")
    throw new Error(`usage: node --import tsx bench/s8-queue.ts <aio|effect|promise> (got ${String(impl)})`);
  const round = rounds[impl];
  for (let w = 0; w < WARMUP_ROUNDS; w++) {
    const got = await round(N);
    if (got !== expected(N)) throw new Error(`S8 warmup: wrong sum ${got}`);
  }
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const got = await round(N);
    const ms = performance.now() - t0;
    if (got !== expected(N)) throw new Error(`S8: wrong sum ${got}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const medianMs = times[Math.floor(times.length / 2)]!;
  const nsPerMsg = Math.round((medianMs * 1e6) / N);
  const minNsPerMsg = Math.round((times[0]! * 1e6) / N);
  const line = { scenario: "S8", impl, nsPerMsg, minNsPerMsg, messages: N, capacity: CAPACITY, rounds: ROUNDS };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const result = { scenario: "S8", impl: impl === "promise" ? "native" : impl, ok: true, value: nsPerMsg, unit: "ns/msg" };
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
};

await main();
