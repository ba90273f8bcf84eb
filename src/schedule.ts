/**
 * Retries and schedules: a small immutable `Schedule` (the delays between attempts and
 * when to stop) and the two combinators that follow one, `retry` (run again after a
 * typed failure) and `repeat` (run again after a success). asyncio has no counterpart;
 * the shape follows Effect's `Schedule` / `Effect.retry` / `Effect.repeat`, kept small.
 *
 * A schedule answers one question: after the n-th run (1-based), run again, and after
 * how long? Its parts:
 * - the delay before the n-th recurrence: `min(max, initial · factor^(n-1))`
 *   (`fixed(ms)` is factor 1, `exponential(initial, { factor, max })` the rest), then
 *   optionally jittered;
 * - a limit on recurrences (`recurs(n)`: at most n runs after the first);
 * - a limit on elapsed loop time (`maxElapsed(ms)`: a run never starts `ms` or more after
 *   the first run started).
 *
 * Delays are slept with the loop's clock (`Aio.sleep`), so they are exact on the virtual
 * loop, and the sleep is where a cancellation ends a retry or repeat.
 *
 * @module schedule
 */
import * as Cause from "./Cause.js";
import { Aio, type Fiber } from "./internal/aio.js";
import { Sleep } from "./internal/async.js";
import { CatchFail, FailCause, FlatMap, Succeed, WithFiber } from "./internal/primitives.js";

// ---------------------------------------------------------------------------------------
// The Schedule value

/**
 * How a jittered schedule randomises its delays: `"full"` draws each delay uniformly from
 * `[0, d)` (AWS's "full jitter"); `"proportional"` from `[d·(1-ratio), d·(1+ratio))`.
 * `random` returns a number in `[0, 1)` (Math.random by default; inject a seeded one in
 * tests).
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const j: Schedule.Jitter = { mode: "proportional", ratio: 0.1, random: Math.random };
 * ```
 */
export type Jitter =
  | { readonly mode: "full"; readonly random: () => number }
  | { readonly mode: "proportional"; readonly ratio: number; readonly random: () => number };

/** A function of one argument, for `pipe`. */
type Fn<A, B> = (a: A) => B;

/**
 * An immutable retry/repeat policy: the delay before each recurrence and when to stop.
 * Build one with `fixed` or `exponential`, refine it with `jittered`, `recurs` and
 * `maxElapsed` (data-last, so they compose with `.pipe`). Without a limit a schedule
 * recurs for ever: only success (retry), failure (repeat) or cancellation ends it.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const policy: Schedule = Schedule.exponential(100, { max: 5000 }).pipe(
 *   Schedule.jittered(),
 *   Schedule.recurs(5),
 *   Schedule.maxElapsed(30_000),
 * );
 * ```
 */
export interface Schedule {
  /** The delay before the first recurrence (ms). */
  readonly initialDelay: number;
  /** Each delay is the previous one times `factor` (1 for a fixed schedule). */
  readonly factor: number;
  /** The cap on a delay before jitter (ms; Infinity: none). */
  readonly maxDelay: number;
  /** How delays are randomised, if they are. */
  readonly jitter: Jitter | undefined;
  /** At most this many runs after the first (Infinity: no limit). */
  readonly maxRecurrences: number;
  /** No run starts this long (ms of loop time) or later after the first run started (Infinity: no limit). */
  readonly maxElapsedMs: number;
  /** Applies functions left to right: `s.pipe(f, g)` is `g(f(s))`. */
  pipe<B>(ab: Fn<this, B>): B;
  pipe<B, C>(ab: Fn<this, B>, bc: Fn<B, C>): C;
  pipe<B, C, D>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>): D;
  pipe<B, C, D, F>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>, df: Fn<D, F>): F;
}

// Not exported: every Schedule comes from the validating constructors below (a look-alike
// object is refused by `isSchedule`, so by retry and repeat).
class ScheduleImpl implements Schedule {
  constructor(
    readonly initialDelay: number,
    readonly factor: number,
    readonly maxDelay: number,
    readonly jitter: Jitter | undefined,
    readonly maxRecurrences: number,
    readonly maxElapsedMs: number,
  ) {}

  pipe<B>(ab: Fn<this, B>): B;
  pipe<B, C>(ab: Fn<this, B>, bc: Fn<B, C>): C;
  pipe<B, C, D>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>): D;
  pipe<B, C, D, F>(ab: Fn<this, B>, bc: Fn<B, C>, cd: Fn<C, D>, df: Fn<D, F>): F;
  pipe(...fns: ReadonlyArray<Fn<never, unknown>>): unknown {
    let x: unknown = this;
    for (const f of fns) x = (f as Fn<unknown, unknown>)(x);
    return x;
  }
}

const checkDelay = (what: string, ms: unknown): number => {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`${what}: expected a finite number of milliseconds >= 0, got ${String(ms)}`);
  }
  return ms;
};

/**
 * The same delay, `ms`, before every recurrence; no limit (add `recurs` or
 * `maxElapsed`). `fixed(0)` recurs at once (yielding to the loop once in between).
 * A negative, NaN or infinite `ms` is a RangeError, thrown at once.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const everySecond = Schedule.fixed(1000);
 * ```
 */
export const fixed = (ms: number): Schedule =>
  new ScheduleImpl(checkDelay("Schedule.fixed", ms), 1, Infinity, undefined, Infinity, Infinity);

/**
 * Exponential backoff: `initial` ms before the first recurrence, then each delay
 * `factor` (default 2) times the previous, capped at `max` ms (default: no cap); no limit
 * on recurrences. Bad numbers (a negative or NaN delay, `factor` < 1) are a RangeError,
 * thrown at once.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const backoff = Schedule.exponential(100, { factor: 2, max: 2000 }); // 100, 200, 400, … 2000, 2000
 * ```
 */
export const exponential = (
  initial: number,
  options?: { readonly factor?: number; readonly max?: number },
): Schedule => {
  checkDelay("Schedule.exponential", initial);
  const factor = options?.factor ?? 2;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw new RangeError(`Schedule.exponential: expected a finite factor >= 1, got ${String(factor)}`);
  }
  const max = options?.max ?? Infinity;
  if (typeof max !== "number" || Number.isNaN(max) || max < 0) {
    throw new RangeError(`Schedule.exponential: expected a max delay >= 0, got ${String(max)}`);
  }
  return new ScheduleImpl(initial, factor, max, undefined, Infinity, Infinity);
};

/**
 * Randomises each delay `d` (after the cap): `mode: "full"` (the default) draws it from
 * `[0, d)`, `mode: "proportional"` from `[d·(1-ratio), d·(1+ratio))` (`ratio` in
 * `[0, 1]`, default 0.2). `random` (default Math.random) must return a number in
 * `[0, 1)`; anything else is a RangeError where the delay is drawn (a defect of the
 * retry). Replaces any jitter `self` had.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const s = Schedule.exponential(100).pipe(Schedule.jittered({ mode: "proportional", ratio: 0.1 }));
 * ```
 */
export const jittered = (options?: {
  readonly mode?: "full" | "proportional";
  readonly ratio?: number;
  readonly random?: () => number;
}): ((self: Schedule) => Schedule) => {
  const random = options?.random ?? Math.random;
  if (typeof random !== "function") throw new TypeError("Schedule.jittered: random must be a function");
  const mode = options?.mode ?? "full";
  let jitter: Jitter;
  if (mode === "full") {
    jitter = { mode, random };
  } else if (mode === "proportional") {
    const ratio = options?.ratio ?? 0.2;
    if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 1)) {
      throw new RangeError(`Schedule.jittered: expected a ratio in [0, 1], got ${String(ratio)}`);
    }
    jitter = { mode, ratio, random };
  } else {
    throw new RangeError(`Schedule.jittered: unknown mode ${String(mode)}`);
  }
  return (self) =>
    new ScheduleImpl(self.initialDelay, self.factor, self.maxDelay, jitter, self.maxRecurrences, self.maxElapsedMs);
};

/**
 * At most `n` runs after the first: `n` retries (retry), `n` repetitions (repeat), so
 * `n + 1` runs in all; `recurs(0)` runs once. Keeps the smaller limit if `self` already
 * has one. `n` must be a non-negative integer (RangeError otherwise, thrown at once).
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const threeRetries = Schedule.fixed(100).pipe(Schedule.recurs(3)); // 4 attempts at most
 * ```
 */
export const recurs = (n: number): ((self: Schedule) => Schedule) => {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`Schedule.recurs: expected an integer >= 0, got ${String(n)}`);
  }
  return (self) =>
    new ScheduleImpl(
      self.initialDelay,
      self.factor,
      self.maxDelay,
      self.jitter,
      Math.min(self.maxRecurrences, n),
      self.maxElapsedMs,
    );
};

/**
 * Stops recurring once loop time runs out: a new run starts only if it would start less
 * than `ms` after the first run started (the elapsed time plus the next delay is checked
 * before sleeping, so the last sleep never overshoots the budget). A run already going is
 * not cut short (use `timeout` for that). Keeps the smaller limit if `self` already has
 * one. A negative or NaN `ms` is a RangeError, thrown at once.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const forTenSeconds = Schedule.fixed(500).pipe(Schedule.maxElapsed(10_000));
 * ```
 */
export const maxElapsed = (ms: number): ((self: Schedule) => Schedule) => {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`Schedule.maxElapsed: expected a number of milliseconds >= 0, got ${String(ms)}`);
  }
  return (self) =>
    new ScheduleImpl(
      self.initialDelay,
      self.factor,
      self.maxDelay,
      self.jitter,
      self.maxRecurrences,
      Math.min(self.maxElapsedMs, ms),
    );
};

/**
 * Whether a value is a Schedule.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * Schedule.isSchedule(Schedule.fixed(1)); // true
 * ```
 */
export const isSchedule = (u: unknown): u is Schedule => u instanceof ScheduleImpl;

/**
 * The delay before recurrence `n` (1-based) after `elapsed` ms, or -1 to stop: the
 * recurrence limit first, then the delay (drawing a random number when jittered), then
 * the elapsed-time limit.
 */
const nextDelay = (s: Schedule, n: number, elapsed: number): number => {
  if (n > s.maxRecurrences) return -1;
  // A power that overflows to Infinity is brought back by the cap; without one, such a
  // delay (after about a thousand doublings) is a sleep that never ends.
  const grown = s.factor === 1 ? s.initialDelay : s.initialDelay * Math.pow(s.factor, n - 1);
  let d = grown < s.maxDelay ? grown : s.maxDelay;
  const j = s.jitter;
  if (j !== undefined) {
    const r = j.random();
    if (typeof r !== "number" || !(r >= 0 && r < 1)) {
      throw new RangeError(`Schedule.jittered: random() must return a number in [0, 1), got ${String(r)}`);
    }
    d = j.mode === "full" ? d * r : d * (1 - j.ratio + 2 * j.ratio * r);
  }
  return elapsed + d < s.maxElapsedMs ? d : -1;
};

// ---------------------------------------------------------------------------------------
// retry and repeat

/**
 * What `onRetry` is told about each retry, before its delay is slept: `attempt` is the
 * 1-based number of the attempt that failed (so also the number of this retry), `error`
 * its typed error, `delay` the ms to sleep before the next attempt (jitter applied).
 *
 * @example
 * ```ts runnable
 * import type { Schedule } from "aio-ts";
 * const log = ({ attempt, error, delay }: Schedule.RetryInfo<Error>) =>
 *   console.log(`attempt ${attempt} failed (${error.message}), retrying in ${delay} ms`);
 * ```
 */
export interface RetryInfo<E> {
  readonly attempt: number;
  readonly error: E;
  readonly delay: number;
}

/**
 * Options of `retry`. `schedule` says when to retry; `while` (default: every typed
 * error) says which errors are retried (a type guard narrows `E` to `E1`, the type
 * `onRetry` sees); any other error fails at once, unchanged. `onRetry` is called before
 * each backoff; it may return an Aio (that cannot fail) to run before the sleep, e.g. to
 * log through the program's own logger. A throw from `while` or `onRetry` is a defect.
 *
 * @example
 * ```ts runnable
 * import { Schedule } from "aio-ts";
 * type HttpError = { readonly status: number };
 * const options: Schedule.RetryOptions<HttpError> = {
 *   schedule: Schedule.exponential(100).pipe(Schedule.recurs(3)),
 *   while: (e) => e.status >= 500,
 *   onRetry: ({ attempt, delay }) => console.log(`retry ${attempt} in ${delay} ms`),
 * };
 * ```
 */
export interface RetryOptions<E, E1 extends E = E> {
  readonly schedule: Schedule;
  readonly while?: ((error: E) => error is E1) | ((error: E) => boolean);
  readonly onRetry?: (info: RetryInfo<E1>) => void | Aio<unknown, never>;
}

/**
 * Options of `repeat`: `schedule` says when to run again; `while` (default: always) is
 * checked on each value, and a `false` stops the repetition with that value.
 *
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const options: Schedule.RepeatOptions<string> = {
 *   schedule: Schedule.fixed(1000).pipe(Schedule.recurs(60)),
 *   while: (status) => status === "pending",
 * };
 * ```
 */
export interface RepeatOptions<A> {
  readonly schedule: Schedule;
  readonly while?: (value: A) => boolean;
}

type Hook = (info: RetryInfo<never>) => unknown;

const scheduleOf = (what: string, policy: unknown): Schedule => {
  const s = isSchedule(policy)
    ? policy
    : typeof policy === "object" && policy !== null
      ? (policy as { schedule?: unknown }).schedule
      : undefined;
  if (!isSchedule(s)) throw new TypeError(`${what}: expected a Schedule or options with a schedule`);
  return s;
};

const optionalFn = <F>(what: string, name: string, policy: unknown): F | undefined => {
  if (isSchedule(policy)) return undefined;
  const f = (policy as Record<string, unknown>)[name];
  if (f !== undefined && typeof f !== "function") throw new TypeError(`${what}: ${name} must be a function`);
  return f as F | undefined;
};

/** The loop time, read from the fiber's own loop. */
const loopTime = (f: Fiber): number => f._loop.time();

/**
 * Runs `self`, and after each typed failure that the policy allows, sleeps the
 * schedule's next delay and runs it again (a fresh run of the lazy `self` each time).
 * The result is the first success, or the last failure, typed `E`: an error `while`
 * rejects fails at once, unchanged, and an exhausted schedule fails with the error that
 * exhausted it. Defects and interruptions are never retried. A cancellation during a
 * backoff ends the retry at once (the sleep is the suspension point). The elapsed-time
 * limit is measured on the loop's clock from when the retry starts.
 *
 * `policy` is a `Schedule` or `RetryOptions` (`schedule`, `while`, `onRetry`). Data-last,
 * `aio.pipe(Aio.retry(policy))`, or data-first, `Aio.retry(aio, policy)`. A policy
 * without a Schedule made by this module, or a non-function hook, is a TypeError at once.
 *
 * @example
 * ```ts runnable
 * import { Aio, Schedule, run } from "aio-ts";
 * let calls = 0;
 * const flaky = Aio.suspend(() => (++calls < 3 ? Aio.fail("busy" as const) : Aio.succeed(calls)));
 * const program = flaky.pipe(
 *   Aio.retry({
 *     schedule: Schedule.exponential(100).pipe(Schedule.recurs(5)),
 *     onRetry: ({ attempt, delay }) => console.log(`attempt ${attempt} failed, retrying in ${delay} ms`),
 *   }),
 * );
 * await run(program); // 3, after 100 + 200 ms
 * ```
 */
export function retry<A, E, E1 extends E = E>(self: Aio<A, E>, policy: Schedule | RetryOptions<E, E1>): Aio<A, E>;
export function retry<E, E1 extends E = E>(policy: Schedule | RetryOptions<E, E1>): <A>(self: Aio<A, E>) => Aio<A, E>;
export function retry<A, E>(
  ...args: [self: Aio<A, E>, policy: Schedule | RetryOptions<E>] | [policy: Schedule | RetryOptions<E>]
): Aio<A, E> | ((self: Aio<A, E>) => Aio<A, E>) {
  if (args.length === 2) return retryWith(args[1])(args[0]);
  return retryWith<E>(args[0]);
}

const retryWith = <E>(policy: Schedule | RetryOptions<E>): (<A>(self: Aio<A, E>) => Aio<A, E>) => {
  const schedule = scheduleOf("Aio.retry", policy);
  const retryIf = optionalFn<(e: E) => boolean>("Aio.retry", "while", policy);
  const onRetry = optionalFn<Hook>("Aio.retry", "onRetry", policy);
  return <A>(self: Aio<A, E>): Aio<A, E> => {
    if (!(self instanceof Aio)) throw new TypeError(`Aio.retry: expected an Aio, got ${typeof self}`);
    return new WithFiber((fiber) => {
      const start = loopTime(fiber);
      // Each attempt is `self` under a handler that decides on its typed failure. The
      // handler's Aio replaces the handler's frame, so the stack does not grow per retry.
      const attempt = (n: number): Aio<A, E> =>
        new CatchFail<A, E, A, E>(self, (error) => {
          if (retryIf !== undefined && !retryIf(error)) return new FailCause(Cause.fail(error));
          const delay = nextDelay(schedule, n, loopTime(fiber) - start);
          if (delay < 0) return new FailCause(Cause.fail(error));
          const next = (): Aio<A, E> => attempt(n + 1);
          const backoff = new FlatMap(new Sleep(delay, undefined), next);
          if (onRetry === undefined) return backoff;
          const hook = onRetry({ attempt: n, error: error as never, delay });
          return hook instanceof Aio ? new FlatMap(hook as Aio<unknown, never>, () => backoff) : backoff;
        });
      return attempt(1);
    });
  };
};

/**
 * Runs `self`, and after each success that the policy allows, sleeps the schedule's next
 * delay and runs it again; the result is the last value (as Effect's `repeat` with a
 * limit; collect values yourself if you need them all). A failure ends it at once, with
 * that failure. `recurs(n)` means n repetitions after the first run (n + 1 runs); with
 * `while`, a value for which it returns false ends the repetition with that value. A
 * cancellation during a delay ends it at once.
 *
 * `policy` is a `Schedule` or `RepeatOptions` (`schedule`, `while`). Data-last,
 * `aio.pipe(Aio.repeat(policy))`, or data-first, `Aio.repeat(aio, policy)`.
 *
 * @example
 * ```ts
 * import { Aio, Schedule, run } from "aio-ts";
 * let n = 0;
 * const poll = Aio.sync(() => ++n);
 * const program = poll.pipe(Aio.repeat({ schedule: Schedule.fixed(1000), while: (v) => v < 5 }));
 * await run(program); // 5, after 4 s
 * ```
 */
export function repeat<A, E>(self: Aio<A, E>, policy: Schedule | RepeatOptions<A>): Aio<A, E>;
export function repeat<A>(policy: Schedule | RepeatOptions<A>): <E>(self: Aio<A, E>) => Aio<A, E>;
export function repeat<A, E>(
  ...args: [self: Aio<A, E>, policy: Schedule | RepeatOptions<A>] | [policy: Schedule | RepeatOptions<A>]
): Aio<A, E> | ((self: Aio<A, E>) => Aio<A, E>) {
  if (args.length === 2) return repeatWith(args[1])(args[0]);
  return repeatWith<A>(args[0]);
}

const repeatWith = <A>(policy: Schedule | RepeatOptions<A>): (<E>(self: Aio<A, E>) => Aio<A, E>) => {
  const schedule = scheduleOf("Aio.repeat", policy);
  const repeatIf = optionalFn<(a: A) => boolean>("Aio.repeat", "while", policy);
  return <E>(self: Aio<A, E>): Aio<A, E> => {
    if (!(self instanceof Aio)) throw new TypeError(`Aio.repeat: expected an Aio, got ${typeof self}`);
    return new WithFiber((fiber) => {
      const start = loopTime(fiber);
      const run = (n: number): Aio<A, E> =>
        new FlatMap(self, (value: A): Aio<A, E> => {
          if (repeatIf !== undefined && !repeatIf(value)) return new Succeed(value);
          const delay = nextDelay(schedule, n, loopTime(fiber) - start);
          if (delay < 0) return new Succeed(value);
          return new FlatMap(new Sleep(delay, undefined), () => run(n + 1));
        });
      return run(1);
    });
  };
};
