/**
 * `Lock` (asyncio.Lock), the `Acquirable` interface and `withLock` / `withPermit`, which
 * hold any acquirable around an Aio (see locks.ts).
 * @module locks
 */
import * as Aio from "../Aio.js";
import { CancelledError } from "../exceptions.js";
import type { EventLoop } from "../events.js";
import { Aio as AioClass, type Frame, type Fiber } from "../internal/aio.js";
import { type Future } from "../internal/future.js";
import { CONTINUE_ERR, CONTINUE_OK } from "../internal/primitives.js";
import { bindLoop, FastPath, NOT_READY, waitInLine, WaiterQueue } from "../sync-internal.js";
import { debugActive, labelWaiter } from "../internal/debug.js";
import { LockNotAcquiredError } from "./errors.js";

// ---------------------------------------------------------------------------------------
// Helpers

/** @internal Whether `e` is the CancelledError of a cancellation. */
export const isCancelled = (e: unknown): boolean => e instanceof CancelledError;

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
  _eval(f: Fiber): AioClass<unknown, unknown> | null {
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
  _ok(f: Fiber): AioClass<unknown, unknown> | null {
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
 * ```ts runnable
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
  /** @internal */
  private _waiters: WaiterQueue<Future<true>> | null = null;
  /** @internal */
  private _locked = false;
  /** @internal */
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

