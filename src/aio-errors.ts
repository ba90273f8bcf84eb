/**
 * The narrowing error handlers of the `Aio` module (re-exported by Aio.ts): `catchTag`,
 * `catchTags`, `catchIf`, `orElseSucceed`, `orElse`, and the bridges from fp-ts-shaped
 * values (`fromEither`, `fromNullable`).
 * @module Aio
 */
import * as Cause from "./Cause.js";
import { type Aio, type Aio as AioClass } from "./internal/aio.js";
import { CatchFail, checkAio, FailCause, Succeed, Suspend } from "./internal/primitives.js";

// ----- narrowing error handlers ------------------------------------------------------

/**
 * The `_tag` literals of the members of the error union `E` that carry a string `_tag`
 * (the discriminant `catchTag` and `catchTags` match on). Members without one are left out.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type T = Aio.TagsOf<{ _tag: "NotFound" } | { _tag: "Invalid" } | Error>; // "NotFound" | "Invalid"
 * ```
 */
export type TagsOf<E> = E extends { readonly _tag: infer T } ? (T extends string ? T : never) : never;

/**
 * The members of `E` whose `_tag` is `K`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type N = Aio.ExtractTag<{ _tag: "NotFound"; id: string } | { _tag: "Invalid" }, "NotFound">; // { _tag: "NotFound"; id: string }
 * ```
 */
export type ExtractTag<E, K extends string> = Extract<E, { readonly _tag: K }>;

/**
 * The members of `E` whose `_tag` is not `K` (untagged members stay).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type R = Aio.ExcludeTag<{ _tag: "NotFound" } | { _tag: "Invalid" } | Error, "NotFound">; // { _tag: "Invalid" } | Error
 * ```
 */
export type ExcludeTag<E, K extends string> = Exclude<E, { readonly _tag: K }>;

/** Whether the thrown-or-failed value `e` is an object whose `_tag` is `tag`. */
const hasTag = (e: unknown, tag: string): boolean =>
  typeof e === "object" && e !== null && (e as { readonly _tag?: unknown })._tag === tag;

/**
 * Recovers from the typed failures whose `_tag` is `tag`: `h(error)` runs for those; every
 * other failure, defect and interruption passes unchanged. The handled members leave the
 * error type and `h`'s errors join it. A tag that is not in the error type does not
 * compile.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
 * declare const load: Aio<string, NotFound | Invalid>;
 * const orDefault: Aio<string, Invalid> = load.pipe(Aio.catchTag("NotFound", (e) => Aio.succeed(`no ${e.id}`)));
 * ```
 */
export const catchTag =
  <E, const K extends TagsOf<E>, B, E2 = never>(tag: K, h: (error: ExtractTag<E, K>) => Aio<B, E2>) =>
  <A>(self: Aio<A, E>): Aio<A | B, ExcludeTag<E, K> | E2> => {
    if (typeof tag !== "string") throw new TypeError(`Aio.catchTag: expected a string tag, got ${typeof tag}`);
    if (typeof h !== "function") throw new TypeError("Aio.catchTag: expected a handler function");
    return new CatchFail(self, (e: E): Aio<unknown, unknown> =>
      hasTag(e, tag) ? checkAio("Aio.catchTag: the handler returned", h(e as ExtractTag<E, K>)) : new FailCause(Cause.fail(e)),
    ) as Aio<A | B, ExcludeTag<E, K> | E2>;
  };

/**
 * A handler table for `catchTags`: at most one handler per tag of `E`, each given the
 * member of its tag (`catchTags` also refuses keys that are not tags of `E`).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * const table: Aio.TagHandlers<NotFound | Error> = { NotFound: (e) => Aio.succeed(e.id) };
 * ```
 */
export type TagHandlers<E> = {
  readonly [K in TagsOf<E>]?: (error: ExtractTag<E, K>) => Aio<unknown, unknown>;
};

/** What a handler table's handlers can succeed with. */
type HandledSuccess<Cases> = {
  [K in keyof Cases]-?: Cases[K] extends ((error: never) => AioClass<infer B, infer _E>) | undefined ? B : never;
}[keyof Cases];
/** What a handler table's handlers can fail with. */
type HandledError<Cases> = {
  [K in keyof Cases]-?: Cases[K] extends ((error: never) => AioClass<infer _B, infer E2>) | undefined ? E2 : never;
}[keyof Cases];

/**
 * `catchTag` for several tags at once: `cases` maps a `_tag` to its handler. The handled
 * members leave the error type, the handlers' own errors join it; failures with another
 * tag (or none), defects and interruptions pass unchanged. A key that is not a tag of the
 * error type does not compile.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * type NotFound = { readonly _tag: "NotFound"; readonly id: string };
 * type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
 * declare const load: Aio<string, NotFound | Invalid | Error>;
 * const handled: Aio<string | number, Error> = load.pipe(
 *   Aio.catchTags({
 *     NotFound: (e) => Aio.succeed(`no ${e.id}`),
 *     Invalid: (e) => Aio.succeed(e.reason.length),
 *   }),
 * );
 * ```
 */
export const catchTags =
  <E, const Cases extends TagHandlers<E> & { readonly [K in Exclude<keyof Cases, TagsOf<E>>]: never }>(
    cases: Cases,
  ) =>
  <A>(self: Aio<A, E>): Aio<A | HandledSuccess<Cases>, ExcludeTag<E, keyof Cases & string> | HandledError<Cases>> => {
    if (typeof cases !== "object" || cases === null) throw new TypeError("Aio.catchTags: expected an object of handlers");
    const table = cases as unknown as Readonly<Record<string, ((error: unknown) => Aio<unknown, unknown>) | undefined>>;
    for (const key of Object.keys(table)) {
      if (typeof table[key] !== "function") throw new TypeError(`Aio.catchTags: the handler for "${key}" is not a function`);
    }
    return new CatchFail(self, (e: E): Aio<unknown, unknown> => {
      if (typeof e === "object" && e !== null) {
        const tag = (e as { readonly _tag?: unknown })._tag;
        // Own keys only: a tag named "toString" must not find Object.prototype's.
        if (typeof tag === "string" && Object.prototype.hasOwnProperty.call(table, tag)) {
          const h = table[tag];
          if (h !== undefined) return checkAio("Aio.catchTags: the handler returned", h(e));
        }
      }
      return new FailCause(Cause.fail(e));
    }) as Aio<A | HandledSuccess<Cases>, ExcludeTag<E, keyof Cases & string> | HandledError<Cases>>;
  };

/**
 * Recovers from the typed failures `refinement` accepts: `h(error)` runs for those, every
 * other failure, defect and interruption passes unchanged. With a type guard the accepted
 * members leave the error type; with a plain predicate the error type keeps them. (From
 * TypeScript 5.5 an arrow such as `(e) => e._tag === "A"` is inferred as the guard `e is A`
 * and narrows like one.) The predicate's parameter type `P` is `E`, as a type parameter of its
 * own: were it `E`, a guard over `unknown` would infer `E = unknown` instead of taking `E`
 * from the Aio piped in (`NoInfer` would do it, but needs TypeScript 5.4).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * class Timeout extends Error { readonly kind = "timeout"; }
 * const isTimeout = (e: unknown): e is Timeout => e instanceof Timeout;
 * declare const call: Aio<string, Timeout | RangeError>;
 * const retried: Aio<string, RangeError> = call.pipe(Aio.catchIf(isTimeout, () => Aio.succeed("cached")));
 * ```
 */
export function catchIf<E, E1 extends P, B, E2 = never, P extends E = E>(
  refinement: (error: P) => error is E1,
  h: (error: E1) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, Exclude<E, E1> | E2>;
export function catchIf<E, B, E2 = never, P extends E = E>(
  predicate: (error: P) => boolean,
  h: (error: E) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, E | E2>;
export function catchIf<E, B, E2>(
  predicate: (error: E) => boolean,
  h: (error: E) => Aio<B, E2>,
): <A>(self: Aio<A, E>) => Aio<A | B, E | E2> {
  if (typeof predicate !== "function") throw new TypeError("Aio.catchIf: expected a predicate function");
  if (typeof h !== "function") throw new TypeError("Aio.catchIf: expected a handler function");
  return <A>(self: Aio<A, E>): Aio<A | B, E | E2> =>
    new CatchFail(self, (e: E): Aio<B, E | E2> =>
      predicate(e) ? checkAio("Aio.catchIf: the handler returned", h(e)) : new FailCause(Cause.fail(e)),
    );
}

/**
 * Recovers from every typed failure with the value `evaluate(error)` (defects and
 * interruptions pass): the result cannot fail. `evaluate` runs only on a failure, so a
 * costly fallback is not built on success; a throw in it is a defect.
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("offline").pipe(Aio.orElseSucceed(() => "cached"))); // "cached"
 * ```
 */
export const orElseSucceed =
  <E, B>(evaluate: (error: E) => B) =>
  <A>(self: Aio<A, E>): Aio<A | B> => {
    if (typeof evaluate !== "function") throw new TypeError("Aio.orElseSucceed: expected a function returning the fallback");
    return new CatchFail<A, E, B, never>(self, (e) => new Succeed(evaluate(e)));
  };

/**
 * An Either as fp-ts (and io-ts decoders) make it, described structurally so no import is
 * needed: `{ _tag: "Left", left }` or `{ _tag: "Right", right }`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const ok: Aio.EitherLike<string, number> = { _tag: "Right", right: 1 };
 * ```
 */
export type EitherLike<E, A> =
  | { readonly _tag: "Left"; readonly left: E }
  | { readonly _tag: "Right"; readonly right: A };

/**
 * An Aio that fails with `left` or succeeds with `right`. Anything else is a TypeError,
 * thrown at once.
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * import * as E from "fp-ts/Either";
 * runSync(Aio.fromEither(E.right(1))); // 1
 * const failed: Aio<never, string> = Aio.fromEither(E.left("bad"));
 * ```
 */
export const fromEither = <E, A>(either: EitherLike<E, A>): Aio<A, E> => {
  const tag = typeof either === "object" && either !== null ? (either as { readonly _tag?: unknown })._tag : undefined;
  if (tag === "Right") return new Succeed((either as { readonly right: A }).right);
  if (tag === "Left") return new FailCause(Cause.fail((either as { readonly left: E }).left));
  throw new TypeError(`Aio.fromEither: expected { _tag: "Left", left } or { _tag: "Right", right }, got ${describeShape(either)}`);
};

/** How a bad argument looks in an error message. */
const describeShape = (x: unknown): string =>
  x === null ? "null" : typeof x !== "object" ? typeof x : `an object with _tag ${String((x as { _tag?: unknown })._tag)}`;

/**
 * An Aio that succeeds with `value` unless it is `null` or `undefined`; then it fails with
 * `onNull()` (called when the Aio runs; a throw in it is a defect).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * const users = new Map([["ada", { name: "Ada" }]]);
 * const find = (id: string) => Aio.fromNullable(users.get(id), () => ({ _tag: "NotFound" as const, id }));
 * ```
 */
export const fromNullable = <A, E>(value: A, onNull: () => E): Aio<NonNullable<A>, E> => {
  if (typeof onNull !== "function") throw new TypeError("Aio.fromNullable: expected onNull to be a function returning the error");
  if (value !== null && value !== undefined) return new Succeed(value as NonNullable<A>);
  return new Suspend(() => new FailCause(Cause.fail(onNull())));
};

/**
 * Falls back to `that` on a typed failure.
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.fail("x").pipe(Aio.orElse(() => Aio.succeed(0)))); // 0
 * ```
 */
export const orElse =
  <B, E2>(that: () => Aio<B, E2>) =>
  <A, E>(self: Aio<A, E>): Aio<A | B, E2> =>
    new CatchFail(self, () => that());
