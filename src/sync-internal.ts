/**
 * Shared plumbing of `locks.ts` and `queues.ts`: a ring-buffer deque, the waiter queue
 * every primitive keeps its waiting futures in (O(1) join, leave and wake), lazy binding to
 * the running loop (asyncio's `mixins._LoopBoundMixin`), and `WaitOp`, the Aio every
 * waiting operation is built from (a synchronous fast path, else an asyncio-style wait).
 *
 * Not part of the public API.
 * @internal
 * @module sync-internal
 */
import { EventLoopError } from "./exceptions.js";
import { getRunningLoop, type EventLoop } from "./events.js";
import { Aio as AioClass, inlineStep, type Frame, type Fiber } from "./internal/aio.js";
import { AwaitFuture } from "./internal/future.js";
import { CONTINUE_ERR, CONTINUE_OK } from "./internal/primitives.js";
import { succeed, type Aio } from "./Aio.js";
import type { Future } from "./internal/future.js";

/**
 * A double-ended queue on a ring buffer: O(1) push/shift/pop, O(n) remove.
 * @example
 * ```ts
 * import { Deque } from "./sync-internal.js";
 * const d = new Deque<number>();
 * d.push(1); d.push(2);
 * d.shift(); // 1
 * ```
 */
export class Deque<T> {
  /** @internal */
  private _buf: Array<T | undefined>;
  /** @internal */
  private _head = 0;
  /** @internal */
  private _len = 0;
  /** @internal */
  private _mask: number;

  constructor() {
    this._buf = new Array<T | undefined>(8);
    this._mask = 7;
  }

  /** The number of elements. */
  get length(): number {
    return this._len;
  }

  /** Appends at the back. */
  push(x: T): void {
    if (this._len > this._mask) this._grow();
    this._buf[(this._head + this._len) & this._mask] = x;
    this._len++;
  }

  /** Removes and returns the front element. */
  shift(): T | undefined {
    if (this._len === 0) return undefined;
    const h = this._head;
    const x = this._buf[h];
    this._buf[h] = undefined;
    this._head = (h + 1) & this._mask;
    this._len--;
    return x;
  }

  /** Removes and returns the back element. */
  pop(): T | undefined {
    if (this._len === 0) return undefined;
    this._len--;
    const i = (this._head + this._len) & this._mask;
    const x = this._buf[i];
    this._buf[i] = undefined;
    return x;
  }

  /** The front element, or undefined. */
  peek(): T | undefined {
    return this._len === 0 ? undefined : this._buf[this._head];
  }

  /** The element at position `i` from the front (0 ≤ i < length). */
  at(i: number): T | undefined {
    return i < 0 || i >= this._len ? undefined : this._buf[(this._head + i) & this._mask];
  }

  /** Removes the first occurrence of `x`; returns whether it was there. */
  remove(x: T): boolean {
    const n = this._len;
    const buf = this._buf;
    const mask = this._mask;
    const h = this._head;
    for (let i = 0; i < n; i++) {
      if (buf[(h + i) & mask] === x) {
        for (let j = i; j < n - 1; j++) buf[(h + j) & mask] = buf[(h + j + 1) & mask];
        buf[(h + n - 1) & mask] = undefined;
        this._len = n - 1;
        return true;
      }
    }
    return false;
  }

  /** Removes every element. */
  clear(): void {
    this._buf.fill(undefined);
    this._head = 0;
    this._len = 0;
  }

  /** Whether `pred` holds for some element. */
  some(pred: (x: T) => boolean): boolean {
    for (let i = 0; i < this._len; i++) if (pred(this._buf[(this._head + i) & this._mask] as T)) return true;
    return false;
  }

  /** The elements, front to back. */
  toArray(): T[] {
    const out: T[] = new Array<T>(this._len);
    for (let i = 0; i < this._len; i++) out[i] = this._buf[(this._head + i) & this._mask] as T;
    return out;
  }

  /** @internal */
  private _grow(): void {
    const old = this._buf;
    const n = this._len;
    const cap = old.length * 2;
    const buf = new Array<T | undefined>(cap);
    for (let i = 0; i < n; i++) buf[i] = old[(this._head + i) & this._mask];
    this._buf = buf;
    this._head = 0;
    this._mask = cap - 1;
  }
}

/** Readable names of loops for error messages: `EventLoop#1`, or a label (`runtime#2`). */
const loopNames = new WeakMap<EventLoop, string>();
let loopCounter = 0;

/**
 * Gives `loop` a readable name for error messages (a runtime names its loop). A loop
 * named already keeps its name.
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * import { nameLoop } from "./sync-internal.js";
 * nameLoop(newEventLoop(), "runtime"); // "runtime#1"
 * ```
 * @internal
 */
export const nameLoop = (loop: EventLoop, prefix = "EventLoop"): string => {
  let name = loopNames.get(loop);
  if (name === undefined) {
    name = `${prefix}#${++loopCounter}`;
    loopNames.set(loop, name);
  }
  return name;
};

/** A loop's name and state, for an error message. */
const describeLoop = (loop: EventLoop): string =>
  `${nameLoop(loop)} (${loop.isClosed() ? "closed" : loop.isRunning() ? "running" : "not running"})`;

/**
 * asyncio's `_LoopBoundMixin._get_loop`: the running loop, which `holder` binds to on its
 * first wait. Unlike asyncio, a binding to a loop that is closed, while nobody waits
 * (`waiting()` is 0), moves to the running loop: sequential `run()` calls (each makes
 * and closes its own loop) can share a module-level primitive. Using it from two live
 * loops, or from a new loop while waiters of a closed one are still queued, is an
 * `EventLoopError` naming both loops: the waiters' futures belong to the other loop, and
 * waking them from this one would run their tasks on the wrong loop.
 * @example
 * ```ts runnable
 * import { Aio, run, type EventLoop } from "aio-ts";
 * import { bindLoop } from "./sync-internal.js";
 * const holder = { _loop: undefined as EventLoop | undefined };
 * await run(Aio.sync(() => bindLoop(holder, "Lock", () => 0))); // inside a running program: its loop
 * ```
 * @internal
 */
export const bindLoop = (
  holder: { _loop: EventLoop | undefined },
  what: string,
  waiting: () => number,
): EventLoop => {
  const loop = getRunningLoop();
  const bound = holder._loop;
  if (bound === loop) return loop;
  if (bound === undefined) holder._loop = loop;
  else {
    const n = bound.isClosed() ? waiting() : -1;
    if (n !== 0)
      throw new EventLoopError(
        `${what} is bound to event loop ${describeLoop(bound)} and cannot be used from ${describeLoop(loop)}` +
          (n > 0
            ? `: ${n} waiter(s) of the closed loop are still queued`
            : ": one primitive cannot be shared by two live loops (share one loop: createRuntime())"),
      );
    holder._loop = loop;
  }
  return loop;
};

/**
 * What `WaitOp.tryNow` answers when the operation would have to wait.
 * @example
 * ```ts
 * import { NOT_READY, type NotReady } from "./sync-internal.js";
 * const items: number[] = [];
 * const tryTake = (): number | NotReady => (items.length > 0 ? items.shift()! : NOT_READY);
 * ```
 * @internal
 */
export const NOT_READY: unique symbol = Symbol("aio-ts/NOT_READY");
/**
 * The type of `NOT_READY`.
 * @example
 * ```ts
 * import { NOT_READY, type NotReady } from "./sync-internal.js";
 * const r: boolean | NotReady = NOT_READY;
 * ```
 * @internal
 */
export type NotReady = typeof NOT_READY;

/** The iterator result of an inline `yield*`: read at once by the generator, so shared. */
const DONE: { done: true; value: unknown } = { done: true, value: undefined };

/**
 * A waiting operation: `tryNow()` either completes it at once (changes the state and
 * returns the value) or answers `NOT_READY`; then `slow()` runs (an `Aio.gen` that
 * re-checks the state, waits on a future and handles its cancellation as asyncio does).
 *
 * The state change of `tryNow` and the delivery of its value happen in one synchronous
 * step, so no cancellation can come between them (a value taken is never lost). Under
 * `yield*` the fast path runs inline in the generator, without a fiber step.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import { NOT_READY, WaitOp } from "./sync-internal.js";
 * const items: number[] = [];
 * const waitForItem: Aio<number> = Aio.never; // a real one waits on a future, then takes
 * class Take extends WaitOp<number, never> {
 *   protected tryNow() { return items.length > 0 ? items.shift()! : NOT_READY; }
 *   protected slow() { return waitForItem; }
 * }
 * ```
 * @internal
 */
export abstract class WaitOp<A, E> extends AioClass<A, E> {
  /** Completes the operation now, or answers `NOT_READY`. */
  protected abstract tryNow(): A | NotReady;
  /** The operation when it must wait. */
  protected abstract slow(): Aio<A, E>;

  /** @internal */
  _eval(f: Fiber): AioClass<unknown, unknown> | null {
    const v = this.tryNow();
    if (v === NOT_READY) return this.slow();
    // Delivered in this same step: Succeed._eval hands the value to the continuation.
    return (succeed(v) as AioClass<A, never>)._eval(f);
  }

  /**
   * @internal `yield*` starts with `next()` (no argument): try the fast path inline. The
   * fiber resumes a suspended `yield*` with its own token, handled by `Aio.next`.
   */
  override next(sent?: unknown): ReturnType<AioClass<A, E>["next"]> {
    if (sent === undefined && inlineStep()) {
      const v = this.tryNow();
      if (v !== NOT_READY) {
        DONE.value = v;
        return DONE as IteratorReturnResult<A>;
      }
    }
    return super.next(sent);
  }
}

/**
 * A `WaitOp` from two functions.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import { FastPath, NOT_READY } from "./sync-internal.js";
 * const items: number[] = [];
 * const waitForItem: Aio<number> = Aio.never; // a real one waits on a future, then takes
 * const take = new FastPath(() => (items.length > 0 ? items.shift()! : NOT_READY), () => waitForItem);
 * ```
 * @internal
 */
export class FastPath<A, E> extends WaitOp<A, E> {
  constructor(
    private readonly now: () => A | NotReady,
    private readonly wait: () => Aio<A, E>,
  ) {
    super();
  }
  protected tryNow(): A | NotReady {
    return this.now();
  }
  protected slow(): Aio<A, E> {
    return this.wait();
  }
}

/**
 * Checks an integer-valued constructor argument.
 * @example
 * ```ts
 * import { checkInt } from "./sync-internal.js";
 * checkInt("Semaphore", "value", 3, 0); // 3
 * ```
 * @internal
 */
export const checkInt = (what: string, name: string, value: unknown, min: number): number => {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min)
    throw new RangeError(`${what}: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return value;
};

/**
 * A waiter's place in a `WaiterQueue`: its future and its links.
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * import { WaiterQueue } from "./sync-internal.js";
 * const fut = newEventLoop().createFuture<true>();
 * const waiters = new WaiterQueue<typeof fut>();
 * const node = waiters.push(fut);
 * waiters.remove(node); // O(1), whoever else joined or left meanwhile
 * ```
 * @internal
 */
export class Waiter<F> {
  /** @internal */ prev: Waiter<F> | null = null;
  /** @internal */ next: Waiter<F> | null = null;
  /** Whether it is still in its queue. */
  linked = true;
  constructor(readonly fut: F) {}
}

/**
 * What a `WaiterQueue` reads of a waiter's future (a `Future` has both).
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * import type { WaiterFuture } from "./sync-internal.js";
 * const loop = newEventLoop();
 * const w: WaiterFuture = loop.createFuture<true>();
 * ```
 * @internal
 */
export interface WaiterFuture {
  done(): boolean;
  cancelled(): boolean;
}

/**
 * The waiting futures of a primitive, in arrival order (asyncio keeps them in a deque
 * and scans it): a doubly-linked list, so a waiter leaves in O(1) wherever it stands,
 * plus two cursors that make asyncio's scans amortised O(1):
 *
 * - `firstPending()`: the first waiter whose future is not done (`Event.set`,
 *   `Condition._notify`, `Semaphore._wake_up_next` wake it). Every waiter before the
 *   cursor is done; a done future stays done, so the cursor only moves forward and
 *   passes each waiter once, though woken or cancelled waiters stay in the queue until
 *   their task runs and leaves.
 * - `firstLive()`: the first waiter whose future is not cancelled (`Lock.acquire`'s
 *   "all waiters cancelled" and `Semaphore.locked`'s "any waiter not cancelled").
 *
 * A waiter that leaves while a cursor points at it moves the cursor to its successor
 * (everything before that is still done / cancelled).
 * @example
 * ```ts
 * import { newEventLoop, type Future } from "aio-ts";
 * import { WaiterQueue } from "./sync-internal.js";
 * const fut = newEventLoop().createFuture<true>();
 * const ws = new WaiterQueue<Future<true>>();
 * const node = ws.push(fut);
 * ws.firstPending()?.fut.setResult(true); // wakes fut
 * ws.remove(node);
 * ```
 * @internal
 */
export class WaiterQueue<F extends WaiterFuture> {
  /** @internal */
  private _head: Waiter<F> | null = null;
  /** @internal */
  private _tail: Waiter<F> | null = null;
  /** @internal */
  private _len = 0;
  /** Every waiter before it is done; null: every waiter is. @internal */
  private _pending: Waiter<F> | null = null;
  /** Every waiter before it is cancelled; null: every waiter is. @internal */
  private _live: Waiter<F> | null = null;

  /** The number of waiters (done ones that have not left yet included). */
  get length(): number {
    return this._len;
  }

  /** Appends `fut`; its node, for `remove`. */
  push(fut: F): Waiter<F> {
    const node = new Waiter(fut);
    const tail = this._tail;
    if (tail === null) this._head = node;
    else {
      tail.next = node;
      node.prev = tail;
    }
    this._tail = node;
    this._len++;
    // A null cursor means "all before the end": the new waiter is where it stops now.
    if (this._pending === null) this._pending = node;
    if (this._live === null) this._live = node;
    return node;
  }

  /** Takes `node` out of the queue; false if it had left already. O(1). */
  remove(node: Waiter<F>): boolean {
    if (!node.linked) return false;
    node.linked = false;
    const { prev, next } = node;
    if (prev === null) this._head = next;
    else prev.next = next;
    if (next === null) this._tail = prev;
    else next.prev = prev;
    if (this._pending === node) this._pending = next;
    if (this._live === node) this._live = next;
    node.prev = node.next = null;
    this._len--;
    return true;
  }

  /** The first waiter, or null. */
  peek(): Waiter<F> | null {
    return this._head;
  }

  /** Removes the first waiter; its future, or undefined when empty. */
  shift(): F | undefined {
    const head = this._head;
    if (head === null) return undefined;
    this.remove(head);
    return head.fut;
  }

  /** The futures, front to back. O(n): for tests and debugging. */
  toArray(): F[] {
    const out: F[] = [];
    for (let n = this._head; n !== null; n = n.next) out.push(n.fut);
    return out;
  }

  /** The first waiter whose future is not done, or null. Amortised O(1). */
  firstPending(): Waiter<F> | null {
    let n = this._pending;
    while (n !== null && n.fut.done()) n = n.next;
    this._pending = n;
    return n;
  }

  /** The first waiter whose future is not cancelled, or null. Amortised O(1). */
  firstLive(): Waiter<F> | null {
    let n = this._live;
    while (n !== null && n.fut.cancelled()) n = n.next;
    this._live = n;
    return n;
  }
}

/**
 * asyncio's `waiters.append(fut); try: await fut; finally: waiters.remove(fut)`: waits
 * for `fut` in line, and leaves the line however the wait ends (a cancelled waiter must
 * leave the primitive as if it had never waited). Leaving is O(1).
 * @example
 * ```ts runnable
 * import { Aio, getRunningLoop, run, type Future } from "aio-ts";
 * import { WaiterQueue, waitInLine } from "./sync-internal.js";
 * const waiters = new WaiterQueue<Future<number>>();
 * const main = Aio.gen(function* () {
 *   const fut = getRunningLoop().createFuture<number>();
 *   getRunningLoop().callLater(10, () => waiters.firstPending()?.fut.setResult(42));
 *   const value = yield* waitInLine(waiters, fut); // 42, and it has left the line
 *   return [value, waiters.length];
 * });
 * await run(main, { virtualTime: true }); // [42, 0]
 * ```
 * @internal
 */
export const waitInLine = <A>(waiters: WaiterQueue<Future<A>>, fut: Future<A>): Aio<A> =>
  new InLine(waiters, fut) as unknown as Aio<A>;

/**
 * `waitInLine` as its own frame rather than an `Aio.gen` with try/finally: the same
 * steps, without a generator object and its frame per waiter (a waiter is parked for a
 * long time, 10^4 of them at once in S11, so its size matters).
 */
class InLine<A> extends AioClass<A, never> implements Frame {
  private node: Waiter<Future<A>> | undefined = undefined;
  constructor(
    private readonly waiters: WaiterQueue<Future<A>>,
    private readonly fut: Future<A>,
  ) {
    super();
  }
  /** @internal */
  _eval(f: Fiber): AioClass<unknown, unknown> | null {
    this.node = this.waiters.push(this.fut);
    f._push(this);
    return new AwaitFuture(this.fut as Future<unknown, unknown>);
  }
  /** @internal leaves the line, however the wait ended */
  _ok(): AioClass<unknown, unknown> | null {
    this.waiters.remove(this.node!);
    return CONTINUE_OK;
  }
  /** @internal */
  _err(): AioClass<unknown, unknown> | null {
    this.waiters.remove(this.node!);
    return CONTINUE_ERR;
  }
}
