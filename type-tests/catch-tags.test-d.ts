/**
 * Type tests of the narrowing error handlers (catchTag, catchTags, catchIf,
 * orElseSucceed) and of fromEither / fromNullable, checked against the built declarations
 * by tsd: `npm run build && npm run test:types`.
 *
 * `expectType<T>(x)` is strict: the type of `x` must be identical to `T`. Misuse is
 * asserted with `// @ts-expect-error` (the line must not compile).
 */
import { expectType } from "tsd";
import { Aio, QueueShutDown, TimeoutError, waitFor } from "aio-ts";
import * as E from "fp-ts/Either";

type NotFound = { readonly _tag: "NotFound"; readonly id: string };
type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
type Timeout = { readonly _tag: "Timeout"; readonly ms: number };
class HttpError extends Error {
  readonly _tag = "HttpError" as const;
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}
type Retry = { readonly _tag: "Retry" };

declare const load: Aio<number, NotFound | Invalid>;
declare const load3: Aio<number, NotFound | Invalid | Timeout>;
declare const mixed: Aio<number, NotFound | Invalid | string | RangeError>;

// ----- catchTag --------------------------------------------------------------------------

// The handled member leaves E; the handler's success joins A and its error joins E.
expectType<Aio<number | string, Invalid | Retry>>(
  load.pipe(
    Aio.catchTag("NotFound", (e) => {
      expectType<NotFound>(e);
      return e.id === "" ? Aio.fail<Retry>({ _tag: "Retry" }) : Aio.succeed(`no ${e.id}`);
    }),
  ),
);
// Handling every tag leaves never.
expectType<Aio<number, never>>(
  load.pipe(
    Aio.catchTag("NotFound", () => Aio.succeed(0)),
    Aio.catchTag("Invalid", () => Aio.succeed(1)),
  ),
);
// Untagged members stay in E and are not offered as tags.
expectType<Aio<number | boolean, Invalid | string | RangeError>>(
  mixed.pipe(Aio.catchTag("NotFound", () => Aio.succeed(true))),
);
// A class with a literal _tag.
declare const http: Aio<string, HttpError | Timeout>;
expectType<Aio<string, Timeout>>(
  http.pipe(
    Aio.catchTag("HttpError", (e) => {
      expectType<HttpError>(e);
      return Aio.succeed(String(e.status));
    }),
  ),
);

// @ts-expect-error: "Missing" is not a tag of NotFound | Invalid
load.pipe(Aio.catchTag("Missing", () => Aio.succeed(0)));
declare const untagged: Aio<number, string | Error>;
// @ts-expect-error: an error type without tags offers none
untagged.pipe(Aio.catchTag("Error", () => Aio.succeed(0)));

// ----- catchTags -------------------------------------------------------------------------

expectType<Aio<number | string | boolean, Timeout | Retry>>(
  load3.pipe(
    Aio.catchTags({
      NotFound: (e) => {
        expectType<NotFound>(e);
        return Aio.succeed(e.id);
      },
      Invalid: (e) => {
        expectType<Invalid>(e);
        return e.reason === "" ? Aio.fail<Retry>({ _tag: "Retry" }) : Aio.succeed(true);
      },
    }),
  ),
);
// A subset of the tags; untagged members pass.
expectType<Aio<number, Invalid | string | RangeError>>(
  mixed.pipe(Aio.catchTags({ NotFound: () => Aio.succeed(0) })),
);
// An empty table handles nothing.
expectType<Aio<number, NotFound | Invalid>>(load.pipe(Aio.catchTags({})));

// @ts-expect-error: "Missing" is not a tag of NotFound | Invalid
load.pipe(Aio.catchTags({ NotFound: () => Aio.succeed(0), Missing: () => Aio.succeed(1) }));
// @ts-expect-error: a handler gets the member of its tag, not another's
load.pipe(Aio.catchTags({ NotFound: (e: Invalid) => Aio.succeed(e.reason) }));

// ----- catchIf ---------------------------------------------------------------------------

const isRangeError = (u: unknown): u is RangeError => u instanceof RangeError;
expectType<Aio<number | string, NotFound | Invalid | string>>(
  mixed.pipe(
    Aio.catchIf(isRangeError, (e) => {
      expectType<RangeError>(e);
      return Aio.succeed(e.message);
    }),
  ),
);
// An inline guard.
expectType<Aio<number, NotFound | Invalid | RangeError>>(
  mixed.pipe(Aio.catchIf((e): e is string => typeof e === "string", (s) => Aio.succeed(s.length))),
);
// A plain predicate narrows nothing: E stays, the handler's error joins it.
declare const flaky: () => boolean;
expectType<Aio<number, NotFound | Invalid | Retry>>(
  load.pipe(
    Aio.catchIf(
      (e) => e._tag === "Invalid" && flaky(),
      (e) => {
        expectType<NotFound | Invalid>(e);
        return Aio.fail<Retry>({ _tag: "Retry" });
      },
    ),
  ),
);
const invalidFlag = (e: NotFound | Invalid): boolean => e._tag === "Invalid";
expectType<Aio<number, NotFound | Invalid>>(load.pipe(Aio.catchIf(invalidFlag, () => Aio.succeed(0))));
// An arrow TypeScript (5.5 and later) infers as a guard narrows like a written one.
expectType<Aio<number, NotFound | Retry>>(
  load.pipe(
    Aio.catchIf(
      (e) => e._tag === "Invalid",
      (e) => {
        expectType<Invalid>(e);
        return Aio.fail<Retry>({ _tag: "Retry" });
      },
    ),
  ),
);
// A guard over part of a union error: the rest stays; the guard's parameter may be wider.
const isNotFound = (e: NotFound | Invalid | Retry): e is NotFound => e._tag === "NotFound";
expectType<Aio<number | string, Invalid>>(load.pipe(Aio.catchIf(isNotFound, (e) => Aio.succeed(e.id))));
// @ts-expect-error: a predicate over another error type does not accept this Aio's errors
load.pipe(Aio.catchIf((e: RangeError): e is RangeError => e instanceof RangeError, () => Aio.succeed(0)));

// ----- orElseSucceed ---------------------------------------------------------------------

expectType<Aio<number | "NotFound" | "Invalid", never>>(
  load.pipe(
    Aio.orElseSucceed((e) => {
      expectType<NotFound | Invalid>(e);
      return e._tag;
    }),
  ),
);
expectType<Aio<number | null, never>>(load.pipe(Aio.orElseSucceed(() => null)));

// ----- fromEither / fromNullable ---------------------------------------------------------

declare const parsed: E.Either<Invalid, { readonly n: number }>;
expectType<Aio<{ readonly n: number }, Invalid>>(Aio.fromEither(parsed));
expectType<Aio<number, never>>(Aio.fromEither(E.right(1)));
expectType<Aio<never, string>>(Aio.fromEither(E.left("bad")));
// @ts-expect-error: not an Either
Aio.fromEither({ _tag: "Some", value: 1 });

declare const maybeUser: { readonly name: string } | undefined | null;
expectType<Aio<{ readonly name: string }, NotFound>>(
  Aio.fromNullable(maybeUser, (): NotFound => ({ _tag: "NotFound", id: "ada" })),
);
// @ts-expect-error: onNull is a function, not the error itself
Aio.fromNullable(maybeUser, "missing");

// ----- the library's own tagged errors, and the named types ------------------------------

expectType<Aio<number | string, never>>(
  waitFor(Aio.sleep(10, 1), 5).pipe(
    Aio.catchTag("TimeoutError", (e) => {
      expectType<TimeoutError>(e);
      return Aio.succeed(e.message);
    }),
  ),
);
declare const queued: Aio<number, QueueShutDown | TimeoutError>;
expectType<Aio<number, TimeoutError>>(queued.pipe(Aio.catchTags({ QueueShutDown: () => Aio.succeed(0) })));

expectType<"NotFound" | "Invalid">({} as Aio.TagsOf<NotFound | Invalid | string | Error>);
expectType<NotFound>({} as Aio.ExtractTag<NotFound | Invalid, "NotFound">);
expectType<Invalid | string>({} as Aio.ExcludeTag<NotFound | Invalid | string, "NotFound">);
expectType<never>({} as Aio.TagsOf<unknown>);
const either: Aio.EitherLike<string, number> = E.right(1);
expectType<Aio<number, string>>(Aio.fromEither(either));
