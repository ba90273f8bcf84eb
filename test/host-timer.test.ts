/**
 * The one host timer (BaseEventLoop._armHostTimer): one armed for the earliest deadline or
 * an earlier one is kept, so deadlines armed and removed per operation cost no
 * setTimeout/clearTimeout pair each; with no timer left it is cleared, so a stale one never
 * holds an idle process open.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Aio, run, waitFor } from "../src/index.js";
import { runNode } from "./helpers.js";

const realSetTimeout = globalThis.setTimeout;
afterEach(() => {
  globalThis.setTimeout = realSetTimeout;
});

/** Counts the host timers armed while `f` runs (all of them: the loop's and any other). */
const countingHostTimers = async <A>(f: () => Promise<A>): Promise<{ result: A; armed: number }> => {
  let armed = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    armed++;
    return realSetTimeout(...args);
  }) as typeof setTimeout;
  try {
    return { result: await f(), armed };
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
};

describe("the host timer", () => {
  for (const n of [0, 1, 2, 10_000]) {
    it(`${n} sequential waitFor(resolved promise, 1000) arm at most one host timer`, async () => {
      const resolved = Promise.resolve(1);
      const work = Aio.promise(() => resolved);
      const { result, armed } = await countingHostTimers(() =>
        run(
          Aio.gen(function* () {
            let s = 0;
            for (let i = 0; i < n; i++) s += yield* waitFor(work, 1000);
            return s;
          }),
        ),
      );
      expect(result).toBe(n);
      // One for the first deadline, kept while each later (later) deadline replaces the
      // removed one; before, every call armed its own (10,000 for 10,000 calls).
      expect(armed).toBeLessThanOrEqual(n === 0 ? 0 : 1);
    }, 60_000);
  }

  it("an earlier host timer kept for a removed deadline re-arms for the next one: a later sleep still ends", async () => {
    const { result, armed } = await countingHostTimers(() =>
      run(
        Aio.gen(function* () {
          const t0 = performance.now();
          // Deadline at +30 ms armed, then removed (the work finishes first): the host
          // timer for +30 ms is kept.
          yield* waitFor(Aio.promise(() => Promise.resolve(0)), 30);
          // A later deadline: the kept timer fires early (nothing due) and re-arms.
          yield* Aio.sleep(60);
          return performance.now() - t0;
        }),
      ),
    );
    expect(result).toBeGreaterThanOrEqual(59);
    expect(result).toBeLessThan(5_000);
    expect(armed).toBe(2);
  }, 20_000);

  it("a runtime left idle after removed deadlines lets the process exit (no stale host timer)", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runNode(
      fileURLToPath(new URL("./fixtures/host-timer-idle.ts", import.meta.url)),
      { killAfterMs: 60_000 },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout.trim()) as { sum: number; elapsed: number };
    expect(out.sum).toBe(103);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 70_000);
});
