/**
 * Synchronisation primitives (asyncio/locks.py): `Lock`, `Event`, `Condition`,
 * `Semaphore`, `BoundedSemaphore`, `Barrier`.
 *
 * Waiting operations are `Aio` values (`lock.acquire()`, `event.wait()`, ...); the others
 * (`release`, `set`, `notify`, ...) are plain methods that never wait. A primitive binds to
 * the running loop on its first wait, so it can be made outside a program, and then only
 * used on that loop.
 *
 * Each waiter waits on a future of its own, as in asyncio, and every wait is
 * cancellation-safe: a waiter that is cancelled leaves the primitive as if it had never
 * waited. A lock or permit that was handed to a waiter just before it was cancelled is
 * passed on to the next waiter; a notification or wake-up is never lost or given twice.
 *
 * @module locks
 */
import * as Aio from "./Aio.js";
import { CancelledError } from "./exceptions.js";
import type { EventLoop } from "./events.js";
import { Aio as AioClass, CONTINUE_ERR, CONTINUE_OK, type Frame, type Future, type Task } from "./internal/core.js";
import { bindLoop, checkInt, FastPath, NOT_READY, waitInLine, WaiterQueue } from "./sync-internal.js";
import { debugActive, labelWaiter } from "./internal/debug.js";

// ---------------------------------------------------------------------------------------
// Errors

/**
 * A lock was released while not acquired, or a `Condition` was waited on or notified
 * without holding its lock (asyncio raises RuntimeError for these). Thrown synchronously
 * by `release()` / `notify()`, and as a defect by `Condition.wait()`.
 *
 * @example
 * ```ts
 * import { Lock, LockNotAcquiredError } from "aio-ts";
 * try {
 *   new Lock().release();
 * } catch (e) {
 *   e instanceof LockNotAcquiredError; // true
 * }
 * ```
 */
export class LockNotAcquiredError extends Error {
  readonly _tag = "LockNotAcquiredError" as const;
  constructor(message: string) {
    super(message);
    this.name = "LockNotAcquiredError";
  }
}

/**
 * A `BoundedSemaphore` was released more times than it was acquired (asyncio raises
 * ValueError).
 *
 * @example
 * ```ts
 * import { BoundedSemaphore, SemaphoreReleaseError } from "aio-ts";
 * try {
 *   new BoundedSemaphore(1).release();
 * } catch (e) {
 *   e instanceof SemaphoreReleaseError; // true
 * }
 * ```
 */
export class SemaphoreReleaseError extends Error {
  readonly _tag = "SemaphoreReleaseError" as const;
  constructor(message: string) {
    super(message);
    this.name = "SemaphoreReleaseError";
  }
}

/**
 * The typed failure of `Barrier.wait()` when the barrier is broken (aborted) or is reset
 * while the task waits (asyncio.BrokenBarrierError).
 *
 * @example
 * ```ts
 * import { Aio, Barrier, BrokenBarrierError } from "aio-ts";
 * const barrier = new Barrier(2);
 * const waitOrMinusOne = barrier.wait().pipe(
 *   Aio.catchAll((e: BrokenBarrierError) => Aio.succeed(-1)),
 * );
 * ```
 */
export class BrokenBarrierError extends Error {
  readonly _tag = "BrokenBarrierError" as const;
  constructor(message?: string) {
    super(message ?? "");
    this.name = "BrokenBarrierError";
  }
}

// ---------------------------------------------------------------------------------------
// Helpers

const isCancelled = (e: unknown): boolean => e instanceof CancelledError;

/**
 * Anything with `acquire()` / `release()`: a `Lock`, a `Condition`, a `Semaphore` or a
 * `BoundedSemaphore`. `withLock` accepts it.
 *
 * @example
 * ```ts
 * import { Lock, Semaphore, type Acquirable } from "aio-ts";
 * const guards: Acquirable[] = [new Lock(), new Semaphore(3)];
 * ```
 */
export interface Acquirable {
  /** Waits until acquired; succeeds with `true`. */
  acquire(): Aio.Aio<true>;
  /** Releases what `acquire` took. */
  release(): void;
}

/**
 * Runs `aio` holding `lock` (asyncio's `async with lock:`): waits for it (interruptibly),
 * then releases it on every exit of `aio`: success, failure or interruption. A
 * cancellation while waiting leaves the lock as if the task never asked for it.
 *
 * @example
 * ```ts
 * import { Aio, Lock, withLock } from "aio-ts";
 * const lock = new Lock();
 * let counter = 0;
 * const increment = withLock(lock)(Aio.gen(function* () {
 *   const seen = counter;
 *   yield* Aio.sleep(10);
 *   counter = seen + 1;
 * }));
 * ```
 */
export const withLock =
  (lock: Acquirable) =>
  <A, E>(aio: Aio.Aio<A, E>): Aio.Aio<A, E> =>
    new Held(lock, aio) as unknown as Aio.Aio<A, E>;

/**
 * `withLock` as one frame: `acquire`, then `aio`, then `release` on every exit of `aio`
 * (asyncio's `async with lock:`). The same as
 * `uninterruptibleMask((restore) => restore(acquire).pipe(flatMap(() => restore(aio).pipe(ensuring(release)))))`
 * without building those nodes and closures on every run (10^4 requests parked on one
 * semaphore in S11). The interruptibility is never changed, so none needs restoring:
 * - a cancellation while waiting to acquire fails the acquire, and nothing is held (the
 *   acquire itself passes on a permit it was given and cannot take, as asyncio's);
 * - between the acquire's success and `aio`'s start there is no suspension point (the
 *   frame goes on in the same step), so nothing can slip in and leak the permit;
 * - `release` is synchronous, so it cannot be interrupted; a throw from it is a defect
 *   that replaces the outcome, as a failing `ensuring`.
 */
class Held<A, E> extends AioClass<A, E> {
  constructor(
    private readonly lock: Acquirable,
    private readonly body: Aio.Aio<A, E>,
  ) {
    super();
  }
  /** @internal */
  _eval(f: Task<unknown, unknown>): AioClass<unknown, unknown> | null {
    f._push(new HeldFrame(this.lock, this.body as AioClass<unknown, unknown>));
    return this.lock.acquire() as AioClass<unknown, unknown>;
  }
}

/** One run of `Held`: first sees the acquire end, then (pushed again) the body. */
class HeldFrame implements Frame {
  private holding = false;
  constructor(
    private readonly lock: Acquirable,
    private readonly body: AioClass<unknown, unknown>,
  ) {}
  _ok(f: Task<unknown, unknown>): AioClass<unknown, unknown> | null {
    if (!this.holding) {
      this.holding = true;
      f._push(this);
      return this.body;
    }
    this.lock.release();
    return CONTINUE_OK;
  }
  _err(): AioClass<unknown, unknown> | null {
    // A failed (cancelled) acquire holds nothing; a failed body releases.
    if (this.holding) this.lock.release();
    return CONTINUE_ERR;
  }
}

/**
 * Runs `aio` holding one permit of `semaphore`, released on every exit (asyncio's
 * `async with sem:`). The same as `withLock(semaphore)`.
 *
 * @example
 * ```ts
 * import { Aio, Semaphore, withPermit } from "aio-ts";
 * const sem = new Semaphore(2);
 * const download = (url: string) => withPermit(sem)(Aio.sleep(100, url));
 * ```
 */
export const withPermit: (semaphore: Acquirable) => <A, E>(aio: Aio.Aio<A, E>) => Aio.Aio<A, E> = withLock;

// ---------------------------------------------------------------------------------------
// Lock

/**
 * A mutual-exclusion lock (asyncio.Lock), FIFO-fair: the task that has waited longest
 * gets it next, and a task that arrives while others wait queues behind them.
 * `acquire()` waits; `release()` lets the next waiter in; `withLock(aio)` holds it for the
 * duration of `aio`. Releasing an unlocked lock throws `LockNotAcquiredError`.
 *
 * Cancelling a waiter leaves the lock as if it never waited; if the lock had just been
 * handed to it, it is passed on to the next waiter.
 *
 * @example
 * ```ts
 * import { Aio, Lock, run } from "aio-ts";
 * const lock = new Lock();
 * await run(Aio.gen(function* () {
 *   yield* lock.acquire();
 *   try {
 *     yield* Aio.sleep(10); // critical section
 *   } finally {
 *     lock.release();
 *   }
 *   return yield* lock.withLock(Aio.succeed("again"));
 * }));
 * ```
 */
export class Lock implements Acquirable {
  /** @internal the loop this lock is bound to */
  _loop: EventLoop | undefined = undefined;
  private _waiters: WaiterQueue<Future<true>> | null = null;
  private _locked = false;
  private readonly _acquire: Aio.Aio<true>;

  constructor() {
    const self = this;
    const canTake = (): boolean =>
      !self._locked && (self._waiters === null || self._waiters.firstLive() === null);
    const slow: Aio.Aio<true> = Aio.gen(function* () {
      // Jumping the queue when every waiter is cancelled is asyncio's optimisation.
      if (canTake()) {
        self._locked = true;
        return true as const;
      }
      const fut = bindLoop(self, "Lock", () => self.waiters()).createFuture<true>();
      if (debugActive) labelWaiter(fut, "Lock.acquire", self); // for dumpTasks
      try {
        yield* waitInLine((self._waiters ??= new WaiterQueue()), fut);
      } catch (e) {
        // Keep the invariant: when the lock is free (or was just handed to us), the
        // first remaining waiter must be woken.
        if (isCancelled(e) && !self._locked) self._wakeUpFirst();
        throw e;
      }
      self._locked = true;
      return true as const;
    });
    this._acquire = new FastPath(
      () => (canTake() ? (self._locked = true) : NOT_READY),
      () => slow,
    );
  }

  /** Whether the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free and takes it; succeeds with `true`.
   * @example
   * ```ts
   * import { Aio, Lock } from "aio-ts";
   * const lock = new Lock();
   * const p = Aio.gen(function* () { yield* lock.acquire(); lock.release(); });
   * ```
   */
  acquire(): Aio.Aio<true> {
    return this._acquire;
  }

  /**
   * Releases the lock and wakes the first waiter. Throws `LockNotAcquiredError` when the
   * lock is not held.
   */
  release(): void {
    if (!this._locked) throw new LockNotAcquiredError("Lock is not acquired.");
    this._locked = false;
    this._wakeUpFirst();
  }

  /**
   * Runs `aio` holding the lock, released on every exit (`withLock(this)(aio)`).
   * @example
   * ```ts
   * import { Aio, Lock } from "aio-ts";
   * const lock = new Lock();
   * const critical = lock.withLock(Aio.sleep(5, "done"));
   * ```
   */
  withLock<A, E>(aio: Aio.Aio<A, E>): Aio.Aio<A, E> {
    return withLock(this)(aio);
  }

  /** How many tasks wait for the lock (cancelled ones that have not left yet included). */
  waiters(): number {
    return this._waiters === null ? 0 : this._waiters.length;
  }

  /** @internal */
  private _wakeUpFirst(): void {
    const fut = this._waiters?.peek()?.fut;
    // asyncio's `_wake_up_first` looks at the first waiter only: a done one is already
    // set to wake up, or cancelled and about to leave (it then wakes the next itself).
    if (fut !== undefined && !fut.done()) fut.setResult(true);
  }

  /** @internal */
  toString(): string {
    return `<Lock [${this._locked ? "locked" : "unlocked"}${this._waiters?.length ? `, waiters:${this._waiters.length}` : ""}]>`;
  }
}

// ---------------------------------------------------------------------------------------
// Event

/**
 * An event flag (asyncio.Event): `wait()` waits until it is set; `set()` sets it and
 * wakes every waiter; `clear()` resets it; `isSet()` reads it.
 *
 * @example
 * ```ts
 * import { Aio, Event, createTask, run } from "aio-ts";
 * const ready = new Event();
 * await run(Aio.gen(function* () {
 *   const waiter = yield* createTask(ready.wait());
 *   yield* Aio.sleep(10);
 *   ready.set();
 *   return yield* waiter; // true
 * }));
 * ```
 */
export class Event {
  /** @internal the loop this event is bound to */
  _loop: EventLoop | undefined = undefined;
  private readonly _waiters = new WaiterQueue<Future<true>>();
  private _value = false;
  private readonly _wait: Aio.Aio<true>;

  constructor() {
    const self = this;
    const slow: Aio.Aio<true> = Aio.gen(function* () {
      if (self._value) return true as const;
      const fut = bindLoop(self, "Event", () => self._waiters.length).createFuture<true>();
      if (debugActive) labelWaiter(fut, "Event.wait", self); // for dumpTasks
      yield* waitInLine(self._waiters, fut);
      return true as const;
    });
    this._wait = new FastPath(
      () => (self._value ? (true as const) : NOT_READY),
      () => slow,
    );
  }

  /** Whether the event is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the event and wakes every task waiting for it. Setting a set event does nothing. */
  set(): void {
    if (this._value) return;
    this._value = true;
    // Every waiter not done yet, in order; the cursor passes each once.
    const ws = this._waiters;
    for (let w = ws.firstPending(); w !== null; w = ws.firstPending()) w.fut.setResult(true);
  }

  /** Clears the event: later `wait()`s wait again. */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the event is set (at once if it is); succeeds with `true`.
   * @example
   * ```ts
   * import { Event } from "aio-ts";
   * const done = new Event();
   * const waitDone = done.wait();
   * ```
   */
  wait(): Aio.Aio<true> {
    return this._wait;
  }

  /** @internal */
  toString(): string {
    return `<Event [${this._value ? "set" : "unset"}${this._waiters.length ? `, waiters:${this._waiters.length}` : ""}]>`;
  }
}

// ---------------------------------------------------------------------------------------
// Condition

/**
 * A condition variable (asyncio.Condition) over a `Lock` (its own, or one given).
 * Holding the lock, `wait()` releases it, waits for a `notify`, and takes it back before
 * returning, even when cancelled; `waitFor(predicate)` waits until the predicate holds;
 * `notify(n)` wakes up to `n` waiters and `notifyAll()` every one. Waiting or notifying
 * without holding the lock is a `LockNotAcquiredError`.
 *
 * A waiter that was notified and then cancelled passes its notification on to another
 * waiter, so no notification is lost.
 *
 * @example
 * ```ts
 * import { Aio, Condition, createTask, run } from "aio-ts";
 * const cond = new Condition();
 * const items: number[] = [];
 * const consumer = cond.withLock(Aio.gen(function* () {
 *   yield* cond.waitFor(() => items.length > 0);
 *   return items.shift()!;
 * }));
 * await run(Aio.gen(function* () {
 *   const t = yield* createTask(consumer);
 *   yield* cond.withLock(Aio.sync(() => { items.push(1); cond.notify(); }));
 *   return yield* t; // 1
 * }));
 * ```
 */
export class Condition implements Acquirable {
  /** @internal the loop this condition is bound to */
  _loop: EventLoop | undefined = undefined;
  private readonly _lock: Lock;
  private readonly _waiters = new WaiterQueue<Future<boolean>>();
  private readonly _wait: Aio.Aio<true>;

  constructor(lock?: Lock) {
    if (lock !== undefined && !(lock instanceof Lock)) throw new TypeError("Condition: lock must be a Lock");
    const l = lock ?? new Lock();
    this._lock = l;
    const self = this;
    this._wait = Aio.gen(function* () {
      if (!l.locked()) throw new LockNotAcquiredError("cannot wait on un-acquired lock");
      l.release();
      try {
        try {
          const fut = bindLoop(self, "Condition", () => self._waiters.length).createFuture<boolean>();
          if (debugActive) labelWaiter(fut, "Condition.wait", self); // for dumpTasks
          yield* waitInLine(self._waiters, fut);
          return true as const;
        } finally {
          // Must re-acquire the lock even if the wait is cancelled; a cancellation
          // while re-acquiring is remembered and re-raised once the lock is held.
          let err: unknown = undefined;
          let cancelled = false;
          for (;;) {
            try {
              yield* l.acquire();
              break;
            } catch (e) {
              if (!isCancelled(e)) throw e;
              err = e;
              cancelled = true;
            }
          }
          if (cancelled) throw err;
        }
      } catch (e) {
        // The error may have come after this task was notified: notify another one
        // instead (a spurious wake-up is allowed by the condition-variable protocol).
        self._notify(1);
        throw e;
      }
    });
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /**
   * Takes the underlying lock (`lock.acquire()`).
   * @example
   * ```ts
   * import { Aio, Condition } from "aio-ts";
   * const cond = new Condition();
   * const p = Aio.gen(function* () { yield* cond.acquire(); cond.notifyAll(); cond.release(); });
   * ```
   */
  acquire(): Aio.Aio<true> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock. */
  release(): void {
    this._lock.release();
  }

  /**
   * Runs `aio` holding the underlying lock, released on every exit.
   * @example
   * ```ts
   * import { Aio, Condition } from "aio-ts";
   * const cond = new Condition();
   * const wakeAll = cond.withLock(Aio.sync(() => cond.notifyAll()));
   * ```
   */
  withLock<A, E>(aio: Aio.Aio<A, E>): Aio.Aio<A, E> {
    return withLock(this._lock)(aio);
  }

  /**
   * Releases the lock, waits until notified, takes the lock back; succeeds with `true`.
   * The lock must be held (else a `LockNotAcquiredError` defect). When cancelled, the
   * lock is still taken back before the cancellation propagates.
   * @example
   * ```ts
   * import { Condition } from "aio-ts";
   * const cond = new Condition();
   * const waitOnce = cond.withLock(cond.wait());
   * ```
   */
  wait(): Aio.Aio<true> {
    return this._wait;
  }

  /**
   * Waits until `predicate()` is truthy (checked first, then after each wake-up);
   * succeeds with its last value. The lock must be held.
   * @example
   * ```ts
   * import { Condition } from "aio-ts";
   * const cond = new Condition();
   * let stock = 0;
   * const waitForStock = cond.withLock(cond.waitFor(() => stock > 0));
   * ```
   */
  waitFor<T>(predicate: () => T): Aio.Aio<T> {
    if (typeof predicate !== "function") throw new TypeError("Condition.waitFor: predicate must be a function");
    const wait = this._wait;
    return Aio.gen(function* () {
      let result = predicate();
      while (!result) {
        yield* wait;
        result = predicate();
      }
      return result;
    });
  }

  /**
   * Wakes up to `n` (default 1) waiting tasks; each takes the lock back in turn. The lock
   * must be held (else `LockNotAcquiredError`).
   */
  notify(n = 1): void {
    if (typeof n !== "number" || Number.isNaN(n) || n < 0)
      throw new RangeError(`Condition.notify: n must be a number >= 0, got ${String(n)}`);
    if (!this.locked()) throw new LockNotAcquiredError("cannot notify on un-acquired lock");
    this._notify(n);
  }

  /** Wakes every waiting task. The lock must be held. */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** @internal */
  private _notify(n: number): void {
    // asyncio wakes the first `n` waiters that are not done, in order.
    const ws = this._waiters;
    for (let woken = 0; woken < n; woken++) {
      const w = ws.firstPending();
      if (w === null) return;
      w.fut.setResult(false);
    }
  }

  /** @internal */
  toString(): string {
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${this._waiters.length ? `, waiters:${this._waiters.length}` : ""}]>`;
  }
}

// ---------------------------------------------------------------------------------------
// Semaphore

/**
 * A counting semaphore (asyncio.Semaphore): `value` permits (default 1, an integer ≥ 0,
 * else a RangeError). `acquire()` takes one, waiting while none is free (FIFO: a task
 * arriving while others wait queues behind them); `release()` returns one;
 * `withPermit(aio)` holds one for the duration of `aio`.
 *
 * A permit handed to a waiter that is cancelled before it runs goes back to the
 * semaphore and on to the next waiter.
 *
 * @example
 * ```ts
 * import { Aio, Semaphore, run } from "aio-ts";
 * const sem = new Semaphore(2); // at most two downloads at once
 * const download = (url: string) => sem.withPermit(Aio.sleep(100, url.length));
 * await run(Aio.gen(function* () {
 *   return yield* download("http://example.com");
 * }));
 * ```
 */
export class Semaphore implements Acquirable {
  /** @internal the loop this semaphore is bound to */
  _loop: EventLoop | undefined = undefined;
  /** @internal */ protected _value: number;
  private _waiters: WaiterQueue<Future<true>> | null = null;
  private readonly _acquire: Aio.Aio<true>;

  constructor(value = 1) {
    this._value = checkInt(new.target.name, "value", value, 0);
    const self = this;
    const slow: Aio.Aio<true> = Aio.gen(function* () {
      if (!self.locked()) {
        self._value--;
        return true as const;
      }
      const fut = bindLoop(self, "Semaphore", () => self._waiters?.length ?? 0).createFuture<true>();
      if (debugActive) labelWaiter(fut, "Semaphore.acquire", self); // for dumpTasks
      try {
        yield* waitInLine((self._waiters ??= new WaiterQueue()), fut);
      } catch (e) {
        // Our future was set by `_wakeUpNext` (which took a permit for us), but we are
        // not going to acquire: give the permit back.
        if (isCancelled(e) && fut.done() && !fut.cancelled()) self._value++;
        throw e;
      } finally {
        // New waiters may have queued behind us (FIFO): wake as many as allowed.
        while (self._value > 0) if (!self._wakeUpNext()) break;
      }
      return true as const;
    });
    this._acquire = new FastPath(
      () => {
        if (self.locked()) return NOT_READY;
        self._value--;
        return true as const;
      },
      () => slow,
    );
  }

  /**
   * Whether `acquire()` would wait: no permit is free, or other tasks wait first.
   */
  locked(): boolean {
    return this._value === 0 || (this._waiters !== null && this._waiters.firstLive() !== null);
  }

  /** The number of free permits (asyncio's `_value`). */
  value(): number {
    return this._value;
  }

  /**
   * Takes a permit, waiting until one is free; succeeds with `true`.
   * @example
   * ```ts
   * import { Aio, Semaphore } from "aio-ts";
   * const sem = new Semaphore(3);
   * const p = Aio.gen(function* () { yield* sem.acquire(); sem.release(); });
   * ```
   */
  acquire(): Aio.Aio<true> {
    return this._acquire;
  }

  /** Returns a permit and wakes the first waiter. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /**
   * Runs `aio` holding a permit, released on every exit (`withPermit(this)(aio)`).
   * @example
   * ```ts
   * import { Aio, Semaphore } from "aio-ts";
   * const sem = new Semaphore(4);
   * const job = sem.withPermit(Aio.sleep(10, "ok"));
   * ```
   */
  withPermit<A, E>(aio: Aio.Aio<A, E>): Aio.Aio<A, E> {
    return withLock(this)(aio);
  }

  /** @internal Wakes the first waiter that is not done, taking a permit for it. */
  private _wakeUpNext(): boolean {
    const w = this._waiters?.firstPending() ?? null;
    if (w === null) return false;
    this._value--;
    w.fut.setResult(true);
    return true;
  }

  /** @internal */
  toString(): string {
    return `<${this.constructor.name} [${this.locked() ? "locked" : `unlocked, value:${this._value}`}${this._waiters?.length ? `, waiters:${this._waiters.length}` : ""}]>`;
  }
}

/**
 * A semaphore that may not be released more times than acquired
 * (asyncio.BoundedSemaphore): `release()` beyond the initial value throws
 * `SemaphoreReleaseError`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "aio-ts";
 * const pool = new BoundedSemaphore(2);
 * pool.release(); // throws SemaphoreReleaseError: nothing was acquired
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  private readonly _boundValue: number;

  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /** Returns a permit; throws `SemaphoreReleaseError` if that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._boundValue) throw new SemaphoreReleaseError("BoundedSemaphore released too many times");
    super.release();
  }
}

// ---------------------------------------------------------------------------------------
// Barrier

type BarrierState = "filling" | "draining" | "resetting" | "broken";

/**
 * A barrier (asyncio.Barrier): `wait()` blocks until `parties` tasks wait, then releases
 * them all; each gets its arrival index (0 … parties−1). The barrier then refills for the
 * next round. `reset()` sends the waiting tasks a `BrokenBarrierError` and empties the
 * barrier; `abort()` breaks it: waiting and later tasks fail with `BrokenBarrierError`.
 * `parties` must be an integer ≥ 1 (else a RangeError).
 *
 * A task cancelled while it waits leaves the barrier: it no longer counts as arrived.
 *
 * @example
 * ```ts
 * import { Aio, Barrier, createTask, run } from "aio-ts";
 * const barrier = new Barrier(3);
 * await run(Aio.gen(function* () {
 *   const a = yield* createTask(barrier.wait());
 *   const b = yield* createTask(barrier.wait());
 *   const c = yield* barrier.wait();
 *   return [yield* a, yield* b, c]; // [0, 1, 2]
 * }));
 * ```
 */
export class Barrier {
  private readonly _cond = new Condition();
  private readonly _parties: number;
  private _state: BarrierState = "filling";
  private _count = 0;
  private readonly _waitAio: Aio.Aio<number, BrokenBarrierError>;

  constructor(parties: number) {
    this._parties = checkInt("Barrier", "parties", parties, 1);
    const self = this;
    const cond = this._cond;
    // Block while the barrier drains or resets; fail if it is broken.
    const block = Aio.gen(function* () {
      yield* cond.waitFor(() => self._state !== "draining" && self._state !== "resetting");
      if (self._state === "broken") return yield* Aio.fail(new BrokenBarrierError("Barrier aborted"));
    });
    // Wait in the barrier until released; fail if it is reset or broken meanwhile.
    const waitReleased = Aio.gen(function* () {
      yield* cond.waitFor(() => self._state !== "filling");
      if (self._state === "broken" || self._state === "resetting")
        return yield* Aio.fail(new BrokenBarrierError("Abort or reset of barrier"));
    });
    this._waitAio = cond.withLock(
      Aio.gen(function* () {
        yield* block;
        const index = self._count;
        self._count++;
        try {
          if (index + 1 === self._parties) {
            // The last arrival releases everyone: enter the draining state.
            self._state = "draining";
            cond.notifyAll();
          } else {
            yield* waitReleased;
          }
          return index;
        } finally {
          self._count--;
          self._exit();
        }
      }),
    );
  }

  /**
   * Waits until `parties` tasks wait, then succeeds with this task's arrival index;
   * fails with `BrokenBarrierError` if the barrier is broken or reset meanwhile.
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const start = new Barrier(2);
   * const ready = start.wait(); // Aio<number, BrokenBarrierError>
   * ```
   */
  wait(): Aio.Aio<number, BrokenBarrierError> {
    return this._waitAio;
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it fail with
   * `BrokenBarrierError`. A broken barrier becomes usable again.
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const barrier = new Barrier(2);
   * const again = barrier.reset();
   * ```
   */
  reset(): Aio.Aio<void> {
    const self = this;
    return this._cond.withLock(
      Aio.sync(() => {
        if (self._count > 0) {
          if (self._state !== "resetting") self._state = "resetting";
        } else {
          self._state = "filling";
        }
        self._cond.notifyAll();
      }),
    );
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` fail with
   * `BrokenBarrierError` (until `reset()`).
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const barrier = new Barrier(2);
   * const giveUp = barrier.abort();
   * ```
   */
  abort(): Aio.Aio<void> {
    const self = this;
    return this._cond.withLock(
      Aio.sync(() => {
        self._state = "broken";
        self._cond.notifyAll();
      }),
    );
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting in the barrier while it fills (0 otherwise). */
  get nWaiting(): number {
    return this._state === "filling" ? this._count : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return this._state === "broken";
  }

  /** @internal The last task out of a draining or resetting barrier refills it. */
  private _exit(): void {
    if (this._count === 0) {
      if (this._state === "resetting" || this._state === "draining") this._state = "filling";
      this._cond.notifyAll();
    }
  }

  /** @internal */
  toString(): string {
    return `<Barrier [${this._state}, waiters:${this.nWaiting}/${this._parties}]>`;
  }
}
