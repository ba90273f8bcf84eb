/**
 * Where a program runs: the running-loop slot (asyncio's `_get_running_loop`), the fiber
 * whose code runs now, and the context (contextvars) that code sees. Leaf module: the
 * fiber run loop (internal/fiber.ts) writes these slots, events.ts sets the running loop,
 * contextvars.ts reads and writes the context.
 * @internal
 */
import { EventLoopError } from "../exceptions.js";
import type { PublicEventLoop as EventLoop } from "./loop.js";

let runningLoop: EventLoop | undefined = undefined;

/** @internal Sets the loop that is running now; returns the previous one. */
export const setRunningLoop = (loop: EventLoop | undefined): EventLoop | undefined => {
  const prev = runningLoop;
  runningLoop = loop;
  return prev;
};

/**
 * The event loop running the current program (asyncio.get_running_loop). Throws an
 * `EventLoopError` when called outside a running loop.
 *
 * @example
 * ```ts runnable
 * import { Aio, getRunningLoop, run } from "aio-ts";
 * await run(Aio.sync(() => getRunningLoop().time()));
 * ```
 */
export const getRunningLoop = (): EventLoop => {
  if (runningLoop === undefined) throw new EventLoopError("no running event loop");
  return runningLoop;
};

/** @internal the running loop, or undefined. */
export const peekRunningLoop = (): EventLoop | undefined => runningLoop;

// Context variables (contextvars.ts keeps the API; here is only where a context lives).

/**
 * @internal A context's values: a Map that is never mutated once anyone can see it (a
 * `set` makes a new one), so copying a context is copying this pointer.
 */
export type ContextData = ReadonlyMap<object, unknown>;

/**
 * @internal What a task, or code outside tasks, runs in: either a snapshot it owns (a
 * `set` replaces the slot with a new Context holding the new data: it is boxed on its
 * first write) or a `Context` it was given or has boxed (a `set` writes into it).
 */
export type ContextSlot = ContextData | { _data: ContextData };

/** @internal The empty context: every task starts with it while no variable is set. */
export const EMPTY_CONTEXT: ContextData = new Map();

/**
 * @internal The context of code running outside any task: the program's top level, and
 * (while one runs) a loop callback (`Handle._run` sets and restores it).
 */
export const outerContext: { slot: ContextSlot } = { slot: EMPTY_CONTEXT };

/** @internal What the context slot needs of a fiber: the context it runs in. */
export interface ContextHolder {
  _context: ContextSlot;
}

let currentFiber: ContextHolder | undefined = undefined;

/**
 * @internal The fiber whose code is running now (a `Task`; `currentTask` in
 * internal/fiber.ts gives it its type), or undefined outside a task.
 */
export const runningFiber = (): ContextHolder | undefined => currentFiber;

/** @internal Makes `f` the running fiber (the run loop, around a run); returns the previous one. */
export const setRunningFiber = (f: ContextHolder | undefined): ContextHolder | undefined => {
  const prev = currentFiber;
  currentFiber = f;
  return prev;
};

/** @internal The data of the current context (what a copy of it holds). */
export const currentContextData = (): ContextData => {
  const s = currentFiber !== undefined ? currentFiber._context : outerContext.slot;
  return s instanceof Map ? s : (s as { _data: ContextData })._data;
};
