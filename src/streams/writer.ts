/**
 * `StreamWriter`: the writing half of a connection (asyncio.StreamWriter), with `drain`
 * backpressure, `close` / `waitClosed` and `startTls`.
 * @module streams/writer
 */
import type * as net from "node:net";
import * as tls from "node:tls";
import * as AioM from "../Aio.js";
import * as Cause from "../Cause.js";
import type { Aio } from "../Aio.js";
import { Aio as AioNode, DONE_RESULT, inlineStep, throwIntoGen, type Fiber, type Next, type YieldOf } from "../internal/aio.js";
import type { AsyncToken } from "../internal/async.js";
import { toSocketError, type SocketError } from "./errors.js";
import { connectionLost, hostWait, noop, suspendOnHost } from "./internal.js";
import type { StreamReader } from "./reader.js";

/** A set of waits on a socket event (drain, close), each resumed by `StreamWriter._wake`. */
type Waiters = Set<AsyncToken>;

/** @internal Waits on a socket event: joins `waiters` until `_wake` resumes it. */
class HostWait extends AioNode<void, SocketError> {
  constructor(readonly waiters: Waiters) {
    super();
  }
  /** @internal */
  _eval(f: Fiber): Next {
    if (f._mustCancel && f._interruptible) return f._cancelNow();
    const waiters = this.waiters;
    const token: AsyncToken = suspendOnHost(f, true, () => void waiters.delete(token));
    waiters.add(token);
    return null;
  }
}

/** `_drainCheck()`'s answer when the socket's buffer is above its high-water mark. */
const MUST_WAIT: object = Object.freeze({ _mustWait: true });

/**
 * @internal `writer.drain()`: one node per writer (an Aio is an immutable description).
 * When nothing is to be waited for, `yield*` of it completes inline, without a fiber step.
 */
class Drain extends AioNode<void, SocketError> {
  constructor(readonly writer: StreamWriter) {
    super();
  }
  /** @internal */
  _eval(f: Fiber): Next {
    const r = this.writer._drainCheck();
    if (r === null) {
      f._v = undefined;
      return f._ret();
    }
    if (r === MUST_WAIT) return this.writer._drainWait;
    f._cause = Cause.fail(r);
    return f._fail();
  }
  override next(sent?: unknown): IteratorResult<YieldOf<SocketError>, void> {
    if (sent !== undefined || !inlineStep()) return super.next(sent);
    const r = this.writer._drainCheck();
    if (r === null) {
      DONE_RESULT.value = undefined;
      return DONE_RESULT as IteratorReturnResult<void>;
    }
    if (r === MUST_WAIT) return super.next(sent);
    throw throwIntoGen(Cause.fail(r));
  }
}

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
  /** @internal */
  private _socket: net.Socket;
  /** @internal */
  private _closing = false;
  /** @internal */
  private _eofWritten = false;
  /** @internal */
  private _closed = false;
  /** @internal */
  private _lost: SocketError | null = null;
  /** @internal */
  private readonly _drainWaiters: Waiters = new Set();
  /** @internal */
  private readonly _closeWaiters: Waiters = new Set();
  /** @internal `drain()`'s wait, and `drain()` itself (one node each per writer). */
  readonly _drainWait: Aio<void, SocketError> = new HostWait(this._drainWaiters);
  /** @internal */
  private readonly _drain: Aio<void, SocketError> = new Drain(this);
  /** @internal */
  private readonly _waitClosed: Aio<void, SocketError> = new HostWait(this._closeWaiters);
  /** @internal */
  private _detach: () => void = noop;

  /** @internal Made by `openConnection` / `startServer`; wires `socket` to `reader`. */
  constructor(
    socket: net.Socket,
    /** @internal */ private readonly _reader: StreamReader,
    /** @internal */ private readonly _unixPath?: { readonly local: string; readonly remote: string },
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

  /** Listens to `socket` for the reader and for this writer. @internal */
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
      // The error (and its stack capture) only when a drain is waiting for it: most
      // connections close with no drain pending (S14 profile: 0.4% of the run).
      if (this._drainWaiters.size > 0) this._wake(this._drainWaiters, AioM.fail(lost ?? connectionLost()));
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

  /** @internal */
  private _wake(waiters: Waiters, aio: Aio<void, SocketError>): void {
    if (waiters.size === 0) return;
    const all = [...waiters];
    waiters.clear();
    for (const w of all) w.resume(aio);
  }

  /** Whether writes are dropped now (closing, closed or lost). @internal */
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
    if (typeof data !== "string" && !(data instanceof Uint8Array))
      throw new TypeError("StreamWriter.write: expected a Uint8Array or a string");
    if (this._eofWritten && !this._dead()) throw new Error("StreamWriter.write: cannot write after writeEof()");
    if (this._dead() || data.length === 0) return;
    // A string goes to the socket as it is: Node encodes it as UTF-8 straight into the
    // write (no Buffer made here first).
    this._socket.write(data);
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
    return this._drain;
  }

  /** @internal What `drain()` does now: `null` (done), `MUST_WAIT`, or the error to fail with. */
  _drainCheck(): SocketError | null | typeof MUST_WAIT {
    const exc = this._reader.exception();
    if (exc !== null) return exc;
    if (this._lost !== null) return this._lost;
    if (this._dead()) return connectionLost();
    return this._socket.writableNeedDrain ? MUST_WAIT : null;
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
      return this._waitClosed;
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

  /** After a failed upgrade: the connection is gone, everything waiting sees `err`. @internal */
  private _attachDead(s: net.Socket, err: SocketError): void {
    this._socket = s;
    if (this._lost === null) this._lost = err;
    this._closed = true;
    this._reader.setException(err);
    this._wake(this._drainWaiters, AioM.fail(err));
    this._wake(this._closeWaiters, AioM.fail(err));
  }
}
