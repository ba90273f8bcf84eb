/**
 * Waiting with a deadline or for the first of several (asyncio/tasks.py): `wait`,
 * `waitFor`, `asCompleted`, and the `FIRST_COMPLETED` / `FIRST_EXCEPTION` /
 * `ALL_COMPLETED` constants.
 *
 * @module wait
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import { CancelledError, TimeoutError } from "./exceptions.js";
import { Aio, type Frame, type Fiber } from "./internal/aio.js";
import { getRunningLoop } from "./internal/context.js";
import { type Task } from "./internal/fiber.js";
import { AwaitFuture, Future } from "./internal/future.js";
import { type Timer } from "./internal/loop.js";
import { FailCause, Succeed } from "./internal/primitives.js";
import type { EventLoop, TimerHandle } from "./events.js";
import { exit as exitAio, gen, onExit, sync } from "./Aio.js";
import { Timeout } from "./timeouts.js";
import {
  CONTINUE_ERR,
  CONTINUE_OK,
  checkAwaitable,
  checkSameLoop,
  checkSameLoops,
  checkTimeout,
  describe,
  exitOf,
  toAwaitables,
  type AsFuture,
  type Awaitable,
  type AwaitableError,
  type AwaitableValue,
} from "./awaitables.js";

// ---------------------------------------------------------------------------------------
// waitFor

const WAIT_FOR_EXPIRED = "waitFor: the timeout expired";

/** waitFor's states. */
const WAITING = 0; // the deadline is in the timer heap
const DUE = 1; // the deadline passed; decided one loop iteration later
const DONE = 2; // waitFor returned

/**
 * The deadline of a `waitFor` on a task or future (a timer) and the frame that ends it.
 * When the timer fires it waits one more loop iteration: an inner that finished in the
 * deadline's own iteration wins. Then it cancels the inner; the waiting fiber wakes when
 * the inner has finished cancelling.
 */
class Deadline implements Timer, Frame {
  _index = -1;
  private state = WAITING;
  /** Whether the deadline cancelled the inner task. */
  private timedOut = false;
  constructor(
    readonly _when: number,
    readonly _seq: number,
    private readonly loop: EventLoop,
    private readonly inner: Future<unknown, unknown>,
    /** The waiting task's `cancelling()` when waitFor started. */
    private readonly cancelling: number,
  ) {}

  /** For `timeout <= 0`: the inner was cancelled at once. */
  static expired(inner: Future<unknown, unknown>, loop: EventLoop, cancelling: number): Deadline {
    const d = new Deadline(0, 0, loop, inner, cancelling);
    d.state = DONE;
    d.timedOut = true;
    return d;
  }

  _run(): void {
    if (this.state === WAITING) {
      this.state = DUE;
      this.loop._enqueue(this);
      return;
    }
    if (this.state !== DUE) return;
    this.state = DONE;
    if (this.inner.done()) return; // finished in the deadline's iteration: its result wins
    this.timedOut = true;
    this.inner.cancel();
  }

  private end(): void {
    if (this.state === WAITING) this.loop._removeTimer(this);
    this.state = DONE;
  }

  _ok(): Aio<unknown, unknown> | null {
    this.end();
    return CONTINUE_OK;
  }

  _err(f: Fiber): Aio<unknown, unknown> | null {
    this.end();
    const c = f._cause;
    // Our own cancellation of the inner, with no cancellation of the waiting task itself.
    if (this.timedOut && c._tag === "Interrupt" && f.cancelling() <= this.cancelling) {
      f._cause = Cause.fail(new TimeoutError(WAIT_FOR_EXPIRED, { cause: Cause.squash(c) }));
    }
    return CONTINUE_ERR;
  }
}

class WaitFor<A, E> extends Aio<A, E | TimeoutError> {
  constructor(
    private readonly aw: Awaitable<A, E>,
    private readonly ms: number | null,
  ) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    const aw = this.aw as Awaitable<unknown, unknown>;
    const ms = this.ms;
    const loop = f.getLoop();
    if (aw instanceof Future) checkSameLoop("waitFor", aw, loop);
    if (ms === null) return aw instanceof Aio ? aw : new AwaitFuture(aw);
    if (ms <= 0) {
      // asyncio: the result if already done, else cancel, wait, and TimeoutError.
      if (aw instanceof Aio) return TIMED_OUT;
      if (aw.done()) return new AwaitFuture(aw);
      const cancelling = f.cancelling();
      aw.cancel();
      f._push(Deadline.expired(aw, loop, cancelling));
      return new AwaitFuture(aw);
    }
    if (aw instanceof Aio) {
      // An Aio runs inline in this task, in a timeout scope (asyncio 3.12's wait_for)
      // whose deadline is lenient: an inner finishing in the deadline's iteration wins.
      const now = loop.time();
      // Inside an uninterruptible region, in a task of its own (see Timeout._inOwnTask).
      if (!f._interruptible) return Timeout._inOwnTask(f, now + ms, aw, true, WAIT_FOR_EXPIRED);
      const scope = new Timeout(now + ms, true, WAIT_FOR_EXPIRED);
      scope._enter(f, loop, now);
      f._push(scope);
      return aw;
    }
    const inner = aw;
    if (inner.done()) return new AwaitFuture(inner);
    const d = new Deadline(loop.time() + ms, loop._nextSeq(), loop, inner, f.cancelling());
    loop._addTimer(d);
    f._push(d);
    return new AwaitFuture(inner);
  }
}

/** Fails with a fresh TimeoutError each time it runs. */
class TimedOut extends Aio<never, TimeoutError> {
  _eval(): Aio<unknown, unknown> | null {
    // asyncio cancels the (never started) inner and raises `TimeoutError from` its
    // CancelledError; here the inner never starts, but the cause is the same kind.
    return new FailCause(Cause.fail(new TimeoutError(WAIT_FOR_EXPIRED, { cause: new CancelledError() })));
  }
}
const TIMED_OUT: Aio<never, TimeoutError> = new TimedOut();

/**
 * Waits for `aw` with a deadline of `timeoutMs` (asyncio.wait_for, 3.12 semantics). An
 * Aio runs inline, in the calling task, inside a timeout scope (as 3.12's
 * `async with timeout(): return await aw`); a task or future is awaited. When the
 * deadline passes, the inner is cancelled and waited for until it has finished
 * cancelling (its `finally` blocks ran); then `TimeoutError` — unless the inner swallowed
 * the cancellation and returned a value, which is returned. An inner that finishes in
 * the same loop iteration as the deadline wins (the deadline is enforced one iteration
 * later; two if the inner was just woken then). `null`/`undefined` waits forever;
 * `timeoutMs <= 0` returns the result of a done task or future, and otherwise cancels it
 * (an Aio is not started at all) and fails with `TimeoutError`. Cancelling the waitFor
 * cancels the inner; that cancellation stays a `CancelledError`.
 *
 * @example
 * ```ts
 * import { Aio, TimeoutError, run, waitFor } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   try {
 *     yield* waitFor(Aio.sleep(3_600_000), 3000);
 *   } catch (e) {
 *     if (e instanceof TimeoutError) return "timeout";
 *     throw e;
 *   }
 *   return "done";
 * });
 * await run(program); // "timeout", after 3 s
 * ```
 */
export const waitFor = <A, E>(aw: Awaitable<A, E>, timeoutMs: number | null | undefined): Aio<A, E | TimeoutError> => {
  checkAwaitable("waitFor", aw);
  return new WaitFor(aw, checkTimeout("waitFor", timeoutMs));
};

// ---------------------------------------------------------------------------------------
// wait

/**
 * `wait` returns when any awaitable finishes or is cancelled.
 * @example
 * ```ts
 * import { FIRST_COMPLETED, wait } from "aio-ts";
 * const opts = { returnWhen: FIRST_COMPLETED };
 * ```
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED" as const;
/**
 * `wait` returns when any awaitable fails (cancellation is not a failure), or when all
 * are done.
 * @example
 * ```ts
 * import { FIRST_EXCEPTION } from "aio-ts";
 * const opts = { returnWhen: FIRST_EXCEPTION };
 * ```
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION" as const;
/**
 * `wait` returns when all awaitables are done (the default).
 * @example
 * ```ts
 * import { ALL_COMPLETED } from "aio-ts";
 * const opts = { returnWhen: ALL_COMPLETED };
 * ```
 */
export const ALL_COMPLETED = "ALL_COMPLETED" as const;

/**
 * When `wait` returns.
 * @example
 * ```ts
 * import type { ReturnWhen } from "aio-ts";
 * const rw: ReturnWhen = "FIRST_COMPLETED";
 * ```
 */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/**
 * Options of `wait`.
 * @example
 * ```ts
 * import { FIRST_COMPLETED, type WaitOptions } from "aio-ts";
 * const opts: WaitOptions = { returnWhen: FIRST_COMPLETED, timeout: 5000 };
 * ```
 */
export interface WaitOptions {
  /** When to return (`ALL_COMPLETED` by default). */
  readonly returnWhen?: ReturnWhen;
  /** Return after this many ms whatever is done (nothing is cancelled); `null`: no limit. */
  readonly timeout?: number | null | undefined;
}

/**
 * What `wait` returns: the tasks/futures that are done and those still pending.
 * @example
 * ```ts
 * import type { Task, WaitResult } from "aio-ts";
 * const show = (r: WaitResult<Task<number>>) => `${r.done.size} done, ${r.pending.size} pending`;
 * ```
 */
export interface WaitResult<F> {
  readonly done: Set<F>;
  readonly pending: Set<F>;
}

const RETURN_WHEN: ReadonlySet<string> = new Set([FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED]);

/**
 * Waits for awaitables (asyncio.wait) and returns `{ done, pending }`: sets of tasks and
 * futures, typed by their elements. Aio elements are wrapped in new tasks (started on
 * the next loop iteration, as `createTask`); tasks and futures are used as they are
 * (each once, however often it is listed). `returnWhen`: `FIRST_COMPLETED`,
 * `FIRST_EXCEPTION` (the first failure — a cancellation is not one — or all done), or
 * `ALL_COMPLETED` (the default). A `timeout` returns what is done so far and cancels
 * nothing. If the wait itself is cancelled, the tasks it made from Aio elements are
 * cancelled and awaited (nobody else could reach them); the others are left alone.
 * An empty input or an unknown `returnWhen` is an error at once.
 *
 * @example
 * ```ts
 * import { Aio, FIRST_COMPLETED, run, wait } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const { done, pending } = yield* wait([Aio.sleep(2000, 1), Aio.sleep(3000, 2)], {
 *     returnWhen: FIRST_COMPLETED,
 *   });
 *   for (const t of done) console.log(t.result()); // 1, at 2 s
 *   return pending.size; // 1
 * });
 * await run(program);
 * ```
 */
export const wait = <const T extends Awaitable>(
  aws: Iterable<T>,
  options?: WaitOptions,
): Aio<WaitResult<AsFuture<T>>> => {
  const items = toAwaitables("wait", aws);
  if (items.length === 0) throw new RangeError("wait: the set of tasks/futures is empty");
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`wait: options must be an object; got ${describe(options)}`);
  }
  const returnWhen: string = options?.returnWhen ?? ALL_COMPLETED;
  if (!RETURN_WHEN.has(returnWhen)) {
    throw new RangeError(
      `wait: invalid returnWhen value ${describe(returnWhen)}; expected FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED`,
    );
  }
  const ms = checkTimeout("wait", options?.timeout);
  return gen(function* () {
    const loop = yield* sync(getRunningLoop);
    checkSameLoops("wait", items, loop); // before any task is made
    const owned: Task<unknown, unknown>[] = [];
    const seen = new Set<Future<unknown, unknown>>();
    for (const a of items) {
      if (a instanceof Future) seen.add(a);
      else {
        const t = loop.createTask(a);
        owned.push(t);
        seen.add(t);
      }
    }
    const futs = [...seen];
    const waiter = loop.createFuture<void>();
    let counter = futs.length;
    let handle: TimerHandle | undefined;
    const release = (): void => {
      handle?.cancel();
      if (!waiter.done()) waiter.setResult(undefined);
    };
    const onCompletion = (f: Future<unknown, unknown>): void => {
      counter--;
      if (
        counter <= 0 ||
        returnWhen === FIRST_COMPLETED ||
        (returnWhen === FIRST_EXCEPTION && !f.cancelled() && Exit.isFailure(exitOf(f)))
      ) {
        release();
      }
    };
    if (ms !== null) handle = loop.callLater(ms, release);
    for (const f of futs) f.addDoneCallback(onCompletion);
    yield* onExit((e: Exit.Exit<void, never>) =>
      gen(function* () {
        handle?.cancel();
        for (const f of futs) f.removeDoneCallback(onCompletion);
        if (e._tag === "Failure") {
          // Interrupted: the tasks made here are unreachable otherwise; end them.
          for (const t of owned) t.cancel();
          for (const t of owned) {
            const end = yield* exitAio(new AwaitFuture(t));
            // Nobody else can read these tasks: a failure while cancelling is reported.
            if (end._tag === "Failure" && end.cause._tag !== "Interrupt") {
              loop.callExceptionHandler({
                message: "wait(): a task it started failed while being cancelled",
                exception: Cause.squash(end.cause),
                task: t,
              });
            }
          }
        }
      }),
    )(new AwaitFuture(waiter));
    const done = new Set<Future<unknown, unknown>>();
    const pending = new Set<Future<unknown, unknown>>();
    for (const f of futs) (f.done() ? done : pending).add(f);
    return { done, pending } as unknown as WaitResult<AsFuture<T>>;
  });
};

// ---------------------------------------------------------------------------------------
// asCompleted

/** The shared state of one `asCompleted` iteration. */
class Completion {
  private started = false;
  private loop: EventLoop | undefined;
  /** Finished futures not yet handed out, or TIMEOUT markers. */
  private readonly ready: Array<Future<unknown, unknown> | typeof TIMEOUT_MARK> = [];
  /** Consumers waiting for the next one (each wakes when something is ready). */
  private readonly waiters: Array<Future<void>> = [];
  private todo = new Set<Future<unknown, unknown>>();
  private owned: Task<unknown, unknown>[] = [];
  private handle: TimerHandle | undefined;
  private readonly onDone = (f: Future<unknown, unknown>): void => {
    if (!this.todo.delete(f)) return;
    this.deliver(f);
    if (this.todo.size === 0) this.handle?.cancel();
  };

  constructor(
    private readonly items: readonly Awaitable<unknown, unknown>[],
    private readonly ms: number | null,
  ) {}

  /**
   * A finished one (or a timeout marker) joins the ready queue, and the first waiting
   * consumer is woken. Items stay in the queue until a consumer takes them, so a
   * consumer cancelled after its wake-up takes nothing and passes the wake-up on (as
   * asyncio 3.13, whose as_completed reads from a Queue).
   */
  private deliver(item: Future<unknown, unknown> | typeof TIMEOUT_MARK): void {
    this.ready.push(item);
    this.wakeNext();
  }

  private wakeNext(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      if (!w.done()) {
        w.setResult(undefined);
        return;
      }
    }
  }

  private start(loop: EventLoop): void {
    checkSameLoops("asCompleted", this.items, loop); // before any task is made
    this.started = true;
    this.loop = loop;
    for (const a of this.items) {
      if (a instanceof Future) this.todo.add(a);
      else {
        const t = loop.createTask(a);
        this.owned.push(t);
        this.todo.add(t);
      }
    }
    for (const f of this.todo) f.addDoneCallback(this.onDone);
    if (this.ms !== null) {
      this.handle = loop.callLater(this.ms, () => {
        // asyncio's _on_timeout: every one not yet finished becomes a TimeoutError.
        for (const f of this.todo) {
          f.removeDoneCallback(this.onDone);
          this.deliver(TIMEOUT_MARK);
        }
        this.todo.clear();
        // Tasks made from Aio values are unreachable otherwise: cancel them.
        for (const t of this.owned) t.cancel();
      });
    }
  }

  /** The next finished one, as an Aio of its outcome. */
  next(f: Fiber): Aio<unknown, unknown> {
    const loop = f.getLoop();
    if (!this.started) this.start(loop);
    else if (loop !== this.loop) throw new TypeError("asCompleted: used from another event loop");
    const ready = this.ready.shift();
    if (ready !== undefined) return outcome(ready);
    const state = this;
    return gen(function* () {
      while (state.ready.length === 0) {
        const w = loop.createFuture<void>();
        state.waiters.push(w);
        try {
          yield* w;
        } catch (e) {
          // Cancelled (or failed) while waiting: leave the queue as if we never waited;
          // a wake-up we received goes to the next consumer.
          const i = state.waiters.indexOf(w);
          if (i >= 0) state.waiters.splice(i, 1);
          if (w.done() && !w.cancelled() && state.ready.length > 0) state.wakeNext();
          throw e;
        }
      }
      return yield* outcome(state.ready.shift()!);
    });
  }
}

const TIMEOUT_MARK = Object.freeze({ _timeout: true });

const outcome = (item: Future<unknown, unknown> | typeof TIMEOUT_MARK): Aio<unknown, unknown> => {
  if (item === TIMEOUT_MARK) return new FailCause(Cause.fail(new TimeoutError("asCompleted: the timeout expired")));
  const e = exitOf(item as Future<unknown, unknown>);
  return e._tag === "Success" ? new Succeed(e.value) : new FailCause(e.cause);
};

class NextCompleted extends Aio<unknown, unknown> {
  constructor(private readonly state: Completion) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    return this.state.next(f);
  }
}

/**
 * The awaitables' results in completion order (asyncio.as_completed): an array of Aio
 * values, one per awaitable, each resolving to the next one to finish — its value, or
 * its failure. Nothing starts until the first of them runs; then Aio elements start as
 * tasks and the `timeout` (ms) starts counting. After the deadline each remaining one
 * fails with `TimeoutError` (tasks made from Aio elements are cancelled then; tasks and
 * futures passed in are left alone).
 *
 * @example
 * ```ts runnable
 * import { Aio, asCompleted, run } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const order: string[] = [];
 *   for (const next of asCompleted([Aio.sleep(300, "slow"), Aio.sleep(100, "fast")])) {
 *     order.push(yield* next);
 *   }
 *   return order; // ["fast", "slow"]
 * });
 * await run(program);
 * ```
 */
export const asCompleted = <const T extends Awaitable>(
  aws: Iterable<T>,
  options?: { readonly timeout?: number | null | undefined },
): Array<Aio<AwaitableValue<T>, AwaitableError<T> | TimeoutError>> => {
  const items = toAwaitables("asCompleted", aws);
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError(`asCompleted: options must be an object; got ${describe(options)}`);
  }
  const ms = checkTimeout("asCompleted", options?.timeout);
  // Each future once, however often it is listed (asyncio takes a set).
  const unique: Awaitable<unknown, unknown>[] = [];
  const seen = new Set<Future<unknown, unknown>>();
  for (const a of items) {
    if (a instanceof Future) {
      if (seen.has(a)) continue;
      seen.add(a);
    }
    unique.push(a);
  }
  const state = new Completion(unique, ms);
  return unique.map(() => new NextCompleted(state) as Aio<AwaitableValue<T>, AwaitableError<T> | TimeoutError>);
};
