import { describe, expect, it } from "vitest";
import { Aio, Exit, createTask, gather } from "../src/index.js";
import { reportingLoop } from "./helpers.js";

describe("review: gather", () => {
  it("a decided child failure is not silently replaced by a later cancellation of the gather", async () => {
    const { loop, reported } = reportingLoop();
    const bug = new Error("bug in child");
    // A child that takes a while to finish cancelling (asyncio: its finally awaits something).
    const slowCleanup = Aio.gen(function* () {
      try {
        yield* Aio.sleep(10_000);
      } finally {
        yield* Aio.uninterruptible(Aio.sleep(100));
      }
    });
    const e = await loop.runUntilCompleteExit(
      Aio.gen(function* () {
        const g = yield* createTask(Aio.exit(gather(Aio.sleep(10).pipe(Aio.flatMap(() => Aio.die(bug))), slowCleanup)));
        yield* Aio.sleep(50); // the defect happened at 10; the gather waits for slowCleanup (until 110)
        g.cancel();
        return yield* g;
      }),
    );
    loop.close();
    // asyncio: the awaiting task got the exception at t=10. Here it is replaced by a
    // CancelledError and reported nowhere.
    const lostSilently = e._tag === "Success" && Exit.isInterrupted(e.value) && reported.length === 0;
    expect(lostSilently).toBe(false);
  });
});
