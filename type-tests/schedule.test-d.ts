/**
 * Type tests of Schedule, Aio.retry and Aio.repeat, checked against the built
 * declarations by tsd: `npm run build && npm run test:types`.
 *
 * `expectType<T>(x)` is strict: the type of `x` must be identical to `T`. Misuse that
 * TypeScript reports with a code `expectError` does not accept is asserted with
 * `// @ts-expect-error` instead.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import { Aio, Schedule } from "aio-ts";

type NotFound = { readonly _tag: "NotFound" };
type Busy = { readonly _tag: "Busy"; readonly retryAfter: number };
declare const lookup: Aio.Aio<string, NotFound | Busy>;
declare const count: Aio.Aio<number, "io">;
declare const sure: Aio.Aio<number>;

// =======================================================================================
// Schedule

const backoff = Schedule.exponential(100, { factor: 2, max: 5000 }).pipe(
  Schedule.jittered({ mode: "proportional", ratio: 0.1, random: () => 0.5 }),
  Schedule.recurs(5),
  Schedule.maxElapsed(30_000),
);
expectType<Schedule>(backoff);
expectType<Schedule.Schedule>(Schedule.fixed(10));
expectType<number>(backoff.maxRecurrences);
expectType<Schedule.Jitter | undefined>(backoff.jitter);
expectType<(self: Schedule) => Schedule>(Schedule.recurs(1));
expectError(Schedule.fixed("100"));
expectError(Schedule.exponential(100, { factor: "2" }));
expectError(Schedule.exponential(100, { cap: 10 }));
expectError(Schedule.jittered({ mode: "half" }));
// exactOptionalPropertyTypes: an explicit undefined is not an omitted option.
expectError(Schedule.exponential(100, { max: undefined }));

// =======================================================================================
// retry: E stays E (the last error is the failure), A stays A

expectType<Aio.Aio<string, NotFound | Busy>>(lookup.pipe(Aio.retry(backoff)));
expectType<Aio.Aio<string, NotFound | Busy>>(Aio.retry(lookup, backoff));
expectType<Aio.Aio<number, never>>(sure.pipe(Aio.retry(Schedule.fixed(1))));
expectType<Aio.Aio<number, "io">>(count.pipe(Aio.retry({ schedule: backoff })));

// A type guard narrows what is retried: onRetry sees Busy; the result keeps E (NotFound
// passes through unchanged, and the last Busy is the failure when the schedule ends).
const guarded = lookup.pipe(
  Aio.retry({
    schedule: backoff,
    while: (e): e is Busy => e._tag === "Busy",
    onRetry: (info) => {
      expectType<Busy>(info.error);
      expectType<number>(info.attempt);
      expectType<number>(info.delay);
    },
  }),
);
expectType<Aio.Aio<string, NotFound | Busy>>(guarded);

// Data-first narrows the same way.
expectType<Aio.Aio<string, NotFound | Busy>>(
  Aio.retry(lookup, {
    schedule: backoff,
    while: (e): e is Busy => e._tag === "Busy",
    onRetry: (info) => expectType<Busy>(info.error),
  }),
);

// A predicate that is not a guard does not narrow: onRetry sees all of E.
lookup.pipe(
  Aio.retry({
    schedule: backoff,
    while: (e) => e._tag === "Busy" && Math.random() < 0.5,
    onRetry: (info) => expectType<NotFound | Busy>(info.error),
  }),
);
// Without `while`, onRetry sees E; the predicate's parameter is E.
lookup.pipe(Aio.retry({ schedule: backoff, onRetry: (info) => expectType<NotFound | Busy>(info.error) }));
lookup.pipe(
  Aio.retry({
    schedule: backoff,
    while: (e) => {
      expectType<NotFound | Busy>(e);
      return true;
    },
  }),
);

// onRetry may return an Aio that cannot fail; one with a typed error is refused.
lookup.pipe(Aio.retry({ schedule: backoff, onRetry: () => Aio.sync(() => 1) }));
expectError(lookup.pipe(Aio.retry({ schedule: backoff, onRetry: () => Aio.fail("log failed") })));
// A Promise would not be awaited: an async onRetry is refused.
expectError(lookup.pipe(Aio.retry({ schedule: backoff, onRetry: async () => {} })));

// A guard for a type outside E, and a predicate on the wrong type, are refused.
expectError(lookup.pipe(Aio.retry({ schedule: backoff, while: (e: number): e is 1 => e === 1 })));
// @ts-expect-error a bare object is not a schedule
lookup.pipe(Aio.retry({ schedule: { initialDelay: 1 } }));

expectAssignable<Schedule.RetryOptions<NotFound | Busy, Busy>>({
  schedule: backoff,
  while: (e: NotFound | Busy): e is Busy => e._tag === "Busy",
});
expectType<{ readonly attempt: number; readonly error: Busy; readonly delay: number }>(
  {} as Pick<Schedule.RetryInfo<Busy>, "attempt" | "error" | "delay">,
);

// =======================================================================================
// repeat: the last value, E unchanged

expectType<Aio.Aio<number, "io">>(count.pipe(Aio.repeat(Schedule.fixed(1000))));
expectType<Aio.Aio<number, "io">>(Aio.repeat(count, Schedule.fixed(1000)));
expectType<Aio.Aio<number, "io">>(
  count.pipe(
    Aio.repeat({
      schedule: Schedule.fixed(1000),
      while: (n) => {
        expectType<number>(n);
        return n < 3;
      },
    }),
  ),
);
expectType<Aio.Aio<number, "io">>(Aio.repeat(count, { schedule: Schedule.fixed(1000), while: (n) => n < 3 }));
expectError(count.pipe(Aio.repeat({ schedule: Schedule.fixed(1000), while: (s: string) => s === "" })));
expectAssignable<Schedule.RepeatOptions<number>>({ schedule: Schedule.fixed(1) });
