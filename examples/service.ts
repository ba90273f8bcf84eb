/**
 * aio-ts inside a Promise-based service: a `node:http` server on 127.0.0.1 whose handlers
 * are Aio programs run by one long-lived runtime (`createRuntime`), and a client that
 * calls it. It shows, in order:
 *
 * 1. four concurrent `/price` requests through a module-level `Semaphore(2)` (a
 *    connection pool): each lookup gets a 250 ms budget (`waitFor`), and the slow one
 *    (durian) falls back to a cached price (`catchTag("TimeoutError")`); the timeout
 *    aborts the lookup's own `AbortSignal`;
 * 2. a `/quote` whose exchange-rate dependency fails its first 2 calls: `Aio.retry` with an
 *    exponential backoff, each retry logged by `onRetry`;
 * 3. a `/report` that the client aborts after 150 ms: the server sees the socket close,
 *    aborts the signal it gave `rt.run`, the program is cancelled, and the abort reaches
 *    the inner Promise-based work (its signal fires, its `finally` runs);
 * 4. a graceful shutdown: stop accepting (`server.close()`), wait for the requests in
 *    flight, then `rt.dispose()` (which cancels the background cache refresher).
 *
 * Every server log line carries the request id (a `ContextVar` set per request with
 * `locally`), also the lines logged from Promise callbacks (via `copyContext()`).
 *
 * Run it alone: `npx tsx examples/service.ts` (it also runs in `npm run examples`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  Aio,
  CancelledError,
  ContextVar,
  Schedule,
  Semaphore,
  copyContext,
  createRuntime,
  gather,
  waitFor,
  type EventLoop,
  type Runtime,
  type TimeoutError,
} from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** The budget of one inventory lookup (ms); over it, the cached price is served. */
export const BUDGET_MS = 250;
/** Concurrent inventory lookups allowed (the module-level semaphore's size). */
export const DB_LIMIT = 2;
/** How many calls the exchange-rate dependency fails before it answers. */
export const FLAKY_FAILURES = 2;
/** When the client gives up on `/report` (ms). */
export const ABORT_AFTER_MS = 150;
/** The `/price` requests the client makes at once: id → sku. */
export const PRICE_REQUESTS: ReadonlyArray<readonly [id: string, sku: string]> = [
  ["price-apple", "apple"],
  ["price-pear", "pear"],
  ["price-fig", "fig"],
  ["price-durian", "durian"],
];

// Module-level, as a service has them: one semaphore for every request, one variable for
// the request id. They work across requests because every request runs on the runtime's
// one loop (with a `run()` per request, two loops would share the semaphore: an error).
const inventoryPool = new Semaphore(DB_LIMIT);
const requestId = new ContextVar<string>("requestId");

/** What the inventory knows: the price and how long its lookup takes (ms). */
const INVENTORY: Readonly<Record<string, { readonly price: number; readonly ms: number }>> = {
  apple: { price: 1.2, ms: 30 },
  pear: { price: 0.8, ms: 60 },
  fig: { price: 2.5, ms: 20 },
  durian: { price: 9.5, ms: 5000 }, // always over the budget
};
/** Last known prices, served when a lookup is over its budget. */
const CACHE: Readonly<Record<string, number>> = { apple: 1.1, pear: 0.8, fig: 2.4, durian: 9.0 };

type NotFound = { readonly _tag: "NotFound"; readonly sku: string };
type Unavailable = { readonly _tag: "Unavailable"; readonly call: number };

/** A response: status and body. */
interface Reply {
  readonly status: number;
  readonly body: string;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts: a Promise-based API. */
const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** `CancelledError: why` or `Error: why`, for a log line. */
const describeReason = (reason: unknown): string =>
  reason instanceof Error ? `${reason.name}${reason.message === "" ? "" : `: ${reason.message}`}` : String(reason);

/** The service: its routes as Aio programs, and the `node:http` handler that runs them on `rt`. */
const makeService = (rt: Runtime, out: Log) => {
  /** A log line with the current request id ("server" outside a request). */
  const log = (msg: string): void => out(`[${requestId.getNow("server")}] ${msg}`);
  let lookupsInFlight = 0;
  let rateCalls = 0;
  /** The programs still running, so that a shutdown can wait for them. */
  const inflight = new Set<Promise<unknown>>();

  /**
   * Calls a Promise-based API with the signal `Aio.promise` gives it. Its abort listener
   * runs wherever the cancellation comes from (a timer, a socket's close event): outside
   * the task, so it logs in a copy of the task's context taken here.
   */
  const callApi = (what: string, ms: number): Aio.Aio<void> =>
    Aio.promise((signal) => {
      const ctx = copyContext();
      signal.addEventListener("abort", () => ctx.run(() => log(`${what}: signal aborted (${describeReason(signal.reason)})`)), {
        once: true,
      });
      return delay(ms, signal);
    });

  /** One inventory lookup: holds a pool permit, and gets `BUDGET_MS`. */
  const lookup = (sku: string, ms: number, price: number): Aio.Aio<number, TimeoutError> =>
    inventoryPool.withPermit(
      Aio.gen(function* () {
        lookupsInFlight++;
        log(`inventory: looking up ${sku} (${lookupsInFlight} of ${DB_LIMIT} connections in use)`);
        try {
          yield* waitFor(callApi(`inventory ${sku}`, ms), BUDGET_MS);
          return price;
        } finally {
          lookupsInFlight--;
        }
      }),
    );

  /** GET /price?sku=…: the fresh price, or the cached one when the lookup is too slow. */
  const price = (sku: string): Aio.Aio<string, NotFound> =>
    Aio.gen(function* () {
      const item = INVENTORY[sku];
      if (item === undefined) return yield* Aio.fail<NotFound>({ _tag: "NotFound", sku });
      return yield* lookup(sku, item.ms, item.price).pipe(
        Aio.map((p) => `${sku}: ${p.toFixed(2)} (fresh)`),
        Aio.catchTag("TimeoutError", () =>
          Aio.sync(() => {
            log(`inventory: ${sku} over its ${BUDGET_MS} ms budget, serving the cached price`);
            return `${sku}: ${(CACHE[sku] ?? item.price).toFixed(2)} (cached)`;
          }),
        ),
      );
    });

  /** The exchange rate: a flaky dependency that fails its first `FLAKY_FAILURES` calls. */
  const exchangeRate: Aio.Aio<number, Unavailable> = Aio.suspend(() => {
    const call = ++rateCalls;
    const ok = call > FLAKY_FAILURES;
    log(`rates: call ${call} ${ok ? "answered 0.92" : "failed: 503"}`);
    return ok ? Aio.succeed(0.92) : Aio.fail<Unavailable>({ _tag: "Unavailable", call });
  }).pipe(
    Aio.retry({
      schedule: Schedule.exponential(20).pipe(Schedule.recurs(4)),
      onRetry: ({ attempt, error, delay: ms }) =>
        log(`rates: attempt ${attempt} failed (${error._tag}), retrying in ${ms} ms`),
    }),
  );

  /** GET /quote?sku=…: the price and the rate, fetched concurrently. */
  const quote = (sku: string): Aio.Aio<string, NotFound | Unavailable> =>
    Aio.gen(function* () {
      const [p, rate] = yield* gather(price(sku), exchangeRate);
      return `${p} USD, rate ${rate.toFixed(2)} EUR/USD`;
    });

  /** GET /report: a long job (5 s), so the client gives up first. */
  const report: Aio.Aio<string> = Aio.gen(function* () {
    log("report: started (takes 5 s)");
    try {
      yield* callApi("report", 5000);
      return "report: done";
    } finally {
      log("report: finally ran (partial results discarded)");
    }
  });

  const route = (url: URL): Aio.Aio<string, NotFound | Unavailable> => {
    const sku = url.searchParams.get("sku") ?? "";
    switch (url.pathname) {
      case "/price":
        return price(sku);
      case "/quote":
        return quote(sku);
      case "/report":
        return report;
      default:
        return Aio.fail({ _tag: "NotFound", sku: url.pathname });
    }
  };

  /** The `node:http` handler: one `rt.run` per request, cancelled if the client goes away. */
  let seq = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const header = req.headers["x-request-id"];
    const id = typeof header === "string" && header !== "" ? header : `req-${++seq}`;
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // The socket closed before we answered: the client gave up, so cancel the work.
    const abort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) abort.abort(new Error("client disconnected"));
    });
    const program: Aio.Aio<Reply> = Aio.gen(function* () {
      log(`${req.method ?? "GET"} ${url.pathname}${url.search}`);
      return yield* route(url).pipe(
        Aio.map((body): Reply => ({ status: 200, body })),
        Aio.catchTags({
          NotFound: (e) => Aio.succeed<Reply>({ status: 404, body: `not found: ${e.sku}` }),
          Unavailable: () => Aio.succeed<Reply>({ status: 503, body: "exchange rates unavailable" }),
        }),
      );
    }).pipe(
      Aio.tap((r) => Aio.sync(() => log(`answered ${r.status}`))),
      Aio.onInterrupt((why) => Aio.sync(() => log(`cancelled (${why ?? "no reason"}), no answer sent`))),
      requestId.locally(id), // outermost: every line above, and every task started inside, carries the id
    );
    const done = rt.run(program, { signal: abort.signal, name: id }).then(
      (r) => {
        res.writeHead(r.status, { "content-type": "text/plain" }).end(r.body);
      },
      (e: unknown) => {
        if (e instanceof CancelledError) return; // logged by onInterrupt; the socket is gone
        out(`[${id}] failed: ${describeReason(e)}`);
        if (!res.headersSent) res.writeHead(500).end("internal error");
      },
    );
    inflight.add(done);
    void done.finally(() => inflight.delete(done));
  };

  /** A background job owned by the runtime: `rt.dispose()` cancels it. */
  const cacheRefresher: Aio.Aio<never> = Aio.gen(function* () {
    log(`warm (${Object.keys(CACHE).length} prices), refreshing every 60 s`);
    try {
      for (;;) yield* Aio.sleep(60_000);
    } finally {
      log("refresher stopped");
    }
  }).pipe(requestId.locally("cache"));

  return { handler, inflight, cacheRefresher, log };
};

/** What the example reports at its end (the tests check it). */
export interface ServiceOutcome {
  /** The client's view: request id → status and body (or "aborted"). */
  readonly answers: ReadonlyMap<string, string>;
  /** Whether `server.close()` completed. */
  readonly serverClosed: boolean;
  /** Whether the runtime was disposed. */
  readonly runtimeDisposed: boolean;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

/**
 * Starts the server on a free port of 127.0.0.1, runs the client's requests, then shuts
 * everything down. `loop` is the caller's (`npm run examples` gives each example one, to
 * time it): the service runs on its own runtime, as a service would, and leaves `loop`
 * alone.
 */
export async function runExample(_loop: EventLoop, out: Log): Promise<ServiceOutcome> {
  // One runtime per process; handleSignals: Ctrl-C cancels every request and closes the loop.
  const rt = createRuntime({ handleSignals: true });
  const service = makeService(rt, out);
  const server = createServer(service.handler);
  const port = await listen(server);
  service.log(`listening on 127.0.0.1 (port ${port})`);
  rt.fork(service.cacheRefresher, { name: "cache-refresher" });

  const answers = new Map<string, string>();
  const client = (line: string): void => out(`[client] ${line}`);
  const get = async (path: string, id: string, signal?: AbortSignal): Promise<void> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { "x-request-id": id },
      ...(signal === undefined ? {} : { signal }),
    });
    const body = await res.text();
    answers.set(id, `${res.status} ${body}`);
    client(`${id} <- ${res.status} ${body}`);
  };

  let serverClosed = false;
  try {
    // 1. Concurrent requests, one pool.
    await Promise.all(PRICE_REQUESTS.map(([id, sku]) => get(`/price?sku=${sku}`, id)));
    // 2. A flaky dependency, retried.
    await get("/quote?sku=apple", "quote-apple");
    // 3. A client that gives up.
    const giveUp = AbortSignal.timeout(ABORT_AFTER_MS);
    try {
      await get("/report", "report-1", giveUp);
    } catch (e) {
      if (!giveUp.aborted) throw e;
      answers.set("report-1", "aborted");
      client(`report-1 aborted by the client after ${ABORT_AFTER_MS} ms`);
    }
  } finally {
    // 4. Graceful shutdown: stop accepting (idle keep-alive sockets are closed), let the
    // requests in flight end (the aborted one is being cancelled), then dispose the
    // runtime: it cancels what is left (the refresher) and closes its loop.
    service.log("shutting down: no new connections");
    const closed = new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    server.closeIdleConnections();
    await closed;
    serverClosed = true;
    await Promise.allSettled([...service.inflight]);
    service.log(`server closed; ${rt.loop.allTasks().size} task(s) left: disposing the runtime`);
    await rt.dispose();
    service.log(`runtime disposed: ${rt.isDisposed()}`);
  }
  return { answers, serverClosed, runtimeDisposed: rt.isDisposed() };
}

await runIfEntryPoint(import.meta.url, runExample);
