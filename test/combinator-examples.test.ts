/**
 * The guide's combinator programs in examples/ (gather, wait, wait_for), run on
 * virtual-time loops: exact output, in order, with the loop time at which each line was
 * printed, and the exact elapsed virtual time. Nothing here waits on the real clock.
 */
import { describe, expect, it } from "vitest";
import * as gatherHello from "../examples/gather_hello.js";
import * as gatherHelloArgs from "../examples/gather_hello_args.js";
import { runExamples, type Example } from "../examples/main.js";
import * as waitFirstCompleted from "../examples/wait_first_completed.js";
import * as waitForTimeout from "../examples/wait_for_timeout.js";
import * as waitTaskResults from "../examples/wait_task_results.js";
import { V, collect, runInstantly, vrunLines, type Logged } from "./helpers.js";

/** What hello1/2/3 (3 s, 2 s, 4 s, started together) print, with the loop time. */
const HELLO_1_2_3: readonly Logged[] = [
  [0, "Hello world 01 begin"],
  [0, "Hello world 02 begin"],
  [0, "Hello world 03 begin"],
  [2000, "Hello again 02 end"],
  [3000, "Hello again 01 end"],
  [4000, "Hello again 03 end"],
];

/** What gather_hello_args and wait_task_results print: hello1/2/3, then 15, 5, 50 at 4 s. */
const HELLO_ARGS_LINES: readonly Logged[] = [...HELLO_1_2_3, [4000, "15"], [4000, "5"], [4000, "50"]];

describe("examples/gather_hello", () => {
  it("runs hello1/2/3 concurrently: ends at 2, 3, 4 s; 4 s in all (not 9); results undefined", async () => {
    const { loop, lines } = await runInstantly(gatherHello.runExample);
    expect(lines).toEqual([
      ...HELLO_1_2_3,
      [4000, "undefined"],
      [4000, "undefined"],
      [4000, "undefined"],
    ]);
    expect(loop.time()).toBe(4000);
    expect(loop.isClosed()).toBe(true);
  });

  it("main is a plain Aio that run() can run too", async () => {
    const lines = await vrunLines(gatherHello.main);
    expect(lines).toHaveLength(9);
  });
});

describe("examples/gather_hello_args", () => {
  it("returns 15, 5, 50 in argument order after 4 s, whatever the completion order", async () => {
    const { loop, lines, result: results } = await runInstantly(gatherHelloArgs.runExample);
    expect(results).toEqual([15, 5, 50]);
    expect(lines).toEqual(HELLO_ARGS_LINES);
    expect(loop.time()).toBe(4000);
  });
});

describe("examples/wait_first_completed", () => {
  it("returns at 2 s with 1 done and 2 pending; the pending ones never finish", async () => {
    const { loop, lines, result: sizes } = await runInstantly(waitFirstCompleted.runExample);
    expect(sizes).toEqual({ done: 1, pending: 2 });
    expect(lines).toEqual([
      [0, "Hello world 01 begin"],
      [0, "Hello world 02 begin"],
      [0, "Hello world 03 begin"],
      [2000, "Hello again 01 end"],
      [2000, "<Task finished result=undefined>"],
      [2000, "<Task pending>"],
      [2000, "<Task pending>"],
      [2000, "---------------------------------------"],
      [2000, "2.000 s"],
    ]);
    expect(loop.time()).toBe(2000);
    expect(loop.isClosed()).toBe(true);
  });

  it("leaves no task and no timer behind", async () => {
    const { loop, log } = collect();
    await loop.runUntilComplete(waitFirstCompleted.main(log));
    expect(loop.allTasks().size).toBe(0);
    expect(loop.pendingTimers()).toBe(0);
    expect(loop.time()).toBe(2000);
    loop.close();
  });
});

describe("examples/wait_for_timeout", () => {
  it("times out after 3 s: func1 is cancelled, main prints 'timeout .....'", async () => {
    const { loop, lines, result: timedOut } = await runInstantly(waitForTimeout.runExample);
    expect(timedOut).toBe(true);
    expect(lines).toEqual([
      [0, "wait you 3 seconds....."],
      [0, "let's func1 start now..."],
      [3000, "timeout ....."],
    ]);
    expect(loop.time()).toBe(3000);
  });

  it("the hour-long timer is gone afterwards", async () => {
    const { loop, log } = collect();
    await loop.runUntilComplete(waitForTimeout.main(log));
    expect(loop.pendingTimers()).toBe(0);
    expect(loop.allTasks().size).toBe(0);
    loop.close();
  });
});

describe("examples/wait_task_results", () => {
  it("waits for all three tasks (4 s), then reads 15, 5, 50", async () => {
    const { loop, lines, result: results } = await runInstantly(waitTaskResults.runExample);
    expect(results).toEqual([15, 5, 50]);
    expect(lines).toEqual(HELLO_ARGS_LINES);
    expect(loop.time()).toBe(4000);
    expect(loop.isClosed()).toBe(true);
  });
});

describe("the combinator examples through runExamples (examples/main.ts)", () => {
  /** The entries to append to `examples` in examples/main.ts. */
  const entries: Example[] = [
    { name: "gather_hello", description: "gather(hello1(), hello2(), hello3()): 4 s, not 9", run: gatherHello.runExample },
    { name: "gather_hello_args", description: "gather with arguments and return values: 15, 5, 50", run: gatherHelloArgs.runExample },
    { name: "wait_first_completed", description: "wait(..., FIRST_COMPLETED): 1 done, 2 pending at 2 s", run: waitFirstCompleted.runExample },
    { name: "wait_for_timeout", description: "waitFor(func1(), 3 s) around an hour-long sleep", run: waitForTimeout.runExample },
    { name: "wait_task_results", description: "wait over three tasks, then task.result() of each", run: waitTaskResults.runExample },
  ];

  it("run in sequence with exact elapsed loop times", async () => {
    const out: string[] = [];
    const outcomes = await runExamples(entries, { ...V, write: (t) => void out.push(t) });
    expect(outcomes).toEqual([
      { name: "gather_hello", elapsedMs: 4000, failed: false },
      { name: "gather_hello_args", elapsedMs: 4000, failed: false },
      { name: "wait_first_completed", elapsedMs: 2000, failed: false },
      { name: "wait_for_timeout", elapsedMs: 3000, failed: false },
      { name: "wait_task_results", elapsedMs: 4000, failed: false },
    ]);
    expect(out).toContain("[ 3.00s] timeout .....");
    expect(out).toContain("[ 2.00s] <Task finished result=undefined>");
    expect(out[out.length - 1]).toBe("5 example(s) in 17.00s of loop time");
  });
});
