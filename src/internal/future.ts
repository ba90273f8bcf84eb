/**
 * `Future` (asyncio.Future): a value set once, with its done callbacks and the fibers
 * waiting on it, and `AwaitFuture`, the primitive of `yield*` on a future (or a task: a
 * `Task` is a Future, internal/fiber.ts).
 * @internal
 */
import * as Cause from "../Cause.js";
import * as Exit from "../Exit.js";
import { EventLoopError, InvalidStateError } from "../exceptions.js";
import { Aio, DONE_RESULT, SUSPENDED, inlineStep, throwIntoGen, type Fiber, type Next, type YieldOf } from "./aio.js";
import type { LoopCore, PublicEventLoop as EventLoop } from "./loop.js";
import { FailCause } from "./primitives.js";


/**
 * The start of a `yield*` of a future that is already done completes inline (asyncio
 * does not suspend either): returns the value, or throws the failure at the `yield*`.
 * `undefined` when it must wait (or the step budget is spent).
 */
const completeDone = <A, E>(fut: Future<A, E>): IteratorReturnResult<A> | undefined => {
  const exit = fut._exit;
  if (exit === undefined || !inlineStep()) return undefined;
  fut._markRetrieved();
  if (exit._tag === "Failure") throw throwIntoGen(exit.cause);
  DONE_RESULT.value = exit.value;
  return DONE_RESULT as IteratorReturnResult<A>;
};

/**
 * @internal The defect of waiting (in `what`) on a pending future of another loop: its
 * completion would wake a fiber of a loop that is not running it, so the wait would never
 * end (asyncio: "got Future attached to a different loop").
 */
export const foreignLoop = (what: string, fut: Future<unknown, unknown>): FailCause<never> =>
  new FailCause(Cause.die(foreignLoopError(what, fut)));

/**
 * @internal The one message for a future of another loop, from `yield*` here and from
 * every combinator's check (`checkSameLoop`): `where` names the argument, if any.
 */
export const foreignLoopError = (what: string, fut: Future<unknown, unknown>, where = ""): EventLoopError =>
  new EventLoopError(
    `${what}: the ${fut._label()}${where} is attached to a different loop`,
  );

/** @internal Waits for a future (or task) to be done. */
export class AwaitFuture<A, E> extends Aio<A, E> {
  constructor(readonly future: Future<A, E>) {
    super();
  }
  _eval(f: Fiber): Next {
    const fut = this.future as Future<unknown, unknown>;
    if (f._mustCancel && f._interruptible && fut._exit === undefined) {
      // asyncio: a pending cancellation cancels the future about to be awaited.
      f._mustCancel = false;
      if (!fut.cancel(f._cancelMsg)) return f._cancelNow();
    }
    const exit = fut._exit;
    if (exit !== undefined) {
      fut._markRetrieved();
      if (exit._tag === "Success") {
        f._v = exit.value;
        return f._ret();
      }
      f._cause = exit.cause;
      return f._fail();
    }
    // It must wait. asyncio's Task.__step refuses these at once (they would never wake):
    if (fut._loop !== f._loop) return foreignLoop("yield*", fut);
    if ((fut as unknown) === f) return new FailCause(Cause.die(new EventLoopError(`Task cannot await on itself: ${f.getName()}`)));
    f._waitingOn = fut;
    f._runState = SUSPENDED;
    fut._addWaiter(f);
    return null;
  }
  /** The exit of a done future (now read), or undefined while it is pending. */
  override _resolvedExit(): Exit.Exit<A, E> | undefined {
    const fut = this.future;
    const exit = fut._exit;
    if (exit !== undefined) fut._markRetrieved();
    return exit;
  }
  /** `yield*` of a future that is already done completes inline (asyncio does not suspend). */
  override next(sent?: unknown): IteratorResult<YieldOf<E>, A> {
    return (sent === undefined && completeDone(this.future)) || super.next(sent);
  }
}

// ---------------------------------------------------------------------------------------
// Future


/**
 * A callback run when a future is done, through the loop, with the future.
 * @example
 * ```ts runnable
 * import type { DoneCallback, Future } from "aio-ts";
 * const log: DoneCallback<Future<number, never>> = (f) => console.log(f.result());
 * ```
 */
export type DoneCallback<F> = (future: F) => void;

/**
 * A value that will be available later (asyncio.Future): set once with `setResult`,
 * `setException` or `cancel`; `yield*` waits for it. Its callbacks and waiters always run
 * on a later loop iteration, never synchronously.
 *
 * @example
 * ```ts runnable
 * import { Aio, createFuture, run } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const fut = yield* createFuture<number>();
 *   fut.getLoop().callLater(10, () => fut.setResult(7));
 *   return yield* fut; // 7
 * });
 * await run(program);
 * ```
 */
export class Future<A, E = never> {
  /** @internal */ _exit: Exit.Exit<A, E> | undefined = undefined;
  /**
   * @internal While pending: the callbacks and waiting fibers, in registration order
   * (or null). Once done they have all been scheduled, and the field instead marks a
   * failure nobody has read yet (`UNREAD_FAILURE`), so that needs no field of its own.
   */
  _callbacks: Array<CallbackEntry | undefined> | null = null;
  /** @internal */ readonly _loop: LoopCore;

  constructor(loop: EventLoop) {
    this._loop = loop as unknown as LoopCore;
  }

  /** @internal How messages name it: "future" (a Task names itself). */
  _label(): string {
    return "future";
  }

  /** True when the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._exit !== undefined;
  }

  /** True when the future was cancelled (its exit is an interruption). */
  cancelled(): boolean {
    const e = this._exit;
    return e !== undefined && e._tag === "Failure" && e.cause._tag === "Interrupt";
  }

  /**
   * The result. Throws `InvalidStateError` while pending, the `CancelledError` when
   * cancelled, the error (or defect) when failed.
   */
  result(): A {
    const e = this._exit;
    if (e === undefined) throw new InvalidStateError("Result is not set.");
    this._markRetrieved();
    return Exit.getOrThrow(e);
  }

  /**
   * The failure (typed error or defect), or `undefined` after a success. Throws
   * `InvalidStateError` while pending and the `CancelledError` when cancelled.
   */
  exception(): E | unknown {
    const e = this._exit;
    if (e === undefined) throw new InvalidStateError("Exception is not set.");
    if (e._tag === "Success") return undefined;
    if (e.cause._tag === "Interrupt") throw Cause.squash(e.cause);
    this._markRetrieved();
    return Cause.squash(e.cause);
  }

  /** The outcome as a typed `Exit`, or `undefined` while pending. */
  getExit(): Exit.Exit<A, E> | undefined {
    if (this._exit !== undefined) this._markRetrieved();
    return this._exit;
  }

  /** Marks the future done with `value`. `InvalidStateError` if already done. */
  setResult(value: A): void {
    if (this._exit !== undefined) throw new InvalidStateError(`invalid state: future is already done`);
    this._settle(Exit.succeed(value));
  }

  /** Marks the future failed with the typed `error`. `InvalidStateError` if already done. */
  setException(error: E): void {
    if (this._exit !== undefined) throw new InvalidStateError(`invalid state: future is already done`);
    this._settle(Exit.fail(error));
  }

  /** Cancels the future; returns false if it was already done. */
  cancel(msg?: string): boolean {
    if (this._exit !== undefined) return false;
    this._settle(Exit.interrupt(msg));
    return true;
  }

  /** Calls `cb(future)` through the loop once the future is done (at once if it is). */
  addDoneCallback(cb: DoneCallback<this>): void {
    if (typeof cb !== "function") throw new TypeError("addDoneCallback: the callback must be a function");
    if (this._exit !== undefined) {
      this._loop.callSoon(cb, this);
      return;
    }
    this._addCallback(cb as DoneCallback<never>);
  }

  /**
   * Removes every registration of `cb`; returns how many were removed. Amortised O(1) per
   * registration removed, however long the list (see `CallbackIndex`).
   */
  removeDoneCallback(cb: DoneCallback<this>): number {
    const cbs = this._callbacks;
    // Once done, every callback has been scheduled: there is nothing left to remove.
    if (cbs === null || this._exit !== undefined) return 0;
    if (cbs.length <= INDEX_FROM) {
      const kept = cbs.filter((c) => c !== cb);
      const removed = cbs.length - kept.length;
      if (removed > 0) this._callbacks = kept;
      return removed;
    }
    let index = callbackIndexes.get(cbs);
    if (index === undefined) {
      index = new CallbackIndex(cbs);
      callbackIndexes.set(cbs, index);
    }
    const removed = index.remove(cbs, cb);
    if (index.holes > cbs.length >>> 1) {
      callbackIndexes.delete(cbs);
      this._callbacks = cbs.filter((c) => c !== undefined);
    }
    return removed;
  }

  /** The event loop this future belongs to. */
  getLoop(): EventLoop {
    return this._loop as unknown as EventLoop;
  }

  /**
   * `yield* future` waits for it and returns its result (or throws its failure). The
   * future is its own iterator: a future that is already done completes the `yield*`
   * inline, allocating nothing (joining finished tasks is common).
   */
  [Symbol.iterator](): Iterator<YieldOf<E>, A, unknown> {
    return this;
  }
  /** @internal iterator protocol for `yield*`; not for direct use. */
  next(sent?: unknown): IteratorResult<YieldOf<E>, A> {
    return (sent === undefined && completeDone(this)) || this._awaitAio().next(sent);
  }
  /** @internal iterator protocol for `yield*`: rethrows the failure at the `yield*`. */
  throw(e?: unknown): IteratorResult<YieldOf<E>, A> {
    throw e;
  }
  /** @internal iterator protocol for `yield*`. */
  return(value?: unknown): IteratorResult<YieldOf<E>, A> {
    return this._awaitAio().return(value);
  }

  /** @internal */
  _addWaiter(f: Fiber): void {
    this._addCallback(f);
  }

  /** @internal */
  private _addCallback(c: CallbackEntry): void {
    const cbs = this._callbacks;
    if (cbs === null) {
      this._callbacks = [c];
      return;
    }
    cbs.push(c);
    // A long list that has had removals keeps an index of where each entry sits.
    if (cbs.length > INDEX_FROM) callbackIndexes.get(cbs)?.add(c, cbs.length - 1);
  }

  /**
   * @internal An Aio that awaits this future. Made when needed (only a wait that
   * suspends needs one), not kept: a field would cost every future and task 8 bytes.
   */
  _awaitAio(): AwaitFuture<A, E> {
    return new AwaitFuture(this);
  }

  /** @internal */
  _markRetrieved(): void {
    if (this._callbacks === UNREAD_FAILURE) {
      this._callbacks = null;
      this._loop._retrieved(this as Future<unknown, unknown>);
    }
  }

  /**
   * @internal Completes the future: its callbacks and waiters are scheduled on the loop
   * in registration order (never run here).
   */
  _settle(exit: Exit.Exit<A, E>): void {
    this._exit = exit;
    const cbs = this._callbacks;
    this._callbacks = null;
    if (exit._tag === "Failure" && exit.cause._tag !== "Interrupt") {
      this._callbacks = UNREAD_FAILURE;
      this._loop._noteUnretrieved(this as Future<unknown, unknown>);
    }
    if (cbs === null) return;
    for (let i = 0; i < cbs.length; i++) {
      const cb = cbs[i];
      if (cb === undefined) continue; // removed (see CallbackIndex)
      if (typeof cb === "function") this._loop.callSoon(cb as DoneCallback<this>, this);
      else cb._wakeFromFuture(this);
    }
  }
}

/** `Future._callbacks` of a done future whose failure nobody has read yet. */
const UNREAD_FAILURE: Array<CallbackEntry | undefined> = Object.freeze([]) as unknown as Array<CallbackEntry | undefined>;

/** What a pending future's `_callbacks` holds: a done callback, or a fiber waiting on it. */
type CallbackEntry = DoneCallback<never> | Fiber;

/** Lists up to this long remove a callback by filtering; longer ones get a `CallbackIndex`. */
const INDEX_FROM = 16;

/**
 * Where each entry of a long callback list sits, made on its first `removeDoneCallback`:
 * removing then clears those slots (leaving holes `_settle` skips) instead of filtering
 * the whole list, so removing 10^5 callbacks one by one (10^5 shields of one task,
 * cancelled) is linear, not quadratic. The list is compacted (and the index dropped)
 * once holes make up more than half of it, so holes cost O(1) amortised.
 */
class CallbackIndex {
  /** Positions of each entry (a number when registered once, the common case). */
  private readonly at = new Map<CallbackEntry, number | number[]>();
  holes = 0;
  constructor(cbs: ReadonlyArray<CallbackEntry | undefined>) {
    for (let i = 0; i < cbs.length; i++) {
      const c = cbs[i];
      if (c === undefined) this.holes++;
      else this.add(c, i);
    }
  }
  add(c: CallbackEntry, i: number): void {
    const p = this.at.get(c);
    if (p === undefined) this.at.set(c, i);
    else if (typeof p === "number") this.at.set(c, [p, i]);
    else p.push(i);
  }
  /** Clears every slot of `c` in `cbs`; returns how many. */
  remove(cbs: Array<CallbackEntry | undefined>, c: CallbackEntry): number {
    const p = this.at.get(c);
    if (p === undefined) return 0;
    this.at.delete(c);
    if (typeof p === "number") {
      cbs[p] = undefined;
      this.holes++;
      return 1;
    }
    for (const i of p) cbs[i] = undefined;
    this.holes += p.length;
    return p.length;
  }
}

/** The index of each long callback list that has one (weak: it goes with its list). */
const callbackIndexes = new WeakMap<ReadonlyArray<CallbackEntry | undefined>, CallbackIndex>();

