/**
 * `Process`: a running (or finished) child, its pipes as streams (asyncio.subprocess.Process).
 * @module subprocess/process
 */
import type { ChildProcess } from "node:child_process";
import * as net from "node:net";
import { constants } from "node:os";
import * as AioM from "../Aio.js";
import type { Aio } from "../Aio.js";
import { gather } from "../gather.js";
import { toSocketError, type SocketError } from "../streams/errors.js";
import { hostWait } from "../streams/internal.js";
import { StreamReader } from "../streams/reader.js";
import { StreamWriter } from "../streams/writer.js";
import type { CommunicateResult, ReaderOf, StdinOf, SubprocessOptions } from "./options.js";

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
  /** @internal */
  private _returncode: number | null = null;
  /** @internal */
  private readonly _exitWaiters = new Set<(aio: Aio<number>) => void>();
  /** @internal */
  private readonly _pipes: net.Socket[] = [];

  /** @internal Made by `createSubprocessExec` / `createSubprocessShell` once the child runs. */
  constructor(
    /** @internal */ private readonly _child: ChildProcess,
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

  /** @internal */
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
