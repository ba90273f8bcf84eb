/**
 * `Condition` (asyncio.Condition): wait for a notification while holding a lock (see
 * locks.ts).
 * @module locks
 */
import * as Aio from "../Aio.js";
import type { EventLoop } from "../events.js";
import { type Future } from "../internal/future.js";
import { bindLoop, waitInLine, WaiterQueue } from "../sync-internal.js";
import { debugActive, labelWaiter } from "../internal/debug.js";
import { LockNotAcquiredError } from "./errors.js";
import { isCancelled, Lock, withLock, type Acquirable } from "./lock.js";

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
 * ```ts runnable
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
  /** @internal */
  private readonly _lock: Lock;
  /** @internal */
  private readonly _waiters = new WaiterQueue<Future<boolean>>();
  /** @internal */
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

