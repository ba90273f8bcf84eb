/**
 * S12–S14, TCP streams on 127.0.0.1 (issue 11), one measurement per fresh process:
 *
 *   node --expose-gc bench/.build/s12-streams.mjs <S12|S13|S14> <aio|effect|native>
 *
 * Each implementation runs both sides in the same process: its own echo server (port 0,
 * started once per process, outside the timing) and its own client. The server echoes
 * bytes as they come (read a chunk, write it back, wait for drain).
 *
 * - aio: `startServer` / `openConnection`, `reader.read(65536)`, `writer.write` +
 *   `yield* writer.drain()`, `reader.readline()`.
 * - effect: `@effect/platform-node` 4.1.0 `NodeSocketServer.make` / `NodeSocket.makeNet`,
 *   `reader.pull`, `writer.write` / `writeAll` (which wait for 'drain' themselves).
 *   effect has no line reader on a socket, so S14's client splits lines over `pull` by hand.
 * - native: raw `node:net` with callbacks (echo: on 'data' write back, pause until 'drain'
 *   when `write` returns false); S14's client uses `node:readline` on the socket.
 * - floor (S14 only): the native echo server and a client with no readline, which splits
 *   lines by scanning each received Buffer for `\n` by hand (bench/floor.ts
 *   `s14FloorClient`): the leanest plain-JS form of the line protocol. S12 and S13 have no
 *   floor column: their native form already is raw callbacks with nothing to take out.
 *
 * Scenarios:
 * - S12: one connection, the client sends 64 MiB in 64 KiB writes, each followed by a
 *   drain (a separate task/fiber/callback chain), and reads all 64 MiB back. Reported as
 *   ms per MiB (lower is better, like every other row, so bench/run.ts's ratio columns
 *   stay right); `extra.mibPerSec` is the throughput.
 * - S13: one connection, 100,000 round trips of 1 byte (write, wait for the byte back):
 *   µs per round trip.
 * - S14: 1,000 connections at once, each writes "line N\n" and reads the echoed line back
 *   (readline), 100 times, then closes: µs per line (total / 100,000); every line is
 *   checked, so a lost connection or line fails the run.
 */
import * as net from "node:net";
import * as readline from "node:readline";
import type { Effect as EffectT } from "effect";
import type * as ESocket from "effect/socket/Socket";
import { Aio, createTask, openConnection, run, startServer, type StreamReader, type StreamWriter } from "../src/index.js";
import { s14FloorClient } from "./floor.js";
import { benchMain, expectEq, median, now, type Impl, type Measurement } from "./lib.js";

const HOST = "127.0.0.1";
/** S12: bytes per write and the total. */
const CHUNK = 64 * 1024;
const TOTAL = 64 * 1024 * 1024;
/** S13: round trips. */
const PINGS = 100_000;
/** S14: connections and lines per connection. */
const CONNS = 1_000;
const LINES = 100;
/** Listen backlog: the 1,000 connections of S14 arrive at once (Node's default is 511). */
const BACKLOG = 2048;

/** Warm-up rounds and timed rounds, per scenario. */
const ROUNDS: Record<string, readonly [warm: number, timed: number]> = {
  S12: [2, 5],
  S13: [1, 3],
  S14: [1, 3],
};

const payload = Buffer.alloc(CHUNK, 0x61);
const ONE = Buffer.of(0x2a);
const lineOf = (i: number): string => `line ${i}\n`;
const textDecoder = new TextDecoder();

// ----- aio-ts --------------------------------------------------------------------------

const aioEcho = (reader: StreamReader, writer: StreamWriter): Aio<void, unknown> =>
  Aio.gen(function* () {
    for (;;) {
      const data = yield* reader.read(CHUNK);
      if (data.length === 0) break;
      writer.write(data);
      yield* writer.drain();
    }
    writer.close();
  });

const aioClient = (scenario: string, port: number): Aio<number, unknown> => {
  switch (scenario) {
    case "S12":
      return Aio.gen(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        const sender = yield* createTask(
          Aio.gen(function* () {
            for (let sent = 0; sent < TOTAL; sent += CHUNK) {
              writer.write(payload);
              yield* writer.drain();
            }
          }),
        );
        let got = 0;
        while (got < TOTAL) {
          const data = yield* reader.read(CHUNK);
          if (data.length === 0) break;
          got += data.length;
        }
        yield* sender;
        writer.close();
        yield* writer.waitClosed();
        return got;
      });
    case "S13":
      return Aio.gen(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        let n = 0;
        for (let i = 0; i < PINGS; i++) {
          writer.write(ONE);
          yield* writer.drain();
          n += (yield* reader.read(1)).length;
        }
        writer.close();
        yield* writer.waitClosed();
        return n;
      });
    default: {
      const one = Aio.gen(function* () {
        const [reader, writer] = yield* openConnection(HOST, port);
        let ok = 0;
        for (let i = 0; i < LINES; i++) {
          const line = lineOf(i);
          writer.write(line);
          yield* writer.drain();
          const back = textDecoder.decode(yield* reader.readline());
          if (back === line) ok++;
        }
        writer.close();
        yield* writer.waitClosed();
        return ok;
      });
      return Aio.gen(function* () {
        const tasks = [];
        for (let c = 0; c < CONNS; c++) tasks.push(yield* createTask(one));
        let ok = 0;
        for (const t of tasks) ok += yield* t;
        return ok;
      });
    }
  }
};

const aioMeasure = (scenario: string, warm: number, timed: number): Promise<number[]> =>
  run(
    Aio.gen(function* () {
      const server = yield* startServer(aioEcho, HOST, 0, { backlog: BACKLOG });
      const addr = server.sockets()[0];
      const port = addr !== undefined && "port" in addr ? addr.port : 0;
      const times: number[] = [];
      for (let i = 0; i < warm + timed; i++) {
        const t0 = now();
        const c0 = process.cpuUsage();
        const got = yield* aioClient(scenario, port);
        const ms = now() - t0;
        check(scenario, got);
        if (i >= warm) {
          times.push(ms);
          cpuTimes.push(cpuMsSince(c0));
        }
      }
      server.close();
      yield* server.waitClosed();
      return times;
    }),
  );

// ----- effect --------------------------------------------------------------------------

/**
 * effect and its platform package are imported only in the effect process: measured, merely
 * loading them made the raw node:net echo of S12 2–4× slower in the same process (≈ 100–250
 * against 400–800 ms per 64 MiB), for no reason of the native code's own.
 */
const effectMeasure = async (scenario: string, warm: number, timed: number): Promise<number[]> => {
  const [{ Effect, Fiber }, NodeSocket, NodeSocketServer] = await Promise.all([
    import("effect"),
    import("@effect/platform-node/NodeSocket"),
    import("@effect/platform-node/NodeSocketServer"),
  ]);
  const effectEcho = (socket: ESocket.Socket): EffectT.Effect<void> =>
    Effect.gen(function* () {
      const reader = yield* socket.reader;
      const writer = yield* socket.writer;
      for (;;) {
        const chunks = yield* reader.pull;
        yield* writer.writeAll(chunks);
      }
    }).pipe(Effect.ignore, Effect.scoped);

  /** Opens a client connection: the reader's acquisition dials. */
  const effectConnect = (port: number) =>
    Effect.gen(function* () {
      const socket = yield* NodeSocket.makeNet({ host: HOST, port });
      const reader = yield* socket.reader;
      const writer = yield* socket.writer;
      return { reader, writer };
    });

  const effectClient = (scenario: string, port: number): EffectT.Effect<number, ESocket.SocketError> => {
    switch (scenario) {
      case "S12":
        return Effect.scoped(
          Effect.gen(function* () {
            const { reader, writer } = yield* effectConnect(port);
            const sender = yield* Effect.forkChild(
              Effect.gen(function* () {
                for (let sent = 0; sent < TOTAL; sent += CHUNK) yield* writer.write(payload);
              }),
            );
            let got = 0;
            while (got < TOTAL) {
              const chunks = yield* reader.pull;
              for (const c of chunks) got += c.length;
            }
            yield* Fiber.join(sender);
            return got;
          }),
        );
      case "S13":
        return Effect.scoped(
          Effect.gen(function* () {
            const { reader, writer } = yield* effectConnect(port);
            let n = 0;
            for (let i = 0; i < PINGS; i++) {
              yield* writer.write(ONE);
              for (const c of yield* reader.pull) n += c.length;
            }
            return n;
          }),
        );
      default: {
        const decoder = new TextDecoder();
        const one = Effect.scoped(
          Effect.gen(function* () {
            const { reader, writer } = yield* effectConnect(port);
            let ok = 0;
            let buf = "";
            for (let i = 0; i < LINES; i++) {
              const line = lineOf(i);
              yield* writer.write(line);
              let nl = buf.indexOf("\n");
              while (nl === -1) {
                for (const c of yield* reader.pull) buf += typeof c === "string" ? c : decoder.decode(c, { stream: true });
                nl = buf.indexOf("\n");
              }
              if (buf.slice(0, nl + 1) === line) ok++;
              buf = buf.slice(nl + 1);
            }
            return ok;
          }),
        );
        return Effect.forEach(Array.from({ length: CONNS }), () => one, { concurrency: "unbounded" }).pipe(
          Effect.map((oks) => oks.reduce((a, b) => a + b, 0)),
        );
      }
    }
  };

  return Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const server = yield* NodeSocketServer.make({ host: HOST, port: 0, backlog: BACKLOG });
        const port = (server.address as { readonly port: number }).port;
        const serving = yield* Effect.forkChild(server.run(effectEcho));
        const times: number[] = [];
        for (let i = 0; i < warm + timed; i++) {
          const t0 = now();
          const c0 = process.cpuUsage();
          const got = yield* effectClient(scenario, port);
          const ms = now() - t0;
          check(scenario, got);
          if (i >= warm) {
            times.push(ms);
            cpuTimes.push(cpuMsSince(c0));
          }
        }
        yield* Fiber.interrupt(serving);
        return times;
      }),
    ),
  );
};

// ----- native node:net -----------------------------------------------------------------

const nativeServer = (): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.on("data", (data) => {
        if (!sock.write(data)) {
          sock.pause();
          sock.once("drain", () => sock.resume());
        }
      });
      sock.on("error", () => sock.destroy());
    });
    server.once("error", reject);
    server.listen({ host: HOST, port: 0, backlog: BACKLOG }, () => resolve(server));
  });

const nativeConnect = (port: number, onConnect: (sock: net.Socket) => void, reject: (e: Error) => void): net.Socket => {
  const sock: net.Socket = net.connect({ host: HOST, port }, () => onConnect(sock));
  sock.on("error", reject);
  return sock;
};

const nativeClient = (scenario: string, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    switch (scenario) {
      case "S12": {
        let sent = 0;
        let got = 0;
        const sock = nativeConnect(
          port,
          (s) => {
            const pump = (): void => {
              while (sent < TOTAL) {
                sent += CHUNK;
                if (!s.write(payload)) {
                  s.once("drain", pump);
                  return;
                }
              }
            };
            pump();
          },
          reject,
        );
        sock.on("data", (data) => {
          got += data.length;
          if (got >= TOTAL) {
            sock.end();
            resolve(got);
          }
        });
        return;
      }
      case "S13": {
        let n = 0;
        const sock = nativeConnect(port, (s) => s.write(ONE), reject);
        sock.on("data", (data) => {
          n += data.length;
          if (n < PINGS) sock.write(ONE);
          else {
            sock.end();
            resolve(n);
          }
        });
        return;
      }
      default: {
        let ok = 0;
        let done = 0;
        for (let c = 0; c < CONNS; c++) {
          let i = 0;
          const sock = nativeConnect(port, (s) => s.write(lineOf(0)), reject);
          const lines = readline.createInterface({ input: sock, crlfDelay: Infinity });
          lines.on("line", (line) => {
            if (`${line}\n` === lineOf(i)) ok++;
            i++;
            if (i < LINES) sock.write(lineOf(i));
            else {
              lines.close();
              sock.end();
              if (++done === CONNS) resolve(ok);
            }
          });
        }
      }
    }
  });

const nativeMeasure = async (
  scenario: string,
  warm: number,
  timed: number,
  client: (scenario: string, port: number) => Promise<number> = nativeClient,
): Promise<number[]> => {
  const server = await nativeServer();
  const port = (server.address() as net.AddressInfo).port;
  const times: number[] = [];
  for (let i = 0; i < warm + timed; i++) {
    const t0 = now();
    const c0 = process.cpuUsage();
    const got = await client(scenario, port);
    const ms = now() - t0;
    check(scenario, got);
    if (i >= warm) {
      times.push(ms);
      cpuTimes.push(cpuMsSince(c0));
    }
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return times;
};

// ----- measurement ---------------------------------------------------------------------

/**
 * The process's CPU time (user + system, ms) of each timed round, beside its wall time:
 * on a machine shared with other work the wall time swings with the CPU share this
 * process gets; the CPU time a round costs swings much less (reported in `extra`).
 */
const cpuTimes: number[] = [];
const cpuMsSince = (c0: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
};

/** Every byte / round trip / line came back. */
const check = (scenario: string, got: number): void => {
  if (scenario === "S12") expectEq("S12 bytes echoed", got, TOTAL);
  else if (scenario === "S13") expectEq("S13 round trips", got, PINGS);
  else expectEq("S14 lines echoed", got, CONNS * LINES);
};

const measure = async (scenario: string, impl: Impl): Promise<Measurement> => {
  const rounds = ROUNDS[scenario];
  if (rounds === undefined) throw new Error(`unknown scenario ${scenario} (S12, S13, S14)`);
  const [warm, timed] = rounds;
  const times =
    impl === "aio"
      ? await aioMeasure(scenario, warm, timed)
      : impl === "effect"
        ? await effectMeasure(scenario, warm, timed)
        : impl === "native"
          ? await nativeMeasure(scenario, warm, timed)
          : scenario === "S14"
            ? await nativeMeasure(scenario, warm, timed, (_, port) => s14FloorClient(port, HOST, CONNS, LINES, lineOf))
            : (() => {
                throw new Error(`no plain-JS floor for ${scenario} (S14 only)`);
              })();
  const ms = median(times);
  const cpu = median(cpuTimes);
  const per = scenario === "S12" ? TOTAL / (1024 * 1024) : scenario === "S13" ? PINGS / 1000 : (CONNS * LINES) / 1000;
  const extra = {
    totalMs: ms,
    roundsMs: times.map((t) => Math.round(t * 10) / 10),
    // CPU per unit, in the row's unit (ms/MiB, µs/round trip, µs/line).
    cpuPerUnit: cpu / per,
    roundsCpuMs: cpuTimes.map((t) => Math.round(t * 10) / 10),
  };
  switch (scenario) {
    case "S12": {
      const mib = TOTAL / (1024 * 1024);
      return { value: ms / mib, unit: "ms/MiB", extra: { ...extra, mibPerSec: (mib * 1000) / ms } };
    }
    case "S13":
      return { value: (ms * 1000) / PINGS, unit: "µs/round trip", extra };
    default:
      return { value: (ms * 1000) / (CONNS * LINES), unit: "µs/line", extra };
  }
};

await benchMain("bench/s12-streams.ts", "S12|S13|S14", measure);
