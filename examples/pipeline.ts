/**
 * A producer/consumer pipeline: a producer feeds orders into a bounded `Queue` (it waits
 * while 2 orders are queued); a pool of 3 workers takes them, and prices each one through
 * an API that allows only 2 calls at once (a `Semaphore`). Each worker marks its order
 * done (`taskDone`); the main task waits for every order (`join`), then shuts the queue
 * down (asyncio 3.13), which stops the idle workers with `QueueShutDown`.
 *
 * ```python
 * async def worker(name, orders, api, results):
 *     while True:
 *         try:
 *             order = await orders.get()
 *         except asyncio.QueueShutDown:
 *             return
 *         try:
 *             async with api:
 *                 await asyncio.sleep(order.ms / 1000)
 *             results.append(order.qty * PRICE)
 *         finally:
 *             orders.task_done()
 * ```
 *
 * Run it on the real clock: `npx tsx examples/pipeline.ts`.
 */
import { Aio, createTask, type EventLoop, type Task } from "../src/index.js";
import { Semaphore } from "../src/locks.js";
import { Queue, QueueShutDown } from "../src/queues.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** An order to price. */
export interface Order {
  readonly id: string;
  readonly qty: number;
  /** How long the pricing API takes for it (ms). */
  readonly ms: number;
}

/** The orders, in production order. */
export const ORDERS: readonly Order[] = [300, 100, 200, 100, 300, 200].map((ms, i) => ({
  id: `order-${i + 1}`,
  qty: 2 * (i + 1),
  ms,
}));
/** How many orders may wait in the queue. */
export const QUEUE_SIZE = 2;
/** Workers in the pool. */
export const WORKERS = 3;
/** Concurrent calls the pricing API allows. */
export const API_LIMIT = 2;
/** Price per unit. */
export const PRICE = 1.25;

/** The producer: queues every order, waiting while the queue is full. */
const producer = (orders: Queue<Order>, log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    for (const order of ORDERS) {
      yield* orders.put(order);
      log(`producer: queued ${order.id} (${orders.qsize()}/${QUEUE_SIZE} waiting)`);
    }
    log("producer: all orders queued");
  }).pipe(Aio.catchAll((_: QueueShutDown) => Aio.sync(() => log("producer: queue shut down"))));

/** A worker: takes orders until the queue is shut down; prices each under the API limit. */
const worker = (name: string, orders: Queue<Order>, api: Semaphore, results: number[], log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    for (;;) {
      const order = yield* orders.get();
      try {
        const price = yield* api.withPermit(
          Aio.gen(function* () {
            log(`${name}: pricing ${order.id}`);
            yield* Aio.sleep(order.ms);
            return order.qty * PRICE;
          }),
        );
        results.push(price);
        log(`${name}: ${order.id} = ${price.toFixed(2)}`);
      } finally {
        orders.taskDone();
      }
    }
  }).pipe(Aio.catchAll((_: QueueShutDown) => Aio.sync(() => log(`${name}: queue shut down, stopping`))));

/**
 * The whole pipeline as one Aio: prints its progress through `log`.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * await run(main(console.log));
 * ```
 */
export const main = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    const orders = new Queue<Order>(QUEUE_SIZE);
    const api = new Semaphore(API_LIMIT);
    const results: number[] = [];
    const workers: Array<Task<void>> = [];
    for (let i = 1; i <= WORKERS; i++) workers.push(yield* createTask(worker(`worker-${i}`, orders, api, results, log)));
    const feeding = yield* createTask(producer(orders, log));
    yield* feeding;
    yield* orders.join();
    log(`main: all ${results.length} orders priced`);
    orders.shutdown();
    for (const w of workers) yield* w;
    log(`main: total ${results.reduce((a, b) => a + b, 0).toFixed(2)}`);
  });

/** Runs the pipeline on `loop`, then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  await loop.runUntilComplete(main(log));
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
