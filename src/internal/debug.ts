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

/** Whether debug mode is on. A plain `let`: read once per `createTask` call. */
export let debugMode: boolean = readEnv();

/** @internal Turns debug mode on or off. */
export const setDebugMode = (enabled: boolean): void => {
  debugMode = enabled;
};

/** The warning `type`/`code` of every debug report (for `process.on("warning")` filters). */
export const WARNING_TYPE = "AioWarning";
export const NEVER_RUN_CODE = "AIO_TASK_NEVER_RUN";

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
export const callSite = (below: (...args: never[]) => unknown): CallSite => {
  const site: CallSite = {};
  const E = Error as { captureStackTrace?: (o: object, f: unknown) => void; stackTraceLimit?: number | undefined };
  const capture = E.captureStackTrace;
  if (capture !== undefined) {
    // A few frames are enough to name the user's call (the rest is the run loop), and
    // capturing fewer costs less.
    const limit = E.stackTraceLimit;
    E.stackTraceLimit = SITE_FRAMES;
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

let registry: FinalizationRegistry<Origin> | undefined;

/**
 * Reports `aio` if it is garbage-collected without `markRun` having been called for it.
 * The held origin does not reference `aio` (it would keep it alive).
 */
export const trackUntilRun = (aio: object, origin: Origin): void => {
  registry ??= new FinalizationRegistry((o: Origin) => warn(neverRunMessage(o), NEVER_RUN_CODE));
  registry.register(aio, origin, aio);
};

/** `aio` has run: it will not be reported. */
export const markRun = (aio: object): void => {
  registry?.unregister(aio);
};
