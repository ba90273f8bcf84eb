/**
 * `StreamReader`: the buffered reading half of a connection (asyncio.StreamReader), and
 * `decodeText`. Its reads are Aio nodes of their own, in read-ops.ts; the buffer and the
 * `_attempt*` methods that answer them are here.
 * @module streams/reader
 */
import { TextDecoder } from "node:util";
import * as AioM from "../Aio.js";
import type { Fiber, Next } from "../internal/aio.js";
import type { Aio } from "../Aio.js";
import type { AsyncToken } from "../internal/async.js";
import type { BaseEventLoop } from "../base-events.js";
import { IncompleteReadError, LimitOverrunError, type SocketError } from "./errors.js";
import { suspendOnHost } from "./internal.js";
import { NEWLINE, Read, ReadExactly, ReadLine, ReadUntil, WAIT, failWith, type ReadOp } from "./read-ops.js";

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

const asBuffer = (data: Uint8Array): Buffer =>
  Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

const checkSize = (what: string, n: number): void => {
  if (!Number.isInteger(n)) throw new TypeError(`${what}: expected an integer, got ${String(n)}`);
};

/** The decoder of `readText()` in UTF-8 (stateless between calls: no `stream` option). */
const UTF8 = new TextDecoder("utf-8");

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
  /** @internal */
  private _buf: Buffer = EMPTY;
  /** @internal */
  private _start = 0;
  /** @internal */
  private _end = 0;
  /** @internal */
  private _owned = false;
  /** @internal */
  private _eof = false;
  /** @internal */
  private _exception: SocketError | null = null;
  /** The wait of the one task waiting for data, and the read it resumes with. @internal */
  private _waiter: AsyncToken | undefined = undefined;
  /** @internal */
  private _waitOp: Aio<unknown, unknown> | undefined = undefined;
  /** @internal */
  private _transport: Pausable | undefined = undefined;
  /** @internal */
  private _paused = false;
  /**
   * asyncio's `offset` of readuntil, kept with the buffer: the first `_scanned` live bytes
   * hold no `_scanSep` (searched already), so a read that waited for more data searches
   * each byte once. Any consumption resets it (the live bytes change).
   * @internal
   */
  private _scanSep: Buffer | undefined = undefined;
  /** @internal */
  private _scanned = 0;
  /** `readline()`'s node, made once (an Aio is an immutable description). @internal */
  private readonly _readline: ReadLine = new ReadLine(this);
  /** The last `read(n)` node, reused while `n` is the same. @internal */
  private _lastRead: Read | undefined = undefined;

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
    // Pause before waking: the woken task may run inside `_wakeup` (see `_wakeFromHost`),
    // and if it then waits for more, its wait must find the transport paused to resume it.
    if (this._transport !== undefined && !this._paused && this._end - this._start > 2 * this.limit) {
      this._paused = true;
      this._transport.pause();
    }
    this._wakeup();
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
    const last = this._lastRead;
    if (last !== undefined && last.n === n) return last;
    checkSize("StreamReader.read", n);
    return (this._lastRead = new Read(this, n));
  }

  /** @internal `read(n)`'s attempt (see `ReadOp`, read-ops.ts). */
  _attemptRead(n: number): unknown {
    if (this._exception !== null) return failWith(this._exception);
    if (n === 0) return EMPTY;
    const live = this._end - this._start;
    if (n < 0) {
      // Everything until EOF. Unlike asyncio's block loop, nothing is taken before EOF,
      // so a cancelled read(-1) loses nothing.
      return this._eof ? this._take(live) : WAIT;
    }
    if (live === 0) return this._eof ? EMPTY : WAIT;
    return this._take(Math.min(n, live));
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
    return new ReadExactly(this, n);
  }

  /** @internal `readexactly(n)`'s attempt (see `ReadOp`, read-ops.ts). */
  _attemptReadExactly(n: number): unknown {
    if (this._exception !== null) return failWith(this._exception);
    if (n === 0) return EMPTY;
    const live = this._end - this._start;
    if (live >= n) return this._take(n);
    if (this._eof) return failWith(new IncompleteReadError(this._take(live), n));
    return WAIT;
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
    return new ReadUntil(this, sep);
  }

  /**
   * @internal `readuntil(sep)`'s attempt, and `readline()`'s (`line`: asyncio readline's
   * handling of readuntil's errors, done here rather than by a catch per line: the last,
   * unterminated line at EOF is the result, and an overlong line is dropped before the
   * `LimitOverrunError`).
   */
  _attemptReadUntil(sep: Buffer, line: boolean): unknown {
    if (this._exception !== null) return failWith(this._exception);
    const seplen = sep.length;
    const live = this._end - this._start;
    const scanSep = this._scanSep;
    let offset = scanSep !== undefined && (scanSep === sep || scanSep.equals(sep)) ? this._scanned : 0;
    if (live - offset >= seplen) {
      const found = this._buf.indexOf(sep, this._start + offset);
      // The buffer may hold stale bytes past _end: a match must end within the live part.
      if (found !== -1 && found + seplen <= this._end) {
        const isep = found - this._start;
        if (isep > this.limit) {
          if (line) this._discard(isep + seplen);
          return failWith(new LimitOverrunError("Separator is found, but chunk is longer than limit", isep));
        }
        return this._take(isep + seplen);
      }
      offset = live + 1 - seplen;
      // A copy of a caller's separator: it could change before the next attempt.
      if (scanSep !== sep) this._scanSep = sep === NEWLINE ? sep : Buffer.from(sep);
      this._scanned = offset;
      if (offset > this.limit) {
        if (line) this._discard(live);
        return failWith(new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset));
      }
    }
    if (this._eof) {
      const partial = this._take(live);
      return line ? partial : failWith(new IncompleteReadError(partial, null));
    }
    return WAIT;
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
    return this._readline;
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
    const decoder = encoding === "utf-8" ? UTF8 : new TextDecoder(encoding);
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
   * @internal Suspends fiber `f` until the buffer changes (`feedData`, `feedEof`,
   * `setException`), then resumes it with `op`, which attempts again. At most one task
   * waits at a time; a second is a defect (asyncio's RuntimeError).
   */
  _wait(f: Fiber, op: Aio<unknown, unknown>): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    if (this._waiter !== undefined)
      return AioM.die(
        new Error(`StreamReader.${(op as ReadOp<unknown, unknown>).name}() called while another task is already waiting for incoming data`),
      );
    // Waiting while paused would deadlock: let the socket deliver again.
    if (this._paused) {
      this._paused = false;
      this._transport?.resume();
    }
    // Fed by a socket, this is a wait for the host: a virtual-time loop must not jump its
    // clock past it, as for a pending promise. (A reader fed by the program itself is
    // not: its data comes from another task.)
    this._waiter = suspendOnHost(f, this._transport !== undefined, this._waitCancelled);
    this._waitOp = op;
    return null;
  }

  /** The waiting task was cancelled: it waits no more (its token is settled). @internal */
  private readonly _waitCancelled = (): void => {
    if (this._waiter?.settled === true) {
      this._waiter = undefined;
      this._waitOp = undefined;
    }
  };

  /** @internal */
  private _wakeup(): void {
    if (this._waiter === undefined) return;
    // Data from the socket, in its 'data' callback: the loop may run the woken task right
    // here when it has nothing else to do (see `_wakeFromHost`, which calls the wake at once
    // either way, so the waiter is still ours when it runs).
    if (this._transport !== undefined) (this._waiter.fiber._loop as unknown as BaseEventLoop)._wakeFromHost(this._resumeWaiter);
    else this._resumeWaiter();
  }

  /** Resumes the waiting task with its read, which attempts again (one closure per reader). @internal */
  private readonly _resumeWaiter = (): void => {
    const w = this._waiter!;
    const op = this._waitOp!;
    this._waiter = undefined;
    this._waitOp = undefined;
    w.resume(op);
  };

  /** Takes the first `n` (≤ buffered) bytes out of the buffer. @internal */
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

  /** @internal */
  private _discard(n: number): void {
    this._scanned = 0;
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
