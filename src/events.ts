/**
 * The event loop (asyncio's base_events.py + events.py): a FIFO ready queue, a timer heap
 * ordered by deadline then insertion, and one host timer armed at a time for the
 * earliest deadline.
 *
 * One iteration (`runOnce`), as asyncio's `_run_once`:
 * 1. move every timer whose deadline has come onto the ready queue, in deadline order;
 * 2. run the callbacks that are on the ready queue now; callbacks they schedule run in
 *    the next iteration.
 *
 * The loop runs iterations back to back inside one host callback until the ready queue is
 * empty (or a time slice of `HOST_SLICE_MS` is used up, so host I/O is not starved); then
 * it arms one host timer for the earliest deadline, or waits for a wake-up from outside
 * (a settled promise). When nothing is left, it holds no host handle, so the process can
 * exit.
 *
 * A virtual-time loop (`newEventLoop({ virtualTime: true })`) never waits: when the ready
 * queue is empty and no host operation (promise) is pending, its clock jumps to the next
 * deadline. Tests of timing use it: exact and instant.
 *
 * @module events
 */
import { BaseEventLoop } from "./base-events.js";
import { Context } from "./contextvars.js";
import { Aio as AioClass, type Aio } from "./internal/aio.js";
import { currentContextData, getRunningLoop, type ContextSlot } from "./internal/context.js";
import { Task } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { dumpTasks, taskInfo, type TaskInfo } from "./debug.js";
import { EventLoopError } from "./exceptions.js";
import * as Exit from "./Exit.js";
import { taskSite, userFrames } from "./internal/debug.js";
import { Handle, TimerHandle } from "./handles.js";
import {
  callbackContext,
  type CallbackOptions,
  type EventLoopOptions,
  type ExceptionContext,
  type ExceptionHandler,
  type TaskFactory,
  type TaskOptions,
} from "./loop-options.js";

export { getRunningLoop };
export { Handle, TimerHandle };
export type { TaskInfo };
export type {
  CallbackOptions,
  EventLoopOptions,
  ExceptionContext,
  ExceptionHandler,
  TaskFactory,
  TaskOptions,
} from "./loop-options.js";

export { BaseEventLoop } from "./base-events.js";

const checkFn = (name: string, fn: unknown): void => {
  if (typeof fn !== "function") throw new TypeError(`${name}: the callback must be a function, got ${typeof fn}`);
};

const checkTime = (name: string, value: unknown): number => {
  if (typeof value !== "number" || Number.isNaN(value))
    throw new RangeError(`${name}: expected a number of milliseconds, got ${String(value)}`);
  return value;
};

/** Registers `EventLoop` as the kernel's name for the loop (see `PublicTypes`). */
declare module "./internal/loop.js" {
  interface PublicTypes {
    readonly EventLoop: EventLoop;
  }
}

/**
 * An event loop (asyncio's AbstractEventLoop). Create one with `newEventLoop()`, or let
 * `run()` make and close one.
 *
 * @example
 * ```ts runnable
 * import { Aio, newEventLoop } from "aio-ts";
 * const loop = newEventLoop();
 * loop.callSoon(() => console.log("first"));
 * await loop.runUntilComplete(Aio.sleep(10));
 * loop.close();
 * ```
 */
export class EventLoop extends BaseEventLoop {
  // ----- running (the run itself is BaseEventLoop's, in base-events.ts) -------------

  /**
   * Runs the loop until `aw` (an Aio, a Task or a Future) is done; resolves with its
   * value or rejects with its failure (the typed error, the defect, or a
   * CancelledError). asyncio loop.run_until_complete.
   */
  runUntilComplete<A, E>(aw: Aio<A, E> | Future<A, E>): Promise<A> {
    return this.runUntilCompleteExit(aw).then(Exit.getOrThrow);
  }

  /** As `runUntilComplete`, but resolves with the `Exit` (never rejects for the program). */
  runUntilCompleteExit<A, E>(aw: Aio<A, E> | Future<A, E>): Promise<Exit.Exit<A, E>> {
    try {
      this._checkCanRun();
    } catch (e) {
      return Promise.reject(e);
    }
    const fut = aw instanceof Future ? aw : this.createTask(aw);
    if (fut.getLoop() !== this) return Promise.reject(new EventLoopError("The future belongs to another loop"));
    return new Promise((resolve, reject) => {
      const stopWhenDone = (): void => this.stop();
      fut.addDoneCallback(stopWhenDone);
      this._start((failed, error) => {
        if (failed) {
          fut.removeDoneCallback(stopWhenDone);
          reject(error);
        } else if (fut._exit === undefined) {
          fut.removeDoneCallback(stopWhenDone);
          reject(new EventLoopError("Event loop stopped before Future completed."));
        } else {
          fut._markRetrieved();
          resolve(fut._exit);
        }
      });
    });
  }

  /** Runs until `stop()` is called (asyncio loop.run_forever). */
  runForever(): Promise<void> {
    try {
      this._checkCanRun();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => this._start((failed, error) => (failed ? reject(error) : resolve())));
  }

  /**
   * Closes the loop: pending callbacks and timers are dropped, and failures nobody read
   * (and not reported yet, when their future was garbage-collected) are reported to the
   * exception handler. An error while running; harmless if closed.
   */
  close(): void {
    if (this._running) throw new EventLoopError("Cannot close a running event loop");
    if (this._closed) return;
    this._unreadFailures.reportAll();
    // asyncio logs "Task was destroyed but it is pending!" when such a task is collected.
    for (let t = this._taskHead; t !== null; t = t._nextTask) {
      const site = this._debug ? taskSite(t) : undefined;
      this.callExceptionHandler(
        site === undefined
          ? { message: "Task was destroyed but it is pending", task: t }
          : { message: "Task was destroyed but it is pending", task: t, sourceTraceback: userFrames(site).join("\n") },
      );
    }
    this._closed = true;
    this._ready.length = 0;
    this._timers.clear();
    this._disarmHostTimer();
  }

  // ----- debug mode ------------------------------------------------------------------

  /**
   * Turns debug mode on or off for this loop (asyncio's `loop.set_debug`). In debug mode a
   * callback or task step that holds the loop `slowCallbackDuration` ms or more is reported
   * (a process warning, code `AIO_SLOW_CALLBACK`), each task records where it was created
   * (shown by `dumpTasks` and in the "never retrieved" and "destroyed but pending"
   * reports), and the `Aio.gen` programs and `createTask` values made by its tasks are
   * reported if never run. Off, none of it costs anything. See docs/debugging.md.
   * @example
   * ```ts
   * import { newEventLoop } from "aio-ts";
   * const loop = newEventLoop();
   * loop.setDebug(true);
   * loop.getDebug(); // true
   * ```
   */
  setDebug(enabled: boolean): void {
    if (typeof enabled !== "boolean") throw new TypeError(`setDebug: expected a boolean, got ${typeof enabled}`);
    this._debug = enabled;
  }

  /**
   * Whether this loop is in debug mode (see `setDebug`).
   * @example
   * ```ts
   * import { newEventLoop } from "aio-ts";
   * newEventLoop({ debug: true }).getDebug(); // true
   * ```
   */
  getDebug(): boolean {
    return this._debug;
  }

  /**
   * In debug mode, a callback or task step taking this many milliseconds or more is
   * reported (asyncio's `slow_callback_duration`, there in seconds). Default 100. A
   * negative, NaN or infinite value is a RangeError, a non-number a TypeError.
   * @example
   * ```ts
   * import { newEventLoop } from "aio-ts";
   * const loop = newEventLoop({ debug: true });
   * loop.slowCallbackDuration = 20; // report steps of 20 ms or more
   * ```
   */
  get slowCallbackDuration(): number {
    return this._slowCallbackMs;
  }
  set slowCallbackDuration(value: number) {
    if (typeof value !== "number")
      throw new TypeError(`slowCallbackDuration: expected a number of milliseconds, got ${typeof value}`);
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`slowCallbackDuration: expected a finite number of milliseconds >= 0, got ${value}`);
    this._slowCallbackMs = value;
  }

  // ----- inspection (see also debug mode, above) ------------------------------------

  /**
   * The pending tasks, oldest first, each with what it is suspended on and its chain of
   * `Aio.gen` frames (see `TaskInfo`); creation sites and frame names in debug mode.
   * @example
   * ```ts runnable
   * import { Aio, createTask, getRunningLoop, run } from "aio-ts";
   * await run(Aio.gen(function* () {
   *   yield* createTask(Aio.sleep(1000), { name: "sleeper" });
   *   yield* Aio.yieldNow;
   *   return getRunningLoop().taskInfo().map((i) => `${i.name}: ${i.waitingOn}`);
   * })); // ["main: running", "sleeper: sleep until t=… ms (in … ms)"]
   * ```
   */
  taskInfo(): TaskInfo[] {
    return taskInfo(this);
  }

  /**
   * `taskInfo()` as readable text: an async stack dump of every pending task (asyncio has
   * none built in; its closest is `Task.print_stack` per task). See docs/debugging.md.
   * @example
   * ```ts runnable
   * import { Aio, getRunningLoop, run } from "aio-ts";
   * await run(Aio.sync(() => console.log(getRunningLoop().dumpTasks())), { debug: true });
   * ```
   */
  dumpTasks(): string {
    return dumpTasks(this);
  }

  // ----- scheduling ------------------------------------------------------------------

  /**
   * Schedules `fn(...args)` on the next iteration (asyncio loop.call_soon). Callbacks run
   * in the order they were scheduled, each in a copy of the context current now, or in
   * the Context given first: `callSoon({ context }, fn, ...args)`.
   */
  callSoon<Args extends readonly unknown[]>(fn: (...args: Args) => void, ...args: Args): Handle;
  callSoon<Args extends readonly unknown[]>(
    options: CallbackOptions,
    fn: (...args: Args) => void,
    ...args: Args
  ): Handle;
  callSoon(first: CallbackOptions | ((...args: never[]) => void), ...rest: unknown[]): Handle {
    this._checkClosed();
    let fn: unknown = first;
    let context: ContextSlot;
    if (typeof first === "function") context = currentContextData();
    else {
      context = callbackContext("callSoon", first);
      fn = rest.shift();
    }
    checkFn("callSoon", fn);
    const h = new Handle(fn as (...a: never[]) => void, rest, this, context);
    this._enqueue(h);
    return h;
  }

  /**
   * `callSoon` for callers outside the loop's own code (asyncio's call_soon_threadsafe).
   * JavaScript has one thread, so this is `callSoon` that also wakes an idle loop.
   */
  callSoonThreadsafe<Args extends readonly unknown[]>(fn: (...args: Args) => void, ...args: Args): Handle;
  callSoonThreadsafe<Args extends readonly unknown[]>(
    options: CallbackOptions,
    fn: (...args: Args) => void,
    ...args: Args
  ): Handle;
  callSoonThreadsafe(first: CallbackOptions | ((...args: never[]) => void), ...rest: unknown[]): Handle {
    return (this.callSoon as (first: unknown, ...rest: unknown[]) => Handle)(first, ...rest);
  }

  /**
   * Schedules `fn(...args)` after `delay` ms (asyncio loop.call_later). A negative delay
   * is a deadline in the past: due at once, and due timers run in deadline order (as
   * asyncio, `callLater(-1, a); callLater(-2, b)` runs b, then a). `Infinity` never fires.
   * NaN is a RangeError. Runs in a copy of the current context, or in the Context given
   * before the callback: `callLater(delay, { context }, fn, ...args)`.
   */
  callLater<Args extends readonly unknown[]>(delay: number, fn: (...args: Args) => void, ...args: Args): TimerHandle;
  callLater<Args extends readonly unknown[]>(
    delay: number,
    options: CallbackOptions,
    fn: (...args: Args) => void,
    ...args: Args
  ): TimerHandle;
  callLater(delay: number, first: CallbackOptions | ((...args: never[]) => void), ...rest: unknown[]): TimerHandle {
    checkTime("callLater", delay);
    return (this.callAt as (when: number, first: unknown, ...rest: unknown[]) => TimerHandle)(
      this.time() + delay,
      first,
      ...rest,
    );
  }

  /**
   * Schedules `fn(...args)` at loop time `when` (asyncio loop.call_at). A deadline already
   * past is due at once; due timers run in deadline order, ties in scheduling order.
   * `Infinity` never fires (and a virtual clock never jumps to it). NaN is a RangeError.
   * Runs in a copy of the current context, or in the Context given before the callback:
   * `callAt(when, { context }, fn, ...args)`.
   */
  callAt<Args extends readonly unknown[]>(when: number, fn: (...args: Args) => void, ...args: Args): TimerHandle;
  callAt<Args extends readonly unknown[]>(
    when: number,
    options: CallbackOptions,
    fn: (...args: Args) => void,
    ...args: Args
  ): TimerHandle;
  callAt(when: number, first: CallbackOptions | ((...args: never[]) => void), ...rest: unknown[]): TimerHandle {
    this._checkClosed();
    checkTime("callAt", when);
    let fn: unknown = first;
    let context: ContextSlot;
    if (typeof first === "function") context = currentContextData();
    else {
      context = callbackContext("callAt", first);
      fn = rest.shift();
    }
    checkFn("callAt", fn);
    const h = new TimerHandle(fn as (...a: never[]) => void, rest, this, context, when, this._nextSeq());
    this._addTimer(h);
    return h;
  }

  /** The number of timers still to run (a cancelled one stops counting at once). */
  pendingTimers(): number {
    return this._timers.size;
  }

  // ----- tasks and futures -----------------------------------------------------------

  /**
   * Wraps `aio` in a Task that takes its first step on a later iteration (asyncio
   * loop.create_task). Uses the task factory when one is set.
   */
  createTask<A, E>(aio: Aio<A, E>, options?: TaskOptions): Task<A, E> {
    this._checkClosed();
    if (!(aio instanceof AioClass))
      throw new TypeError(`createTask: expected an Aio, got ${aio === null ? "null" : typeof aio}`);
    const context = options?.context;
    if (context !== undefined && !(context instanceof Context))
      throw new TypeError("createTask: options.context must be a Context");
    if (this._taskFactory !== null) return this._taskFactory(this, aio, options);
    return new Task(this, aio, options?.name, false, context);
  }

  /** A new pending Future bound to this loop (asyncio loop.create_future). */
  createFuture<A, E = never>(): Future<A, E> {
    this._checkClosed();
    return new Future<A, E>(this);
  }

  /** Sets (or with `null`, clears) the factory `createTask` uses. */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null) checkFn("setTaskFactory", factory);
    this._taskFactory = factory;
  }

  /** The task factory, or `null` for the default. */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // ----- exceptions ------------------------------------------------------------------

  /** Sets (or with `null`, resets) the handler for exceptions caught by the loop. */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null) checkFn("setExceptionHandler", handler);
    this._exceptionHandler = handler;
  }

  /** The exception handler, or `null` for the default (which logs to stderr). */
  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** The default handler: logs the context with `console.error`. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const created = context.sourceTraceback;
    const where = created === undefined ? "" : `\nTask created at (most recent call first):\n    ${created.split("\n").join("\n    ")}`;
    console.error(`[aio-ts] ${context.message}${where}`, context.exception ?? "");
  }

  /**
   * Passes `context` to the exception handler. It never throws (asyncio's
   * call_exception_handler): a throwing custom handler is reported to the default one
   * ("Unhandled error in exception handler"), and a throwing default handler is logged
   * ("Exception in default exception handler"), so a broken handler cannot break the loop.
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      this._callDefaultHandler(context);
      return;
    }
    try {
      handler(this, context);
    } catch (e) {
      this._callDefaultHandler({ message: "Unhandled error in exception handler", exception: e });
      this._callDefaultHandler(context);
    }
  }

  /** @internal */
  protected _callDefaultHandler(context: ExceptionContext): void {
    try {
      this.defaultExceptionHandler(context);
    } catch (e) {
      try {
        console.error(`[aio-ts] Exception in default exception handler (while reporting: ${context.message})`, e);
      } catch {
        // Nothing is left to report with; the loop must go on.
      }
    }
  }

}

/**
 * A new event loop (asyncio.new_event_loop). Pass `{ virtualTime: true }` for a loop
 * whose clock jumps to the next deadline whenever it would wait: exact, instant tests.
 *
 * @example
 * ```ts
 * import { Aio, newEventLoop } from "aio-ts";
 * const loop = newEventLoop({ virtualTime: true });
 * await loop.runUntilComplete(Aio.sleep(60_000));
 * loop.time(); // 60000, at once
 * loop.close();
 * ```
 */
export const newEventLoop = (options?: EventLoopOptions): EventLoop => new EventLoop(options);
