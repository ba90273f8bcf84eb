/**
 * Opening connections: `openConnection` / `openUnixConnection` (asyncio open_connection)
 * and their scoped forms `withConnection` / `withUnixConnection`.
 * @module streams/connection
 */
import * as net from "node:net";
import * as tls from "node:tls";
import * as AioM from "../Aio.js";
import type { Aio } from "../Aio.js";
import type * as Exit from "../Exit.js";
import { toSocketError, type SocketError } from "./errors.js";
import { checkLimit, checkPort, hostWait, noop } from "./internal.js";
import { StreamReader, type StreamReaderOptions } from "./reader.js";
import { StreamWriter } from "./writer.js";

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
