import { describe, expect, it } from "vitest";
import { Aio, Exit, asCompleted, createFuture, createTask, getRunningLoop, wait } from "../src/index.js";
import { reportingLoop, vrun } from "./helpers.js";

describe("review: asCompleted", () => {
  it("an item handed to a consumer that is cancelled before it runs is not lost (asyncio keeps it in its queue)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const loop = getRunningLoop();
        const fa = yield* createFuture<string>();
        const fb = yield* createFuture<string>();
        const its = asCompleted([fa, fb]);
        const consumer = yield* createTask(its[0]!);
        yield* Aio.yieldNow; // the consumer starts and waits
        fa.setResult("a"); // onDone runs next iteration and hands "a" to the consumer...
        loop.callSoon(() => consumer.cancel()); // ...which is cancelled in that same iteration
        loop.callLater(100, () => fb.setResult("b"));
        yield* Aio.exit(Aio.from(consumer));
        const next = yield* its[1]!;
        return [consumer.cancelled(), next, loop.time()];
      }),
    );
    // asyncio: the cancelled consumer takes nothing; the next one gets "a" at once.
    expect(r).toEqual([true, "a", 0]);
  });
});

describe("review: wait", () => {
  it("a task made by wait that fails while wait cancels it is not lost silently", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("cleanup bug");
    const child = Aio.gen(function* () {
      try {
        yield* Aio.sleep(10_000);
      } finally {
        yield* Aio.sleep(5);
        throw bug; // a defect while being cancelled
      }
    });
    const e = await loop.runUntilCompleteExit(
      Aio.gen(function* () {
        const w = yield* createTask(wait([child]));
        yield* Aio.sleep(50);
        w.cancel();
        return yield* Aio.exit(Aio.from(w));
      }),
    );
    loop.close();
    expect(e._tag === "Success" && Exit.isInterrupted(e.value)).toBe(true);
    // Nobody can read the task's failure (the wait was cancelled): it must be reported.
    expect(reported.map((r) => r.exception)).toContain(bug);
  });
});
