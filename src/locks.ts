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
export { BrokenBarrierError, LockNotAcquiredError, SemaphoreReleaseError } from "./locks/errors.js";
export { Lock, withLock, withPermit, type Acquirable } from "./locks/lock.js";
export { Event } from "./locks/event.js";
export { Condition } from "./locks/condition.js";
export { BoundedSemaphore, Semaphore } from "./locks/semaphore.js";
export { Barrier } from "./locks/barrier.js";
