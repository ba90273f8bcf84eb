/**
 * Work on other threads (asyncio's `loop.run_in_executor`, `asyncio.to_thread`,
 * `wrap_future` of an executor's future) on a pool of Node `worker_threads`.
 *
 * JavaScript cannot ship a closure to another thread, so the unit of work is a module
 * function: `runInWorker(moduleUrl, exportName, ...args)` imports `moduleUrl` in a worker
 * (once per worker: modules are cached), calls its export `exportName(...args)`, and
 * succeeds with what it returns (awaited if it is a promise). Arguments and results cross
 * by structured clone (copied; a `SharedArrayBuffer` is shared); a throw in the worker is a
 * typed `WorkerError` carrying the worker's error name, message and stack.
 *
 * The pool is piscina (chosen over tinypool in bench/pool-choice.ts: the same speed within
 * the noise, and a worker that dies mid-job (`process.exit`, out of memory) fails the job
 * under piscina where tinypool leaves it pending for ever). It is loaded on first use.
 *
 * @module threads
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Piscina } from "piscina";
import { tryPromise, type Aio } from "./Aio.js";
import { getRunningLoop } from "./events.js";

// ---------------------------------------------------------------------------------------
// Errors

/**
 * Why a job on a worker failed:
 * - `"Threw"`: the function threw or its promise rejected (`errorName`, `message`,
 *   `workerStack` are the worker's);
 * - `"ModuleNotFound"`: `moduleUrl` is not an absolute URL or path, or importing it failed
 *   (missing file, syntax error, a throw at its top level);
 * - `"ExportNotFound"`: the module has no function exported as `exportName`;
 * - `"DataCloneError"`: an argument or the result cannot be structured-cloned (a function,
 *   a class instance's methods, a socket…);
 * - `"WorkerCrashed"`: the worker thread died while running the job (`process.exit`,
 *   out of memory);
 * - `"PoolClosed"`: the pool was closed before the job could run.
 * @example
 * ```ts
 * import type { WorkerErrorReason } from "aio-ts";
 * const r: WorkerErrorReason = "Threw";
 * ```
 */
export type WorkerErrorReason = "Threw" | "ModuleNotFound" | "ExportNotFound" | "DataCloneError" | "WorkerCrashed" | "PoolClosed";

/**
 * A job on a worker thread failed (see `WorkerErrorReason`). For a throw in the worker,
 * `message` is the worker error's message, `errorName` its name (`"TypeError"`, a custom
 * class's name…) and `workerStack` its stack, in the worker's files; `stack` is the same
 * text, so a report shows where the worker threw.
 * @example
 * ```ts
 * import { Aio, WorkerError, runInWorker } from "aio-ts";
 * const safe = runInWorker<(n: number) => number>("/srv/jobs/sieve.mjs", "countPrimes", 1e6).pipe(
 *   Aio.catchTag("WorkerError", (e: WorkerError) => Aio.succeed(e.reason === "Threw" ? -1 : -2)),
 * );
 * ```
 */
export class WorkerError extends Error {
  readonly _tag = "WorkerError" as const;
  constructor(
    /** Why the job failed. */
    readonly reason: WorkerErrorReason,
    message: string,
    /** The module the job was to run. */
    readonly moduleUrl: string,
    /** The export the job was to call. */
    readonly exportName: string,
    /** The `name` of the error thrown in the worker (`"Error"` when it threw a non-error). */
    readonly errorName: string,
    /** The stack of the error thrown in the worker, if it had one. */
    readonly workerStack: string | undefined,
  ) {
    super(message);
    this.name = "WorkerError";
    if (workerStack !== undefined) this.stack = `WorkerError [${reason}]: ${errorName} in ${exportName} (${moduleUrl}): ${workerStack}`;
  }
}

// ---------------------------------------------------------------------------------------
// The worker side

/**
 * The worker's entry: imports the module, finds the export, calls it. Every failure of
 * the job itself is returned as a value (not thrown), so the pool's own errors (abort,
 * crash, close) stay apart from the job's. Plain JS, so workers load it without any
 * loader whatever runs the main thread (tsx, vitest, the ESM or CJS build); written to a
 * private temporary directory on first use (see `workerEntry`) because piscina loads a
 * worker entry from a file path only, and a module cannot find its own file in both builds.
 */
const WORKER_SOURCE = `
const describe = (e) =>
  e !== null && typeof e === "object" && typeof e.message === "string"
    ? { name: String(e.name ?? "Error"), message: e.message, stack: typeof e.stack === "string" ? e.stack : undefined }
    : { name: "Error", message: "non-error thrown: " + String(e), stack: undefined };
export default async function aioTsWorkerJob({ url, name, args }) {
  let mod;
  try {
    mod = await import(url);
  } catch (e) {
    return { ok: false, reason: "ModuleNotFound", error: describe(e) };
  }
  const fn = mod[name];
  if (typeof fn !== "function")
    return { ok: false, reason: "ExportNotFound", error: { name: "TypeError", message: "the module " + url + " has no function export " + JSON.stringify(name) + " (it is " + (fn === undefined ? "missing" : typeof fn) + ")", stack: undefined } };
  let value;
  try {
    value = await fn(...args);
  } catch (e) {
    return { ok: false, reason: "Threw", error: describe(e) };
  }
  // A result the pool cannot post would kill the worker with an error that does not
  // survive the trip: test objects here (primitives always clone).
  if (value !== null && (typeof value === "object" || typeof value === "function"))
    try {
      structuredClone(value);
    } catch (e) {
      return { ok: false, reason: "DataCloneError", error: { name: "DataCloneError", message: "the result of " + name + " cannot be structured-cloned: " + String(e && e.message), stack: undefined } };
    }
  return { ok: true, value };
}
`;

let entryFile: string | undefined;
/**
 * The worker entry's path: written once per process into a fresh directory only this
 * user can write (`mkdtemp`), removed when the process exits.
 */
const workerEntry = (): string => {
  if (entryFile !== undefined) return entryFile;
  const dir = mkdtempSync(join(tmpdir(), "aio-ts-worker-"));
  const file = join(dir, "entry.mjs");
  writeFileSync(file, WORKER_SOURCE, { mode: 0o600 });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  return (entryFile = file);
};

interface Job {
  readonly url: string;
  readonly name: string;
  readonly args: readonly unknown[];
}
type Reply =
  | { readonly ok: true; readonly value: unknown }
  | {
      readonly ok: false;
      readonly reason: WorkerErrorReason;
      readonly error: { readonly name: string; readonly message: string; readonly stack: string | undefined };
    };

// ---------------------------------------------------------------------------------------
// The pool

/**
 * Options of `createWorkerPool`.
 * @example
 * ```ts
 * import { createWorkerPool, type WorkerPoolOptions } from "aio-ts";
 * const opts: WorkerPoolOptions = { maxThreads: 2 };
 * const pool = createWorkerPool(opts);
 * await pool.close();
 * ```
 */
export interface WorkerPoolOptions {
  /** The most worker threads at once (default: the number of cores, `os.availableParallelism()`). */
  readonly maxThreads?: number | undefined;
  /** How long an idle extra thread is kept, in ms (default 10,000; idle threads never keep the process alive). */
  readonly idleTimeoutMs?: number | undefined;
}

/**
 * An executor: a pool of worker threads that runs module functions (asyncio's
 * `ProcessPoolExecutor`, the closest in spirit: the work crosses by copy). Idle threads do
 * not keep the process alive. `close()` is `executor.shutdown(wait=True)`.
 * @example
 * ```ts
 * import { Aio, createWorkerPool, run, runInExecutor, wrapFuture } from "aio-ts";
 * const pool = createWorkerPool({ maxThreads: 2 });
 * const url = new URL("./jobs.mjs", import.meta.url);
 * const a = await run(runInExecutor(pool, url, "countPrimes", 100_000)); // an Aio on the pool
 * const b = await run(Aio.from(wrapFuture(pool.submit(url, "countPrimes", 1_000)))); // a Promise, as a Future
 * await pool.close();
 * ```
 */
export interface WorkerPool {
  /** The most threads the pool runs at once. */
  readonly maxThreads: number;
  /**
   * Runs `exportName(...args)` of `moduleUrl` on a worker: the Aio succeeds with its
   * result or fails with a `WorkerError`. Cancelling the Aio aborts the job (see
   * `runInWorker`).
   */
  run<F extends WorkerFunction = AnyWorkerFunction>(
    moduleUrl: string | URL,
    exportName: string,
    ...args: Parameters<F>
  ): Aio<WorkerResult<F>, WorkerError>;
  /**
   * Starts the job now and returns its Promise (asyncio's `executor.submit`): it rejects
   * with a `WorkerError`. `wrapFuture(pool.submit(...))` awaits it in a program; nothing
   * aborts it (the job runs to completion, as a running job of a `concurrent.futures`
   * executor does), and a result nobody awaits is dropped.
   */
  submit<F extends WorkerFunction = AnyWorkerFunction>(
    moduleUrl: string | URL,
    exportName: string,
    ...args: Parameters<F>
  ): Promise<WorkerResult<F>>;
  /**
   * Refuses new jobs (they fail with `WorkerError` "PoolClosed"), waits for the jobs
   * already submitted, then stops the threads. Idempotent: every call returns the same
   * promise.
   */
  close(): Promise<void>;
  /** Whether `close()` was called. */
  isClosed(): boolean;
}

/**
 * The shape of a function a worker can run (for the type parameter of `runInWorker`).
 * @example
 * ```ts
 * import type { WorkerFunction } from "aio-ts";
 * const f: WorkerFunction = (n: number) => n * 2;
 * ```
 */
export type WorkerFunction = (...args: never[]) => unknown;
/**
 * The default type parameter: any arguments, an `unknown` result.
 * @example
 * ```ts
 * import type { AnyWorkerFunction } from "aio-ts";
 * const f: AnyWorkerFunction = (...args) => args.length;
 * ```
 */
export type AnyWorkerFunction = (...args: unknown[]) => unknown;
/**
 * What a job of the worker function `F` succeeds with: its return value, awaited.
 * @example
 * ```ts
 * import type { WorkerResult } from "aio-ts";
 * const n: WorkerResult<(x: number) => Promise<number>> = 1;
 * ```
 */
export type WorkerResult<F extends WorkerFunction> = Awaited<ReturnType<F>>;

/**
 * The module URL a worker imports: a `URL`, an absolute URL string, or an absolute file
 * path; anything else (a relative path, a bare name) is a "ModuleNotFound" error at the
 * boundary, since it would resolve against the worker's entry, not the caller.
 */
const toModuleUrl = (moduleUrl: string | URL): string | WorkerError => {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== "string")
    return new WorkerError("ModuleNotFound", `moduleUrl must be a URL or a string, got ${typeof moduleUrl}`, String(moduleUrl), "", "TypeError", undefined);
  if (isAbsolute(moduleUrl)) return pathToFileURL(moduleUrl).href;
  if (/^(?:file|data|node):/.test(moduleUrl)) return moduleUrl;
  return new WorkerError(
    "ModuleNotFound",
    `moduleUrl must be an absolute file path or a file:, data: or node: URL (a worker cannot resolve ${JSON.stringify(moduleUrl)} relative to the caller); use new URL(${JSON.stringify(moduleUrl)}, import.meta.url)`,
    moduleUrl,
    "",
    "TypeError",
    undefined,
  );
};

/** A pool error (not the job's): aborted, crashed, closed, or an argument not cloneable. */
const fromPoolError = (e: unknown, job: Job): WorkerError => {
  const err = e instanceof Error ? e : new Error(String(e));
  const reason: WorkerErrorReason =
    err.name === "DataCloneError"
      ? "DataCloneError"
      : /terminat|destroy|closed/i.test(err.message)
        ? "PoolClosed"
        : "WorkerCrashed";
  return new WorkerError(reason, err.message, job.url, job.name, err.name, err.stack);
};

class WorkerPoolImpl implements WorkerPool {
  readonly maxThreads: number;
  private readonly _idleTimeout: number;
  private _pool: Promise<Piscina> | undefined = undefined;
  private _closing: Promise<void> | undefined = undefined;
  /** Jobs submitted and not settled: `close()` waits for them. */
  private readonly _inflight = new Set<Promise<unknown>>();

  constructor(options: WorkerPoolOptions) {
    const max = options.maxThreads ?? availableParallelism();
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`createWorkerPool: maxThreads must be an integer >= 1, got ${String(max)}`);
    const idle = options.idleTimeoutMs ?? 10_000;
    if (!(idle >= 0)) throw new RangeError(`createWorkerPool: idleTimeoutMs must be >= 0, got ${String(idle)}`);
    this.maxThreads = max;
    this._idleTimeout = idle;
  }

  isClosed(): boolean {
    return this._closing !== undefined;
  }

  private _piscina(): Promise<Piscina> {
    // Loaded on first use: a program that never uses threads never loads the pool.
    return (this._pool ??= import("piscina").then(
      ({ Piscina }) =>
        new Piscina({
          filename: workerEntry(),
          // At least one thread: with minThreads 0, piscina 5.3.2 strands queued jobs for
          // ever once aborts (cancellations) have terminated every worker (found by the
          // fast-check schedule test). Idle threads are unref'd: the process still exits.
          minThreads: 1,
          maxThreads: this.maxThreads,
          idleTimeout: this._idleTimeout,
        }),
    ));
  }

  /** Runs one job; rejects with a WorkerError (never anything else). */
  _submit(moduleUrl: string | URL, exportName: string, args: readonly unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    const url = toModuleUrl(moduleUrl);
    if (url instanceof WorkerError) return Promise.reject(url);
    const job: Job = { url, name: exportName, args };
    if (typeof exportName !== "string" || exportName === "")
      return Promise.reject(new WorkerError("ExportNotFound", `exportName must be a non-empty string, got ${String(exportName)}`, url, String(exportName), "TypeError", undefined));
    if (this._closing !== undefined)
      return Promise.reject(new WorkerError("PoolClosed", "the worker pool is closed", url, exportName, "Error", undefined));
    const p = this._piscina()
      .then((pool) => pool.run(job, signal === undefined ? {} : { signal }) as Promise<Reply>)
      .then(
        (reply) => {
          if (reply.ok) return reply.value;
          throw new WorkerError(reply.reason, reply.error.message, url, exportName, reply.error.name, reply.error.stack);
        },
        (e: unknown) => {
          throw fromPoolError(e, job);
        },
      );
    this._inflight.add(p);
    const forget = (): void => void this._inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  submit<F extends WorkerFunction = AnyWorkerFunction>(moduleUrl: string | URL, exportName: string, ...args: Parameters<F>): Promise<WorkerResult<F>> {
    return this._submit(moduleUrl, exportName, args, undefined) as Promise<WorkerResult<F>>;
  }

  run<F extends WorkerFunction = AnyWorkerFunction>(moduleUrl: string | URL, exportName: string, ...args: Parameters<F>): Aio<WorkerResult<F>, WorkerError> {
    return tryPromise(
      (signal) => {
        const loop = getRunningLoop();
        // A job that ends after its loop was closed (without cancelling the task waiting on
        // it) is dropped here: nothing is scheduled back into a closed loop.
        const drop = new Promise<never>(() => {});
        return this._submit(moduleUrl, exportName, args, signal).then(
          (v) => (loop.isClosed() ? drop : (v as WorkerResult<F>)),
          (e: unknown) => (loop.isClosed() ? drop : Promise.reject(e)),
        );
      },
      (e) => (e instanceof WorkerError ? e : new WorkerError("WorkerCrashed", String(e), "", "", "Error", undefined)),
    );
  }

  close(): Promise<void> {
    return (this._closing ??= this._close());
  }

  private async _close(): Promise<void> {
    // Wait for the jobs already submitted (asyncio's shutdown(wait=True)); their outcome is
    // their callers'. Jobs that were aborted settle at once.
    while (this._inflight.size > 0) await Promise.allSettled([...this._inflight]);
    const pool = this._pool;
    if (pool !== undefined) await (await pool).destroy();
  }
}

/**
 * Makes a pool of worker threads (an executor). Prefer the default pool (`runInWorker`)
 * unless the work needs a bound of its own.
 * @example
 * ```ts
 * import { createWorkerPool, run } from "aio-ts";
 * const pool = createWorkerPool({ maxThreads: 1 }); // one job at a time
 * await run(pool.run(new URL("./jobs.mjs", import.meta.url), "countPrimes", 1_000));
 * await pool.close();
 * ```
 */
export const createWorkerPool = (options: WorkerPoolOptions = {}): WorkerPool => new WorkerPoolImpl(options);

let defaultPool: WorkerPoolImpl | undefined;

/**
 * The default pool (`maxThreads` = the number of cores), made on first use; after
 * `closeDefaultPool()` the next use makes a new one.
 * @example
 * ```ts
 * import { defaultWorkerPool } from "aio-ts";
 * defaultWorkerPool().maxThreads; // os.availableParallelism()
 * ```
 */
export const defaultWorkerPool = (): WorkerPool => (defaultPool ??= new WorkerPoolImpl({}));

/**
 * Closes the default pool, if one was made: later jobs go to a new one. Waits for the jobs
 * still running on it (a runtime's `dispose()` calls this after cancelling its tasks, which
 * aborts their jobs, so it waits only for other loops' jobs).
 * @example
 * ```ts
 * import { closeDefaultPool } from "aio-ts";
 * await closeDefaultPool();
 * ```
 */
export const closeDefaultPool = (): Promise<void> => {
  const pool = defaultPool;
  defaultPool = undefined;
  return pool === undefined ? Promise.resolve() : pool.close();
};

/**
 * Runs `exportName(...args)` of the module `moduleUrl` on a worker thread of the default
 * pool and succeeds with its (awaited) result. `moduleUrl` is a `URL`, a `file:` URL
 * string or an absolute path, usually `new URL("./work.mjs", import.meta.url)`; the module
 * must be loadable by plain Node in a worker (JavaScript, or TypeScript your Node runs
 * natively). The type parameter gives the argument and result types:
 * `runInWorker<typeof import("./work.mjs").sieve>(url, "sieve", n)`.
 *
 * Fails with a `WorkerError`: the worker's throw ("Threw", with its name, message and
 * stack), a module or export that is not there, an argument or result that cannot be
 * structured-cloned, a crashed worker. Cancelling the task waiting on it throws
 * `CancelledError` at once and **aborts the job**: a queued job is dropped, a running one's
 * thread is terminated (the pool starts another). asyncio's `to_thread` cannot stop a thread
 * and lets the job finish; here nothing of a cancelled job is delivered either way.
 * @example
 * ```ts
 * import { Aio, run, runInWorker } from "aio-ts";
 * const jobs = new URL("./jobs.mjs", import.meta.url); // export const countPrimes = (n) => …
 * const main = Aio.gen(function* () {
 *   const n = yield* runInWorker<(limit: number) => number>(jobs, "countPrimes", 1_000_000);
 *   return n; // 78498
 * });
 * await run(main);
 * ```
 */
export const runInWorker = <F extends WorkerFunction = AnyWorkerFunction>(
  moduleUrl: string | URL,
  exportName: string,
  ...args: Parameters<F>
): Aio<WorkerResult<F>, WorkerError> => defaultWorkerPool().run<F>(moduleUrl, exportName, ...args);

/**
 * asyncio's `to_thread`, spelled for modules: the same as `runInWorker` (a module function
 * on the default pool). Unlike `to_thread`, the context variables are not carried over:
 * the worker is another JavaScript realm.
 * @example
 * ```ts
 * import { run, toThread } from "aio-ts";
 * await run(toThread(new URL("./jobs.mjs", import.meta.url), "countPrimes", 1_000));
 * ```
 */
export const toThread: typeof runInWorker = runInWorker;

/**
 * asyncio's `loop.run_in_executor(executor, func, *args)`: runs the module function on
 * `executor`, or on the default pool when it is `null` / `undefined` (asyncio's `None`).
 * A free function rather than a loop method: it runs on whatever loop runs the Aio.
 * @example
 * ```ts
 * import { createWorkerPool, run, runInExecutor } from "aio-ts";
 * const url = new URL("./jobs.mjs", import.meta.url);
 * await run(runInExecutor(null, url, "countPrimes", 1_000)); // the default pool
 * const pool = createWorkerPool({ maxThreads: 2 });
 * await run(runInExecutor(pool, url, "countPrimes", 1_000));
 * await pool.close();
 * ```
 */
export const runInExecutor = <F extends WorkerFunction = AnyWorkerFunction>(
  executor: WorkerPool | null | undefined,
  moduleUrl: string | URL,
  exportName: string,
  ...args: Parameters<F>
): Aio<WorkerResult<F>, WorkerError> => (executor ?? defaultWorkerPool()).run<F>(moduleUrl, exportName, ...args);
