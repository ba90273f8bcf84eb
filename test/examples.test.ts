import { readdirSync } from "node:fs";
/**
 * The ported guide programs in examples/, run on virtual-time loops: exact output, in
 * order, with the loop time at which each line was printed, and the exact elapsed
 * virtual time. Nothing here waits on the real clock.
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, createTask, newEventLoop } from "../src/index.js";
import * as callSoonLater from "../examples/call_soon_later.js";
import * as cancelMe from "../examples/cancel_me.js";
import * as doneCallback from "../examples/done_callback.js";
import * as loopTime from "../examples/loop_time.js";
import { examples, formatElapsed, runExamples, type Example } from "../examples/main.js";
import * as sayAfterTime from "../examples/say_after_time.js";
import * as taskResult from "../examples/task_result.js";
import { INSTANT_MS, V, collect, runInstantly, vrunLines } from "./helpers.js";

describe("examples/say_after_time", () => {
  it("prints hello at 1 s and world at 3 s, then ends at 3 s", async () => {
    const { loop, lines } = await runInstantly(sayAfterTime.runExample);
    expect(lines).toEqual([
      [0, "start time: 0.000 s"],
      [1000, "hello"],
      [3000, "world"],
      [3000, "end time: 3.000 s"],
    ]);
    expect(loop.time()).toBe(3000);
    expect(loop.isClosed()).toBe(true);
  });

  it("say_after_time alone sleeps its delay, then prints", async () => {
    const { loop, lines, log } = collect();
    await loop.runUntilComplete(sayAfterTime.sayAfterTime(2500, "late", log));
    expect(lines).toEqual([[2500, "late"]]);
    expect(loop.time()).toBe(2500);
    loop.close();
  });

  it("main is a plain Aio that run() can run too", async () => {
    const lines = await vrunLines(sayAfterTime.main);
    expect(lines).toEqual(["start time: 0.000 s", "hello", "world", "end time: 3.000 s"]);
  });
});

describe("examples/cancel_me", () => {
  it("cancels the sleeping task at 1 s: except, raise, finally, then main sees the cancellation", async () => {
    const { loop, lines } = await runInstantly(cancelMe.runExample);
    expect(lines).toEqual([
      [0, "cancel_me(): before sleep"],
      [1000, "main is sleep down"],
      [1000, "cancel_me(): cancel sleep"],
      [1000, "cancel_me(): after sleep"],
      [1000, "main(): cancel_me is cancelled now"],
    ]);
    expect(loop.time()).toBe(1000);
    expect(loop.isClosed()).toBe(true);
  });

  it("removes the hour-long timer and leaves no task behind", async () => {
    const { loop, lines, log } = collect();
    await loop.runUntilComplete(cancelMe.main(log));
    expect(loop.time()).toBe(1000);
    expect(loop.pendingTimers()).toBe(0);
    expect(loop.allTasks().size).toBe(0);
    expect(lines.map(([, l]) => l)).toContain("main(): cancel_me is cancelled now");
    loop.close();
  });

  it("the cancelled task ends cancelled (the CancelledError was re-raised)", async () => {
    const { loop, log } = collect();
    const task = await loop.runUntilComplete(
      Aio.gen(function* () {
        const t = yield* createTask(cancelMe.cancelMe(log));
        yield* Aio.sleep(1000);
        t.cancel("stop");
        try {
          yield* t;
        } catch (e) {
          expect(e).toBeInstanceOf(CancelledError);
        }
        return t;
      }),
    );
    expect(task.cancelled()).toBe(true);
    expect(() => task.result()).toThrow(CancelledError);
    expect(loop.time()).toBe(1000);
    loop.close();
  });

  it("cancel_me runs to its end after an hour when nobody cancels it", async () => {
    const { loop, lines, log } = collect();
    await loop.runUntilComplete(cancelMe.cancelMe(log));
    expect(lines).toEqual([
      [0, "cancel_me(): before sleep"],
      [cancelMe.ONE_HOUR, "cancel_me(): after sleep"],
    ]);
    loop.close();
  });
});

describe("examples/task_result", () => {
  it("runs hello(10, 5) as a task and reads task.result() = 15 after 3 s", async () => {
    const { loop, lines, result } = await runInstantly(taskResult.runExample);
    expect(result).toBe(15);
    expect(lines).toEqual([
      [0, "Hello world 01 begin"],
      [3000, "Hello again 01 end"],
      [3000, "-------------------------------------"],
      [3000, "15"],
    ]);
    expect(loop.time()).toBe(3000);
    expect(loop.isClosed()).toBe(true);
  });
});

describe("examples/done_callback", () => {
  it("the done callback prints f.result() = 15 at 3 s, before runUntilComplete returns", async () => {
    const { loop, lines } = await runInstantly(doneCallback.runExample);
    expect(lines).toEqual([
      [0, "Hello world 01 begin"],
      [3000, "Hello again 01 end"],
      [3000, "15"],
    ]);
    expect(loop.time()).toBe(3000);
    expect(loop.isClosed()).toBe(true);
  });

  it("the callback receives the task itself", async () => {
    const { loop, log } = collect();
    const task = loop.createTask(doneCallback.hello(10, 5, log));
    const seen: unknown[] = [];
    task.addDoneCallback((f) => void seen.push(f));
    await loop.runUntilComplete(task);
    // Compare by identity only: toEqual on a Task iterates it (a Task is iterable, for
    // yield*) and never ends.
    expect(seen).toHaveLength(1);
    expect(seen[0] === task).toBe(true);
    loop.close();
  });
});

describe("examples/call_soon_later", () => {
  it("callSoon runs first, then the callLater callbacks in deadline order; ends at 4 s", async () => {
    const { loop, lines } = await runInstantly(callSoonLater.runExample);
    expect(lines).toEqual([
      [0, "entering the event loop"],
      [0, "registering callbacks in the coroutine"],
      [0, "I am the callback, my argument is: 3"],
      [1000, "I am the callback, my argument is: 2"],
      [2000, "I am the callback, my argument is: 1"],
      [4000, "closing the event loop"],
    ]);
    expect(loop.time()).toBe(4000);
    expect(loop.isClosed()).toBe(true);
  });
});

describe("examples/loop_time", () => {
  it("loop.time() is 0 before and 3000 after: the difference is exactly 3000 ms", async () => {
    const { loop, lines, result: times } = await runInstantly(loopTime.runExample);
    expect(times).toEqual({ t1: 0, t2: 3000, elapsed: 3000, sum: 7 });
    expect(lines).toEqual([
      [0, "t1 = 0.000 ms"],
      [0, "about to do an addition"],
      [3000, "t2 = 3000.000 ms"],
      [3000, "t2 - t1 = 3000.000 ms"],
    ]);
    expect(loop.isClosed()).toBe(true);
  });

  it("measures from where the clock is, not from 0", async () => {
    const loop = newEventLoop(V);
    await loop.runUntilComplete(Aio.sleep(500));
    const lines: string[] = [];
    const times = await loopTime.runExample(loop, (line) => void lines.push(line));
    expect(times).toEqual({ t1: 500, t2: 3500, elapsed: 3000, sum: 7 });
    expect(lines).toEqual(["t1 = 500.000 ms", "about to do an addition", "t2 = 3500.000 ms", "t2 - t1 = 3000.000 ms"]);
  });
});

describe("examples/main", () => {
  it("lists every example file once, the seed programs first in the guide's order", () => {
    const names = examples.map((e) => e.name);
    expect(names.slice(0, 6)).toEqual([
      "say_after_time",
      "cancel_me",
      "task_result",
      "done_callback",
      "call_soon_later",
      "loop_time",
    ]);
    const files = readdirSync(new URL("../examples/", import.meta.url))
      .filter((f) => f.endsWith(".ts") && f !== "main.ts")
      .map((f) => f.slice(0, -3));
    expect([...names].sort()).toEqual(files.sort());
  });

  it("formats the elapsed-time prefix", () => {
    expect(formatElapsed(0)).toBe("[ 0.00s]");
    expect(formatElapsed(1000)).toBe("[ 1.00s]");
    expect(formatElapsed(3004.9)).toBe("[ 3.00s]");
    expect(formatElapsed(12_345)).toBe("[12.35s]");
  });

  it("runs them all in sequence with headers and elapsed-time prefixes (virtual time)", async () => {
    const out: string[] = [];
    const t0 = performance.now();
    // The six programs of this file (later issues append more examples to the list).
    const seed = ["say_after_time", "cancel_me", "task_result", "done_callback", "call_soon_later", "loop_time"];
    const list = examples.filter((e) => seed.includes(e.name));
    expect(list.map((e) => e.name)).toEqual(seed);
    const outcomes = await runExamples(list, { ...V, write: (t) => void out.push(t) });
    expect(performance.now() - t0).toBeLessThan(INSTANT_MS * 2);
    expect(outcomes).toEqual([
      { name: "say_after_time", elapsedMs: 3000, failed: false },
      { name: "cancel_me", elapsedMs: 1000, failed: false },
      { name: "task_result", elapsedMs: 3000, failed: false },
      { name: "done_callback", elapsedMs: 3000, failed: false },
      { name: "call_soon_later", elapsedMs: 4000, failed: false },
      { name: "loop_time", elapsedMs: 3000, failed: false },
    ]);
    expect(out).toEqual([
      "=== [1/6] say_after_time: await say_after_time(1 s, 'hello'), then say_after_time(2 s, 'world') ===",
      "[ 0.00s] start time: 0.000 s",
      "[ 1.00s] hello",
      "[ 3.00s] world",
      "[ 3.00s] end time: 3.000 s",
      "",
      "=== [2/6] cancel_me: task.cancel() throws CancelledError into a sleeping task ===",
      "[ 0.00s] cancel_me(): before sleep",
      "[ 1.00s] main is sleep down",
      "[ 1.00s] cancel_me(): cancel sleep",
      "[ 1.00s] cancel_me(): after sleep",
      "[ 1.00s] main(): cancel_me is cancelled now",
      "",
      "=== [3/6] task_result: loop.runUntilComplete(task), then task.result() ===",
      "[ 0.00s] Hello world 01 begin",
      "[ 3.00s] Hello again 01 end",
      "[ 3.00s] -------------------------------------",
      "[ 3.00s] 15",
      "",
      "=== [4/6] done_callback: task.addDoneCallback(cb) prints the result ===",
      "[ 0.00s] Hello world 01 begin",
      "[ 3.00s] Hello again 01 end",
      "[ 3.00s] 15",
      "",
      "=== [5/6] call_soon_later: loop.callSoon and loop.callLater ===",
      "[ 0.00s] entering the event loop",
      "[ 0.00s] registering callbacks in the coroutine",
      "[ 0.00s] I am the callback, my argument is: 3",
      "[ 1.00s] I am the callback, my argument is: 2",
      "[ 2.00s] I am the callback, my argument is: 1",
      "[ 4.00s] closing the event loop",
      "",
      "=== [6/6] loop_time: loop.time() before and after a 3 s program ===",
      "[ 0.00s] t1 = 0.000 ms",
      "[ 0.00s] about to do an addition",
      "[ 3.00s] t2 = 3000.000 ms",
      "[ 3.00s] t2 - t1 = 3000.000 ms",
      "",
      "6 example(s) in 17.00s of loop time",
    ]);
  });

  it("reports a failing example and goes on with the next one", async () => {
    const boom: Example = {
      name: "boom",
      description: "fails after 1 s",
      run: (loop) => loop.runUntilComplete(Aio.sleep(1000).pipe(Aio.flatMap(() => Aio.fail("boom")))),
    };
    const ok: Example = {
      name: "ok",
      description: "logs once",
      run: async (loop, log) => {
        await loop.runUntilComplete(Aio.sleep(250));
        log("fine");
      },
    };
    const out: string[] = [];
    const outcomes = await runExamples([boom, ok], { ...V, write: (t) => void out.push(t) });
    expect(outcomes).toEqual([
      { name: "boom", elapsedMs: 1000, failed: true },
      { name: "ok", elapsedMs: 250, failed: false },
    ]);
    expect(out).toEqual([
      "=== [1/2] boom: fails after 1 s ===",
      "[ 1.00s] !! boom failed: boom",
      "",
      "=== [2/2] ok: logs once ===",
      "[ 0.25s] fine",
      "",
      "2 example(s) in 1.25s of loop time, 1 failed",
    ]);
  });
});
