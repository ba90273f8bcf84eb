/**
 * A long-lived runtime: one event loop shared by every program a service runs, for as
 * long as the service lives (`createRuntime`). Also the plumbing `run()` shares with it:
 * cancelling a program when an `AbortSignal` aborts, and wiring SIGINT/SIGTERM to a
 * graceful shutdown.
 *
 * The runtime's loop runs (`runForever`) from its first use until `dispose()`. A running
 * loop with nothing to do holds no host handle (it arms a host timer only for a pending
 * timer, see events.ts), so an idle runtime does not keep the process alive.
 *
 * @module runtime
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import { EventLoopError } from "./exceptions.js";
import { EventLoop, type EventLoopOptions, type TaskOptions } from "./events.js";
import { type Aio } from "./internal/aio.js";
import { type Task } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { nameLoop } from "./sync-internal.js";
import { cancelInRounds, cancelOnAbort, checkSignal, handleShutdownSignals } from "./internal/signals.js";
import { closeDefaultPool } from "./threads.js";

// ---------------------------------------------------------------------------------------
// AbortSignal in

/**
 * Options that take a caller's `AbortSignal`.
 * @example
 * ```ts
 * import type { AbortOptions } from "aio-ts";
 * const opts: AbortOptions = { signal: AbortSignal.timeout(1000) };
 * ```
 */
export interface AbortOptions {
  /**
   * Aborting it cancels the program's main task, with the abort reason as the cancel
   * message; the promise then rejects with a `CancelledError` whose `cause` is the
   * reason. An already-aborted signal cancels the program before its first step.
   */
  readonly signal?: AbortSignal | undefined;
}

// ---------------------------------------------------------------------------------------
// The runtime

/**
 * Options of `createRuntime`.
 * @example
 * ```ts
 * import { createRuntime, type RuntimeOptions } from "aio-ts";
 * const opts: RuntimeOptions = { handleSignals: true };
 * const rt = createRuntime(opts);
 * await rt.dispose();
 * ```
 */
export interface RuntimeOptions extends EventLoopOptions {
  /**
   * Wire SIGINT and SIGTERM to `dispose()`: the first one cancels every task and closes
   * the loop (their finalisers run); a second one exits the process at once (code 130 /
   * 143). The listeners are removed when the runtime is disposed.
   */
  readonly handleSignals?: boolean | undefined;
}

/**
 * Options of `rt.run` / `rt.runExit`: a signal, and the name of the program's task.
 * @example
 * ```ts
 * import type { RuntimeRunOptions } from "aio-ts";
 * const opts: RuntimeRunOptions = { signal: AbortSignal.timeout(5000), name: "request" };
 * ```
 */
export interface RuntimeRunOptions extends AbortOptions {
  /** The name of the program's task (default `Task-N`). */
  readonly name?: string | undefined;
}

/**
 * A long-lived runtime: one event loop for every program it runs, so module-level locks,
 * semaphores and queues work across them (each `run()` makes a loop of its own, and a
 * primitive cannot be shared by two live loops). Make one with `createRuntime()`.
 * @example
 * ```ts runnable
 * import { Aio, Semaphore, createRuntime } from "aio-ts";
 * const rt = createRuntime();
 * const db = new Semaphore(2); // shared by every request
 * const handle = (id: number) => rt.run(db.withPermit(Aio.sleep(5, id)));
 * await Promise.all([handle(1), handle(2), handle(3)]); // [1, 2, 3]
 * await rt.dispose();
 * ```
 */
export interface Runtime {
  /** The runtime's event loop (running from the first use until `dispose()`). */
  readonly loop: EventLoop;
  /**
   * Runs `aio` as a task on the runtime's loop: resolves with its value; rejects with the
   * typed error, the defect, or a `CancelledError` if it was cancelled (by
   * `options.signal`, `dispose()` or a task that cancelled it). Tasks it started and left
   * running keep running (they are the runtime's, cancelled by `dispose()`).
   */
  run<A, E>(aio: Aio<A, E>, options?: RuntimeRunOptions): Promise<A>;
  /** As `run`, but resolves with the `Exit` (never rejects for the program). */
  runExit<A, E>(aio: Aio<A, E>, options?: RuntimeRunOptions): Promise<Exit.Exit<A, E>>;
  /**
   * Starts `aio` as a task on the runtime's loop and returns the task (a background job:
   * `dispose()` cancels it if it is still running). An `EventLoopError` once disposed.
   */
  fork<A, E>(aio: Aio<A, E>, options?: TaskOptions): Task<A, E>;
  /**
   * Cancels every task still running on the loop and waits for them (their finalisers
   * run; tasks made meanwhile are cancelled in further rounds), then closes the loop.
   * Idempotent: every call returns the same promise. Afterwards `run`, `runExit` and
   * `fork` are an `EventLoopError` ("runtime is disposed").
   */
  dispose(): Promise<void>;
  /** Whether `dispose()` was called. */
  isDisposed(): boolean;
}


const disposedError = (): EventLoopError => new EventLoopError("runtime is disposed");

class RuntimeImpl implements Runtime {
  readonly loop: EventLoop;
  private _disposing: Promise<void> | undefined = undefined;
  /** The `runForever` of the loop, while it runs (or its start is queued). */
  private _running: Promise<void> | undefined = undefined;
  /** Settles the promise of each `runExit` whose task is not done yet. */
  private readonly _inflight = new Set<(t: Future<unknown, unknown> | Exit.Exit<unknown, unknown>) => void>();
  private readonly _unhandleSignals: (() => void) | undefined;

  constructor(options: RuntimeOptions) {
    this.loop = new EventLoop(options);
    nameLoop(this.loop, "runtime");
    this._unhandleSignals = options.handleSignals === true ? handleShutdownSignals(() => void this.dispose()) : undefined;
  }

  isDisposed(): boolean {
    return this._disposing !== undefined;
  }

  /**
   * Starts the loop if it is not running, in a microtask: `runForever` refuses to start
   * inside another loop's callback (a program on another loop may call `rt.run`), and
   * the caller's code goes on first, as it would with a running loop.
   */
  private _ensureRunning(): void {
    if (this._running !== undefined) return;
    this._running = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() =>
      this.loop.runForever().then(
        () => {
          this._running = undefined;
        },
        (e: unknown) => {
          // An internal error of the loop (callbacks' own errors go to the handler): the
          // programs waiting on it would wait for ever, so they fail with it instead.
          this._running = undefined;
          const waiting = [...this._inflight];
          this._inflight.clear();
          for (const settle of waiting) settle(Exit.die(e));
        },
      ),
    );
  }

  runExit<A, E>(aio: Aio<A, E>, options?: RuntimeRunOptions): Promise<Exit.Exit<A, E>> {
    return new Promise<Exit.Exit<A, E>>((resolve, reject) => this._start(aio, options, resolve, reject));
  }

  run<A, E>(aio: Aio<A, E>, options?: RuntimeRunOptions): Promise<A> {
    // Its own promise, settled from the exit (not `runExit(…).then(getOrThrow)`): a
    // request made through `rt.run` allocates one promise and one closure, which matters
    // with 10^4 requests in flight (S11).
    return new Promise<A>((resolve, reject) =>
      this._start(
        aio,
        options,
        (exit) => (exit._tag === "Success" ? resolve(exit.value) : reject(Cause.squash(exit.cause))),
        reject,
      ),
    );
  }

  /**
   * Starts `aio` as a task and calls `done(exit)` when it ends (or `fail(e)` if it cannot
   * start). The one done callback is also what a crash of the loop settles (`_inflight`).
   */
  private _start<A, E>(
    aio: Aio<A, E>,
    options: RuntimeRunOptions | undefined,
    done: (exit: Exit.Exit<A, E>) => void,
    fail: (e: unknown) => void,
  ): void {
    if (this._disposing !== undefined) return fail(disposedError());
    let task: Task<A, E>;
    let finish: (exit: Exit.Exit<A, E>) => Exit.Exit<A, E>;
    try {
      const signal = checkSignal("Runtime.run", options?.signal);
      task = this.loop.createTask(aio, options?.name === undefined ? undefined : { name: options.name });
      finish = cancelOnAbort(task, signal);
    } catch (e) {
      return fail(e);
    }
    this._ensureRunning();
    const inflight = this._inflight;
    // Called with the task when it is done, or with an exit if the loop crashed.
    const settle = (t: Future<unknown, unknown> | Exit.Exit<unknown, unknown>): void => {
      inflight.delete(settle);
      done(finish((t instanceof Future ? t.getExit() : t) as Exit.Exit<A, E>));
    };
    inflight.add(settle);
    task.addDoneCallback(settle);
  }

  fork<A, E>(aio: Aio<A, E>, options?: TaskOptions): Task<A, E> {
    if (this._disposing !== undefined) throw disposedError();
    const task = this.loop.createTask(aio, options);
    this._ensureRunning();
    return task;
  }

  dispose(): Promise<void> {
    return (this._disposing ??= this._dispose());
  }

  private async _dispose(): Promise<void> {
    // Let a dispose() called synchronously after run()/fork() see their tasks started.
    await Promise.resolve();
    try {
      await cancelInRounds(this.loop, "Runtime.dispose()", (pending) => {
        this._ensureRunning();
        return new Promise<void>((resolve) => {
          let left = pending.length;
          const onDone = (): void => {
            if (--left === 0) resolve();
          };
          for (const t of pending) {
            t.cancel();
            t.addDoneCallback(onDone);
          }
        });
      });
      const running = this._running;
      if (running !== undefined) {
        // `stop()` before a queued start would make that run do one iteration and stop:
        // let it start first.
        await Promise.resolve();
        this.loop.stop();
        await running;
      }
      this.loop.close();
      await closeDefaultPool(); // the worker threads too (the tasks' jobs were aborted above)
    } finally {
      this._unhandleSignals?.();
    }
  }
}

/**
 * Makes a `Runtime`: an event loop that runs programs for as long as the process (or a
 * test) needs it, shared by all of them. `{ virtualTime: true }` gives it a virtual
 * clock (for tests); `{ handleSignals: true }` wires SIGINT/SIGTERM to `dispose()`.
 * While nothing runs, it holds no host handle: the process can exit without `dispose()`.
 * @example
 * ```ts runnable
 * import { Aio, createRuntime } from "aio-ts";
 * const rt = createRuntime();
 * const controller = new AbortController();
 * const value = await rt.run(Aio.sleep(10, "ok"), { signal: controller.signal }); // "ok"
 * const job = rt.fork(Aio.never, { name: "background" });
 * await rt.dispose(); // cancels `job`, closes the loop
 * ```
 */
export const createRuntime = (options: RuntimeOptions = {}): Runtime => new RuntimeImpl(options);
