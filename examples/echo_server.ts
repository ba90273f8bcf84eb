/**
 * The asyncio documentation's TCP echo server and client using streams
 * (asyncio-stream.html, "TCP echo client using streams" / "TCP echo server using
 * streams"), in one program: the server on 127.0.0.1 (port 0: the system picks a free
 * one), the client talking to it, then a graceful shutdown.
 *
 * ```python
 * async def handle_echo(reader, writer):
 *     data = await reader.read(100)
 *     message = data.decode()
 *     addr = writer.get_extra_info('peername')
 *     print(f"Received {message!r} from {addr!r}")
 *     print(f"Send: {message!r}")
 *     writer.write(data)
 *     await writer.drain()
 *     print("Close the connection")
 *     writer.close()
 *     await writer.wait_closed()
 *
 * async def tcp_echo_client(message, port):
 *     reader, writer = await asyncio.open_connection('127.0.0.1', port)
 *     print(f'Send: {message!r}')
 *     writer.write(message.encode())
 *     await writer.drain()
 *     data = await reader.read(100)
 *     print(f'Received: {data.decode()!r}')
 *     print('Close the connection')
 *     writer.close()
 *     await writer.wait_closed()
 *
 * async def main():
 *     server = await asyncio.start_server(handle_echo, '127.0.0.1', 0)
 *     print(f'Serving on {server.sockets[0].getsockname()}')
 *     async with server:
 *         await tcp_echo_client('Hello World!', port)
 * ```
 *
 * `withServer` is the `async with server:` — the server is closed and waited for when
 * the body ends, however it ends.
 *
 * Run it alone: `npx tsx examples/echo_server.ts` (it also runs in `npm run examples`).
 */
import {
  Aio,
  decodeText,
  openConnection,
  withServer,
  type EventLoop,
  type Server,
  type StreamReader,
  type StreamWriter,
} from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `repr()` of a Python string, near enough for the example's messages. */
const repr = (s: string): string => `'${s}'`;

/** `handle_echo`: read up to 100 bytes, send them back, close the connection. */
export const handleEcho =
  (log: Log) =>
  (reader: StreamReader, writer: StreamWriter): Aio.Aio<void, unknown> =>
    Aio.gen(function* () {
      const data = yield* reader.read(100);
      const message = decodeText(data);
      const addr = writer.getExtraInfo("peername");
      const from = addr !== undefined && "port" in addr ? `('${addr.address}', ${addr.port})` : "?";
      log(`[server] Received ${repr(message)} from ${from}`);
      log(`[server] Send: ${repr(message)}`);
      writer.write(data);
      yield* writer.drain();
      log("[server] Close the connection");
      writer.close();
      yield* writer.waitClosed();
    });

/** `tcp_echo_client`: send `message`, print the reply; the reply. */
export const tcpEchoClient = (message: string, port: number, log: Log) =>
  Aio.gen(function* () {
    const [reader, writer] = yield* openConnection("127.0.0.1", port);
    log(`[client] Send: ${repr(message)}`);
    writer.write(message);
    yield* writer.drain();
    const data = yield* reader.read(100);
    const reply = decodeText(data);
    log(`[client] Received: ${repr(reply)}`);
    log("[client] Close the connection");
    writer.close();
    yield* writer.waitClosed();
    return reply;
  });

/** The port a TCP server listens on. */
const portOf = (server: Server): number => {
  const a = server.sockets()[0];
  if (a === undefined || !("port" in a)) throw new Error("the server is not listening on TCP");
  return a.port;
};

/** `main()`: serve on 127.0.0.1, echo one message, shut down; the client's reply. */
export const main = (log: Log) =>
  withServer(handleEcho(log), "127.0.0.1", 0)((server) =>
    Aio.gen(function* () {
      const port = portOf(server);
      log(`Serving on ('127.0.0.1', ${port})`);
      const reply = yield* tcpEchoClient("Hello World!", port, log);
      log("Shutting down");
      return reply;
    }),
  );

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<string> {
  const reply = await loop.runUntilComplete(main(log));
  loop.close();
  return reply;
}

await runIfEntryPoint(import.meta.url, runExample);
