/**
 * Streams over real sockets: TCP on 127.0.0.1 (port 0), a Unix socket in a temp dir, TLS
 * with a self-signed certificate made here. Real clock (the I/O is real), generous
 * timeouts, no timing assertions: every assertion is on bytes, errors and states.
 */
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Aio,
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionRefusedError,
  ConnectionResetError,
  Exit,
  IncompleteReadError,
  OSError,
  SSLError,
  createFuture,
  createRuntime,
  createTask,
  decodeText,
  getRunningLoop,
  newEventLoop,
  openConnection,
  openUnixConnection,
  run,
  startServer,
  startUnixServer,
  withConnection,
  withServer,
  waitFor,
  type ClientConnected,
  type ExceptionContext,
  type Server,
  type StreamReader,
  type StreamWriter,
} from "../src/index.js";
import { cancelAndJoin, errorOf, expectInterrupted } from "./helpers.js";
import { examples } from "../examples/main.js";
import * as echoExample from "../examples/echo_server.js";

const T = 60_000; // generous: real sockets on a shared machine
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => decodeText(b);
const HOST = "127.0.0.1";

const portOf = (server: Server): number => {
  const a = server.sockets()[0];
  if (a === undefined || !("port" in a)) throw new Error("not a TCP server");
  return a.port;
};

/** asyncio's guide echo handler: read(100), write it back, close. */
const handleEcho =
  (log: string[]): ClientConnected<unknown> =>
  (reader, writer) =>
    Aio.gen(function* () {
      const data = yield* reader.read(100);
      const message = dec(data);
      const addr = writer.getExtraInfo("peername");
      log.push(`Received ${JSON.stringify(message)} from ${addr !== undefined && "port" in addr ? addr.address : "?"}`);
      writer.write(data);
      yield* writer.drain();
      writer.close();
      yield* writer.waitClosed();
    });

/** asyncio's guide echo client. */
const echoClient = (message: string, connect: Aio.Aio<[StreamReader, StreamWriter], unknown>) =>
  Aio.gen(function* () {
    const [reader, writer] = yield* connect;
    writer.write(message);
    yield* writer.drain();
    const data = yield* reader.read(100);
    writer.close();
    yield* writer.waitClosed();
    return dec(data);
  });

let tmp = "";
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "aio-streams-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("echo server and client (the asyncio guide's)", () => {
  it(
    "TCP on 127.0.0.1: the client gets its message back; close + waitClosed stop the server",
    async () => {
      const log: string[] = [];
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(handleEcho(log), HOST, 0);
          expect(server.isServing()).toBe(true);
          const port = portOf(server);
          expect(port).toBeGreaterThan(0);
          const got = yield* echoClient("Hello World!", openConnection(HOST, port));
          server.close();
          yield* server.waitClosed();
          return { got, serving: server.isServing(), sockets: server.sockets(), conns: server.connectionCount() };
        }),
      );
      expect(out).toEqual({ got: "Hello World!", serving: false, sockets: [], conns: 0 });
      expect(log).toEqual(['Received "Hello World!" from 127.0.0.1']);
    },
    T,
  );

  it(
    "Unix socket in a temp dir: same exchange; the socket file is gone after close",
    async () => {
      const path = join(tmp, "echo.sock");
      const log: string[] = [];
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startUnixServer(handleEcho(log), path);
          expect(server.sockets()).toEqual([{ family: "unix", path }]);
          const a = yield* echoClient("over unix", openUnixConnection(path));
          const b = yield* echoClient("again", openUnixConnection(path));
          server.close();
          yield* server.waitClosed();
          return [a, b];
        }),
      );
      expect(out).toEqual(["over unix", "again"]);
      expect(log.length).toBe(2);
      expect(existsSync(path)).toBe(false);
    },
    T,
  );

  it(
    "getExtraInfo: peername of one end is sockname of the other",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const seen = yield* createFuture<unknown>();
          const server = yield* startServer(
            (_r, w) => Aio.sync(() => seen.setResult({ peer: w.getExtraInfo("peername"), sock: w.getExtraInfo("sockname") })),
            HOST,
            0,
          );
          const [, writer] = yield* openConnection(HOST, portOf(server));
          const serverSide = yield* seen;
          const client = { peer: writer.getExtraInfo("peername"), sock: writer.getExtraInfo("sockname") };
          expect(writer.getExtraInfo("peercert")).toBe(undefined);
          writer.close();
          server.close();
          yield* server.waitClosed();
          return { serverSide, client };
        }),
      );
      expect(out.serverSide).toEqual({ peer: out.client.sock, sock: out.client.peer });
      expect(out.client.peer).toMatchObject({ address: HOST, family: "IPv4" });
    },
    T,
  );
});

describe("connection errors are typed", () => {
  it(
    "nothing listening: ConnectionRefusedError",
    async () => {
      const exit = await run(
        Aio.gen(function* () {
          const server = yield* startServer(() => Aio.void, HOST, 0);
          const port = portOf(server);
          server.close();
          yield* server.waitClosed();
          return yield* Aio.exit(openConnection(HOST, port));
        }),
      );
      const e = errorOf(exit);
      expect(e).toBeInstanceOf(ConnectionRefusedError);
      expect((e as ConnectionRefusedError).code).toBe("ECONNREFUSED");
    },
    T,
  );

  it(
    "a port in use: OSError EADDRINUSE; a bad port or limit is a RangeError when built",
    async () => {
      const exit = await run(
        Aio.gen(function* () {
          const server = yield* startServer(() => Aio.void, HOST, 0);
          const second = yield* Aio.exit(startServer(() => Aio.void, HOST, portOf(server)));
          server.close();
          yield* server.waitClosed();
          return second;
        }),
      );
      const e = errorOf(exit);
      expect(e).toBeInstanceOf(OSError);
      expect((e as OSError).code).toBe("EADDRINUSE");
      expect(() => openConnection(HOST, 70000)).toThrow(RangeError);
      expect(() => openConnection(HOST, 1.5)).toThrow(RangeError);
      expect(() => startServer(() => Aio.void, HOST, 0, { limit: 0 })).toThrow(RangeError);
    },
    T,
  );

  it(
    "an aborted signal: ConnectionAbortedError (ABORT_ERR), before or after connecting",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer((r) => r.read(), HOST, 0);
          const port = portOf(server);
          const before = yield* Aio.exit(openConnection(HOST, port, { signal: AbortSignal.abort() }));
          const ac = new AbortController();
          const [reader] = yield* openConnection(HOST, port, { signal: ac.signal });
          const pending = yield* createTask(Aio.exit(reader.read()));
          yield* Aio.sleep(10);
          ac.abort();
          const after = yield* pending;
          server.close();
          yield* server.waitClosed();
          return { before, after };
        }),
      );
      for (const e of [errorOf(out.before), errorOf(out.after)]) {
        expect(e).toBeInstanceOf(ConnectionAbortedError);
        expect((e as ConnectionAbortedError).code).toBe("ABORT_ERR");
      }
    },
    T,
  );
});

describe("half-close, close, and writes after close", () => {
  it(
    "writeEof: the server reads to EOF, answers, closes; the client reads the answer",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              Aio.gen(function* () {
                const all = yield* reader.read();
                writer.write(`got ${all.length} bytes`);
                yield* writer.drain();
                writer.close();
              }),
            HOST,
            0,
          );
          const [reader, writer] = yield* openConnection(HOST, portOf(server));
          expect(writer.canWriteEof()).toBe(true);
          writer.writelines(["a".repeat(1000), "b".repeat(24)]);
          writer.writeEof();
          writer.writeEof(); // idempotent
          const reply = dec(yield* reader.read());
          const eof = reader.atEof();
          writer.close();
          yield* writer.waitClosed();
          server.close();
          yield* server.waitClosed();
          return { reply, eof };
        }),
      );
      expect(out).toEqual({ reply: "got 1024 bytes", eof: true });
    },
    T,
  );

  it(
    "after close(): write is dropped, drain fails with ConnectionResetError, isClosing is true; after writeEof write is a defect",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer((r) => r.read(), HOST, 0);
          const [, writer] = yield* openConnection(HOST, portOf(server));
          const [, w2] = yield* openConnection(HOST, portOf(server));
          w2.writeEof();
          const afterEof = yield* Aio.exit(Aio.sync(() => w2.write("x")));
          writer.close();
          writer.write("dropped");
          const closing = writer.isClosing();
          const drain = yield* Aio.exit(writer.drain());
          yield* writer.waitClosed();
          const drainAfter = yield* Aio.exit(writer.drain());
          w2.close();
          server.close();
          yield* server.waitClosed();
          return { afterEof, closing, drain, drainAfter };
        }),
      );
      expect(String(Exit.isFailure(out.afterEof) && out.afterEof.cause._tag === "Die" && out.afterEof.cause.defect)).toMatch(
        /after writeEof/,
      );
      expect(out.closing).toBe(true);
      expect(errorOf(out.drain)).toBeInstanceOf(ConnectionResetError);
      expect((errorOf(out.drain) as ConnectionResetError).message).toBe("Connection lost");
      expect(errorOf(out.drainAfter)).toBeInstanceOf(ConnectionResetError);
    },
    T,
  );
});

describe("flow control: 64 MiB through a slow reader", () => {
  it(
    "the writer really waits in drain; both buffers stay bounded; every byte arrives in order",
    async () => {
      const CHUNK = 64 * 1024;
      const COUNT = 1024; // 64 MiB
      const LIMIT = 64 * 1024;
      const stats = { maxWritable: 0, drainWaits: 0, maxBuffered: 0, received: 0, bad: 0, maxInFlight: 0 };
      await run(
        Aio.gen(function* () {
          const done = yield* createFuture<void>();
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                // chunk i is filled with i & 0xff
                for (;;) {
                  stats.maxBuffered = Math.max(stats.maxBuffered, reader.bufferedLength);
                  const data = yield* reader.read(LIMIT);
                  if (data.length === 0) break;
                  for (let k = 0; k < data.length; k += 4096) {
                    const at = stats.received + k;
                    if (data[k] !== (Math.floor(at / CHUNK) & 0xff)) stats.bad++;
                  }
                  stats.received += data.length;
                  yield* Aio.sleep(1); // a slow reader: at most 64 KiB per ms
                }
                done.setResult(undefined);
              }),
            HOST,
            0,
            { limit: LIMIT },
          );
          const [, writer] = yield* openConnection(HOST, portOf(server));
          const sock = writer.transport;
          for (let i = 0; i < COUNT; i++) {
            writer.write(Buffer.alloc(CHUNK, i & 0xff));
            stats.maxWritable = Math.max(stats.maxWritable, sock.writableLength);
            stats.maxInFlight = Math.max(stats.maxInFlight, (i + 1) * CHUNK - stats.received);
            if (sock.writableNeedDrain) stats.drainWaits++;
            yield* writer.drain();
          }
          writer.close();
          yield* writer.waitClosed();
          yield* done;
          server.close();
          yield* server.waitClosed();
        }),
      );
      expect(stats.received).toBe(CHUNK * COUNT);
      expect(stats.bad).toBe(0);
      // The writer was held back: many drains had to wait, and Node's buffer never held
      // more than the chunk just written on top of what was below the high-water mark.
      expect(stats.drainWaits).toBeGreaterThan(10);
      // Written but not yet read (in our buffers and the kernel's): bounded far below the
      // 64 MiB a writer that never waited would have queued.
      expect(stats.maxInFlight).toBeLessThan(16 * 1024 * 1024);
      expect(stats.maxWritable).toBeLessThanOrEqual(2 * CHUNK);
      // The reader paused the socket above 2 × limit: at most one more chunk came in.
      expect(stats.maxBuffered).toBeLessThanOrEqual(2 * LIMIT + 64 * 1024);
    },
    120_000,
  );
});

describe("a peer that goes away", () => {
  it(
    "mid-transfer: the writer's drain fails with a typed connection error (never spins), and keeps failing",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              Aio.gen(function* () {
                yield* reader.readexactly(1 << 20);
                writer.transport.resetAndDestroy(); // RST, with more data on the way
              }),
            HOST,
            0,
          );
          const [, writer] = yield* openConnection(HOST, portOf(server));
          let sent = 0;
          const failure = yield* Aio.exit(
            Aio.gen(function* () {
              for (;;) {
                writer.write(Buffer.alloc(64 * 1024));
                sent += 64 * 1024;
                yield* writer.drain();
                if (sent > 1 << 30) throw new Error("the writer never noticed the peer left");
              }
            }),
          );
          writer.write("more"); // dropped, no throw
          const again = yield* Aio.exit(writer.drain());
          const closed = yield* Aio.exit(writer.waitClosed());
          server.close();
          yield* server.waitClosed();
          return { failure, again, closed, sent };
        }),
      );
      const e = errorOf(out.failure);
      expect(e === undefined ? "no typed failure" : (e as Error).name).toMatch(/^(ConnectionResetError|BrokenPipeError)$/);
      expect(errorOf(out.again)).toBe(e);
      expect(errorOf(out.closed)).toBe(e);
      expect(out.sent).toBeGreaterThanOrEqual(1 << 20);
    },
    T,
  );

  it(
    "a reset while a read waits: the read fails with ConnectionResetError; a clean close is EOF",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const reads = yield* createFuture<Exit.Exit<Uint8Array, unknown>[]>();
          const results: Exit.Exit<Uint8Array, unknown>[] = [];
          let accepted = 0;
          let finished = 0;
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                const id = accepted++; // handlers start in the order the connections came
                results[id] = yield* Aio.exit(reader.readexactly(100));
                if (++finished === 2) reads.setResult(results);
              }),
            HOST,
            0,
          );
          const [, w1] = yield* openConnection(HOST, portOf(server));
          w1.write("abc");
          yield* w1.drain();
          yield* Aio.sleep(20);
          w1.transport.resetAndDestroy();
          const [, w2] = yield* openConnection(HOST, portOf(server));
          w2.write("xyz");
          w2.close();
          const got = yield* reads;
          server.close();
          yield* server.waitClosed();
          return got;
        }),
      );
      expect(errorOf(out[0]!)).toBeInstanceOf(ConnectionResetError);
      const incomplete = errorOf(out[1]!) as IncompleteReadError;
      expect(incomplete).toBeInstanceOf(IncompleteReadError);
      expect(dec(incomplete.partial)).toBe("xyz");
      expect(incomplete.expected).toBe(100);
    },
    T,
  );
});

describe("cancellation safety over a socket", () => {
  it(
    "a cancelled readexactly consumes nothing: the next one gets every byte",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const go = yield* createFuture<void>();
          const server = yield* startServer(
            (_reader, writer) =>
              Aio.gen(function* () {
                writer.write("01234");
                yield* writer.drain();
                yield* go;
                writer.write("56789");
                yield* writer.drain();
              }),
            HOST,
            0,
          );
          const [reader, writer] = yield* openConnection(HOST, portOf(server));
          const t = yield* createTask(reader.readexactly(10));
          while (reader.bufferedLength < 5) yield* Aio.sleep(5);
          expectInterrupted(yield* cancelAndJoin(t));
          go.setResult(undefined);
          const all = dec(yield* reader.readexactly(10));
          writer.close();
          server.close();
          yield* server.waitClosed();
          return all;
        }),
      );
      expect(out).toBe("0123456789");
    },
    T,
  );

  it(
    "a cancelled drain leaves the writer usable: later drains and writes go through",
    async () => {
      const TOTAL = 32 * 1024 * 1024;
      const out = await run(
        Aio.gen(function* () {
          const startReading = yield* createFuture<void>();
          const received = yield* createFuture<number>();
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                yield* startReading;
                received.setResult((yield* reader.read()).length);
              }),
            HOST,
            0,
          );
          const [, writer] = yield* openConnection(HOST, portOf(server));
          let sent = 0;
          // Fill until drain must wait: the server is not reading yet, and 16 MiB are in
          // Node's own buffer, on top of whatever the kernel's buffers took.
          while (writer.transport.writableLength < TOTAL / 2) {
            writer.write(Buffer.alloc(256 * 1024, 1));
            sent += 256 * 1024;
          }
          const t = yield* createTask(writer.drain());
          yield* Aio.sleep(20);
          const stuck = !t.done();
          expectInterrupted(yield* cancelAndJoin(t)); // it was still waiting when cancelled
          startReading.setResult(undefined);
          yield* writer.drain();
          while (sent < TOTAL) {
            writer.write(Buffer.alloc(256 * 1024, 2));
            sent += 256 * 1024;
            yield* writer.drain();
          }
          writer.close();
          yield* writer.waitClosed();
          const n = yield* received;
          server.close();
          yield* server.waitClosed();
          return { stuck, n, sent };
        }),
      );
      expect(out.stuck).toBe(true);
      expect(out.n).toBe(out.sent);
    },
    T,
  );

  it(
    "cancelling a task blocked in openConnection destroys the half-open socket",
    async () => {
      // A plain TCP server that never answers a TLS handshake: the connect never completes.
      const out = await run(
        Aio.gen(function* () {
          const helloSeen = yield* createFuture<void>();
          const sawEof = yield* createFuture<boolean>();
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                yield* reader.readexactly(1); // the client hello has started to arrive
                helloSeen.setResult(undefined);
                yield* reader.read(); // then the rest, up to EOF
                sawEof.setResult(reader.atEof());
              }),
            HOST,
            0,
          );
          const t = yield* createTask(openConnection(HOST, portOf(server), { tls: true }));
          yield* helloSeen;
          const pending = !t.done();
          expectInterrupted(yield* cancelAndJoin(t));
          const eof = yield* sawEof; // the client's socket was closed
          server.close();
          yield* server.waitClosed();
          return { pending, eof };
        }),
      );
      expect(out).toEqual({ pending: true, eof: true });
    },
    T,
  );
});

describe("cancelling startTls", () => {
  it(
    "a handshake the server never answers: cancelling the upgrade closes the connection; drain then fails",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const helloSeen = yield* createFuture<void>();
          const sawEof = yield* createFuture<boolean>();
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                yield* reader.readexactly(1); // the client hello, never answered
                helloSeen.setResult(undefined);
                yield* reader.read();
                sawEof.setResult(reader.atEof());
              }),
            HOST,
            0,
          );
          const [, writer] = yield* openConnection(HOST, portOf(server));
          const t = yield* createTask(writer.startTls({ servername: "localhost" }));
          yield* helloSeen;
          expectInterrupted(yield* cancelAndJoin(t));
          const eof = yield* sawEof;
          const drain = yield* Aio.exit(writer.drain());
          server.close();
          yield* server.waitClosed();
          return { eof, drain, closing: writer.isClosing() };
        }),
      );
      expect(out.eof).toBe(true);
      expect(errorOf(out.drain)).toBeInstanceOf(ConnectionResetError);
      expect(out.closing).toBe(true);
    },
    T,
  );
});

describe("server lifecycle", () => {
  it(
    "a failing handler is reported to the loop's exception handler; the server keeps serving",
    async () => {
      const loop = newEventLoop();
      const reported: ExceptionContext[] = [];
      loop.setExceptionHandler((_l, ctx) => void reported.push(ctx));
      let n = 0;
      const out = await loop.runUntilComplete(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              Aio.gen(function* () {
                const line = dec(yield* reader.readline());
                if (++n === 1) return yield* Aio.fail({ _tag: "Boom" as const, line });
                writer.write(`ok ${line}`);
                yield* writer.drain();
              }),
            HOST,
            0,
          );
          const port = portOf(server);
          const first = yield* withConnection(HOST, port)((r, w) => Aio.suspend(() => (w.write("one\n"), r.read())));
          const second = yield* withConnection(HOST, port)((r, w) => Aio.suspend(() => (w.write("two\n"), r.read())));
          server.close();
          yield* server.waitClosed();
          return [dec(first), dec(second)];
        }),
      );
      loop.close();
      expect(out).toEqual(["", "ok two\n"]); // the failed handler's connection was closed
      expect(reported.length).toBe(1);
      expect(reported[0]!.message).toBe("Unhandled exception in client_connected_cb");
      expect(reported[0]!.exception).toEqual({ _tag: "Boom", line: "one\n" });
    },
    T,
  );

  it(
    "close() + waitClosed() end every handler task and close their connections; serveForever returns",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          let started = 0;
          let ended = 0;
          const server = yield* startServer(
            (reader) =>
              Aio.gen(function* () {
                started++;
                yield* reader.readline(); // never comes
              }).pipe(Aio.ensuring(Aio.sync(() => void ended++))),
            HOST,
            0,
          );
          const forever = yield* createTask(server.serveForever());
          const port = portOf(server);
          const clients: StreamReader[] = [];
          for (let i = 0; i < 5; i++) clients.push((yield* openConnection(HOST, port))[0]);
          while (started < 5) yield* Aio.sleep(5);
          expect(server.connectionCount()).toBe(5);
          server.close();
          yield* server.waitClosed();
          const eofs: number[] = [];
          for (const r of clients) eofs.push((yield* r.read()).length);
          yield* forever;
          return { started, ended, eofs, count: server.connectionCount(), forever: forever.done() };
        }),
      );
      expect(out).toEqual({ started: 5, ended: 5, eofs: [0, 0, 0, 0, 0], count: 0, forever: true });
    },
    T,
  );

  it(
    "cancelling serveForever closes the server (asyncio); withServer closes it on every exit",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(() => Aio.void, HOST, 0);
          const t = yield* createTask(server.serveForever());
          yield* Aio.sleep(5);
          expectInterrupted(yield* cancelAndJoin(t));
          const afterCancel = server.isServing();
          let inner: Server | undefined;
          const failed = yield* Aio.exit(
            withServer(() => Aio.void, HOST, 0)((s) => {
              inner = s;
              return Aio.fail("use failed" as const);
            }),
          );
          return { afterCancel, failed, innerServing: inner?.isServing() };
        }),
      );
      expect(out.afterCancel).toBe(false);
      expect(errorOf(out.failed)).toBe("use failed");
      expect(out.innerServing).toBe(false);
    },
    T,
  );

  it(
    "withConnection closes the socket however use ends (abort after a failure)",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer((r) => r.read(), HOST, 0);
          const port = portOf(server);
          const writers: StreamWriter[] = [];
          const ok = yield* withConnection(HOST, port)((_r, w) => Aio.sync(() => (writers.push(w), 1)));
          const bad = yield* Aio.exit(
            withConnection(HOST, port)((_r, w) => Aio.suspend(() => (writers.push(w), Aio.fail("nope" as const)))),
          );
          server.close();
          yield* server.waitClosed();
          return { ok, bad, destroyed: writers.map((w) => w.transport.destroyed) };
        }),
      );
      expect(out.ok).toBe(1);
      expect(errorOf(out.bad)).toBe("nope");
      expect(out.destroyed).toEqual([true, true]);
    },
    T,
  );

  it(
    "1,000 lines each way over 20 concurrent connections: nothing lost",
    async () => {
      const totals = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              reader.forEachLine((line) =>
                Aio.suspend(() => {
                  writer.write(line);
                  return writer.drain();
                }),
              ),
            HOST,
            0,
          );
          const port = portOf(server);
          const client = (id: number) =>
            withConnection(HOST, port)((reader, writer) =>
              Aio.gen(function* () {
                const reading = yield* createTask(
                  Aio.gen(function* () {
                    let n = 0;
                    for (;;) {
                      const line = yield* reader.readText();
                      if (line === null) return n;
                      if (line !== `${id}:${n}`) throw new Error(`out of order: ${line}`);
                      n++;
                    }
                  }),
                );
                for (let i = 0; i < 1000; i++) {
                  writer.write(`${id}:${i}\n`);
                  yield* writer.drain();
                }
                writer.writeEof();
                return yield* reading;
              }),
            );
          const tasks = [];
          for (let i = 0; i < 20; i++) tasks.push(yield* createTask(client(i)));
          const counts: number[] = [];
          for (const t of tasks) counts.push(yield* t);
          server.close();
          yield* server.waitClosed();
          return counts;
        }),
      );
      expect(totals).toEqual(Array.from({ length: 20 }, () => 1000));
    },
    T,
  );

  it(
    "10^5 lines written in one turn (strings and bytes, multi-byte UTF-8), then one drain: all arrive, in order",
    async () => {
      const n = 100_000;
      const got = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              Aio.gen(function* () {
                let k = 0;
                let bytes = 0;
                for (;;) {
                  const line = yield* reader.readline();
                  if (line.length === 0) break;
                  bytes += line.length;
                  const want = k % 2 === 0 ? `é${k}\n` : `b${k}\n`;
                  if (dec(line) !== want) throw new Error(`line ${k}: ${dec(line)}`);
                  k++;
                }
                writer.write(`${k} ${bytes}\n`);
                yield* writer.drain();
                writer.close();
              }),
            HOST,
            0,
          );
          const [reader, writer] = yield* openConnection(HOST, portOf(server));
          let bytes = 0;
          for (let i = 0; i < n; i++) {
            // Strings go to the socket as they are (UTF-8), bytes as bytes.
            if (i % 2 === 0) {
              const s = `é${i}\n`;
              writer.write(s);
              bytes += Buffer.byteLength(s);
            } else {
              const b = enc(`b${i}\n`);
              writer.write(b);
              bytes += b.length;
            }
          }
          writer.write(""); // nothing, and no error
          yield* writer.drain();
          writer.writeEof();
          const summary = dec(yield* reader.readline());
          writer.close();
          yield* writer.waitClosed();
          server.close();
          yield* server.waitClosed();
          return { summary, bytes };
        }),
      );
      expect(got.summary).toBe(`${n} ${got.bytes}\n`);
    },
    T,
  );

  it(
    "drain() is one reusable node; after close it fails with the typed connection error",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer((reader) => reader.read().pipe(Aio.map(() => undefined)), HOST, 0);
          const [, writer] = yield* openConnection(HOST, portOf(server));
          const drain = writer.drain();
          expect(writer.drain()).toBe(drain);
          writer.write("x");
          yield* drain;
          yield* drain;
          writer.close();
          const afterClose = yield* Aio.exit(drain);
          yield* writer.waitClosed();
          server.close();
          yield* server.waitClosed();
          return afterClose;
        }),
      );
      expect(errorOf(out)).toBeInstanceOf(ConnectionResetError);
    },
    T,
  );
});

describe("TLS with a self-signed certificate", () => {
  let pems: { cert: string; private: string };
  beforeAll(async () => {
    pems = await generate([{ name: "commonName", value: "localhost" }], {
      keyType: "ec",
      algorithm: "sha256",
      extensions: [
        { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] },
      ],
    });
  }, T);

  it(
    "echo over TLS: the client verifies the server against the certificate; peercert; no writeEof",
    async () => {
      const log: string[] = [];
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(handleEcho(log), HOST, 0, { tls: { key: pems.private, cert: pems.cert } });
          const port = portOf(server);
          const [reader, writer] = yield* openConnection(HOST, port, { tls: { ca: pems.cert, servername: "localhost" } });
          const cert = writer.getExtraInfo("peercert");
          const canEof = writer.canWriteEof();
          writer.write("secret");
          yield* writer.drain();
          const got = dec(yield* reader.read(100));
          writer.close();
          yield* writer.waitClosed();
          const byIp = yield* echoClient("by ip", openConnection(HOST, port, { tls: { ca: pems.cert } }));
          server.close();
          yield* server.waitClosed();
          return { got, cn: cert?.subject.CN, canEof, byIp };
        }),
      );
      expect(out).toEqual({ got: "secret", cn: "localhost", canEof: false, byIp: "by ip" });
    },
    T,
  );

  it(
    "a certificate that does not verify: SSLError, and the handler never runs",
    async () => {
      let handled = 0;
      const exit = await run(
        Aio.gen(function* () {
          const server = yield* startServer(() => Aio.sync(() => void handled++), HOST, 0, {
            tls: { key: pems.private, cert: pems.cert },
          });
          const e = yield* Aio.exit(openConnection(HOST, portOf(server), { tls: { servername: "localhost" } }));
          server.close();
          yield* server.waitClosed();
          return e;
        }),
      );
      const e = errorOf(exit);
      expect(e).toBeInstanceOf(SSLError);
      expect((e as SSLError).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
      expect(handled).toBe(0);
    },
    T,
  );

  it(
    "startTls upgrades a plain connection on both ends (STARTTLS), keeping the streams",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (reader, writer) =>
              Aio.gen(function* () {
                const cmd = yield* reader.readText();
                if (cmd !== "STARTTLS") return;
                writer.write("OK\n");
                yield* writer.drain();
                yield* writer.startTls({ server: true, key: pems.private, cert: pems.cert });
                const line = yield* reader.readline();
                writer.write(line);
                yield* writer.drain();
              }),
            HOST,
            0,
          );
          const [reader, writer] = yield* openConnection(HOST, portOf(server));
          writer.write("STARTTLS\n");
          const ok = yield* reader.readText();
          yield* writer.startTls({ ca: pems.cert, servername: "localhost" });
          writer.write("inside tls\n");
          const echoed = yield* reader.readText();
          const secure = writer.transport.constructor.name;
          const cn = writer.getExtraInfo("peercert")?.subject.CN;
          writer.close();
          yield* Aio.exit(writer.waitClosed());
          server.close();
          yield* server.waitClosed();
          return { ok, echoed, secure, cn };
        }),
      );
      expect(out).toEqual({ ok: "OK", echoed: "inside tls", secure: "TLSSocket", cn: "localhost" });
    },
    T,
  );
});

describe("virtual time", () => {
  it(
    "a read waiting on a socket holds the virtual clock (a host wait), so a timeout does not fire early",
    async () => {
      const out = await run(
        Aio.gen(function* () {
          const server = yield* startServer(
            (_r, w) =>
              Aio.gen(function* () {
                yield* Aio.promise(() => new Promise((res) => setTimeout(res, 50))); // real time passes
                w.write("late\n");
                yield* w.drain();
              }),
            HOST,
            0,
          );
          const [reader, writer] = yield* openConnection(HOST, portOf(server));
          const t0 = getRunningLoop().time();
          // A 1 s timeout pending on the virtual clock: without the host wait, the clock
          // would jump to it while the read waits for the socket.
          const line = yield* waitFor(reader.readText(), 1000);
          const elapsed = getRunningLoop().time() - t0;
          writer.close();
          server.close();
          yield* server.waitClosed();
          return { line, elapsed };
        }),
        { virtualTime: true },
      );
      expect(out).toEqual({ line: "late", elapsed: 0 });
    },
    T,
  );
});

describe("examples/echo_server", () => {
  it(
    "the guide's exchange, in causal order, and the server shut down; listed in examples/main",
    async () => {
      const lines: string[] = [];
      const loop = newEventLoop();
      const reply = await echoExample.runExample(loop, (l) => void lines.push(l));
      expect(reply).toBe("Hello World!");
      expect(loop.isClosed()).toBe(true);
      expect(lines[0]).toMatch(/^Serving on \('127\.0\.0\.1', \d+\)$/);
      expect(lines.slice(1).map((l) => l.replace(/\d+\)$/, "N)"))).toEqual([
        "[client] Send: 'Hello World!'",
        "[server] Received 'Hello World!' from ('127.0.0.1', N)",
        "[server] Send: 'Hello World!'",
        "[server] Close the connection",
        "[client] Received: 'Hello World!'",
        "[client] Close the connection",
        "Shutting down",
      ]);
      expect(examples.some((e) => e.name === "echo_server" && e.run === echoExample.runExample)).toBe(true);
    },
    T,
  );
});

describe("no socket outlives the runtime", () => {
  it(
    "rt.dispose() ends a forked withServer + serveForever and its handler tasks, and a forked withConnection",
    async () => {
      const rt = createRuntime();
      let resolvePort: (port: number) => void = () => {};
      const portReady = new Promise<number>((res) => (resolvePort = res));
      let handlerEnded = 0;
      const writers: StreamWriter[] = [];
      let server: Server | undefined;
      rt.fork(
        withServer(
          (reader) => reader.readline().pipe(Aio.ensuring(Aio.sync(() => void handlerEnded++))),
          HOST,
          0,
        )((s) =>
          Aio.suspend(() => {
            server = s;
            resolvePort(portOf(s));
            return s.serveForever();
          }),
        ),
      );
      const port = await portReady;
      for (let i = 0; i < 3; i++)
        rt.fork(withConnection(HOST, port)((_r, w) => Aio.suspend(() => (writers.push(w), Aio.never))));
      await rt.run(
        Aio.gen(function* () {
          while (writers.length < 3 || server!.connectionCount() < 3) yield* Aio.sleep(5);
        }),
      );
      await rt.dispose();
      expect(server!.isServing()).toBe(false);
      expect(server!.connectionCount()).toBe(0);
      expect(handlerEnded).toBe(3);
      expect(writers.map((w) => w.transport.destroyed)).toEqual([true, true, true]);
    },
    T,
  );
});
