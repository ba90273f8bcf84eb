/**
 * What the streams modules share: waiting on a host event, argument checks. Internal: not
 * exported from the package entry. (No internal tag on this first comment: it would strip
 * the import below from the .d.ts.)
 * @module streams/internal
 */
import type { Aio } from "../Aio.js";
import { SUSPENDED, type Fiber } from "../internal/aio.js";
import { Async, AsyncToken } from "../internal/async.js";
import { ConnectionResetError } from "./errors.js";

/** The error of a write or drain on a connection that is gone. */
export const connectionLost = (): ConnectionResetError => new ConnectionResetError("Connection lost");

/**
 * `Aio.async` for a wait on a socket event: counted as a host operation, so a
 * virtual-time loop does not jump its clock past it (as for a pending promise). The
 * kernel's host registration does the counting (released once, on resume or cancel), and
 * calls the canceller `register` returns.
 */
export const hostWait = <A, E>(register: (resume: (aio: Aio<A, E>) => void) => () => void): Aio<A, E> =>
  new Async<A, E>(register, true, false);

/**
 * Suspends fiber `f` (inside a primitive's `_eval`, which then returns null) on a wait
 * that the returned token ends: `token.resume(aio)` continues the fiber with `aio`, on
 * the loop's ready queue. If the task is cancelled first, the kernel settles the token and
 * calls `onCancel`. `host`: the wait is for the host (a socket), so a virtual-time loop
 * does not jump its clock past it. What `Aio.async` does for a callback, without a
 * registration closure, signal decision or node per wait.
 */
export const suspendOnHost = (f: Fiber, host: boolean, onCancel: () => void): AsyncToken => {
  const token = new AsyncToken(f, host);
  if (host) f._loop._hostPending(1);
  token.canceller = onCancel;
  f._waitingOn = token;
  f._runState = SUSPENDED;
  return token;
};

export const noop = (): void => {};

export const checkLimit = (what: string, limit: number | undefined): void => {
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw new RangeError(`${what}: limit must be a positive integer, got ${String(limit)}`);
};

export const checkPort = (what: string, port: number): void => {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`${what}: port must be an integer in 0..65535, got ${String(port)}`);
};
