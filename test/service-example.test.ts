/**
 * examples/service.ts, for real: a node:http server on 127.0.0.1 and a fetch client, on
 * the real clock (the example talks to sockets, so no virtual time). The assertions are on
 * the facts the example is there to show, not on the interleaving of concurrent lines or
 * on timings.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { newEventLoop } from "../src/index.js";
import { examples, runExamples } from "../examples/main.js";
import { runNode } from "./helpers.js";
import {
  ABORT_AFTER_MS,
  BUDGET_MS,
  DB_LIMIT,
  FLAKY_FAILURES,
  PRICE_REQUESTS,
  runExample,
  type ServiceOutcome,
} from "../examples/service.js";

const REQUEST_IDS = [...PRICE_REQUESTS.map(([id]) => id), "quote-apple", "report-1"];

const runService = async (): Promise<{ lines: string[]; outcome: ServiceOutcome; ms: number }> => {
  const lines: string[] = [];
  const loop = newEventLoop();
  const t0 = performance.now();
  const outcome = await runExample(loop, (line) => void lines.push(line));
  loop.close();
  return { lines, outcome, ms: performance.now() - t0 };
};

/** `[id] rest` → [id, rest]. */
const split = (line: string): [string, string] => {
  const m = /^\[([^\]]+)\] (.*)$/.exec(line);
  if (m === null) throw new Error(`a line without an [id] prefix: ${line}`);
  return [m[1]!, m[2]!];
};

/** The server's lines of one request, in order. */
const linesOf = (lines: readonly string[], id: string): string[] =>
  lines.map(split).flatMap(([who, rest]) => (who === id ? [rest] : []));

describe("examples/service", () => {
  it("answers every request, cancels the aborted one down to its inner work, retries, shuts down", async () => {
    const { lines, outcome, ms } = await runService();

    // Every request answered as it should be (the aborted one by nobody).
    expect(Object.fromEntries(outcome.answers)).toEqual({
      "price-apple": "200 apple: 1.20 (fresh)",
      "price-pear": "200 pear: 0.80 (fresh)",
      "price-fig": "200 fig: 2.50 (fresh)",
      "price-durian": "200 durian: 9.00 (cached)",
      "quote-apple": "200 apple: 1.20 (fresh) USD, rate 0.92 EUR/USD",
      "report-1": "aborted",
    });
    for (const id of REQUEST_IDS) {
      const own = linesOf(lines, id);
      expect(own[0], id).toMatch(/^GET \//);
      expect(own.at(-1), id).toBe(id === "report-1" ? "cancelled (client disconnected), no answer sent" : "answered 200");
    }

    // The timeout budget: the slow lookup's own signal was aborted, then the cache served.
    expect(linesOf(lines, "price-durian")).toEqual([
      "GET /price?sku=durian",
      expect.stringMatching(/^inventory: looking up durian \([12] of 2 connections in use\)$/),
      "inventory durian: signal aborted (CancelledError)",
      `inventory: durian over its ${BUDGET_MS} ms budget, serving the cached price`,
      "answered 200",
    ]);

    // The client's abort reached the inner Promise-based work: its signal, then its finally.
    expect(linesOf(lines, "report-1")).toEqual([
      "GET /report",
      "report: started (takes 5 s)",
      "report: signal aborted (CancelledError: client disconnected)",
      "report: finally ran (partial results discarded)",
      "cancelled (client disconnected), no answer sent",
    ]);
    expect(lines).toContain(`[client] report-1 aborted by the client after ${ABORT_AFTER_MS} ms`);

    // The flaky dependency: FLAKY_FAILURES failures, each retried after an exponential backoff.
    const rates = linesOf(lines, "quote-apple").filter((l) => l.startsWith("rates: "));
    const expected: string[] = [];
    for (let n = 1; n <= FLAKY_FAILURES; n++)
      expected.push(`rates: call ${n} failed: 503`, `rates: attempt ${n} failed (Unavailable), retrying in ${20 * 2 ** (n - 1)} ms`);
    expected.push(`rates: call ${FLAKY_FAILURES + 1} answered 0.92`);
    expect(rates).toEqual(expected);

    // The module-level semaphore bounded the lookups of concurrent requests.
    const inUse = lines.flatMap((l) => {
      const m = /looking up \w+ \((\d) of (\d) connections in use\)/.exec(l);
      return m === null ? [] : [Number(m[1])];
    });
    expect(inUse).toHaveLength(PRICE_REQUESTS.length + 1); // + the quote's lookup
    expect(Math.max(...inUse)).toBe(DB_LIMIT); // the 4 requests did overlap…
    expect(inUse.every((n) => n <= DB_LIMIT)).toBe(true); // …never more than the pool

    // A request id on every line: each line names who logged it, and what a request did
    // is logged under its id only (no other request's lines mention its sku or its work).
    const who = new Set(lines.map((l) => split(l)[0]));
    expect([...who].sort()).toEqual([...REQUEST_IDS, "cache", "client", "server"].sort());
    for (const line of lines) {
      const [id, rest] = split(line);
      if (id === "client") continue;
      if (/durian/.test(rest)) expect(id).toBe("price-durian");
      if (/fig/.test(rest)) expect(id).toBe("price-fig");
      if (/pear/.test(rest)) expect(id).toBe("price-pear");
      if (/^(rates|report):/.test(rest)) expect(id).toBe(rest.startsWith("rates") ? "quote-apple" : "report-1");
      if (/apple/.test(rest)) expect(id).toMatch(/^(price|quote)-apple$/);
    }

    // Graceful shutdown, in order: stop accepting, the refresher cancelled by dispose().
    expect(outcome.serverClosed).toBe(true);
    expect(outcome.runtimeDisposed).toBe(true);
    const at = (line: string): number => lines.indexOf(line);
    expect(at("[server] shutting down: no new connections")).toBeGreaterThan(0);
    expect(at("[server] server closed; 1 task(s) left: disposing the runtime")).toBeGreaterThan(
      at("[report-1] cancelled (client disconnected), no answer sent"),
    );
    expect(at("[cache] refresher stopped")).toBeGreaterThan(at("[server] server closed; 1 task(s) left: disposing the runtime"));
    expect(lines.at(-1)).toBe("[server] runtime disposed: true");
    expect(ms).toBeLessThan(10_000); // about 0.5 s; generous for a loaded machine
  }, 20_000);

  it("runs again in the same process: the module-level semaphore rebinds to the new runtime", async () => {
    const first = await runService();
    const second = await runService();
    expect(second.outcome.answers).toEqual(first.outcome.answers);
    expect(second.lines.filter((l) => l.includes("failed"))).toEqual(first.lines.filter((l) => l.includes("failed")));
  }, 30_000);

  it("is part of npm run examples, and passes there", async () => {
    const entry = examples.find((e) => e.name === "service");
    expect(entry).toBeDefined();
    const out: string[] = [];
    const outcomes = await runExamples([entry!], { write: (t) => void out.push(t) });
    expect(outcomes).toEqual([{ name: "service", elapsedMs: expect.any(Number), failed: false }]);
    expect(out[0]).toMatch(/^=== \[1\/1\] service: /);
    expect(out).toContain(out.find((l) => l.endsWith("[server] runtime disposed: true")));
    expect(out.at(-1)).toMatch(/^1 example\(s\) in \d+\.\d\ds of loop time$/);
  }, 20_000);

  it("run as a script, the process ends by itself once the example is done (nothing left open)", async () => {
    const script = fileURLToPath(new URL("../examples/service.ts", import.meta.url));
    const { code, stdout, stderr } = await runNode(script); // a hang is killed: code null
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n").at(-1)).toBe("[server] runtime disposed: true");
  }, 40_000);
});
