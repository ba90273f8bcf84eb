/**
 * Servers: `startServer` / `startUnixServer` (asyncio start_server), the `Server` they
 * make, and their scoped forms `withServer` / `withUnixServer`.
 * @module streams/server
 */
import * as net from "node:net";
import * as tls from "node:tls";
import * as AioM from "../Aio.js";
import type { Aio } from "../Aio.js";
import * as Cause from "../Cause.js";
import { getRunningLoop, type EventLoop } from "../events.js";
import type { Task } from "../tasks.js";
import { toSocketError, type SocketError } from "./errors.js";
import { checkLimit, checkPort, hostWait } from "./internal.js";
import { StreamReader, type StreamReaderOptions } from "./reader.js";
import { StreamWriter, type SocketAddress } from "./writer.js";

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
 * ```ts runnable
 * import { Aio, startServer } from "aio-ts";
 * const main = Aio.gen(function* () {
 *   const server = yield* startServer((r, w) => Aio.sync(() => w.close()), "127.0.0.1", 0);
 *   console.log("serving on", server.sockets());
 *   yield* server.serveForever();
 * });
 * ```
 */
export class Server {
  /** @internal */
  private _closed = false;
  /** @internal */
  private _listenerClosed = false;
  /** @internal */
  private readonly _conns = new Set<Connection>();
  /** @internal */
  private readonly _serveWaiters = new Set<(aio: Aio<void>) => void>();
  /** @internal */
  private readonly _closeWaiters = new Set<(aio: Aio<void>) => void>();

  /** @internal Made by `startServer` / `startUnixServer`. */
  constructor(
    /** @internal */ private readonly _server: net.Server,
    /** @internal */ private readonly _loop: EventLoop,
    /** @internal */ private readonly _handler: ClientConnected<unknown>,
    /** @internal */ private readonly _limit: number | undefined,
    /** @internal */ private readonly _unixPath: string | undefined,
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

  /** @internal */
  private _forget(conn: Connection): void {
    if (conn.taskDone && conn.socketClosed && this._conns.delete(conn)) this._maybeClosed();
  }

  /** @internal */
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
