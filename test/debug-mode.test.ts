/**
 * Debug mode (asyncio's `debug=True`): turning it on per loop and per process, slow
 * callback / step reports, task creation sites in the loop's reports, never-run `Aio.gen`
 * programs (child processes with --expose-gc), and `loop.taskInfo()` / `dumpTasks()` /
 * `task.getStack()`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  Aio,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
  createFuture,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  setDebug,
  type ExceptionContext,
  type Task,
  type TaskInfo,
} from "../src/index.js";
import { runNode, type ChildResult } from "./helpers.js";

const SELF = fileURLToPath(import.meta.url);
const SOURCE = readFileSync(SELF, "utf8").split("\n");
/** The 1-based line of this file holding `marker` (a comment at the end of the line). */
const lineOf = (marker: string): number => {
  const i = SOURCE.findIndex((l) => l.includes(`// ${marker}`));
  if (i < 0) throw new Error(`no line marked ${marker}`);
  return i + 1;
};
/** Matches `debug-mode.test.ts:LINE:` in a site. */
const at = (marker: string): RegExp => new RegExp(`debug-mode\\.test\\.ts:${lineOf(marker)}:\\d+`);

/** Runs `body`; the AioWarnings emitted meanwhile (they arrive on a later tick). */
const warningsDuring = async (body: () => Promise<unknown>): Promise<Array<Error & { code?: string }>> => {
  const seen: Array<Error & { code?: string }> = [];
  const listener = (w: Error): void => void (w.name === "AioWarning" && seen.push(w));
  process.on("warning", listener);
  try {
    await body();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", listener);
  }
  return seen;
};

/** Holds the CPU for `ms` milliseconds of real time. */
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* spin */
  }
};

afterEach(() => setDebug(false));

describe("turning debug mode on", () => {
  it("per loop: newEventLoop({ debug }), loop.setDebug, run({ debug }); off by default", async () => {
    expect(newEventLoop().getDebug()).toBe(false);
    expect(newEventLoop({ debug: true }).getDebug()).toBe(true);
    const loop = newEventLoop();
    loop.setDebug(true);
    expect(loop.getDebug()).toBe(true);
    loop.setDebug(false);
    expect(loop.getDebug()).toBe(false);
    expect(await run(Aio.sync(() => getRunningLoop().getDebug()), { debug: true })).toBe(true);
    expect(await run(Aio.sync(() => getRunningLoop().getDebug()))).toBe(false);
  });

  it("process-wide setDebug(true) makes new loops debug by default; an explicit option wins", () => {
    setDebug(true);
    expect(newEventLoop().getDebug()).toBe(true);
    expect(newEventLoop({ debug: false }).getDebug()).toBe(false);
    setDebug(false);
    expect(newEventLoop().getDebug()).toBe(false);
  });

  it("bad input is a TypeError", () => {
    expect(() => newEventLoop({ debug: 1 as unknown as boolean })).toThrow(TypeError);
    expect(() => newEventLoop().setDebug("yes" as unknown as boolean)).toThrow(TypeError);
  });

  it("slowCallbackDuration: 100 ms by default; a finite number >= 0, else a clear error", () => {
    const loop = newEventLoop();
    expect(loop.slowCallbackDuration).toBe(100);
    loop.slowCallbackDuration = 0;
    expect(loop.slowCallbackDuration).toBe(0);
    loop.slowCallbackDuration = 12.5;
    expect(loop.slowCallbackDuration).toBe(12.5);
    for (const bad of [-1, Number.NaN, Infinity, -Infinity])
      expect(() => (loop.slowCallbackDuration = bad)).toThrow(RangeError);
    expect(() => (loop.slowCallbackDuration = "5" as unknown as number)).toThrow(TypeError);
    expect(loop.slowCallbackDuration).toBe(12.5);
  });
});

describe("slow callbacks and steps", () => {
  /** A program whose task "busy" holds the loop `ms` ms in one step, on a loop with a `threshold` ms threshold. */
  const slowProgram = (ms: number, threshold = 10) =>
    Aio.gen(function* () {
      getRunningLoop().slowCallbackDuration = threshold;
      yield* Aio.yieldNow; // the threshold is read per batch
      const t = yield* createTask(Aio.sync(() => busy(ms)), { name: "busy" }); // BUSY-TASK
      yield* t;
    });

  it("a task step over slowCallbackDuration is reported with the task's name and creation site", async () => {
    const warnings = await warningsDuring(() => run(slowProgram(30), { debug: true, virtualTime: true }));
    const slow = warnings.filter((w) => w.code === "AIO_SLOW_CALLBACK");
    expect(slow.length).toBeGreaterThanOrEqual(1);
    const busyReport = slow.find((w) => w.message.includes('<Task "busy"'));
    expect(busyReport).toBeDefined();
    expect(busyReport!.message).toMatch(/^Executing <Task "busy" done, created at .*> took 0\.\d{3} seconds$/);
    expect(busyReport!.message).toMatch(at("BUSY-TASK"));
    const seconds = Number(/took (\d+\.\d+) seconds/.exec(busyReport!.message)![1]);
    expect(seconds).toBeGreaterThanOrEqual(0.03);
  });

  it("a suspended task's report says what it waits on now", async () => {
    const warnings = await warningsDuring(() =>
      run(
        Aio.gen(function* () {
          getRunningLoop().slowCallbackDuration = 10;
          yield* Aio.yieldNow;
          const t = yield* createTask(
            Aio.gen(function* sleeper() {
              busy(20);
              yield* Aio.sleep(1000);
            }),
            { name: "sleepy" },
          );
          yield* t;
        }),
        { debug: true, virtualTime: true },
      ),
    );
    const w = warnings.find((x) => x.code === "AIO_SLOW_CALLBACK" && x.message.includes('"sleepy"'));
    expect(w?.message).toMatch(/<Task "sleepy" sleep until t=1000\.0 ms \(in 1000\.0 ms\), in sleeper \(Aio\.gen made at /);
  });

  it("a loop callback over the threshold is reported with its function's name", async () => {
    const loop = newEventLoop({ debug: true });
    loop.slowCallbackDuration = 10;
    const warnings = await warningsDuring(async () => {
      loop.callSoon(function slowHandle() {
        busy(20);
      });
      await loop.runUntilComplete(Aio.sleep(1));
    });
    loop.close();
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^Executing <Handle slowHandle\(\)> took 0\.\d{3} seconds$/));
  });

  it("not reported when debug mode is off, nor under the threshold", async () => {
    const off = await warningsDuring(() => run(slowProgram(30), { virtualTime: true }));
    expect(off).toEqual([]);
    const under = await warningsDuring(async () => {
      const loop = newEventLoop({ debug: true, virtualTime: true });
      await loop.runUntilComplete(slowProgram(30, 10_000));
      loop.close();
    });
    // Debug mode is on, but every step (30 ms at most, plus any pause) is under 10 s.
    expect(under.filter((w) => w.code === "AIO_SLOW_CALLBACK")).toEqual([]);
  });
});

describe("creation sites in the loop's reports", () => {
  const reportsOf = async (debug: boolean, program: Aio.Aio<unknown>): Promise<ExceptionContext[]> => {
    const loop = newEventLoop({ debug, virtualTime: true });
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => void reports.push(ctx));
    await loop.runUntilComplete(program);
    loop.close();
    return reports;
  };
  const leaves = Aio.gen(function* () {
    yield* createTask(Aio.never, { name: "stuck" }); // STUCK-TASK
    yield* createTask(Aio.fail(new Error("unread")), { name: "failing" }); // FAILING-TASK
    yield* Aio.sleep(1);
  });

  it("'destroyed but pending' and 'never retrieved' carry sourceTraceback in debug mode", async () => {
    const reports = await reportsOf(true, leaves);
    const pending = reports.find((r) => r.message === "Task was destroyed but it is pending");
    expect(pending?.task?.getName()).toBe("stuck");
    expect(pending?.sourceTraceback).toMatch(at("STUCK-TASK"));
    const unread = reports.find((r) => r.message.startsWith("Task exception was never retrieved"));
    expect(unread?.sourceTraceback).toMatch(at("FAILING-TASK"));
  });

  it("off: the same reports, without sourceTraceback", async () => {
    const reports = await reportsOf(false, leaves);
    expect(reports.map((r) => r.message).sort()).toEqual([
      'Task exception was never retrieved (task "failing")',
      "Task was destroyed but it is pending",
    ]);
    for (const r of reports) expect(r.sourceTraceback).toBeUndefined();
  });

  it("the default handler prints it", () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      newEventLoop().defaultExceptionHandler({ message: "m", sourceTraceback: "at f (x.ts:1:2)\nat g (y.ts:3:4)" });
      expect(spy.mock.calls[0]?.[0]).toBe("[aio-ts] m\nTask created at (most recent call first):\n    at f (x.ts:1:2)\n    at g (y.ts:3:4)");
    } finally {
      spy.mockRestore();
    }
  });
});

describe("reports that need the garbage collector (child processes)", () => {
  const fixture = fileURLToPath(new URL("./fixtures/debug-gc.ts", import.meta.url));
  const fixtureLines = readFileSync(fixture, "utf8").split("\n");
  const fixtureLine = (marker: string): number => fixtureLines.findIndex((l) => l.includes(`// ${marker}`)) + 1;
  const runFixture = (arg: string): Promise<ChildResult> => {
    const env = { ...process.env };
    delete env["AIO_DEBUG"];
    return runNode(fixture, { nodeArgs: ["--expose-gc"], args: [arg], env });
  };

  it("an Aio.gen program made in debug mode and never run is reported with its site; the ones that ran are not", async () => {
    const r = await runFixture("gen-on");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("done 1");
    expect(r.stderr.match(/\[AIO_NEVER_RUN\] AioWarning/g)).toHaveLength(1);
    expect(r.stderr).toContain("the Aio.gen program helperBody was made and never run (a missing yield*?)");
    expect(fixtureLine("FORGOTTEN-GEN")).toBeGreaterThan(0);
    expect(r.stderr).toMatch(new RegExp(`debug-gc\\.ts:${fixtureLine("FORGOTTEN-GEN")}:\\d+`));
  }, 30_000);

  it("off: nothing is reported", async () => {
    const r = await runFixture("gen-off");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("done 0");
    expect(r.stderr).toBe("");
  }, 30_000);

  it("a failed task collected unread: the report names where it was created", async () => {
    const r = await runFixture("lost");
    expect(r.code).toBe(0);
    const reports = JSON.parse(r.stdout.trim()) as Array<{ message: string; sourceTraceback?: string }>;
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toBe('Task exception was never retrieved (task "doomed")');
    expect(reports[0]!.sourceTraceback).toMatch(new RegExp(`debug-gc\\.ts:${fixtureLine("LOST-TASK")}:\\d+`));
  }, 30_000);
});

describe("taskInfo, dumpTasks and getStack", () => {
  const byName = (infos: readonly TaskInfo[], name: string): TaskInfo => {
    const i = infos.find((x) => x.name === name);
    if (i === undefined) throw new Error(`no task ${name}`);
    return i;
  };

  const innermost = () =>
    Aio.gen(function* innermost() { // INNERMOST
      yield* Aio.sleep(500);
    });
  const middle = () =>
    Aio.gen(function* middle() { // MIDDLE
      yield* innermost();
    });
  const outer = () =>
    Aio.gen(function* outer() { // OUTER
      yield* middle();
    });

  /** Starts one task blocked on each kind of wait; returns what the loop says about them. */
  const snapshot = Aio.gen(function* () {
    const lock = new Lock();
    const sem = new Semaphore(0);
    const cond = new Condition();
    const q = new Queue<number>(1);
    const full = new Queue<number>(1);
    full.putNowait(0);
    const ev = new Event();
    const fut = yield* createFuture<number>();
    yield* lock.acquire();
    const sleeper = yield* createTask(Aio.sleep(1000), { name: "sleeper" });
    yield* createTask(outer(), { name: "nested" }); // NESTED-TASK
    yield* createTask(lock.acquire(), { name: "locker" });
    yield* createTask(sem.acquire(), { name: "sem" });
    yield* createTask(
      cond.acquire().pipe(Aio.flatMap(() => cond.wait())),
      { name: "cond" },
    );
    yield* createTask(q.get(), { name: "getter" });
    yield* createTask(full.put(1), { name: "putter" });
    yield* createTask(ev.wait(), { name: "waiter" });
    yield* createTask(Aio.from(fut), { name: "futw" });
    yield* createTask(Aio.from(sleeper), { name: "joiner" });
    yield* createTask(Aio.never, { name: "never" });
    yield* createTask(Aio.promise(() => new Promise<void>(() => {})), { name: "promised" });
    yield* Aio.yieldNow;
    yield* Aio.yieldNow;
    const loop = getRunningLoop();
    const nested = [...loop.allTasks()].find((t) => t.getName() === "nested") as Task<unknown, unknown>;
    return { infos: loop.taskInfo(), dump: loop.dumpTasks(), nestedStack: nested.getStack() };
  });

  it("debug mode: what each task waits on, where it was made, and its Aio.gen frames", async () => {
    const { infos, dump, nestedStack } = await run(snapshot, { debug: true, virtualTime: true });
    const waits = Object.fromEntries(infos.map((i) => [i.name, i.waitingOn]));
    expect(waits).toEqual({
      main: "running",
      sleeper: "sleep until t=1000.0 ms (in 1000.0 ms)",
      nested: "sleep until t=500.0 ms (in 500.0 ms)",
      locker: "Lock.acquire on <Lock [locked, waiters:1]>",
      sem: "Semaphore.acquire on <Semaphore [locked, waiters:1]>",
      cond: "Condition.wait on <Condition [unlocked, waiters:1]>",
      getter: "Queue.get on <Queue maxsize=1 qsize=0 getters[1] tasks=0>",
      putter: "Queue.put on <Queue maxsize=1 qsize=1 putters[1] tasks=1>",
      waiter: "Event.wait on <Event [unset, waiters:1]>",
      futw: "a future",
      joiner: 'task "sleeper"',
      never: "Aio.never (only a cancellation ends it)",
      promised: "a host operation (Aio.promise or a host callback)",
    });
    // Oldest first, the states as the loop sees them.
    expect(infos.map((i) => i.name).slice(0, 3)).toEqual(["main", "sleeper", "nested"]);
    expect(byName(infos, "main").state).toBe("running");
    expect(byName(infos, "locker").state).toBe("suspended");
    // The creation site: the line of the createTask call.
    expect(byName(infos, "nested").createdAt).toMatch(at("NESTED-TASK"));
    // Three Aio.gen frames, innermost first, each with where it was made.
    const stack = byName(infos, "nested").stack;
    expect(stack).toHaveLength(3);
    expect(stack[0]).toMatch(/^innermost \(Aio\.gen made at innermost /);
    expect(stack[0]).toMatch(at("INNERMOST"));
    expect(stack[1]).toMatch(/^middle \(Aio\.gen made at middle /);
    expect(stack[1]).toMatch(at("MIDDLE"));
    expect(stack[2]).toMatch(/^outer \(Aio\.gen made at outer /);
    expect(stack[2]).toMatch(at("OUTER"));
    expect(nestedStack).toEqual(stack);
    // A library-made program says so rather than pointing at the user's line.
    expect(byName(infos, "locker").stack).toEqual(["<anonymous> (Aio.gen made inside aio-ts by new Lock)"]);
    // The text form: a header, then per task its line, its site and its frames.
    const lines = dump.split("\n");
    expect(lines[0]).toBe("13 pending tasks at t=0.0 ms:");
    const nestedAt = lines.indexOf('Task "nested": sleep until t=500.0 ms (in 500.0 ms)');
    expect(nestedAt).toBeGreaterThan(0);
    expect(lines[nestedAt + 1]).toMatch(/^ {4}created at /);
    expect(lines.slice(nestedAt + 2, nestedAt + 5)).toEqual(stack.map((f) => `    at ${f}`));
  });

  it("debug off: still works, without sites, frame names or waiter labels", async () => {
    const { infos, dump, nestedStack } = await run(snapshot, { virtualTime: true });
    expect(byName(infos, "sleeper").waitingOn).toBe("sleep until t=1000.0 ms (in 1000.0 ms)");
    expect(byName(infos, "locker").waitingOn).toBe("a future");
    expect(byName(infos, "joiner").waitingOn).toBe('task "sleeper"');
    for (const i of infos) expect(i.createdAt).toBeUndefined();
    // Off, nested programs run inside their parent's generator: one frame, unnamed.
    expect(nestedStack).toEqual(["Aio.gen (made with debug mode off: no name or site)"]);
    expect(dump.split("\n")[0]).toBe(
      "13 pending tasks at t=0.0 ms (debug mode off: no creation sites, no names of Aio.gen frames):",
    );
    expect(dump).not.toContain("created at");
  });

  it("a task that is done, or not started, has an empty stack; a ready one says so", async () => {
    const r = await run(
      Aio.gen(function* () {
        const done = yield* createTask(Aio.succeed(1));
        yield* done;
        const fresh = yield* createTask(Aio.gen(function* () {}), { name: "fresh" });
        return { done: done.getStack(), fresh: fresh.getStack(), info: getRunningLoop().taskInfo() };
      }),
      { debug: true },
    );
    expect(r.done).toEqual([]);
    expect(r.fresh).toEqual([]);
    expect(byName(r.info, "fresh")).toMatchObject({ state: "ready", waitingOn: "ready", stack: [] });
  });

  it("10^4 pending tasks: one entry each, oldest first (linear)", async () => {
    const n = 10_000;
    const { infos, dump } = await run(
      Aio.gen(function* () {
        for (let i = 0; i < n; i++) yield* createTask(Aio.sleep(1000 + i), { name: `t${i}` });
        yield* Aio.yieldNow;
        const loop = getRunningLoop();
        return { infos: loop.taskInfo(), dump: loop.dumpTasks() };
      }),
      { debug: true, virtualTime: true },
    );
    expect(infos).toHaveLength(n + 1);
    expect(infos[1]!.name).toBe("t0");
    expect(infos[n]!.waitingOn).toBe(`sleep until t=${(1000 + n - 1).toFixed(1)} ms (in ${(1000 + n - 1).toFixed(1)} ms)`);
    expect(dump.split("\n").filter((l) => l.startsWith("Task ")).length).toBe(n + 1);
  }, 60_000); // debug mode formats 10^4 creation stacks (tens of µs each, more under tsx)

  it("an empty loop", () => {
    const loop = newEventLoop({ virtualTime: true });
    expect(loop.taskInfo()).toEqual([]);
    expect(loop.dumpTasks()).toBe("0 pending tasks at t=0.0 ms (debug mode off: no creation sites, no names of Aio.gen frames):");
  });
});
