/**
 * The options and hook types of the event loop (`TaskOptions`, `CallbackOptions`,
 * `EventLoopOptions`, `ExceptionContext`, `ExceptionHandler`, `TaskFactory`); events.ts
 * re-exports them.
 *
 * @module events
 */
import type { Aio } from "./Aio.js";
import { Context } from "./contextvars.js";
import { currentContextData, type ContextSlot } from "./internal/context.js";
import type { Task } from "./internal/fiber.js";
import type { Future } from "./internal/future.js";
import type { PublicEventLoop as EventLoop } from "./internal/loop.js";

/**
 * What the loop's exception handler receives (asyncio's context dict).
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * const loop = newEventLoop();
 * loop.setExceptionHandler((_loop, ctx) => console.error(ctx.message, ctx.exception));
 * ```
 */
export interface ExceptionContext {
  readonly message: string;
  readonly exception?: unknown;
  readonly future?: Future<unknown, unknown>;
  readonly task?: Task<unknown, unknown>;
  readonly handle?: unknown;
  /**
   * Debug mode: where the task was created (asyncio's `source_traceback`), its user
   * frames one per line, in the reports about a task ("never retrieved", "destroyed
   * but it is pending").
   */
  readonly sourceTraceback?: string;
}

/**
 * Handles an exception the loop caught in a callback (asyncio's exception handler).
 *
 * @example
 * ```ts
 * import type { ExceptionHandler } from "aio-ts";
 * const handler: ExceptionHandler = (_loop, ctx) => console.error(ctx.message);
 * ```
 */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/**
 * Makes the task for `loop.createTask` (asyncio's task factory).
 *
 * @example
 * ```ts
 * import { Task, type TaskFactory } from "aio-ts";
 * const named: TaskFactory = (loop, aio, opts) => new Task(loop, aio, opts?.name ?? "worker");
 * ```
 */
export type TaskFactory = <A, E>(
  loop: EventLoop,
  aio: Aio<A, E>,
  options: TaskOptions | undefined,
) => Task<A, E>;

/**
 * Options of `createTask`.
 *
 * @example
 * ```ts
 * import type { TaskOptions } from "aio-ts";
 * const opts: TaskOptions = { name: "fetcher" };
 * ```
 */
export interface TaskOptions {
  readonly name?: string | undefined;
  /**
   * The Context the task runs in (its `set`s write into it, as asyncio's
   * `create_task(coro, context=ctx)`); by default a copy of the current context.
   */
  readonly context?: Context | undefined;
}

/**
 * Options of `loop.callSoon` / `callLater` / `callAt`, given before the callback:
 * `loop.callSoon({ context }, fn, ...args)`.
 *
 * @example
 * ```ts runnable
 * import { ContextVar, copyContext, newEventLoop, type CallbackOptions } from "aio-ts";
 * const rid = new ContextVar("requestId", { default: "-" });
 * const opts: CallbackOptions = { context: copyContext() };
 * newEventLoop().callSoon(opts, () => console.log(rid.getNow()));
 * ```
 */
export interface CallbackOptions {
  /**
   * The Context the callback runs in (its `setNow`s write into it); by default a copy of
   * the context current when the callback was scheduled (asyncio's `context=None`).
   */
  readonly context?: Context | undefined;
}

/** @internal The context a callback scheduled now runs in: the one given, or a snapshot of the current one. */
export const callbackContext = (name: string, options: CallbackOptions): ContextSlot => {
  if (options === null || typeof options !== "object")
    throw new TypeError(
      `${name}: expected a callback or an options object, got ${options === null ? "null" : typeof options}`,
    );
  const ctx = options.context;
  if (ctx === undefined) return currentContextData();
  if (!(ctx instanceof Context)) throw new TypeError(`${name}: options.context must be a Context`);
  return ctx;
};

/**
 * Options of `newEventLoop`.
 *
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * const loop = newEventLoop({ virtualTime: true });
 * ```
 */
export interface EventLoopOptions {
  /** A clock that jumps to the next deadline whenever there is nothing else to do. */
  readonly virtualTime?: boolean;
  /**
   * Debug mode (asyncio's `debug=True`, see `EventLoop.setDebug`); by default on when the
   * process is in debug mode (`setDebug(true)`, `AIO_DEBUG=1`).
   */
  readonly debug?: boolean | undefined;
}
