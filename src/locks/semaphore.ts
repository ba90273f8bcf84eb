/**
 * `Semaphore` and `BoundedSemaphore` (asyncio's): a counter of permits (see locks.ts).
 * @module locks
 */
import * as Aio from "../Aio.js";
import type { EventLoop } from "../events.js";
import { type Future } from "../internal/future.js";
import { bindLoop, checkInt, FastPath, NOT_READY, waitInLine, WaiterQueue } from "../sync-internal.js";
import { debugActive, labelWaiter } from "../internal/debug.js";
import { SemaphoreReleaseError } from "./errors.js";
import { isCancelled, withLock, type Acquirable } from "./lock.js";

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
 * ```ts runnable
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
  /** @internal */
  private _waiters: WaiterQueue<Future<true>> | null = null;
  /** @internal */
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
  /** @internal */
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

