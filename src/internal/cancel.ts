/**
 * Cancellation delivery (asyncio's `Task.cancel` and `__step`'s check): how a request
 * reaches a fiber. A suspended, interruptible fiber is detached from what it waits on and
 * woken with the interruption; one waiting on a task passes the request down that task;
 * anything else keeps it pending (`_mustCancel`) until its next suspension point. The
 * run loop (internal/fiber.ts) calls these; they see the fiber only as a `CancelTarget`.
 * @internal
 */
import * as Cause from "../Cause.js";
import { CancelledError } from "../exceptions.js";
import { Aio, SUSPENDED, type Fiber, type Next } from "./aio.js";
import { AsyncToken, FiberTimer } from "./async.js";
import { AwaitFuture, Future } from "./future.js";

/** @internal What cancellation delivery reads and writes of a fiber (a `Task`). */
export interface CancelTarget extends Fiber {
  /** The task's outcome, once finished. */
  readonly _exit: unknown;
  /** Cancellation requests not withdrawn by `uncancel()`. */
  _numCancels: number;
  /** The message of the last cancellation request. */
  _cancelMsg: string | undefined;
}

/** Whether a future is a fiber's (a task's): only a fiber is woken from a future. */
const isFiber = (w: Future<unknown, unknown>): w is Future<unknown, unknown> & CancelTarget =>
  typeof (w as Partial<Fiber>)._wakeFromFuture === "function";

/** Resumes a fiber whose wait was cancelled: fails with an interruption (`_cancelMsg`). */
class DeliverCancel extends Aio<never, never> {
  _eval(f: Fiber): Next {
    f._cause = Cause.interrupt(f._cancelMsg);
    return f._fail();
  }
}
const DELIVER_CANCEL = new DeliverCancel();

/**
 * @internal Requests cancellation of the unfinished `task` (`Task.cancel`). A task
 * waiting on a task passes the cancellation down (asyncio's `_fut_waiter.cancel(msg)`),
 * which may wait on another task, and so on: the chain is walked in a loop, not by
 * recursion, so cancelling a 10^6-deep chain of awaits cannot overflow the JS stack.
 * Each link counts the request, as its own `cancel`.
 */
export const requestCancel = (task: CancelTarget, msg: string | undefined): boolean => {
  let t = task;
  for (;;) {
    t._numCancels++;
    if (t._runState === SUSPENDED && t._interruptible) {
      const w = t._waitingOn;
      if (w instanceof Future) {
        if (isFiber(w)) {
          if (w._exit === undefined) {
            t = w;
            continue;
          }
        } else if (w.cancel(msg)) {
          // Waiting on a future: cancelled; its completion wakes `t` with the
          // CancelledError.
          return true;
        }
      } else {
        // Waiting on a timer or a callback: detach from it and wake with the
        // CancelledError (as asyncio, where that wait would be a cancelled future).
        detach(t, msg);
        t._cancelMsg = msg;
        t._scheduleResume(DELIVER_CANCEL);
        return true;
      }
    }
    // Running, scheduled, uninterruptible, or its future is already done: deliver at
    // its next suspension point (or when its region ends).
    t._mustCancel = true;
    t._cancelMsg = msg;
    return true;
  }
};

/**
 * Detaches `f` from what it waits on (timer, callback). A callback's signal is aborted
 * with a `CancelledError` carrying the cancel message, so an aborted `fetch` rejects with
 * it (and `signal.reason` says why); its canceller is called.
 */
const detach = (f: Fiber, msg: string | undefined): void => {
  const w = f._waitingOn;
  f._waitingOn = null;
  if (w instanceof FiberTimer) f._loop._removeTimer(w);
  else if (w instanceof AsyncToken) {
    // A promise nobody waits for any more must not hold the virtual clock.
    w.release();
    w.controller?.abort(new CancelledError(msg));
    if (w.canceller !== undefined) {
      try {
        w.canceller();
      } catch (e) {
        f._loop.callExceptionHandler({ message: "exception in a canceller", exception: e, task: f });
      }
    }
  }
};

/** @internal Whether `next` resumes a fiber with a future's failure (not its cancellation). */
export const wokenByFailure = (next: Aio<unknown, unknown> | null): boolean => {
  if (!(next instanceof AwaitFuture)) return false;
  const exit = (next.future as Future<unknown, unknown>)._exit;
  return exit !== undefined && exit._tag === "Failure" && exit.cause._tag !== "Interrupt";
};
