/**
 * Subprocesses: asyncio's high-level process API (asyncio/subprocess.py) on Node's
 * `child_process`. A child's pipes are streams: `stdin` a `StreamWriter`, `stdout` /
 * `stderr` `StreamReader`s; `wait()` and `communicate()` are `Aio`s, so they can be
 * cancelled, timed out and raced like any other. Cancelling them does not kill the child
 * (as asyncio); `withSubprocess` is the structured form that does.
 *
 * @example
 * ```ts runnable
 * import { Aio, PIPE, createSubprocessExec, decodeText } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   const proc = yield* createSubprocessExec(process.execPath, ["-e", "console.log('hi')"], { stdout: PIPE });
 *   const [out] = yield* proc.communicate();
 *   return [proc.returncode, decodeText(out ?? new Uint8Array())]; // [0, "hi\n"]
 * });
 * ```
 * @module subprocess
 */
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import * as AioM from "./Aio.js";
import type { Aio } from "./Aio.js";
import { OSError } from "./streams/errors.js";
import { checkLimit, hostWait, noop } from "./streams/internal.js";
import {
  STDOUT,
  nodeStdio,
  toSpawnError,
  type SpawnError,
  type SubprocessOptions,
} from "./subprocess/options.js";
import { Process } from "./subprocess/process.js";

// The options and errors (src/subprocess/options.ts) and `Process`
// (src/subprocess/process.ts) live in their own modules; every public name is here.
export {
  DEVNULL,
  FileNotFoundError,
  INHERIT,
  PIPE,
  PermissionError,
  STDOUT,
  type CommunicateResult,
  type ReaderOf,
  type SpawnError,
  type StdinOf,
  type StdioSpec,
  type SubprocessOptions,
} from "./subprocess/options.js";
export { Process } from "./subprocess/process.js";

// ---------------------------------------------------------------------------------------
// Spawning

const abortError = (signal: AbortSignal): OSError =>
  new OSError("The operation was aborted", "ABORT_ERR", { cause: signal.reason });

/** Kills a half-made child and waits for its exit, so none is left behind. */
const reap = (child: ChildProcess): Aio<void> =>
  AioM.suspend(() => {
    for (const s of [child.stdin, child.stdout, child.stderr]) s?.destroy();
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return AioM.void;
    child.kill("SIGKILL");
    return hostWait<void, never>((resume) => {
      const onExit = (): void => resume(AioM.void);
      child.once("exit", onExit);
      return () => void child.off("exit", onExit);
    });
  });

const spawnProcess = <O extends SubprocessOptions>(
  what: string,
  file: string,
  args: readonly string[],
  shell: boolean,
  options: O,
): Aio<Process<O>, SpawnError> => {
  checkLimit(what, options.limit);
  const stdout = nodeStdio(`${what}: stdout`, options.stdout);
  // STDOUT: stderr goes where stdout goes; a pipe is merged into the stdout reader.
  const toStdout = options.stderr === STDOUT;
  const stderr = toStdout ? (stdout === "inherit" ? 1 : stdout) : nodeStdio(`${what}: stderr`, options.stderr);
  const merge = toStdout && stdout === "pipe";
  const stdio: StdioOptions = [nodeStdio(`${what}: stdin`, options.stdin), stdout, stderr];
  const { cwd, env, signal, limit } = options;
  return AioM.suspend(() => {
    let child: ChildProcess | undefined;
    return hostWait<Process<O>, SpawnError>((resume) => {
      if (signal?.aborted === true) {
        resume(AioM.fail(abortError(signal)));
        return noop;
      }
      let c: ChildProcess;
      try {
        c = spawn(file, args, {
          stdio,
          shell,
          ...(cwd === undefined ? {} : { cwd }),
          ...(env === undefined ? {} : { env }),
        });
      } catch (e) {
        // Node throws some system errors at once (others come as 'error'); a TypeError
        // here is bad input (a defect).
        const code = (e as { code?: unknown })?.code;
        resume(typeof code === "string" && /^E[A-Z]+$/.test(code) ? AioM.fail(toSpawnError(e)) : AioM.die(e));
        return noop;
      }
      child = c;
      // Kept for the child's life: a late 'error' (a failed kill) must not be uncaught.
      c.on("error", noop);
      const onSpawn = (): void => {
        c.off("error", onError);
        const proc = new Process<O>(c, limit, merge);
        if (signal !== undefined) {
          const onAbort = (): void => proc.terminate();
          signal.addEventListener("abort", onAbort, { once: true });
          c.once("exit", () => signal.removeEventListener("abort", onAbort));
          if (signal.aborted) proc.terminate();
        }
        resume(AioM.succeed(proc));
      };
      const onError = (e: unknown): void => {
        c.off("spawn", onSpawn);
        for (const s of [c.stdin, c.stdout, c.stderr]) s?.destroy();
        resume(AioM.fail(toSpawnError(e)));
      };
      c.once("spawn", onSpawn);
      c.once("error", onError);
      return () => {
        c.off("spawn", onSpawn);
        c.off("error", onError);
      };
    }).pipe(
      // Cancelled while spawning (or before the fiber took the Process): kill and reap the
      // half-made child (asyncio closes the transport and awaits its _wait()).
      AioM.onInterrupt(() => (child === undefined ? AioM.void : reap(child))),
    );
  });
};

const checkString = (what: string, name: string, s: unknown): void => {
  if (typeof s !== "string" || s.length === 0) throw new TypeError(`${what}: ${name} must be a non-empty string`);
};

/**
 * Starts `program` with `args` (asyncio create_subprocess_exec): no shell, the arguments
 * are passed as they are. The `Process` is returned once the child runs; a program that
 * cannot be started fails with a typed `SpawnError` (`FileNotFoundError` for `ENOENT`).
 * Cancelling it kills and reaps the half-made child. Bad arguments are a `TypeError`.
 * @example
 * ```ts
 * import { Aio, PIPE, createSubprocessExec, decodeText } from "aio-ts";
 * const version = Aio.gen(function* () {
 *   const p = yield* createSubprocessExec(process.execPath, ["--version"], { stdout: PIPE });
 *   const [out] = yield* p.communicate();
 *   return decodeText(out ?? new Uint8Array()).trim(); // "v20.…"
 * });
 * ```
 */
export const createSubprocessExec = <const O extends SubprocessOptions = {}>(
  program: string,
  args: readonly string[] = [],
  options: O = {} as O,
): Aio<Process<O>, SpawnError> => {
  checkString("createSubprocessExec", "program", program);
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
    throw new TypeError("createSubprocessExec: args must be an array of strings");
  return spawnProcess("createSubprocessExec", program, [...args], false, options);
};

/**
 * Runs `cmd` through the system shell, `/bin/sh -c` (asyncio create_subprocess_shell).
 * Quote what goes into it yourself; `createSubprocessExec` needs no quoting.
 * @example
 * ```ts
 * import { Aio, PIPE, createSubprocessShell } from "aio-ts";
 * const p = createSubprocessShell("echo hello | tr a-z A-Z", { stdout: PIPE }).pipe(
 *   Aio.flatMap((proc) => proc.communicate()),
 * );
 * ```
 */
export const createSubprocessShell = <const O extends SubprocessOptions = {}>(
  cmd: string,
  options: O = {} as O,
): Aio<Process<O>, SpawnError> => {
  checkString("createSubprocessShell", "cmd", cmd);
  return spawnProcess("createSubprocessShell", cmd, [], true, options);
};

/**
 * Runs `use(proc)` on the child `spawn` starts, then, however `use` ends (a value, a
 * failure, a cancellation), kills the child if it still runs (SIGKILL), closes its pipes
 * and waits for its exit: no child outlives the scope. The spawn itself stays cancellable.
 * To let the child finish normally, end `use` with `proc.wait()` or `proc.communicate()`.
 * @example
 * ```ts runnable
 * import { Aio, PIPE, createSubprocessExec, withSubprocess } from "aio-ts";
 * const firstLine = withSubprocess(
 *   createSubprocessExec(process.execPath, ["-e", "setInterval(() => console.log('tick'), 10)"], { stdout: PIPE }),
 *   (proc) => proc.stdout.readline(), // the child is killed once the line is read
 * );
 * ```
 */
export const withSubprocess = <O extends SubprocessOptions, A, E, E0>(
  spawn: Aio<Process<O>, E0>,
  use: (proc: Process<O>) => Aio<A, E>,
): Aio<A, E | E0> =>
  AioM.uninterruptibleMask((restore) =>
    restore(spawn).pipe(
      AioM.flatMap((proc) => restore(AioM.suspend(() => use(proc))).pipe(AioM.ensuring(proc._closeAndReap()))),
    ),
  );
