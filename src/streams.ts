/**
 * Streams: asyncio's high-level network I/O (asyncio/streams.py) on Node's `net` and
 * `tls`. A connection is a `StreamReader` (buffered reads: `read`, `readline`,
 * `readexactly`, `readuntil`) and a `StreamWriter` (`write` + `drain` for backpressure,
 * `close` + `waitClosed`). Every read and wait is an `Aio`, so it can be cancelled, timed
 * out and raced like any other; a cancelled read consumes nothing.
 *
 * Bytes are `Uint8Array` (at run time Node `Buffer`s, which are `Uint8Array`s).
 *
 * @example
 * ```ts
 * import { Aio, openConnection, run } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 *   writer.write("hello\n");
 *   yield* writer.drain();
 *   const line = yield* reader.readline();
 *   writer.close();
 *   yield* writer.waitClosed();
 *   return line;
 * });
 * ```
 * @module streams
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { TextDecoder } from "node:util";
import * as AioM from "./Aio.js";
import type { Aio } from "./Aio.js";
import * as Cause from "./Cause.js";
import type * as Exit from "./Exit.js";
import { getRunningLoop, type EventLoop } from "./events.js";
import type { Task } from "./tasks.js";

// ---------------------------------------------------------------------------------------
// Errors

/**
 * What every socket error has: asyncio raises `OSError` subclasses carrying an errno; here
 * `code` is Node's error code (`"ECONNRESET"`, `"EADDRINUSE"`, …), `errno` the number when
 * Node gives one, and `cause` the original Node error.
 * @example
 * ```ts
 * import { OSErrorBase, ConnectionResetError } from "aio-ts";
 * new ConnectionResetError("Connection lost") instanceof OSErrorBase; // true
 * ```
 */
export abstract class OSErrorBase extends Error {
  /** The literal tag of the concrete class. */
  abstract readonly _tag: string;
  /** Node's error code, e.g. `"ECONNREFUSED"`. */
  readonly code: string;
  /** The (negative, libuv) errno when Node gives one. */
  readonly errno: number | undefined;
  /** The system call that failed, when known (`"connect"`, `"read"`, `"write"`). */
  readonly syscall: string | undefined;
  constructor(message: string, code: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errno = options?.errno;
    this.syscall = options?.syscall;
  }
}

/**
 * A socket error that has no more specific class (asyncio's `OSError`): `EADDRINUSE`,
 * `ENOTFOUND`, `EHOSTUNREACH`, `ETIMEDOUT`, …
 * @example
 * ```ts
 * import { OSError } from "aio-ts";
 * const e = new OSError("address in use", "EADDRINUSE");
 * e._tag; // "OSError"
 * ```
 */
export class OSError extends OSErrorBase {
  readonly _tag = "OSError" as const;
  constructor(message: string, code: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, code, options);
    this.name = "OSError";
  }
}

/**
 * The peer reset the connection, or the connection was lost (asyncio's
 * `ConnectionResetError`; `drain()` after the connection is gone fails with it).
 * @example
 * ```ts
 * import { ConnectionResetError } from "aio-ts";
 * new ConnectionResetError("Connection lost").code; // "ECONNRESET"
 * ```
 */
export class ConnectionResetError extends OSErrorBase {
  readonly _tag = "ConnectionResetError" as const;
  constructor(message: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, "ECONNRESET", options);
    this.name = "ConnectionResetError";
  }
}

/**
 * A write to a connection whose peer has closed its reading side (`EPIPE`, asyncio's
 * `BrokenPipeError`).
 * @example
 * ```ts
 * import { BrokenPipeError } from "aio-ts";
 * new BrokenPipeError("broken pipe")._tag; // "BrokenPipeError"
 * ```
 */
export class BrokenPipeError extends OSErrorBase {
  readonly _tag = "BrokenPipeError" as const;
  constructor(message: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, "EPIPE", options);
    this.name = "BrokenPipeError";
  }
}

/**
 * Nothing listens at the address (`ECONNREFUSED`, asyncio's `ConnectionRefusedError`).
 * @example
 * ```ts
 * import { Aio, openConnection } from "aio-ts";
 * const p = openConnection("127.0.0.1", 1).pipe(
 *   Aio.catchTag("ConnectionRefusedError", () => Aio.succeed(null)),
 * );
 * ```
 */
export class ConnectionRefusedError extends OSErrorBase {
  readonly _tag = "ConnectionRefusedError" as const;
  constructor(message: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, "ECONNREFUSED", options);
    this.name = "ConnectionRefusedError";
  }
}

/**
 * The connection was aborted: `ECONNABORTED`, or the `signal` given to `openConnection`
 * was aborted (then `code` is `"ABORT_ERR"`).
 * @example
 * ```ts
 * import { ConnectionAbortedError } from "aio-ts";
 * new ConnectionAbortedError("aborted", "ABORT_ERR").code; // "ABORT_ERR"
 * ```
 */
export class ConnectionAbortedError extends OSErrorBase {
  readonly _tag = "ConnectionAbortedError" as const;
  constructor(message: string, code = "ECONNABORTED", options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, code, options);
    this.name = "ConnectionAbortedError";
  }
}

/**
 * A TLS failure: a handshake error or a certificate that does not verify (asyncio's
 * `ssl.SSLError` / `SSLCertVerificationError`). `code` is Node's, e.g.
 * `"DEPTH_ZERO_SELF_SIGNED_CERT"` or `"ERR_TLS_CERT_ALTNAME_INVALID"`.
 * @example
 * ```ts
 * import { SSLError } from "aio-ts";
 * new SSLError("self-signed certificate", "DEPTH_ZERO_SELF_SIGNED_CERT")._tag; // "SSLError"
 * ```
 */
export class SSLError extends OSErrorBase {
  readonly _tag = "SSLError" as const;
  constructor(message: string, code: string, options?: { errno?: number; syscall?: string; cause?: unknown }) {
    super(message, code, options);
    this.name = "SSLError";
  }
}

/**
 * The socket errors of streams, as a union to narrow with `catchTag` / `catchTags`.
 * @example
 * ```ts
 * import { Aio, openConnection, type SocketError } from "aio-ts";
 * const describe = (e: SocketError) => `${e._tag} (${e.code})`;
 * const p = openConnection("127.0.0.1", 1).pipe(Aio.catchAll((e) => Aio.succeed(describe(e))));
 * ```
 */
export type SocketError =
  | OSError
  | ConnectionResetError
  | BrokenPipeError
  | ConnectionRefusedError
  | ConnectionAbortedError
  | SSLError;

/**
 * The stream ended before the read could complete (asyncio.IncompleteReadError):
 * `partial` holds the bytes read before the end (they are consumed), `expected` the number
 * asked for (`null` for `readuntil`, which has no fixed size).
 * @example
 * ```ts
 * import { IncompleteReadError } from "aio-ts";
 * const e = new IncompleteReadError(new Uint8Array(2), 5);
 * e.message; // "2 bytes read on a total of 5 expected bytes"
 * ```
 */
export class IncompleteReadError extends Error {
  readonly _tag = "IncompleteReadError" as const;
  constructor(
    readonly partial: Uint8Array,
    readonly expected: number | null,
  ) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
    this.name = "IncompleteReadError";
  }
}

/**
 * The separator was not found within the reader's `limit` (asyncio.LimitOverrunError).
 * `consumed` is how many bytes were searched (`readuntil` leaves them in the buffer;
 * `readline` drops the overlong line, as asyncio's).
 * @example
 * ```ts
 * import { LimitOverrunError } from "aio-ts";
 * new LimitOverrunError("Separator is not found, and chunk exceed the limit", 70000).consumed; // 70000
 * ```
 */
export class LimitOverrunError extends Error {
  readonly _tag = "LimitOverrunError" as const;
  constructor(
    message: string,
    readonly consumed: number,
  ) {
    super(message);
    this.name = "LimitOverrunError";
  }
}

const TLS_CODE = /^ERR_(SSL|TLS)_|CERT|_SIGNED|UNABLE_TO_|^HOSTNAME_MISMATCH$/;

/**
 * A Node socket error as the typed `SocketError` asyncio would raise (the original is the
 * `cause`). Already-typed errors pass through.
 * @example
 * ```ts
 * import { toSocketError } from "aio-ts";
 * const e = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET", syscall: "read" });
 * toSocketError(e)._tag; // "ConnectionResetError"
 * ```
 */
export const toSocketError = (e: unknown): SocketError => {
  if (e instanceof OSErrorBase) return e as SocketError;
  const err = e as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown; library?: unknown };
  const code = typeof err?.code === "string" ? err.code : "EIO";
  const message = typeof err?.message === "string" ? err.message : String(e);
  const options: { errno?: number; syscall?: string; cause: unknown } = { cause: e };
  if (typeof err?.errno === "number") options.errno = err.errno;
  if (typeof err?.syscall === "string") options.syscall = err.syscall;
  switch (code) {
    case "ECONNRESET":
      return new ConnectionResetError(message, options);
    case "EPIPE":
      return new BrokenPipeError(message, options);
    case "ECONNREFUSED":
      return new ConnectionRefusedError(message, options);
    case "ECONNABORTED":
    case "ABORT_ERR":
      return new ConnectionAbortedError(message, code, options);
  }
  if (TLS_CODE.test(code) || err?.library === "SSL routines") return new SSLError(message, code, options);
  return new OSError(message, code, options);
};

const connectionLost = (): ConnectionResetError => new ConnectionResetError("Connection lost");

// ---------------------------------------------------------------------------------------
// StreamReader

/** asyncio's `_DEFAULT_LIMIT`: 64 KiB, the default `limit` of a reader. */
export const DEFAULT_LIMIT = 65536;

/** Options of a `StreamReader`. */
export interface StreamReaderOptions {
  /**
   * The buffer limit (default 64 KiB): `readline` / `readuntil` fail with a
   * `LimitOverrunError` when no separator is found within it, and a connection stops
   * reading from the socket while more than twice this is buffered.
   */
  readonly limit?: number;
}

/** @internal What a reader pauses and resumes (a socket). */
interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

const EMPTY: Buffer = Buffer.alloc(0);
const NEWLINE: Buffer = Buffer.from("\n");

const asBuffer = (data: Uint8Array): Buffer =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const checkSize = (what: string, n: number): void => {
  if (!Number.isInteger(n)) throw new TypeError(`${what}: expected an integer, got ${String(n)}`);
};

/**
 * A buffered byte stream (asyncio.StreamReader): a connection feeds it (`feedData`,
 * `feedEof`, `setException`) and a task reads from it. At most one task may wait for data
 * at a time (a second is a defect, asyncio's RuntimeError). A read that is cancelled while
 * waiting consumes nothing: the data stays for the next read.
 *
 * The buffer is one growable byte array (no per-chunk concatenation, no per-byte loop);
 * `read()` of a whole received chunk hands that chunk out without copying.
 *
 * @example
 * ```ts
 * import { Aio, StreamReader, runSync } from "aio-ts";
 * const r = new StreamReader();
 * r.feedData(new TextEncoder().encode("one\ntwo"));
 * r.feedEof();
 * runSync(r.readline()); // bytes of "one\n"
 * runSync(r.readline()); // bytes of "two" (the last line, without newline)
 * r.atEof(); // true
 * ```
 */
export class StreamReader {
  /** The buffer limit (see `StreamReaderOptions.limit`). */
  readonly limit: number;
  // The live bytes are _buf[_start, _end). `_owned`: _buf is ours (we may write past
  // _end); otherwise it is a chunk given to feedData, never written into.
  private _buf: Buffer = EMPTY;
  private _start = 0;
  private _end = 0;
  private _owned = false;
  private _eof = false;
  private _exception: SocketError | null = null;
  private _waiter: ((aio: Aio<void>) => void) | undefined = undefined;
  private _waiterLoop: EventLoop | undefined = undefined;
  private _transport: Pausable | undefined = undefined;
  private _paused = false;

  constructor(options: StreamReaderOptions = {}) {
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit <= 0)
      throw new RangeError(`StreamReader: limit must be a positive integer, got ${String(limit)}`);
    this.limit = limit;
  }

  /** @internal Attaches the socket that feeds this reader (paused when the buffer is full). */
  _setTransport(transport: Pausable | undefined): void {
    this._transport = transport;
    this._paused = false;
  }

  /** How many bytes are buffered, not yet read. */
  get bufferedLength(): number {
    return this._end - this._start;
  }

  /**
   * Whether the stream has ended and everything was read (asyncio at_eof).
   * @example
   * ```ts
   * import { StreamReader } from "aio-ts";
   * const r = new StreamReader();
   * r.feedEof();
   * r.atEof(); // true
   * ```
   */
  atEof(): boolean {
    return this._eof && this._end === this._start;
  }

  /**
   * The exception set by `setException` (the connection's error), or `null`.
   * @example
   * ```ts
   * import { StreamReader, ConnectionResetError } from "aio-ts";
   * const r = new StreamReader();
   * r.setException(new ConnectionResetError("reset"));
   * r.exception()?._tag; // "ConnectionResetError"
   * ```
   */
  exception(): SocketError | null {
    return this._exception;
  }

  /**
   * Makes every later read fail with `exc`, and wakes a waiting read with it (the buffer is
   * kept, but reads fail first, as asyncio's).
   * @example
   * ```ts
   * import { StreamReader, ConnectionResetError } from "aio-ts";
   * new StreamReader().setException(new ConnectionResetError("reset"));
   * ```
   */
  setException(exc: SocketError): void {
    this._exception = exc;
    this._wakeup();
  }

  /**
   * Appends bytes to the buffer and wakes a waiting read. Empty data is ignored; data after
   * `feedEof` is a `TypeError` (asyncio asserts).
   * @example
   * ```ts
   * import { StreamReader } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(Uint8Array.of(1, 2, 3));
   * r.bufferedLength; // 3
   * ```
   */
  feedData(data: Uint8Array): void {
    if (this._eof) throw new TypeError("StreamReader.feedData: data after feedEof");
    if (!(data instanceof Uint8Array)) throw new TypeError("StreamReader.feedData: expected a Uint8Array");
    const n = data.length;
    if (n === 0) return;
    const live = this._end - this._start;
    if (live === 0) {
      // The common case: adopt the chunk as the buffer, no copy.
      this._buf = asBuffer(data);
      this._start = 0;
      this._end = n;
      this._owned = false;
    } else if (this._owned && this._buf.length - this._end >= n) {
      this._buf.set(data, this._end);
      this._end += n;
    } else if (this._owned && this._buf.length >= live + n && this._start >= live) {
      // Compact in place: moving `live` bytes frees at least as many (amortised O(1)).
      this._buf.copyWithin(0, this._start, this._end);
      this._buf.set(data, live);
      this._start = 0;
      this._end = live + n;
    } else {
      const next = Buffer.allocUnsafe(Math.max(2 * (live + n), 4096));
      this._buf.copy(next, 0, this._start, this._end);
      next.set(data, live);
      this._buf = next;
      this._start = 0;
      this._end = live + n;
      this._owned = true;
    }
    this._wakeup();
    if (this._transport !== undefined && !this._paused && this._end - this._start > 2 * this.limit) {
      this._paused = true;
      this._transport.pause();
    }
  }

  /**
   * Marks the end of the stream and wakes a waiting read.
   * @example
   * ```ts
   * import { StreamReader } from "aio-ts";
   * const r = new StreamReader();
   * r.feedEof();
   * ```
   */
  feedEof(): void {
    this._eof = true;
    this._wakeup();
  }

  /**
   * Reads up to `n` bytes (asyncio read): waits until at least one byte is buffered or the
   * stream ended, then takes at most `n`. `n = -1` (the default) reads until EOF; `n = 0`
   * returns empty bytes at once. At EOF it returns empty bytes.
   * @example
   * ```ts
   * import { StreamReader, runSync } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(Uint8Array.of(1, 2, 3));
   * runSync(r.read(2)); // Uint8Array [1, 2]
   * ```
   */
  read(n = -1): Aio<Uint8Array, SocketError> {
    checkSize("StreamReader.read", n);
    return this._op<Uint8Array, SocketError>("read", () => {
      if (this._exception !== null) return AioM.fail(this._exception);
      if (n === 0) return AioM.succeed(EMPTY);
      const live = this._end - this._start;
      if (n < 0) {
        // Everything until EOF. Unlike asyncio's block loop, nothing is taken before EOF,
        // so a cancelled read(-1) loses nothing.
        return this._eof ? AioM.succeed(this._take(live)) : undefined;
      }
      if (live === 0) return this._eof ? AioM.succeed(EMPTY) : undefined;
      return AioM.succeed(this._take(Math.min(n, live)));
    });
  }

  /**
   * Reads exactly `n` bytes (asyncio readexactly). If the stream ends first, fails with an
   * `IncompleteReadError` whose `partial` holds what was buffered (consumed).
   * @example
   * ```ts
   * import { StreamReader, runSync } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(Uint8Array.of(1, 2, 3, 4));
   * runSync(r.readexactly(3)); // Uint8Array [1, 2, 3]
   * ```
   */
  readexactly(n: number): Aio<Uint8Array, SocketError | IncompleteReadError> {
    checkSize("StreamReader.readexactly", n);
    if (n < 0) throw new RangeError("StreamReader.readexactly: size can not be less than zero");
    return this._op<Uint8Array, SocketError | IncompleteReadError>("readexactly", () => {
      if (this._exception !== null) return AioM.fail(this._exception);
      if (n === 0) return AioM.succeed(EMPTY);
      const live = this._end - this._start;
      if (live >= n) return AioM.succeed(this._take(n));
      if (this._eof) return AioM.fail(new IncompleteReadError(this._take(live), n));
      return undefined;
    });
  }

  /**
   * Reads up to and including `separator` (asyncio readuntil; default `"\n"`).
   * - at EOF without the separator: `IncompleteReadError(partial, null)`, the buffer is
   *   consumed;
   * - no separator within `limit` bytes, or one found past `limit`: `LimitOverrunError`,
   *   and the data stays in the buffer (so it can be read another way).
   * @example
   * ```ts
   * import { StreamReader, runSync } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("key=value;rest"));
   * new TextDecoder().decode(runSync(r.readuntil(";"))); // "key=value;"
   * ```
   */
  readuntil(
    separator: Uint8Array | string = NEWLINE,
  ): Aio<Uint8Array, SocketError | IncompleteReadError | LimitOverrunError> {
    const sep = typeof separator === "string" ? Buffer.from(separator) : asBuffer(separator);
    if (sep.length === 0) throw new RangeError("StreamReader.readuntil: separator should be at least one byte");
    return AioM.suspend(() => {
      // asyncio's `offset`: where the next search starts, so each byte is searched once.
      let offset = 0;
      return this._op<Uint8Array, SocketError | IncompleteReadError | LimitOverrunError>("readuntil", () => {
        if (this._exception !== null) return AioM.fail(this._exception);
        const seplen = sep.length;
        const live = this._end - this._start;
        if (live - offset >= seplen) {
          const found = this._buf.indexOf(sep, this._start + offset);
          // The buffer may hold stale bytes past _end: a match must end within the live part.
          if (found !== -1 && found + seplen <= this._end) {
            const isep = found - this._start;
            if (isep > this.limit)
              return AioM.fail(new LimitOverrunError("Separator is found, but chunk is longer than limit", isep));
            return AioM.succeed(this._take(isep + seplen));
          }
          offset = live + 1 - seplen;
          if (offset > this.limit)
            return AioM.fail(new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset));
        }
        if (this._eof) return AioM.fail(new IncompleteReadError(this._take(live), null));
        return undefined;
      });
    });
  }

  /**
   * Reads one line, `\n` included (asyncio readline). At EOF the last, unterminated line is
   * returned as is, then empty bytes. A line longer than `limit` fails with a
   * `LimitOverrunError` and, as asyncio, is dropped: the buffer loses it up to and
   * including its `\n` when that is buffered, else the whole buffer (asyncio raises
   * ValueError there).
   * @example
   * ```ts
   * import { StreamReader, runSync } from "aio-ts";
   * const r = new StreamReader({ limit: 4 });
   * r.feedData(new TextEncoder().encode("too long\nok\n"));
   * // runSync(r.readline()) fails with LimitOverrunError; the next line is "ok\n"
   * ```
   */
  readline(): Aio<Uint8Array, SocketError | LimitOverrunError> {
    return this.readuntil(NEWLINE).pipe(
      AioM.catchAll((e): Aio<Uint8Array, SocketError | LimitOverrunError> => {
        if (e instanceof IncompleteReadError) return AioM.succeed(e.partial);
        if (e instanceof LimitOverrunError) {
          const at = this._start + e.consumed;
          if (at < this._end && this._buf[at] === 0x0a) this._discard(e.consumed + 1);
          else this._discard(this._end - this._start);
          return AioM.fail(e);
        }
        return AioM.fail(e);
      }),
    );
  }

  /**
   * Reads one line and decodes it as UTF-8 (or `encoding`), without its line ending
   * (`\n` or `\r\n`); `null` at EOF. The text form of `readline`, for line protocols.
   * @example
   * ```ts
   * import { StreamReader, runSync } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("héllo\r\n"));
   * r.feedEof();
   * runSync(r.readText()); // "héllo"
   * runSync(r.readText()); // null
   * ```
   */
  readText(encoding = "utf-8"): Aio<string | null, SocketError | LimitOverrunError> {
    const decoder = new TextDecoder(encoding);
    return this.readline().pipe(AioM.map((line) => (line.length === 0 ? null : decodeLine(decoder, line))));
  }

  /**
   * Runs `f` on every line until EOF, in order (the Aio form of asyncio's `async for line
   * in reader`); `f`'s failure stops the iteration and is the result's failure.
   * @example
   * ```ts
   * import { Aio, StreamReader, run } from "aio-ts";
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("a\nb\n"));
   * r.feedEof();
   * const seen: number[] = [];
   * await run(r.forEachLine((line) => Aio.sync(() => void seen.push(line.length)))); // seen: [2, 2]
   * ```
   */
  forEachLine<E>(f: (line: Uint8Array) => Aio<unknown, E>): Aio<void, E | SocketError | LimitOverrunError> {
    const step: Aio<void, E | SocketError | LimitOverrunError> = this.readline().pipe(
      AioM.flatMap((line) => (line.length === 0 ? AioM.void : f(line).pipe(AioM.flatMap(() => step)))),
    );
    return step;
  }

  /**
   * One attempt loop: `attempt()` answers with the result, or `undefined` to wait for
   * data and try again. The wait consumes nothing, so a read cancelled while waiting
   * leaves the buffer as it was.
   */
  private _op<A, E>(name: string, attempt: () => Aio<A, E> | undefined): Aio<A, E> {
    const loop: Aio<A, E> = AioM.suspend(() => attempt() ?? this._waitForData(name).pipe(AioM.flatMap(() => loop)));
    return loop;
  }

  private _waitForData(name: string): Aio<void> {
    return AioM.async<void>((resume) => {
      if (this._waiter !== undefined) {
        resume(AioM.die(new Error(`StreamReader.${name}() called while another task is already waiting for incoming data`)));
        return;
      }
      // Waiting while paused would deadlock: let the socket deliver again.
      if (this._paused) {
        this._paused = false;
        this._transport?.resume();
      }
      this._waiter = resume;
      // Fed by a socket, this is a wait for the host: a virtual-time loop must not jump
      // its clock past it, as for a pending promise. (A reader fed by the program itself
      // is not: its data comes from another task.)
      if (this._transport !== undefined) {
        const loop = getRunningLoop();
        this._waiterLoop = loop;
        loop._hostPending(1);
      }
      return () => {
        if (this._waiter === resume) this._clearWaiter();
      };
    });
  }

  private _clearWaiter(): void {
    this._waiter = undefined;
    const loop = this._waiterLoop;
    this._waiterLoop = undefined;
    loop?._hostPending(-1);
  }

  private _wakeup(): void {
    const w = this._waiter;
    if (w === undefined) return;
    this._clearWaiter();
    w(AioM.void);
  }

  /** Takes the first `n` (≤ buffered) bytes out of the buffer. */
  private _take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const buf = this._buf;
    const start = this._start;
    let out: Buffer;
    if (!this._owned && start === 0 && n === buf.length) out = buf; // a whole received chunk
    else {
      out = Buffer.allocUnsafe(n);
      buf.copy(out, 0, start, start + n);
    }
    this._discard(n);
    return out;
  }

  private _discard(n: number): void {
    this._start += n;
    if (this._start === this._end) {
      if (this._owned) this._start = this._end = 0; // reuse the space
      else {
        this._buf = EMPTY;
        this._start = this._end = 0;
      }
    }
    if (this._paused && this._end - this._start <= this.limit) {
      this._paused = false;
      this._transport?.resume();
    }
  }
}

const decodeLine = (decoder: TextDecoder, line: Uint8Array): string => {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) {
    end--;
    if (end > 0 && line[end - 1] === 0x0d) end--;
  }
  return decoder.decode(line.subarray(0, end));
};

/**
 * Decodes bytes as UTF-8 text (a convenience for logs and line protocols).
 * @example
 * ```ts
 * import { decodeText } from "aio-ts";
 * decodeText(Uint8Array.of(104, 105)); // "hi"
 * ```
 */
export const decodeText = (data: Uint8Array, encoding = "utf-8"): string => new TextDecoder(encoding).decode(data);

// ---------------------------------------------------------------------------------------
// Waiting on the host

/**
 * `Aio.async` for a wait on a socket event: counted as a host operation, so a
 * virtual-time loop does not jump its clock past it (as for a pending promise).
 * `register` returns its canceller.
 */
const hostWait = <A, E>(register: (resume: (aio: Aio<A, E>) => void) => () => void): Aio<A, E> =>
  AioM.async<A, E>((resume) => {
    const loop = getRunningLoop();
    let pending = true;
    loop._hostPending(1);
    const release = (): void => {
      if (pending) {
        pending = false;
        loop._hostPending(-1);
      }
    };
    const cancel = register((aio) => {
      release();
      resume(aio);
    });
    return () => {
      release();
      cancel();
    };
  });

const noop = (): void => {};

// ---------------------------------------------------------------------------------------
// StreamWriter

/** The address of one end of a connection: TCP (`address`, `port`) or a Unix socket (`path`). */
export type SocketAddress =
  | { readonly family: string; readonly address: string; readonly port: number }
  | { readonly family: "unix"; readonly path: string };

/**
 * What `getExtraInfo(name)` answers (asyncio's transport extra info).
 * @example
 * ```ts
 * import type { ExtraInfo } from "aio-ts";
 * type Peer = ExtraInfo["peername"]; // SocketAddress | undefined
 * ```
 */
export interface ExtraInfo {
  /** The remote end's address. */
  readonly peername: SocketAddress | undefined;
  /** The local end's address. */
  readonly sockname: SocketAddress | undefined;
  /** The peer's certificate on a TLS connection (undefined otherwise, or if it sent none). */
  readonly peercert: tls.PeerCertificate | undefined;
}

/**
 * Options of `writer.startTls`: a client upgrade (`tls.connect` options: `ca`,
 * `servername`, …) or, with `server: true`, a server one (`key`, `cert`, …).
 * @example
 * ```ts
 * import type { StartTlsOptions } from "aio-ts";
 * const client: StartTlsOptions = { servername: "localhost" };
 * ```
 */
export type StartTlsOptions =
  | ({ readonly server?: false } & tls.ConnectionOptions)
  | ({ readonly server: true } & tls.TlsOptions);

/**
 * The writing half of a connection (asyncio.StreamWriter). `write` only buffers (it never
 * waits); `drain()` waits while the socket's buffer is above its high-water mark, which is
 * how a fast writer is held back by a slow peer. After `close()`, or once the connection
 * is lost (a reset, a broken pipe), writes are dropped and `drain()` fails with the typed
 * connection error, at once: it never spins.
 *
 * `transport` is the Node socket itself, for what this class does not cover.
 *
 * @example
 * ```ts
 * import { Aio, type StreamWriter } from "aio-ts";
 * const send = (w: StreamWriter, lines: string[]) =>
 *   Aio.gen(function* () {
 *     for (const l of lines) {
 *       w.write(l + "\n");
 *       yield* w.drain();
 *     }
 *   });
 * ```
 */
export class StreamWriter {
  private _socket: net.Socket;
  private _closing = false;
  private _eofWritten = false;
  private _closed = false;
  private _lost: SocketError | null = null;
  private readonly _drainWaiters = new Set<(aio: Aio<void, SocketError>) => void>();
  private readonly _closeWaiters = new Set<(aio: Aio<void, SocketError>) => void>();
  private _detach: () => void = noop;

  /** @internal Made by `openConnection` / `startServer`; wires `socket` to `reader`. */
  constructor(
    socket: net.Socket,
    private readonly _reader: StreamReader,
    private readonly _unixPath?: { readonly local: string; readonly remote: string },
  ) {
    this._socket = socket;
    this._attach(socket);
  }

  /** The Node socket under this writer (a `tls.TLSSocket` on a TLS connection). */
  get transport(): net.Socket {
    return this._socket;
  }

  /** The reader of the same connection. */
  get reader(): StreamReader {
    return this._reader;
  }

  /** Listens to `socket` for the reader and for this writer. */
  private _attach(socket: net.Socket): void {
    const reader = this._reader;
    const onData = (chunk: Buffer): void => reader.feedData(chunk);
    const onEnd = (): void => reader.feedEof();
    const onError = (e: unknown): void => {
      const err = toSocketError(e);
      if (this._lost === null) this._lost = err;
      reader.setException(err);
      this._wake(this._drainWaiters, AioM.fail(err));
    };
    const onDrain = (): void => this._wake(this._drainWaiters, AioM.void);
    const onClose = (): void => {
      this._closed = true;
      reader._setTransport(undefined);
      if (!reader.atEof() && reader.exception() === null) reader.feedEof();
      const lost = this._lost;
      this._wake(this._drainWaiters, AioM.fail(lost ?? connectionLost()));
      this._wake(this._closeWaiters, lost === null ? AioM.void : AioM.fail(lost));
    };
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onError);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
    reader._setTransport(socket);
    this._detach = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      reader._setTransport(undefined);
    };
  }

  private _wake(waiters: Set<(aio: Aio<void, SocketError>) => void>, aio: Aio<void, SocketError>): void {
    if (waiters.size === 0) return;
    const all = [...waiters];
    waiters.clear();
    for (const w of all) w(aio);
  }

  /** Whether writes are dropped now (closing, closed or lost). */
  private _dead(): boolean {
    return this._closing || this._closed || this._lost !== null || this._socket.destroyed;
  }

  /**
   * Buffers `data` for sending (asyncio write; a string is sent as UTF-8). It does not
   * wait: follow it with `drain()`. After `close()` or a lost connection the data is
   * dropped and the next `drain()` fails; after `writeEof()` it is an error (a defect, as
   * asyncio's RuntimeError).
   * @example
   * ```ts
   * import { Aio, type StreamWriter } from "aio-ts";
   * const hello = (w: StreamWriter) => Aio.suspend(() => (w.write("hello\n"), w.drain()));
   * ```
   */
  write(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    if (!(bytes instanceof Uint8Array)) throw new TypeError("StreamWriter.write: expected a Uint8Array or a string");
    if (this._eofWritten && !this._dead()) throw new Error("StreamWriter.write: cannot write after writeEof()");
    if (this._dead() || bytes.length === 0) return;
    this._socket.write(bytes);
  }

  /**
   * Writes each item in turn (asyncio writelines).
   * @example
   * ```ts
   * import type { StreamWriter } from "aio-ts";
   * const greet = (w: StreamWriter) => w.writelines(["hello ", "world\n"]);
   * ```
   */
  writelines(data: Iterable<Uint8Array | string>): void {
    for (const d of data) this.write(d);
  }

  /**
   * Waits until the socket's write buffer is below its high-water mark (asyncio drain):
   * at once if it is. Fails with the connection's error if it was lost (or the reader saw
   * one), with `ConnectionResetError("Connection lost")` after `close()`; a peer that dies
   * while it waits fails it too. Cancelling it leaves the writer usable.
   * @example
   * ```ts
   * import { Aio, type StreamWriter } from "aio-ts";
   * const sendAll = (w: StreamWriter, chunks: Uint8Array[]) =>
   *   Aio.gen(function* () {
   *     for (const c of chunks) {
   *       w.write(c);
   *       yield* w.drain();
   *     }
   *   });
   * ```
   */
  drain(): Aio<void, SocketError> {
    return AioM.suspend(() => {
      const exc = this._reader.exception();
      if (exc !== null) return AioM.fail(exc);
      if (this._lost !== null) return AioM.fail(this._lost);
      if (this._dead()) return AioM.fail(connectionLost());
      if (!this._socket.writableNeedDrain) return AioM.void;
      return hostWait<void, SocketError>((resume) => {
        this._drainWaiters.add(resume);
        return () => void this._drainWaiters.delete(resume);
      });
    });
  }

  /** Whether `writeEof()` is supported: true for TCP and Unix sockets, false for TLS (as asyncio). */
  canWriteEof(): boolean {
    return !(this._socket instanceof tls.TLSSocket);
  }

  /**
   * Closes the sending side after the buffered data (a TCP FIN); the connection can still
   * receive (asyncio write_eof). Not supported on TLS (`canWriteEof()`): an error there.
   * @example
   * ```ts
   * import { Aio, type StreamReader, type StreamWriter } from "aio-ts";
   * const request = (r: StreamReader, w: StreamWriter) =>
   *   Aio.suspend(() => {
   *     w.write("all of the request");
   *     w.writeEof();
   *     return r.read(); // the whole reply, up to the server's EOF
   *   });
   * ```
   */
  writeEof(): void {
    if (!this.canWriteEof()) throw new Error("StreamWriter.writeEof: not supported on a TLS connection");
    if (this._dead() || this._eofWritten) return;
    this._eofWritten = true;
    this._socket.end();
  }

  /**
   * Closes the connection (asyncio close): the buffered data is sent first, then the socket
   * is closed; the reader sees EOF. Idempotent. Follow it with `waitClosed()`.
   * @example
   * ```ts
   * import { Aio, type StreamWriter } from "aio-ts";
   * const bye = (w: StreamWriter) => Aio.suspend(() => (w.close(), w.waitClosed()));
   * ```
   */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    const s = this._socket;
    if (s.destroyed) return;
    if (this._lost !== null) {
      s.destroy();
      return;
    }
    if (s.writableFinished) s.destroy();
    else {
      s.once("finish", () => s.destroy());
      if (!s.writableEnded) s.end();
    }
  }

  /**
   * Closes the connection at once, dropping unsent data (asyncio's `transport.abort()`).
   * @example
   * ```ts
   * import type { StreamWriter } from "aio-ts";
   * const hangUp = (w: StreamWriter) => w.abort();
   * ```
   */
  abort(): void {
    this._closing = true;
    this._socket.destroy();
  }

  /** Whether the connection is closing or closed (asyncio is_closing). */
  isClosing(): boolean {
    return this._closing || this._closed || this._socket.destroyed;
  }

  /**
   * Waits until the socket is closed (asyncio wait_closed); fails with the connection's
   * error if it was lost with one (as asyncio, which raises it here too).
   * @example
   * ```ts
   * import { Aio, type StreamWriter } from "aio-ts";
   * const bye = (w: StreamWriter) => Aio.suspend(() => (w.close(), w.waitClosed()));
   * ```
   */
  waitClosed(): Aio<void, SocketError> {
    return AioM.suspend(() => {
      if (this._closed) return this._lost === null ? AioM.void : AioM.fail(this._lost);
      return hostWait<void, SocketError>((resume) => {
        this._closeWaiters.add(resume);
        return () => void this._closeWaiters.delete(resume);
      });
    });
  }

  /**
   * Information about the connection (asyncio get_extra_info): `"peername"`,
   * `"sockname"` (a `SocketAddress`) or `"peercert"` (the peer's TLS certificate).
   * @example
   * ```ts
   * import type { StreamWriter } from "aio-ts";
   * const who = (w: StreamWriter) => {
   *   const peer = w.getExtraInfo("peername");
   *   return peer !== undefined && "port" in peer ? `${peer.address}:${peer.port}` : "?";
   * };
   * ```
   */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    const s = this._socket;
    const info = (): ExtraInfo[keyof ExtraInfo] => {
      switch (name) {
        case "peername":
          if (this._unixPath !== undefined) return { family: "unix", path: this._unixPath.remote };
          return s.remoteAddress === undefined || s.remotePort === undefined
            ? undefined
            : { family: s.remoteFamily ?? "", address: s.remoteAddress, port: s.remotePort };
        case "sockname":
          if (this._unixPath !== undefined) return { family: "unix", path: this._unixPath.local };
          return s.localAddress === undefined || s.localPort === undefined
            ? undefined
            : { family: s.localFamily ?? "", address: s.localAddress, port: s.localPort };
        case "peercert": {
          if (!(s instanceof tls.TLSSocket)) return undefined;
          const cert = s.getPeerCertificate();
          return cert === null || Object.keys(cert).length === 0 ? undefined : cert;
        }
        default:
          throw new TypeError(`StreamWriter.getExtraInfo: unknown name ${String(name)}`);
      }
    };
    return info() as ExtraInfo[K];
  }

  /**
   * Upgrades the connection to TLS (asyncio start_tls): drains, then runs the handshake
   * over the same socket, as a client (`tls.connect` options) or, with `server: true`, as
   * a server. The reader and writer go on over TLS; bytes already buffered in the reader
   * stay there. A failed handshake is an `SSLError` (or the connection's error) and leaves
   * the connection closed.
   * @example
   * ```ts
   * import { Aio, type StreamReader, type StreamWriter } from "aio-ts";
   * const starttls = (r: StreamReader, w: StreamWriter, ca: string) =>
   *   Aio.gen(function* () {
   *     w.write("STARTTLS\n");
   *     yield* r.readline(); // "OK\n"
   *     yield* w.startTls({ ca, servername: "localhost" });
   *   });
   * ```
   */
  startTls(options: StartTlsOptions): Aio<void, SocketError> {
    return this.drain().pipe(
      AioM.flatMap(() =>
        AioM.suspend(() => {
          if (this._socket instanceof tls.TLSSocket)
            return AioM.die(new Error("StreamWriter.startTls: the connection already uses TLS"));
          const raw = this._socket;
          let secure: tls.TLSSocket | undefined;
          return hostWait<void, SocketError>((resume) => {
            this._detach();
            // The TLS socket owns `raw` now; an error there also reaches `s`, so this one
            // only keeps a late 'error' on `raw` from being an uncaught event.
            raw.on("error", noop);
            const { server, ...rest } = options;
            const s =
              server === true
                ? new tls.TLSSocket(raw, { ...(rest as tls.TlsOptions), isServer: true })
                : tls.connect({ ...(rest as tls.ConnectionOptions), socket: raw });
            secure = s;
            const onError = (e: unknown): void => {
              s.off(server === true ? "secure" : "secureConnect", onSecure);
              s.on("error", noop); // a second error of the dead socket is not news
              s.destroy();
              raw.destroy();
              this._attachDead(s, toSocketError(e));
              resume(AioM.fail(this._lost ?? connectionLost()));
            };
            const onSecure = (): void => {
              s.off("error", onError);
              this._socket = s;
              this._attach(s);
              resume(AioM.void);
            };
            s.once(server === true ? "secure" : "secureConnect", onSecure);
            s.once("error", onError);
            return () => {
              s.off("error", onError);
              s.on("error", noop);
              s.destroy();
              raw.destroy();
              this._attachDead(s, connectionLost());
            };
          }).pipe(AioM.onInterrupt(() => AioM.sync(() => secure?.destroy())));
        }),
      ),
    );
  }

  /** After a failed upgrade: the connection is gone, everything waiting sees `err`. */
  private _attachDead(s: net.Socket, err: SocketError): void {
    this._socket = s;
    if (this._lost === null) this._lost = err;
    this._closed = true;
    this._reader.setException(err);
    this._wake(this._drainWaiters, AioM.fail(err));
    this._wake(this._closeWaiters, AioM.fail(err));
  }
}

// ---------------------------------------------------------------------------------------
// Opening connections

/**
 * Options of `openConnection`.
 * @example
 * ```ts
 * import type { OpenConnectionOptions } from "aio-ts";
 * const o: OpenConnectionOptions = { limit: 1 << 20, tls: { servername: "example.com" } };
 * ```
 */
export interface OpenConnectionOptions extends StreamReaderOptions {
  /** TLS: `true` for the defaults, or `tls.connect` options (`ca`, `servername`, …). */
  readonly tls?: true | tls.ConnectionOptions;
  /** Aborting it destroys the connection (while connecting too): a `ConnectionAbortedError`. */
  readonly signal?: AbortSignal;
}

/**
 * Options of `openUnixConnection`.
 * @example
 * ```ts
 * import type { OpenUnixConnectionOptions } from "aio-ts";
 * const o: OpenUnixConnectionOptions = { limit: 4096 };
 * ```
 */
export interface OpenUnixConnectionOptions extends StreamReaderOptions {
  /** Aborting it destroys the connection (while connecting too): a `ConnectionAbortedError`. */
  readonly signal?: AbortSignal;
}

const checkLimit = (what: string, limit: number | undefined): void => {
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    throw new RangeError(`${what}: limit must be a positive integer, got ${String(limit)}`);
};

const checkPort = (what: string, port: number): void => {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`${what}: port must be an integer in 0..65535, got ${String(port)}`);
};

const abortError = (signal: AbortSignal): Error =>
  Object.assign(new Error("The operation was aborted", { cause: signal.reason }), { code: "ABORT_ERR" });

/**
 * Connects (`make()` makes the socket), waits for `event`, and wires the streams. A
 * cancellation while connecting (or one that arrives before the fiber takes the result)
 * destroys the half-open socket.
 */
const connect = (
  make: () => net.Socket,
  event: "connect" | "secureConnect",
  options: { readonly limit?: number; readonly signal?: AbortSignal },
  unixPath: string | undefined,
): Aio<[StreamReader, StreamWriter], SocketError> =>
  AioM.suspend(() => {
    let socket: net.Socket | undefined;
    const signal = options.signal;
    return hostWait<[StreamReader, StreamWriter], SocketError>((resume) => {
      if (signal?.aborted === true) {
        resume(AioM.fail(toSocketError(abortError(signal))));
        return noop;
      }
      const s = make();
      socket = s;
      const onAbort = (): void => void s.destroy(abortError(signal as AbortSignal));
      if (signal !== undefined) {
        signal.addEventListener("abort", onAbort, { once: true });
        s.once("close", () => signal.removeEventListener("abort", onAbort));
      }
      const onError = (e: unknown): void => {
        s.off(event, onConnect);
        s.destroy();
        resume(AioM.fail(toSocketError(e)));
      };
      const onConnect = (): void => {
        s.off("error", onError);
        const reader = new StreamReader(options.limit === undefined ? {} : { limit: options.limit });
        const writer = new StreamWriter(s, reader, unixPath === undefined ? undefined : { local: "", remote: unixPath });
        resume(AioM.succeed([reader, writer]));
      };
      s.once(event, onConnect);
      s.once("error", onError);
      return () => {
        s.off(event, onConnect);
        s.destroy();
      };
    }).pipe(AioM.onInterrupt(() => AioM.sync(() => void socket?.destroy())));
  });

const isIp = (host: string): boolean => net.isIP(host) !== 0;

/**
 * Opens a TCP connection (asyncio open_connection): the reader and writer of it. With
 * `tls`, a TLS connection (the server name defaults to `host`). Fails with a typed
 * `SocketError` (`ConnectionRefusedError`, `OSError` with `ENOTFOUND`, `SSLError`, …).
 * Cancelling it while it connects destroys the half-open socket.
 * @example
 * ```ts
 * import { Aio, openConnection } from "aio-ts";
 * const hello = Aio.gen(function* () {
 *   const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 *   writer.write("hello\n");
 *   const reply = yield* reader.readline();
 *   writer.close();
 *   yield* writer.waitClosed();
 *   return reply;
 * });
 * ```
 */
export const openConnection = (
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Aio<[StreamReader, StreamWriter], SocketError> => {
  checkPort("openConnection", port);
  checkLimit("openConnection", options.limit);
  const t = options.tls;
  if (t === undefined) return connect(() => net.connect({ host, port, allowHalfOpen: true }), "connect", options, undefined);
  const tlsOptions: tls.ConnectionOptions = {
    ...(isIp(host) ? {} : { servername: host }),
    ...(t === true ? {} : t),
    host,
    port,
  };
  return connect(() => tls.connect(tlsOptions), "secureConnect", options, undefined);
};

/**
 * Opens a connection to a Unix socket at `path` (asyncio open_unix_connection).
 * @example
 * ```ts
 * import { openUnixConnection } from "aio-ts";
 * const conn = openUnixConnection("/tmp/echo.sock");
 * ```
 */
export const openUnixConnection = (
  path: string,
  options: OpenUnixConnectionOptions = {},
): Aio<[StreamReader, StreamWriter], SocketError> => {
  checkLimit("openUnixConnection", options.limit);
  if (typeof path !== "string" || path.length === 0)
    throw new TypeError("openUnixConnection: path must be a non-empty string");
  return connect(() => net.connect({ path, allowHalfOpen: true }), "connect", options, path);
};

/** Closes a connection at the end of its scope: gracefully after a success, at once otherwise. */
const releaseConnection = (writer: StreamWriter, exit: Exit.Exit<unknown, unknown>): Aio<void> => {
  if (exit._tag === "Success") writer.close();
  else writer.abort();
  return AioM.exit(writer.waitClosed()).pipe(AioM.as(undefined));
};

/**
 * `openConnection` as a scope: runs `use(reader, writer)` and closes the connection when
 * it ends, however it ends (gracefully after a success, at once after a failure or a
 * cancellation), and waits until it is closed. The connect itself stays cancellable.
 * A graceful close sends what is still buffered first, so a peer that never reads holds
 * it (as asyncio's `wait_closed`): `writer.abort()` in `use` drops the rest instead.
 * @example
 * ```ts
 * import { Aio, withConnection } from "aio-ts";
 * const ask = withConnection("127.0.0.1", 8888)((reader, writer) =>
 *   Aio.gen(function* () {
 *     writer.write("ping\n");
 *     return yield* reader.readline();
 *   }),
 * );
 * ```
 */
export const withConnection =
  (host: string, port: number, options: OpenConnectionOptions = {}) =>
  <A, E>(use: (reader: StreamReader, writer: StreamWriter) => Aio<A, E>): Aio<A, E | SocketError> =>
    scoped(openConnection(host, port, options), use);

/**
 * `openUnixConnection` as a scope (see `withConnection`).
 * @example
 * ```ts
 * import { Aio, withUnixConnection } from "aio-ts";
 * const ask = withUnixConnection("/tmp/echo.sock")((reader, writer) =>
 *   Aio.suspend(() => (writer.write("ping\n"), reader.readline())),
 * );
 * ```
 */
export const withUnixConnection =
  (path: string, options: OpenUnixConnectionOptions = {}) =>
  <A, E>(use: (reader: StreamReader, writer: StreamWriter) => Aio<A, E>): Aio<A, E | SocketError> =>
    scoped(openUnixConnection(path, options), use);

const scoped = <A, E>(
  open: Aio<[StreamReader, StreamWriter], SocketError>,
  use: (reader: StreamReader, writer: StreamWriter) => Aio<A, E>,
): Aio<A, E | SocketError> =>
  // As acquireUseRelease, but the acquisition is interruptible: `open` cleans up after
  // itself when cancelled, and the release is in place as soon as it returns.
  AioM.uninterruptibleMask((restore) =>
    restore(open).pipe(
      AioM.flatMap(([reader, writer]) =>
        restore(AioM.suspend(() => use(reader, writer))).pipe(
          AioM.onExit((exit: Exit.Exit<A, E>) => releaseConnection(writer, exit)),
        ),
      ),
    ),
  );

// ---------------------------------------------------------------------------------------
// Servers

/**
 * What a server runs for each connection (asyncio's client_connected_cb): a program over
 * the connection's reader and writer, run as its own task.
 * @example
 * ```ts
 * import { Aio, type ClientConnected } from "aio-ts";
 * const echo: ClientConnected<never> = (reader, writer) =>
 *   Aio.gen(function* () {
 *     writer.write(yield* reader.read(100));
 *     yield* writer.drain();
 *   }).pipe(Aio.catchAll(() => Aio.void));
 * ```
 */
export type ClientConnected<E> = (reader: StreamReader, writer: StreamWriter) => Aio<unknown, E>;

/**
 * Options of `startServer`.
 * @example
 * ```ts
 * import type { StartServerOptions } from "aio-ts";
 * const o: StartServerOptions = { backlog: 511, limit: 1 << 20 };
 * ```
 */
export interface StartServerOptions extends StreamReaderOptions {
  /** The listen queue length (Node's default: 511). */
  readonly backlog?: number;
  /** Serve TLS with these options (`key`, `cert`, …). */
  readonly tls?: tls.TlsOptions;
}

/**
 * Options of `startUnixServer`.
 * @example
 * ```ts
 * import type { StartUnixServerOptions } from "aio-ts";
 * const o: StartUnixServerOptions = { backlog: 16 };
 * ```
 */
export interface StartUnixServerOptions extends StreamReaderOptions {
  /** The listen queue length (Node's default: 511). */
  readonly backlog?: number;
}

interface Connection {
  readonly socket: net.Socket;
  task: Task<unknown, unknown> | undefined;
  taskDone: boolean;
  socketClosed: boolean;
}

/**
 * A listening server (asyncio.Server), made by `startServer` / `startUnixServer`. Each
 * connection runs the handler as a task on the loop that started the server; a handler
 * that fails is reported to the loop's exception handler ("Unhandled exception in
 * client_connected_cb") and its connection is closed, and the server keeps serving.
 *
 * `close()` stops listening and cancels every handler task still running (their
 * connections are closed when they end); `waitClosed()` waits until the listener and
 * every connection are closed and every handler task has ended.
 *
 * @example
 * ```ts
 * import { Aio, startServer } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   const server = yield* startServer((r, w) => Aio.sync(() => w.close()), "127.0.0.1", 0);
 *   console.log("serving on", server.sockets());
 *   yield* server.serveForever();
 * });
 * ```
 */
export class Server {
  private _closed = false;
  private _listenerClosed = false;
  private readonly _conns = new Set<Connection>();
  private readonly _serveWaiters = new Set<(aio: Aio<void>) => void>();
  private readonly _closeWaiters = new Set<(aio: Aio<void>) => void>();

  /** @internal Made by `startServer` / `startUnixServer`. */
  constructor(
    private readonly _server: net.Server,
    private readonly _loop: EventLoop,
    private readonly _handler: ClientConnected<unknown>,
    private readonly _limit: number | undefined,
    private readonly _unixPath: string | undefined,
  ) {
    _server.once("close", () => {
      this._listenerClosed = true;
      this._maybeClosed();
    });
  }

  /** @internal A new connection: run the handler on it as a task. */
  _accept(socket: net.Socket): void {
    if (this._closed || this._loop.isClosed()) {
      socket.destroy();
      return;
    }
    const reader = new StreamReader(this._limit === undefined ? {} : { limit: this._limit });
    const path = this._unixPath;
    const writer = new StreamWriter(socket, reader, path === undefined ? undefined : { local: path, remote: "" });
    const conn: Connection = { socket, task: undefined, taskDone: false, socketClosed: false };
    this._conns.add(conn);
    socket.once("close", () => {
      conn.socketClosed = true;
      this._forget(conn);
    });
    const loop = this._loop;
    const handler = this._handler;
    const body = AioM.exit(AioM.suspend(() => handler(reader, writer))).pipe(
      AioM.flatMap((exit) =>
        AioM.sync(() => {
          if (exit._tag === "Failure" && exit.cause._tag !== "Interrupt")
            loop.callExceptionHandler({
              message: "Unhandled exception in client_connected_cb",
              exception: Cause.squash(exit.cause),
              ...(conn.task === undefined ? {} : { task: conn.task }),
            });
          // asyncio closes the transport after a failed or cancelled handler; here after
          // any end, so no socket outlives its handler (gracefully after a success).
          if (exit._tag === "Success") writer.close();
          else writer.abort();
        }),
      ),
    );
    const task = loop.createTask(body);
    conn.task = task;
    task.addDoneCallback(() => {
      conn.taskDone = true;
      this._forget(conn);
    });
  }

  private _forget(conn: Connection): void {
    if (conn.taskDone && conn.socketClosed && this._conns.delete(conn)) this._maybeClosed();
  }

  private _maybeClosed(): void {
    if (!this._closed || !this._listenerClosed || this._conns.size > 0) return;
    const all = [...this._closeWaiters];
    this._closeWaiters.clear();
    for (const w of all) w(AioM.void);
  }

  /**
   * The addresses the server listens on (asyncio's `server.sockets`): a TCP address (with
   * the port the system chose for port 0) or the Unix socket's path; empty once closed.
   * @example
   * ```ts
   * import type { Server } from "aio-ts";
   * const portOf = (s: Server) => {
   *   const a = s.sockets()[0];
   *   return a !== undefined && "port" in a ? a.port : undefined;
   * };
   * ```
   */
  sockets(): SocketAddress[] {
    const a = this._server.address();
    if (a === null || this._closed) return [];
    if (typeof a === "string") return [{ family: "unix", path: a }];
    return [{ family: a.family, address: a.address, port: a.port }];
  }

  /** Whether the server accepts connections (asyncio is_serving). */
  isServing(): boolean {
    return !this._closed && this._server.listening;
  }

  /** How many connections are open or have a handler task running. */
  connectionCount(): number {
    return this._conns.size;
  }

  /**
   * Stops listening and cancels every running handler task (asyncio close, then
   * close_clients: see docs/streams.md); connections whose handler has ended are closed.
   * Idempotent. Wakes `serveForever`.
   * @example
   * ```ts
   * import type { Server } from "aio-ts";
   * const stop = (s: Server) => s.close();
   * ```
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    this._server.close();
    for (const conn of this._conns) {
      if (!conn.taskDone && conn.task !== undefined) conn.task.cancel("server closed");
      else conn.socket.destroy();
    }
    const all = [...this._serveWaiters];
    this._serveWaiters.clear();
    for (const w of all) w(AioM.void);
    this._maybeClosed();
  }

  /**
   * Waits until the server is closed: its listener, every connection, every handler task
   * (asyncio wait_closed).
   * @example
   * ```ts
   * import { Aio, type Server } from "aio-ts";
   * const shutdown = (s: Server) => Aio.suspend(() => (s.close(), s.waitClosed()));
   * ```
   */
  waitClosed(): Aio<void> {
    return AioM.suspend(() => {
      if (this._closed && this._listenerClosed && this._conns.size === 0) return AioM.void;
      return AioM.async<void>((resume) => {
        this._closeWaiters.add(resume);
        return () => void this._closeWaiters.delete(resume);
      });
    });
  }

  /**
   * Serves until the server is closed (asyncio serve_forever). If the task running it is
   * cancelled, the server is closed and waited for (as asyncio). Unlike asyncio, a
   * `close()` from elsewhere ends it normally rather than with a CancelledError.
   * @example
   * ```ts
   * import { Aio, startServer } from "aio-ts";
   * const main = startServer((r, w) => Aio.sync(() => w.close()), "127.0.0.1", 8888).pipe(
   *   Aio.flatMap((server) => server.serveForever()),
   * );
   * ```
   */
  serveForever(): Aio<void> {
    return AioM.suspend(() => {
      if (this._closed) return AioM.void;
      return AioM.async<void>((resume) => {
        this._serveWaiters.add(resume);
        return () => void this._serveWaiters.delete(resume);
      });
    }).pipe(AioM.onInterrupt(() => AioM.suspend(() => (this.close(), this.waitClosed()))));
  }
}

const listen = <E>(
  make: () => net.Server,
  connectionEvent: "connection" | "secureConnection",
  listenOptions: net.ListenOptions,
  handler: ClientConnected<E>,
  limit: number | undefined,
  unixPath: string | undefined,
): Aio<Server, SocketError> =>
  AioM.suspend(() => {
    const loop = getRunningLoop();
    const srv = make();
    const server = new Server(srv, loop, handler as ClientConnected<unknown>, limit, unixPath);
    srv.on(connectionEvent, (socket: net.Socket) => server._accept(socket));
    // A client whose TLS handshake fails never reaches the handler: nothing to serve.
    if (connectionEvent === "secureConnection") srv.on("tlsClientError", (_e: unknown, s: net.Socket) => s.destroy());
    return hostWait<Server, SocketError>((resume) => {
      const onError = (e: unknown): void => {
        srv.off("listening", onListening);
        srv.close();
        resume(AioM.fail(toSocketError(e)));
      };
      const onListening = (): void => {
        srv.off("error", onError);
        // Later listener errors (rare: accept failures) go to the loop's exception handler.
        srv.on("error", (e) => {
          if (!loop.isClosed()) loop.callExceptionHandler({ message: "Server error", exception: toSocketError(e) });
        });
        resume(AioM.succeed(server));
      };
      srv.once("error", onError);
      srv.once("listening", onListening);
      srv.listen(listenOptions);
      return () => {
        srv.off("error", onError);
        srv.off("listening", onListening);
        srv.close();
      };
    }).pipe(AioM.onInterrupt(() => AioM.sync(() => server.close())));
  });

/**
 * Starts a TCP server (asyncio start_server): `handler(reader, writer)` runs as a task for
 * each connection. Port 0 lets the system choose (see `server.sockets()`). With `tls`,
 * serves TLS. Fails with a typed `SocketError` (`OSError` with `EADDRINUSE`, …).
 * @example
 * ```ts
 * import { Aio, startServer } from "aio-ts";
 * const echo = startServer(
 *   (reader, writer) =>
 *     Aio.gen(function* () {
 *       const line = yield* reader.readline();
 *       writer.write(line);
 *       yield* writer.drain();
 *       writer.close();
 *     }),
 *   "127.0.0.1",
 *   8888,
 * );
 * ```
 */
export const startServer = <E>(
  handler: ClientConnected<E>,
  host: string,
  port: number,
  options: StartServerOptions = {},
): Aio<Server, SocketError> => {
  if (typeof handler !== "function") throw new TypeError("startServer: handler must be a function");
  checkPort("startServer", port);
  checkLimit("startServer", options.limit);
  const t = options.tls;
  const listenOptions: net.ListenOptions = { host, port, ...(options.backlog === undefined ? {} : { backlog: options.backlog }) };
  return t === undefined
    ? listen(() => net.createServer({ allowHalfOpen: true }), "connection", listenOptions, handler, options.limit, undefined)
    : // No half-open TLS connections (as asyncio's SSL transport: no write_eof): a client
      // that hangs up during the handshake must close the server's side too.
      listen(() => tls.createServer(t), "secureConnection", listenOptions, handler, options.limit, undefined);
};

/**
 * Starts a server on a Unix socket at `path` (asyncio start_unix_server). The socket file
 * is removed when the server closes; an existing file at `path` is an `OSError`
 * (`EADDRINUSE`).
 * @example
 * ```ts
 * import { Aio, startUnixServer } from "aio-ts";
 * const srv = startUnixServer((r, w) => Aio.sync(() => w.close()), "/tmp/echo.sock");
 * ```
 */
export const startUnixServer = <E>(
  handler: ClientConnected<E>,
  path: string,
  options: StartUnixServerOptions = {},
): Aio<Server, SocketError> => {
  if (typeof handler !== "function") throw new TypeError("startUnixServer: handler must be a function");
  if (typeof path !== "string" || path.length === 0) throw new TypeError("startUnixServer: path must be a non-empty string");
  checkLimit("startUnixServer", options.limit);
  const listenOptions: net.ListenOptions = { path, ...(options.backlog === undefined ? {} : { backlog: options.backlog }) };
  return listen(() => net.createServer({ allowHalfOpen: true }), "connection", listenOptions, handler, options.limit, path);
};

const releaseServer = (server: Server): Aio<void> => AioM.suspend(() => (server.close(), server.waitClosed()));

/**
 * `startServer` as a scope: runs `use(server)`, then closes the server and waits until it
 * is closed (every handler task ended), however `use` ends.
 * @example
 * ```ts
 * import { Aio, withServer } from "aio-ts";
 * const main = withServer((r, w) => Aio.sync(() => w.close()), "127.0.0.1", 0)((server) =>
 *   Aio.sync(() => server.sockets()),
 * );
 * ```
 */
export const withServer =
  <E>(handler: ClientConnected<E>, host: string, port: number, options: StartServerOptions = {}) =>
  <A, E2>(use: (server: Server) => Aio<A, E2>): Aio<A, E2 | SocketError> =>
    scopedServer(startServer(handler, host, port, options), use);

/**
 * `startUnixServer` as a scope (see `withServer`).
 * @example
 * ```ts
 * import { Aio, withUnixServer } from "aio-ts";
 * const main = withUnixServer((r, w) => Aio.sync(() => w.close()), "/tmp/s.sock")((server) => server.serveForever());
 * ```
 */
export const withUnixServer =
  <E>(handler: ClientConnected<E>, path: string, options: StartUnixServerOptions = {}) =>
  <A, E2>(use: (server: Server) => Aio<A, E2>): Aio<A, E2 | SocketError> =>
    scopedServer(startUnixServer(handler, path, options), use);

const scopedServer = <A, E2>(start: Aio<Server, SocketError>, use: (server: Server) => Aio<A, E2>): Aio<A, E2 | SocketError> =>
  AioM.uninterruptibleMask((restore) =>
    restore(start).pipe(
      AioM.flatMap((server) =>
        restore(AioM.suspend(() => use(server))).pipe(AioM.ensuring(releaseServer(server))),
      ),
    ),
  );
