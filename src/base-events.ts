/**
 * The machinery of the event loop (asyncio's base_events.py): the ready queue, the timer
 * heap and the one host timer, the clock, starting and stopping a run, one iteration
 * (`_runOnce`), and what fibers and futures call (`LoopCore`). `EventLoop` (events.ts)
 * adds the public API on top: scheduling, tasks, the exception handler, `runUntilComplete`
 * / `runForever` / `close`, and debug mode's switches.
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
 * @module base-events
 */
import { EventLoopError } from "./exceptions.js";
import type { Aio } from "./internal/aio.js";
import { setRunningLoop, peekRunningLoop } from "./internal/context.js";
import type { Task } from "./internal/fiber.js";
import type { Future } from "./internal/future.js";
import type { LoopCore, PublicTypes, Runnable, Timer } from "./internal/loop.js";
import { TimerHeap } from "./internal/heap.js";
import { UnreadFailures } from "./internal/unread.js";
import { debugMode, recordTaskSite } from "./internal/debug.js";
import { runBatchDebug } from "./debug.js";
import type { EventLoopOptions, ExceptionContext, ExceptionHandler, TaskFactory, TaskOptions } from "./loop-options.js";
import type * as Exit from "./Exit.js";

/** The public loop type, as the kernel names it (events.ts registers `EventLoop`). */
type PublicLoop = PublicTypes["EventLoop"];

/**
 * How long (ms) the loop runs iterations inside one host callback before it lets the
 * host run I/O callbacks (it then continues in a `setImmediate`). A tuning constant, not
 * public API (tests import it from here).
 * @internal
 */
export const HOST_SLICE_MS = 10;

/** The longest delay Node's setTimeout accepts. */
const MAX_HOST_DELAY = 2_147_483_647;

/** Callbacks between two checks of the host time slice. */
const SLICE_CHECK_EVERY = 256;
/** Callbacks between two readings of the clock for due timers and new deadlines. */
const CLOCK_EVERY = 64;

const realClock = (): number => performance.now();

/**
 * Runs `fn` in a microtask, as `queueMicrotask` does (same queue, same order), for the
 * loop's wake-up from outside (a promise settled into a fiber): Node's `queueMicrotask`
 * wraps each callback in an `AsyncResource` (measured 64 to 150 ns a call against 28 for
 * a reaction on a resolved promise), paid once per resolved promise in S6p.
 */
const RESOLVED: Promise<void> = Promise.resolve();
const inMicrotask = (fn: () => void): void => {
  void RESOLVED.then(fn);
};

/**
 * The loop's machinery under `EventLoop` (asyncio's `BaseEventLoop`): programs use
 * `EventLoop` (`newEventLoop()`, `getRunningLoop()`); this class is where the run loop is.
 * @example
 * ```ts
 * import { newEventLoop, type BaseEventLoop } from "aio-ts";
 * const loop: BaseEventLoop = newEventLoop();
 * loop.isRunning(); // false
 * loop.close();
 * ```
 */
export abstract class BaseEventLoop implements LoopCore {
  /** @internal */
  protected _ready: Runnable[] = [];
  /** @internal */
  protected _spare: Runnable[] = [];
  /** @internal */
  protected readonly _timers = new TimerHeap<Timer>();
  /** @internal */
  protected _seq = 0;
  /** @internal */
  protected readonly _virtual: boolean;
  /** @internal Virtual time; on a real-time loop, the last clock reading inside a host callback. */
  protected _now = 0;
  /** @internal */
  protected _sinceClock = 0;
  /** @internal */
  protected readonly _clockStart: number;
  /** @internal */
  protected _running = false;
  /** @internal */
  protected _stopping = false;
  /** @internal */
  protected _closed = false;
  /** @internal */
  protected _inTick = false;
  /** @internal */
  protected _tickQueued = false;
  /** @internal */
  protected _hostTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** @internal */
  protected _hostTimerWhen = Infinity;
  /** @internal */
  protected _hostPendingCount = 0;
  /** @internal Settles the promise of `runForever` / `runUntilComplete`: with `failed`, it rejects. */
  protected _onStop: ((failed: boolean, error: unknown) => void) | undefined = undefined;
  /** @internal Pending tasks, as an intrusive doubly linked list (cheaper than a Set per task). */
  protected _taskHead: Task<unknown, unknown> | null = null;
  /** @internal Failures nobody has read yet (asyncio's "exception was never retrieved" reports). */
  protected readonly _unreadFailures = new UnreadFailures(this);
  /** @internal */
  protected _exceptionHandler: ExceptionHandler | null = null;
  /** @internal */
  protected _taskFactory: TaskFactory | null = null;
  /** @internal Debug mode (see `setDebug`): the batch loop takes its timed variant, tasks record sites. */
  protected _debug: boolean;
  /** @internal */
  protected _slowCallbackMs = 100;
  /** @internal */
  protected readonly _immediateTick = (): void => {
    this._tickQueued = false;
    this._runTick();
  };
  /** @internal The tick `_enqueue` and `stop` queue as a microtask: a wake from outside (see `_runTick`). */
  protected readonly _microtaskTick = (): void => {
    this._tickQueued = false;
    this._runTick(false);
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
   * 60 to 150 ns, so the loop reads it at the start of a tick (not one woken from
   * outside, see `_runTick`) and then every `CLOCK_EVERY` callbacks. A stale reading can
   * only make a timer run late, never early: deadlines themselves are always computed
   * from a fresh `time()`.
   */
  _clock(): number {
    return this._inTick && !this._virtual ? this._now : this.time();
  }

  /** @internal */
  protected _readClock(): void {
    if (!this._virtual) this._now = realClock() - this._clockStart;
    this._sinceClock = 0;
  }

  /** Whether this loop runs on virtual time. */
  isVirtual(): boolean {
    return this._virtual;
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

  /** @internal */
  protected _checkClosed(): void {
    if (this._closed) throw new EventLoopError("Event loop is closed");
  }

  /** The tasks of this loop that are not done yet. */
  allTasks(): Set<Task<unknown, unknown>> {
    const all = new Set<Task<unknown, unknown>>();
    for (let t = this._taskHead; t !== null; t = t._nextTask) all.add(t);
    return all;
  }

  // ----- running ---------------------------------------------------------------------

  /**
   * A closed loop, this loop already running, or another loop running now (synchronously
   * below us on the stack: we are inside one of its callbacks) is an error, as in asyncio.
   * A loop idle between host callbacks is not "running" in this sense.
   * @internal
   */
  protected _checkCanRun(): void {
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
      inMicrotask(this._microtaskTick);
    }
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
    const prevLoop = setRunningLoop(this as unknown as PublicLoop);
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

  /** @internal */
  protected _start(onStop: (failed: boolean, error: unknown) => void): void {
    this._running = true;
    this._onStop = onStop;
    this._runTick();
  }

  /** @internal Ends the run: the loop is not running any more, whatever happened. */
  protected _finishRun(failed = false, error: unknown = undefined): void {
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
   * @internal
   */
  protected _runTick(readClock = true): void {
    if (!this._running || this._inTick) return;
    this._inTick = true;
    const prevLoop = setRunningLoop(this as unknown as PublicLoop);
    // A tick woken from outside (a settled promise, a host callback: `readClock` false)
    // goes on with the last reading, refreshed as usual after CLOCK_EVERY callbacks,
    // counted across ticks: a clock read costs about 60 ns, and such ticks often run one
    // callback (S6p: one of the two reads per call). A stale reading only makes a timer
    // run late, never early (deadlines are computed from a fresh `time()`); a timer that
    // falls due meanwhile has its host timer, and the count bounds the lateness when
    // promise reactions keep the host from reaching its timers.
    if (readClock) this._readClock();
    // The slice ends HOST_SLICE_MS after the tick's clock reading (or, without one, after
    // the first slice check): each read costs, so the slice is checked every SLICE_CHECK_EVERY.
    let sliceEnd = readClock ? (this._virtual ? realClock() : this._now + this._clockStart) + HOST_SLICE_MS : -1;
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
          if (sliceEnd < 0) sliceEnd = realClock() + HOST_SLICE_MS;
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

  /** @internal */
  protected _queueImmediate(): void {
    if (this._tickQueued) return;
    this._tickQueued = true;
    setImmediate(this._virtual ? this._virtualTick : this._immediateTick);
  }

  /** @internal Virtual time: called when the host had a turn; jumps the clock if still idle. */
  protected readonly _virtualTick = (): void => {
    this._tickQueued = false;
    if (!this._running) return;
    if (this._ready.length === 0 && this._hostPendingCount === 0) {
      const top = this._timers.peek();
      if (top !== undefined && top._when > this._now && top._when !== Infinity) this._now = top._when;
    }
    this._runTick();
  };

  /** @internal asyncio's _run_once: due timers onto the ready queue, then one batch of callbacks. */
  protected _runOnce(): number {
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
    // Emptied by pops, not `length = 0`: setting the length is a runtime call that also
    // drops the backing store, so the next push allocates a new one (S6p: one batch of
    // one callback per call). A large batch is cut at once rather than popped.
    if (n <= 16) while (batch.length > 0) batch.pop();
    else batch.length = 0;
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
   * @internal
   */
  protected _armHostTimer(): void {
    const top = this._timers.peek();
    if (top === undefined) return this._disarmHostTimer();
    if (this._hostTimer !== undefined && this._hostTimerWhen <= top._when) return;
    this._disarmHostTimer();
    // Node's timers take at most 2^31-1 ms; a later deadline is re-armed when that fires.
    const delay = Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(top._when - this.time())));
    this._hostTimerWhen = top._when;
    this._hostTimer = setTimeout(this._onHostTimer, delay);
  }

  /** @internal */
  protected readonly _onHostTimer = (): void => {
    this._hostTimer = undefined;
    this._hostTimerWhen = Infinity;
    this._runTick();
  };

  /** @internal */
  protected _disarmHostTimer(): void {
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
      inMicrotask(this._microtaskTick);
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

  /**
   * @internal For a host callback that wakes a task (a socket's data for the reader
   * waiting on it, a settled promise for `Aio.promise`): when the loop is idle (running,
   * not in a tick, nothing ready or queued, so nothing waits to go first) and no loop is
   * running on this stack (the callback is a host entry point, not code inside some
   * loop's tick), what `wake()` puts on the ready queue runs now, in a tick of its own
   * inside the callback, instead of in a microtask after it: one microtask hop (and its
   * async-hooks resource) less per wake. Otherwise, and on a virtual-time loop, `wake()`
   * just enqueues as usual.
   */
  _wakeFromHost(wake: () => void): void {
    if (!this._hostWakeBegin()) return wake();
    try {
      wake();
    } finally {
      this._hostWakeEnd();
    }
  }

  /** @internal The first half of `_wakeFromHost`, for callers that pass an argument. */
  _hostWakeBegin(): boolean {
    if (!this._running || this._inTick || this._tickQueued || this._virtual || peekRunningLoop() !== undefined)
      return false;
    this._inTick = true; // so `_enqueue` does not queue the microtask tick
    return true;
  }

  /** @internal The second half of `_wakeFromHost`. */
  _hostWakeEnd(): void {
    this._inTick = false;
    if (this._ready.length > 0) this._runTick(false);
  }

  // ----- the public API that EventLoop (events.ts) implements --------------------------

  /** Passes `context` to the exception handler (see `EventLoop.callExceptionHandler`). */
  abstract callExceptionHandler(context: ExceptionContext): void;
  /** Schedules `fn(...args)` on the next iteration (see `EventLoop.callSoon`). */
  abstract callSoon<Args extends readonly unknown[]>(fn: (...args: Args) => void, ...args: Args): unknown;
  /** Wraps `aio` in a Task on this loop (see `EventLoop.createTask`). */
  abstract createTask<A, E>(aio: Aio<A, E>, options?: TaskOptions): Task<A, E>;
  /** Runs the loop until `aw` is done; its value, or its failure (see `EventLoop.runUntilComplete`). */
  abstract runUntilComplete<A, E>(aw: Aio<A, E> | Future<A, E>): Promise<A>;
  /** As `runUntilComplete`, but resolves with the `Exit` (see `EventLoop.runUntilCompleteExit`). */
  abstract runUntilCompleteExit<A, E>(aw: Aio<A, E> | Future<A, E>): Promise<Exit.Exit<A, E>>;
  /** Runs until `stop()` is called (see `EventLoop.runForever`). */
  abstract runForever(): Promise<void>;
  /** Closes the loop (see `EventLoop.close`). */
  abstract close(): void;
  /** Turns debug mode on or off for this loop (see `EventLoop.setDebug`). */
  abstract setDebug(enabled: boolean): void;
  /** Whether this loop is in debug mode (see `EventLoop.getDebug`). */
  abstract getDebug(): boolean;
  /** The duration (ms) of a step reported as slow in debug mode (see `EventLoop.slowCallbackDuration`). */
  abstract get slowCallbackDuration(): number;
  abstract set slowCallbackDuration(value: number);
}
