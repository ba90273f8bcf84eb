/**
 * The options of a subprocess (stdio values `PIPE`, `DEVNULL`, `STDOUT`, `INHERIT`, the
 * types that follow them) and its spawn errors.
 * @module subprocess/options
 */
import { OSError, OSErrorBase } from "../streams/errors.js";
import type { StreamReader } from "../streams/reader.js";
import type { StreamWriter } from "../streams/writer.js";

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

/** @internal A Node spawn error as the typed `SpawnError`. */
export const toSpawnError = (e: unknown): SpawnError => {
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

/** @internal A stdio option as Node's `spawn` takes it. */
export const nodeStdio = (what: string, spec: StdioSpec | undefined): "pipe" | "ignore" | "inherit" | number => {
  if (spec === undefined || spec === null || spec === INHERIT) return "inherit";
  if (spec === PIPE) return "pipe";
  if (spec === DEVNULL) return "ignore";
  if (typeof spec === "number" && Number.isInteger(spec) && spec >= 0) return spec;
  throw new TypeError(`${what}: expected PIPE, DEVNULL, INHERIT, null or a file descriptor, got ${String(spec)}`);
};
