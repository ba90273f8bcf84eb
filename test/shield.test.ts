/**
 * shield on the virtual clock: cancelling the outer does not cancel the inner.
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, Exit, TimeoutError, createFuture, createTask, getRunningLoop } from "../src/index.js";
import { shield } from "../src/shield.js";
import { waitFor } from "../src/wait.js";
import { cancelAndJoin, now, reportingLoop, vexit, vrun } from "./helpers.js";

describe("shield", () => {
  it("without cancellation, is the inner's result (or typed failure)", async () => {
    expect(await vrun(shield(Aio.sleep(100, "v")))).toBe("v");
    expect(await vexit(shield(Aio.sleep(10).pipe(Aio.flatMap(() => Aio.fail("e" as const)))))).toEqual(Exit.fail("e"));
  });

  it("cancelling the outer: CancelledError there at once, the inner keeps running to its end", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const work = Aio.gen(function* () {
          yield* Aio.sleep(500);
          log.push(`saved@${now()}`);
          return "saved";
        });
        const caller = yield* createTask(
          Aio.gen(function* () {
            try {
              return yield* shield(work);
            } catch (e) {
              log.push(`caller ${e instanceof CancelledError ? "cancelled" : "?"}@${now()}`);
              throw e;
            }
          }),
        );
        yield* Aio.sleep(100);
        yield* cancelAndJoin(caller);
        log.push(`caller done@${now()}`);
        yield* Aio.sleep(1000);
        return caller.cancelled();
      }),
    );
    expect(r).toBe(true);
    expect(log).toEqual(["caller cancelled@100", "caller done@100", "saved@500"]);
  });

  it("shields a task passed in: it is not cancelled", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(300, 42));
        const caller = yield* createTask(shield(t));
        yield* Aio.sleep(10);
        yield* cancelAndJoin(caller);
        const v = yield* t;
        return [caller.cancelled(), t.cancelled(), v, now()];
      }),
    );
    expect(r).toEqual([true, false, 42, 300]);
  });

  it("the inner cancelled directly: the shield ends cancelled too", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(300, 1));
        getRunningLoop().callLater(50, () => t.cancel("direct"));
        const e = yield* Aio.exit(shield(t));
        return Exit.isInterrupted(e) && e.cause.message;
      }),
    );
    expect(r).toBe("direct");
  });

  it("a done future gives its result at once", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const f = yield* createFuture<string>();
        f.setResult("ready");
        return [yield* shield(f), now()];
      }),
    );
    expect(r).toEqual(["ready", 0]);
  });

  it("waitFor(shield(x), ms): TimeoutError at the deadline, x goes on (the asyncio idiom)", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const x = Aio.sleep(1000).pipe(Aio.tap(() => Aio.sync(() => void log.push(`x done@${now()}`))));
        const e = yield* Aio.exit(waitFor(shield(x), 300));
        const at = now();
        yield* Aio.sleep(2000);
        return [e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError, at];
      }),
    );
    expect(r).toEqual([true, 300]);
    expect(log).toEqual(["x done@1000"]);
  });

  it("a failure of the inner after the outer was cancelled is reported, not lost", async () => {
    const { loop, reported } = reportingLoop();
    await loop.runUntilComplete(
      Aio.gen(function* () {
        const caller = yield* createTask(shield(Aio.sleep(100).pipe(Aio.flatMap(() => Aio.fail("late")))));
        yield* Aio.sleep(10);
        caller.cancel();
        yield* Aio.sleep(200);
      }),
    );
    loop.close();
    expect(reported.map((c) => c.exception)).toEqual(["late"]);
  });

  it("a non-awaitable is a TypeError at once", () => {
    expect(() => shield(1 as never)).toThrow(TypeError);
    expect(() => shield(Promise.resolve(1) as never)).toThrow(/fromPromise/);
  });
});
