/**
 * @internal Debug mode (asyncio's `PYTHONASYNCIODEBUG` / `loop.set_debug`): checks that
 * cost too much to run always. Today one: an Aio made by `createTask` or `tg.createTask`
 * that is never run started nothing, and the mistake (a missing `yield*`) is silent, so in
 * debug mode it is reported with the place it was made, as asyncio reports "coroutine …
 * was never awaited".
 *
 * Off by default; `AIO_DEBUG=1` in the environment at start-up, or `setDebug(true)`, turns
 * it on. Off, the only cost is one boolean test per `createTask` call (nothing per step).
 */

const readEnv = (): boolean => {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const v = proc?.env?.["AIO_DEBUG"];
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
};

/** Whether debug mode is on for the process. A plain `let`: read once per `createTask` call. */
export let debugMode: boolean = readEnv();

/** How many debug loops are running a batch of callbacks now (they nest: one loop per stack). */
let debugBatchDepth = 0;

/**
 * Whether values made now are made "in debug mode": the process-wide flag is on, or the
 * code runs inside a callback or task step of a debug loop (`newEventLoop({ debug: true })`,
 * `run(aio, { debug: true })`, `loop.setDebug(true)`). `createTask`, `Aio.gen` and the
 * waits of locks and queues read it: one boolean test each when off.
 */
export let debugActive: boolean = debugMode;

/** @internal Turns debug mode on or off. */
export const setDebugMode = (enabled: boolean): void => {
  debugMode = enabled;
  debugActive = enabled || debugBatchDepth > 0;
};

/** @internal A debug loop starts running a batch of callbacks: values made now are tracked. */
export const enterDebugBatch = (): void => {
  debugBatchDepth++;
  debugActive = true;
};

/** @internal The batch `enterDebugBatch` started has ended. */
export const leaveDebugBatch = (): void => {
  debugBatchDepth--;
  debugActive = debugMode || debugBatchDepth > 0;
};

/** The warning `type`/`code` of every debug report (for `process.on("warning")` filters). */
export const WARNING_TYPE = "AioWarning";
export const NEVER_RUN_CODE = "AIO_TASK_NEVER_RUN";
/** The code of the report of an `Aio.gen` program made in debug mode and never run. */
export const GEN_NEVER_RUN_CODE = "AIO_NEVER_RUN";
/** The code of the report of a callback or task step that held a debug loop too long. */
export const SLOW_CALLBACK_CODE = "AIO_SLOW_CALLBACK";

/** A stack frame of the fiber machinery (src or dist), where the user's frames end. */
const INTERNAL_FRAME = /Generator\.next|[\\/]internal[\\/](?:aio|primitives|gen|async|future|fiber)\.[jt]s/;

/**
 * Where `below` was called from: a stack captured without the frames of `below` and above
 * it (V8's `captureStackTrace`), so its first frame is the user's call. Formatting a stack
 * is the costly part (with source maps, tens of microseconds), and V8 does it lazily on
 * the first read of `stack`: so only a report reads it, never the common case.
 */
const SITE_FRAMES = 4;
export interface CallSite {
  stack?: string;
}
export const callSite = (below: (...args: never[]) => unknown, frames = SITE_FRAMES): CallSite => {
  const site: CallSite = {};
  const E = Error as { captureStackTrace?: (o: object, f: unknown) => void; stackTraceLimit?: number | undefined };
  const capture = E.captureStackTrace;
  if (capture !== undefined) {
    // A few frames are enough to name the user's call (the rest is the run loop), and
    // capturing fewer costs less.
    const limit = E.stackTraceLimit;
    E.stackTraceLimit = frames;
    try {
      capture(site, below);
    } finally {
      E.stackTraceLimit = limit;
    }
  } else {
    const stack = new Error().stack;
    if (stack !== undefined) site.stack = stack;
  }
  return site;
};

/** The user's frames of `site`, one per line. */
const formatSite = (site: CallSite): string => {
  const lines = (site.stack ?? "").split("\n");
  // The first line is the (empty) message: keep the frames only, and only the user's:
  // from the generator's resumption or the run loop on, the frames are aio-ts machinery.
  const frames: string[] = [];
  for (const line of lines.slice(1)) {
    const frame = line.trim();
    if (frame === "") continue;
    if (frames.length > 0 && INTERNAL_FRAME.test(frame)) break;
    frames.push(frame);
  }
  return frames.length > 0 ? frames.join("\n    ") : "at an unknown place";
};

/**
 * The directory of aio-ts's own modules (`…/src/` or `…/dist/esm/`), read from this
 * module's own stack frame: frames under it are the library's, not the user's.
 */
const LIB_DIR: string | undefined = (() => {
  const m = /\(?((?:file:\/\/)?[^\s()]*?)[\\/]internal[\\/]debug\.[cm]?[jt]s:\d+/.exec(new Error().stack ?? "");
  return m?.[1];
})();

/** Whether a formatted stack frame is one of the library's or of Node's internals. */
const isLibraryFrame = (frame: string): boolean =>
  (LIB_DIR !== undefined && frame.includes(LIB_DIR)) ||
  frame.includes("(node:") ||
  frame.startsWith("at node:") ||
  GENERATOR_FRAME.test(frame);

/** The engine's frame of a generator's resumption (`at Generator.next (<anonymous>)`). */
const GENERATOR_FRAME = /^at Generator\.(?:next|throw|return) \(<anonymous>\)$/;

/**
 * The user's frames of a site captured deep inside the library (a task's creation goes
 * through the run loop): the library's and Node's frames are skipped, up to `max` of the
 * rest are kept. When every frame is the library's (a task made by a combinator), the
 * first library frame stands in. Formats the stack: only for a report.
 */
export const userFrames = (site: CallSite, max = 3): string[] => {
  const lines = (site.stack ?? "").split("\n").slice(1);
  const out: string[] = [];
  let first: string | undefined;
  for (const line of lines) {
    const frame = line.trim();
    if (!frame.startsWith("at ")) continue;
    first ??= frame;
    if (isLibraryFrame(frame)) continue;
    out.push(frame);
    if (out.length >= max) break;
  }
  if (out.length === 0 && first !== undefined) out.push(first);
  return out;
};

/** The library function that made a site `madeByLibrary` holds (`new Lock`), for a frame's name. */
export const libraryCaller = (site: CallSite): string => {
  const first = (site.stack ?? "").split("\n").find((l) => l.trim().startsWith("at "));
  const m = first === undefined ? null : /^\s*at (.*?) \(/.exec(first);
  return m?.[1] ?? "aio-ts";
};

/** Whether the function that called the one `site` was captured below is the library's own. */
export const madeByLibrary = (site: CallSite): boolean => {
  const first = (site.stack ?? "").split("\n").find((l) => l.trim().startsWith("at "));
  return first !== undefined && LIB_DIR !== undefined && first.includes(LIB_DIR);
};

/** Reports a debug finding: a Node process warning, or `console.warn` elsewhere. */
export const warn = (message: string, code: string): void => {
  const proc = (globalThis as { process?: { emitWarning?: (m: string, o: object) => void } }).process;
  if (proc?.emitWarning !== undefined) proc.emitWarning(message, { type: WARNING_TYPE, code });
  else console.warn(`${WARNING_TYPE}: ${message}`);
};

/** What made an Aio (`createTask(…)`, with the task's name if it has one) and where. */
export interface Origin {
  readonly what: string;
  readonly site: CallSite;
}

/** The text of a never-run report. */
export const neverRunMessage = (origin: Origin): string =>
  `${origin.what} made an Aio that was never run, so no task was started (a missing yield*?). ` +
  `Write \`yield* ${origin.what}\`. It was made\n    ${formatSite(origin.site)}`;

/** A never-run report to make if a tracked value is collected: its text, made only then. */
interface NeverRun {
  readonly report: () => string | undefined;
  readonly code: string;
}

let registry: FinalizationRegistry<NeverRun> | undefined;

/** Registers `aio` for a never-run report (see `trackUntilRun`); `report` answers undefined to stay quiet. */
const trackReport = (aio: object, held: NeverRun): void => {
  registry ??= new FinalizationRegistry((o: NeverRun) => {
    const message = o.report();
    if (message !== undefined) warn(message, o.code);
  });
  registry.register(aio, held, aio);
};

/**
 * Reports `aio` if it is garbage-collected without `markRun` having been called for it.
 * The held origin does not reference `aio` (it would keep it alive).
 */
export const trackUntilRun = (aio: object, origin: Origin): void =>
  trackReport(aio, { report: () => neverRunMessage(origin), code: NEVER_RUN_CODE });

/**
 * Reports an `Aio.gen` program (made in debug mode) if it is collected without ever having
 * run, as asyncio's "coroutine … was never awaited". A program made by the library's own
 * code (a lock's slow path, made once per lock and run only under contention) is not
 * reported: only the user's forgotten `yield*` is.
 */
export const trackGenUntilRun = (aio: object, name: string, site: CallSite): void =>
  trackReport(aio, {
    report: () =>
      madeByLibrary(site)
        ? undefined
        : `the Aio.gen program ${name} was made and never run (a missing yield*?). ` +
          `It was made\n    ${userFrames(site).join("\n    ")}`,
    code: GEN_NEVER_RUN_CODE,
  });

/** `aio` has run: it will not be reported. */
export const markRun = (aio: object): void => {
  registry?.unregister(aio);
};

// ---------------------------------------------------------------------------------------
// Creation sites and waiter labels (kept beside the objects, never on them: off, nothing)

/** Where each task made in debug mode was created. */
const taskSites = new WeakMap<object, CallSite>();

/** Frames captured for a task's creation site: it is made deep inside the run loop. */
const TASK_SITE_FRAMES = 10;

/** @internal Records where `task` is being created (called from its loop's `_taskStarted`). */
export const recordTaskSite = (task: object): void => {
  taskSites.set(task, callSite(recordTaskSite, TASK_SITE_FRAMES));
};

/** @internal Where `task` was created, when it was made in debug mode. */
export const taskSite = (task: object): CallSite | undefined => taskSites.get(task);

/** The first user frame of a site, without its `at `: `fn (file:line:col)`. */
export const siteLine = (site: CallSite): string => {
  let line = siteLines.get(site);
  if (line === undefined) {
    line = (userFrames(site, 1)[0] ?? "at an unknown place").replace(/^at /, "");
    siteLines.set(site, line);
  }
  return line;
};

/** Each site's `siteLine`, once made: formatting a stack is the costly part of a dump. */
const siteLines = new WeakMap<CallSite, string>();

/** What a waiter future was made for: the operation and the primitive (its `toString` says its state). */
export interface WaiterLabel {
  readonly op: string;
  readonly owner: object;
}

const waiterLabels = new WeakMap<object, WaiterLabel>();

/**
 * @internal Debug mode: `fut` is the waiter future of `op` (`"Lock.acquire"`) on `owner`,
 * so `dumpTasks` can say which lock or queue a task is blocked on. Callers test
 * `debugActive` first.
 */
export const labelWaiter = (fut: object, op: string, owner: object): void => {
  waiterLabels.set(fut, { op, owner });
};

/** @internal The label of a waiter future, if it was made in debug mode. */
export const waiterLabel = (fut: object): WaiterLabel | undefined => waiterLabels.get(fut);
