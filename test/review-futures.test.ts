import { describe, expect, it } from "vitest";
import { Aio, createTask, fromPromise, getRunningLoop, run, wrapFuture } from "../src/index.js";
import { V } from "./helpers.js";

/** Resolves with `p`, or with "HANG" after `ms` of real time. */
const orHang = <A>(p: Promise<A>, ms = 1000): Promise<A | "HANG"> =>
  Promise.race([p, new Promise<"HANG">((r) => setTimeout(() => r("HANG"), ms).unref())]);

describe("review: futures", () => {
  it("wrapFuture of a non-promise throws, and does not leave the virtual clock blocked", async () => {
    const r = await orHang(
      run(
        Aio.gen(function* () {
          let threw = false;
          try {
            wrapFuture(42 as unknown as Promise<number>);
          } catch (e) {
            threw = e instanceof TypeError;
          }
          yield* Aio.sleep(100);
          return [threw, getRunningLoop().time()];
        }),
        V,
      ),
    );
    expect(r).toEqual([true, 100]);
  });

  it("a cancelled fromPromise wait (promise never settles) does not freeze the virtual clock", async () => {
    const r = await orHang(
      run(
        Aio.gen(function* () {
          const t = yield* createTask(fromPromise(new Promise<never>(() => {})));
          yield* Aio.yieldNow;
          t.cancel();
          yield* Aio.exit(Aio.from(t));
          yield* Aio.sleep(100);
          return [t.cancelled(), getRunningLoop().time()];
        }),
        V,
      ),
    );
    expect(r).toEqual([true, 100]);
  });

  it("a wrapFuture cancelled by hand does not freeze the virtual clock", async () => {
    const r = await orHang(
      run(
        Aio.gen(function* () {
          const fut = wrapFuture(new Promise<never>(() => {}));
          fut.cancel();
          yield* Aio.sleep(100);
          return [fut.cancelled(), getRunningLoop().time()];
        }),
        V,
      ),
    );
    expect(r).toEqual([true, 100]);
  });
});

describe("review: fromPromise rejection handling", () => {
  it("a promise that rejects before its fromPromise runs is not an unhandled rejection (crashes Node by default)", async () => {
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const unhandled: unknown[] = [];
    const mine = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", mine);
    const boom = new Error("rejected early");
    let r: unknown;
    try {
      r = await run(
        Aio.gen(function* () {
          const p = Promise.reject(boom); // e.g. a request started early
          const aio = fromPromise(p); // wrapped at once, awaited a bit later
          yield* Aio.sleep(10);
          return yield* Aio.exit(aio);
        }),
        V,
      );
      await new Promise((res) => setTimeout(res, 10));
    } finally {
      process.removeListener("unhandledRejection", mine);
      for (const l of saved) process.on("unhandledRejection", l);
    }
    expect(r).toEqual({ _tag: "Failure", cause: { _tag: "Fail", error: boom } });
    expect(unhandled).toEqual([]);
  });
});
