/**
 * Helpers shared by the test files: running programs on a virtual-time loop (`V`, `vrun`,
 * `vexit`, `now`, `settle`), inspecting exits and tasks, starting and cancelling tasks
 * (`started`, `cancelAndJoin`, `cancelAfter`), a few small programs, a loop that records
 * its exception-handler calls, and the log sink the example tests use (`collect`,
 * `runInstantly`, `vrunLines`), and `runNode` for child processes. Only `expectInterrupted` and `runInstantly` assert, and
 * they say so.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { Aio, CancelledError, Exit, createTask, getRunningLoop, newEventLoop, run, runExit } from "../src/index.js";
import type { EventLoop, ExceptionContext, Task } from "../src/index.js";

// ---------------------------------------------------------------------------------------
// Running on the virtual clock

/** Loop options for a virtual-time loop: its clock jumps to the next deadline when idle. */
export const V = { virtualTime: true } as const;

/** Runs `aio` on a fresh virtual-time loop: its value (rejects with its failure). */
export const vrun = <A, E>(aio: Aio.Aio<A, E>): Promise<A> => run(aio, V);

/** Runs `aio` on a fresh virtual-time loop: its Exit. */
export const vexit = <A, E>(aio: Aio.Aio<A, E>): Promise<Exit.Exit<A, E>> => runExit(aio, V);

/** The running loop's time (ms); call it from inside a program. */
export const now = (): number => getRunningLoop().time();

/** Lets every ready task run (a few loop iterations). */
export const settle: Aio.Aio<void> = Aio.gen(function* () {
  for (let i = 0; i < 5; i++) yield* Aio.yieldNow;
});

// ---------------------------------------------------------------------------------------
// Exits

/** The Exit of an Aio, Task or Future (never fails). */
export const exitOf = <A, E>(y: Aio.Yieldable<A, E>): Aio.Aio<Exit.Exit<A, E>> => Aio.exit(Aio.from(y));

/** Whether `t` has ended and ended interrupted (cancelled). */
export const interrupted = (t: Task<unknown, unknown>): boolean => {
  const e = t.getExit();
  return e !== undefined && Exit.isInterrupted(e);
};

/** The typed error of a failed exit, or undefined. */
export const errorOf = <A, E>(e: Exit.Exit<A, E> | undefined): E | undefined =>
  e !== undefined && e._tag === "Failure" && e.cause._tag === "Fail" ? e.cause.error : undefined;

/** The defect of a died exit, or undefined. */
export const defectOf = <A, E>(e: Exit.Exit<A, E>): unknown =>
  e._tag === "Failure" && e.cause._tag === "Die" ? e.cause.defect : undefined;

/**
 * Asserts that `exit` is a Failure whose cause is an Interrupt carrying `message`
 * (undefined when no message is given).
 */
export const expectInterrupted = (exit: Exit.Exit<unknown, unknown> | undefined, message?: string): void => {
  expect(exit?._tag).toBe("Failure");
  if (exit === undefined || exit._tag !== "Failure") return;
  expect(exit.cause._tag).toBe("Interrupt");
  if (exit.cause._tag === "Interrupt") expect(exit.cause.message).toBe(message);
};

// ---------------------------------------------------------------------------------------
// Starting and cancelling tasks

/** The tasks that run the programs of `T`, element by element. */
export type TasksOf<T extends ReadonlyArray<Aio.Aio<unknown, unknown>>> = {
  -readonly [K in keyof T]: T[K] extends Aio.Aio<infer A, infer E> ? Task<A, E> : never;
};

/**
 * Starts each of `aios` as a task, in order, then lets them all run until they block
 * (`settle`, once, after the last is created); the tasks.
 */
export const started = <const T extends ReadonlyArray<Aio.Aio<unknown, unknown>>>(...aios: T): Aio.Aio<TasksOf<T>> =>
  Aio.gen(function* () {
    const tasks: Array<Task<unknown, unknown>> = [];
    for (const aio of aios) tasks.push(yield* createTask(aio));
    yield* settle;
    return tasks as TasksOf<T>;
  });

/** Cancels `t` (with `msg`), then joins it: its Exit. */
export const cancelAndJoin = <A, E>(t: Task<A, E>, msg?: string): Aio.Aio<Exit.Exit<A, E>> =>
  Aio.suspend(() => {
    t.cancel(msg);
    return exitOf(t);
  });

/**
 * Runs `child` as a task, cancels it after `afterMs` (loop time) with `msg`, then joins
 * it: its exit, the loop time at which the join returned, what `cancel` returned, and
 * the task.
 */
export const cancelAfter = <A, E>(child: Aio.Aio<A, E>, afterMs: number, msg?: string) =>
  Aio.gen(function* () {
    const t = yield* createTask(child);
    yield* Aio.sleep(afterMs);
    const accepted = t.cancel(msg);
    const exit = yield* Aio.exit(Aio.from(t));
    return { exit, time: getRunningLoop().time(), accepted, task: t };
  });

// ---------------------------------------------------------------------------------------
// Small programs

/** Fails with `error` after `ms`. */
export const failing = <E>(ms: number, error: E): Aio.Aio<never, E> =>
  Aio.sleep(ms).pipe(Aio.flatMap(() => Aio.fail(error)));

/**
 * Sleeps `ms`, then returns `value`. Logs `"<name> end@<t>"` into `log` when it ends, or
 * `"<name> cancelled@<t>"` when cancelled (the CancelledError is re-thrown); with
 * `logStart`, also `"<name> start@<t>"` first.
 */
export const loggedSleep = <A>(name: string, ms: number, value: A, log: string[], logStart: boolean): Aio.Aio<A> =>
  Aio.gen(function* () {
    if (logStart) log.push(`${name} start@${now()}`);
    try {
      yield* Aio.sleep(ms);
    } catch (e) {
      if (e instanceof CancelledError) log.push(`${name} cancelled@${now()}`);
      throw e;
    }
    log.push(`${name} end@${now()}`);
    return value;
  });

// ---------------------------------------------------------------------------------------
// Loops

/** A fresh virtual-time loop whose exception handler appends every context to `reported`. */
export const reportingLoop = (): { loop: EventLoop; reported: ExceptionContext[] } => {
  const loop = newEventLoop(V);
  const reported: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => void reported.push(ctx));
  return { loop, reported };
};

/**
 * From inside a program: schedules a callback that logs "cb1" and schedules another that
 * logs "cb2", so "cb2" runs one loop iteration after "cb1".
 */
export const scheduleCb1ThenCb2 = (log: string[]): void => {
  const loop = getRunningLoop();
  loop.callSoon(() => {
    log.push("cb1");
    loop.callSoon(() => log.push("cb2"));
  });
};

// ---------------------------------------------------------------------------------------
// Example programs: a log sink that records the loop time

/** A line as logged: [loop time (ms) when it was printed, text]. */
export type Logged = readonly [number, string];

/** A fresh virtual-time loop and a log sink that records `loop.time()` with each line. */
export const collect = (): { loop: EventLoop; lines: Logged[]; log: (line: string) => void } => {
  const loop = newEventLoop(V);
  const lines: Logged[] = [];
  return { loop, lines, log: (line) => void lines.push([loop.time(), line]) };
};

/** The real time a virtual run may take: far below the virtual time it covers. */
export const INSTANT_MS = 500;

/**
 * Runs an example's `runExample(loop, log)` on a fresh `collect()` loop and asserts that it
 * took less than `INSTANT_MS` of real time; returns the loop, the logged lines and the
 * example's result.
 */
export const runInstantly = async <R>(
  runExample: (loop: EventLoop, log: (line: string) => void) => Promise<R>,
): Promise<{ loop: EventLoop; lines: Logged[]; result: R }> => {
  const { loop, lines, log } = collect();
  const t0 = performance.now();
  const result = await runExample(loop, log);
  expect(performance.now() - t0).toBeLessThan(INSTANT_MS);
  return { loop, lines, result };
};

/** Runs `main(log)` with `vrun`; the lines it printed, in order (without times). */
export const vrunLines = async (main: (log: (line: string) => void) => Aio.Aio<unknown, unknown>): Promise<string[]> => {
  const lines: string[] = [];
  await vrun(main((line) => void lines.push(line)));
  return lines;
};

// ---------------------------------------------------------------------------------------
// Child processes

/** What a child node process printed, and how it ended (`code` null: killed). */
export interface ChildResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The repository's root, the cwd of the child processes. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs `node [...nodeArgs] --import tsx script [...args]` from the repository root and
 * collects its output. `onLine` sees each stdout line and may signal the child; a child
 * still running after `killAfterMs` is killed (so a hang fails as `code: null`, not as a
 * test timeout).
 */
export const runNode = (
  script: string,
  options: {
    readonly nodeArgs?: readonly string[];
    readonly args?: readonly string[];
    readonly env?: NodeJS.ProcessEnv;
    readonly onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void;
    readonly killAfterMs?: number;
  } = {},
): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), "--import", "tsx", script, ...(options.args ?? [])],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], ...(options.env === undefined ? {} : { env: options.env }) },
    );
    let stdout = "";
    let stderr = "";
    let partial = "";
    const onLine = options.onLine;
    child.stdout.on("data", (d: Buffer) => {
      const text = d.toString();
      stdout += text;
      if (onLine === undefined) return;
      partial += text;
      const lines = partial.split("\n");
      partial = lines.pop()!;
      for (const l of lines) onLine(l, (s) => child.kill(s));
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), options.killAfterMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
