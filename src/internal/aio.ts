/**
 * The `Aio` value and the kernel interface: what a primitive or a continuation frame may
 * do with the fiber running it (`Fiber`, `Frame`, `Next`/`PASS`), the `yield*` protocol
 * (an Aio is its own iterator), and the per-turn step budget shared by the run loop
 * (internal/fiber.ts) and the inline `yield*` fast paths (internal/primitives.ts,
 * internal/gen.ts). docs/runtime.md, "Writing a combinator", walks through its use.
 *
 * How a fiber runs (read `Task._runLoop` in internal/fiber.ts first):
 * - Every primitive evaluates itself: `aio._eval(fiber)` returns the next `Aio` to
 *   evaluate, or `null` when the fiber suspended or finished. No big switch.
 * - Continuations live on an explicit stack of frames (`fiber._push`), so depth costs
 *   heap, not JS stack. `FlatMap` and friends are their own frames: pushing one allocates
 *   nothing; the value travels in `fiber._v` (or `fiber._cause` when failing).
 * - Unwinding (`_ret`, `_fail`) pops frames; a frame answers with an `Aio` to run next or
 *   `PASS` to keep unwinding. Frames never unwind recursively, so completion is stack-safe.
 * - A fiber suspends only at an async primitive (sleep, a future, a callback, a yield).
 *   Cancellation is delivered at those points, at the end of an uninterruptible region,
 *   and when the fiber finishes (asyncio: a task that cancelled itself ends cancelled).
 * @internal
 */
import { squash } from "../Cause.js";
import type * as Cause from "../Cause.js";
import type { Exit } from "../Exit.js";
import type { LoopCore, PublicEventLoop } from "./loop.js";

// ---------------------------------------------------------------------------------------
// The kernel interface

/** A frame's answer: the next Aio, null (suspended/done), or PASS (keep unwinding). @internal */
export type Next = Aio<unknown, unknown> | null;
/** @internal A frame's "keep unwinding": the fiber pops the next frame. */
export const PASS: Next = Object.freeze({ _pass: true }) as unknown as Next;

/** A continuation on the fiber stack. */
export interface Frame {
  /** @internal Called with the fiber's value in `f._v`. */
  _ok(f: Fiber): Next;
  /** @internal Called with the fiber's failure in `f._cause`. */
  _err(f: Fiber): Next;
}

/** Run states of a fiber (`Fiber._runState`). @internal */
export const SCHEDULED = 0; // in the ready queue (also: created, first step pending)
/** @internal its steps are executing now */
export const RUNNING = 1;
/** @internal waiting on `_waitingOn` */
export const SUSPENDED = 2;
/** @internal has an exit */
export const FINISHED = 3;

/**
 * What a primitive's `_eval` and a frame's `_ok` / `_err` may do with the fiber
 * running them: the whole interface between the kernel (internal/fiber.ts, whose `Task`
 * implements it) and the primitives and combinators built on it. Combinators outside
 * internal/ see the fiber only as this type. Every member is a field or a method small
 * enough for V8 to inline: using it costs what touching the Task directly would.
 */
export interface Fiber {
  /** @internal */
  // Unwinding: how a primitive or frame answers.
  /** The value the fiber is returning (while it unwinds with success). */
  _v: unknown;
  /** @internal The failure the fiber is unwinding with (shares the slot of `_v`). */
  _cause: Cause.Cause<unknown>;
  /** @internal Pushes a continuation: its `_ok` / `_err` sees how what runs next ends. */
  _push(frame: Frame): void;
  /** @internal Continues unwinding now with `_v` (pops frames); what a completed primitive returns. */
  _ret(): Next;
  /** @internal Continues unwinding now with `_cause`. */
  _fail(): Next;

  /** @internal */
  // Where it runs, and the fiber as a task (its public side: the `Task` methods).
  /** The loop the fiber runs on: its clock, ready queue and timer heap. */
  readonly _loop: LoopCore;
  /** The same loop, with its public type (to create tasks and futures on it). */
  getLoop(): PublicEventLoop;
  /** The task's name (for messages). */
  getName(): string;
  /** Whether the task has finished. */
  done(): boolean;
  /** Requests cancellation of the task (`Task.cancel`); delivered at a suspension point. */
  cancel(msg?: string): boolean;
  /** Withdraws one cancellation request (`Task.uncancel`). */
  uncancel(): number;
  /** Cancellation requests not withdrawn (asyncio's `cancelling()`). */
  cancelling(): number;

  /** @internal */
  // Cancellation.
  /** Whether a cancellation may be delivered now (not in an uninterruptible region). */
  _interruptible: boolean;
  /** @internal A cancellation was requested and is not delivered yet. */
  _mustCancel: boolean;
  /** @internal The message of the last cancellation request. */
  readonly _cancelMsg: string | undefined;
  /** @internal Delivers the pending cancellation now: consumes it, answers its interruption. */
  _cancelNow(): Aio<never, never>;

  /** @internal */
  // Suspension (the suspending primitives: sleep, a callback, a future, never).
  /** What the fiber is suspended on; a wake-up checks it is still the same. */
  _waitingOn: unknown;
  /** @internal SCHEDULED, RUNNING, SUSPENDED or FINISHED. */
  _runState: number;
  /** @internal What to evaluate when the fiber runs next (with `_run`: resume in place). */
  _resumeWith: Aio<unknown, unknown> | null;
  /** @internal Runs the fiber now (from a timer the loop runs): continues with `_resumeWith`. */
  _run(): void;
  /** @internal Puts the suspended fiber on the ready queue to continue with `next`. */
  _scheduleResume(next: Aio<unknown, unknown> | null): void;
  /** @internal Called by a future the fiber waits on (`_waitingOn`) once it is done. */
  _wakeFromFuture(fut: object): void;
}

// ---------------------------------------------------------------------------------------
// The Aio value

declare const YieldBrand: unique symbol;
/** The keys of `Aio`'s phantom types (type-only: nothing exists at run time). */
declare const SuccessType: unique symbol;
declare const ErrorType: unique symbol;

/**
 * What `yield*` of an `Aio<A, E>` (or a Future) yields, at the type level: only its error
 * type, which `Aio.gen` collects into the union of its errors. At run time the Aio
 * yields itself. A plain `yield` (without the star) yields an Aio, not this, so
 * `Aio.gen` rejects it at compile time.
 * @example
 * ```ts
 * import type { YieldOf } from "aio-ts";
 * type E = YieldOf<"oops">; // the yield type of `yield* Aio.fail("oops" as const)`
 * ```
 */
export interface YieldOf<E> {
  readonly [YieldBrand]: () => E;
}

/** A function of one argument, for `pipe`. */
type Fn<A, B> = (a: A) => B;
const applyFn = (g: Fn<never, unknown> | undefined, x: unknown): unknown => (g as Fn<unknown, unknown>)(x);

/**
 * @internal `this.pipe(flatMap(fn))`: a FlatMap node, by default. The method is installed
 * on `Aio.prototype` by internal/primitives.ts, where `FlatMap` is defined (the base class
 * cannot import its own subclass); FlatMap and FlatMapChain override it to make and
 * extend chains (see FlatMapChain). A method rather than `instanceof` tests in `flatMap`:
 * those measured 15 ns per link on the common path.
 */
export interface Aio<A, E = never> {
  _flatMap(fn: (a: unknown) => Aio<unknown, unknown>): Aio<unknown, unknown>;
}

/**
 * A lazy, immutable description of an asynchronous computation that succeeds with an
 * `A` or fails with an `E`. Nothing runs until an event loop runs it; running it twice
 * runs it twice.
 *
 * @example
 * ```ts runnable
 * import { Aio, run } from "aio-ts";
 * const program: Aio<number> = Aio.gen(function* () {
 *   yield* Aio.sleep(10);
 *   return 42;
 * });
 * await run(program); // 42
 * ```
 */
export abstract class Aio<A, E = never> {
  /** Phantom types: `A` and `E` are covariant (keyed by symbols no user can name or reach). */
  declare readonly [SuccessType]: () => A;
  declare readonly [ErrorType]: () => E;

  /** @internal Evaluates this primitive on fiber `f`. */
  abstract _eval(f: Fiber): Next;

  /**
   * `yield*` support: the Aio is its own iterator. `yield*` first calls `next()` (no
   * argument): the Aio yields itself. The fiber then resumes the generator with
   * `RESUME`, and the value waiting in `resumeValue` becomes the value of `yield*`.
   * Nothing is allocated per `yield*`; the result objects are shared and read at once.
   */
  [Symbol.iterator](): Iterator<YieldOf<E>, A, unknown> {
    return this;
  }
  /**
   * @internal The outcome, when this Aio is already resolved (a value, a failure, the
   * await of a done future, which is then marked retrieved), else undefined: lets
   * `yield*` of `Aio.exit(...)` of a finished task complete inline.
   */
  _resolvedExit(): Exit<A, E> | undefined {
    return undefined;
  }
  /** @internal iterator protocol for `yield*`; not for direct use. */
  next(sent?: unknown): IteratorResult<YieldOf<E>, A> {
    if (sent === RESUME) {
      DONE_RESULT.value = resumeValue;
      resumeValue = undefined;
      return DONE_RESULT as IteratorReturnResult<A>;
    }
    if (pendingYield !== undefined) {
      // Iterated outside `Aio.gen` (a for-of, a deep-equality check): yielding again
      // would loop forever; asyncio raises here too.
      pendingYield = undefined;
      throw new TypeError("an Aio, Task or Future can only be awaited with yield* inside Aio.gen");
    }
    pendingYield = this;
    YIELD_RESULT.value = this;
    return YIELD_RESULT as IteratorYieldResult<never>;
  }
  /** @internal iterator protocol for `yield*`: rethrows the failure at the `yield*`. */
  throw(e?: unknown): IteratorResult<YieldOf<E>, A> {
    throw e;
  }
  /** @internal iterator protocol for `yield*`. */
  return(value?: unknown): IteratorResult<YieldOf<E>, A> {
    pendingYield = undefined;
    return { done: true, value: value as A };
  }

  /** Applies functions left to right: `aio.pipe(f, g)` is `g(f(aio))`. */
  pipe<B>(ab: Fn<this, B>): B;
  pipe<B, C>(ab: Fn<this, B>, bc: Fn<B, C>): C;
  pipe<B, C, D>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>): D;
  pipe<B, C, D, F>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>, df: Fn<D, F>): F;
  pipe<B, C, D, F, G>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>, df: Fn<D, F>, fg: Fn<F, G>): G;
  pipe<B, C, D, F, G, H>(
    ab: Fn<this, B>,
    bc: Fn<B, C>,
    cd: Fn<C, D>,
    df: Fn<D, F>,
    fg: Fn<F, G>,
    gh: Fn<G, H>,
  ): H;
  pipe<B, C, D, F, G, H, I>(
    ab: Fn<this, B>,
    bc: Fn<B, C>,
    cd: Fn<C, D>,
    df: Fn<D, F>,
    fg: Fn<F, G>,
    gh: Fn<G, H>,
    hi: Fn<H, I>,
  ): I;
  pipe<B, C, D, F, G, H, I, J>(
    ab: Fn<this, B>,
    bc: Fn<B, C>,
    cd: Fn<C, D>,
    df: Fn<D, F>,
    fg: Fn<F, G>,
    gh: Fn<G, H>,
    hi: Fn<H, I>,
    ij: Fn<I, J>,
  ): J;
  pipe(
    ab?: Fn<never, unknown>,
    bc?: Fn<never, unknown>,
    cd?: Fn<never, unknown>,
    de?: Fn<never, unknown>,
    ef?: Fn<never, unknown>,
    fg?: Fn<never, unknown>,
    gh?: Fn<never, unknown>,
    hi?: Fn<never, unknown>,
  ): unknown {
    // No rest parameter: building long pipelines should not allocate an array per call.
    const f = applyFn;
    switch (arguments.length) {
      case 0:
        return this;
      case 1:
        return f(ab, this);
      case 2:
        return f(bc, f(ab, this));
      case 3:
        return f(cd, f(bc, f(ab, this)));
      case 4:
        return f(de, f(cd, f(bc, f(ab, this))));
      case 5:
        return f(ef, f(de, f(cd, f(bc, f(ab, this)))));
      case 6:
        return f(fg, f(ef, f(de, f(cd, f(bc, f(ab, this))))));
      case 7:
        return f(gh, f(fg, f(ef, f(de, f(cd, f(bc, f(ab, this)))))));
      default:
        return f(hi, f(gh, f(fg, f(ef, f(de, f(cd, f(bc, f(ab, this))))))));
    }
  }
}


/** What the fiber sends into a generator to resume it; the value is in `resumeValue`. */
const RESUME = Object.freeze({ _resume: true });
let resumeValue: unknown = undefined;
/** The Aio a generator has just yielded and the fiber has not yet taken. */
let pendingYield: unknown = undefined;
const YIELD_RESULT: { done: false; value: unknown } = { done: false, value: undefined };
export const DONE_RESULT: { done: true; value: unknown } = { done: true, value: undefined };

/** @internal %GeneratorPrototype%: `next`, `throw` and `return` of every generator object. */
export const GENERATOR_PROTOTYPE = Object.getPrototypeOf(function* () {
  /* only its prototype chain is used */
}).prototype as Generator<unknown, unknown, unknown>;

/**
 * @internal %GeneratorPrototype%'s `next`, called directly on a frame's generator (internal/gen.ts
 * makes sure it is a real generator object): `it.next(x)` looks `next` up on the
 * generator, whose map V8 makes per generator-function closure even with the shared
 * prototype. With a closure per run (`run(Aio.gen(function* () {...}))` in a loop, a
 * handler per request) that lookup goes megamorphic, and each new map deoptimized the
 * frame's optimized code until it did (S6p: 4–7 runs of 10^4 calls to warm up, then 2–3
 * with the direct call).
 */
export const GENERATOR_NEXT = GENERATOR_PROTOTYPE.next;

/** Resumes a generator (a real one, see `GENERATOR_NEXT`) suspended in `yield*` with `value`. */
export const resumeGen = (it: Iterator<unknown, unknown, unknown>, value: unknown): IteratorResult<unknown, unknown> => {
  resumeValue = value;
  return GENERATOR_NEXT.call(it, RESUME);
};

/** @internal Forgets the Aio a generator yielded (the fiber has taken it). */
export const clearPendingYield = (): void => {
  pendingYield = undefined;
};

// ---------------------------------------------------------------------------------------
// The step budget (shared by the run loop and the inline `yield*` fast paths)

/**
 * How many primitive steps a fiber runs before it yields to the loop (goes to the back
 * of the ready queue), so one busy fiber cannot starve the others. A tuning constant, not
 * public API (tests import it from here).
 * @internal
 */
export const MAX_STEPS_PER_TURN = 2048;

/**
 * @internal The running turn's state, one object shared by the modules that read and
 * write it on every step (an ES module cannot assign another's `let`):
 * - `steps`: steps the running fiber has taken in this turn. `yield*` of a value that
 *   completes inline (succeed, sync, a non-blocking queue get…) counts too, so even a
 *   generator loop that never suspends yields to the loop after `MAX_STEPS_PER_TURN`.
 * - `activeFrame`: the generator frame whose generator is executing now (for inline
 *   `yield*` throws), set by internal/gen.ts.
 * - `nativeDelegations`: native `yield*` delegations made since the fiber last entered
 *   a generator chain (see `Gen` in internal/gen.ts).
 */
export const turn: {
  steps: number;
  activeFrame: { thrownCause: Cause.Cause<unknown> | undefined } | undefined;
  nativeDelegations: number;
} = { steps: 0, activeFrame: undefined, nativeDelegations: 0 };

/**
 * @internal Counts one inline `yield*` step; false when the turn's budget is spent (the
 * caller then yields itself to the fiber, which goes to the back of the ready queue).
 *
 * Only the first `next()` of a `yield*` (no argument) may complete inline. When the
 * budget made the Aio yield itself, the fiber evaluates it (running its effect) and
 * then resumes the `yield*` with `RESUME`: an override that ran its effect again on that
 * call would run it twice (10,000 `yield* Aio.sync(f)` called `f` 10,004 times).
 */
export const inlineStep = (): boolean => turn.activeFrame !== undefined && ++turn.steps < MAX_STEPS_PER_TURN;

/**
 * @internal Records that `cause` is thrown into the active generator; returns the
 * thrown value (`Cause.squash` of it).
 */
export const throwIntoGen = (cause: Cause.Cause<unknown>): unknown => {
  const thrown = squash(cause);
  const frame = turn.activeFrame;
  if (frame !== undefined) frame.thrownCause = cause;
  return thrown;
};

