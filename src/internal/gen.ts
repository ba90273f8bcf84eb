/**
 * `Aio.gen`: a generator driven by the fiber. `yield*` of an Aio suspends the generator
 * on it (the Aio's side of the protocol is `Aio.next` in internal/aio.ts); a failure is
 * thrown into the generator at its `yield*`.
 * @internal
 */
import * as Cause from "../Cause.js";
import {
  Aio,
  GENERATOR_NEXT,
  GENERATOR_PROTOTYPE,
  PASS,
  clearPendingYield,
  inlineStep,
  resumeGen,
  throwIntoGen,
  turn,
  type Fiber,
  type Frame,
  type Next,
  type YieldOf,
} from "./aio.js";
import { FailCause, Succeed } from "./primitives.js";

/**
 * A generator driven by the fiber: `yield*` of an Aio suspends the generator on it.
 *
 * A failure is thrown into the generator at its `yield*`. The frame remembers the last
 * value thrown in and its cause: when that same value comes back out (uncaught, or
 * rethrown after a `finally` that itself yielded), the original cause is kept, so a
 * typed failure stays typed and an interruption stays an interruption. Anything else
 * thrown out of a generator is a defect (or an interruption, for a CancelledError).
 */
class GenFrame implements Frame {
  /** The cause last thrown into the generator (its thrown value is `Cause.squash` of it). */
  thrownCause: Cause.Cause<unknown> | undefined = undefined;
  /** @internal the generator (src/debug.ts reads it to name the frame) */
  readonly it: Iterator<unknown, unknown, unknown>;
  constructor(it: Iterator<unknown, unknown, unknown>) {
    this.it = Object.getPrototypeOf(it) === SHARED_GENERATOR_PROTOTYPE ? it : delegateTo(it);
  }

  private causeOf(e: unknown): Cause.Cause<unknown> {
    const c = this.thrownCause;
    return c !== undefined && e === Cause.squash(c) ? c : Cause.fromThrown(e);
  }

  /** Runs the generator to its first suspending `yield*`. */
  _start(f: Fiber): Next {
    let r: IteratorResult<unknown, unknown>;
    const prev = turn.activeFrame;
    const prevDelegations = turn.nativeDelegations;
    turn.activeFrame = this;
    clearPendingYield();
    turn.nativeDelegations = 0;
    try {
      r = GENERATOR_NEXT.call(this.it, undefined);
    } catch (e) {
      return new FailCause(this.causeOf(e));
    } finally {
      turn.activeFrame = prev;
      turn.nativeDelegations = prevDelegations;
    }
    const next = this.step(f, r);
    return next === PASS ? f._ret() : next;
  }

  _ok(f: Fiber): Next {
    let r: IteratorResult<unknown, unknown>;
    const prev = turn.activeFrame;
    const prevDelegations = turn.nativeDelegations;
    turn.activeFrame = this;
    clearPendingYield();
    turn.nativeDelegations = 0;
    try {
      r = resumeGen(this.it, f._v);
    } catch (e) {
      return new FailCause(this.causeOf(e));
    } finally {
      turn.activeFrame = prev;
      turn.nativeDelegations = prevDelegations;
    }
    return this.step(f, r);
  }

  _err(f: Fiber): Next {
    // Throw the failure into the generator at its `yield*`, so try/catch/finally run.
    const prev = turn.activeFrame;
    const prevDelegations = turn.nativeDelegations;
    turn.activeFrame = this;
    clearPendingYield();
    turn.nativeDelegations = 0;
    const thrown = throwIntoGen(f._cause);
    let r: IteratorResult<unknown, unknown>;
    try {
      r = GENERATOR_THROW.call(this.it, thrown);
    } catch (e) {
      // The same value came back out: keep unwinding with the original cause.
      return e === thrown ? PASS : new FailCause(this.causeOf(e));
    } finally {
      turn.activeFrame = prev;
      turn.nativeDelegations = prevDelegations;
    }
    const next = this.step(f, r);
    return next === PASS ? new Succeed(f._v) : next;
  }

  /** The generator yielded (suspend on the Aio) or returned (unwind with its value). */
  private step(f: Fiber, r: IteratorResult<unknown, unknown>): Next {
    if (r.done === true) {
      f._v = r.value;
      return PASS;
    }
    const y = r.value;
    clearPendingYield();
    if (!(y instanceof Aio)) {
      return new FailCause(
        Cause.die(new TypeError(`Aio.gen: a generator yielded ${String(y)}, not an Aio; write yield*, not yield`)),
      );
    }
    f._push(this);
    return y;
  }
}

/** @internal `Aio.gen`. */
export class Gen<A, E> extends Aio<A, E> {
  constructor(readonly body: () => Iterator<unknown, A, unknown>) {
    super();
    // V8 gives each generator-function closure its own `prototype` object and so its own
    // generator-object map, made on the first call: ~0.5 µs, paid again for every
    // closure (`(n) => Aio.gen(function* () {...})` makes one per call). Generator
    // objects only need %GeneratorPrototype% (next/throw/return) in their chain, so every
    // body shares one prototype: one map, monomorphic generator code, half the cost.
    //
    // The prototype is written without being read first: reading `fn.prototype` of a
    // fresh generator function makes V8 allocate its own prototype object (~0.4 µs, more
    // than the rest of this constructor). Writing it again on a function already set up
    // is not free either (V8 copies the initial map), so the last body set up is
    // remembered: a loop building `Aio.gen(body)` from one `body` writes it once.
    if (body !== lastPreparedBody) {
      lastPreparedBody = body;
      try {
        (body as { prototype?: unknown }).prototype = SHARED_GENERATOR_PROTOTYPE;
      } catch {
        // a frozen or non-generator function: leave it as it is
      }
    }
  }
  _eval(f: Fiber): Next {
    const frame = new GenFrame(this.body());
    return frame._start(f);
  }
  /**
   * `yield*` of a generator program inside another one delegates natively (the child
   * generator runs inside the parent's `yield*`, with no frame and no fiber step), up to
   * `MAX_NATIVE_DELEGATION` delegations per resumption of the outermost generator; past
   * that the child yields itself to the fiber and gets a frame of its own. The bound
   * keeps the JS stack shallow (a resume passes through every native delegation).
   */
  override [Symbol.iterator](): Iterator<YieldOf<E>, A, unknown> {
    if (turn.activeFrame !== undefined && turn.nativeDelegations < MAX_NATIVE_DELEGATION && inlineStep()) {
      turn.nativeDelegations++;
      return this.body() as Iterator<YieldOf<E>, A, unknown>;
    }
    return this;
  }
}

/** The prototype every `Aio.gen` body's generator objects share (see `Gen`). */
const SHARED_GENERATOR_PROTOTYPE: object = Object.create(GENERATOR_PROTOTYPE) as object;

/** %GeneratorPrototype%'s `throw`, called directly for the reason `GENERATOR_NEXT` is. */
const GENERATOR_THROW = GENERATOR_PROTOTYPE.throw;

/**
 * A real generator that delegates to `it`: a body that returned some other iterator (a
 * hand-written one, or a generator whose function is frozen so it kept its own prototype)
 * still runs through `GENERATOR_NEXT`, with `yield*` forwarding next/throw/return to it.
 */
function* delegateTo(it: Iterator<unknown, unknown, unknown>): Generator<unknown, unknown, unknown> {
  return yield* { [Symbol.iterator]: () => it };
}

/** The generator body `Gen` gave the shared prototype to last (see `Gen`). */
let lastPreparedBody: unknown = undefined;

/** How many `yield*` of `Aio.gen` programs may nest natively in one generator chain. */
const MAX_NATIVE_DELEGATION = 16;

/**
 * @internal What src/debug.ts reads of this module. An object rather than an
 * `export` keyword on the class: the frame's own uses of `GenFrame` stay a module-local
 * binding (src/debug.ts reads it; the kernel never imports src/debug.ts).
 */
export const genDebugAccess = { GenFrame } as const;
