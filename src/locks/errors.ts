/**
 * The errors of the synchronisation primitives (see locks.ts).
 * @module locks
 */

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

