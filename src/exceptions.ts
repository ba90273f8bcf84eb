/**
 * asyncio's exceptions (asyncio/exceptions.py) as tagged classes.
 *
 * Each class carries a literal `_tag`, so a `catch` can narrow with
 * `e instanceof CancelledError` or `e._tag === "CancelledError"`.
 *
 * @module exceptions
 */

/**
 * The operation was cancelled. Thrown into a coroutine at the `yield*` where it is
 * suspended when its task is cancelled (asyncio.CancelledError).
 *
 * @example
 * ```ts runnable
 * import { Aio, CancelledError } from "aio-ts";
 * const worker = Aio.gen(function* () {
 *   try {
 *     yield* Aio.sleep(3_600_000);
 *   } catch (e) {
 *     if (e instanceof CancelledError) console.log("cancelled:", e.message);
 *     throw e; // let the cancellation finish the task
 *   }
 * });
 * ```
 *
 * @example
 * ```ts
 * import { CancelledError } from "aio-ts";
 * const e = new CancelledError("client went away", { cause: "AbortError" });
 * e.cause; // "AbortError"
 * ```
 */
export class CancelledError extends Error {
  readonly _tag = "CancelledError" as const;
  /**
   * `options.cause`: why, when the cancellation came from outside the program (the
   * `AbortSignal`'s reason when `run(aio, { signal })` was aborted).
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "", options);
    this.name = "CancelledError";
  }
}

/**
 * A deadline passed (asyncio.TimeoutError). Raised by `waitFor`, `timeout` and the like;
 * its `cause` is then the `CancelledError` the deadline threw into the body, which the
 * TimeoutError replaced (asyncio: `raise TimeoutError from exc`).
 *
 * @example
 * ```ts
 * import { CancelledError, TimeoutError } from "aio-ts";
 * const e = new TimeoutError("too slow", { cause: new CancelledError() });
 * e._tag; // "TimeoutError"
 * e.cause instanceof CancelledError; // true
 * ```
 */
export class TimeoutError extends Error {
  readonly _tag = "TimeoutError" as const;
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "", options);
    this.name = "TimeoutError";
  }
}

/**
 * An operation was asked of a Future or Task in the wrong state, such as reading
 * `result()` of a pending future or setting a result twice (asyncio.InvalidStateError).
 *
 * @example
 * ```ts
 * import { InvalidStateError } from "aio-ts";
 * const e = new InvalidStateError("Result is not set.");
 * e._tag; // "InvalidStateError"
 * ```
 */
export class InvalidStateError extends Error {
  readonly _tag = "InvalidStateError" as const;
  constructor(message?: string) {
    super(message ?? "");
    this.name = "InvalidStateError";
  }
}

/**
 * The event loop was used in a way its state does not allow: running a closed loop,
 * running a loop twice at once, `getRunningLoop()` outside a program, `runSync` of a
 * program that suspends (asyncio raises RuntimeError for these).
 *
 * @example
 * ```ts
 * import { getRunningLoop, EventLoopError } from "aio-ts";
 * try { getRunningLoop(); } catch (e) { e instanceof EventLoopError; } // true
 * ```
 */
export class EventLoopError extends Error {
  readonly _tag = "EventLoopError" as const;
  constructor(message: string) {
    super(message);
    this.name = "EventLoopError";
  }
}
