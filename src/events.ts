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
import { EventLoopError } from "./exceptions.js";
import { Context } from "./contextvars.js";
import { Aio as AioClass, type Aio } from "./internal/aio.js";
import {
  currentContextData,
  setRunningLoop,
  getRunningLoop,
  peekRunningLoop,
  type ContextSlot,
} from "./internal/context.js";
import { Task } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { type LoopCore, type Runnable, type Timer } from "./internal/loop.js";
import { TimerHeap } from "./internal/heap.js";
import { UnreadFailures } from "./internal/unread.js";
import { debugMode, recordTaskSite, taskSite, userFrames } from "./internal/debug.js";
import { dumpTasks, runBatchDebug, taskInfo, type TaskInfo } from "./debug.js";
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
import * as Exit from "./Exit.js";

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

/**
 * How long (ms) the loop runs iterations inside one host callback before it lets the
 * host run I/O callbacks (it then continues in a `setImmediate`).
 * @example
 * ```ts
 * import { HOST_SLICE_MS } from "aio-ts";
 * console.log(`host I/O waits at most about ${HOST_SLICE_MS} ms behind busy fibers`);
 * ```
 */
export const HOST_SLICE_MS = 10;

/** The longest delay Node's setTimeout accepts. */
const MAX_HOST_DELAY = 2_147_483_647;

/** Callbacks between two checks of the host time slice. */
const SLICE_CHECK_EVERY = 256;
/** Callbacks between two readings of the clock for due timers and new deadlines. */
const CLOCK_EVERY = 64;

const realClock = (): number => performance.now();

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
 * ```ts
 * import { Aio, newEventLoop } from "aio-ts";
 * const loop = newEventLoop();
 * loop.callSoon(() => console.log("first"));
 * await loop.runUntilComplete(Aio.sleep(10));
 * loop.close();
 * ```
 */
export class EventLoop implements LoopCore {
  private _ready: Runnable[] = [];
  private _spare: Runnable[] = [];
  private readonly _timers = new TimerHeap<Timer>();
  private _seq = 0;
  private readonly _virtual: boolean;
  /** Virtual time; on a real-time loop, the last clock reading inside a host callback. */
  private _now = 0;
  private _sinceClock = 0;
  private readonly _clockStart: number;
  private _running = false;
  private _stopping = false;
  private _closed = false;
  private _inTick = false;
  private _tickQueued = false;
  private _hostTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _hostTimerWhen = Infinity;
  private _hostPendingCount = 0;
  /** Settles the promise of `runForever` / `runUntilComplete`: with `failed`, it rejects. */
  private _onStop: ((failed: boolean, error: unknown) => void) | undefined = undefined;
  /** Pending tasks, as an intrusive doubly linked list (cheaper than a Set per task). */
  private _taskHead: Task<unknown, unknown> | null = null;
  /** Failures nobody has read yet (asyncio's "exception was never retrieved" reports). */
  private readonly _unreadFailures = new UnreadFailures(this);
  private _exceptionHandler: ExceptionHandler | null = null;
  private _taskFactory: TaskFactory | null = null;
  /** Debug mode (see `setDebug`): the batch loop takes its timed variant, tasks record sites. */
  private _debug: boolean;
  private _slowCallbackMs = 100;
  private readonly _immediateTick = (): void => {
    this._tickQueued = false;
    this._runTick();
  };

  constructor(options: EventLoopOptions = {}) {
    this._virtual = options.virtualTime === true;
    const debug = options.debug;
    if (debug !== undefined && typeof debug !== "boolean")
      throw new TypeError(`newEventLoop: options.debug must be a boolean, got ${typeof debug}`);
    this._debug = debug ?? debugMode;
    this._clockStart = this._virtual ? 0 : realClock();
  }

  // ----- clock -----------------------------------------------------------------------

  /** The loop's monotonic clock, in milliseconds (virtual loops start at 0). */
  time(): number {
    return this._virtual ? this._now : realClock() - this._clockStart;
  }

  /**
   * @internal The clock for deciding which timers are due. Reading the host clock costs
   * about 150 ns here, so inside a host callback the loop reads it at the start and then
   * every `CLOCK_EVERY` callbacks. A stale reading can only make a timer run late, never
   * early: deadlines themselves are always computed from a fresh `time()`.
   */
  _clock(): number {
    return this._inTick && !this._virtual ? this._now : this.time();
  }

  private _readClock(): void {
    if (!this._virtual) this._now = realClock() - this._clockStart;
    this._sinceClock = 0;
  }

  /** Whether this loop runs on virtual time. */
  isVirtual(): boolean {
    return this._virtual;
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

  /**
   * The pending tasks, oldest first, each with what it is suspended on and its chain of
   * `Aio.gen` frames (see `TaskInfo`); creation sites and frame names in debug mode.
   * @example
   * ```ts
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
   * ```ts
   * import { Aio, getRunningLoop, run } from "aio-ts";
   * await run(Aio.sync(() => console.log(getRunningLoop().dumpTasks())), { debug: true });
   * ```
   */
  dumpTasks(): string {
    return dumpTasks(this);
  }

  // ----- state -----------------------------------------------------------------------

  /** Whether the loop is running (inside `runUntilComplete` or `runForever`). */
  isRunning(): boolean {
    return this._running;
  }

  /** Whether `close()` was called. */
  isClosed(): boolean {
    return this._closed;
  }

  private _checkClosed(): void {
    if (this._closed) throw new EventLoopError("Event loop is closed");
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

  /** The tasks of this loop that are not done yet. */
  allTasks(): Set<Task<unknown, unknown>> {
    const all = new Set<Task<unknown, unknown>>();
    for (let t = this._taskHead; t !== null; t = t._nextTask) all.add(t);
    return all;
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

  private _callDefaultHandler(context: ExceptionContext): void {
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

  // ----- running ---------------------------------------------------------------------

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
   * A closed loop, this loop already running, or another loop running now (synchronously
   * below us on the stack: we are inside one of its callbacks) is an error, as in asyncio.
   * A loop idle between host callbacks is not "running" in this sense.
   */
  private _checkCanRun(): void {
    this._checkClosed();
    if (this._running) throw new EventLoopError("This event loop is already running");
    if (peekRunningLoop() !== undefined)
      throw new EventLoopError(
        "Cannot run the event loop while another loop is running: inside a program, " +
          "wait with yield* (or start a task with createTask) instead of running a loop",
      );
  }

  /**
   * Stops the loop: the current iteration finishes, then `runForever` /
   * `runUntilComplete` return. Calling it before the loop runs makes the next run do one
   * iteration.
   */
  stop(): void {
    this._stopping = true;
    // Called from outside the loop (a promise callback) while it idles: wake it up.
    if (this._running && !this._inTick && !this._tickQueued) {
      this._tickQueued = true;
      queueMicrotask(this._immediateTick);
    }
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

  /**
   * Runs the callbacks that are ready now, synchronously, without waiting for timers.
   * For `runSync`.
   * @internal
   */
  _drainSync(): void {
    this._checkClosed();
    if (this._running) throw new EventLoopError("This event loop is already running");
    this._running = true;
    const prevLoop = setRunningLoop(this);
    this._inTick = true;
    this._readClock();
    try {
      while (this._ready.length > 0 && !this._stopping) this._runOnce();
    } finally {
      this._unreadFailures.flushFresh();
      this._inTick = false;
      this._running = false;
      this._stopping = false;
      setRunningLoop(prevLoop);
    }
  }

  private _start(onStop: (failed: boolean, error: unknown) => void): void {
    this._running = true;
    this._onStop = onStop;
    this._runTick();
  }

  /** Ends the run: the loop is not running any more, whatever happened. */
  private _finishRun(failed = false, error: unknown = undefined): void {
    this._running = false;
    this._stopping = false;
    this._disarmHostTimer();
    const onStop = this._onStop;
    this._onStop = undefined;
    onStop?.(failed, error);
  }

  /**
   * One host callback's worth of work: iterations back to back until the ready queue is
   * empty, the loop is stopped, or the time slice is used up.
   */
  private _runTick(): void {
    if (!this._running || this._inTick) return;
    this._inTick = true;
    const prevLoop = setRunningLoop(this);
    this._readClock();
    // One clock read per tick (each costs about 40 ns): the slice ends HOST_SLICE_MS after it.
    const sliceEnd = (this._virtual ? realClock() : this._now + this._clockStart) + HOST_SLICE_MS;
    let sinceSliceCheck = 0;
    // Callbacks' exceptions go to the handler (which never throws), so only an internal
    // error lands here; it ends the run (rejecting its promise), never leaves the loop
    // marked running with nobody to drive it.
    let internalError: { readonly error: unknown } | undefined = undefined;
    try {
      for (;;) {
        sinceSliceCheck += this._runOnce();
        if (this._stopping) break;
        if (this._ready.length > 0) {
          // Check the time slice every SLICE_CHECK_EVERY callbacks (clock reads cost).
          if (sinceSliceCheck < SLICE_CHECK_EVERY) continue;
          sinceSliceCheck = 0;
          if (realClock() < sliceEnd) continue;
          this._queueImmediate();
          return;
        }
        if (this._timers.size === 0) {
          // Idle: a wake-up from outside restarts us. A host timer kept for a removed
          // deadline (see _armHostTimer) must not hold the process open meanwhile.
          this._disarmHostTimer();
          return;
        }
        if (!this._virtual) {
          this._armHostTimer();
          return;
        }
        if (this._hostPendingCount > 0) return; // wait for the host before jumping time
        // Only infinite deadlines left: they never come, so the virtual clock does not
        // jump to Infinity; idle like a loop without timers (as asyncio waits forever).
        if (this._timers.peek()!._when === Infinity) return;
        if (!this._tickQueued) {
          // Let the host settle promises once before the virtual clock jumps.
          this._queueImmediate();
          return;
        }
        return;
      }
    } catch (e) {
      internalError = { error: e };
    } finally {
      this._inTick = false;
      setRunningLoop(prevLoop);
      this._unreadFailures.flushFresh();
    }
    if (internalError !== undefined) this._finishRun(true, internalError.error);
    else this._finishRun();
  }

  private _queueImmediate(): void {
    if (this._tickQueued) return;
    this._tickQueued = true;
    setImmediate(this._virtual ? this._virtualTick : this._immediateTick);
  }

  /** Virtual time: called when the host had a turn; jumps the clock if still idle. */
  private readonly _virtualTick = (): void => {
    this._tickQueued = false;
    if (!this._running) return;
    if (this._ready.length === 0 && this._hostPendingCount === 0) {
      const top = this._timers.peek();
      if (top !== undefined && top._when > this._now && top._when !== Infinity) this._now = top._when;
    }
    this._runTick();
  };

  /** asyncio's _run_once: due timers onto the ready queue, then one batch of callbacks. */
  private _runOnce(): number {
    const timers = this._timers;
    if (this._sinceClock >= CLOCK_EVERY) this._readClock();
    if (timers.size > 0) {
      const now = this._clock();
      let top = timers.peek();
      while (top !== undefined && top._when <= now) {
        timers.pop();
        this._ready.push(top);
        top = timers.peek();
      }
    }
    const batch = this._ready;
    const n = batch.length;
    if (n === 0) return 0;
    this._ready = this._spare;
    // Debug mode takes the timed variant of this loop (src/debug.ts): one test per batch.
    if (this._debug) runBatchDebug(this, batch);
    else
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i]!;
        try {
          r._run();
        } catch (e) {
          this.callExceptionHandler({ message: "Exception in callback", exception: e, handle: r });
        }
      }
    batch.length = 0;
    this._spare = batch;
    this._sinceClock += n;
    return n;
  }

  /**
   * Arms the one host timer for the earliest deadline. A host timer already armed for
   * that deadline or an earlier one is kept: when it fires early it finds nothing due and
   * re-arms. So a deadline armed and removed per operation (waitFor, timeout around work
   * that finishes first) costs no setTimeout/clearTimeout pair each time (S6p: a third
   * of its time went to Node's timer list), only one early wake-up per removed earliest
   * deadline. With no timer left the host timer is cleared, so a stale one never keeps
   * an idle process alive.
   */
  private _armHostTimer(): void {
    const top = this._timers.peek();
    if (top === undefined) return this._disarmHostTimer();
    if (this._hostTimer !== undefined && this._hostTimerWhen <= top._when) return;
    this._disarmHostTimer();
    // Node's timers take at most 2^31-1 ms; a later deadline is re-armed when that fires.
    const delay = Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(top._when - this.time())));
    this._hostTimerWhen = top._when;
    this._hostTimer = setTimeout(this._onHostTimer, delay);
  }

  private readonly _onHostTimer = (): void => {
    this._hostTimer = undefined;
    this._hostTimerWhen = Infinity;
    this._runTick();
  };

  private _disarmHostTimer(): void {
    if (this._hostTimer !== undefined) {
      clearTimeout(this._hostTimer);
      this._hostTimer = undefined;
      this._hostTimerWhen = Infinity;
    }
  }

  // ----- LoopCore: what fibers and futures call ----------------------------------------

  /** @internal */
  _enqueue(r: Runnable): void {
    this._ready.push(r);
    if (this._running && !this._inTick && !this._tickQueued) {
      // A wake-up from outside the loop (a settled promise): run soon, in a microtask.
      this._tickQueued = true;
      queueMicrotask(this._immediateTick);
    }
  }

  /** @internal */
  _addTimer(t: Timer): void {
    this._timers.push(t);
    if (this._running && !this._inTick && !this._virtual) this._armHostTimer();
  }

  /** @internal */
  _removeTimer(t: Timer): void {
    this._timers.remove(t);
  }

  /** @internal */
  _nextSeq(): number {
    return ++this._seq;
  }

  /** @internal */
  _taskStarted(t: Task<unknown, unknown>): void {
    if (this._debug) recordTaskSite(t);
    const head = this._taskHead;
    t._nextTask = head;
    if (head !== null) head._prevTask = t;
    this._taskHead = t;
  }

  /** @internal */
  _taskDone(t: Task<unknown, unknown>): void {
    const prev = t._prevTask;
    const next = t._nextTask;
    if (prev !== null) prev._nextTask = next;
    else if (this._taskHead === t) this._taskHead = next;
    if (next !== null) next._prevTask = prev;
    t._prevTask = t._nextTask = null;
  }

  /** @internal A future failed and nobody has read the failure yet. */
  _noteUnretrieved(f: Future<unknown, unknown>): void {
    this._unreadFailures.note(f, this._inTick);
  }

  /** @internal The failure of `f`, noted by `_noteUnretrieved`, was read. */
  _retrieved(f: Future<unknown, unknown>): void {
    this._unreadFailures.retrieved(f);
  }

  /** @internal */
  _hostPending(delta: number): void {
    this._hostPendingCount += delta;
    if (delta < 0 && this._hostPendingCount === 0 && this._running && !this._inTick && this._virtual)
      this._queueImmediate();
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
