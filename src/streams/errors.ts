/**
 * The errors of streams: the `OSError` family (asyncio's socket errors, typed by Node's
 * error code), `IncompleteReadError`, `LimitOverrunError`, and `toSocketError`.
 * @module streams/errors
 */
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
