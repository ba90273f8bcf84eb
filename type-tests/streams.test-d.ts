/**
 * Type tests of the streams API (src/streams.ts), checked against the built declarations
 * by tsd: `npm run build && npm run test:types`. What is pinned: each read's precise
 * error type, the typed socket errors narrowing with catchTag / catchTags, the scopes'
 * types, and misuse that must not compile.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import {
  Aio,
  ConnectionRefusedError,
  IncompleteReadError,
  LimitOverrunError,
  StreamReader,
  openConnection,
  startServer,
  withConnection,
  withServer,
  type BrokenPipeError,
  type ConnectionAbortedError,
  type ConnectionResetError,
  type OSError,
  type SSLError,
  type Server,
  type SocketError,
  type SocketAddress,
  type StreamWriter,
} from "aio-ts";

declare const reader: StreamReader;
declare const writer: StreamWriter;

// ----- reads: each says exactly how it can fail -------------------------------------------

expectType<Aio<Uint8Array, SocketError>>(reader.read());
expectType<Aio<Uint8Array, SocketError | LimitOverrunError>>(reader.readline());
expectType<Aio<Uint8Array, SocketError | IncompleteReadError>>(reader.readexactly(4));
expectType<Aio<Uint8Array, SocketError | IncompleteReadError | LimitOverrunError>>(reader.readuntil("\r\n"));
expectType<Aio<string | null, SocketError | LimitOverrunError>>(reader.readText());
expectType<Aio<void, "stop" | SocketError | LimitOverrunError>>(
  reader.forEachLine(() => Aio.fail("stop" as const)),
);
expectType<IncompleteReadError["expected"]>(null as number | null);

// ----- writer --------------------------------------------------------------------------

expectType<void>(writer.write("text"));
expectType<Aio<void, SocketError>>(writer.drain());
expectType<Aio<void, SocketError>>(writer.waitClosed());
expectType<SocketAddress | undefined>(writer.getExtraInfo("peername"));
expectError(writer.getExtraInfo("fileno"));
expectError(writer.write(42));

// ----- connections and errors ----------------------------------------------------------------

const conn = openConnection("127.0.0.1", 8888);
expectType<Aio<[StreamReader, StreamWriter], SocketError>>(conn);

// catchTag removes exactly the handled error.
const refused = conn.pipe(Aio.catchTag("ConnectionRefusedError", (e) => Aio.succeed(e.code)));
expectType<
  Aio<
    string | [StreamReader, StreamWriter],
    OSError | ConnectionResetError | BrokenPipeError | ConnectionAbortedError | SSLError
  >
>(refused);
expectAssignable<SocketError>(new ConnectionRefusedError("x"));

// A line protocol's errors, all handled: nothing left in E.
const handled = reader.readuntil(";").pipe(
  Aio.catchTags({
    IncompleteReadError: (e) => Aio.succeed(e.partial),
    LimitOverrunError: (e) => Aio.succeed(new Uint8Array(e.consumed)),
    OSError: () => Aio.succeed(new Uint8Array()),
    ConnectionResetError: () => Aio.succeed(new Uint8Array()),
    BrokenPipeError: () => Aio.succeed(new Uint8Array()),
    ConnectionRefusedError: () => Aio.succeed(new Uint8Array()),
    ConnectionAbortedError: () => Aio.succeed(new Uint8Array()),
    SSLError: () => Aio.succeed(new Uint8Array()),
  }),
);
type HandledError = Aio.Error<typeof handled>;
expectType<HandledError>(null as never);
expectAssignable<Aio<Uint8Array, never>>(handled);

// ----- scopes ------------------------------------------------------------------------------

expectType<Aio<number, "bad" | SocketError>>(
  withConnection("127.0.0.1", 8888)((_r, _w) => (Math.random() > 0.5 ? Aio.succeed(1) : Aio.fail("bad" as const))),
);
// The handler's own error type is reported, not part of the server's.
expectType<Aio<Server, SocketError>>(startServer(() => Aio.fail("handler failed" as const), "127.0.0.1", 0));
expectType<Aio<void, SocketError>>(withServer(() => Aio.void, "127.0.0.1", 0)((s) => s.serveForever()));
// A handler must return an Aio.
expectError(startServer(() => 42, "127.0.0.1", 0));
