/**
 * The outcome of running an `Aio<A, E>`: success with an `A`, or failure with a
 * `Cause<E>` (typed failure, defect or interruption).
 *
 * @module Exit
 */
import * as Cause from "./Cause.js";

/**
 * A successful outcome.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * const e = Exit.succeed(1);
 * if (e._tag === "Success") e.value; // 1
 * ```
 */
export interface Success<A> {
  readonly _tag: "Success";
  readonly value: A;
}

/**
 * A failed outcome, with its cause.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * const e = Exit.fail("nope");
 * if (e._tag === "Failure") e.cause; // { _tag: "Fail", error: "nope" }
 * ```
 */
export interface Failure<E> {
  readonly _tag: "Failure";
  readonly cause: Cause.Cause<E>;
}

/**
 * Success or failure.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * const show = (e: Exit.Exit<number, string>) => (Exit.isSuccess(e) ? e.value : -1);
 * ```
 */
export type Exit<A, E = never> = Success<A> | Failure<E>;

/**
 * A success.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.succeed("ok"); // { _tag: "Success", value: "ok" }
 * ```
 */
export const succeed = <A>(value: A): Exit<A> => ({ _tag: "Success", value });

/**
 * A failure with the given cause.
 *
 * @example
 * ```ts
 * import { Exit, Cause } from "aio-ts";
 * Exit.failCause(Cause.die("bug"));
 * ```
 */
export const failCause = <E>(cause: Cause.Cause<E>): Exit<never, E> => ({ _tag: "Failure", cause });

/**
 * A typed failure.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.fail("not found");
 * ```
 */
export const fail = <E>(error: E): Exit<never, E> => failCause(Cause.fail(error));

/**
 * A defect.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.die(new Error("bug"));
 * ```
 */
export const die = (defect: unknown): Exit<never> => failCause(Cause.die(defect));

/**
 * An interruption.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.interrupt("cancelled by user");
 * ```
 */
export const interrupt = (message?: string): Exit<never> => failCause(Cause.interrupt(message));

/**
 * Narrows to success.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.isSuccess(Exit.succeed(1)); // true
 * ```
 */
export const isSuccess = <A, E>(exit: Exit<A, E>): exit is Success<A> => exit._tag === "Success";

/**
 * Narrows to failure (of any cause).
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.isFailure(Exit.fail("x")); // true
 * ```
 */
export const isFailure = <A, E>(exit: Exit<A, E>): exit is Failure<E> => exit._tag === "Failure";

/**
 * Narrows to a failure whose cause is an interruption (a cancelled task).
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * const e = Exit.interrupt("stop");
 * if (Exit.isInterrupted(e)) e.cause.message; // "stop"
 * ```
 */
export const isInterrupted = <A, E>(
  exit: Exit<A, E>,
): exit is { readonly _tag: "Failure"; readonly cause: Cause.Interrupt } =>
  exit._tag === "Failure" && exit.cause._tag === "Interrupt";

/**
 * Case analysis of an exit, data-last: one function per case.
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * const text = Exit.match({
 *   onSuccess: (n: number) => `got ${n}`,
 *   onFail: (e: string) => `failed ${e}`,
 *   onDie: () => "defect",
 *   onInterrupt: () => "cancelled",
 * });
 * text(Exit.succeed(3)); // "got 3"
 * ```
 */
export const match =
  <A, E, B>(cases: {
    readonly onSuccess: (value: A) => B;
    readonly onFail: (error: E) => B;
    readonly onDie: (defect: unknown) => B;
    readonly onInterrupt: (message: string | undefined) => B;
  }) =>
  (exit: Exit<A, E>): B =>
    exit._tag === "Success" ? cases.onSuccess(exit.value) : Cause.match(cases)(exit.cause);

/**
 * The value of a success, or throws what the cause throws (see `Cause.squash`).
 *
 * @example
 * ```ts
 * import { Exit } from "aio-ts";
 * Exit.getOrThrow(Exit.succeed(2)); // 2
 * ```
 */
export const getOrThrow = <A, E>(exit: Exit<A, E>): A => {
  if (exit._tag === "Success") return exit.value;
  throw Cause.squash(exit.cause);
};
