/**
 * Signals in and shutting down: cancelling a program's main task when an `AbortSignal`
 * aborts, wiring SIGINT/SIGTERM to a graceful shutdown, and the cancel-and-await rounds
 * that end a loop. Shared by `run()` (runners.ts) and the runtime (runtime.ts).
 *
 * Not part of the public API.
 * @internal
 * @module signals
 */
import * as Cause from "../Cause.js";
import * as Exit from "../Exit.js";
import { CancelledError } from "../exceptions.js";
import type { Task } from "./fiber.js";
import type { EventLoop } from "../events.js";

/** One `abort` listener per signal, shared by every program watching it. */
interface SignalWatch {
  readonly callbacks: Set<() => void>;
  readonly fire: () => void;
}

/**
 * The programs watching each signal. One host listener per signal, however many programs
 * watch it: 10^5 concurrent runs on one signal add one listener (Node warns past 10), and
 * the last program to end removes it.
 */
const watches = new WeakMap<AbortSignal, SignalWatch>();

const watchAbort = (signal: AbortSignal, cb: () => void): (() => void) => {
  let w = watches.get(signal);
  if (w === undefined) {
    const callbacks = new Set<() => void>();
    const fire = (): void => {
      watches.delete(signal);
      const cbs = [...callbacks];
      callbacks.clear();
      for (const f of cbs) f();
    };
    w = { callbacks, fire };
    watches.set(signal, w);
    signal.addEventListener("abort", fire, { once: true });
  }
  const watch = w;
  watch.callbacks.add(cb);
  return () => {
    if (!watch.callbacks.delete(cb) || watch.callbacks.size > 0) return;
    if (watches.get(signal) === watch) watches.delete(signal);
    signal.removeEventListener("abort", watch.fire);
  };
};

/** The cancel message an abort reason gives: its `message` if it has one, else `String(reason)`. */
const abortMessage = (reason: unknown): string => {
  // A DOMException (the default reason) is an Error in Node 20, but check the shape.
  const message = typeof reason === "object" && reason !== null ? (reason as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : String(reason);
};

/**
 * @internal Checks `options.signal` at the boundary: a TypeError for anything but an
 * `AbortSignal` (an object with `aborted` and `addEventListener` would half work).
 */
export const checkSignal = (what: string, signal: unknown): AbortSignal | undefined => {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal))
    throw new TypeError(`${what}: options.signal must be an AbortSignal, got ${signal === null ? "null" : typeof signal}`);
  return signal;
};

/**
 * @internal Cancels `task` when `signal` aborts (at once, before its first step, if it
 * has already). Returns what to apply to the task's exit once it is done: it removes the
 * listener and, if the abort cancelled the task, makes the interruption's
 * `CancelledError` carry the abort reason as its `cause`.
 */
/** `cancelOnAbort`'s answer without a signal: one shared function, nothing made per run. */
const sameExit = <T>(exit: T): T => exit;

export const cancelOnAbort = <A, E>(
  task: Task<A, E>,
  signal: AbortSignal | undefined,
): ((exit: Exit.Exit<A, E>) => Exit.Exit<A, E>) => {
  if (signal === undefined) return sameExit;
  let aborted = false;
  const cancel = (): void => {
    aborted = true;
    task.cancel(abortMessage(signal.reason));
  };
  let unwatch: (() => void) | undefined;
  if (signal.aborted) cancel();
  else unwatch = watchAbort(signal, cancel);
  return (exit) => {
    unwatch?.();
    if (!aborted || exit._tag !== "Failure" || exit.cause._tag !== "Interrupt") return exit;
    const reason: unknown = signal.reason;
    const error = new CancelledError(exit.cause.message ?? abortMessage(reason), { cause: reason });
    return Exit.failCause(Cause.interruptFromError(error));
  };
};

// ---------------------------------------------------------------------------------------
// SIGINT / SIGTERM

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type ShutdownSignal = keyof typeof EXIT_CODES;

/**
 * @internal Wires SIGINT and SIGTERM: the first one calls `onFirst` (a graceful shutdown);
 * a second one exits the process at once with 128 + the signal number (130 / 143), as a
 * shell reports a process killed by it. Returns the function that removes the listeners.
 * (A signal listener does not keep the process alive.)
 */
export const handleShutdownSignals = (onFirst: (signal: ShutdownSignal) => void): (() => void) => {
  let received = false;
  const handler = (signal: NodeJS.Signals): void => {
    const s = signal as ShutdownSignal;
    if (received) process.exit(EXIT_CODES[s]);
    received = true;
    onFirst(s);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
};

// ---------------------------------------------------------------------------------------
// Shutting a loop down

/**
 * @internal How many rounds of "cancel every pending task and wait for them" a shutdown
 * does before it gives up on tasks that keep making new ones.
 */
export const MAX_SHUTDOWN_ROUNDS = 100;

/**
 * @internal asyncio.runners._cancel_all_tasks, repeated (`run()`'s end, `rt.dispose()`):
 * `cancelRound(pending)` cancels and awaits what is pending, until nothing is. A task
 * created meanwhile (by a `finally`, a shielded inner, a failing task group's cleanup) is
 * cancelled and awaited in the next round, so its own cleanup runs too. After
 * `MAX_SHUTDOWN_ROUNDS` rounds what is still pending is reported (as `who`) and abandoned.
 */
export const cancelInRounds = async (
  loop: EventLoop,
  who: string,
  cancelRound: (pending: ReadonlyArray<Task<unknown, unknown>>) => Promise<void>,
): Promise<void> => {
  for (let round = 0; ; round++) {
    const pending = [...loop.allTasks()];
    if (pending.length === 0) return;
    if (round === MAX_SHUTDOWN_ROUNDS) {
      for (const t of pending)
        loop.callExceptionHandler({
          message:
            `${who}: task still pending after ${MAX_SHUTDOWN_ROUNDS} rounds of cancellation ` +
            "(each round made new tasks); it is abandoned",
          task: t,
        });
      return;
    }
    await cancelRound(pending);
  }
};
