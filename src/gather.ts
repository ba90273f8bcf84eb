/**
 * Running awaitables concurrently (asyncio/tasks.py): `gather`, `gatherExits` and
 * `race`. All three are structured: they end only when every child they started has
 * ended — no orphan keeps running — and cancelling them cancels every child.
 *
 * @module gather
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import { Aio, type Frame, type Fiber } from "./internal/aio.js";
import { Sleep } from "./internal/async.js";
import { Task } from "./internal/fiber.js";
import { AwaitFuture, Future } from "./internal/future.js";
import { FailCause, Succeed, Sync } from "./internal/primitives.js";
import type { EventLoop } from "./events.js";
import {
  CONTINUE_ERR,
  CONTINUE_OK,
  checkAwaitable,
  checkSameLoops,
  describe,
  exitOf,
  startTask,
  startWouldNestTooDeep,
  type Awaitable,
  type AwaitableError,
  type AwaitableValue,
} from "./awaitables.js";

/** How the children's outcomes make the result. */
const ALL = 0; // gather: every value, or the first failure
const EXITS = 1; // gatherExits: every outcome
const RACE = 2; // race: the first success, or (all failed) the first failure

type Mode = typeof ALL | typeof EXITS | typeof RACE;

/**
 * While a `Gathering.cancel` runs: the gatherings (each followed by its message) whose
 * children are still to be cancelled.
 */
let cancelQueue: Array<Gathering | string | undefined> | null = null;

/**
 * The future a gather waits on (asyncio's `_GatheringFuture`): done when every started
 * child has ended. Cancelling it cancels the children; it then ends cancelled once they
 * have all ended.
 */
class Gathering extends Future<unknown, unknown> {
  /** The started children, by argument position (undefined: not started). */
  readonly children: Array<Future<unknown, unknown> | undefined>;
  readonly exits: Array<Exit.Exit<unknown, unknown> | undefined>;
  /** Children started and not yet ended. */
  remaining = 0;
  /** Still starting the children (no result can be settled yet). */
  launching = true;
  /** The outcome is decided (a failure for ALL, a winner for RACE): the rest are being cancelled. */
  stopping = false;
  /** The deciding failure (ALL), or the first failure (RACE). */
  failure: Cause.Cause<unknown> | undefined = undefined;
  winner = -1;
  cancelRequested = false;
  cancelMsg: string | undefined = undefined;
  /**
   * Children that failed (not by cancellation) after being cancelled, by the gathering
   * or from outside: a failing cleanup. Reported when the gathering settles unless that
   * failure is the outcome.
   */
  lateFailures: number[] | undefined = undefined;

  constructor(
    loop: EventLoop,
    readonly n: number,
    readonly mode: Mode,
    /** The combinator's name, for messages. */
    readonly fn: string,
  ) {
    super(loop);
    this.children = new Array<Future<unknown, unknown> | undefined>(n);
    this.exits = new Array<Exit.Exit<unknown, unknown> | undefined>(n);
  }

  /**
   * asyncio's `_GatheringFuture.cancel`: cancels the children, not itself. Returns
   * whether a child accepted (one not done: a task or future refuses only when done).
   *
   * Stack-safe: cancelling a child task waiting on its own gathering cancels that
   * gathering, and so on down a nest of gathers. The outermost call cancels the
   * gatherings reached that way one after the other, from a queue, instead of nesting
   * a JS call per level (a nest 10^5 deep would overflow the stack).
   */
  override cancel(msg?: string): boolean {
    // Decided (a child's failure, a race's winner): the outcome is fixed, and asyncio's
    // gathering future would be done already, so the cancellation is refused and stays
    // pending on the waiting task, which gets it when it wakes with the outcome.
    // Accepting it here would absorb it: the outcome is never replaced by a
    // cancellation, so the waiter's cancel (a waitFor's deadline) would be lost.
    if (this.done() || this.stopping) return false;
    let accepts = false;
    for (let i = 0; i < this.n; i++) {
      const c = this.children[i];
      if (c !== undefined && this.exits[i] === undefined && !c.done()) {
        accepts = true;
        break;
      }
    }
    if (!accepts) return false;
    this.cancelRequested = true;
    this.cancelMsg = msg;
    if (cancelQueue !== null) {
      cancelQueue.push(this, msg); // an outer cancel is unwinding the nest: after it
      return true;
    }
    const queue: Array<Gathering | string | undefined> = (cancelQueue = [this, msg]);
    try {
      for (let k = 0; k < queue.length; k += 2) (queue[k] as Gathering).cancelChildren(queue[k + 1] as string | undefined);
    } finally {
      cancelQueue = null;
    }
    return true;
  }

  /** Cancels every started child not ended yet. */
  cancelChildren(msg: string | undefined): void {
    for (let i = 0; i < this.n; i++) {
      const c = this.children[i];
      if (c !== undefined && this.exits[i] === undefined) c.cancel(msg);
    }
  }

  /** Watches child `i`, a task or future passed in (started, not done). */
  watch(i: number, child: Future<unknown, unknown>): void {
    this.children[i] = child;
    this.remaining++;
    child.addDoneCallback((f: Future<unknown, unknown>) => this.childDone(i, exitOf(f)));
  }

  /** Records child `i` as started and already ended with `exit`. */
  ended(i: number, exit: Exit.Exit<unknown, unknown>): void {
    this.remaining++;
    this.childDone(i, exit);
  }

  childDone(i: number, exit: Exit.Exit<unknown, unknown>): void {
    if (this.exits[i] !== undefined) return;
    this.exits[i] = exit;
    this.remaining--;
    if ((this.stopping || this.cancelRequested) && exit._tag === "Failure" && exit.cause._tag !== "Interrupt") {
      (this.lateFailures ??= []).push(i);
    }
    if (!this.stopping) {
      if (this.mode === ALL) {
        if (exit._tag === "Failure") {
          this.failure = exit.cause;
          this.stop();
        }
      } else if (this.mode === RACE) {
        if (exit._tag === "Success") {
          this.winner = i;
          this.stop();
        } else if (this.failure === undefined) this.failure = exit.cause;
      }
    }
    if (this.remaining === 0 && !this.launching) this.settle();
  }

  /** Settles with the outcome (every child has ended). */
  settle(): void {
    const outcome = this.outcome();
    if (this.lateFailures !== undefined) this.reportLateFailures(outcome);
    this._settle(outcome);
  }

  /**
   * A child cancelled because the outcome was decided (a race's loser, a gather's
   * sibling), or because the gathering was cancelled, that then failed (its cleanup
   * failed, or its own failure raced with the decision): the outcome stays as decided,
   * so that failure would be lost. It goes to the loop's exception
   * handler instead (asyncio drops it silently).
   */
  reportLateFailures(outcome: Exit.Exit<unknown, unknown>): void {
    const kept = outcome._tag === "Failure" ? outcome.cause : undefined;
    const fn = this.fn;
    const what = this.mode === RACE ? "a contender" : "a child";
    for (const i of this.lateFailures!) {
      const e = this.exits[i] as Exit.Failure<unknown>;
      if (e.cause === kept) continue;
      // In gatherExits' result each child's Exit is returned: nothing is lost there.
      if (this.mode === EXITS && outcome._tag === "Success") continue;
      const child = this.children[i];
      this.getLoop().callExceptionHandler({
        message: `${fn}: ${what} failed after the outcome was decided (while being cancelled); the ${fn} result does not include it`,
        exception: Cause.squash(e.cause),
        ...(child instanceof Task ? { task: child } : child !== undefined ? { future: child } : {}),
      });
    }
  }

  /** The outcome is decided: cancel every other started child. */
  private stop(): void {
    this.stopping = true;
    // Already cancelled with the gathering: cancelling them again would cancel again
    // everything below them too, once per level of a nest of gathers whose children all
    // end cancelled in one iteration (quadratic in the depth).
    if (this.cancelRequested) return;
    this.cancelChildren(undefined);
  }

  outcome(): Exit.Exit<unknown, unknown> {
    // An outcome decided before the gathering was cancelled (a child's failure, a race's
    // winner) is never replaced by that cancellation: a failure must not be lost.
    if (this.mode === ALL && this.failure !== undefined) return Exit.failCause(this.failure);
    if (this.mode === RACE && this.winner >= 0) return this.exits[this.winner]!;
    if (this.cancelRequested) return Exit.interrupt(this.cancelMsg);
    switch (this.mode) {
      case ALL: {
        if (this.failure !== undefined) return Exit.failCause(this.failure);
        const values = new Array<unknown>(this.n);
        for (let i = 0; i < this.n; i++) values[i] = (this.exits[i] as Exit.Success<unknown>).value;
        return Exit.succeed(values);
      }
      case EXITS:
        return Exit.succeed(this.exits.slice());
      case RACE: {
        if (this.winner >= 0) return this.exits[this.winner]!;
        return Exit.failCause(this.failure ?? Cause.interrupt());
      }
    }
  }
}

/**
 * A child's program, reporting its end to the gathering from inside its own fiber (its
 * bottom frame), so no done callback or extra loop turn is needed. The child task itself
 * always ends with success (its outcome belongs to the gathering, so a failure is never
 * "unretrieved"), or cancelled.
 *
 * The frame reports only once it is pushed, by the task's first step: a task cancelled
 * before that step ends without running it. So the gathering starts a child either
 * eagerly (the first step pushes the frame at once; `deferred` makes that step suspend
 * right after, to bound the stack of nested eager starts), or, when a task factory made
 * a task whose first step has not run, also watches the task (see `startChild`).
 */
class Child extends Aio<unknown, never> implements Frame {
  /** The first step ran: the frame is on the task's stack and will report. */
  started = false;
  constructor(
    private readonly aio: Aio<unknown, unknown>,
    private readonly g: Gathering,
    private readonly i: number,
    /** Suspend once (a loop turn) after pushing the frame, before running `aio`. */
    private readonly deferred: boolean,
  ) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    this.started = true;
    f._push(this);
    if (!this.deferred) return this.aio;
    f._push(new RunAfter(this.aio));
    return YIELD;
  }
  _ok(f: Fiber): Aio<unknown, unknown> | null {
    // asyncio: a task cancelled that returns without suspending again ends cancelled.
    const e = f._mustCancel ? Exit.interrupt(f._cancelMsg) : Exit.succeed(f._v);
    this.g.childDone(this.i, e);
    return CONTINUE_OK;
  }
  _err(f: Fiber): Aio<unknown, unknown> | null {
    const c = f._cause;
    this.g.childDone(this.i, Exit.failCause(c));
    if (c._tag === "Interrupt") return CONTINUE_ERR;
    f._v = undefined;
    return CONTINUE_OK;
  }
}

/** One loop turn (a cancellation requested meanwhile is delivered here). */
const YIELD: Aio<unknown, unknown> = new Sleep(0, undefined);

/** A deferred child's frame over the yield: then runs the child's program. */
class RunAfter implements Frame {
  constructor(private readonly aio: Aio<unknown, unknown>) {}
  _ok(): Aio<unknown, unknown> | null {
    return this.aio;
  }
  _err(): Aio<unknown, unknown> | null {
    return CONTINUE_ERR;
  }
}

/** Starts child `i` of `g`, running `aio`; records it as started. */
const startChild = (loop: EventLoop, g: Gathering, i: number, aio: Aio<unknown, unknown>): void => {
  const child = new Child(aio, g, i, startWouldNestTooDeep());
  g.remaining++;
  const t = startTask(loop, child);
  g.children[i] = t;
  if (!child.started) {
    // A task factory's task, not started yet: if it is cancelled before its first step,
    // the Child frame never reports, so its end is watched too (childDone takes the
    // first report only).
    t.addDoneCallback(() => g.childDone(i, exitOf(t)));
  }
};

/**
 * The combinators as one Aio primitive: starts the children (Aio children eagerly, in
 * argument order, each up to its first suspension), stops starting them once the outcome
 * is decided, and waits on a `Gathering` if any child is still running.
 */
class GatherAio extends Aio<unknown, unknown> {
  constructor(
    private readonly items: readonly Awaitable<unknown, unknown>[],
    private readonly mode: Mode,
    private readonly fn: string,
  ) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    // A pending cancellation is delivered before any child starts.
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    const items = this.items;
    const n = items.length;
    const loop = f.getLoop();
    checkSameLoops(this.fn, items, loop); // before any child starts
    const g = new Gathering(loop, n, this.mode, this.fn);
    for (let i = 0; i < n; i++) {
      const c = items[i]!;
      if (c instanceof Future) {
        // Already running: watched (and cancelled, if the outcome is decided) either way.
        if (c.done()) g.ended(i, exitOf(c));
        else {
          g.watch(i, c);
          if (g.stopping) c.cancel();
        }
      } else if (g.stopping) {
        continue; // the outcome is decided: an Aio not started yet never starts
      } else if (c instanceof Succeed) {
        g.ended(i, Exit.succeed(c.value));
      } else if (c instanceof FailCause) {
        g.ended(i, Exit.failCause(c.cause));
      } else if (c instanceof Sync) {
        // A plain thunk: what an eager task would do, without the task.
        let e: Exit.Exit<unknown, unknown>;
        try {
          e = Exit.succeed(c.thunk());
        } catch (thrown) {
          e = Exit.failCause(Cause.fromThrown(thrown));
        }
        g.ended(i, e);
      } else {
        startChild(loop, g, i, c);
      }
    }
    g.launching = false;
    if (g.remaining === 0) {
      const e = g.outcome();
      if (g.lateFailures !== undefined) g.reportLateFailures(e);
      return e._tag === "Success" ? new Succeed(e.value) : new FailCause(e.cause);
    }
    return new AwaitFuture(g);
  }
}

/**
 * The options object of `gather`, given as its last argument. When given, it names
 * `returnExceptions` (an empty object or an unknown key is a TypeError: a plain object in
 * last place is never silently taken for options).
 * @example
 * ```ts
 * import { Aio, gather } from "aio-ts";
 * const all = gather(Aio.succeed(1), Aio.fail("x"), { returnExceptions: true }); // [Exit, Exit]
 * ```
 */
export interface GatherOptions {
  /** `true`: never fail because of a child; the result lists every child's `Exit`. */
  readonly returnExceptions: boolean;
}

/**
 * The values of a tuple (or array) of awaitables, position by position.
 * @example
 * ```ts
 * import type { Aio, GatherValues } from "aio-ts";
 * type V = GatherValues<[Aio.Aio<number>, Aio.Aio<string, Error>]>; // [number, string]
 * ```
 */
export type GatherValues<T extends readonly unknown[]> = { -readonly [K in keyof T]: AwaitableValue<T[K]> };
/**
 * The outcomes of a tuple (or array) of awaitables, position by position.
 * @example
 * ```ts
 * import type { Aio, GatherExits } from "aio-ts";
 * type X = GatherExits<[Aio.Aio<number>, Aio.Aio<string, Error>]>; // [Exit<number, never>, Exit<string, Error>]
 * ```
 */
export type GatherExits<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: Exit.Exit<AwaitableValue<T[K]>, AwaitableError<T[K]>>;
};

/** A plain object (not an awaitable, array or promise): gather's trailing options. */
const isPlainObject = (u: unknown): u is object => {
  if (typeof u !== "object" || u === null) return false;
  const proto: unknown = Object.getPrototypeOf(u);
  return proto === Object.prototype || proto === null;
};

/** Reads gather's options object: `returnExceptions`, the one key it may have. */
const readOptions = (fn: string, o: object): boolean => {
  const keys = Reflect.ownKeys(o);
  for (const k of keys) {
    if (k !== "returnExceptions") {
      throw new TypeError(`${fn}: unknown option ${JSON.stringify(String(k))}; the options are { returnExceptions: boolean }`);
    }
  }
  if (keys.length === 0) {
    throw new TypeError(`${fn}: the last argument is an empty object; pass { returnExceptions: boolean }, or no options`);
  }
  const r = (o as { returnExceptions?: unknown }).returnExceptions;
  if (typeof r !== "boolean") throw new TypeError(`${fn}: returnExceptions must be a boolean; got ${describe(r)}`);
  return r;
};

/**
 * Splits the arguments: `(a, b, c)` or `([a, b, c])`, for gather either with an options
 * object last.
 */
const parseArgs = (
  fn: string,
  args: readonly unknown[],
  takesOptions: boolean,
): { items: Awaitable<unknown, unknown>[]; exits: boolean } => {
  let list: readonly unknown[] = args;
  let exits = false;
  const last = list[list.length - 1];
  if (takesOptions && list.length > 0 && isPlainObject(last)) {
    exits = readOptions(fn, last);
    list = list.slice(0, -1);
  }
  if (list.length === 1 && Array.isArray(list[0])) list = list[0] as readonly unknown[];
  const items = list.map((u, i) => {
    checkAwaitable(fn, u, i);
    return u as Awaitable<unknown, unknown>;
  });
  return { items, exits };
};

/**
 * Runs awaitables concurrently and collects their values in argument order, whatever
 * the completion order (asyncio.gather): `gather(a, b, c)` is an
 * `Aio<[A, B, C], EA | EB | EC>`; an array gives an array, a readonly tuple a tuple;
 * `gather()` is `[]` at once. Aio arguments start at once, in order, each up to its first
 * suspension; tasks and futures are used as they are.
 *
 * Structured, unlike asyncio: the first failure cancels the other children and waits for
 * them to end before it propagates. A child that ends cancelled is a failure (the gather
 * fails with a `CancelledError`, as asyncio). Cancelling the gather cancels every child;
 * it ends cancelled once they have all ended.
 *
 * A task or future of another loop is an `EventLoopError` defect at once, before any
 * child starts.
 *
 * With `{ returnExceptions: true }` as the last argument it never fails because of a
 * child and returns every child's `Exit` instead (see `gatherExits`); with a `boolean`
 * known only at run time, the result type is the union of both forms. An options object
 * with another key, or empty, is a TypeError.
 *
 * @example
 * ```ts
 * import { Aio, gather, run } from "aio-ts";
 * const hello = (n: number, ms: number) => Aio.sleep(ms, `hello ${n}`);
 * const [a, b, c] = await run(gather(hello(1, 3000), hello(2, 2000), hello(3, 4000)));
 * // ["hello 1", "hello 2", "hello 3"], after 4 s (not 9)
 * ```
 */
export function gather<const T extends readonly Awaitable[]>(
  ...args: [...aws: T, options: { readonly returnExceptions: true }]
): Aio<GatherExits<T>>;
export function gather<const T extends readonly Awaitable[]>(
  aws: T,
  options: { readonly returnExceptions: true },
): Aio<GatherExits<T>>;
export function gather<const T extends readonly Awaitable[]>(
  aws: T,
  options?: { readonly returnExceptions: false },
): Aio<GatherValues<T>, AwaitableError<T[number]>>;
export function gather<const T extends readonly Awaitable[]>(
  ...args: [...aws: T, options: { readonly returnExceptions: false }]
): Aio<GatherValues<T>, AwaitableError<T[number]>>;
export function gather<const T extends readonly Awaitable[]>(
  aws: T,
  options: GatherOptions,
): Aio<GatherExits<T> | GatherValues<T>, AwaitableError<T[number]>>;
export function gather<const T extends readonly Awaitable[]>(
  ...args: [...aws: T, options: GatherOptions]
): Aio<GatherExits<T> | GatherValues<T>, AwaitableError<T[number]>>;
export function gather<const T extends readonly Awaitable[]>(...aws: T): Aio<GatherValues<T>, AwaitableError<T[number]>>;
export function gather(...args: readonly unknown[]): Aio<unknown, unknown> {
  const { items, exits } = parseArgs("gather", args, true);
  return new GatherAio(items, exits ? EXITS : ALL, "gather");
}

/**
 * `gather` that never fails because of a child (asyncio's `return_exceptions=True`): the
 * result is every child's `Exit` — value, typed failure, defect or cancellation — in
 * argument order, typed position by position. Cancelling it cancels every child.
 *
 * @example
 * ```ts runnable
 * import { Aio, Exit, gatherExits, run } from "aio-ts";
 * const [ok, bad] = await run(gatherExits(Aio.succeed(1), Aio.fail("nope")));
 * Exit.isSuccess(ok); // true
 * Exit.isFailure(bad); // true
 * ```
 */
export function gatherExits<const T extends readonly Awaitable[]>(aws: T): Aio<GatherExits<T>>;
export function gatherExits<const T extends readonly Awaitable[]>(...aws: T): Aio<GatherExits<T>>;
export function gatherExits(...args: readonly unknown[]): Aio<unknown, unknown> {
  const { items } = parseArgs("gatherExits", args, false);
  return new GatherAio(items, EXITS, "gatherExits");
}

/**
 * Runs awaitables concurrently; the first to succeed wins, the others are cancelled and
 * awaited before it returns. If every one fails, the race fails with the first failure
 * (in completion order). A contender that ends cancelled counts as a failure. At least
 * one argument (or a non-empty array); cancelling the race cancels every contender.
 *
 * @example
 * ```ts runnable
 * import { Aio, race, run } from "aio-ts";
 * const winner = await run(race(Aio.sleep(200, "slow"), Aio.sleep(100, "fast")));
 * // "fast", after 100 ms; "slow" was cancelled
 * ```
 */
export function race<const T extends readonly [Awaitable, ...Awaitable[]]>(
  aws: T,
): Aio<AwaitableValue<T[number]>, AwaitableError<T[number]>>;
export function race<const T extends readonly Awaitable[]>(
  aws: T,
): Aio<AwaitableValue<T[number]>, AwaitableError<T[number]>>;
export function race<const T extends readonly [Awaitable, ...Awaitable[]]>(
  ...aws: T
): Aio<AwaitableValue<T[number]>, AwaitableError<T[number]>>;
export function race(...args: readonly unknown[]): Aio<unknown, unknown> {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as readonly unknown[]) : args;
  if (list.length === 0) throw new TypeError("race: expected at least one Aio, Task or Future");
  const items = list.map((u, i) => {
    checkAwaitable("race", u, i);
    return u as Awaitable<unknown, unknown>;
  });
  return new GatherAio(items, RACE, "race");
}
