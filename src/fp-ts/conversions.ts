/**
 * `aio-ts/fp-ts`: conversions from an Aio to fp-ts's `Either`, `Option`, `Task`, `TaskEither`, `IO` and `IOEither`.
 * @module
 */
import type { Either } from "fp-ts/Either";
import type { IO } from "fp-ts/IO";
import type { IOEither } from "fp-ts/IOEither";
import type { Option } from "fp-ts/Option";
import type { Task } from "fp-ts/Task";
import type { TaskEither } from "fp-ts/TaskEither";
import { Aio, Exit, runExit, runSyncExit } from "../index.js";
import type { RunOptions, Runtime, RuntimeRunOptions } from "../index.js";

// ----- conversions to fp-ts ------------------------------------------------------------------

/**
 * An Aio that never fails: `Right` with the value or `Left` with the typed error
 * (defects and interruptions pass through unchanged).
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.toEither(Aio.fail("x"))); // { _tag: "Left", left: "x" }
 * ```
 */
export const toEither = <A, E>(fa: Aio<A, E>): Aio<Either<E, A>> =>
  Aio.match({
    onSuccess: (right: A): Either<E, A> => ({ _tag: "Right", right }),
    onFailure: (left: E): Either<E, A> => ({ _tag: "Left", left }),
  })(fa);

/**
 * An Aio that never fails: `Some` with the value, `None` for a typed failure (defects and
 * interruptions pass through unchanged).
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * runSync(AF.toOption(Aio.fail("x"))); // { _tag: "None" }
 * ```
 */
export const toOption = <A, E>(fa: Aio<A, E>): Aio<Option<A>> =>
  Aio.match({
    onSuccess: (value: A): Option<A> => ({ _tag: "Some", value }),
    onFailure: (): Option<A> => ({ _tag: "None" }),
  })(fa);

/**
 * Where `toTask` and `toTaskEither` run the program: a fresh event loop per call (as
 * `run`, with its options: `virtualTime`, `signal`, `handleSignals`), or a `Runtime`'s
 * loop (`{ runtime, signal? }`), the one to use when many tasks share a process.
 * @example
 * ```ts
 * import { createRuntime } from "aio-ts";
 * import type { RunWith } from "aio-ts/fp-ts";
 * const fresh: RunWith = { virtualTime: true };
 * const shared: RunWith = { runtime: createRuntime() };
 * ```
 */
export type RunWith = RunOptions | ({ readonly runtime: Runtime } & RuntimeRunOptions);

const exitOf = <A, E>(fa: Aio<A, E>, options: RunWith | undefined): Promise<Exit.Exit<A, E>> => {
  if (options !== undefined && "runtime" in options) {
    const { runtime, ...rest } = options;
    return runtime.runExit(fa, rest);
  }
  return runExit(fa, options);
};

/**
 * A `TaskEither` that runs the program each time it is called (see `RunWith`): `Right`
 * with its value, `Left` with its typed error. A defect rejects the Task's promise with
 * the defect; an interruption (the `signal`, or the runtime disposed) rejects it with a
 * `CancelledError`. Calling it inside a running program rejects with an `EventLoopError`
 * (there, `yield*` the Aio instead).
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const te = AF.toTaskEither(Aio.fail("offline"));
 * await te(); // { _tag: "Left", left: "offline" }
 * ```
 */
export const toTaskEither =
  <A, E>(fa: Aio<A, E>, options?: RunWith): TaskEither<E, A> =>
  () =>
    exitOf(fa, options).then((exit): Either<E, A> => {
      if (exit._tag === "Success") return { _tag: "Right", right: exit.value };
      if (exit.cause._tag === "Fail") return { _tag: "Left", left: exit.cause.error };
      return Exit.getOrThrow(exit) as never; // throws the defect or a CancelledError
    });

/**
 * A `Task` that runs the program each time it is called (see `RunWith`) and resolves with
 * its value. Only an Aio that cannot fail with a typed error converts (use `toTaskEither`
 * or `toEither` first); a defect rejects the promise with the defect, an interruption
 * with a `CancelledError`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * const t = AF.toTask(Aio.sleep(10, "done"));
 * await t(); // "done"
 * ```
 */
export const toTask =
  <A>(fa: Aio<A>, options?: RunWith): Task<A> =>
  () =>
    exitOf(fa, options).then(Exit.getOrThrow);

/**
 * An `IOEither` that runs the program synchronously (`runSyncExit`) each time it is
 * called: `Right` with its value, `Left` with its typed error. For programs that never
 * suspend: one that waits on a timer, a promise or another task throws an
 * `EventLoopError`; a defect throws the defect, an interruption a `CancelledError`.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * AF.toIOEither(Aio.fail("bad"))(); // { _tag: "Left", left: "bad" }
 * ```
 */
export const toIOEither =
  <A, E>(fa: Aio<A, E>): IOEither<E, A> =>
  () => {
    const exit = runSyncExit(fa);
    if (exit._tag === "Success") return { _tag: "Right", right: exit.value };
    if (exit.cause._tag === "Fail") return { _tag: "Left", left: exit.cause.error };
    return Exit.getOrThrow(exit) as never;
  };

/**
 * An `IO` that runs the program synchronously (`runSync`) each time it is called. Only an
 * Aio that cannot fail with a typed error converts; as `toIOEither`, a program that
 * suspends throws an `EventLoopError`, a defect throws the defect.
 * @example
 * ```ts
 * import { Aio } from "aio-ts";
 * import * as AF from "aio-ts/fp-ts";
 * AF.toIO(Aio.sync(() => 1 + 1))(); // 2
 * ```
 */
export const toIO =
  <A>(fa: Aio<A>): IO<A> =>
  () =>
    Exit.getOrThrow(runSyncExit(fa));
