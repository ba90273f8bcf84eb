/**
 * Runners (asyncio/runners.py): `run`, `runExit`, `runSync`.
 *
 * @module runners
 */
import * as Exit from "./Exit.js";
import { EventLoopError } from "./exceptions.js";
import { EventLoop, type EventLoopOptions } from "./events.js";
import { type Aio } from "./internal/aio.js";
import { peekRunningLoop } from "./internal/context.js";
import { type Task } from "./internal/fiber.js";
import { exit as exitAio, from, gen } from "./Aio.js";
import { nameLoop } from "./sync-internal.js";
import { cancelInRounds, cancelOnAbort, checkSignal, handleShutdownSignals } from "./internal/signals.js";
import type { AbortOptions } from "./runtime.js";

/**
 * Options of `run` / `runExit`: the loop's (`virtualTime`), a caller's `signal`, and
 * `handleSignals`.
 * @example
 * ```ts
 * import type { RunOptions } from "aio-ts";
 * const opts: RunOptions = { signal: AbortSignal.timeout(5000), handleSignals: true };
 * ```
 */
export interface RunOptions extends EventLoopOptions, AbortOptions {
  /**
   * Wire SIGINT and SIGTERM to the program (asyncio 3.11's `run()` does this for Ctrl-C):
   * the first one cancels the main task (message `"received SIGINT"`), whose finalisers
   * run, and the promise rejects with that `CancelledError`; a second one exits the
   * process at once (code 130 / 143). The listeners are removed when `run` ends.
   */
  readonly handleSignals?: boolean | undefined;
}

/**
 * Runs `aio` on a fresh event loop and resolves with its `Exit`: asyncio.run's life
 * cycle (the tasks still pending afterwards are cancelled and awaited, then the loop is
 * closed), without rejecting. With `options.signal`, aborting it cancels the program
 * (see `AbortOptions`).
 * @example
 * ```ts runnable
 * import { Aio, Exit, runExit } from "aio-ts";
 * const e = await runExit(Aio.fail("nope"));
 * Exit.isFailure(e); // true
 * const aborted = await runExit(Aio.never, { signal: AbortSignal.abort("stop") });
 * Exit.isInterrupted(aborted); // true
 * ```
 */
export const runExit = async <A, E>(aio: Aio<A, E>, options?: RunOptions): Promise<Exit.Exit<A, E>> => {
  // asyncio.run refuses too: a nested loop would run inside one callback of the outer
  // one, and a program awaiting the returned promise would wait on itself.
  if (peekRunningLoop() !== undefined)
    throw new EventLoopError(
      "run() cannot be called from a running event loop: inside a program, " +
        "wait with yield* (or start a task with createTask) instead",
    );
  const signal = checkSignal("run", options?.signal);
  const loop = new EventLoop(options);
  nameLoop(loop, "run");
  let unhandleSignals: (() => void) | undefined;
  try {
    const main = loop.createTask(aio, { name: "main" });
    const finish = cancelOnAbort(main, signal);
    if (options?.handleSignals === true)
      unhandleSignals = handleShutdownSignals((s) => void main.cancel(`received ${s}`));
    let result: Exit.Exit<A, E>;
    try {
      result = await loop.runUntilCompleteExit(main);
    } catch (e) {
      result = Exit.die(e);
    }
    result = finish(result);
    await cancelAllTasks(loop);
    return result;
  } finally {
    unhandleSignals?.();
    loop.close();
  }
};

/** `run()`'s end: cancel-and-await rounds until no task is pending (see `cancelInRounds`). */
const cancelAllTasks = (loop: EventLoop): Promise<void> =>
  cancelInRounds(loop, "run() shutdown", (pending) => cancelRound(loop, pending));

const cancelRound = async (loop: EventLoop, pending: ReadonlyArray<Task<unknown, unknown>>): Promise<void> => {
  for (const t of pending) t.cancel();
  await loop.runUntilCompleteExit(
    gen(function* () {
      for (const t of pending) yield* exitAio(from(t));
    }),
  );
  for (const t of pending) {
    const e = t.getExit();
    if (e !== undefined && e._tag === "Failure" && e.cause._tag !== "Interrupt") {
      loop.callExceptionHandler({
        message: "unhandled exception during run() shutdown",
        exception: e.cause._tag === "Fail" ? e.cause.error : e.cause.defect,
        task: t as Task<unknown, unknown>,
      });
    }
  }
};

/**
 * Runs `aio` on a fresh event loop (asyncio.run): resolves with its value; rejects with
 * the typed error, the defect, or a CancelledError if it was interrupted (by
 * `options.signal`: its `cause` is the abort reason). Afterwards the tasks still pending
 * are cancelled and awaited and the loop is closed.
 * @example
 * ```ts runnable
 * import { Aio, run } from "aio-ts";
 * await run(Aio.sleep(10, "done")); // "done"
 * ```
 */
export const run = <A, E>(aio: Aio<A, E>, options?: RunOptions): Promise<A> =>
  runExit(aio, options).then(Exit.getOrThrow);

/**
 * Runs a program that never suspends on a timer, promise or other task, synchronously;
 * returns its value or throws its failure. A program that does suspend is an
 * `EventLoopError` (use `run`).
 * @example
 * ```ts runnable
 * import { Aio, runSync } from "aio-ts";
 * runSync(Aio.succeed(1).pipe(Aio.map((n) => n + 1))); // 2
 * ```
 */
export const runSync = <A, E>(aio: Aio<A, E>): A => Exit.getOrThrow(runSyncExit(aio));

/**
 * As `runSync`, but returns the `Exit` instead of throwing the program's failure.
 * @example
 * ```ts runnable
 * import { Aio, Exit, runSyncExit } from "aio-ts";
 * Exit.isFailure(runSyncExit(Aio.fail(1))); // true
 * ```
 */
export const runSyncExit = <A, E>(aio: Aio<A, E>): Exit.Exit<A, E> => {
  const loop = new EventLoop();
  const main = loop.createTask(aio, { name: "main" });
  loop._drainSync();
  const result = main.getExit();
  if (result === undefined) {
    for (const t of loop.allTasks()) t.cancel();
    loop._drainSync();
    loop.close();
    throw new EventLoopError("runSync: the program suspended (on a timer, a promise or another task); use run()");
  }
  for (const t of loop.allTasks()) t.cancel();
  loop._drainSync();
  loop.close();
  return result;
};
