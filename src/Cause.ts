/**
 * Why an `Aio` failed: a typed failure `E`, a defect (an unexpected thrown value) or an
 * interruption (a cancellation, with its message).
 *
 * @module Cause
 */
import { CancelledError } from "./exceptions.js";

/**
 * An expected, typed failure, raised with `Aio.fail(error)`.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * const c = Cause.fail("not found");
 * if (c._tag === "Fail") c.error; // "not found"
 * ```
 */
export interface Fail<E> {
  readonly _tag: "Fail";
  readonly error: E;
}

/**
 * An unexpected thrown value: a bug, not part of the error type.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * const c = Cause.die(new Error("boom"));
 * c._tag; // "Die"
 * ```
 */
export interface Die {
  readonly _tag: "Die";
  readonly defect: unknown;
}

/**
 * An interruption: the fiber was cancelled (asyncio's CancelledError), with the message
 * given to `cancel(msg)`.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * const c = Cause.interrupt("shutting down");
 * if (c._tag === "Interrupt") c.message; // "shutting down"
 * ```
 */
export interface Interrupt {
  readonly _tag: "Interrupt";
  readonly message: string | undefined;
}

/**
 * The cause of a failed `Exit`.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * const describe = (c: Cause.Cause<string>) =>
 *   c._tag === "Fail" ? c.error : c._tag === "Die" ? "defect" : "interrupted";
 * ```
 */
export type Cause<E> = Fail<E> | Die | Interrupt;

class InterruptImpl implements Interrupt {
  readonly _tag = "Interrupt" as const;
  /** @internal the CancelledError thrown into generators; created on first use. */
  _error: CancelledError | undefined;
  constructor(readonly message: string | undefined, error?: CancelledError) {
    this._error = error;
  }
}

/**
 * A typed failure cause.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.fail(42); // { _tag: "Fail", error: 42 }
 * ```
 */
export const fail = <E>(error: E): Cause<E> => ({ _tag: "Fail", error });

/**
 * A defect cause.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.die(new TypeError("bad")); // { _tag: "Die", defect: TypeError }
 * ```
 */
export const die = (defect: unknown): Cause<never> => ({ _tag: "Die", defect });

/**
 * An interruption cause, with an optional cancel message.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.interrupt("bye").message; // "bye"
 * ```
 */
export const interrupt = (message?: string): Interrupt => new InterruptImpl(message);

/** @internal an interruption that keeps the very CancelledError that was thrown. */
export const interruptFromError = (error: CancelledError): Interrupt =>
  new InterruptImpl(error.message === "" ? undefined : error.message, error);

/**
 * Narrows a cause to a typed failure.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.isFail(Cause.fail("x")); // true
 * ```
 */
export const isFail = <E>(cause: Cause<E>): cause is Fail<E> => cause._tag === "Fail";

/**
 * Narrows a cause to a defect.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.isDie(Cause.die(1)); // true
 * ```
 */
export const isDie = <E>(cause: Cause<E>): cause is Die => cause._tag === "Die";

/**
 * Narrows a cause to an interruption.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * Cause.isInterrupt(Cause.interrupt()); // true
 * ```
 */
export const isInterrupt = <E>(cause: Cause<E>): cause is Interrupt => cause._tag === "Interrupt";

/**
 * The value a cause throws: the typed error, the defect, or a `CancelledError` (the same
 * instance every time for one interruption). This is what `yield*` throws inside
 * `Aio.gen`, what `run` rejects with, and what `future.result()` throws.
 *
 * @example
 * ```ts
 * import { Cause, CancelledError } from "aio-ts";
 * Cause.squash(Cause.interrupt("stop")) instanceof CancelledError; // true
 * ```
 */
export const squash = <E>(cause: Cause<E>): E | unknown => {
  switch (cause._tag) {
    case "Fail":
      return cause.error;
    case "Die":
      return cause.defect;
    case "Interrupt": {
      const impl = cause as InterruptImpl;
      if (impl._error === undefined) impl._error = new CancelledError(cause.message);
      return impl._error;
    }
  }
};

/**
 * Case analysis of a cause, data-last.
 *
 * @example
 * ```ts
 * import { Cause } from "aio-ts";
 * const text = Cause.match({
 *   onFail: (e: string) => `failed: ${e}`,
 *   onDie: () => "defect",
 *   onInterrupt: (msg) => `interrupted ${msg ?? ""}`,
 * });
 * text(Cause.fail("x")); // "failed: x"
 * ```
 */
export const match =
  <E, B>(cases: {
    readonly onFail: (error: E) => B;
    readonly onDie: (defect: unknown) => B;
    readonly onInterrupt: (message: string | undefined) => B;
  }) =>
  (cause: Cause<E>): B => {
    switch (cause._tag) {
      case "Fail":
        return cases.onFail(cause.error);
      case "Die":
        return cases.onDie(cause.defect);
      case "Interrupt":
        return cases.onInterrupt(cause.message);
    }
  };

/**
 * Turns a value thrown out of user code into a cause: a `CancelledError` is an
 * interruption (as raising CancelledError in an asyncio task cancels it), anything else
 * a defect.
 *
 * @example
 * ```ts
 * import { Cause, CancelledError } from "aio-ts";
 * Cause.fromThrown(new CancelledError())._tag; // "Interrupt"
 * Cause.fromThrown(new Error("x"))._tag; // "Die"
 * ```
 */
export const fromThrown = (thrown: unknown): Cause<never> =>
  thrown instanceof CancelledError ? interruptFromError(thrown) : die(thrown);
