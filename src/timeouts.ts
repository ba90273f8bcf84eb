/**
 * Timeout scopes (asyncio/timeouts.py): `timeout(ms, body)` and `timeoutAt(when, body)`
 * run `body` in the current task and cancel it when the deadline passes; the scope turns
 * its own cancellation into a `TimeoutError` and leaves any other cancellation alone.
 *
 * As in CPython, the scope cancels its task with `task.cancel()` and, on exit, withdraws
 * that request with `task.uncancel()`: a cancellation is the scope's own only when no
 * other request arrived meanwhile (`uncancel()` comes back to the count seen on entry).
 *
 * @module timeouts
 */
import * as Cause from "./Cause.js";
import { InvalidStateError, TimeoutError } from "./exceptions.js";
import { Aio, type Frame, type Fiber } from "./internal/aio.js";
import { AwaitFuture } from "./internal/future.js";
import { type Timer } from "./internal/loop.js";
import type { EventLoop } from "./events.js";
import { CONTINUE_ERR, CONTINUE_OK, describe, startTask } from "./awaitables.js";

/** The life cycle of a scope, as asyncio's `_State`. */
type State = "created" | "active" | "expiring" | "expired" | "finished";

/** One arming of a scope's deadline: a timer in the loop's heap (or a ready-queue entry). */
class Arm implements Timer {
  _index = -1;
  /** For a lenient deadline (waitFor): how many loop iterations it has been deferred. */
  _deferred = 0;
  constructor(
    readonly _when: number,
    readonly _seq: number,
    private readonly scope: Timeout,
  ) {}
  _run(): void {
    this.scope._fire(this);
  }
}

/**
 * A running timeout scope (asyncio.Timeout), given to the body of `timeout` and
 * `timeoutAt`: read the deadline, move it, ask whether it expired.
 *
 * @example
 * ```ts
 * import { Aio, run, timeout } from "aio-ts";
 * const program = timeout(1000, (scope) =>
 *   Aio.gen(function* () {
 *     scope.reschedule(scope.when()! + 500); // 1.5 s in all
 *     yield* Aio.sleep(1200);
 *     return scope.expired(); // false
 *   }),
 * );
 * await run(program);
 * ```
 */
export class Timeout implements Frame {
  /** @internal */ _state: State = "created";
  /** @internal */ _when: number | null;
  /** @internal the current arming of the deadline */ _arm: Arm | null = null;
  /** @internal the task the scope runs in */ _task: Fiber | null = null;
  /** @internal the task's `cancelling()` on entry */ _cancelling = 0;
  /** @internal */ _loop: EventLoop | null = null;
  /**
   * @internal waitFor's deadline: a body that finishes in the deadline's own loop
   * iteration (or is woken then, and finishes when it next runs) wins.
   */
  readonly _lenient: boolean;
  /** @internal the TimeoutError message */
  readonly _what: string;

  /** @internal use `timeout` or `timeoutAt`. */
  constructor(when: number | null, lenient = false, what = "the timeout expired") {
    this._when = when;
    this._lenient = lenient;
    this._what = what;
  }

  /** The deadline in loop time (ms, as `loop.time()`), or `null` for none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline to loop time `when` (`null`: no deadline). A deadline already
   * past expires the scope on the next loop iteration. Only while the scope is active:
   * an `InvalidStateError` once it has expired or ended.
   */
  reschedule(when: number | null | undefined): void {
    if (this._state !== "active") {
      throw new InvalidStateError(
        this._state === "created" ? "Timeout has not been entered" : `Cannot change state of ${this._state} Timeout`,
      );
    }
    if (when !== null && when !== undefined && (typeof when !== "number" || Number.isNaN(when))) {
      throw new RangeError(`Timeout.reschedule: expected a loop time in ms or null; got ${describe(when)}`);
    }
    this._when = when ?? null;
    this._disarm();
    this._schedule(this._loop!.time());
  }

  /** @internal Arms the deadline (`now`: the loop's time). */
  _schedule(now: number): void {
    const when = this._when;
    if (when === null) return;
    const loop = this._loop!;
    const arm = new Arm(when, loop._nextSeq(), this);
    this._arm = arm;
    if (when <= now) loop._enqueue(arm);
    else loop._addTimer(arm);
  }

  /** Whether the deadline passed (the scope cancelled its task). */
  expired(): boolean {
    return this._state === "expiring" || this._state === "expired";
  }

  /** @internal */
  _enter(f: Fiber, loop: EventLoop, now: number): void {
    this._state = "active";
    this._task = f;
    this._loop = loop;
    this._cancelling = f.cancelling();
    this._schedule(now);
  }

  /** @internal */
  _disarm(): void {
    const arm = this._arm;
    if (arm === null) return;
    this._arm = null;
    if (arm._index >= 0) this._loop!._removeTimer(arm);
  }

  /** @internal the deadline passed: cancel the task (asyncio's `_on_timeout`). */
  _fire(arm: Arm): void {
    if (this._arm !== arm || this._state !== "active") return;
    if (this._lenient && (arm._deferred === 0 || (arm._deferred === 1 && this._task!._waitingOn === null))) {
      // Decide one iteration later (twice if the task was just woken, to let it run).
      arm._deferred++;
      this._loop!._enqueue(arm);
      return;
    }
    this._arm = null;
    this._state = "expiring";
    this._task!.cancel();
  }

  /**
   * @internal The scope ends (asyncio's `__aexit__`); returns whether an interruption
   * leaving it is the scope's own, to be turned into a TimeoutError.
   */
  _exit(cause: Cause.Cause<unknown> | undefined): boolean {
    this._disarm();
    if (this._state === "expiring") {
      this._state = "expired";
      const task = this._task!;
      const remaining = task.uncancel();
      return remaining <= this._cancelling && cause !== undefined && cause._tag === "Interrupt";
    }
    if (this._state === "active") this._state = "finished";
    return false;
  }

  /**
   * @internal A scope entered inside an uninterruptible region: its body runs in a task
   * of its own, started now (eagerly, as gather's children), which the caller waits for.
   *
   * The region shields what runs in it from cancellation coming from outside, but a
   * deadline the body set for itself must still apply. A task has one interruptibility,
   * so the scope cannot cancel the caller's task (the region would defer the scope's own
   * deadline until the region ends: a hang for a body that never ends). A new task
   * starts interruptible, so the deadline reaches the body; an outside cancellation of
   * the caller stays deferred (the caller waits uninterruptibly) and does not reach the
   * new task, so the body is shielded from it as before. Only this case pays for a task:
   * a scope entered in an interruptible task runs its body inline.
   */
  static _inOwnTask(
    f: Fiber,
    when: number | null,
    body: Aio<unknown, unknown> | ((scope: Timeout) => Aio<unknown, unknown>),
    lenient: boolean,
    what: string | undefined,
  ): Aio<unknown, unknown> {
    return new AwaitFuture(startTask(f.getLoop(), new TimeoutScope(false, when, body, lenient, what)));
  }

  /** @internal Frame: the body succeeded. */
  _ok(): Aio<unknown, unknown> | null {
    this._exit(undefined);
    return CONTINUE_OK;
  }

  /** @internal Frame: the body failed. */
  _err(f: Fiber): Aio<unknown, unknown> | null {
    const c = f._cause;
    // The CancelledError the body saw becomes the TimeoutError's cause (asyncio: `raise
    // TimeoutError from exc`).
    if (this._exit(c)) f._cause = Cause.fail(new TimeoutError(this._what, { cause: Cause.squash(c) }));
    return CONTINUE_ERR;
  }
}

/** The body of a scope: an Aio, or a function of the scope returning one. */
type Body<A, E> = Aio<A, E> | ((scope: Timeout) => Aio<A, E>);

/** The scope as an Aio: enters on evaluation, pushes itself as the body's frame. */
class TimeoutScope<A, E> extends Aio<A, E | TimeoutError> {
  constructor(
    private readonly relative: boolean,
    private readonly t: number | null,
    private readonly body: Body<A, E>,
    private readonly lenient = false,
    private readonly what?: string,
  ) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    const loop = f.getLoop();
    const now = loop.time();
    const when = this.t === null ? null : this.relative ? now + this.t : this.t;
    if (!f._interruptible) return Timeout._inOwnTask(f, when, this.body as Body<unknown, unknown>, this.lenient, this.what);
    const scope = new Timeout(when, this.lenient, this.what);
    scope._enter(f, loop, now);
    f._push(scope);
    const body = this.body;
    if (body instanceof Aio) return body as Aio<unknown, unknown>;
    const aio = body(scope);
    if (!(aio instanceof Aio)) throw new TypeError(`timeout: the body function returned ${describe(aio)}, not an Aio`);
    return aio as Aio<unknown, unknown>;
  }
}

const checkBody = (fn: string, body: unknown): void => {
  if (!(body instanceof Aio) && typeof body !== "function") {
    throw new TypeError(`${fn}: the body must be an Aio or a function (scope) => Aio; got ${describe(body)}`);
  }
};

const checkMs = (fn: string, what: string, v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new RangeError(`${fn}: expected ${what} in ms, null or undefined; got ${describe(v)}`);
  }
  return v;
};

/**
 * Runs `body` with a deadline `delay` ms from when the scope starts (asyncio.timeout).
 * When it passes, the body is cancelled where it waits (its `finally` blocks run) and
 * the scope fails with a `TimeoutError`; a cancellation from elsewhere passes through
 * unchanged. `null`/`undefined`: no deadline (the scope can still `reschedule`). A delay
 * `<= 0` cancels the body at its first suspension. NaN is a RangeError at once.
 *
 * Also curried: `timeout(ms)(body)`, for `pipe`.
 *
 * @example
 * ```ts
 * import { Aio, TimeoutError, run, timeout } from "aio-ts";
 * const slow = Aio.sleep(3_600_000, "done");
 * const program = timeout(3000, slow).pipe(
 *   Aio.catchAll((e) => Aio.succeed(e instanceof TimeoutError ? "timed out" : "other")),
 * );
 * await run(program); // "timed out" after 3 s
 * ```
 */
export function timeout<A, E>(delay: number | null | undefined, body: Body<A, E>): Aio<A, E | TimeoutError>;
export function timeout(delay: number | null | undefined): <A, E>(body: Body<A, E>) => Aio<A, E | TimeoutError>;
export function timeout<A, E>(
  delay: number | null | undefined,
  ...rest: [] | [Body<A, E>]
): Aio<A, E | TimeoutError> | (<A2, E2>(body: Body<A2, E2>) => Aio<A2, E2 | TimeoutError>) {
  const d = checkMs("timeout", "a delay", delay);
  if (rest.length === 0) {
    return <A2, E2>(body: Body<A2, E2>): Aio<A2, E2 | TimeoutError> => {
      checkBody("timeout", body);
      return new TimeoutScope(true, d, body);
    };
  }
  checkBody("timeout", rest[0]);
  return new TimeoutScope(true, d, rest[0]);
}

/**
 * As `timeout`, with an absolute deadline in loop time (ms, as `loop.time()`):
 * asyncio.timeout_at. A deadline already past cancels the body at its first suspension.
 *
 * @example
 * ```ts runnable
 * import { Aio, getRunningLoop, run, timeoutAt } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const deadline = getRunningLoop().time() + 500;
 *   return yield* timeoutAt(deadline, Aio.sleep(100, "in time"));
 * });
 * await run(program); // "in time"
 * ```
 */
export function timeoutAt<A, E>(when: number | null | undefined, body: Body<A, E>): Aio<A, E | TimeoutError>;
export function timeoutAt(when: number | null | undefined): <A, E>(body: Body<A, E>) => Aio<A, E | TimeoutError>;
export function timeoutAt<A, E>(
  when: number | null | undefined,
  ...rest: [] | [Body<A, E>]
): Aio<A, E | TimeoutError> | (<A2, E2>(body: Body<A2, E2>) => Aio<A2, E2 | TimeoutError>) {
  const w = checkMs("timeoutAt", "a loop time", when);
  if (rest.length === 0) {
    return <A2, E2>(body: Body<A2, E2>): Aio<A2, E2 | TimeoutError> => {
      checkBody("timeoutAt", body);
      return new TimeoutScope(false, w, body);
    };
  }
  checkBody("timeoutAt", rest[0]);
  return new TimeoutScope(false, w, rest[0]);
}
