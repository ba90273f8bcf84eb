/**
 * The event loop (src/events.ts): ready queue, timers, stop/close, exception handler,
 * task factory, running loop, virtual clock.
 */
import { describe, it, expect, vi } from "vitest";
import {
  Aio,
  EventLoop,
  EventLoopError,
  Handle,
  Task,
  TimerHandle,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  runSync,
  type ExceptionContext,
  type TaskFactory,
} from "../src/index.js";
import { V } from "./helpers.js";

const vloop = (): EventLoop => newEventLoop(V);

describe("callSoon", () => {
  it("runs callbacks FIFO, with their arguments", async () => {
    const loop = vloop();
    const log: string[] = [];
    loop.callSoon((a: string, b: number) => log.push(`${a}${b}`), "a", 1);
    loop.callSoon(() => log.push("b"));
    loop.callSoon((c: string) => log.push(c), "c");
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(log).toEqual(["a1", "b", "c"]);
    loop.close();
  });

  it("returns a Handle; a cancelled handle never runs", async () => {
    const loop = vloop();
    const log: string[] = [];
    const h = loop.callSoon(() => log.push("cancelled"));
    loop.callSoon(() => log.push("kept"));
    expect(h).toBeInstanceOf(Handle);
    expect(h.cancelled()).toBe(false);
    h.cancel();
    h.cancel(); // harmless
    expect(h.cancelled()).toBe(true);
    await loop.runUntilComplete(Aio.sleep(1));
    expect(log).toEqual(["kept"]);
    loop.close();
  });

  it("a non-function callback is a TypeError", () => {
    const loop = vloop();
    expect(() => loop.callSoon(42 as unknown as () => void)).toThrow(TypeError);
    loop.close();
  });

  it("callbacks scheduled during a batch run in the next batch", async () => {
    const loop = vloop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.callSoon(() => log.push("a-child"));
    });
    loop.callSoon(() => {
      log.push("b");
      loop.callSoon(() => log.push("b-child"));
    });
    loop.callSoon(() => log.push("c"));
    await loop.runUntilComplete(Aio.sleep(1));
    expect(log).toEqual(["a", "b", "c", "a-child", "b-child"]);
    loop.close();
  });

  it("callSoonThreadsafe wakes a loop idle on a timer and runs soon", async () => {
    const loop = vloop();
    const log: string[] = [];
    const done = loop.runUntilComplete(
      Aio.gen(function* () {
        const fut = loop.createFuture<string>();
        // Settled from outside the loop, by a host promise.
        void Promise.resolve().then(() => loop.callSoonThreadsafe(() => fut.setResult("woken")));
        const v = yield* fut;
        log.push(v);
        return v;
      }),
    );
    expect(await done).toBe("woken");
    expect(log).toEqual(["woken"]);
    loop.close();
  });
});

describe("timers: callLater / callAt", () => {
  it("order by deadline, ties in insertion order; virtual time jumps exactly", async () => {
    const loop = vloop();
    const log: Array<[string, number]> = [];
    const rec = (name: string) => () => log.push([name, loop.time()]);
    loop.callLater(20, rec("later20"));
    loop.callLater(10, rec("later10a"));
    loop.callAt(10, rec("at10"));
    loop.callLater(10, rec("later10b"));
    loop.callAt(5, rec("at5"));
    loop.callLater(0, rec("later0"));
    loop.callLater(30, () => loop.stop());
    await loop.runForever();
    expect(log).toEqual([
      ["later0", 0],
      ["at5", 5],
      ["later10a", 10],
      ["at10", 10],
      ["later10b", 10],
      ["later20", 20],
    ]);
    expect(loop.time()).toBe(30);
    loop.close();
  });

  it("when() is the deadline in loop time", async () => {
    const loop = vloop();
    const h1 = loop.callLater(250, () => {});
    const h2 = loop.callAt(42, () => {});
    expect(h1).toBeInstanceOf(TimerHandle);
    expect(h1.when()).toBe(250);
    expect(h2.when()).toBe(42);
    await loop.runUntilComplete(Aio.sleep(100));
    const h3 = loop.callLater(50, () => {});
    expect(h3.when()).toBe(150);
    loop.close();
  });

  it("a deadline already past is due at once", async () => {
    const loop = vloop();
    await loop.runUntilComplete(Aio.sleep(50));
    expect(loop.time()).toBe(50);
    const log: Array<[string, number]> = [];
    const h1 = loop.callAt(10, () => log.push(["at10", loop.time()]));
    const h2 = loop.callLater(-5, () => log.push(["later-5", loop.time()]));
    expect(h1.when()).toBe(10);
    expect(h2.when()).toBe(45); // a past deadline is kept (asyncio), not clamped to now
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(log).toEqual([
      ["at10", 50],
      ["later-5", 50],
    ]);
    loop.close();
  });

  it("due timers run after the callbacks already in the ready queue", async () => {
    const loop = vloop();
    const log: string[] = [];
    loop.callLater(0, () => log.push("timer"));
    loop.callSoon(() => log.push("soon"));
    loop.callLater(1, () => loop.stop());
    await loop.runForever();
    expect(log).toEqual(["soon", "timer"]);
    loop.close();
  });

  it("a cancelled timer never runs and stops counting as pending at once", async () => {
    const loop = vloop();
    const log: string[] = [];
    const h = loop.callLater(10, () => log.push("cancelled"));
    loop.callLater(20, () => log.push("kept"));
    expect(loop.pendingTimers()).toBe(2);
    h.cancel();
    expect(h.cancelled()).toBe(true);
    expect(loop.pendingTimers()).toBe(1);
    h.cancel();
    expect(loop.pendingTimers()).toBe(1);
    await loop.runUntilComplete(Aio.sleep(30));
    expect(log).toEqual(["kept"]);
    expect(loop.pendingTimers()).toBe(0);
    loop.close();
  });

  it("a timer cancelled by an earlier callback of the same batch does not run", async () => {
    const loop = vloop();
    const log: string[] = [];
    let h2: TimerHandle | undefined;
    loop.callLater(10, () => {
      log.push("first");
      h2?.cancel();
    });
    h2 = loop.callLater(10, () => log.push("second"));
    await loop.runUntilComplete(Aio.sleep(20));
    expect(log).toEqual(["first"]);
    loop.close();
  });

  it("NaN delay is a RangeError (callLater, callAt, sleep)", () => {
    const loop = vloop();
    expect(() => loop.callLater(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => loop.callAt(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => Aio.sleep(Number.NaN)).toThrow(RangeError);
    expect(loop.pendingTimers()).toBe(0);
    loop.close();
  });

  it("many timers fire in order of deadline", async () => {
    const loop = vloop();
    const fired: number[] = [];
    const deadlines = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const d of deadlines) loop.callAt(d, () => fired.push(loop.time()));
    await loop.runUntilComplete(Aio.sleep(1000));
    expect(fired).toHaveLength(500);
    expect(fired).toEqual([...deadlines].sort((a, b) => a - b));
    loop.close();
  });
});

describe("stop / runForever / close", () => {
  it("runForever runs until stop(); the clock stands where stop happened", async () => {
    const loop = vloop();
    expect(loop.isRunning()).toBe(false);
    let runningInside: boolean | undefined;
    loop.callLater(500, () => {
      runningInside = loop.isRunning();
      loop.stop();
    });
    loop.callLater(900, () => {});
    await loop.runForever();
    expect(runningInside).toBe(true);
    expect(loop.isRunning()).toBe(false);
    expect(loop.time()).toBe(500);
    expect(loop.pendingTimers()).toBe(1);
    loop.close();
  });

  it("stop() lets the current batch finish; what it scheduled runs on the next run", async () => {
    const loop = vloop();
    const log: string[] = [];
    loop.callSoon(() => {
      log.push("a");
      loop.stop();
      loop.callSoon(() => log.push("c (next batch)"));
    });
    loop.callSoon(() => log.push("b (same batch)"));
    await loop.runForever();
    expect(log).toEqual(["a", "b (same batch)"]);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    expect(log).toEqual(["a", "b (same batch)", "c (next batch)"]);
    loop.close();
  });

  it("stop() before running makes the next run do exactly one iteration", async () => {
    const loop = vloop();
    const log: string[] = [];
    loop.stop();
    loop.callSoon(() => {
      log.push("one");
      loop.callSoon(() => log.push("two"));
    });
    await loop.runForever();
    expect(log).toEqual(["one"]);
    loop.close();
  });

  it("runUntilComplete rejects with EventLoopError when the loop is stopped before the future is done", async () => {
    const loop = vloop();
    loop.callLater(5, () => loop.stop());
    await expect(loop.runUntilComplete(Aio.sleep(100))).rejects.toBeInstanceOf(EventLoopError);
    expect(loop.time()).toBe(5);
    loop.close();
  });

  it("runUntilComplete of a future of another loop is an EventLoopError", async () => {
    const a = vloop();
    const b = vloop();
    const fut = b.createFuture<number>();
    await expect(a.runUntilComplete(fut)).rejects.toBeInstanceOf(EventLoopError);
    expect(a.isRunning()).toBe(false);
    a.close();
    b.close();
  });

  it("running a running loop again is an EventLoopError", async () => {
    const loop = vloop();
    let nested: Promise<unknown> | undefined;
    await loop.runUntilComplete(
      Aio.sync(() => {
        nested = loop.runUntilComplete(Aio.succeed(1));
      }),
    );
    await expect(nested).rejects.toBeInstanceOf(EventLoopError);
    await expect(nested).rejects.toThrow(/already running/);
    loop.close();
  });

  it("close() while running throws an EventLoopError; the loop keeps going", async () => {
    const loop = vloop();
    let thrown: unknown;
    let closedInside: boolean | undefined;
    const v = await loop.runUntilComplete(
      Aio.gen(function* () {
        try {
          loop.close();
        } catch (e) {
          thrown = e;
        }
        closedInside = loop.isClosed();
        yield* Aio.sleep(10);
        return "still fine";
      }),
    );
    expect(thrown).toBeInstanceOf(EventLoopError);
    expect((thrown as Error).message).toMatch(/running/);
    expect(closedInside).toBe(false);
    expect(v).toBe("still fine");
    loop.close();
  });

  it("after close(), every use is a clear EventLoopError; close() again is harmless", async () => {
    const loop = vloop();
    expect(loop.isClosed()).toBe(false);
    const dropped: string[] = [];
    loop.callSoon(() => dropped.push("soon"));
    loop.callLater(10, () => dropped.push("later"));
    loop.close();
    expect(loop.isClosed()).toBe(true);
    expect(loop.pendingTimers()).toBe(0);
    expect(() => loop.close()).not.toThrow();
    expect(() => loop.callSoon(() => {})).toThrow(EventLoopError);
    expect(() => loop.callSoon(() => {})).toThrow(/closed/);
    expect(() => loop.callLater(1, () => {})).toThrow(EventLoopError);
    expect(() => loop.callAt(1, () => {})).toThrow(EventLoopError);
    expect(() => loop.createTask(Aio.succeed(1))).toThrow(EventLoopError);
    expect(() => loop.createFuture()).toThrow(EventLoopError);
    await expect(loop.runUntilComplete(Aio.succeed(1))).rejects.toBeInstanceOf(EventLoopError);
    await expect(loop.runUntilComplete(Aio.succeed(1))).rejects.toThrow(/closed/);
    await expect(loop.runForever()).rejects.toBeInstanceOf(EventLoopError);
    expect(dropped).toEqual([]);
  });

  it("isRunning is true only while running", async () => {
    const loop = vloop();
    const seen: boolean[] = [];
    loop.callSoon(() => seen.push(loop.isRunning()));
    expect(loop.isRunning()).toBe(false);
    const p = loop.runUntilComplete(Aio.sleep(10));
    seen.push(loop.isRunning()); // synchronously after start: it is running (waiting)
    await p;
    seen.push(loop.isRunning());
    expect(seen).toEqual([true, true, false]);
    loop.close();
  });
});

describe("exception handler", () => {
  it("an exception in a callback reaches the handler and the loop keeps running", async () => {
    const loop = vloop();
    const contexts: ExceptionContext[] = [];
    const handler = (l: EventLoop, ctx: ExceptionContext): void => {
      expect(l).toBe(loop);
      contexts.push(ctx);
    };
    loop.setExceptionHandler(handler);
    expect(loop.getExceptionHandler()).toBe(handler);
    const err = new Error("callback failed");
    const log: string[] = [];
    loop.callSoon(() => {
      throw err;
    });
    loop.callSoon(() => log.push("next callback"));
    loop.callLater(5, () => {
      throw "timer failed";
    });
    const v = await loop.runUntilComplete(Aio.sleep(10, "done"));
    expect(v).toBe("done");
    expect(log).toEqual(["next callback"]);
    expect(contexts).toHaveLength(2);
    expect(contexts[0]!.message).toMatch(/callback/i);
    expect(contexts[0]!.exception).toBe(err);
    expect(contexts[0]!.handle).toBeInstanceOf(Handle);
    expect(contexts[1]!.exception).toBe("timer failed");
    loop.close();
  });

  it("callExceptionHandler passes the context to the handler; null restores the default (console.error)", () => {
    const loop = vloop();
    const got: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => got.push(ctx));
    const ctx: ExceptionContext = { message: "custom", exception: 1 };
    loop.callExceptionHandler(ctx);
    expect(got).toEqual([ctx]);
    loop.setExceptionHandler(null);
    expect(loop.getExceptionHandler()).toBeNull();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      loop.callExceptionHandler({ message: "to default", exception: "e" });
      expect(spy).toHaveBeenCalledTimes(1);
      expect(String(spy.mock.calls[0]![0])).toContain("to default");
    } finally {
      spy.mockRestore();
    }
    expect(got).toHaveLength(1);
    loop.close();
  });

  it("a throwing handler falls back to the default handler", () => {
    const loop = vloop();
    loop.setExceptionHandler(() => {
      throw new Error("handler bug");
    });
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(() => loop.callExceptionHandler({ message: "original" })).not.toThrow();
      const text = spy.mock.calls.map((c) => String(c[0])).join("\n");
      expect(text).toContain("original");
      expect(text).toMatch(/exception handler/i);
    } finally {
      spy.mockRestore();
    }
    loop.close();
  });

  it("setExceptionHandler rejects a non-function", () => {
    const loop = vloop();
    expect(() => loop.setExceptionHandler(5 as unknown as null)).toThrow(TypeError);
    loop.close();
  });
});

describe("task factory", () => {
  it("setTaskFactory/getTaskFactory: createTask (loop and Aio) goes through the factory; null resets", async () => {
    const loop = vloop();
    expect(loop.getTaskFactory()).toBeNull();
    const made: string[] = [];
    const factory: TaskFactory = (l, aio, opts) => {
      const t = new Task(l, aio, `factory:${opts?.name ?? "anon"}`);
      made.push(t.getName());
      return t;
    };
    loop.setTaskFactory(factory);
    expect(loop.getTaskFactory()).toBe(factory);
    const direct = loop.createTask(Aio.succeed(1), { name: "direct" });
    expect(direct.getName()).toBe("factory:direct");
    const names = await loop.runUntilComplete(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(1, 2), { name: "child" });
        yield* t;
        return t.getName();
      }),
    );
    expect(names).toBe("factory:child");
    expect(made).toEqual(["factory:direct", "factory:anon", "factory:child"]);
    loop.setTaskFactory(null);
    expect(loop.getTaskFactory()).toBeNull();
    const plain = loop.createTask(Aio.succeed(1));
    expect(plain.getName()).toMatch(/^Task-\d+$/);
    await loop.runUntilComplete(plain);
    expect(made).toHaveLength(3);
    loop.close();
  });
});

describe("running loop", () => {
  it("getRunningLoop is the loop inside a program and inside callbacks", async () => {
    const loop = vloop();
    let inCallback: EventLoop | undefined;
    loop.callSoon(() => {
      inCallback = getRunningLoop();
    });
    const inProgram = await loop.runUntilComplete(Aio.sync(() => getRunningLoop()));
    expect(inProgram).toBe(loop);
    expect(inCallback).toBe(loop);
    loop.close();
    const viaRun = await run(Aio.sync(() => getRunningLoop()), V);
    expect(viaRun).toBeInstanceOf(EventLoop);
    expect(viaRun.isClosed()).toBe(true);
  });

  it("getRunningLoop outside a program is an EventLoopError", async () => {
    expect(() => getRunningLoop()).toThrow(EventLoopError);
    expect(() => getRunningLoop()).toThrow(/no running event loop/);
    // Also after a run has finished, and between two loop iterations.
    await run(Aio.sleep(1), V);
    expect(() => getRunningLoop()).toThrow(EventLoopError);
    const loop = vloop();
    const p = loop.runUntilComplete(Aio.sleep(5));
    expect(() => getRunningLoop()).toThrow(EventLoopError);
    await p;
    loop.close();
  });
});

describe("clock", () => {
  it("a virtual loop's time starts at 0, is monotonic, and jumps exactly to deadlines at once", async () => {
    const loop = vloop();
    expect(loop.isVirtual()).toBe(true);
    expect(loop.time()).toBe(0);
    const times = await loop.runUntilComplete(
      Aio.gen(function* () {
        const ts: number[] = [getRunningLoop().time()];
        for (const d of [5, 0, 60_000, 1, 3_600_000]) {
          yield* Aio.sleep(d);
          ts.push(getRunningLoop().time());
        }
        return ts;
      }),
    );
    expect(times).toEqual([0, 5, 5, 60_005, 60_006, 3_660_006]);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
    expect(loop.time()).toBe(3_660_006);
    loop.close();
  });

  it("a real-clock loop reports isVirtual() false", () => {
    const loop = newEventLoop();
    expect(loop.isVirtual()).toBe(false);
    loop.close();
  });
});

describe("timers of sleeping tasks", () => {
  it("cancelling a task blocked in sleep removes its timer at once", async () => {
    const loop = vloop();
    const result = await loop.runUntilComplete(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(10_000));
        const t2 = yield* createTask(Aio.sleep(20_000));
        yield* Aio.sleep(1);
        const before = getRunningLoop().pendingTimers();
        t.cancel();
        const afterOne = getRunningLoop().pendingTimers();
        t2.cancel();
        const afterBoth = getRunningLoop().pendingTimers();
        yield* Aio.exit(Aio.from(t));
        yield* Aio.exit(Aio.from(t2));
        return { before, afterOne, afterBoth, time: getRunningLoop().time() };
      }),
    );
    expect(result).toEqual({ before: 2, afterOne: 1, afterBoth: 0, time: 1 });
    expect(loop.pendingTimers()).toBe(0);
    loop.close();
  });
});

describe("runSync", () => {
  it("a program that sleeps is an EventLoopError (and its finally still runs)", () => {
    let cleaned = false;
    expect(() => runSync(Aio.sleep(10))).toThrow(EventLoopError);
    expect(() =>
      runSync(
        Aio.gen(function* () {
          try {
            yield* Aio.sleep(10);
          } finally {
            cleaned = true;
          }
        }),
      ),
    ).toThrow(EventLoopError);
    expect(cleaned).toBe(true);
    expect(() => getRunningLoop()).toThrow(EventLoopError);
  });

  it("a program awaiting a promise is an EventLoopError", () => {
    expect(() => runSync(Aio.promise(() => Promise.resolve(1)))).toThrow(/suspended/);
  });

  it("runSync inside a running program works on its own loop and restores the running loop", async () => {
    const loop = vloop();
    const r = await loop.runUntilComplete(
      Aio.sync(() => {
        const inner = runSync(Aio.sync(() => getRunningLoop()));
        return { innerIsOther: inner !== loop, restored: getRunningLoop() === loop };
      }),
    );
    expect(r).toEqual({ innerIsOther: true, restored: true });
    loop.close();
  });
});

describe("stop() from outside the loop", () => {
  it("wakes an idle runForever loop (stop from a host timer callback)", async () => {
    const loop = newEventLoop();
    const stopped = loop.runForever();
    setTimeout(() => loop.stop(), 5);
    await stopped;
    expect(loop.isRunning()).toBe(false);
    loop.close();
    expect(loop.isClosed()).toBe(true);
  });
});

describe("close() with tasks still pending", () => {
  it("reports each pending task to the exception handler (asyncio: 'Task was destroyed but it is pending')", async () => {
    const loop = newEventLoop({ virtualTime: true });
    const seen: string[] = [];
    loop.setExceptionHandler((_l, ctx) => seen.push(`${ctx.message}: ${ctx.task?.getName() ?? "?"}`));
    const t = loop.createTask(Aio.never, { name: "stuck" });
    await loop.runUntilComplete(Aio.sleep(10));
    expect(t.done()).toBe(false);
    loop.close();
    expect(seen).toEqual(["Task was destroyed but it is pending: stuck"]);
  });
});
