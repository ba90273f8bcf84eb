/**
 * `Task`, a fiber: the run loop (`_runLoop`, read it first), suspension and wake-up.
 * How a cancellation request reaches a suspended fiber is internal/cancel.ts. A Task is
 * a Future (internal/future.ts) whose outcome its program sets. Primitives and
 * combinators see it only through the `Fiber` interface (internal/aio.ts); the loop
 * drives it through `LoopCore` (internal/loop.ts).
 * @internal
 */
import * as Cause from "../Cause.js";
import * as Exit from "../Exit.js";
import { InvalidStateError } from "../exceptions.js";
import {
  Aio,
  FINISHED,
  MAX_STEPS_PER_TURN,
  PASS,
  RUNNING,
  SCHEDULED,
  SUSPENDED,
  turn,
  type Fiber,
  type Frame,
  type Next,
} from "./aio.js";
import { requestCancel, wokenByFailure } from "./cancel.js";
import { currentContextData, runningFiber, setRunningFiber, type ContextSlot } from "./context.js";
import { Future } from "./future.js";
import type { PublicContext as Context, PublicEventLoop as EventLoop } from "./loop.js";
import { notAnAio, FailCause } from "./primitives.js";

// ---------------------------------------------------------------------------------------
// Run-time context

/**
 * The task whose code is running now (asyncio.current_task), or `undefined` outside a
 * task.
 *
 * @example
 * ```ts runnable
 * import { Aio, currentTask, run } from "aio-ts";
 * await run(Aio.sync(() => currentTask()?.getName()));
 * ```
 */
export const currentTask = (): Task<unknown, unknown> | undefined => runningFiber() as Task<unknown, unknown> | undefined;

// ---------------------------------------------------------------------------------------
// Task: a fiber

/** The bits of `Task._flags` that hold the run state (SCHEDULED … FINISHED, internal/aio.ts). */
const RUN_STATE = 3;
/** `Task._flags`: a cancellation may be delivered (not inside an uninterruptible region). */
const INTERRUPTIBLE = 4;
/** `Task._flags`: a cancellation was requested and is not delivered yet. */
const MUST_CANCEL = 8;
/** `Task._flags` above these bits counts cancellation requests (`cancelling()`). */
const CANCELS_SHIFT = 4;

let taskCounter = 0;

/** Marks a fiber put back on the ready queue by its step budget (not a suspension). */
const PREEMPTED = Object.freeze({ _preempted: true });


/**
 * A fiber running an `Aio` on an event loop (asyncio.Task). A Task is a Future: `yield*`
 * joins it, `cancel(msg)` throws a `CancelledError` into it at the `yield*` where it is
 * suspended.
 *
 * @example
 * ```ts runnable
 * import { Aio, createTask, run } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const task = yield* createTask(Aio.sleep(100, "done"), { name: "sleeper" });
 *   return yield* task; // "done"
 * });
 * await run(program);
 * ```
 */
export class Task<A, E = never> extends Future<A, E> implements Fiber {
  /** @internal continuation stack (shared empty array until the first push) */
  _stack: Frame[] = NO_STACK;
  /**
   * @internal The value while unwinding with success, the cause (`_cause`) while
   * unwinding with failure: never both at once, so one field holds either.
   */
  _v: unknown = undefined;
  /**
   * @internal The run state (bits 0–1), whether the fiber is interruptible, whether a
   * cancellation is requested and not yet delivered, and the count of cancellation
   * requests (bits 4+), in one small integer: a Task is allocated per `createTask`,
   * and every field costs 8 bytes on Node's 64-bit heap. Read and written through the
   * accessors below.
   */
  _flags = SCHEDULED | INTERRUPTIBLE;
  /** @internal what to evaluate when the fiber runs next */ _resumeWith: Aio<unknown, unknown> | null;
  /** @internal what the fiber is suspended on (a future, timer, callback token) */
  _waitingOn: unknown = null;
  /** @internal */ _cancelMsg: string | undefined = undefined;
  /** @internal The name, or until one is set, the task number (named `Task-N` lazily). */
  private _name: string | number;
  /** @internal the loop's list of pending tasks */ _prevTask: Task<unknown, unknown> | null = null;
  /** @internal */ _nextTask: Task<unknown, unknown> | null = null;
  /**
   * @internal The context the task runs in (contextvars): a pointer to its creator's
   * data at creation (asyncio copies the context; the data is immutable, so sharing it
   * is the copy), or the `Context` it was given.
   */
  _context: ContextSlot;

  /** @internal the current cause while unwinding with failure (shares `_v`) */
  get _cause(): Cause.Cause<unknown> {
    return this._v as Cause.Cause<unknown>;
  }
  /** @internal */
  set _cause(cause: Cause.Cause<unknown>) {
    this._v = cause;
  }
  /** @internal cancellation requests not withdrawn by `uncancel()` (bits 4+ of `_flags`) */
  get _numCancels(): number {
    return this._flags >>> CANCELS_SHIFT;
  }
  /** @internal */
  set _numCancels(n: number) {
    this._flags = (this._flags & ((1 << CANCELS_SHIFT) - 1)) | (n << CANCELS_SHIFT);
  }
  /** @internal SCHEDULED, RUNNING, SUSPENDED or FINISHED. */
  get _runState(): number {
    return this._flags & RUN_STATE;
  }
  /** @internal */
  set _runState(state: number) {
    this._flags = (this._flags & ~RUN_STATE) | state;
  }
  /** @internal whether a cancellation may be delivered now */
  get _interruptible(): boolean {
    return (this._flags & INTERRUPTIBLE) !== 0;
  }
  /** @internal */
  set _interruptible(on: boolean) {
    this._flags = on ? this._flags | INTERRUPTIBLE : this._flags & ~INTERRUPTIBLE;
  }
  /** @internal a cancellation requested and not yet delivered */
  get _mustCancel(): boolean {
    return (this._flags & MUST_CANCEL) !== 0;
  }
  /** @internal */
  set _mustCancel(on: boolean) {
    this._flags = on ? this._flags | MUST_CANCEL : this._flags & ~MUST_CANCEL;
  }

  /**
   * Programs normally make tasks with `createTask` or `loop.createTask`; a task factory
   * (`loop.setTaskFactory`) calls this. With `eagerStart`, the first step runs now, up to
   * the first suspension (asyncio's eager_start); otherwise on a later loop iteration.
   * The task runs in `context` when given (its `set`s write into it, as asyncio's
   * `Task(coro, context=ctx)`), else in a copy of the current context.
   */
  constructor(loop: EventLoop, aio: Aio<A, E>, name?: string, eagerStart = false, context?: Context) {
    super(loop);
    this._name = name ?? ++taskCounter;
    this._resumeWith = aio;
    this._context = context ?? currentContextData();
    const l = this._loop;
    l._taskStarted(this as Task<unknown, unknown>);
    // asyncio's eager task factory: run the first step now, up to the first suspension.
    if (eagerStart) this._run();
    else l._enqueue(this);
  }

  /** @internal How messages name it. */
  override _label(): string {
    return `task ${JSON.stringify(this.getName())}`;
  }

  /** The task's name (`Task-N` unless set). */
  getName(): string {
    const n = this._name;
    return typeof n === "number" ? `Task-${n}` : n;
  }

  /** Renames the task. */
  setName(name: string): void {
    this._name = String(name);
  }

  /**
   * The task's chain of `Aio.gen` frames, innermost first, as readable lines (asyncio's
   * `Task.get_stack`, which returns frame objects): each names the generator body and, for
   * a program made in debug mode, where it was made. Empty for a task that is done, or
   * that has not started. See docs/debugging.md.
   * @example
   * ```ts runnable
   * import { Aio, createTask, run } from "aio-ts";
   * await run(Aio.gen(function* () {
   *   const t = yield* createTask(Aio.gen(function* worker() { yield* Aio.sleep(100); }));
   *   yield* Aio.yieldNow;
   *   return t.getStack(); // ["worker (Aio.gen made at …)"] in debug mode
   * }), { debug: true });
   * ```
   */
  getStack(): string[] {
    return debugHooks.getStack(this as Task<unknown, unknown>);
  }

  /**
   * Requests cancellation (asyncio Task.cancel): a `CancelledError` carrying `msg` is
   * thrown into the task where it is suspended, on a later loop iteration. Returns
   * false if the task is already done. Several calls before delivery throw once and
   * are all counted by `cancelling()`.
   */
  override cancel(msg?: string): boolean {
    // The walk down a chain of awaited tasks and the detaching: internal/cancel.ts.
    return this._exit === undefined && requestCancel(this as Task<unknown, unknown>, msg);
  }

  /** The number of cancellation requests not yet withdrawn by `uncancel()`. */
  cancelling(): number {
    return this._numCancels;
  }

  /**
   * Withdraws one cancellation request; returns the remaining count. When the count
   * reaches 0, a request not yet delivered is dropped too (asyncio 3.13).
   */
  uncancel(): number {
    if (this._numCancels > 0) {
      this._numCancels--;
      if (this._numCancels === 0) this._mustCancel = false;
    }
    return this._numCancels;
  }

  /** @throws always: a task's outcome is set by its program. */
  override setResult(_value: never): void {
    throw new InvalidStateError("Task does not support setResult");
  }

  /** @throws always: a task's outcome is set by its program. */
  override setException(_error: never): void {
    throw new InvalidStateError("Task does not support setException");
  }

  /** @internal A cancellation delivered now: consumes the pending request. */
  _cancelNow(): Aio<never, never> {
    this._mustCancel = false;
    return new FailCause(Cause.interrupt(this._cancelMsg));
  }

  /** @internal Puts the fiber on the ready queue to continue with `next`. */
  _scheduleResume(next: Aio<unknown, unknown> | null): void {
    this._waitingOn = null;
    this._runState = SCHEDULED;
    this._resumeWith = next;
    this._loop._enqueue(this);
  }

  /** @internal Called (through `_settle`) when the future this fiber waits on is done. */
  _wakeFromFuture(fut: Future<unknown, unknown>): void {
    if (this._waitingOn !== fut) return;
    // The fiber re-evaluates the await, which now finds the future done.
    this._scheduleResume(fut._awaitAio());
  }

  /** @internal Ready-queue entry point. */
  _run(): void {
    if (this._runState === FINISHED) return;
    let next = this._resumeWith;
    this._resumeWith = null;
    this._runState = RUNNING;
    if (this._waitingOn === PREEMPTED) {
      // Put back by its step budget: not a suspension point, so no cancellation here.
      this._waitingOn = null;
    } else if (this._mustCancel && this._interruptible && !wokenByFailure(next)) {
      // asyncio's __step: a pending cancellation replaces what the fiber woke with.
      // Not a failure, though: asyncio would read it (so it is not even reported) and
      // throw the CancelledError instead, losing it. Here the failure is thrown in first
      // and the cancellation stays pending, delivered at the next suspension point (or
      // the task ends cancelled if it then returns: see `_complete`).
      next = this._cancelNow();
    }
    if (next !== null) this._runLoop(next);
  }

  /**
   * @internal The run loop: evaluates primitives until the fiber suspends, finishes, or
   * uses up its step budget (then it goes to the back of the ready queue).
   */
  private _runLoop(start: Aio<unknown, unknown>): void {
    const prev = setRunningFiber(this);
    const prevSteps = turn.steps;
    turn.steps = 0;
    let cur: Next = start;
    for (;;) {
      try {
        while (cur !== null) {
          if (++turn.steps > MAX_STEPS_PER_TURN) {
            this._resumeWith = cur;
            this._runState = SCHEDULED;
            this._waitingOn = PREEMPTED;
            this._loop._enqueue(this);
            cur = null;
            break;
          }
          cur = cur._eval(this);
        }
        // Every primitive that answers null has suspended or finished the fiber (or put
        // it back on the ready queue). A null from anywhere else is a continuation that
        // returned null past the checks at the callbacks: it would leave the fiber
        // RUNNING for ever, uncancellable, so it ends the fiber with a defect instead.
        if (cur === null && this._runState === RUNNING) {
          cur = notAnAio("a continuation returned", null);
          continue;
        }
        break;
      } catch (e) {
        // A throw from user code (a thunk, a map function): a defect, or an
        // interruption if it was a CancelledError. A `cur` that is not an Aio (a
        // continuation returned a number, say) threw on `_eval`: say so.
        this._cause =
          cur !== null && !(cur instanceof Aio)
            ? notAnAio("a continuation returned", cur).cause
            : Cause.fromThrown(e);
        cur = this._fail();
      }
    }
    setRunningFiber(prev);
    turn.steps = prevSteps;
  }

  /**
   * @internal Pushes a continuation. The first push makes a one-slot array, so a task
   * that suspends with one frame does not carry V8's default 17-slot backing store.
   */
  _push(frame: Frame): void {
    const s = this._stack;
    if (s === NO_STACK) this._stack = [frame];
    else s.push(frame);
  }

  /** @internal Unwinds with success (`_v`). */
  _ret(): Next {
    let s = this._stack;
    while (s.length > 0) {
      const next = s.pop()!._ok(this);
      if (next !== PASS) return next;
      s = this._stack;
    }
    this._complete(Exit.succeed(this._v as A));
    return null;
  }

  /** @internal Unwinds with failure (`_cause`). */
  _fail(): Next {
    let s = this._stack;
    while (s.length > 0) {
      const next = s.pop()!._err(this);
      if (next !== PASS) return next;
      s = this._stack;
    }
    this._complete(Exit.failCause(this._cause as Cause.Cause<E>));
    return null;
  }

  /** @internal */
  private _complete(exit: Exit.Exit<A, E>): void {
    // asyncio: a task that was cancelled and then returned without suspending again
    // ends cancelled.
    if (exit._tag === "Success" && this._mustCancel) {
      this._mustCancel = false;
      exit = Exit.interrupt(this._cancelMsg);
    }
    this._runState = FINISHED;
    this._stack = NO_STACK;
    this._v = undefined;
    this._loop._taskDone(this as Task<unknown, unknown>);
    this._settle(exit);
  }
}

/**
 * @internal What src/debug.ts provides to the kernel, set when it loads: the kernel does
 * not import it (src/debug.ts imports the kernel), so there is no import cycle.
 */
export const debugHooks: { getStack: (t: Task<unknown, unknown>) => string[] } = { getStack: () => [] };

/**
 * @internal What src/debug.ts reads of this module. An object rather than an
 * `export` keyword on `PREEMPTED`: the run loop's uses of it stay a module-local binding.
 */
export const fiberDebugAccess = { PREEMPTED } as const;

/** The stack of a task that has pushed nothing: shared, so frozen (push via `_push`). */
const NO_STACK: Frame[] = Object.freeze([]) as unknown as Frame[];
