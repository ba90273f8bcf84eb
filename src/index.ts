/**
 * aio-ts: Python's asyncio as a typed, effect-style TypeScript library.
 *
 * @example
 * ```ts runnable
 * import { Aio, run } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   yield* Aio.sleep(1000);
 *   return "hello";
 * });
 * console.log(await run(main));
 * ```
 * @module aio-ts
 */
import * as AioModule from "./Aio.js";

/**
 * The `Aio` module: constructors (`succeed`, `fail`, `sync`, `promise`, `sleep`, `gen`…)
 * and data-last combinators (`map`, `flatMap`, `catchAll`, `ensuring`…).
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(1).pipe(Aio.map((n) => n + 1))); // 2
 * ```
 * @namespace
 */
export const Aio: typeof AioModule = AioModule;
/**
 * A lazy, immutable description of an asynchronous computation that succeeds with an
 * `A` or fails with a typed `E`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const n: Aio<number> = Aio.succeed(1);
 * ```
 */
export type Aio<A, E = never> = AioModule.Aio<A, E>;
/** Types that go with the `Aio` module. */
export declare namespace Aio {
  /** The Aio type itself, as `Aio.Aio<A, E>`. */
  export type Aio<A, E = never> = AioModule.Aio<A, E>;
  /** The success type of an Aio. */
  export type Success<T> = AioModule.Success<T>;
  /** The error type of an Aio. */
  export type Error<T> = AioModule.Error<T>;
  /** An Aio, Task or Future. */
  export type Yieldable<A, E> = AioModule.Yieldable<A, E>;
  /** The `_tag` literals of the tagged members of an error union. */
  export type TagsOf<E> = AioModule.TagsOf<E>;
  /** The members of `E` whose `_tag` is `K`. */
  export type ExtractTag<E, K extends string> = AioModule.ExtractTag<E, K>;
  /** The members of `E` whose `_tag` is not `K`. */
  export type ExcludeTag<E, K extends string> = AioModule.ExcludeTag<E, K>;
  /** A `catchTags` handler table for the error type `E`. */
  export type TagHandlers<E> = AioModule.TagHandlers<E>;
  /** An fp-ts-shaped Either, structurally. */
  export type EitherLike<E, A> = AioModule.EitherLike<E, A>;
}
export type { YieldOf } from "./internal/aio.js";
/**
 * The class behind the `Aio` type, under a name of its own: a consumer's declaration emit
 * (`declaration: true`) names an inferred Aio type through it (without it, TS2742: "the
 * inferred type cannot be named without a reference to …/internal/aio.js"). Write `Aio`.
 * @example
 * ```ts
 * import type { Aio, AioClass } from "aio-ts";
 * const same = (a: Aio<number>): AioClass<number> => a;
 * ```
 */
export type { Aio as AioClass } from "./internal/aio.js";
import * as ScheduleModule from "./schedule.js";
/**
 * The `Schedule` module: retry/repeat policies (`fixed`, `exponential`, `jittered`,
 * `recurs`, `maxElapsed`) for `Aio.retry` and `Aio.repeat`.
 * @example
 * ```ts
 * import { Aio, Schedule } from "aio-ts";
 * const policy = Schedule.exponential(100, { max: 2000 }).pipe(Schedule.recurs(5));
 * const p = Aio.fail("busy").pipe(Aio.retry(policy));
 * ```
 * @namespace
 */
export const Schedule: typeof ScheduleModule = ScheduleModule;
/**
 * An immutable retry/repeat policy: the delay before each recurrence and when to stop.
 * @example
 * ```ts
 * import { Schedule } from "aio-ts";
 * const s: Schedule = Schedule.fixed(100);
 * ```
 */
export type Schedule = ScheduleModule.Schedule;
/** Types that go with the `Schedule` module. */
export declare namespace Schedule {
  /** The Schedule type itself, as `Schedule.Schedule`. */
  export type Schedule = ScheduleModule.Schedule;
  /** How a jittered schedule randomises its delays. */
  export type Jitter = ScheduleModule.Jitter;
  /** What `onRetry` is told about each retry. */
  export type RetryInfo<E> = ScheduleModule.RetryInfo<E>;
  /** Options of `Aio.retry`. */
  export type RetryOptions<E, E1 extends E = E> = ScheduleModule.RetryOptions<E, E1>;
  /** Options of `Aio.repeat`. */
  export type RepeatOptions<A> = ScheduleModule.RepeatOptions<A>;
}
export * as Cause from "./Cause.js";
export * as Exit from "./Exit.js";
export * from "./exceptions.js";
export * from "./events.js";
export * from "./futures.js";
export * from "./tasks.js";
export * from "./runners.js";
export * from "./runtime.js";
export * from "./locks.js";
export * from "./queues.js";
export { isAwaitable } from "./awaitables.js";
export type { Awaitable, AwaitableValue, AwaitableError, AsFuture } from "./awaitables.js";
export * from "./gather.js";
export * from "./wait.js";
export * from "./shield.js";
export * from "./timeouts.js";
export * from "./taskgroups.js";
export * from "./contextvars.js";
export * from "./threads.js";
export * from "./streams.js";
export * from "./subprocess.js";
