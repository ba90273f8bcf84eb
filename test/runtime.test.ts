/**
 * A long-lived runtime (issue 9 §1): `createRuntime` and its `run` / `runExit` / `fork` /
 * `dispose`; `AbortSignal`s into `run` and `rt.run`; loop binding of module-level
 * primitives (rebinding after a closed loop, an EventLoopError naming both live loops);
 * SIGINT/SIGTERM handling (child processes).
 */
import { getEventListeners } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  Aio,
  CancelledError,
  EventLoopError,
  Exit,
  Lock,
  Queue,
  Semaphore,
  createRuntime,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  runExit,
  type EventLoop,
} from "../src/index.js";
import { V, defectOf, expectInterrupted, runNode, vexit, vrun, type ChildResult } from "./helpers.js";

// ---------------------------------------------------------------------------------------
// The runtime

describe("createRuntime: run, runExit, fork", () => {
  it("runs programs on one loop, which stays open between them", async () => {
    const rt = createRuntime(V);
    const loopOf = Aio.sync(() => getRunningLoop());
    const [a, b] = await Promise.all([rt.run(loopOf), rt.run(loopOf)]);
    const c = await rt.run(loopOf);
    expect(a).toBe(rt.loop);
    expect(b).toBe(rt.loop);
    expect(c).toBe(rt.loop);
    expect(rt.loop.isClosed()).toBe(false);
    expect(await rt.run(Aio.sleep(1000, "slept"))).toBe("slept");
    expect(rt.loop.time()).toBe(1000);
    await rt.dispose();
  });

  it("rejects with the typed error / defect; runExit gives the Exit and never rejects", async () => {
    const rt = createRuntime(V);
    await expect(rt.run(Aio.fail("nope"))).rejects.toBe("nope");
    const boom = new Error("boom");
    await expect(
      rt.run(
        Aio.sync(() => {
          throw boom;
        }),
      ),
    ).rejects.toBe(boom);
    expect(await rt.runExit(Aio.fail(42))).toEqual(Exit.fail(42));
    expect(await rt.runExit(Aio.succeed(1))).toEqual(Exit.succeed(1));
    await rt.dispose();
  });

  it("names the program's task; fork returns a running task the caller can join", async () => {
    const rt = createRuntime(V);
    const name = await rt.run(
      Aio.sync(() => getRunningLoop()).pipe(Aio.map(() => [...rt.loop.allTasks()].map((t) => t.getName()))),
      { name: "request-1" },
    );
    expect(name).toEqual(["request-1"]);
    const job = rt.fork(Aio.sleep(50, "job"), { name: "job" });
    expect(job.getName()).toBe("job");
    expect(await rt.run(Aio.from(job))).toBe("job");
    await rt.dispose();
  });

  it("a task a program leaves running keeps running after the program's promise resolves", async () => {
    const rt = createRuntime(V);
    let ticks = 0;
    await rt.run(
      Aio.gen(function* () {
        yield* createTask(
          Aio.gen(function* () {
            for (;;) {
              yield* Aio.sleep(10);
              ticks++;
            }
          }),
        );
      }),
    );
    await rt.run(Aio.sleep(55));
    expect(ticks).toBe(5);
    await rt.dispose();
  });

  it("1,000 concurrent rt.run calls share a module-level Semaphore(64)", async () => {
    const rt = createRuntime(V);
    const sem = new Semaphore(64);
    let inside = 0;
    let most = 0;
    const request = (i: number) =>
      sem.withPermit(
        Aio.gen(function* () {
          inside++;
          most = Math.max(most, inside);
          yield* Aio.sleep(10);
          inside--;
          return i;
        }),
      );
    const ids = Array.from({ length: 1000 }, (_, i) => i);
    const out = await Promise.all(ids.map((i) => rt.run(request(i))));
    expect(out).toEqual(ids);
    expect(most).toBe(64);
    expect(sem.value()).toBe(64);
    // 1000 / 64 = 15.6: 16 waves of 10 ms on the virtual clock.
    expect(rt.loop.time()).toBe(160);
    await rt.dispose();
  });

  it("the issue's case: per-request run() with a module-level Semaphore fails under load; rt.run works", async () => {
    const sem = new Semaphore(1);
    const handler = Aio.gen(function* () {
      return yield* sem.withPermit(Aio.sleep(5, "ok"));
    });
    // Each run() makes a loop of its own; the waiters of two of them meet on `sem`.
    const perRequest = await Promise.allSettled(Array.from({ length: 10 }, () => run(handler, V)));
    const failures = perRequest.filter((r) => r.status === "rejected");
    expect(failures.length).toBeGreaterThan(0);
    const err = (failures[0] as PromiseRejectedResult).reason as EventLoopError;
    expect(err).toBeInstanceOf(EventLoopError);
    expect(err.message).toMatch(
      /^Semaphore is bound to event loop run#\d+ \(running\) and cannot be used from run#\d+ \(running\)/,
    );
    const [, a, b] = /run#(\d+).*run#(\d+)/.exec(err.message)!;
    expect(a).not.toBe(b);
    // Let the per-request loops finish and close (the permit comes back).
    await new Promise((r) => setTimeout(r, 50));
    expect(sem.value()).toBe(1);

    const rt = createRuntime(V);
    const viaRuntime = await Promise.all(Array.from({ length: 10 }, () => rt.run(handler)));
    expect(viaRuntime).toEqual(Array(10).fill("ok"));
    expect(rt.loop.time()).toBe(50);
    await rt.dispose();
  });

  it("a program on another loop can call rt.run and wait for it", async () => {
    const rt = createRuntime(V);
    const value = await vrun(Aio.promise(() => rt.run(Aio.sleep(10, "inner"))));
    expect(value).toBe("inner");
    await rt.dispose();
  });

  it("bad input: rt.run of a non-Aio rejects with a TypeError, a bad signal too", async () => {
    const rt = createRuntime(V);
    await expect(rt.run(42 as unknown as Aio<number>)).rejects.toBeInstanceOf(TypeError);
    await expect(rt.run(Aio.void, { signal: {} as AbortSignal })).rejects.toThrow(
      /options.signal must be an AbortSignal/,
    );
    await expect(run(Aio.void, { signal: "x" as unknown as AbortSignal })).rejects.toBeInstanceOf(TypeError);
    await rt.dispose();
  });
});

describe("Runtime.dispose", () => {
  it("cancels and awaits every running task (finalisers run), then closes the loop", async () => {
    const rt = createRuntime(V);
    const log: string[] = [];
    const job = rt.fork(Aio.never.pipe(Aio.ensuring(Aio.sync(() => log.push("job finalised")))), { name: "job" });
    const main = rt.run(
      Aio.gen(function* () {
        try {
          yield* Aio.sleep(3_600_000);
        } finally {
          // A finally that takes time and makes a task: both finish before dispose does.
          yield* Aio.uninterruptible(Aio.sleep(100));
          yield* createTask(Aio.never.pipe(Aio.ensuring(Aio.sync(() => log.push("late task finalised")))));
          log.push("main finalised");
        }
      }),
    );
    const mainOutcome = main.then(
      () => "resolved",
      (e: unknown) => (e instanceof CancelledError ? "cancelled" : "other"),
    );
    await rt.run(Aio.sleep(10));
    const d1 = rt.dispose();
    const d2 = rt.dispose();
    expect(d2).toBe(d1);
    expect(rt.isDisposed()).toBe(true);
    await d1;
    expect(await mainOutcome).toBe("cancelled");
    expect(log.sort()).toEqual(["job finalised", "late task finalised", "main finalised"]);
    expect(job.cancelled()).toBe(true);
    expect(rt.loop.isClosed()).toBe(true);
    expect(rt.loop.allTasks().size).toBe(0);
    expect(rt.loop.time()).toBe(110);
    await rt.dispose(); // again: nothing to do
  });

  it("after dispose, run/runExit reject and fork throws an EventLoopError 'runtime is disposed'", async () => {
    const rt = createRuntime(V);
    await rt.dispose();
    await expect(rt.run(Aio.void)).rejects.toThrow(new EventLoopError("runtime is disposed"));
    await expect(rt.runExit(Aio.void)).rejects.toBeInstanceOf(EventLoopError);
    expect(() => rt.fork(Aio.void)).toThrow("runtime is disposed");
  });

  it("dispose of a runtime that never ran anything, and right after a fork", async () => {
    const idle = createRuntime();
    await idle.dispose();
    expect(idle.loop.isClosed()).toBe(true);
    const rt = createRuntime(V);
    let started = false;
    const t = rt.fork(Aio.sync(() => (started = true)));
    await rt.dispose();
    // Cancelled before its first step.
    expect(started).toBe(false);
    expectInterrupted(t.getExit());
  });
});

// ---------------------------------------------------------------------------------------
// AbortSignal in

/** A program that aborts `controller` with `reason` after `ms`, then waits for ever. */
const abortedAfter = (controller: AbortController, ms: number, reason: unknown, log: string[]) =>
  Aio.gen(function* () {
    getRunningLoop().callLater(ms, () => controller.abort(reason));
    try {
      return yield* Aio.never;
    } finally {
      log.push("finalised");
    }
  });

describe("AbortSignal: run, runExit, rt.run, rt.runExit", () => {
  const runners = {
    run: (aio: Aio<unknown>, signal: AbortSignal) => run(aio, { ...V, signal }),
    "rt.run": async (aio: Aio<unknown>, signal: AbortSignal) => {
      const rt = createRuntime(V);
      try {
        return await rt.run(aio, { signal });
      } finally {
        await rt.dispose();
      }
    },
  };
  for (const [label, runner] of Object.entries(runners)) {
    it(`${label}: aborting cancels the program, its finalisers run, a CancelledError with the reason as cause`, async () => {
      const controller = new AbortController();
      const log: string[] = [];
      const reason = new Error("client went away");
      const e = await runner(abortedAfter(controller, 10, reason, log), controller.signal).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as CancelledError).message).toBe("client went away");
      expect((e as CancelledError).cause).toBe(reason);
      expect(log).toEqual(["finalised"]);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    });

    it(`${label}: an already-aborted signal cancels before the first step`, async () => {
      let ran = false;
      const e = await runner(
        Aio.sync(() => (ran = true)),
        AbortSignal.abort("too late"),
      ).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(ran).toBe(false);
      expect(e).toBeInstanceOf(CancelledError);
      expect((e as CancelledError).message).toBe("too late");
      expect((e as CancelledError).cause).toBe("too late");
    });
  }

  it("runExit / rt.runExit: the Exit is an interruption whose CancelledError carries the reason", async () => {
    const controller = new AbortController();
    const exit = await runExit(abortedAfter(controller, 5, "stop", []), { ...V, signal: controller.signal });
    expectInterrupted(exit, "stop");
    let thrown: unknown;
    try {
      Exit.getOrThrow(exit);
    } catch (x) {
      thrown = x;
    }
    expect(thrown).toBeInstanceOf(CancelledError);
    expect((thrown as CancelledError).cause).toBe("stop");
    const rt = createRuntime(V);
    const rtExit = await rt.runExit(Aio.never, { signal: AbortSignal.abort(new Error("gone")) });
    expectInterrupted(rtExit, "gone");
    await rt.dispose();
  });

  it("the default abort reason (a DOMException AbortError) gives its message", async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await run(Aio.never, { signal: controller.signal }).catch((x: unknown) => x);
    expect((e as CancelledError).message).toBe("This operation was aborted");
    expect((e as CancelledError).cause).toBe(controller.signal.reason);
  });

  it("a signal that never aborts changes nothing and leaves no listener", async () => {
    const controller = new AbortController();
    expect(await run(Aio.sleep(10, 1), { ...V, signal: controller.signal })).toBe(1);
    const rt = createRuntime(V);
    expect(await rt.run(Aio.fail("x").pipe(Aio.catchAll(() => Aio.succeed(2))), { signal: controller.signal })).toBe(2);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    controller.abort(); // nobody listens any more: nothing happens
    await rt.dispose();
  });

  it("a program that catches the cancellation and returns a value resolves with it", async () => {
    const controller = new AbortController();
    const program = Aio.gen(function* () {
      getRunningLoop().callLater(5, () => controller.abort("stop"));
      try {
        yield* Aio.never;
      } catch (e) {
        if (e instanceof CancelledError) {
          getRunningLoop(); // still inside the program
          return "caught";
        }
        throw e;
      }
      return "unreachable";
    });
    // As in asyncio: the cancellation was delivered and handled, so the value stands.
    const rt = createRuntime(V);
    expect(await rt.run(program, { signal: controller.signal })).toBe("caught");
    await rt.dispose();
  });

  it("10^5 programs on one signal, concurrently: one listener at most, none after, no warning", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const { signal } = controller;
      const rt = createRuntime(V);
      let most = 0;
      const N = 100_000;
      const ps: Array<Promise<unknown>> = [];
      for (let i = 0; i < N; i++) ps.push(rt.run(Aio.yieldNow, { signal }));
      most = getEventListeners(signal, "abort").length;
      await Promise.all(ps);
      expect(most).toBe(1);
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
      // Sequentially, through run() and rt.run: the count never grows.
      for (let i = 0; i < 1_000; i++) {
        await rt.run(Aio.void, { signal });
        await run(Aio.void, { signal });
      }
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
      // Aborting now cancels the programs in flight only.
      const live = Array.from({ length: 1000 }, () => rt.runExit(Aio.never, { signal }));
      expect(getEventListeners(signal, "abort")).toHaveLength(1);
      controller.abort("all");
      const exits = await Promise.all(live);
      expect(exits.every((e) => Exit.isInterrupted(e))).toBe(true);
      expect(getEventListeners(signal, "abort")).toHaveLength(0);
      await rt.dispose();
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
// Loop binding

describe("loop binding of module-level primitives", () => {
  it("sequential run() calls share one Lock (each contends and closes its loop)", async () => {
    const lock = new Lock();
    const contend = Aio.gen(function* () {
      yield* lock.acquire();
      const waiter = yield* createTask(lock.withLock(Aio.succeed("second")));
      yield* Aio.sleep(1);
      lock.release();
      return yield* waiter;
    });
    for (let i = 0; i < 5; i++) expect(await vrun(contend)).toBe("second");
    for (let i = 0; i < 2; i++) expect(await run(contend)).toBe("second");
  });

  it("sequential runs share a Queue whose getter waits in each", async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 3; i++) {
      const got = await vrun(
        Aio.gen(function* () {
          const getter = yield* createTask(q.get());
          yield* Aio.sleep(1);
          q.putNowait(i);
          return yield* getter;
        }),
      );
      expect(got).toBe(i);
    }
  });

  it("two live loops on one primitive: an EventLoopError naming both (a defect of the waiting task)", async () => {
    const lock = new Lock();
    const rt = createRuntime(V);
    const holder = rt.fork(
      Aio.gen(function* () {
        yield* lock.acquire();
        const waiter = yield* createTask(lock.acquire()); // binds the lock to rt's loop
        yield* Aio.sleep(100);
        lock.release();
        yield* waiter;
        lock.release();
      }),
    );
    await rt.run(Aio.sleep(1));
    const e = await vexit(lock.acquire());
    const defect = defectOf(e) as EventLoopError;
    expect(defect).toBeInstanceOf(EventLoopError);
    expect(defect.message).toMatch(
      /^Lock is bound to event loop runtime#\d+ \(running\) and cannot be used from run#\d+ \(running\): one primitive cannot be shared by two live loops/,
    );
    await rt.run(Aio.from(holder));
    await rt.dispose();
    // rt's loop is closed and nobody waits: the next loop rebinds it.
    expect(
      await vrun(
        Aio.gen(function* () {
          yield* lock.acquire();
          const w = yield* createTask(lock.withLock(Aio.succeed(7)));
          yield* Aio.sleep(1);
          lock.release();
          return yield* w;
        }),
      ),
    ).toBe(7);
  });

  it("a closed loop whose waiters are still queued keeps the binding: the error counts them", async () => {
    const q = new Queue<number>();
    const loop1 = newEventLoop(V);
    const reports: string[] = [];
    loop1.setExceptionHandler((_l, ctx) => void reports.push(ctx.message));
    loop1.createTask(q.get());
    await loop1.runUntilComplete(Aio.sleep(1));
    loop1.close(); // closed by hand with the getter still waiting (no run() shutdown)
    expect(reports).toEqual(["Task was destroyed but it is pending"]);
    const e = await vexit(q.get());
    expect((defectOf(e) as Error).message).toMatch(
      /^Queue is bound to event loop EventLoop#\d+ \(closed\) and cannot be used from run#\d+ \(running\): 1 waiter\(s\) of the closed loop are still queued$/,
    );
  });
});

// ---------------------------------------------------------------------------------------
// Child processes: exiting while idle, SIGINT

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
/** Spawns a fixture; `onLine` sees each stdout line (and may signal the child). */
const spawnFixture = (
  name: string,
  args: readonly string[],
  onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<ChildResult> => runNode(fixture(name), { args, ...(onLine === undefined ? {} : { onLine }) });

describe("child processes", () => {
  for (const args of [[], ["signals"]]) {
    it(`a process whose runtime ran a program exits by itself, without dispose ${args.join(" ")}`, async () => {
      const started = Date.now();
      const { code, stdout, stderr } = await spawnFixture("runtime-idle-exit.ts", args);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const out = JSON.parse(stdout.trim()) as { values: number[]; elapsed: number };
      expect(out.values).toEqual([1, 2, 3]);
      expect(out.elapsed).toBeGreaterThanOrEqual(55);
      expect(Date.now() - started).toBeLessThan(20_000);
    }, 40_000);
  }

  for (const mode of ["run", "runtime"]) {
    it(`${mode} with handleSignals: the first SIGINT cancels the program, its finaliser runs, the process ends`, async () => {
      const { code, stdout, stderr } = await spawnFixture("runtime-signals.ts", [mode], (line, kill) => {
        if (line === "ready") kill("SIGINT");
      });
      expect(stderr).toBe("");
      expect(code).toBe(0);
      const lines = stdout.trim().split("\n");
      expect(lines[0]).toBe("ready");
      expect(lines[1]).toBe("finalised");
      expect(lines[2]).toMatch(mode === "run" ? /^rejected: CancelledError: received SIGINT$/ : /^main: CancelledError/);
      expect(lines.at(-1)).toBe("listeners: 0");
    }, 40_000);

    it(`${mode} with handleSignals: a second SIGINT exits at once with code 130`, async () => {
      const { code, stdout } = await spawnFixture("runtime-signals.ts", [mode, "stubborn"], (line, kill) => {
        if (line === "ready" || line === "finalising") kill("SIGINT");
      });
      expect(code).toBe(130);
      expect(stdout.trim().split("\n")).toEqual(["ready", "finalising"]);
    }, 40_000);
  }
});
