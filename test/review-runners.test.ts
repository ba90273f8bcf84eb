import { describe, expect, it } from "vitest";
import { Aio, run, runSync } from "../src/index.js";
import { V } from "./helpers.js";

/** Resolves with how `p` settled, or "HANG" after `ms` of real time. */
const settledOrHang = (p: Promise<unknown>, ms = 500): Promise<unknown> =>
  Promise.race([
    p.then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: e }),
    ),
    new Promise((r) => setTimeout(() => r("HANG"), ms).unref()),
  ]);

describe("review: runners bad input", () => {
  it("run(null) rejects with a TypeError instead of never settling", async () => {
    const r = await settledOrHang(run(null as unknown as Aio.Aio<number>, V));
    expect(r).not.toBe("HANG");
    expect((r as { err?: unknown }).err).toBeInstanceOf(TypeError);
  });

  it("runSync(null) is a TypeError, not 'the program suspended'", () => {
    expect(() => runSync(null as unknown as Aio.Aio<number>)).toThrow(TypeError);
  });
});
