/**
 * The synchronous primitives: each `Aio` node that completes without suspending the
 * fiber (a value, a failure, a thunk, `flatMap` and the other continuation frames,
 * `onExit`, interruptibility regions, `createTask`). The suspending ones are in
 * internal/async.ts and internal/future.ts, `Aio.gen` in internal/gen.ts.
 * @internal
 */
import * as Cause from "../Cause.js";
import * as Exit from "../Exit.js";
import {
  Aio,
  DONE_RESULT,
  PASS,
  inlineStep,
  throwIntoGen,
  type Fiber,
  type Frame,
  type Next,
  type YieldOf,
} from "./aio.js";

/** A value as a defect message shows it: what a callback returned instead of an Aio. */
const describeValue = (x: unknown): string => {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x !== "object" && typeof x !== "function") return `${typeof x} ${String(x)}`;
  if (typeof (x as { then?: unknown }).then === "function") return "a Promise (wrap it in Aio.promise)";
  // A Future or Task (internal/future.ts builds on this module, so it is recognised by
  // the method only futures have, not by `instanceof`).
  if (typeof (x as { _awaitAio?: unknown })._awaitAio === "function")
    return `a ${typeof (x as { getName?: unknown }).getName === "function" ? "Task" : "Future"} (wrap it in Aio.from)`;
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
  _eval(f: Fiber): Next {
    f._v = this.value;
    return f._ret();
  }
  override _resolvedExit(): Exit.Exit<A, never> {
    return Exit.succeed(this.value);
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
  _eval(f: Fiber): Next {
    f._cause = this.cause;
    return f._fail();
  }
  override _resolvedExit(): Exit.Exit<never, E> {
    return Exit.failCause(this.cause);
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
  _eval(f: Fiber): Next {
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
  _eval(f: Fiber): Next {
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
  constructor(readonly fn: (f: Fiber) => Aio<A, E>) {
    super();
  }
  _eval(f: Fiber): Next {
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
  _eval(f: Fiber): Next {
    f._push(this);
    return this.self;
  }
  _ok(_f: Fiber): Next {
    return PASS;
  }
  _err(_f: Fiber): Next {
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
  override _eval(f: Fiber): Next {
    const self = this.self;
    if (self instanceof Succeed) return checkAio("Aio.flatMap: the function returned", this.fn(self.value as A));
    return super._eval(f);
  }
  override _ok(f: Fiber): Next {
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
  _eval(f: Fiber): Next {
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
  _ok(f: Fiber): Next {
    const i = this.i++;
    if (i + 1 < this.len) f._push(this);
    return checkAio("Aio.flatMap: the function returned", this.fns[i]!(f._v));
  }
  _err(_f: Fiber): Next {
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
  override _eval(f: Fiber): Next {
    const self = this.self;
    if (self instanceof Succeed) {
      f._v = this.fn(self.value as A);
      return f._ret();
    }
    return super._eval(f);
  }
  override _ok(f: Fiber): Next {
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
  override _err(f: Fiber): Next {
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
  override _err(f: Fiber): Next {
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
  override _err(f: Fiber): Next {
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
  override _ok(f: Fiber): Next {
    f._v = Exit.succeed(f._v);
    return PASS;
  }
  override _err(f: Fiber): Next {
    return new Succeed(Exit.failCause(f._cause));
  }
  /**
   * `yield*` of the exit of something already resolved (a value, a failure, a done
   * future) completes inline: joining finished tasks does not suspend the generator.
   */
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Exit.Exit<A, E>> {
    if (sent === undefined) {
      const exit = this.self._resolvedExit();
      if (exit !== undefined && inlineStep()) {
        DONE_RESULT.value = exit;
        return DONE_RESULT as IteratorReturnResult<Exit.Exit<A, E>>;
      }
    }
    return super.next(sent);
  }
}



/** Restores a value after a finaliser ran. */
class RestoreValue implements Frame {
  constructor(private readonly value: unknown) {}
  _ok(f: Fiber): Next {
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
  override _ok(f: Fiber): Next {
    const v = f._v as A;
    f._push(new RestoreValue(v));
    return new SetInterruptible(checkAio("Aio.onExit: the cleanup returned", this.cleanup(Exit.succeed(v))), false);
  }
  override _err(f: Fiber): Next {
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
  _eval(f: Fiber): Next {
    f._push(f._interruptible ? RESTORE_INTERRUPTIBLE : RESTORE_UNINTERRUPTIBLE);
    f._interruptible = this.flag;
    if (this.flag && f._mustCancel) return f._cancelNow();
    return this.self;
  }
}


/**
 * Continues unwinding with the fiber's current value (`f._v`): a frame's "pass" from a
 * resumption, and how a sleep resumes with its value without a `Succeed` of its own.
 */
class ContinueOk extends Aio<unknown, unknown> {
  _eval(f: Fiber): Next {
    return f._ret();
  }
}
/** Continues unwinding with the fiber's current cause (a frame's "pass"). */
class ContinueErr extends Aio<unknown, unknown> {
  _eval(f: Fiber): Next {
    return f._fail();
  }
}
/** @internal */
export const CONTINUE_OK: Aio<unknown, unknown> = new ContinueOk();
/** @internal */
export const CONTINUE_ERR: Aio<unknown, unknown> = new ContinueErr();


/** `aio.pipe(flatMap(fn))` of any Aio but a FlatMap or FlatMapChain (see `Aio._flatMap`). */
Aio.prototype._flatMap = function (this: Aio<unknown, unknown>, fn: Kont): Aio<unknown, unknown> {
  return new FlatMap(this, fn);
};
