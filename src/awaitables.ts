/**
 * Awaitables (asyncio's "awaitable objects"): what the combinators accept — an `Aio`, a
 * `Task` or a `Future` — with the types that read their value and error, and the
 * machinery the combinators share (argument checks, eager child tasks).
 *
 * @module awaitables
 */
import * as Exit from "./Exit.js";
import { Aio } from "./internal/aio.js";
import { Task } from "./internal/fiber.js";
import { Future, foreignLoopError } from "./internal/future.js";
import type { EventLoop } from "./events.js";

/**
 * Anything a combinator can wait for: an `Aio` (run in a new task), a `Task` or a
 * `Future` (used as it is).
 *
 * @example
 * ```ts
 * import { Aio, type Awaitable } from "aio-ts";
 * const work: Awaitable<number, string> = Aio.succeed(1);
 * ```
 */
export type Awaitable<A = unknown, E = unknown> = Aio<A, E> | Future<A, E>;

/**
 * The success type of an awaitable (distributes over unions).
 *
 * @example
 * ```ts
 * import { Aio, type AwaitableValue } from "aio-ts";
 * type N = AwaitableValue<Aio.Aio<number, string>>; // number
 * ```
 */
export type AwaitableValue<T> =
  T extends Aio<infer A, infer _E> ? A : T extends Future<infer A, infer _E> ? A : never;

/**
 * The typed error of an awaitable (distributes over unions).
 *
 * @example
 * ```ts
 * import { Aio, type AwaitableError } from "aio-ts";
 * type S = AwaitableError<Aio.Aio<number, string>>; // string
 * ```
 */
export type AwaitableError<T> =
  T extends Aio<infer _A, infer E> ? E : T extends Future<infer _A, infer E> ? E : never;

/**
 * What an awaitable becomes once a combinator has started it: an `Aio` becomes a
 * `Task`, a `Task` or `Future` stays what it is.
 *
 * @example
 * ```ts
 * import { Aio, type AsFuture, type Task } from "aio-ts";
 * type T = AsFuture<Aio.Aio<number, string>>; // Task<number, string>
 * ```
 */
export type AsFuture<T> =
  T extends Task<infer A, infer E>
    ? Task<A, E>
    : T extends Future<infer A, infer E>
      ? Future<A, E>
      : T extends Aio<infer A, infer E>
        ? Task<A, E>
        : never;

/**
 * Whether `u` is an `Aio`, a `Task` or a `Future`.
 *
 * @example
 * ```ts
 * import { Aio, isAwaitable } from "aio-ts";
 * isAwaitable(Aio.succeed(1)); // true
 * isAwaitable(Promise.resolve(1)); // false
 * ```
 */
export const isAwaitable = (u: unknown): u is Awaitable<unknown, unknown> => u instanceof Aio || u instanceof Future;

// ---------------------------------------------------------------------------------------
// Internal helpers shared by the combinator modules (not re-exported by the index).

/** @internal A short description of a bad argument, for error messages. */
export const describe = (u: unknown): string => {
  if (u === null) return "null";
  if (typeof u === "object") {
    if (typeof (u as { then?: unknown }).then === "function") return "a Promise (wrap it with fromPromise)";
    return `an object (${Object.prototype.toString.call(u)})`;
  }
  if (typeof u === "function") return "a function (call it to get an Aio?)";
  return `${typeof u} ${String(u)}`;
};

/** @internal Throws a TypeError unless `u` is an Aio, Task or Future. */
export const checkAwaitable = (fn: string, u: unknown, index?: number): void => {
  if (u instanceof Aio || u instanceof Future) return;
  const where = index === undefined ? "the argument" : `argument ${index}`;
  throw new TypeError(`${fn}: ${where} is not an Aio, Task or Future; got ${describe(u)}`);
};

/**
 * @internal Throws an `EventLoopError` (a defect, when thrown in a step) if `fut` is
 * bound to another loop than `loop`: waiting on it would hang, since its loop is not
 * the one running (asyncio raises at once: "... attached to a different loop"). The one
 * check every combinator makes before it starts anything, so nothing is left orphaned.
 */
export const checkSameLoop = (fn: string, fut: Future<unknown, unknown>, loop: EventLoop, index?: number): void => {
  if (fut.getLoop() === loop) return;
  throw foreignLoopError(fn, fut, index === undefined ? "" : ` (argument ${index})`);
};

/** @internal `checkSameLoop` for each future or task among `items`. */
export const checkSameLoops = (fn: string, items: readonly Awaitable<unknown, unknown>[], loop: EventLoop): void => {
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (a instanceof Future) checkSameLoop(fn, a, loop, i);
  }
};

/** @internal Reads an iterable of awaitables into an array, checking each element. */
export const toAwaitables = (fn: string, aws: unknown): Awaitable<unknown, unknown>[] => {
  if (aws === null || aws === undefined || typeof (aws as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw new TypeError(`${fn}: expected an array or iterable of Aio, Task or Future values; got ${describe(aws)}`);
  }
  if (isAwaitable(aws)) {
    throw new TypeError(`${fn}: expected an array or iterable of awaitables, got a single one; wrap it in an array`);
  }
  const out: Awaitable<unknown, unknown>[] = [];
  let i = 0;
  for (const u of aws as Iterable<unknown>) {
    checkAwaitable(fn, u, i++);
    out.push(u as Awaitable<unknown, unknown>);
  }
  return out;
};

/** @internal Throws a RangeError unless `ms` is a number (not NaN), `null` or `undefined`. */
export const checkTimeout = (fn: string, ms: unknown): number | null => {
  if (ms === null || ms === undefined) return null;
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new RangeError(`${fn}: the timeout must be a number of milliseconds, null or undefined; got ${describe(ms)}`);
  }
  return ms;
};

/** Nesting depth of eager starts (an eager child that eagerly starts children...). */
let eagerDepth = 0;
/** Beyond this depth a child must not run its first step at once, to bound the JS stack. */
const MAX_EAGER_DEPTH = 64;

/**
 * @internal Whether a task started now would nest `MAX_EAGER_DEPTH` eager first steps
 * deep: its program must then suspend (yield to the loop) before doing anything else.
 */
export const startWouldNestTooDeep = (): boolean => eagerDepth >= MAX_EAGER_DEPTH;

/**
 * @internal Starts `aio` as a task of `loop`. With no task factory set it starts
 * eagerly (its first step runs now, inside the caller's step: asyncio's eager_start, so
 * a program that finishes without suspending never goes through the loop); with one,
 * through the factory, which may start it eagerly too. Either way the nesting is
 * counted: a caller past `startWouldNestTooDeep()` must give a program that suspends
 * first.
 */
export const startTask = <A, E>(loop: EventLoop, aio: Aio<A, E>): Task<A, E> => {
  if (loop.isClosed()) return loop.createTask(aio); // throws the closed-loop error
  eagerDepth++;
  try {
    return loop.getTaskFactory() !== null ? loop.createTask(aio) : new Task(loop, aio, undefined, true);
  } finally {
    eagerDepth--;
  }
};

/** @internal The outcome of a done future, marked as retrieved. */
export const exitOf = <A, E>(f: Future<A, E>): Exit.Exit<A, E> => {
  const e = f.getExit();
  if (e === undefined) throw new Error("aio-ts internal error: exitOf of a pending future");
  return e;
};

/** @internal Continue unwinding with the fiber's current value / cause (defined in internal/primitives.ts). */
export { CONTINUE_ERR, CONTINUE_OK } from "./internal/primitives.js";
