/**
 * The suspending primitives the loop resumes: `Aio.async` (a callback registration,
 * promises), `sleep` (a timer in the loop's heap) and `never`. What each suspension
 * waits on (an `AsyncToken`, a `FiberTimer`) is what cancellation detaches the fiber
 * from (`detach` in internal/cancel.ts). Awaiting a future is in internal/future.ts.
 * @internal
 */
import * as Cause from "../Cause.js";
import {
  Aio,
  DONE_RESULT,
  RUNNING,
  SUSPENDED,
  inlineStep,
  throwIntoGen,
  type Fiber,
  type Next,
  type YieldOf,
} from "./aio.js";
import { runningFiber } from "./context.js";
import type { Timer } from "./loop.js";
import { CONTINUE_OK, FailCause, Succeed, checkAio } from "./primitives.js";


/**
 * What a suspended fiber waits on, for a user callback (`Aio.async`, promises). Kernel
 * type, not exported from the package entry; not tagged internal because the streams' wait
 * helpers name it in their declarations.
 */
export class AsyncToken {
  /** A resume that arrived while `register` was still running. */
  sync: Aio<unknown, unknown> | undefined = undefined;
  canceller: (() => void) | undefined = undefined;
  controller: AbortController | undefined = undefined;
  /** Resumed, cancelled, or `register` threw: a later resume is ignored. */
  settled = false;
  constructor(
    readonly fiber: Fiber,
    /** Whether the virtual clock waits for this host operation (`_hostPending`). */
    readonly host: boolean,
  ) {}

  /** Ends the wait without a result (cancelled, or `register` threw): releases the clock once. */
  release(): void {
    if (!this.settled && this.host) this.fiber._loop._hostPending(-1);
    this.settled = true;
  }

  /**
   * The `resume` given to `register` calls this. At most once to effect: a second call,
   * or one after the fiber was cancelled (`release` ran), is ignored.
   */
  resume(result: Aio<unknown, unknown>): void {
    if (this.settled) return;
    this.settled = true;
    const aio = checkAio("Aio.async: resume was called with", result);
    const f = this.fiber;
    if (this.host) f._loop._hostPending(-1);
    if (f._waitingOn !== this) return; // cancelled meanwhile: ignore
    if (f._runState === RUNNING) this.sync = aio;
    else f._scheduleResume(aio);
  }

  /**
   * The `resume` of a host operation (a promise's reaction, a socket or child-process
   * event): as `resume`, but an idle loop runs the woken fiber there and then instead of
   * in a microtask after this callback (see `BaseEventLoop._wakeFromHost`).
   */
  resumeFromHost(result: Aio<unknown, unknown>): void {
    this.fromHost(this.resume, result);
  }

  /** `resumeFromHost(succeed(value))` without making the `Succeed`. */
  succeedFromHost(value: unknown): void {
    this.fromHost(this.succeed, value);
  }

  /** Calls `settle(x)` inside `_hostWakeBegin`/`_hostWakeEnd` when the loop allows it. */
  private fromHost<T>(settle: (this: AsyncToken, x: T) => void, x: T): void {
    const loop = this.fiber._loop;
    if (this.settled || !loop._hostWakeBegin()) return settle.call(this, x);
    try {
      settle.call(this, x);
    } finally {
      loop._hostWakeEnd();
    }
  }

  /** `resume(succeed(value))` without making the `Succeed` (unless resumed inside `register`). */
  private succeed(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const f = this.fiber;
    if (this.host) f._loop._hostPending(-1);
    if (f._waitingOn !== this) return; // cancelled meanwhile: ignore
    if (f._runState === RUNNING) this.sync = new Succeed(value);
    else {
      f._v = value;
      f._scheduleResume(CONTINUE_OK);
    }
  }
}

/** @internal */
export type Register<A, E> = (
  resume: (aio: Aio<A, E>) => void,
  signal: AbortSignal,
) => void | (() => void) | PromiseLike<void>;

/**
 * @internal Whether `f` may read its argument number `index` (0-based), so must be given
 * it: an `AbortSignal` costs 6 to 20 us to make on Node 20 (more than the promise round
 * trip it would guard), so one is made only for a callback that declares it. The rule is
 * Effect's (`register.length >= 2` for `Effect.callback`'s signal), plus classic
 * `function`s: `f.length` counts the parameters before the first default or rest one,
 * and a `function` (it has a `prototype`) may read `arguments`. So `(resume, s = x) =>`,
 * `(...args) =>` and an `async function` or method reading `arguments` go without: declare
 * the parameter plainly. The source is not read: `Function.prototype.toString` and a scan
 * of the parameter list were a third of a `yield*` of a fresh `Aio.async` (S1rt: 230 to
 * 280 ns a step with them). Once per `Aio.async` / `Aio.promise` value, not per run.
 */
export const mayReadArgument = (f: (...args: never[]) => unknown, index: number): boolean =>
  f.length > index || (f as { prototype?: unknown }).prototype !== undefined;

/** @internal A suspension on a callback registration. */
export class Async<A, E> extends Aio<A, E> {
  constructor(
    readonly register: Register<A, E>,
    /** Whether the operation is a host operation the virtual clock must wait for. */
    readonly host: boolean,
    /** Whether `register` can see its `signal` parameter (see `mayReadArgument`). */
    readonly wantsSignal: boolean = mayReadArgument(register, 1),
  ) {
    super();
  }
  _eval(f: Fiber): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    return waitOn(f, this._register(f));
  }

  /**
   * `yield*` of a callback registration starts it inline, inside the generator's
   * `next()`: one resumed at once (`resume(Aio.succeed(x))` inside `register`) then
   * completes there, with no fiber step, frame push or generator re-entry (S1rt: each
   * step of a loop of them). Otherwise the Aio yields itself or a node that suspends the
   * fiber on the token already registered. Same order of effects as `_eval`: a pending
   * cancellation is delivered before `register` runs (by yielding to the fiber).
   */
  override next(sent?: unknown): IteratorResult<YieldOf<E>, A> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    const f = runningFiber() as unknown as Fiber;
    if (f._mustCancel && f._interruptible) return super.next(sent);
    let token: AsyncToken;
    try {
      token = this._register(f);
    } catch (e) {
      // What the run loop makes of a throw from `_eval`, thrown in at the `yield*`.
      throw throwIntoGen(Cause.fromThrown(e));
    }
    const sync = token.sync;
    if (sync === undefined) return suspendOn(token);
    f._waitingOn = null;
    if (sync instanceof Succeed) {
      DONE_RESULT.value = sync.value;
      return DONE_RESULT as IteratorReturnResult<A>;
    }
    if (sync instanceof FailCause) throw throwIntoGen(sync.cause);
    // Any other Aio: the fiber runs it as the value of this `yield*`.
    return Aio.prototype.next.call(sync) as IteratorResult<YieldOf<E>, A>;
  }

  /**
   * Calls `register` with a fresh token's `resume` (and a signal, if it declares one);
   * the fiber waits on the token. A throw from `register` releases the token and is
   * rethrown (the fiber's defect). `token.sync` is set when `register` resumed at once.
   */
  private _register(f: Fiber): AsyncToken {
    const host = this.host;
    // One token and one closure per suspension: the token holds the state, so the
    // closure captures only it (the state in closure variables cost a context object and
    // a second closure per step).
    const token = new AsyncToken(f, host);
    if (host) f._loop._hostPending(1);
    f._waitingOn = token;
    let signal: AbortSignal | undefined;
    if (this.wantsSignal) signal = (token.controller = new AbortController()).signal;
    let canceller: unknown;
    try {
      canceller = this._call(token, signal as AbortSignal);
    } catch (e) {
      token.release();
      f._waitingOn = null;
      throw e; // a defect of the fiber (the run loop turns it into one)
    }
    if (typeof canceller === "function") {
      if (token.sync === undefined) token.canceller = canceller as () => void;
    } else if (canceller !== undefined) watchRegisterPromise(canceller, token);
    return token;
  }

  /**
   * Starts the operation: calls `register` with the token's `resume` and returns what
   * `register` returned (a canceller, a promise to watch, or nothing). The promise bridge
   * (`Aio.promise`, aio-promise.ts) overrides it to attach its reactions to the token
   * itself, without a `resume` closure or a `Succeed` per result.
   */
  protected _call(token: AsyncToken, signal: AbortSignal): unknown {
    const resume = this.host
      ? (result: Aio<A, E>): void => token.resumeFromHost(result)
      : (result: Aio<A, E>): void => token.resume(result);
    return this.register(resume, signal);
  }
}

/**
 * The fiber side of an inline `yield*` of `Aio.async` whose `register` did not resume at
 * once: the registration is made, so the fiber only suspends on its token. Nothing runs
 * between the generator yielding this and the fiber evaluating it, so the token is still
 * what the fiber waits on; it was resumed (only) if `token.sync` is set since.
 */
class SuspendOn extends Aio<unknown, unknown> {
  constructor(readonly token: AsyncToken) {
    super();
  }
  _eval(f: Fiber): Next {
    return waitOn(f, this.token);
  }
}

/**
 * The fiber after `register` ran: resumed synchronously inside it (`token.sync`), it
 * continues inline with that Aio; otherwise it suspends on the token.
 */
const waitOn = (f: Fiber, token: AsyncToken): Next => {
  const sync = token.sync;
  if (sync !== undefined) {
    f._waitingOn = null;
    return sync;
  }
  f._runState = SUSPENDED;
  return null;
};

const suspendOn = <A, E>(token: AsyncToken): IteratorResult<YieldOf<E>, A> =>
  Aio.prototype.next.call(new SuspendOn(token)) as IteratorResult<YieldOf<E>, A>;

/** A register that returned a promise: its rejection fails the fiber, or is reported. */
const watchRegisterPromise = (result: unknown, token: AsyncToken): void =>
  watchRegisterResult(result, (e) => {
    const f = token.fiber;
    // Still waiting (not resumed, not cancelled): the fiber's defect, as a sync throw.
    if (!token.settled && f._waitingOn === token) token.resume(new FailCause(Cause.die(e)));
    else
      f._loop.callExceptionHandler({
        message: "Aio.async: the promise returned by register rejected after the fiber was resumed or cancelled",
        exception: e,
        task: f,
      });
  });

/**
 * Watches what `register` returned when it is not a canceller. An `async` register returns
 * a promise (TypeScript accepts one where `void` is expected): its rejection must never be
 * left unhandled (it would kill a process run with `--unhandled-rejections=strict`), so
 * `onReject` gets it. Any other value is ignored, as before.
 */
const watchRegisterResult = (result: unknown, onReject: (e: unknown) => void): void => {
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return;
  try {
    const then = (result as { then?: unknown }).then;
    if (typeof then === "function") (then as PromiseLike<unknown>["then"]).call(result, undefined, onReject);
  } catch (e) {
    onReject(e); // a `then` getter or method that throws
  }
};

/** @internal The timer a sleeping fiber waits on; it resumes the fiber in place. */
export class FiberTimer implements Timer {
  _index = -1;
  constructor(
    readonly _when: number,
    readonly _seq: number,
    /** @internal */ readonly fiber: Fiber,
    /** What the sleep returns. */
    private readonly value: unknown,
  ) {}
  _run(): void {
    const f = this.fiber;
    if (f._waitingOn !== this) return;
    f._waitingOn = null;
    f._v = this.value;
    f._resumeWith = CONTINUE_OK;
    f._run();
  }
}


/** @internal `sleep(ms, value)`: a timer in the loop's heap, or one ready-queue turn. */
export class Sleep<A> extends Aio<A, never> {
  constructor(
    readonly ms: number,
    readonly value: A,
  ) {
    super();
  }
  _eval(f: Fiber): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    const loop = f._loop;
    if (this.ms <= 0) {
      // sleep(0): yield to the loop exactly once.
      f._v = this.value;
      f._scheduleResume(CONTINUE_OK);
      return null;
    }
    // The deadline comes from a fresh clock reading, so a sleep never ends early.
    const t = new FiberTimer(loop.time() + this.ms, loop._nextSeq(), f, this.value);
    f._waitingOn = t;
    f._runState = SUSPENDED;
    loop._addTimer(t);
    return null;
  }
}


/** @internal Never resumes; only a cancellation ends it. */
export class Never extends Aio<never, never> {
  _eval(f: Fiber): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    f._waitingOn = NEVER_TOKEN;
    f._runState = SUSPENDED;
    return null;
  }
}
const NEVER_TOKEN = { never: true };

/** @internal What src/debug.ts reads of this module (what `Aio.never` waits on). */
export const asyncDebugAccess = { NEVER_TOKEN } as const;
