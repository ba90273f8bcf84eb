/**
 * Tasks (asyncio/tasks.py): `createTask`, `ensureFuture`, `currentTask`, `allTasks`,
 * `sleep`.
 *
 * @module tasks
 */
import { Aio as AioClass, DONE_RESULT, inlineStep, type Aio, type YieldOf, type Fiber } from "./internal/aio.js";
import { getRunningLoop, peekRunningLoop } from "./internal/context.js";
import { Task, currentTask } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { Sync } from "./internal/primitives.js";
import { callSite, debugActive, debugMode, markRun, setDebugMode, trackUntilRun } from "./internal/debug.js";
import type { EventLoop, TaskOptions } from "./events.js";

export { Task, currentTask };
export { sleep } from "./Aio.js";

/** `createTask(aio)`: makes the task on the running loop (inline under `yield*`). */
class CreateTask<A, E> extends AioClass<Task<A, E>, never> {
  constructor(
    readonly aio: Aio<A, E>,
    readonly options: { readonly name?: string | undefined } | undefined,
  ) {
    super();
  }
  private make(): Task<A, E> {
    return getRunningLoop().createTask(this.aio, this.options);
  }
  _eval(f: Fiber): AioClass<unknown, unknown> | null {
    f._v = this.make();
    return f._ret();
  }
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Task<A, E>> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    DONE_RESULT.value = this.make();
    return DONE_RESULT as IteratorReturnResult<Task<A, E>>;
  }
}

/**
 * Wraps `aio` in a Task on the running loop (asyncio.create_task). The task takes its
 * first step on a later loop iteration, in creation order.
 *
 * The result is lazy, like every Aio: the task is made when it runs (`yield*` it), and a
 * `createTask(x)` written without `yield*` starts nothing. In debug mode (`setDebug(true)`
 * or `AIO_DEBUG=1`) such an Aio is reported once it is garbage-collected without ever
 * having run: a process warning (`AioWarning`, code `AIO_TASK_NEVER_RUN`) naming where it
 * was made, as asyncio's "coroutine … was never awaited".
 * @example
 * ```ts runnable
 * import { Aio, createTask, run } from "aio-ts";
 * await run(Aio.gen(function* () {
 *   const t = yield* createTask(Aio.sleep(10, 5), { name: "five" });
 *   return (yield* t) + 1; // 6
 * }));
 * ```
 */
export const createTask = <A, E>(aio: Aio<A, E>, options?: TaskOptions): Aio<Task<A, E>> => {
  if (!debugActive) return new CreateTask(aio, options);
  const tracked = new TrackedCreateTask(aio, options);
  const what = options?.name === undefined ? "createTask(…)" : `createTask(…, { name: ${JSON.stringify(options.name)} })`;
  trackUntilRun(tracked, { what, site: callSite(createTask) });
  return tracked;
};

/** A `createTask` Aio made in debug mode: the first run withdraws its never-run report. */
class TrackedCreateTask<A, E> extends CreateTask<A, E> {
  override _eval(f: Fiber): ReturnType<CreateTask<A, E>["_eval"]> {
    markRun(this);
    return super._eval(f);
  }
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Task<A, E>> {
    markRun(this);
    return super.next(sent);
  }
}

/**
 * Turns debug mode on or off for the process (asyncio's `loop.set_debug`; on at start-up
 * when the environment has `AIO_DEBUG=1`). In debug mode an Aio made by `createTask` that
 * is garbage-collected without having run, and one made by `tg.createTask` that has not
 * run when its group ends, are reported as a process warning (`AioWarning`, code
 * `AIO_TASK_NEVER_RUN`) naming where it was made: the trace of a forgotten `yield*`.
 * Only Aios made while it is on are checked. Off, it costs nothing.
 * @example
 * ```ts runnable
 * import { Aio, createTask, run, setDebug } from "aio-ts";
 * setDebug(true);
 * await run(Aio.gen(function* () {
 *   createTask(Aio.sleep(10)); // forgot yield*: reported once collected
 * }));
 * ```
 */
export const setDebug = (enabled: boolean): void => {
  if (typeof enabled !== "boolean") throw new TypeError(`setDebug: expected a boolean, got ${typeof enabled}`);
  setDebugMode(enabled);
};

/**
 * Whether debug mode is on (see `setDebug`).
 * @example
 * ```ts
 * import { getDebug } from "aio-ts";
 * getDebug(); // false unless AIO_DEBUG=1 or setDebug(true)
 * ```
 */
export const getDebug = (): boolean => debugMode;

/**
 * A Future for `x` (asyncio.ensure_future): a Future or Task is returned as it is; an Aio
 * is wrapped in a new Task.
 * @example
 * ```ts runnable
 * import { Aio, ensureFuture, run } from "aio-ts";
 * await run(Aio.gen(function* () {
 *   const t = yield* ensureFuture(Aio.succeed(1));
 *   return yield* t;
 * }));
 * ```
 */
export const ensureFuture = <A, E>(x: Aio<A, E> | Future<A, E>, options?: TaskOptions): Aio<Future<A, E>> =>
  new Sync(() => (x instanceof Future ? x : getRunningLoop().createTask(x, options)));

/**
 * The tasks of `loop` (the running loop by default) that are not done yet
 * (asyncio.all_tasks).
 * @example
 * ```ts runnable
 * import { Aio, allTasks, run } from "aio-ts";
 * await run(Aio.sync(() => allTasks().size)); // 1: the main task
 * ```
 */
export const allTasks = (loop?: EventLoop): Set<Task<unknown, unknown>> => {
  const l = loop ?? peekRunningLoop();
  if (l === undefined) return new Set();
  return l.allTasks();
};
