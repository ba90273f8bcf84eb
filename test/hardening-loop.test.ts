/**
 * Hardening of the event loop and the runners (issue 8, "Trustworthy at scale"): infinite
 * deadlines, a throwing exception handler, past-due timers in deadline order, nested runs,
 * run() shutdown that leaves no task behind, and failures reported when they are lost
 * (garbage-collected) rather than only at close.
 */
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Aio,
  EventLoopError,
  Semaphore,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  runExit,
  shield,
  timeout,
  withPermit,
  type ExceptionContext,
} from "../src/index.js";
import { V, reportingLoop, runNode, type ChildResult } from "./helpers.js";

/** Lets the host run a few turns (timers, immediates) outside any loop. */
const hostTurns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("infinite deadlines on the virtual clock", () => {
  it("callLater(Infinity) never fires, and the virtual clock does not jump to Infinity", async () => {
    const loop = newEventLoop(V);
    const fired: string[] = [];
    loop.callLater(Infinity, () => fired.push("inf"));
    const fut = loop.createFuture<number>();
    // The only thing that can happen comes from outside the loop.
    setTimeout(() => loop.callSoonThreadsafe(() => fut.setResult(1)), 5);
    expect(await loop.runUntilComplete(fut)).toBe(1);
    expect(fired).toEqual([]);
    expect(loop.time()).toBe(0);
    expect(loop.pendingTimers()).toBe(1);
    // Later deadlines still work.
    await loop.runUntilComplete(Aio.sleep(5));
    expect(loop.time()).toBe(5);
    expect(fired).toEqual([]);
    loop.close();
  });

  it("a program whose only pending thing is sleep(Infinity) waits (like asyncio) until stopped", async () => {
    const loop = newEventLoop(V);
    const done = loop.runUntilComplete(Aio.sleep(Infinity, "woke"));
    await hostTurns(20);
    expect(loop.isRunning()).toBe(true);
    expect(loop.time()).toBe(0);
    loop.stop();
    await expect(done).rejects.toThrow(/stopped before Future completed/);
    expect(loop.isRunning()).toBe(false);
    loop.close();
  });

  it("timeout(Infinity) never fires; a background sleep(Infinity) does not move the clock", async () => {
    const times = await run(
      Aio.gen(function* () {
        const loop = getRunningLoop();
        yield* createTask(Aio.sleep(Infinity));
        const fut = loop.createFuture<string>();
        setTimeout(() => loop.callSoonThreadsafe(() => fut.setResult("outside")), 5);
        const got = yield* timeout(Infinity, Aio.from(fut));
        const t1 = loop.time();
        yield* Aio.sleep(30);
        return { got, t1, t2: loop.time() };
      }),
      V,
    );
    expect(times).toEqual({ got: "outside", t1: 0, t2: 30 });
  });
});

describe("past-due timers", () => {
  it("callLater with negative delays keeps the past deadlines: they run in deadline order", async () => {
    const loop = newEventLoop(V);
    const log: string[] = [];
    await loop.runUntilComplete(Aio.sleep(100));
    const a = loop.callLater(-1, () => log.push("a"));
    const b = loop.callLater(-2, () => log.push("b"));
    expect(a.when()).toBe(99);
    expect(b.when()).toBe(98);
    await loop.runUntilComplete(Aio.sleep(1));
    expect(log).toEqual(["b", "a"]);
    loop.close();
  });

  it("callAt with past times and callLater(-Infinity) run in deadline order", async () => {
    const loop = newEventLoop(V);
    const log: string[] = [];
    await loop.runUntilComplete(Aio.sleep(100));
    loop.callAt(50, () => log.push("at50"));
    loop.callLater(-70, () => log.push("later-70"));
    loop.callAt(10, () => log.push("at10"));
    loop.callLater(-Infinity, () => log.push("later-inf"));
    await loop.runUntilComplete(Aio.yieldNow);
    expect(log).toEqual(["later-inf", "at10", "later-70", "at50"]);
    loop.close();
  });
});

describe("a throwing exception handler never breaks the loop", () => {
  it("a throwing default handler (console.error throws) is contained; later callbacks run; the loop stops cleanly", async () => {
    const loop = newEventLoop(V);
    let calls = 0;
    vi.spyOn(console, "error").mockImplementation(() => {
      calls++;
      if (calls === 1) throw new Error("stderr is gone");
    });
    const log: string[] = [];
    loop.callSoon(() => {
      throw new Error("callback failed");
    });
    loop.callSoon(() => log.push("next callback"));
    loop.callLater(10, () => loop.stop());
    await loop.runForever();
    expect(log).toEqual(["next callback"]);
    expect(loop.isRunning()).toBe(false);
    expect(loop.time()).toBe(10);
    // The loop can run again.
    expect(await loop.runUntilComplete(Aio.sleep(5, "again"))).toBe("again");
    loop.close();
  });

  it("a custom handler that throws, with a default handler that throws too, does not escape", async () => {
    class LoudLoop extends (newEventLoop(V).constructor as typeof import("../src/events.js").EventLoop) {
      override defaultExceptionHandler(): void {
        throw new Error("default handler broken");
      }
    }
    const loop = new LoudLoop(V);
    const seen: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void seen.push(String(args[0])));
    loop.setExceptionHandler(() => {
      throw new Error("custom handler broken");
    });
    loop.callSoon(() => {
      throw new Error("callback failed");
    });
    const after = await loop.runUntilComplete(Aio.sleep(3, "ok"));
    expect(after).toBe("ok");
    expect(loop.isRunning()).toBe(false);
    expect(seen.some((s) => s.includes("Exception in default exception handler"))).toBe(true);
    loop.close();
  });

  it("callExceptionHandler itself never throws, even when the default handler does", () => {
    class LoudLoop extends (newEventLoop(V).constructor as typeof import("../src/events.js").EventLoop) {
      override defaultExceptionHandler(): void {
        throw new Error("default handler broken");
      }
    }
    const loop = new LoudLoop(V);
    vi.spyOn(console, "error").mockImplementation(() => {});
    expect(() => loop.callExceptionHandler({ message: "m" })).not.toThrow();
    loop.close();
  });
});

describe("running a loop inside a running loop is an error", () => {
  it("run() from inside a program rejects with a clear error instead of nesting or deadlocking", async () => {
    const outcome = await run(
      Aio.gen(function* () {
        const inner = run(Aio.succeed(1), V);
        const caught = yield* Aio.promise(() => inner.then(() => "resolved", (e: unknown) => e));
        return caught;
      }),
      V,
    );
    expect(outcome).toBeInstanceOf(EventLoopError);
    expect((outcome as Error).message).toMatch(/run\(\) cannot be called from a running event loop/);
    expect((outcome as Error).message).toMatch(/yield\*/);
    // A loop idle between host callbacks is not running: run() from a host timer works.
    const loop = newEventLoop();
    const inner = new Promise<number>((resolve, reject) => setTimeout(() => run(Aio.succeed(7)).then(resolve, reject), 1));
    const [v] = await Promise.all([inner, loop.runUntilComplete(Aio.sleep(5))]);
    expect(v).toBe(7);
    loop.close();
  });

  it("runUntilComplete / runForever of another loop from a loop callback are errors", async () => {
    const other = newEventLoop(V);
    const errors: unknown[] = [];
    let otherRan = false;
    await run(
      Aio.sync(() => {
        other.runUntilComplete(Aio.sync(() => void (otherRan = true))).catch((e: unknown) => errors.push(e));
        other.runForever().catch((e: unknown) => errors.push(e));
      }).pipe(Aio.flatMap(() => Aio.sleep(1))),
      V,
    );
    expect(otherRan).toBe(false);
    expect(other.isRunning()).toBe(false);
    expect(errors).toHaveLength(2);
    for (const e of errors) {
      expect(e).toBeInstanceOf(EventLoopError);
      expect((e as Error).message).toMatch(/Cannot run the event loop while another loop is running/);
    }
    other.close();
  });
});

describe("run() shutdown leaves nothing behind", () => {
  it("a task created in a finally while run() cancels the leftovers is cancelled and awaited too", async () => {
    const sem = new Semaphore(1);
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        yield* createTask(
          Aio.sleep(1e9).pipe(
            Aio.ensuring(
              Aio.gen(function* () {
                // Cleanup that hands work to a new task, which takes the permit.
                yield* createTask(
                  withPermit(sem)(Aio.sleep(1e9)).pipe(Aio.ensuring(Aio.sync(() => void log.push("late finally")))),
                );
                yield* Aio.sleep(0);
                yield* Aio.sleep(0);
              }),
            ),
          ),
        );
        yield* Aio.sleep(1);
      }),
      V,
    );
    expect(log).toEqual(["late finally"]);
    expect(sem.locked()).toBe(false);
  });

  it("a shielded cleanup orphaned during shutdown (its waiter timed out) is cancelled and awaited", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1e9);
            } finally {
              // Cleanup with a bounded wait: after 5 ms the task gives up on it, and the
              // shielded inner task goes on alone.
              const inner = Aio.sleep(1e9).pipe(Aio.ensuring(Aio.sync(() => void log.push("inner cleaned up"))));
              const r = yield* Aio.exit(timeout(5, shield(inner)));
              if (r._tag === "Failure") log.push("cleanup timed out");
            }
          }),
        );
        yield* Aio.sleep(0);
      }),
      V,
    );
    expect(log).toEqual(["cleanup timed out", "inner cleaned up"]);
  });

  it("a task that keeps creating tasks when cancelled is given up after a bounded number of rounds, with a report", async () => {
    const reported: ExceptionContext[] = [];
    let spawned = 0;
    const respawning = (): Aio<void> =>
      Aio.sleep(1e9).pipe(
        Aio.ensuring(
          Aio.suspend(() => {
            spawned++;
            // The new task takes its first step before this one ends.
            return createTask(respawning()).pipe(Aio.flatMap(() => Aio.sleep(0)));
          }),
        ),
      );
    const exit = await runExit(
      Aio.gen(function* () {
        getRunningLoop().setExceptionHandler((_l, ctx) => void reported.push(ctx));
        yield* createTask(respawning(), { name: "hydra" });
        yield* Aio.sleep(0);
        return "main done";
      }),
      V,
    );
    expect(exit).toEqual(expect.objectContaining({ _tag: "Success", value: "main done" }));
    const gaveUp = reported.filter((c) => c.message.includes("still pending after"));
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]!.message).toMatch(/run\(\) shutdown/);
    expect(spawned).toBeGreaterThan(1);
    expect(spawned).toBeLessThan(1000);
  });
});

describe("failures are reported when they are lost, not at close", () => {
  const fixture = fileURLToPath(new URL("./fixtures/unretrieved-gc.ts", import.meta.url));

  // 10^5 lost failures: the bound is per failure (20 B, against the old ~200 B each), and
  // at 2 x 10^4 the heap reading's own noise (a few hundred KB when the whole suite runs at
  // once: 533 KB once, against 90-180 KB alone) was as large as the whole bound.
  const runFixture = (): Promise<ChildResult> =>
    runNode(fixture, { nodeArgs: ["--expose-gc"], env: { ...process.env, FAILURES: "100000" } });

  it(
    "a failed fire-and-forget task is reported soon after it is collected, once, with memory bounded",
    async () => {
      const { code, stdout, stderr } = await runFixture();
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const r = JSON.parse(stdout.trim().split("\n").pop()!) as {
        failures: number;
        reportedWhileRunning: number;
        reportedAtClose: number;
        distinct: number;
        namesOk: boolean;
        exceptionsOk: boolean;
        heapGrowthBytes: number;
        keptReadOneReported: boolean;
      };
      expect(r.reportedWhileRunning).toBe(r.failures);
      expect(r.distinct).toBe(r.failures);
      expect(r.namesOk).toBe(true);
      expect(r.exceptionsOk).toBe(true);
      // The failure the program still holds (unread) is reported at close, with its task.
      expect(r.reportedAtClose).toBe(1);
      expect(r.keptReadOneReported).toBe(false);
      // The loop keeps nothing per lost failure: far below the old ~200 bytes each.
      expect(r.heapGrowthBytes).toBeLessThan(r.failures * 20);
    },
    30_000,
  );
});
