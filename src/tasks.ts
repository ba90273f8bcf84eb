/**
 * Tasks (asyncio/tasks.py): `createTask`, `ensureFuture`, `currentTask`, `allTasks`,
 * `sleep`.
 *
 * @module tasks
 */
import { CreateTask, Future, Sync, Task, currentTask, getRunningLoop, peekRunningLoop, type Aio } from "./internal/core.js";
import type { EventLoop, TaskOptions } from "./events.js";

export { Task, currentTask };
export { sleep } from "./Aio.js";
export { MAX_STEPS_PER_TURN } from "./internal/core.js";

/**
 * Wraps `aio` in a Task on the running loop (asyncio.create_task). The task takes its
 * first step on a later loop iteration, in creation order.
 * @example
 * ```ts
 * import { Aio, createTask, run } from "aio-ts";
 * await run(Aio.gen(function* () {
 *   const t = yield* createTask(Aio.sleep(10, 5), { name: "five" });
 *   return (yield* t) + 1; // 6
 * }));
 * ```
 */
export const createTask = <A, E>(aio: Aio<A, E>, options?: TaskOptions): Aio<Task<A, E>> =>
  new CreateTask(aio, options);

/**
 * A Future for `x` (asyncio.ensure_future): a Future or Task is returned as it is; an Aio
 * is wrapped in a new Task.
 * @example
 * ```ts
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
 * ```ts
 * import { Aio, allTasks, run } from "aio-ts";
 * await run(Aio.sync(() => allTasks().size)); // 1: the main task
 * ```
 */
export const allTasks = (loop?: EventLoop): Set<Task<unknown, unknown>> => {
  const l = loop ?? peekRunningLoop();
  if (l === undefined) return new Set();
  return l.allTasks();
};
