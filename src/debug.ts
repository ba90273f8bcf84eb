/**
 * Debug mode's inspection and checks that need the core (asyncio's `debug=True`):
 * - `taskInfo` / `dumpTasks`: every pending task with what it is suspended on and its chain
 *   of `Aio.gen` frames (`loop.taskInfo()`, `loop.dumpTasks()`, `task.getStack()`);
 * - the debug variant of the loop's batch of callbacks, which reports a callback or task
 *   step that held the loop longer than `loop.slowCallbackDuration` (asyncio's "Executing
 *   <Task …> took 0.123 seconds");
 * - `DebugGen`: an `Aio.gen` program made in debug mode, which remembers where it was made
 *   (for its frames in a task's stack) and is reported if collected without having run.
 *
 * Nothing here runs while debug mode is off: the loop chooses the debug batch once per
 * batch, and `Aio.gen` makes a `DebugGen` only when `debugActive`.
 * @module debug
 */
import { RUNNING, SCHEDULED, SUSPENDED, type Fiber } from "./internal/aio.js";
import { AsyncToken, FiberTimer, asyncDebugAccess } from "./internal/async.js";
import { Task, debugHooks, fiberDebugAccess } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { Gen, genDebugAccess } from "./internal/gen.js";
import type { Runnable } from "./internal/loop.js";
import {
  SLOW_CALLBACK_CODE,
  callSite,
  enterDebugBatch,
  leaveDebugBatch,
  libraryCaller,
  madeByLibrary,
  markRun,
  siteLine,
  taskSite,
  trackGenUntilRun,
  userFrames,
  waiterLabel,
  warn,
  type CallSite,
} from "./internal/debug.js";

/**
 * One pending task as `loop.taskInfo()` describes it.
 * - `state`: `"ready"` (on the ready queue), `"running"` (its code is on the JS stack now:
 *   the task that called `taskInfo`), or `"suspended"`.
 * - `waitingOn`: what it waits for, in words: `sleep until t=1234.5 ms (in 200.0 ms)`,
 *   `task "worker"`, `Lock.acquire on <Lock [locked, waiters:3]>`, `a future`, …
 * - `createdAt`: where the task was created (its first user frame), in debug mode only.
 * - `stack`: its `Aio.gen` frames, innermost first (see `Task.getStack`).
 * @example
 * ```ts runnable
 * import { Aio, run, getRunningLoop, type TaskInfo } from "aio-ts";
 * const infos: TaskInfo[] = await run(Aio.sync(() => getRunningLoop().taskInfo()));
 * infos[0]?.state; // "running": the main task itself
 * ```
 */
export interface TaskInfo {
  readonly task: Task<unknown, unknown>;
  readonly name: string;
  readonly state: "ready" | "running" | "suspended";
  readonly waitingOn: string;
  readonly createdAt?: string;
  readonly stack: readonly string[];
}

/** What `taskInfo` and the slow-callback report need of a loop. */
interface InspectedLoop {
  time(): number;
  allTasks(): Set<Task<unknown, unknown>>;
  getDebug(): boolean;
  readonly slowCallbackDuration: number;
  // The one report made here, not `ExceptionContext`: loop-options.ts imports Aio.ts,
  // which imports this module (`DebugGen`), so naming it would be an import cycle.
  callExceptionHandler(context: {
    readonly message: string;
    readonly exception: unknown;
    readonly handle: unknown;
  }): void;
}

// The kernel's module-private names, handed over in one object per module (see
// `genDebugAccess` in internal/gen.ts): the kernel never imports this module.
const { GenFrame } = genDebugAccess;
const { NEVER_TOKEN } = asyncDebugAccess;
const { PREEMPTED } = fiberDebugAccess;

// ---------------------------------------------------------------------------------------
// Aio.gen in debug mode

/** The `DebugGen` each generator object started by one belongs to (names its frame). */
const genOfIterator = new WeakMap<object, DebugGen<unknown, unknown>>();

const bodyName = (body: object): string => {
  const name = (body as { readonly name?: unknown }).name;
  return typeof name === "string" && name !== "" ? name : "<anonymous>";
};

/**
 * @internal An `Aio.gen` program made in debug mode: it records where it was made, gives
 * each run its own frame (no native delegation, so every program on a task's chain shows
 * in its stack), and is reported as never run if collected before its first run.
 */
export class DebugGen<A, E> extends Gen<A, E> {
  /** Where `Aio.gen` was called. */
  declare readonly site: CallSite;
  constructor(body: () => Iterator<unknown, A, unknown>, below: (...args: never[]) => unknown) {
    super(body);
    this.site = callSite(below);
    trackGenUntilRun(this, bodyName(body), this.site);
  }
  override _eval(f: Fiber): ReturnType<Gen<A, E>["_eval"]> {
    markRun(this);
    const frame = new GenFrame(this.body());
    genOfIterator.set(frame.it, this as DebugGen<unknown, unknown>);
    return frame._start(f);
  }
  /** No native delegation: the program runs on a frame of its own, so its stack shows it. */
  override [Symbol.iterator](): ReturnType<Gen<A, E>[typeof Symbol.iterator]> {
    return this;
  }
}

// ---------------------------------------------------------------------------------------
// What a task waits on, and its frames

const ms = (x: number): string => `${x.toFixed(1)} ms`;

/** What `t` waits on, in words (see `TaskInfo.waitingOn`). */
const describeWait = (t: Task<unknown, unknown>, now: number): string => {
  const state = t._runState;
  const w = t._waitingOn;
  if (state === RUNNING) return "running";
  if (state === SCHEDULED) return w === PREEMPTED ? "ready (put back by its step budget)" : "ready";
  if (state !== SUSPENDED) return "done";
  if (w instanceof FiberTimer) return `sleep until t=${ms(w._when)} (in ${ms(w._when - now)})`;
  if (w instanceof Task) return `task ${JSON.stringify(w.getName())}`;
  if (w instanceof Future) {
    const label = waiterLabel(w);
    return label === undefined ? "a future" : `${label.op} on ${String(label.owner)}`;
  }
  if (w instanceof AsyncToken)
    return w.release !== undefined ? "a host operation (Aio.promise or a host callback)" : "a callback (Aio.async)";
  if (w === NEVER_TOKEN) return "Aio.never (only a cancellation ends it)";
  return "something the loop does not know";
};

/** `t`'s `Aio.gen` frames, innermost first. */
const stackOf = (t: Task<unknown, unknown>): string[] => {
  const frames = t._stack;
  const out: string[] = [];
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (!(frame instanceof GenFrame)) continue;
    const g = genOfIterator.get(frame.it);
    out.push(
      g === undefined
        ? "Aio.gen (made with debug mode off: no name or site)"
        : madeByLibrary(g.site)
          ? `${bodyName(g.body)} (Aio.gen made inside aio-ts by ${libraryCaller(g.site)})`
          : `${bodyName(g.body)} (Aio.gen made at ${siteLine(g.site)})`,
    );
  }
  return out;
};
debugHooks.getStack = stackOf;

const createdAt = (t: Task<unknown, unknown>): string | undefined => {
  const site = taskSite(t);
  return site === undefined ? undefined : siteLine(site);
};

/**
 * @internal `loop.taskInfo()`: the pending tasks of `loop`, oldest first. O(tasks + frames).
 */
export const taskInfo = (loop: InspectedLoop): TaskInfo[] => {
  const now = loop.time();
  const tasks = [...loop.allTasks()].reverse(); // the loop's list is newest first
  return tasks.map((task) => {
    const state = task._runState;
    const at = createdAt(task);
    const info = {
      task,
      name: task.getName(),
      state: state === RUNNING ? "running" : state === SCHEDULED ? "ready" : "suspended",
      waitingOn: describeWait(task, now),
      stack: stackOf(task),
    } as const;
    return at === undefined ? info : { ...info, createdAt: at };
  });
};

/** @internal `loop.dumpTasks()`: `taskInfo` as text, a few lines per task. */
export const dumpTasks = (loop: InspectedLoop): string => {
  const infos = taskInfo(loop);
  const lines: string[] = [
    `${infos.length} pending task${infos.length === 1 ? "" : "s"} at t=${ms(loop.time())}` +
      (loop.getDebug() ? ":" : " (debug mode off: no creation sites, no names of Aio.gen frames):"),
  ];
  for (const i of infos) {
    lines.push(`Task ${JSON.stringify(i.name)}: ${i.waitingOn}`);
    if (i.createdAt !== undefined) lines.push(`    created at ${i.createdAt}`);
    for (const frame of i.stack) lines.push(`    at ${frame}`);
  }
  return lines.join("\n");
};

// ---------------------------------------------------------------------------------------
// Slow callbacks

/** A task in one line, as asyncio's repr: name, state, innermost frame, creation site. */
const describeTask = (t: Task<unknown, unknown>, now: number): string => {
  const top = stackOf(t)[0];
  const at = createdAt(t);
  return (
    `<Task ${JSON.stringify(t.getName())} ${t.done() ? "done" : describeWait(t, now)}` +
    `${top === undefined ? "" : `, in ${top}`}${at === undefined ? "" : `, created at ${at}`}>`
  );
};

/** A ready-queue entry in one line: the task it steps, or the callback's function. */
const describeRunnable = (r: Runnable, now: number): string => {
  if (r instanceof Task) return describeTask(r, now);
  if (r instanceof FiberTimer && r.fiber instanceof Task) return describeTask(r.fiber, now); // a sleep ending
  const fn = (r as { _fn?: { name?: unknown } })._fn;
  if (typeof fn === "function") return `<Handle ${bodyName(fn)}()>`;
  return `<${(r as object).constructor.name}>`;
};

/**
 * @internal The loop's batch of callbacks in debug mode: each is timed, and one that took
 * `loop.slowCallbackDuration` ms or more is reported as a process warning (code
 * `AIO_SLOW_CALLBACK`). Values made meanwhile are made in debug mode (`debugActive`).
 */
export const runBatchDebug = (loop: InspectedLoop, batch: readonly Runnable[]): void => {
  enterDebugBatch();
  try {
    const limit = loop.slowCallbackDuration;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const t0 = performance.now();
      try {
        r._run();
      } catch (e) {
        loop.callExceptionHandler({ message: "Exception in callback", exception: e, handle: r });
      }
      const dt = performance.now() - t0;
      if (dt >= limit)
        warn(
          `Executing ${describeRunnable(r, loop.time())} took ${(dt / 1000).toFixed(3)} seconds`,
          SLOW_CALLBACK_CODE,
        );
    }
  } finally {
    leaveDebugBatch();
  }
};

/** @internal Where `task` was created, its user frames one per line (debug mode), for a report. */
export const sourceTraceback = (task: object): string | undefined => {
  const site = taskSite(task);
  return site === undefined ? undefined : userFrames(site).join("\n");
};
