/**
 * Subprocesses: asyncio's high-level process API (asyncio/subprocess.py) on Node's
 * `child_process`. A child's pipes are streams: `stdin` a `StreamWriter`, `stdout` /
 * `stderr` `StreamReader`s; `wait()` and `communicate()` are `Aio`s, so they can be
 * cancelled, timed out and raced like any other. Cancelling them does not kill the child
 * (as asyncio); `withSubprocess` is the structured form that does.
 *
 * @example
 * ```ts
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
import * as net from "node:net";
import { constants } from "node:os";
import * as AioM from "./Aio.js";
import type { Aio } from "./Aio.js";
import { gather } from "./gather.js";
import { OSError, OSErrorBase, toSocketError, type SocketError } from "./streams/errors.js";
import { checkLimit, hostWait, noop } from "./streams/internal.js";
import { StreamReader } from "./streams/reader.js";
import { StreamWriter } from "./streams/writer.js";

// ---------------------------------------------------------------------------------------
// Errors

/**
 * The program (or the working directory) does not exist: `ENOENT` (asyncio's
 * `FileNotFoundError`).
 * @example
 * ```ts
 * import { Aio, createSubprocessExec } from "aio-ts";
 * const p = createSubprocessExec("no-such-program", []).pipe(
 *   Aio.catchTag("FileNotFoundError", (e) => Aio.succeed(e.code)), // "ENOENT"
 * );
 * ```
 */
export class FileNotFoundError extends OSErrorBase {
  readonly _tag = "FileNotFoundError" as const;
  constructor(message: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, "ENOENT", options);
    this.name = "FileNotFoundError";
  }
}

/**
 * Not allowed to run the program: `EACCES` or `EPERM` (asyncio's `PermissionError`).
 * @example
 * ```ts
 * import { PermissionError } from "aio-ts";
 * new PermissionError("spawn ./data.txt EACCES", "EACCES")._tag; // "PermissionError"
 * ```
 */
export class PermissionError extends OSErrorBase {
  readonly _tag = "PermissionError" as const;
  constructor(message: string, code = "EACCES", options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, code, options);
    this.name = "PermissionError";
  }
}

/**
 * Why a child could not be started: `FileNotFoundError`, `PermissionError`, or an
 * `OSError` with Node's code (`EAGAIN`, `EMFILE`, `ABORT_ERR` for an aborted `signal`, …).
 * @example
 * ```ts
 * import type { SpawnError } from "aio-ts";
 * const describe = (e: SpawnError) => `${e._tag} (${e.code})`;
 * ```
 */
export type SpawnError = FileNotFoundError | PermissionError | OSError;

const toSpawnError = (e: unknown): SpawnError => {
  const err = e as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
  const code = typeof err?.code === "string" ? err.code : "EIO";
  const message = typeof err?.message === "string" ? err.message : String(e);
  const options: { errno?: number; syscall?: string; cause: unknown } = { cause: e };
  if (typeof err?.errno === "number") options.errno = err.errno;
  if (typeof err?.syscall === "string") options.syscall = err.syscall;
  if (code === "ENOENT") return new FileNotFoundError(message, options);
  if (code === "EACCES" || code === "EPERM") return new PermissionError(message, code, options);
  return new OSError(message, code, options);
};

// ---------------------------------------------------------------------------------------
// Options

/**
 * A pipe to the child (asyncio.subprocess.PIPE): the `Process` gets a `StreamWriter` for
 * stdin, a `StreamReader` for stdout / stderr.
 * @example
 * ```ts
 * import { PIPE, createSubprocessExec } from "aio-ts";
 * const p = createSubprocessExec("node", ["--version"], { stdout: PIPE });
 * ```
 */
export const PIPE = "pipe" as const;

/**
 * The null device (asyncio.subprocess.DEVNULL): the child reads EOF / its output is
 * dropped.
 * @example
 * ```ts
 * import { DEVNULL, createSubprocessExec } from "aio-ts";
 * const quiet = createSubprocessExec("node", ["--version"], { stdout: DEVNULL, stderr: DEVNULL });
 * ```
 */
export const DEVNULL = "devnull" as const;

/**
 * For `stderr` only: send the child's stderr where its stdout goes (asyncio.subprocess.STDOUT).
 * With `stdout: PIPE`, both are read by the one `stdout` reader (see docs/subprocess.md for
 * how: Node has no way to give a child one pipe as two descriptors, so the two pipes feed
 * one reader, chunk by chunk as they arrive).
 * @example
 * ```ts
 * import { PIPE, STDOUT, createSubprocessShell } from "aio-ts";
 * const both = createSubprocessShell("echo out; echo err >&2", { stdout: PIPE, stderr: STDOUT });
 * ```
 */
export const STDOUT = "stdout" as const;

/**
 * The parent's own stream (asyncio's default, `None`): `null` or `INHERIT`.
 * @example
 * ```ts
 * import { INHERIT, createSubprocessExec } from "aio-ts";
 * const p = createSubprocessExec("node", ["--version"], { stdout: INHERIT });
 * ```
 */
export const INHERIT = "inherit" as const;

/**
 * Where one of the child's standard streams goes: `PIPE`, `DEVNULL`, `INHERIT` / `null`
 * (the default), or an open file descriptor of this process.
 * @example
 * ```ts
 * import { PIPE, type StdioSpec } from "aio-ts";
 * const s: StdioSpec = PIPE;
 * ```
 */
export type StdioSpec = typeof PIPE | typeof DEVNULL | typeof INHERIT | null | number;

/**
 * Options of `createSubprocessExec` / `createSubprocessShell`.
 * @example
 * ```ts
 * import { PIPE, STDOUT, type SubprocessOptions } from "aio-ts";
 * const o: SubprocessOptions = { stdin: PIPE, stdout: PIPE, stderr: STDOUT, cwd: "/tmp", env: { PATH: "/usr/bin" } };
 * ```
 */
export interface SubprocessOptions {
  /** The child's stdin (default: inherited). */
  readonly stdin?: StdioSpec;
  /** The child's stdout (default: inherited). */
  readonly stdout?: StdioSpec;
  /** The child's stderr (default: inherited); `STDOUT` merges it into stdout. */
  readonly stderr?: StdioSpec | typeof STDOUT;
  /** The child's working directory (default: this process's). */
  readonly cwd?: string | URL;
  /** The child's whole environment (default: this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Aborting it terminates the child (SIGTERM); aborted before the spawn: an `OSError` (`ABORT_ERR`). */
  readonly signal?: AbortSignal;
  /** The `limit` of the stdout / stderr readers (default 64 KiB, see `StreamReaderOptions`). */
  readonly limit?: number;
}

/**
 * The type of `proc.stdin` for a `stdin` option: a `StreamWriter` for `PIPE`, `null`
 * otherwise (both when the option's type is not known exactly).
 * @example
 * ```ts
 * import type { PIPE, StdinOf, StreamWriter } from "aio-ts";
 * const w: StdinOf<{ stdin: typeof PIPE }> = null as unknown as StreamWriter;
 * ```
 */
export type StdinOf<O extends SubprocessOptions> = O extends { readonly stdin?: infer S }
  ? S extends typeof PIPE
    ? StreamWriter
    : null
  : null;

/**
 * The type of `proc.stdout` / `proc.stderr` for the option `K`: a `StreamReader` for
 * `PIPE`, `null` otherwise (`STDOUT` included: stderr is then read from stdout).
 * @example
 * ```ts
 * import type { PIPE, ReaderOf } from "aio-ts";
 * type Out = ReaderOf<{ stdout: typeof PIPE }, "stdout">; // StreamReader
 * ```
 */
export type ReaderOf<O extends SubprocessOptions, K extends "stdout" | "stderr"> = O extends { readonly [P in K]?: infer S }
  ? S extends typeof PIPE
    ? StreamReader
    : null
  : null;

/**
 * What `communicate()` returns for options `O`: the bytes of each output that is `PIPE`,
 * `null` for the others.
 * @example
 * ```ts
 * import type { CommunicateResult, PIPE } from "aio-ts";
 * type R = CommunicateResult<{ stdout: typeof PIPE }>; // [Uint8Array, null]
 * ```
 */
export type CommunicateResult<O extends SubprocessOptions> = [BytesOf<ReaderOf<O, "stdout">>, BytesOf<ReaderOf<O, "stderr">>];

/** Bytes for a reader, `null` for no reader (distributes: `StreamReader | null` → `Uint8Array | null`). */
type BytesOf<R> = R extends StreamReader ? Uint8Array : null;

const nodeStdio = (what: string, spec: StdioSpec | undefined): "pipe" | "ignore" | "inherit" | number => {
  if (spec === undefined || spec === null || spec === INHERIT) return "inherit";
  if (spec === PIPE) return "pipe";
  if (spec === DEVNULL) return "ignore";
  if (typeof spec === "number" && Number.isInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`${what}: expected PIPE, DEVNULL, INHERIT, null or a file descriptor, got ${String(spec)}`);
};

// ---------------------------------------------------------------------------------------
// Process

/** Node's signal names → numbers, for the negative `returncode` of a killed child. */
const SIGNALS = constants.signals as Readonly<Record<string, number>>;

/** Feeds `reader` from the pipes `sockets` (two when stderr is merged): EOF once all end. */
const feedReader = (reader: StreamReader, sockets: readonly net.Socket[]): void => {
  let open = sockets.length;
  for (const s of sockets) {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (--open === 0 && reader.exception() === null) reader.feedEof();
    };
    s.on("data", (chunk: Buffer) => reader.feedData(chunk));
    s.on("end", finish);
    s.on("close", finish);
    s.on("error", (e: unknown) => reader.setException(toSocketError(e)));
  }
  // The reader pauses its transport while its buffer is full: pause every pipe feeding it.
  reader._setTransport({
    pause: () => sockets.forEach((s) => s.pause()),
    resume: () => sockets.forEach((s) => s.resume()),
  });
};

const asSocket = (stream: unknown): net.Socket => {
  // Node makes a child's pipes net.Sockets; anything else would be a Node change.
  if (!(stream instanceof net.Socket)) throw new Error("subprocess: a child's pipe is not a net.Socket");
  return stream;
};

/**
 * A running (or finished) child process (asyncio.subprocess.Process), made by
 * `createSubprocessExec` / `createSubprocessShell`.
 *
 * `stdin` is a `StreamWriter` and `stdout` / `stderr` are `StreamReader`s when they were
 * `PIPE`, `null` otherwise. `wait()` waits for the exit; `communicate()` feeds stdin, reads
 * both outputs to their end and waits. Cancelling either leaves the child running (as
 * asyncio); `close()` (asyncio's `transport.close()`) and `withSubprocess` kill it.
 *
 * @example
 * ```ts
 * import { Aio, PIPE, createSubprocessExec } from "aio-ts";
 * const echo = Aio.gen(function* () {
 *   const cat = yield* createSubprocessExec(process.execPath, ["-e", "process.stdin.pipe(process.stdout)"], {
 *     stdin: PIPE,
 *     stdout: PIPE,
 *   });
 *   const [out] = yield* cat.communicate("hello");
 *   return out; // bytes of "hello"
 * });
 * ```
 */
export class Process<O extends SubprocessOptions = SubprocessOptions> {
  /** The child's process id. */
  readonly pid: number;
  /** The child's stdin when it is `PIPE` (typed `StreamWriter` when the options say `PIPE`). */
  readonly stdin: StdinOf<O>;
  /** The child's stdout when it is `PIPE` (with stderr too when stderr is `STDOUT`). */
  readonly stdout: ReaderOf<O, "stdout">;
  /** The child's stderr when it is `PIPE`. */
  readonly stderr: ReaderOf<O, "stderr">;
  private _returncode: number | null = null;
  private readonly _exitWaiters = new Set<(aio: Aio<number>) => void>();
  private readonly _pipes: net.Socket[] = [];

  /** @internal Made by `createSubprocessExec` / `createSubprocessShell` once the child runs. */
  constructor(
    private readonly _child: ChildProcess,
    limit: number | undefined,
    mergeStderr: boolean,
  ) {
    this.pid = _child.pid as number;
    const readerOptions = limit === undefined ? {} : { limit };
    let stdin: StreamWriter | null = null;
    if (_child.stdin !== null) {
      const s = asSocket(_child.stdin);
      this._pipes.push(s);
      // The reader of a write-only pipe is never fed: it only carries the pipe's error.
      stdin = new StreamWriter(s, new StreamReader());
    }
    const out = _child.stdout === null ? [] : [asSocket(_child.stdout)];
    const err = _child.stderr === null ? [] : [asSocket(_child.stderr)];
    this._pipes.push(...out, ...err);
    let stdout: StreamReader | null = null;
    let stderr: StreamReader | null = null;
    if (mergeStderr) {
      stdout = new StreamReader(readerOptions);
      feedReader(stdout, [...out, ...err]);
    } else {
      if (out.length > 0) feedReader((stdout = new StreamReader(readerOptions)), out);
      if (err.length > 0) feedReader((stderr = new StreamReader(readerOptions)), err);
    }
    // The options' types say which of these exist (StdinOf / ReaderOf); spawn made exactly those.
    this.stdin = stdin as StdinOf<O>;
    this.stdout = stdout as ReaderOf<O, "stdout">;
    this.stderr = stderr as ReaderOf<O, "stderr">;
    if (_child.exitCode !== null || _child.signalCode !== null) this._exited(_child.exitCode, _child.signalCode);
    else _child.once("exit", (code, signal) => this._exited(code, signal));
  }

  private _exited(code: number | null, signal: NodeJS.Signals | null): void {
    this._returncode = code ?? -(signal === null ? 0 : (SIGNALS[signal] ?? 0));
    const rc = this._returncode;
    const all = [...this._exitWaiters];
    this._exitWaiters.clear();
    for (const w of all) w(AioM.succeed(rc));
  }

  /** The Node `ChildProcess` under this process, for what this class does not cover. */
  get transport(): ChildProcess {
    return this._child;
  }

  /**
   * The exit status: `null` while the child runs, its exit code once it exited, or the
   * negative signal number when a signal killed it (`-9` for SIGKILL), as asyncio.
   * @example
   * ```ts
   * import type { Process } from "aio-ts";
   * const running = (p: Process) => p.returncode === null;
   * ```
   */
  get returncode(): number | null {
    return this._returncode;
  }

  /**
   * Waits until the child exits and returns its `returncode` (asyncio wait). Cancelling it
   * does not kill the child. It does not wait for the pipes: output the child wrote stays
   * readable from `stdout` / `stderr` afterwards (their EOF comes once the pipes close).
   * @example
   * ```ts
   * import { Aio, createSubprocessExec } from "aio-ts";
   * const code = createSubprocessExec(process.execPath, ["-e", "process.exit(3)"]).pipe(
   *   Aio.flatMap((p) => p.wait()), // 3
   * );
   * ```
   */
  wait(): Aio<number> {
    return AioM.suspend(() => {
      const rc = this._returncode;
      if (rc !== null) return AioM.succeed(rc);
      return hostWait<number, never>((resume) => {
        this._exitWaiters.add(resume);
        return () => void this._exitWaiters.delete(resume);
      });
    });
  }

  /**
   * Sends `input` (if any) to stdin and closes it, reads stdout and stderr to their end,
   * and waits for the exit (asyncio communicate): the `[stdout, stderr]` bytes, `null` for
   * one that is not `PIPE`. A child that exits without reading its input is not an error
   * (the broken pipe is ignored, as asyncio). Cancelling it does not kill the child.
   * `input` with a stdin that is not `PIPE` is a `TypeError`.
   * @example
   * ```ts
   * import { Aio, PIPE, createSubprocessExec, decodeText } from "aio-ts";
   * const upper = Aio.gen(function* () {
   *   const p = yield* createSubprocessExec(
   *     process.execPath,
   *     ["-e", "process.stdin.on('data', (d) => process.stdout.write(String(d).toUpperCase()))"],
   *     { stdin: PIPE, stdout: PIPE },
   *   );
   *   const [out] = yield* p.communicate("shout");
   *   return decodeText(out ?? new Uint8Array()); // "SHOUT"
   * });
   * ```
   */
  communicate(input?: Uint8Array | string): Aio<CommunicateResult<O>, SocketError> {
    const stdin = this.stdin as StreamWriter | null;
    if (input !== undefined && stdin === null) throw new TypeError("Process.communicate: input given but stdin is not PIPE");
    return AioM.suspend(() =>
      gather(feedStdin(stdin, input), readAll(this.stdout), readAll(this.stderr)).pipe(
        AioM.flatMap(([, out, err]) => this.wait().pipe(AioM.as([out, err] as CommunicateResult<O>))),
      ),
    );
  }

  /**
   * Sends a signal to the child (asyncio send_signal): a name (`"SIGINT"`) or a number.
   * Nothing happens once the child has exited. An unknown signal is a `TypeError`.
   * @example
   * ```ts
   * import type { Process } from "aio-ts";
   * const interrupt = (p: Process) => p.sendSignal("SIGINT");
   * ```
   */
  sendSignal(signal: NodeJS.Signals | number): void {
    if (this._returncode !== null) return;
    this._child.kill(signal);
  }

  /**
   * Asks the child to stop: SIGTERM (asyncio terminate).
   * @example
   * ```ts
   * import { Aio, type Process } from "aio-ts";
   * const stop = (p: Process) => Aio.suspend(() => (p.terminate(), p.wait())); // -15
   * ```
   */
  terminate(): void {
    this.sendSignal("SIGTERM");
  }

  /**
   * Kills the child: SIGKILL (asyncio kill).
   * @example
   * ```ts
   * import { Aio, type Process } from "aio-ts";
   * const stop = (p: Process) => Aio.suspend(() => (p.kill(), p.wait())); // -9
   * ```
   */
  kill(): void {
    this.sendSignal("SIGKILL");
  }

  /**
   * Closes the process's transport (asyncio's `transport.close()`): kills the child if it
   * still runs (SIGKILL) and closes its pipes (unread output is dropped). Idempotent.
   * Follow it with `wait()` to reap the child.
   * @example
   * ```ts
   * import { Aio, type Process } from "aio-ts";
   * const dispose = (p: Process) => Aio.suspend(() => (p.close(), p.wait()));
   * ```
   */
  close(): void {
    this.kill();
    (this.stdin as StreamWriter | null)?.abort();
    for (const s of this._pipes) s.destroy();
  }

  /** @internal Kills (if running), closes the pipes and waits for the exit. */
  _closeAndReap(): Aio<number> {
    return AioM.suspend(() => (this.close(), this.wait()));
  }
}

/** asyncio's `_feed_stdin`: write, drain (a broken pipe is not an error), close. */
const feedStdin = (stdin: StreamWriter | null, input: Uint8Array | string | undefined): Aio<void, SocketError> => {
  if (stdin === null) return AioM.void;
  const write: Aio<void, SocketError> = AioM.suspend(() => {
    if (input === undefined || input.length === 0) return AioM.void;
    stdin.write(input);
    return stdin.drain();
  });
  return write.pipe(
    AioM.catchAll((e) =>
      e._tag === "BrokenPipeError" || e._tag === "ConnectionResetError" ? AioM.void : AioM.fail(e),
    ),
    AioM.ensuring(AioM.sync(() => stdin.close())),
  );
};

const EMPTY = new Uint8Array(0);

const readAll = (reader: StreamReader | null): Aio<Uint8Array | null, SocketError> =>
  reader === null ? AioM.succeed(null) : reader.read(-1).pipe(AioM.map((b) => (b.length === 0 ? EMPTY : b)));

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
 * ```ts
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
