/**
 * Queues (asyncio/queues.py, Python 3.13): `Queue` (FIFO), `PriorityQueue`, `LifoQueue`.
 *
 * `put(item)` and `get()` are `Aio` values that wait while the queue is full / empty;
 * `putNowait` / `getNowait` never wait and throw `QueueFull` / `QueueEmpty` instead.
 * `taskDone()` and `join()` track the items being processed; `shutdown(immediate?)` ends
 * the queue: waiting and later `put`s fail with `QueueShutDown`, and so do `get`s once the
 * queue is empty (at once, after discarding the items, with `immediate`).
 *
 * Waits are cancellation-safe: a cancelled `get` takes no item (the item stays in the
 * queue for the next getter), a cancelled `put` inserts nothing, and a wake-up given to a
 * waiter that is cancelled before it runs is passed on to the next waiter.
 *
 * A queue binds to the running loop on its first wait, so it can be made outside a
 * program. Putting and getting between two tasks costs no host event-loop turn.
 *
 * @module queues
 */
import * as Aio from "./Aio.js";
import type { EventLoop } from "./events.js";
import * as Cause from "./Cause.js";
import { Aio as AioClass, PASS, type Fiber, type Frame, type Next } from "./internal/aio.js";
import { AwaitFuture, type Future } from "./internal/future.js";
import { Event } from "./locks.js";
import { FifoStore, HeapStore, LifoStore, type Store } from "./queue-stores.js";
import { bindLoop, FastPath, NOT_READY, WaitOp, WaiterQueue, type NotReady, type Waiter } from "./sync-internal.js";
import { debugActive, labelWaiter } from "./internal/debug.js";

// ---------------------------------------------------------------------------------------
// Errors

/**
 * `getNowait()` on an empty queue (asyncio.QueueEmpty).
 *
 * @example
 * ```ts
 * import { Queue, QueueEmpty } from "aio-ts";
 * try {
 *   new Queue<number>().getNowait();
 * } catch (e) {
 *   e instanceof QueueEmpty; // true
 * }
 * ```
 */
export class QueueEmpty extends Error {
  readonly _tag = "QueueEmpty" as const;
  constructor(message?: string) {
    super(message ?? "the queue is empty");
    this.name = "QueueEmpty";
  }
}

/**
 * `putNowait()` on a full queue (asyncio.QueueFull).
 *
 * @example
 * ```ts
 * import { Queue, QueueFull } from "aio-ts";
 * const q = new Queue<number>(1);
 * q.putNowait(1);
 * try {
 *   q.putNowait(2);
 * } catch (e) {
 *   e instanceof QueueFull; // true
 * }
 * ```
 */
export class QueueFull extends Error {
  readonly _tag = "QueueFull" as const;
  constructor(message?: string) {
    super(message ?? "the queue is full");
    this.name = "QueueFull";
  }
}

/**
 * The queue was shut down (asyncio.QueueShutDown): the typed failure of `put` (always,
 * after `shutdown()`) and of `get` (once the queue is empty); thrown by `putNowait` /
 * `getNowait` likewise.
 *
 * @example
 * ```ts
 * import { Aio, Queue, QueueShutDown } from "aio-ts";
 * const q = new Queue<string>();
 * const next = q.get().pipe(Aio.catchAll((_: QueueShutDown) => Aio.succeed("<closed>")));
 * ```
 */
export class QueueShutDown extends Error {
  readonly _tag = "QueueShutDown" as const;
  constructor(message?: string) {
    super(message ?? "the queue is shut down");
    this.name = "QueueShutDown";
  }
}

/**
 * `taskDone()` was called more times than there were items put (asyncio raises
 * ValueError).
 *
 * @example
 * ```ts
 * import { Queue, TaskDoneError } from "aio-ts";
 * try {
 *   new Queue<number>().taskDone();
 * } catch (e) {
 *   e instanceof TaskDoneError; // true
 * }
 * ```
 */
export class TaskDoneError extends Error {
  readonly _tag = "TaskDoneError" as const;
  constructor(message?: string) {
    super(message ?? "taskDone() called too many times");
    this.name = "TaskDoneError";
  }
}

// ---------------------------------------------------------------------------------------
// Queue

/** `put(item)`: inserts at once when there is room, else waits (`_slowPut`). */
class PutOp<A> extends WaitOp<void, QueueShutDown> {
  constructor(
    private readonly queue: Queue<A>,
    private readonly item: A,
  ) {
    super();
  }
  protected tryNow(): void | NotReady {
    const q = this.queue;
    if (!q._canPutNow()) return NOT_READY;
    q._putUnchecked(this.item);
  }
  protected slow(): Aio.Aio<void, QueueShutDown> {
    return this.queue._slowPut(this.item);
  }
}

/**
 * `get` when the queue is empty, as asyncio's `Queue.get`: while empty, queue a getter
 * future and wait on it; a put wakes the first getter, which loops to take the item. One
 * node per queue (it holds no state of a run) and one frame per wait (`QueueWait`),
 * instead of a generator and its frame per wait.
 */
class SlowGet<A> extends AioClass<A, QueueShutDown> {
  constructor(private readonly q: Queue<A>) {
    super();
  }
  /** @internal */
  _eval(f: Fiber): Next {
    const q = this.q;
    if (!q.empty()) {
      f._v = q._takeUnchecked();
      return f._ret();
    }
    if (q._isShutdown) {
      f._cause = Cause.fail(new QueueShutDown());
      return f._fail();
    }
    return waitIn(f, q, q._getters, this);
  }
}

/** `put` when the queue is full, as asyncio's `Queue.put` (see `SlowGet`). */
class SlowPut<A> extends AioClass<void, QueueShutDown> {
  constructor(
    private readonly q: Queue<A>,
    private readonly item: A,
  ) {
    super();
  }
  /** @internal */
  _eval(f: Fiber): Next {
    const q = this.q;
    if (q._isShutdown) {
      f._cause = Cause.fail(new QueueShutDown());
      return f._fail();
    }
    if (!q.full()) {
      q._putUnchecked(this.item);
      f._v = undefined;
      return f._ret();
    }
    return waitIn(f, q, q._putters, this);
  }
}

/** Queues a waiter future in `line`, pushes its frame, and suspends on it. */
const waitIn = (
  f: Fiber,
  q: Queue<unknown>,
  line: WaiterQueue<Future<void>>,
  retry: Aio.Aio<unknown, unknown>,
): Next => {
  const waiter = bindLoop(q, "Queue", q._waiting).createFuture<void>();
  if (debugActive) labelWaiter(waiter, line === q._getters ? "Queue.get" : "Queue.put", q); // for dumpTasks
  f._push(new QueueWait(q, line, waiter, line.push(waiter), retry));
  return new AwaitFuture(waiter as Future<unknown, unknown>);
};

/**
 * One wait of a getter or putter. Woken (its future done): run the operation again (it
 * loops while the queue is still empty or full, as asyncio's `while`). Failed or
 * cancelled: leave the line, and if this waiter was woken for an item (or a free slot)
 * it will not take, pass the wake-up on to the next waiter (asyncio's `except` clause).
 */
class QueueWait implements Frame {
  constructor(
    private readonly q: Queue<unknown>,
    private readonly line: WaiterQueue<Future<void>>,
    private readonly waiter: Future<void>,
    private readonly node: Waiter<Future<void>>,
    private readonly retry: Aio.Aio<unknown, unknown>,
  ) {}
  _ok(): Next {
    return this.retry;
  }
  _err(): Next {
    const { q, line, waiter } = this;
    waiter.cancel(); // in case it is not done yet
    line.remove(this.node); // it may have been removed by a put, get or shutdown
    const wokenFor = line === q._getters ? !q.empty() : !q.full();
    if (wokenFor && !waiter.cancelled()) q._wakeupNext(line);
    return PASS;
  }
}

const checkMaxsize = (maxsize: unknown): number => {
  if (typeof maxsize !== "number" || Number.isNaN(maxsize) || (Number.isFinite(maxsize) && !Number.isInteger(maxsize)))
    throw new RangeError(`Queue: maxsize must be an integer (<= 0 for no limit), got ${String(maxsize)}`);
  return maxsize;
};

/**
 * A first-in, first-out queue (asyncio.Queue). `maxsize` > 0 bounds it: `put` waits while
 * it is full; `maxsize` <= 0 (the default) or `Infinity` means no bound. A non-integer
 * `maxsize` is a RangeError.
 *
 * @example
 * ```ts runnable
 * import { Aio, Queue, createTask, run } from "aio-ts";
 * const q = new Queue<number>(2);
 * await run(Aio.gen(function* () {
 *   const consumer = yield* createTask(Aio.gen(function* () {
 *     let sum = 0;
 *     for (let i = 0; i < 5; i++) sum += yield* q.get();
 *     return sum;
 *   }));
 *   for (let i = 1; i <= 5; i++) yield* q.put(i); // waits while 2 items are queued
 *   return yield* consumer; // 15
 * }));
 * ```
 */
export class Queue<A> {
  /** @internal the loop this queue is bound to */
  _loop: EventLoop | undefined = undefined;
  /** @internal */ protected _store: Store<A>;
  /** @internal */
  private readonly _maxsize: number;
  /** @internal */ readonly _getters = new WaiterQueue<Future<void>>();
  /** @internal */ readonly _putters = new WaiterQueue<Future<void>>();
  /** @internal */
  private _unfinished = 0;
  /** @internal */
  private readonly _finished = new Event();
  /** @internal */ _isShutdown = false;
  /** @internal */
  private readonly _get: Aio.Aio<A, QueueShutDown>;
  /** @internal */
  private readonly _join: Aio.Aio<void>;

  constructor(maxsize = 0) {
    this._maxsize = checkMaxsize(maxsize);
    this._store = new FifoStore<A>();
    this._finished.set();
    const self = this;
    const slowGet = new SlowGet(this);
    this._get = new FastPath(
      () => (self._store.length > 0 ? self._takeUnchecked() : NOT_READY),
      () => slowGet,
    );
    this._join = Aio.gen(function* () {
      if (self._unfinished > 0) yield* self._finished.wait();
    });
  }

  /** The bound given to the constructor (<= 0 or Infinity: none). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this._store.length;
  }

  /** Whether the queue has no items. */
  empty(): boolean {
    return this._store.length === 0;
  }

  /** Whether the queue holds `maxsize` items (never, for an unbounded queue). */
  full(): boolean {
    return this._maxsize > 0 && this._store.length >= this._maxsize;
  }

  /** Whether `shutdown()` was called. */
  isShutdown(): boolean {
    return this._isShutdown;
  }

  /**
   * Puts `item` into the queue, waiting while it is full. Fails with `QueueShutDown` if
   * the queue is shut down (before or while waiting). Cancelled while waiting, it inserts
   * nothing.
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const q = new Queue<string>(10);
   * const send = q.put("job-1"); // Aio<void, QueueShutDown>
   * ```
   */
  put(item: A): Aio.Aio<void, QueueShutDown> {
    return new PutOp(this, item);
  }

  /**
   * Puts `item` without waiting. Throws `QueueFull` when the queue is full and
   * `QueueShutDown` after `shutdown()`.
   */
  putNowait(item: A): void {
    if (this._isShutdown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this._putUnchecked(item);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Fails with
   * `QueueShutDown` when the queue is shut down and empty. Cancelled while waiting, it
   * takes nothing.
   * @example
   * ```ts
   * import { Queue } from "aio-ts";
   * const q = new Queue<string>();
   * const receive = q.get(); // Aio<string, QueueShutDown>
   * ```
   */
  get(): Aio.Aio<A, QueueShutDown> {
    return this._get;
  }

  /**
   * Removes and returns the next item without waiting. Throws `QueueEmpty` when the queue
   * is empty (`QueueShutDown` if it is also shut down).
   */
  getNowait(): A {
    if (this._store.length === 0) throw this._isShutdown ? new QueueShutDown() : new QueueEmpty();
    return this._takeUnchecked();
  }

  /**
   * Marks one item taken with `get` as processed; when every item put has been marked,
   * `join()` returns. Throws `TaskDoneError` when called more times than items were put.
   */
  taskDone(): void {
    if (this._unfinished <= 0) throw new TaskDoneError();
    this._unfinished--;
    if (this._unfinished === 0) this._finished.set();
  }

  /**
   * Waits until every item put has been marked done with `taskDone()` (at once if none is
   * pending).
   * @example
   * ```ts
   * import { Aio, Queue } from "aio-ts";
   * const q = new Queue<number>();
   * const worker = Aio.gen(function* () {
   *   for (;;) {
   *     const n = yield* q.get();
   *     q.taskDone();
   *   }
   * });
   * const allProcessed = q.join();
   * ```
   */
  join(): Aio.Aio<void> {
    return this._join;
  }

  /**
   * Shuts the queue down (asyncio 3.13): later `put`s and `putNowait`s fail with
   * `QueueShutDown`, and so do `get`s once the queue is empty; every waiting `put` and
   * `get` is woken to re-check. With `immediate`, the items still queued are discarded
   * (counting as done for `join`), so waiting getters fail at once.
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      const store = this._store;
      while (store.length > 0) {
        store.take();
        if (this._unfinished > 0) this._unfinished--;
      }
      if (this._unfinished === 0) this._finished.set();
    }
    // Every getter and putter re-checks the queue and fails with QueueShutDown.
    for (let g = this._getters.shift(); g !== undefined; g = this._getters.shift()) if (!g.done()) g.setResult(undefined);
    for (let p = this._putters.shift(); p !== undefined; p = this._putters.shift()) if (!p.done()) p.setResult(undefined);
  }

  /** @internal */
  _canPutNow(): boolean {
    return !this._isShutdown && !(this._maxsize > 0 && this._store.length >= this._maxsize);
  }

  /** @internal Inserts, counts the item as unfinished, wakes one getter. */
  _putUnchecked(item: A): void {
    this._store.push(item);
    this._unfinished++;
    if (this._unfinished === 1) this._finished.clear();
    if (this._getters.length > 0) this._wakeupNext(this._getters);
  }

  /** @internal Takes the next item (the queue is not empty), wakes one putter. */
  _takeUnchecked(): A {
    const item = this._store.take();
    if (this._putters.length > 0) this._wakeupNext(this._putters);
    return item;
  }

  /** @internal `put` when it must wait: asyncio's loop over `full()` (see `SlowPut`). */
  _slowPut(item: A): Aio.Aio<void, QueueShutDown> {
    return new SlowPut(this, item);
  }

  /** @internal For `bindLoop`'s message: the waiters of a closed loop still queued. */
  readonly _waiting = (): number => this._getters.length + this._putters.length;

  /** @internal Wakes the first waiter that is not done (cancelled ones are dropped). */
  _wakeupNext(waiters: WaiterQueue<Future<void>>): void {
    for (let w = waiters.shift(); w !== undefined; w = waiters.shift()) {
      if (!w.done()) {
        w.setResult(undefined);
        return;
      }
    }
  }

  /** @internal */
  toString(): string {
    return `<${this.constructor.name} maxsize=${this._maxsize} qsize=${this._store.length}${this._getters.length ? ` getters[${this._getters.length}]` : ""}${this._putters.length ? ` putters[${this._putters.length}]` : ""} tasks=${this._unfinished}${this._isShutdown ? " shutdown" : ""}>`;
  }
}

/**
 * A queue that returns the smallest item first by `compare` (asyncio.PriorityQueue,
 * with the comparator explicit); items that compare equal come out in the order they
 * were put.
 *
 * @example
 * ```ts
 * import { PriorityQueue } from "aio-ts";
 * type Job = { priority: number; name: string };
 * const jobs = new PriorityQueue<Job>((a, b) => a.priority - b.priority);
 * jobs.putNowait({ priority: 2, name: "later" });
 * jobs.putNowait({ priority: 1, name: "first" });
 * jobs.getNowait().name; // "first"
 * ```
 */
export class PriorityQueue<A> extends Queue<A> {
  constructor(compare: (a: A, b: A) => number, maxsize = 0) {
    if (typeof compare !== "function") throw new TypeError("PriorityQueue: compare must be a function");
    super(maxsize);
    this._store = new HeapStore(compare);
  }
}

/**
 * A last-in, first-out queue (asyncio.LifoQueue): `get` returns the item put most
 * recently.
 *
 * @example
 * ```ts
 * import { LifoQueue } from "aio-ts";
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1);
 * stack.putNowait(2);
 * stack.getNowait(); // 2
 * ```
 */
export class LifoQueue<A> extends Queue<A> {
  constructor(maxsize = 0) {
    super(maxsize);
    this._store = new LifoStore<A>();
  }
}
