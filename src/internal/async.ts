/**
 * The suspending primitives the loop resumes: `Aio.async` (a callback registration,
 * promises), `sleep` (a timer in the loop's heap) and `never`. What each suspension
 * waits on (an `AsyncToken`, a `FiberTimer`) is what cancellation detaches the fiber
 * from (`Task._detach` in internal/fiber.ts). Awaiting a future is in internal/future.ts.
 * @internal
 */
import * as Cause from "../Cause.js";
import { Aio, RUNNING, SUSPENDED, type Fiber, type Next } from "./aio.js";
import type { Timer } from "./loop.js";
import { CONTINUE_OK, FailCause, checkAio } from "./primitives.js";


/** @internal What a suspended fiber waits on, for a user callback (`Aio.async`, promises). */
export class AsyncToken {
  /** A resume that arrived while `register` was still running. */
  sync: Aio<unknown, unknown> | undefined = undefined;
  canceller: (() => void) | undefined = undefined;
  controller: AbortController | undefined = undefined;
  /** Releases the virtual clock's wait for this host operation (once). */
  release: (() => void) | undefined = undefined;
  constructor(readonly fiber: Fiber) {}
}

/** @internal */
export type Register<A, E> = (
  resume: (aio: Aio<A, E>) => void,
  signal: AbortSignal,
) => void | (() => void) | PromiseLike<void>;

const functionSource = Function.prototype.toString;
/** An arrow function whose parameters are plain names (no default, rest, destructuring). */
const PLAIN_ARROW = /^(?:async\s*)?(?:\(\s*(?:[A-Za-z_$][\w$]*\s*(?:,\s*[A-Za-z_$][\w$]*\s*)*)?\)|[A-Za-z_$][\w$]*)\s*=>/;

/**
 * @internal Whether `f` may read its argument number `index` (0-based), so must be given
 * it: an `AbortSignal` costs about 7 us to make on Node 20 (more than the promise round
 * trip it would guard), so one is made only for a callback that can see it. `f.length`
 * alone is not enough: it stops counting at a default or rest parameter (`(...a) =>`,
 * `(s = undefined) =>` have length 0) and a `function` can read `arguments`. So a
 * callback declaring fewer parameters is trusted only if its source shows an arrow (no
 * `arguments` of its own) whose parameters are plain names, where `length` is exact;
 * anything else (bound, native, a `function`, a comment in the list) gets the argument.
 * About 0.2 us, once per `Aio.async` / `Aio.promise` value, not per run.
 */
export const mayReadArgument = (f: (...args: never[]) => unknown, index: number): boolean =>
  f.length > index || !PLAIN_ARROW.test(functionSource.call(f));

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
    const token = new AsyncToken(f);
    const loop = f._loop;
    const host = this.host;
    let settled = false;
    if (host) loop._hostPending(1);
    const unregister = (): void => {
      if (!settled && host) loop._hostPending(-1);
      settled = true;
    };
    // Called at most once to effect: a second call, or one after the fiber was cancelled
    // (`unregister` ran), is ignored.
    const resume = (result: Aio<A, E>): void => {
      if (settled) return;
      settled = true;
      const aio = checkAio("Aio.async: resume was called with", result);
      if (host) loop._hostPending(-1);
      if (f._waitingOn !== token) return; // cancelled meanwhile: ignore
      if (f._runState === RUNNING) token.sync = aio;
      else f._scheduleResume(aio);
    };
    if (host) token.release = unregister;
    f._waitingOn = token;
    let signal: AbortSignal | undefined;
    if (this.wantsSignal) signal = (token.controller = new AbortController()).signal;
    let canceller: unknown;
    try {
      canceller = this.register(resume, signal as AbortSignal);
    } catch (e) {
      unregister();
      f._waitingOn = null;
      throw e; // a defect of the fiber (the run loop turns it into one)
    }
    if (canceller !== undefined && typeof canceller !== "function")
      watchRegisterResult(canceller, (e) => {
        // Still waiting (not resumed, not cancelled): the fiber's defect, as a sync throw.
        if (!settled && f._waitingOn === token) resume(new FailCause(Cause.die(e)));
        else
          loop.callExceptionHandler({
            message: "Aio.async: the promise returned by register rejected after the fiber was resumed or cancelled",
            exception: e,
            task: f,
          });
      });
    if (token.sync !== undefined) {
      // Resumed synchronously inside `register`: continue inline.
      f._waitingOn = null;
      return token.sync;
    }
    if (typeof canceller === "function") token.canceller = canceller as () => void;
    f._runState = SUSPENDED;
    return null;
  }
}

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
