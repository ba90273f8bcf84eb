/**
 * The core: the `Aio` value, its primitives, the fiber run loop (a `Task` is a fiber),
 * and `Future`. Public modules re-export from here; the event loop (events.ts) drives the
 * fibers but this file never imports it at run time.
 *
 * How a fiber runs (read `Task._runLoop` first):
 * - Every primitive evaluates itself: `aio._eval(fiber)` returns the next `Aio` to
 *   evaluate, or `null` when the fiber suspended or finished. No big switch.
 * - Continuations live on an explicit stack (`fiber._stack`) of frames, so depth costs
 *   heap, not JS stack. `FlatMap` and friends are their own frames: pushing one allocates
 *   nothing; the value travels in `fiber._v` (or `fiber._cause` when failing).
 * - Unwinding (`_ret`, `_fail`) pops frames; a frame answers with an `Aio` to run next or
 *   `PASS` to keep unwinding. Frames never unwind recursively, so completion is stack-safe.
 * - A fiber suspends only at an async primitive (sleep, a future, a callback, a yield).
 *   Cancellation is delivered at those points, at the end of an uninterruptible region,
 *   and when the fiber finishes (asyncio: a task that cancelled itself ends cancelled).
 * @internal
 */
import * as Cause from "../Cause.js";
import * as Exit from "../Exit.js";
import { CancelledError, EventLoopError, InvalidStateError } from "../exceptions.js";
import type { EventLoop } from "../events.js";
import type { Context } from "../contextvars.js";
import type { HeapItem } from "./heap.js";

// ---------------------------------------------------------------------------------------
// Loop interface (what fibers need from the event loop)

/** Something the ready queue can run. @internal */
export interface Runnable {
  _run(): void;
}

/** A timer the loop's heap can hold. @internal */
export interface Timer extends HeapItem, Runnable {}

/** The part of the event loop the core uses. @internal */
export interface LoopCore {
  time(): number;
  _clock(): number;
  _enqueue(r: Runnable): void;
  _addTimer(t: Timer): void;
  _removeTimer(t: Timer): void;
  _nextSeq(): number;
  _taskStarted(t: Task<unknown, unknown>): void;
  _taskDone(t: Task<unknown, unknown>): void;
  _noteUnretrieved(f: Future<unknown, unknown>): void;
  _retrieved(f: Future<unknown, unknown>): void;
  _hostPending(delta: number): void;
  callSoon<Args extends readonly unknown[]>(fn: (...args: Args) => void, ...args: Args): unknown;
  callExceptionHandler(context: ExceptionContext): void;
}

/**
 * What the loop's exception handler receives (asyncio's context dict).
 * @example
 * ```ts
 * import { newEventLoop } from "aio-ts";
 * const loop = newEventLoop();
 * loop.setExceptionHandler((_loop, ctx) => console.error(ctx.message, ctx.exception));
 * ```
 */
export interface ExceptionContext {
  readonly message: string;
  readonly exception?: unknown;
  readonly future?: Future<unknown, unknown>;
  readonly task?: Task<unknown, unknown>;
  readonly handle?: unknown;
  /**
   * Debug mode: where the task was created (asyncio's `source_traceback`), its user
   * frames one per line, in the reports about a task ("never retrieved", "destroyed
   * but it is pending").
   */
  readonly sourceTraceback?: string;
}

// ---------------------------------------------------------------------------------------
// Run-time context

let currentFiber: Task<unknown, unknown> | undefined = undefined;
let runningLoop: EventLoop | undefined = undefined;

/** @internal Sets the loop that is running now; returns the previous one. */
export const setRunningLoop = (loop: EventLoop | undefined): EventLoop | undefined => {
  const prev = runningLoop;
  runningLoop = loop;
  return prev;
};

/**
 * The event loop running the current program (asyncio.get_running_loop). Throws an
 * `EventLoopError` when called outside a running loop.
 *
 * @example
 * ```ts
 * import { Aio, getRunningLoop, run } from "aio-ts";
 * await run(Aio.sync(() => getRunningLoop().time()));
 * ```
 */
export const getRunningLoop = (): EventLoop => {
  if (runningLoop === undefined) throw new EventLoopError("no running event loop");
  return runningLoop;
};

/** @internal the running loop, or undefined. */
export const peekRunningLoop = (): EventLoop | undefined => runningLoop;

// Context variables (contextvars.ts keeps the API; here is only where a context lives).

/**
 * @internal A context's values: a Map that is never mutated once anyone can see it (a
 * `set` makes a new one), so copying a context is copying this pointer.
 */
export type ContextData = ReadonlyMap<object, unknown>;

/**
 * @internal What a task, or code outside tasks, runs in: either a snapshot it owns (a
 * `set` replaces the slot with a new Context holding the new data: it is boxed on its
 * first write) or a `Context` it was given or has boxed (a `set` writes into it).
 */
export type ContextSlot = ContextData | { _data: ContextData };

/** @internal The empty context: every task starts with it while no variable is set. */
export const EMPTY_CONTEXT: ContextData = new Map();

/**
 * @internal The context of code running outside any task: the program's top level, and
 * (while one runs) a loop callback (`Handle._run` sets and restores it).
 */
export const outerContext: { slot: ContextSlot } = { slot: EMPTY_CONTEXT };

/** @internal The data of the current context (what a copy of it holds). */
export const currentContextData = (): ContextData => {
  const s = currentFiber !== undefined ? currentFiber._context : outerContext.slot;
  return s instanceof Map ? s : (s as { _data: ContextData })._data;
};

/**
 * The task whose code is running now (asyncio.current_task), or `undefined` outside a
 * task.
 *
 * @example
 * ```ts
 * import { Aio, currentTask, run } from "aio-ts";
 * await run(Aio.sync(() => currentTask()?.getName()));
 * ```
 */
export const currentTask = (): Task<unknown, unknown> | undefined => currentFiber;

// ---------------------------------------------------------------------------------------
// The Aio value

/** A frame's answer: the next Aio, null (suspended/done), or PASS (keep unwinding). */
type Next = Aio<unknown, unknown> | null;
const PASS: Next = Object.freeze({ _pass: true }) as unknown as Next;

/** A continuation on the fiber stack. @internal */
export interface Frame {
  /** Called with the fiber's value in `f._v`. */
  _ok(f: Task<unknown, unknown>): Next;
  /** Called with the fiber's failure in `f._cause`. */
  _err(f: Task<unknown, unknown>): Next;
}

declare const YieldBrand: unique symbol;

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
 * A lazy, immutable description of an asynchronous computation that succeeds with an
 * `A` or fails with an `E`. Nothing runs until an event loop runs it; running it twice
 * runs it twice.
 *
 * @example
 * ```ts
 * import { Aio, run } from "aio-ts";
 * const program: Aio<number> = Aio.gen(function* () {
 *   yield* Aio.sleep(10);
 *   return 42;
 * });
 * await run(program); // 42
 * ```
 */
export abstract class Aio<A, E = never> {
  /** Phantom types: `A` and `E` are covariant. */
  declare readonly _A: () => A;
  declare readonly _E: () => E;

  /** @internal Evaluates this primitive on fiber `f`. */
  abstract _eval(f: Task<unknown, unknown>): Next;

  /**
   * @internal `this.pipe(flatMap(fn))`: a FlatMap node here; FlatMap and FlatMapChain
   * override it to make and extend chains (see FlatMapChain). A method rather than
   * `instanceof` tests in `flatMap`: those measured 15 ns per link on the common path.
   */
  _flatMap(fn: (a: unknown) => Aio<unknown, unknown>): Aio<unknown, unknown> {
    return new FlatMap(this as Aio<unknown, unknown>, fn);
  }

  /**
   * `yield*` support: the Aio is its own iterator. `yield*` first calls `next()` (no
   * argument): the Aio yields itself. The fiber then resumes the generator with
   * `RESUME`, and the value waiting in `resumeValue` becomes the value of `yield*`.
   * Nothing is allocated per `yield*`; the result objects are shared and read at once.
   */
  [Symbol.iterator](): Iterator<YieldOf<E>, A, unknown> {
    return this;
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
const DONE_RESULT: { done: true; value: unknown } = { done: true, value: undefined };

/** Resumes a generator suspended in `yield*` with `value`. */
const resumeGen = (it: Iterator<unknown, unknown, unknown>, value: unknown): IteratorResult<unknown, unknown> => {
  resumeValue = value;
  return it.next(RESUME);
};

/** The generator frame whose generator is executing now (for inline `yield*` throws). */
let activeFrame: GenFrame | undefined = undefined;

/** Records that `cause` is thrown into the active generator; returns the thrown value. */
const throwIntoGen = (cause: Cause.Cause<unknown>): unknown => {
  const thrown = Cause.squash(cause);
  const frame = activeFrame;
  if (frame !== undefined) frame.thrownCause = cause;
  return thrown;
};

/** A value as a defect message shows it: what a callback returned instead of an Aio. */
const describeValue = (x: unknown): string => {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x !== "object" && typeof x !== "function") return `${typeof x} ${String(x)}`;
  if (typeof (x as { then?: unknown }).then === "function") return "a Promise (wrap it in Aio.promise)";
  if (x instanceof Future) return `a ${x instanceof Task ? "Task" : "Future"} (wrap it in Aio.from)`;
  const name = (x as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name}` : `a ${typeof x}`;
};

/**
 * @internal The defect of a user callback that should have returned an Aio and returned
 * `x`: a TypeError naming the callback and the value (`what` says who, with its verb:
 * "Aio.flatMap: the function returned"), so the task ends (a `null` would otherwise
 * read as "suspended" and leave it RUNNING for ever).
 */
export const notAnAio = (what: string, x: unknown): FailCause<never> =>
  new FailCause(Cause.die(new TypeError(`${what} ${describeValue(x)}, not an Aio`)));

/** @internal `x` when it is an Aio, else the `notAnAio` defect. */
export const checkAio = <A, E>(what: string, x: Aio<A, E>): Aio<A, E> => (x instanceof Aio ? x : notAnAio(what, x));

// ---------------------------------------------------------------------------------------
// Primitives

/** @internal */
export class Succeed<A> extends Aio<A, never> {
  constructor(readonly value: A) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._v = this.value;
    return f._ret();
  }
  /** `yield*` of a resolved value completes inline: the generator does not suspend. */
  override next(sent?: unknown): IteratorResult<YieldOf<never>, A> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    DONE_RESULT.value = this.value;
    return DONE_RESULT as IteratorReturnResult<A>;
  }
}

/** @internal */
export class FailCause<E> extends Aio<never, E> {
  constructor(readonly cause: Cause.Cause<E>) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._cause = this.cause;
    return f._fail();
  }
  /** `yield*` of a failure throws it inline, at the `yield*`. */
  override next(sent?: unknown): IteratorResult<YieldOf<E>, never> {
    if (sent !== undefined || !inlineStep()) return super.next(sent) as IteratorResult<YieldOf<E>, never>;
    throw throwIntoGen(this.cause);
  }
}

/** @internal */
export class Sync<A> extends Aio<A, never> {
  constructor(readonly thunk: () => A) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._v = this.thunk();
    return f._ret();
  }
  /** `yield*` of a synchronous thunk runs it inline (a throw is thrown at the `yield*`). */
  override next(sent?: unknown): IteratorResult<YieldOf<never>, A> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    DONE_RESULT.value = this.thunk();
    return DONE_RESULT as IteratorReturnResult<A>;
  }
}

/** @internal */
export class TryCatch<A, E> extends Aio<A, E> {
  constructor(
    readonly thunk: () => A,
    readonly onThrow: (thrown: unknown) => E,
  ) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    try {
      f._v = this.thunk();
    } catch (e) {
      f._cause = Cause.fail(this.onThrow(e));
      return f._fail();
    }
    return f._ret();
  }
}

/** @internal */
export class Suspend<A, E> extends Aio<A, E> {
  constructor(readonly thunk: () => Aio<A, E>) {
    super();
  }
  _eval(): Next {
    return checkAio("Aio.suspend: the thunk returned", this.thunk());
  }
}

/** @internal Gives the running fiber to `fn`. */
export class WithFiber<A, E> extends Aio<A, E> {
  constructor(readonly fn: (f: Task<unknown, unknown>) => Aio<A, E>) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    return this.fn(f);
  }
}

// Node classes keep TypeScript's define semantics for their fields (parameter properties,
// `useDefineForClassFields` left at its ES2022 default). Measured on this V8: `declare`d
// fields assigned in the constructor made FlatMap/Succeed construction about 40% slower
// (the S2n loop went from 28 to 38 ns per step), and `useDefineForClassFields: false`
// made S4 4–5× slower.

/**
 * A combinator that is its own continuation frame: evaluating it pushes itself and runs
 * `self`; its `_ok` / `_err` then see how `self` ended (both keep unwinding by default).
 */
abstract class FrameAio<A, E, S extends Aio<unknown, unknown>> extends Aio<A, E> implements Frame {
  constructor(readonly self: S) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._push(this);
    return this.self;
  }
  _ok(_f: Task<unknown, unknown>): Next {
    return PASS;
  }
  _err(_f: Task<unknown, unknown>): Next {
    return PASS;
  }
}

/** @internal */
export class FlatMap<A, E, B, E2> extends FrameAio<B, E | E2, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly fn: (a: A) => Aio<B, E2>,
  ) {
    super(self);
  }
  /** `succeed(a).pipe(flatMap(fn))` continues with `fn(a)` at once: no frame pushed. */
  override _eval(f: Task<unknown, unknown>): Next {
    const self = this.self;
    if (self instanceof Succeed) return checkAio("Aio.flatMap: the function returned", this.fn(self.value as A));
    return super._eval(f);
  }
  override _ok(f: Task<unknown, unknown>): Next {
    return checkAio("Aio.flatMap: the function returned", this.fn(f._v as A));
  }
  /** A second flatMap makes a chain. */
  override _flatMap(fn: Kont): Aio<unknown, unknown> {
    return new FlatMapChain(this.self, [this.fn as Kont, fn], 2);
  }
}

/** A function given to `flatMap`. */
type Kont = (a: unknown) => Aio<unknown, unknown>;

/**
 * @internal A left-nested run of flatMaps, `source.pipe(flatMap(f1), …, flatMap(fn))`:
 * its source and one array of the functions. A chain built link by link (a loop, a
 * `reduce`) then keeps one array slot per link alive instead of a node per link, and
 * runs with one frame walking the array instead of a frame per link.
 *
 * Chains are immutable: a chain sees `fns[0..len)`, and a longer chain only appends. Only
 * the longest chain sharing the array may append to it; extending any other one makes a
 * plain FlatMap node over it, so no chain ever sees another's functions.
 *
 * The cost of sharing (as with Go slices): a short chain that is kept keeps the whole
 * array alive, including functions appended by longer chains that are gone.
 */
export class FlatMapChain<A, E> extends Aio<A, E> {
  constructor(
    readonly source: Aio<unknown, unknown>,
    readonly fns: Kont[],
    readonly len: number,
  ) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._push(new ChainFrame(this.fns, this.len));
    return this.source;
  }
  /**
   * This chain followed by `fn`. Only the longest chain on the array appends to it; any
   * other gets a plain FlatMap node over itself (copying its prefix instead would make
   * extending one long chain in many ways quadratic).
   */
  override _flatMap(fn: Kont): Aio<unknown, unknown> {
    const fns = this.fns;
    if (fns.length !== this.len) return new FlatMap(this as Aio<unknown, unknown>, fn);
    fns.push(fn);
    return new FlatMapChain(this.source, fns, this.len + 1);
  }
}

/** One run of a FlatMapChain: calls its functions in turn, staying pushed until the last. */
class ChainFrame implements Frame {
  private i = 0;
  constructor(
    private readonly fns: readonly Kont[],
    private readonly len: number,
  ) {}
  _ok(f: Task<unknown, unknown>): Next {
    const i = this.i++;
    if (i + 1 < this.len) f._push(this);
    return checkAio("Aio.flatMap: the function returned", this.fns[i]!(f._v));
  }
  _err(_f: Task<unknown, unknown>): Next {
    return PASS;
  }
}

/** @internal */
export class MapAio<A, E, B> extends FrameAio<B, E, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly fn: (a: A) => B,
  ) {
    super(self);
  }
  /** `succeed(a).pipe(map(fn))` is `fn(a)` at once: no frame pushed. */
  override _eval(f: Task<unknown, unknown>): Next {
    const self = this.self;
    if (self instanceof Succeed) {
      f._v = this.fn(self.value as A);
      return f._ret();
    }
    return super._eval(f);
  }
  override _ok(f: Task<unknown, unknown>): Next {
    f._v = this.fn(f._v as A);
    return PASS;
  }
}

/** @internal Handles typed failures only; defects and interruptions pass. */
export class CatchFail<A, E, B, E2> extends FrameAio<A | B, E2, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly fn: (e: E) => Aio<B, E2>,
  ) {
    super(self);
  }
  override _err(f: Task<unknown, unknown>): Next {
    const c = f._cause;
    return c._tag === "Fail" ? checkAio("Aio.catchAll: the handler returned", this.fn(c.error as E)) : PASS;
  }
}

/** @internal Handles every cause. */
export class CatchCause<A, E, B, E2> extends FrameAio<A | B, E2, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly fn: (c: Cause.Cause<E>) => Aio<B, E2>,
  ) {
    super(self);
  }
  override _err(f: Task<unknown, unknown>): Next {
    return checkAio("Aio.catchAllCause: the handler returned", this.fn(f._cause as Cause.Cause<E>));
  }
}

/** @internal */
export class MapError<A, E, E2> extends FrameAio<A, E2, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly fn: (e: E) => E2,
  ) {
    super(self);
  }
  override _err(f: Task<unknown, unknown>): Next {
    const c = f._cause;
    if (c._tag === "Fail") f._cause = Cause.fail(this.fn(c.error as E));
    return PASS;
  }
}

/** @internal Materialises the outcome as an Exit (and so always succeeds). */
export class ExitAio<A, E> extends FrameAio<Exit.Exit<A, E>, never, Aio<A, E>> {
  constructor(self: Aio<A, E>) {
    super(self);
  }
  override _ok(f: Task<unknown, unknown>): Next {
    f._v = Exit.succeed(f._v);
    return PASS;
  }
  override _err(f: Task<unknown, unknown>): Next {
    return new Succeed(Exit.failCause(f._cause));
  }
  /**
   * `yield*` of the exit of something already resolved (a value, a failure, a done
   * future) completes inline: joining finished tasks does not suspend the generator.
   */
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Exit.Exit<A, E>> {
    if (sent === undefined) {
      const exit = resolvedExit(this.self);
      if (exit !== undefined && inlineStep()) {
        DONE_RESULT.value = exit;
        return DONE_RESULT as IteratorReturnResult<Exit.Exit<A, E>>;
      }
    }
    return super.next(sent);
  }
}

/** The outcome of an Aio that is already resolved, or undefined. */
const resolvedExit = <A, E>(aio: Aio<A, E>): Exit.Exit<A, E> | undefined => {
  if (aio instanceof Succeed) return Exit.succeed(aio.value as A);
  if (aio instanceof FailCause) return Exit.failCause(aio.cause as Cause.Cause<E>);
  if (aio instanceof AwaitFuture) {
    const fut = aio.future as Future<A, E>;
    const exit = fut._exit;
    if (exit !== undefined) fut._markRetrieved();
    return exit;
  }
  return undefined;
};

/** Restores a value after a finaliser ran. */
class RestoreValue implements Frame {
  constructor(private readonly value: unknown) {}
  _ok(f: Task<unknown, unknown>): Next {
    f._v = this.value;
    return PASS;
  }
  _err(): Next {
    return PASS;
  }
}

/** Restores a failure after a finaliser ran (a failing finaliser replaces it). */
class RestoreCause implements Frame {
  constructor(private readonly cause: Cause.Cause<unknown>) {}
  _ok(): Next {
    return new FailCause(this.cause);
  }
  _err(): Next {
    return PASS;
  }
}

/**
 * @internal Runs `cleanup(exit)` uninterruptibly on every exit of `self`, then resumes
 * the original outcome (a failing cleanup replaces it, as an exception in `finally`).
 */
export class OnExit<A, E, E2> extends FrameAio<A, E | E2, Aio<A, E>> {
  constructor(
    self: Aio<A, E>,
    readonly cleanup: (exit: Exit.Exit<A, E>) => Aio<unknown, E2>,
  ) {
    super(self);
  }
  override _ok(f: Task<unknown, unknown>): Next {
    const v = f._v as A;
    f._push(new RestoreValue(v));
    return new SetInterruptible(checkAio("Aio.onExit: the cleanup returned", this.cleanup(Exit.succeed(v))), false);
  }
  override _err(f: Task<unknown, unknown>): Next {
    const c = f._cause as Cause.Cause<E>;
    f._push(new RestoreCause(c));
    return new SetInterruptible(checkAio("Aio.onExit: the cleanup returned", this.cleanup(Exit.failCause(c))), false);
  }
}

const RESTORE_INTERRUPTIBLE: Frame = {
  _ok(f) {
    f._interruptible = true;
    return f._mustCancel ? f._cancelNow() : PASS;
  },
  _err(f) {
    f._interruptible = true;
    return PASS;
  },
};

const RESTORE_UNINTERRUPTIBLE: Frame = {
  _ok(f) {
    f._interruptible = false;
    return PASS;
  },
  _err(f) {
    f._interruptible = false;
    return PASS;
  },
};

/**
 * @internal Runs `self` with interruptibility set to `flag`, restoring it afterwards. A
 * cancellation that arrived while uninterruptible is delivered when the region ends.
 */
export class SetInterruptible<A, E> extends Aio<A, E> {
  constructor(
    readonly self: Aio<A, E>,
    readonly flag: boolean,
  ) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._push(f._interruptible ? RESTORE_INTERRUPTIBLE : RESTORE_UNINTERRUPTIBLE);
    f._interruptible = this.flag;
    if (this.flag && f._mustCancel) return f._cancelNow();
    return this.self;
  }
}

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
  /** @internal the generator (debug.ts reads it to name the frame) */
  constructor(readonly it: Iterator<unknown, unknown, unknown>) {}

  private causeOf(e: unknown): Cause.Cause<unknown> {
    const c = this.thrownCause;
    return c !== undefined && e === Cause.squash(c) ? c : Cause.fromThrown(e);
  }

  /** Runs the generator to its first suspending `yield*`. */
  _start(f: Task<unknown, unknown>): Next {
    let r: IteratorResult<unknown, unknown>;
    const prev = activeFrame;
    const prevDelegations = nativeDelegations;
    activeFrame = this;
    pendingYield = undefined;
    nativeDelegations = 0;
    try {
      r = this.it.next();
    } catch (e) {
      return new FailCause(this.causeOf(e));
    } finally {
      activeFrame = prev;
      nativeDelegations = prevDelegations;
    }
    const next = this.step(f, r);
    return next === PASS ? f._ret() : next;
  }

  _ok(f: Task<unknown, unknown>): Next {
    let r: IteratorResult<unknown, unknown>;
    const prev = activeFrame;
    const prevDelegations = nativeDelegations;
    activeFrame = this;
    pendingYield = undefined;
    nativeDelegations = 0;
    try {
      r = resumeGen(this.it, f._v);
    } catch (e) {
      return new FailCause(this.causeOf(e));
    } finally {
      activeFrame = prev;
      nativeDelegations = prevDelegations;
    }
    return this.step(f, r);
  }

  _err(f: Task<unknown, unknown>): Next {
    // Throw the failure into the generator at its `yield*`, so try/catch/finally run.
    const prev = activeFrame;
    const prevDelegations = nativeDelegations;
    activeFrame = this;
    pendingYield = undefined;
    nativeDelegations = 0;
    const thrown = throwIntoGen(f._cause);
    let r: IteratorResult<unknown, unknown>;
    try {
      r = this.it.throw!(thrown);
    } catch (e) {
      // The same value came back out: keep unwinding with the original cause.
      return e === thrown ? PASS : new FailCause(this.causeOf(e));
    } finally {
      activeFrame = prev;
      nativeDelegations = prevDelegations;
    }
    const next = this.step(f, r);
    return next === PASS ? new Succeed(f._v) : next;
  }

  /** The generator yielded (suspend on the Aio) or returned (unwind with its value). */
  private step(f: Task<unknown, unknown>, r: IteratorResult<unknown, unknown>): Next {
    if (r.done === true) {
      f._v = r.value;
      return PASS;
    }
    const y = r.value;
    pendingYield = undefined;
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
  _eval(f: Task<unknown, unknown>): Next {
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
    if (activeFrame !== undefined && nativeDelegations < MAX_NATIVE_DELEGATION && inlineStep()) {
      nativeDelegations++;
      return this.body() as Iterator<YieldOf<E>, A, unknown>;
    }
    return this;
  }
}

/** The prototype every `Aio.gen` body's generator objects share (see `Gen`). */
const SHARED_GENERATOR_PROTOTYPE: object = Object.create(
  Object.getPrototypeOf(function* () {
    /* only its prototype chain is used */
  }).prototype as object,
) as object;

/** The generator body `Gen` gave the shared prototype to last (see `Gen`). */
let lastPreparedBody: unknown = undefined;

/** How many `yield*` of `Aio.gen` programs may nest natively in one generator chain. */
const MAX_NATIVE_DELEGATION = 16;
/** Native delegations made since the fiber last entered a generator chain. */
let nativeDelegations = 0;

/** What a suspended fiber waits on, for a user callback (`Aio.async`, promises). */
class AsyncToken {
  /** A resume that arrived while `register` was still running. */
  sync: Aio<unknown, unknown> | undefined = undefined;
  canceller: (() => void) | undefined = undefined;
  controller: AbortController | undefined = undefined;
  /** Releases the virtual clock's wait for this host operation (once). */
  release: (() => void) | undefined = undefined;
  constructor(readonly fiber: Task<unknown, unknown>) {}
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
  _eval(f: Task<unknown, unknown>): Next {
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
class FiberTimer implements Timer {
  _index = -1;
  constructor(
    readonly _when: number,
    readonly _seq: number,
    /** @internal */ readonly fiber: Task<unknown, unknown>,
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

/**
 * Continues unwinding with the fiber's current value (`f._v`): a frame's "pass" from a
 * resumption, and how a sleep resumes with its value without a `Succeed` of its own.
 */
class ContinueOk extends Aio<unknown, unknown> {
  _eval(f: Task<unknown, unknown>): Next {
    return f._ret();
  }
}
/** Continues unwinding with the fiber's current cause (a frame's "pass"). */
class ContinueErr extends Aio<unknown, unknown> {
  _eval(f: Task<unknown, unknown>): Next {
    return f._fail();
  }
}
/** @internal */
export const CONTINUE_OK: Aio<unknown, unknown> = new ContinueOk();
/** @internal */
export const CONTINUE_ERR: Aio<unknown, unknown> = new ContinueErr();

/** @internal `sleep(ms, value)`: a timer in the loop's heap, or one ready-queue turn. */
export class Sleep<A> extends Aio<A, never> {
  constructor(
    readonly ms: number,
    readonly value: A,
  ) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
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

/** @internal `createTask(aio)`: makes the task on the running loop (inline under `yield*`). */
export class CreateTask<A, E> extends Aio<Task<A, E>, never> {
  constructor(
    readonly aio: Aio<A, E>,
    readonly options: { readonly name?: string | undefined } | undefined,
  ) {
    super();
  }
  private make(): Task<A, E> {
    return getRunningLoop().createTask(this.aio, this.options);
  }
  _eval(f: Task<unknown, unknown>): Next {
    f._v = this.make();
    return f._ret();
  }
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Task<A, E>> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    DONE_RESULT.value = this.make();
    return DONE_RESULT as IteratorReturnResult<Task<A, E>>;
  }
}

/** Resumes a fiber whose wait was cancelled: fails with an interruption (`_cancelMsg`). */
class DeliverCancel extends Aio<never, never> {
  _eval(f: Task<unknown, unknown>): Next {
    f._cause = Cause.interrupt(f._cancelMsg);
    return f._fail();
  }
}
const DELIVER_CANCEL = new DeliverCancel();

/** @internal Never resumes; only a cancellation ends it. */
export class Never extends Aio<never, never> {
  _eval(f: Task<unknown, unknown>): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    f._waitingOn = NEVER_TOKEN;
    f._runState = SUSPENDED;
    return null;
  }
}
const NEVER_TOKEN = { never: true };

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
    `${what}: the ${fut instanceof Task ? `task ${JSON.stringify(fut.getName())}` : "future"}${where} is attached to a different loop`,
  );

/** @internal Waits for a future (or task) to be done. */
export class AwaitFuture<A, E> extends Aio<A, E> {
  constructor(readonly future: Future<A, E>) {
    super();
  }
  _eval(f: Task<unknown, unknown>): Next {
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
    if (fut === f) return new FailCause(Cause.die(new EventLoopError(`Task cannot await on itself: ${f.getName()}`)));
    f._waitingOn = fut;
    f._runState = SUSPENDED;
    fut._addWaiter(f);
    return null;
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
 * ```ts
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
 * ```ts
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
  _addWaiter(f: Task<unknown, unknown>): void {
    this._addCallback(f);
  }

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
      if (cb instanceof Task) cb._wakeFromFuture(this as Future<unknown, unknown>);
      else this._loop.callSoon(cb as DoneCallback<this>, this);
    }
  }
}

/** `Future._callbacks` of a done future whose failure nobody has read yet. */
const UNREAD_FAILURE: Array<CallbackEntry | undefined> = Object.freeze([]) as unknown as Array<CallbackEntry | undefined>;

/** What a pending future's `_callbacks` holds: a done callback, or a fiber waiting on it. */
type CallbackEntry = DoneCallback<never> | Task<unknown, unknown>;

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

// ---------------------------------------------------------------------------------------
// Task: a fiber

/** Run states of a fiber. */
const SCHEDULED = 0; // in the ready queue (also: created, first step pending)
const RUNNING = 1; // its steps are executing now
const SUSPENDED = 2; // waiting on `_waitingOn`
const FINISHED = 3; // has an exit
/** The bits of `Task._flags` that hold the run state. */
const RUN_STATE = 3;
/** `Task._flags`: a cancellation may be delivered (not inside an uninterruptible region). */
const INTERRUPTIBLE = 4;
/** `Task._flags`: a cancellation was requested and is not delivered yet. */
const MUST_CANCEL = 8;
/** `Task._flags` above these bits counts cancellation requests (`cancelling()`). */
const CANCELS_SHIFT = 4;

/**
 * How many primitive steps a fiber runs before it yields to the loop (goes to the back
 * of the ready queue), so one busy fiber cannot starve the others.
 */
export const MAX_STEPS_PER_TURN = 2048;

let taskCounter = 0;

/**
 * Steps the running fiber has taken in this turn. `yield*` of a value that completes
 * inline (succeed, sync, a non-blocking queue get…) counts too, so even a generator
 * loop that never suspends yields to the loop after `MAX_STEPS_PER_TURN` steps.
 */
let fiberSteps = 0;

/**
 * @internal Counts one inline `yield*` step; false when the turn's budget is spent (the
 * caller then yields itself to the fiber, which goes to the back of the ready queue).
 *
 * Only the first `next()` of a `yield*` (no argument) may complete inline. When the
 * budget made the Aio yield itself, the fiber evaluates it (running its effect) and
 * then resumes the `yield*` with `RESUME`: an override that ran its effect again on that
 * call would run it twice (10,000 `yield* Aio.sync(f)` called `f` 10,004 times).
 */
export const inlineStep = (): boolean => activeFrame !== undefined && ++fiberSteps < MAX_STEPS_PER_TURN;

/** Whether `next` resumes a fiber with a future's failure (not its cancellation). */
const wokenByFailure = (next: Aio<unknown, unknown> | null): boolean => {
  if (!(next instanceof AwaitFuture)) return false;
  const exit = (next.future as Future<unknown, unknown>)._exit;
  return exit !== undefined && exit._tag === "Failure" && exit.cause._tag !== "Interrupt";
};

/** Marks a fiber put back on the ready queue by its step budget (not a suspension). */
const PREEMPTED = Object.freeze({ _preempted: true });

/**
 * A fiber running an `Aio` on an event loop (asyncio.Task). A Task is a Future: `yield*`
 * joins it, `cancel(msg)` throws a `CancelledError` into it at the `yield*` where it is
 * suspended.
 *
 * @example
 * ```ts
 * import { Aio, createTask, run } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const task = yield* createTask(Aio.sleep(100, "done"), { name: "sleeper" });
 *   return yield* task; // "done"
 * });
 * await run(program);
 * ```
 */
export class Task<A, E = never> extends Future<A, E> {
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
  /** The name, or until one is set, the task number (named `Task-N` lazily). */
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
  set _cause(cause: Cause.Cause<unknown>) {
    this._v = cause;
  }
  /** @internal cancellation requests not withdrawn by `uncancel()` (bits 4+ of `_flags`) */
  get _numCancels(): number {
    return this._flags >>> CANCELS_SHIFT;
  }
  set _numCancels(n: number) {
    this._flags = (this._flags & ((1 << CANCELS_SHIFT) - 1)) | (n << CANCELS_SHIFT);
  }
  /** @internal SCHEDULED, RUNNING, SUSPENDED or FINISHED. */
  get _runState(): number {
    return this._flags & RUN_STATE;
  }
  set _runState(state: number) {
    this._flags = (this._flags & ~RUN_STATE) | state;
  }
  /** @internal whether a cancellation may be delivered now */
  get _interruptible(): boolean {
    return (this._flags & INTERRUPTIBLE) !== 0;
  }
  set _interruptible(on: boolean) {
    this._flags = on ? this._flags | INTERRUPTIBLE : this._flags & ~INTERRUPTIBLE;
  }
  /** @internal a cancellation requested and not yet delivered */
  get _mustCancel(): boolean {
    return (this._flags & MUST_CANCEL) !== 0;
  }
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
   * ```ts
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
    if (this._exit !== undefined) return false;
    // A task waiting on a task passes the cancellation down (asyncio's
    // `_fut_waiter.cancel(msg)`), which may wait on another task, and so on: the chain is
    // walked in a loop, not by recursion, so cancelling a 10^6-deep chain of awaits
    // cannot overflow the JS stack. Each link counts the request, as its own `cancel`.
    let t: Task<unknown, unknown> = this as Task<unknown, unknown>;
    for (;;) {
      t._numCancels++;
      if (t._runState === SUSPENDED && t._interruptible) {
        const w = t._waitingOn;
        if (w instanceof Task) {
          if (w._exit === undefined) {
            t = w;
            continue;
          }
        } else if (w instanceof Future) {
          // Waiting on a future: cancel it; its completion wakes `t` with the
          // CancelledError.
          if (w.cancel(msg)) return true;
        } else {
          // Waiting on a timer or a callback: detach from it and wake with the
          // CancelledError (as asyncio, where that wait would be a cancelled future).
          t._detach(msg);
          t._cancelMsg = msg;
          t._scheduleResume(DELIVER_CANCEL);
          return true;
        }
      }
      // Running, scheduled, uninterruptible, or its future is already done: deliver at
      // its next suspension point (or when its region ends).
      t._mustCancel = true;
      t._cancelMsg = msg;
      return true;
    }
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

  /**
   * @internal Detaches from what the fiber waits on (timer, callback). A callback's
   * signal is aborted with a `CancelledError` carrying the cancel message, so an aborted
   * `fetch` rejects with it (and `signal.reason` says why).
   */
  private _detach(msg: string | undefined): void {
    const w = this._waitingOn;
    this._waitingOn = null;
    if (w instanceof FiberTimer) this._loop._removeTimer(w);
    else if (w instanceof AsyncToken) {
      // A promise nobody waits for any more must not hold the virtual clock.
      w.release?.();
      w.controller?.abort(new CancelledError(msg));
      if (w.canceller !== undefined) {
        try {
          w.canceller();
        } catch (e) {
          this._loop.callExceptionHandler({
            message: "exception in a canceller",
            exception: e,
            task: this as Task<unknown, unknown>,
          });
        }
      }
    }
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
    const prev = currentFiber;
    const prevSteps = fiberSteps;
    currentFiber = this as Task<unknown, unknown>;
    fiberSteps = 0;
    let cur: Next = start;
    for (;;) {
      try {
        while (cur !== null) {
          if (++fiberSteps > MAX_STEPS_PER_TURN) {
            this._resumeWith = cur;
            this._runState = SCHEDULED;
            this._waitingOn = PREEMPTED;
            this._loop._enqueue(this);
            cur = null;
            break;
          }
          cur = cur._eval(this as Task<unknown, unknown>);
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
    currentFiber = prev;
    fiberSteps = prevSteps;
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
      const next = s.pop()!._ok(this as Task<unknown, unknown>);
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
      const next = s.pop()!._err(this as Task<unknown, unknown>);
      if (next !== PASS) return next;
      s = this._stack;
    }
    this._complete(Exit.failCause(this._cause as Cause.Cause<E>));
    return null;
  }

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
 * @internal What src/debug.ts reads of the core's private classes and markers, to say what
 * a task waits on. One object made once, not `export`s of the classes and constants: the
 * run loop's own references to them stay plain module-local bindings.
 */
export const debugAccess = {
  GenFrame,
  FiberTimer,
  AsyncToken,
  NEVER_TOKEN,
  PREEMPTED,
  SCHEDULED,
  RUNNING,
  SUSPENDED,
} as const;

/**
 * @internal What src/debug.ts provides to the core (set when it loads; the core does not
 * import it, so there is no import cycle).
 */
export const debugHooks: { getStack: (t: Task<unknown, unknown>) => string[] } = { getStack: () => [] };

/** The stack of a task that has pushed nothing: shared, so frozen (push via `_push`). */
const NO_STACK: Frame[] = Object.freeze([]) as unknown as Frame[];
