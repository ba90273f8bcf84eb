/**
 * Constructors and combinators of `Aio` (src/Aio.ts), run on the virtual-time loop.
 */
import { describe, it, expect } from "vitest";
import { pipe } from "fp-ts/function";
import {
  Aio,
  CancelledError,
  Cause,
  Exit,
  createTask,
  getRunningLoop,
  newEventLoop,
  run,
  runExit,
  runSync,
  runSyncExit,
} from "../src/index.js";
import { V, cancelAfter, expectInterrupted, scheduleCb1ThenCb2 } from "./helpers.js";

/** Resolves after `n` turns of the host's check phase (no real clock involved). */
const hostTurns = (n: number): Promise<void> =>
  new Promise((resolve) => {
    let i = 0;
    const step = (): void => {
      if (++i >= n) resolve();
      else setImmediate(step);
    };
    setImmediate(step);
  });

describe("constructors", () => {
  it("succeed", async () => {
    expect(runSync(Aio.succeed(42))).toBe(42);
    expect(await run(Aio.succeed("x"), V)).toBe("x");
    expect(runSyncExit(Aio.succeed(1))).toEqual(Exit.succeed(1));
  });

  it("fail is a typed failure", async () => {
    const err = { _tag: "NotFound" as const };
    expect(await runExit(Aio.fail(err), V)).toEqual(Exit.fail(err));
    await expect(run(Aio.fail(err), V)).rejects.toBe(err);
    expect(() => runSync(Aio.fail("boom"))).toThrow();
    const exit = runSyncExit(Aio.fail("boom"));
    expect(exit._tag === "Failure" && exit.cause._tag).toBe("Fail");
  });

  it("failCause, void, isAio, from", async () => {
    expect(runSyncExit(Aio.failCause(Cause.die("d")))).toEqual(Exit.die("d"));
    expect(runSync(Aio.void)).toBeUndefined();
    expect(Aio.isAio(Aio.succeed(1))).toBe(true);
    expect(Aio.isAio({})).toBe(false);
    expect(Aio.isAio(null)).toBe(false);
    const a = Aio.succeed(3);
    expect(Aio.from(a) === a).toBe(true);
  });

  it("sync is lazy and runs its thunk each time it is run", () => {
    let calls = 0;
    const aio = Aio.sync(() => ++calls);
    expect(calls).toBe(0);
    expect(runSync(aio)).toBe(1);
    expect(runSync(aio)).toBe(2);
    expect(calls).toBe(2);
  });

  it("sync: a throw is a defect", () => {
    const err = new Error("bug");
    const exit = runSyncExit(
      Aio.sync((): number => {
        throw err;
      }),
    );
    expect(exit).toEqual(Exit.die(err));
  });

  it("try: success, typed failure through onThrow, raw thrown value without onThrow", () => {
    expect(runSync(Aio.try(() => JSON.parse("[1,2]") as number[]))).toEqual([1, 2]);
    const mapped = runSyncExit(Aio.try(() => JSON.parse("{bad") as unknown, (e) => ({ _tag: "Parse" as const, e })));
    expect(mapped._tag).toBe("Failure");
    if (mapped._tag === "Failure" && mapped.cause._tag === "Fail") {
      expect(mapped.cause.error._tag).toBe("Parse");
      expect(mapped.cause.error.e).toBeInstanceOf(SyntaxError);
    } else {
      expect.fail("expected a typed failure");
    }
    const raw = runSyncExit(
      Aio.try(() => {
        throw "raw";
      }),
    );
    expect(raw).toEqual(Exit.fail("raw"));
  });

  it("try is lazy and re-runs its thunk", () => {
    let calls = 0;
    const aio = Aio.try(() => ++calls);
    expect(calls).toBe(0);
    runSync(aio);
    runSync(aio);
    expect(calls).toBe(2);
  });

  it("promise: resolves with the value; a rejection is a defect", async () => {
    expect(await run(Aio.promise(() => Promise.resolve(5)), V)).toBe(5);
    const err = new Error("rejected");
    expect(await runExit(Aio.promise(() => Promise.reject(err)), V)).toEqual(Exit.die(err));
  });

  it("promise is lazy: the thunk runs on each run, not at construction", async () => {
    let calls = 0;
    const aio = Aio.promise(() => Promise.resolve(++calls));
    expect(calls).toBe(0);
    expect(await run(aio, V)).toBe(1);
    expect(await run(aio, V)).toBe(2);
  });

  it("promise: the AbortSignal is aborted when the fiber is cancelled", async () => {
    let signal: AbortSignal | undefined;
    const child = Aio.promise(
      (s) =>
        new Promise<number>((_resolve, reject) => {
          signal = s;
          s.addEventListener("abort", () => reject(s.reason));
        }),
    );
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(child);
        yield* Aio.yieldNow; // the child starts and registers
        const before = signal?.aborted;
        t.cancel("stop");
        const after = signal?.aborted;
        const exit = yield* Aio.exit(Aio.from(t));
        return { before, after, exit };
      }),
      V,
    );
    expect(result.before).toBe(false);
    expect(result.after).toBe(true);
    expectInterrupted(result.exit, "stop");
  });

  it("tryPromise: value, typed failure with and without onReject", async () => {
    expect(await run(Aio.tryPromise(() => Promise.resolve("ok")), V)).toBe("ok");
    expect(await runExit(Aio.tryPromise(() => Promise.reject("why")), V)).toEqual(Exit.fail("why"));
    expect(
      await runExit(
        Aio.tryPromise(
          () => Promise.reject(new Error("net")),
          (e) => ({ _tag: "NetError" as const, message: (e as Error).message }),
        ),
        V,
      ),
    ).toEqual(Exit.fail({ _tag: "NetError", message: "net" }));
  });

  it("tryPromise: a throwing onReject is a defect", async () => {
    const bug = new Error("onReject bug");
    const exit = await runExit(
      Aio.tryPromise(
        () => Promise.reject("x"),
        (): string => {
          throw bug;
        },
      ),
      V,
    );
    expect(exit).toEqual(Exit.die(bug));
  });

  it("tryPromise: a synchronous throw of the thunk is the typed failure onReject(thrown)", async () => {
    // Documented: "a rejection (or a synchronous throw) is the typed failure onReject(reason)".
    const exit = await runExit(
      Aio.tryPromise(
        (): Promise<number> => {
          throw "sync boom";
        },
        (reason) => ({ _tag: "Rejected" as const, reason }),
      ),
      V,
    );
    expect(exit).toEqual(Exit.fail({ _tag: "Rejected", reason: "sync boom" }));
  });

  it("tryPromise: a synchronous throw of the thunk does not leave the virtual clock stuck", async () => {
    const program = Aio.gen(function* () {
      yield* Aio.exit(
        Aio.tryPromise((): Promise<number> => {
          throw new Error("sync");
        }),
      );
      yield* Aio.sleep(10);
      return getRunningLoop().time();
    });
    // A few thousand host turns (no real clock) are far more than the virtual loop needs.
    const outcome = await Promise.race([run(program, V), hostTurns(5_000).then(() => "stuck" as const)]);
    expect(outcome).toBe(10);
  });

  it("tryPromise: the AbortSignal is aborted when the fiber is cancelled and a late rejection is ignored", async () => {
    let signal: AbortSignal | undefined;
    const child = Aio.tryPromise(
      (s) =>
        new Promise<number>((_resolve, reject) => {
          signal = s;
          s.addEventListener("abort", () => reject(new Error("aborted")));
        }),
      (e) => e,
    );
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(child);
        yield* Aio.yieldNow;
        const before = signal?.aborted;
        const accepted = t.cancel("enough");
        const after = signal?.aborted;
        const exit = yield* Aio.exit(Aio.from(t));
        // Let the rejection caused by the abort arrive: it must change nothing.
        yield* Aio.promise(() => Promise.resolve());
        yield* Aio.sleep(5);
        return { before, after, accepted, exit, time: getRunningLoop().time() };
      }),
      V,
    );
    expect(result.before).toBe(false);
    expect(result.accepted).toBe(true);
    expect(result.after).toBe(true);
    expect(signal?.reason).toBeDefined();
    expectInterrupted(result.exit, "enough");
    expect(result.time).toBe(5);
  });

  it("async: resumes later with a value", async () => {
    const result = await run(
      Aio.gen(function* () {
        const v = yield* Aio.async<number>((resume) => {
          getRunningLoop().callLater(25, () => resume(Aio.succeed(7)));
        });
        return { v, time: getRunningLoop().time() };
      }),
      V,
    );
    expect(result).toEqual({ v: 7, time: 25 });
  });

  it("async: resume with a failure fails", async () => {
    const exit = await runExit(
      Aio.async<number, string>((resume) => {
        getRunningLoop().callSoon(() => resume(Aio.fail("nope")));
      }),
      V,
    );
    expect(exit).toEqual(Exit.fail("nope"));
  });

  it("async: a synchronous resume inside register continues at once, without yielding to the loop", async () => {
    const log: string[] = [];
    const result = await run(
      Aio.gen(function* () {
        getRunningLoop().callSoon(() => log.push("callSoon"));
        const v = yield* Aio.async<number>((resume) => {
          resume(Aio.succeed(5));
        });
        log.push(`after ${v}`);
        return [...log];
      }),
      V,
    );
    expect(result).toEqual(["after 5"]);
    expect(log).toEqual(["after 5", "callSoon"]);
    // It never suspends, so runSync accepts it.
    expect(runSync(Aio.async<string>((resume) => resume(Aio.succeed("sync"))))).toBe("sync");
  });

  it("async: only the first resume counts", async () => {
    const exit = await runExit(
      Aio.async<number, string>((resume) => {
        const loop = getRunningLoop();
        loop.callLater(1, () => resume(Aio.succeed(1)));
        loop.callLater(2, () => resume(Aio.fail("second")));
        loop.callLater(3, () => resume(Aio.succeed(3)));
      }).pipe(Aio.flatMap((n) => Aio.sleep(10, n))),
      V,
    );
    expect(exit).toEqual(Exit.succeed(1));
  });

  it("async: the canceller is called once on cancel, not on normal completion; a late resume is ignored", async () => {
    let cancellerCalls = 0;
    let resumeLater: ((aio: Aio.Aio<number>) => void) | undefined;
    const waiting = Aio.async<number>((resume) => {
      resumeLater = resume;
      const h = getRunningLoop().callLater(1000, () => resume(Aio.succeed(1)));
      return () => {
        cancellerCalls++;
        h.cancel();
      };
    });
    const result = await run(
      Aio.gen(function* () {
        const r = yield* cancelAfter(waiting, 10, "cancel-async");
        const timersAfterCancel = getRunningLoop().pendingTimers();
        resumeLater?.(Aio.succeed(99)); // ignored
        yield* Aio.sleep(5);
        return { ...r, timersAfterCancel };
      }),
      V,
    );
    expect(cancellerCalls).toBe(1);
    expectInterrupted(result.exit, "cancel-async");
    expect(result.time).toBe(10);
    expect(result.timersAfterCancel).toBe(0);
    expect(result.task.cancelled()).toBe(true);

    let calls2 = 0;
    const completes = Aio.async<number>((resume) => {
      getRunningLoop().callLater(5, () => resume(Aio.succeed(2)));
      return () => {
        calls2++;
      };
    });
    expect(await run(completes, V)).toBe(2);
    expect(calls2).toBe(0);
  });

  it("async: the signal (when asked for) is aborted on cancel", async () => {
    let signal: AbortSignal | undefined;
    const result = await run(
      cancelAfter(
        Aio.async<number>((_resume, s) => {
          signal = s;
        }),
        3,
      ),
      V,
    );
    expect(signal?.aborted).toBe(true);
    expectInterrupted(result.exit, undefined);
  });

  it("async: a throwing register is a defect", () => {
    const err = new Error("register bug");
    expect(
      runSyncExit(
        Aio.async<number>(() => {
          throw err;
        }),
      ),
    ).toEqual(Exit.die(err));
  });

  it("suspend defers building the Aio until it runs, each time", () => {
    let built = 0;
    const aio = Aio.suspend(() => {
      built++;
      return Aio.succeed(built);
    });
    expect(built).toBe(0);
    expect(runSync(aio)).toBe(1);
    expect(runSync(aio)).toBe(2);
  });

  it("suspend: a throwing thunk is a defect", () => {
    const err = new Error("thunk");
    expect(
      runSyncExit(
        Aio.suspend((): Aio.Aio<number> => {
          throw err;
        }),
      ),
    ).toEqual(Exit.die(err));
  });

  it("never: only a cancellation ends it", async () => {
    const result = await run(cancelAfter(Aio.never, 1_000_000, "bye"), V);
    expect(result.time).toBe(1_000_000);
    expect(result.accepted).toBe(true);
    expectInterrupted(result.exit, "bye");
  });

  it("never: runSync refuses it", () => {
    expect(() => runSync(Aio.never)).toThrow(/suspended/);
  });

  it("yieldNow yields to the loop exactly once", async () => {
    const log: string[] = [];
    await run(
      Aio.gen(function* () {
        scheduleCb1ThenCb2(log);
        yield* Aio.yieldNow;
        log.push("resumed");
        yield* Aio.yieldNow;
        log.push("resumed again");
      }),
      V,
    );
    expect(log).toEqual(["cb1", "resumed", "cb2", "resumed again"]);
  });

  it("die is a defect that catchAll does not see", () => {
    const defect = new TypeError("bad");
    expect(runSyncExit(Aio.die(defect))).toEqual(Exit.die(defect));
    let called = false;
    const exit = runSyncExit(
      Aio.die(defect).pipe(
        Aio.catchAll(() => {
          called = true;
          return Aio.succeed(0);
        }),
      ),
    );
    expect(called).toBe(false);
    expect(exit).toEqual(Exit.die(defect));
    expect(() => runSync(Aio.die(defect))).toThrow(defect);
  });
});

describe("combinators", () => {
  it("map", () => {
    expect(runSync(Aio.succeed(2).pipe(Aio.map((n) => n * 10)))).toBe(20);
    let called = false;
    const exit = runSyncExit(
      Aio.fail("e").pipe(
        Aio.map(() => {
          called = true;
          return 1;
        }),
      ),
    );
    expect(called).toBe(false);
    expect(exit).toEqual(Exit.fail("e"));
  });

  it("map: a throwing function is a defect", () => {
    const err = new Error("map bug");
    expect(
      runSyncExit(
        Aio.succeed(1).pipe(
          Aio.map((): number => {
            throw err;
          }),
        ),
      ),
    ).toEqual(Exit.die(err));
  });

  it("flatMap sequences, across suspensions", async () => {
    const result = await run(
      Aio.succeed(2).pipe(
        Aio.flatMap((n) => Aio.sleep(n * 10, n + 1)),
        Aio.flatMap((n) => Aio.sync(() => ({ n, time: getRunningLoop().time() }))),
      ),
      V,
    );
    expect(result).toEqual({ n: 3, time: 20 });
    expect(runSyncExit(Aio.succeed(1).pipe(Aio.flatMap(() => Aio.fail("inner"))))).toEqual(Exit.fail("inner"));
    let called = false;
    expect(
      runSyncExit(
        Aio.fail("outer").pipe(
          Aio.flatMap(() => {
            called = true;
            return Aio.succeed(1);
          }),
        ),
      ),
    ).toEqual(Exit.fail("outer"));
    expect(called).toBe(false);
  });

  it("flatMap chains built link by link stay immutable when extended in two ways", () => {
    const inc = (x: number): Aio.Aio<number> => Aio.succeed(x + 1);
    let base: Aio.Aio<number> = Aio.succeed(0);
    for (let i = 0; i < 5; i++) base = base.pipe(Aio.flatMap(inc));
    const times10 = base.pipe(Aio.flatMap((x) => Aio.succeed(x * 10)));
    const times100 = base.pipe(Aio.flatMap((x) => Aio.succeed(x * 100))); // base extended twice
    const times10plus1 = times10.pipe(Aio.flatMap(inc));
    const again = base.pipe(Aio.flatMap(inc));
    expect(runSync(base)).toBe(5);
    expect(runSync(times10)).toBe(50);
    expect(runSync(times100)).toBe(500);
    expect(runSync(times10plus1)).toBe(51);
    expect(runSync(again)).toBe(6);
    // running a chain twice runs it twice, from the start
    expect(runSync(times10)).toBe(50);
  });

  it("a flatMap chain: a failure skips the rest; a throw is a defect; each link runs once, in order", () => {
    const seen: number[] = [];
    const link =
      (k: number) =>
      (x: number): Aio.Aio<number, string> => {
        seen.push(k);
        if (k === 3) return Aio.fail(`failed at ${x}`);
        return Aio.succeed(x + 1);
      };
    let chain: Aio.Aio<number, string> = Aio.succeed(0);
    for (let k = 0; k < 6; k++) chain = chain.pipe(Aio.flatMap(link(k)));
    expect(runSyncExit(chain)).toEqual(Exit.fail("failed at 3"));
    expect(seen).toEqual([0, 1, 2, 3]);
    const boom = Aio.succeed(1).pipe(
      Aio.flatMap((x) => Aio.succeed(x + 1)),
      Aio.flatMap((): Aio.Aio<number> => {
        throw new Error("boom");
      }),
      Aio.flatMap((x) => Aio.succeed(x + 1)),
    );
    const exit = runSyncExit(boom);
    expect(Exit.isFailure(exit) && exit.cause._tag === "Die").toBe(true);
  });

  it("one flatMap chain run by two tasks at once, suspending between links, gives each its own run", async () => {
    let chain: Aio.Aio<number> = Aio.succeed(0);
    for (let i = 0; i < 4; i++) chain = chain.pipe(Aio.flatMap((x) => Aio.sleep(10, x + 1)));
    const result = await run(
      Aio.gen(function* () {
        const a = yield* createTask(chain);
        yield* Aio.sleep(15);
        const b = yield* createTask(chain);
        return [yield* a, yield* b, getRunningLoop().time()];
      }),
      V,
    );
    expect(result).toEqual([4, 4, 55]);
  });

  it("a long flatMap chain is interruptible between links", async () => {
    let chain: Aio.Aio<number> = Aio.succeed(0);
    for (let i = 0; i < 10; i++) chain = chain.pipe(Aio.flatMap((x) => Aio.sleep(10, x + 1)));
    const r = await run(cancelAfter(chain, 35), V);
    expectInterrupted(r.exit);
    expect(r.time).toBe(35);
  });

  it("tap keeps the value; its failure propagates", () => {
    const seen: number[] = [];
    expect(runSync(Aio.succeed(4).pipe(Aio.tap((n) => Aio.sync(() => seen.push(n)))))).toBe(4);
    expect(seen).toEqual([4]);
    expect(runSyncExit(Aio.succeed(4).pipe(Aio.tap(() => Aio.fail("tap failed"))))).toEqual(Exit.fail("tap failed"));
  });

  it("as replaces the value", () => {
    expect(runSync(Aio.succeed(1).pipe(Aio.as("one")))).toBe("one");
    expect(runSyncExit(Aio.fail("x").pipe(Aio.as("one")))).toEqual(Exit.fail("x"));
  });

  it("mapError maps typed failures only", () => {
    expect(runSyncExit(Aio.fail(404).pipe(Aio.mapError((c) => `HTTP ${c}`)))).toEqual(Exit.fail("HTTP 404"));
    expect(runSync(Aio.succeed(1).pipe(Aio.mapError(() => "never")))).toBe(1);
    let called = false;
    expect(
      runSyncExit(
        Aio.die("defect").pipe(
          Aio.mapError(() => {
            called = true;
            return "mapped";
          }),
        ),
      ),
    ).toEqual(Exit.die("defect"));
    expect(called).toBe(false);
  });

  it("catchAll recovers from typed failures, and may fail again", () => {
    expect(runSync(Aio.fail("x").pipe(Aio.catchAll((e) => Aio.succeed(`recovered ${e}`))))).toBe("recovered x");
    expect(runSyncExit(Aio.fail("x").pipe(Aio.catchAll((e) => Aio.fail(`${e}!`))))).toEqual(Exit.fail("x!"));
    expect(runSync(Aio.succeed(1).pipe(Aio.catchAll(() => Aio.succeed(2))))).toBe(1);
  });

  it("catchAll does not catch an interruption", async () => {
    let called = false;
    const result = await run(
      cancelAfter(
        Aio.never.pipe(
          Aio.catchAll(() => {
            called = true;
            return Aio.succeed(0);
          }),
        ),
        5,
        "m",
      ),
      V,
    );
    expect(called).toBe(false);
    expectInterrupted(result.exit, "m");
  });

  it("catchAllCause sees typed failures, defects and interruptions", async () => {
    expect(runSync(Aio.fail("f").pipe(Aio.catchAllCause((c) => Aio.succeed(c))))).toEqual(Cause.fail("f"));
    expect(runSync(Aio.die("d").pipe(Aio.catchAllCause((c) => Aio.succeed(c))))).toEqual(Cause.die("d"));
    const result = await run(
      cancelAfter(
        Aio.never.pipe(Aio.catchAllCause((c) => Aio.succeed(c._tag === "Interrupt" ? `interrupt:${c.message}` : "other"))),
        5,
        "why",
      ),
      V,
    );
    // Recovering from the interruption is like catching CancelledError: the task is not cancelled.
    expect(result.exit).toEqual(Exit.succeed("interrupt:why"));
    expect(result.task.cancelled()).toBe(false);
    expect(result.task.cancelling()).toBe(1);
  });

  it("orElse falls back on typed failure only", () => {
    expect(runSync(Aio.fail("x").pipe(Aio.orElse(() => Aio.succeed(0))))).toBe(0);
    expect(runSync(Aio.succeed(5).pipe(Aio.orElse(() => Aio.succeed(0))))).toBe(5);
    expect(runSyncExit(Aio.die("d").pipe(Aio.orElse(() => Aio.succeed(0))))).toEqual(Exit.die("d"));
    expect(runSyncExit(Aio.fail("x").pipe(Aio.orElse(() => Aio.fail("y"))))).toEqual(Exit.fail("y"));
  });

  it("match folds success and typed failure; defects pass", () => {
    const m = Aio.match({ onSuccess: (a: number) => `ok ${a}`, onFailure: (e: string) => `bad ${e}` });
    expect(runSync(m(Aio.succeed(1)))).toBe("ok 1");
    expect(runSync(m(Aio.fail("x")))).toBe("bad x");
    expect(runSyncExit(m(Aio.die("d")))).toEqual(Exit.die("d"));
  });

  it("exit materialises every outcome and never fails", async () => {
    expect(runSync(Aio.exit(Aio.succeed(1)))).toEqual(Exit.succeed(1));
    expect(runSync(Aio.exit(Aio.fail("f")))).toEqual(Exit.fail("f"));
    expect(runSync(Aio.exit(Aio.die("d")))).toEqual(Exit.die("d"));
    const interrupted = runSync(Aio.exit(Aio.failCause(Cause.interrupt("i"))));
    expectInterrupted(interrupted, "i");
    // An exit of a cancelled child, observed from inside the child itself.
    const result = await run(cancelAfter(Aio.exit(Aio.never), 1, "c"), V);
    // The child materialised the interruption as a value; it ends successfully.
    expect(result.exit._tag).toBe("Success");
    if (result.exit._tag === "Success") expectInterrupted(result.exit.value, "c");
  });

  describe("ensuring", () => {
    it("runs the finaliser once on success, failure, defect and interruption", async () => {
      let n = 0;
      const fin = Aio.sync(() => {
        n++;
      });
      expect(runSync(Aio.succeed(1).pipe(Aio.ensuring(fin)))).toBe(1);
      expect(n).toBe(1);
      expect(runSyncExit(Aio.fail("f").pipe(Aio.ensuring(fin)))).toEqual(Exit.fail("f"));
      expect(n).toBe(2);
      expect(runSyncExit(Aio.die("d").pipe(Aio.ensuring(fin)))).toEqual(Exit.die("d"));
      expect(n).toBe(3);
      const result = await run(cancelAfter(Aio.never.pipe(Aio.ensuring(fin)), 10, "stop"), V);
      expectInterrupted(result.exit, "stop");
      expect(n).toBe(4);
    });

    it("a failing finaliser replaces the outcome", () => {
      expect(runSyncExit(Aio.succeed(1).pipe(Aio.ensuring(Aio.fail("fin"))))).toEqual(Exit.fail("fin"));
      expect(runSyncExit(Aio.fail("orig").pipe(Aio.ensuring(Aio.fail("fin"))))).toEqual(Exit.fail("fin"));
    });

    it("an asynchronous finaliser runs to its end even though the fiber was cancelled", async () => {
      const log: string[] = [];
      const child = Aio.never.pipe(
        Aio.ensuring(
          Aio.gen(function* () {
            log.push(`fin start ${getRunningLoop().time()}`);
            yield* Aio.sleep(30);
            log.push(`fin end ${getRunningLoop().time()}`);
          }),
        ),
      );
      const result = await run(cancelAfter(child, 10), V);
      expect(log).toEqual(["fin start 10", "fin end 40"]);
      expect(result.time).toBe(40);
      expectInterrupted(result.exit);
    });

    it("the finaliser is uninterruptible: a second cancel during it does not stop it", async () => {
      const log: string[] = [];
      const result = await run(
        Aio.gen(function* () {
          const t = yield* createTask(
            Aio.never.pipe(
              Aio.ensuring(
                Aio.gen(function* () {
                  yield* Aio.sleep(50);
                  log.push("finaliser done");
                }),
              ),
            ),
          );
          yield* Aio.sleep(10);
          t.cancel("first");
          yield* Aio.sleep(10);
          t.cancel("second");
          const exit = yield* Aio.exit(Aio.from(t));
          return { exit, time: getRunningLoop().time() };
        }),
        V,
      );
      expect(log).toEqual(["finaliser done"]);
      expect(result.time).toBe(60);
      expect(result.exit._tag).toBe("Failure");
      if (result.exit._tag === "Failure") expect(result.exit.cause._tag).toBe("Interrupt");
    });
  });

  it("onExit receives the exit", () => {
    const seen: Exit.Exit<number, string>[] = [];
    const record = Aio.onExit((e: Exit.Exit<number, string>) => Aio.sync(() => seen.push(e)));
    expect(runSync(record(Aio.succeed(1)))).toBe(1);
    expect(runSyncExit(record(Aio.fail("f")))).toEqual(Exit.fail("f"));
    expect(seen).toEqual([Exit.succeed(1), Exit.fail("f")]);
  });

  it("onInterrupt runs only on interruption, with the message", async () => {
    const messages: Array<string | undefined> = [];
    const onInt = Aio.onInterrupt((m) => Aio.sync(() => messages.push(m)));
    expect(runSync(onInt(Aio.succeed(1)))).toBe(1);
    expect(runSyncExit(onInt(Aio.fail("f")))).toEqual(Exit.fail("f"));
    expect(runSyncExit(onInt(Aio.die("d")))).toEqual(Exit.die("d"));
    expect(messages).toEqual([]);
    const result = await run(cancelAfter(onInt(Aio.sleep(100)), 10, "the reason"), V);
    expect(messages).toEqual(["the reason"]);
    expectInterrupted(result.exit, "the reason");
    expect(result.time).toBe(10);
  });

  it("uninterruptible: a cancellation waits for the region to end, then is delivered", async () => {
    const log: string[] = [];
    const child = Aio.uninterruptible(
      Aio.sleep(50).pipe(Aio.tap(() => Aio.sync(() => log.push(`region end ${getRunningLoop().time()}`)))),
    ).pipe(Aio.tap(() => Aio.sync(() => log.push("after region"))));
    const result = await run(cancelAfter(child, 10, "late"), V);
    expect(log).toEqual(["region end 50"]);
    expect(result.time).toBe(50);
    expectInterrupted(result.exit, "late");
  });

  it("uninterruptibleMask: restore makes a part interruptible again", async () => {
    const log: string[] = [];
    const child = Aio.uninterruptibleMask((restore) =>
      Aio.gen(function* () {
        yield* Aio.sleep(20);
        log.push(`masked done ${getRunningLoop().time()}`);
        yield* restore(Aio.sleep(1000));
        log.push("never");
      }),
    );
    const result = await run(cancelAfter(child, 10, "m"), V);
    expect(log).toEqual(["masked done 20"]);
    expect(result.time).toBe(20);
    expectInterrupted(result.exit, "m");
  });

  it("uninterruptibleMask: restore inside an uninterruptible region stays uninterruptible", async () => {
    const log: string[] = [];
    const child = Aio.uninterruptible(
      Aio.uninterruptibleMask((restore) =>
        restore(Aio.sleep(50)).pipe(Aio.tap(() => Aio.sync(() => log.push(`restored done ${getRunningLoop().time()}`)))),
      ),
    );
    const result = await run(cancelAfter(child, 10), V);
    expect(log).toEqual(["restored done 50"]);
    expect(result.time).toBe(50);
    expectInterrupted(result.exit);
  });

  describe("acquireUseRelease / acquireRelease", () => {
    const bracket = (log: string[], use: (r: string) => Aio.Aio<number, string>, acquire: Aio.Aio<string> = Aio.sync(() => "res")) =>
      Aio.acquireUseRelease(
        acquire.pipe(Aio.tap((r) => Aio.sync(() => log.push(`acquire ${r}`)))),
        (r) => Aio.sync(() => log.push(`use ${r}`)).pipe(Aio.flatMap(() => use(r))),
        (r, exit) =>
          Aio.sync(() =>
            log.push(
              `release ${r} ${exit._tag === "Success" ? `ok:${exit.value}` : exit.cause._tag === "Fail" ? `fail:${exit.cause.error}` : exit.cause._tag}`,
            ),
          ),
      );

    it("releases after success", () => {
      const log: string[] = [];
      expect(runSync(bracket(log, () => Aio.succeed(7)))).toBe(7);
      expect(log).toEqual(["acquire res", "use res", "release res ok:7"]);
    });

    it("releases after a failure of use", () => {
      const log: string[] = [];
      expect(runSyncExit(bracket(log, () => Aio.fail("oops")))).toEqual(Exit.fail("oops"));
      expect(log).toEqual(["acquire res", "use res", "release res fail:oops"]);
    });

    it("releases after a defect of use", () => {
      const log: string[] = [];
      expect(runSyncExit(bracket(log, () => Aio.die("bug")))).toEqual(Exit.die("bug"));
      expect(log).toEqual(["acquire res", "use res", "release res Die"]);
    });

    it("releases when use is interrupted", async () => {
      const log: string[] = [];
      const result = await run(cancelAfter(bracket(log, () => Aio.sleep(1000, 1)), 10, "x"), V);
      expect(log).toEqual(["acquire res", "use res", "release res Interrupt"]);
      expect(result.time).toBe(10);
      expectInterrupted(result.exit, "x");
    });

    it("a failed acquire runs neither use nor release", () => {
      const log: string[] = [];
      const exit = runSyncExit(
        Aio.acquireUseRelease(
          Aio.fail("no resource"),
          () => Aio.sync(() => log.push("use")),
          () => Aio.sync(() => log.push("release")),
        ),
      );
      expect(exit).toEqual(Exit.fail("no resource"));
      expect(log).toEqual([]);
    });

    it("acquire is uninterruptible: a cancel during acquire skips use but still releases", async () => {
      const log: string[] = [];
      const result = await run(cancelAfter(bracket(log, () => Aio.succeed(1), Aio.sleep(50, "slow")), 10, "c"), V);
      expect(log).toEqual(["acquire slow", "release slow Interrupt"]);
      expect(result.time).toBe(50);
      expectInterrupted(result.exit, "c");
    });

    it("acquireRelease is acquireUseRelease in two steps", async () => {
      const log: string[] = [];
      const withRes = Aio.acquireRelease(Aio.sync(() => "fd"), (fd, exit) => Aio.sync(() => log.push(`close ${fd} ${exit._tag}`)));
      expect(await run(withRes((fd) => Aio.sleep(5, fd.length)), V)).toBe(2);
      expect(log).toEqual(["close fd Success"]);
      expect(runSyncExit(withRes(() => Aio.fail("e")))).toEqual(Exit.fail("e"));
      expect(log).toEqual(["close fd Success", "close fd Failure"]);
    });
  });
});

describe("laziness and piping", () => {
  it("building an Aio runs nothing; running it twice runs it twice", async () => {
    let effects = 0;
    const program = Aio.gen(function* () {
      effects++;
      yield* Aio.sleep(10);
      effects++;
      return effects;
    }).pipe(Aio.map((n) => n * 1));
    expect(effects).toBe(0);
    expect(await run(program, V)).toBe(2);
    expect(await run(program, V)).toBe(4);
    expect(effects).toBe(4);
  });

  it("the same Aio value can run concurrently in several tasks", async () => {
    let started = 0;
    const shared = Aio.sync(() => ++started).pipe(Aio.flatMap((n) => Aio.sleep(10 * n, n)));
    const result = await run(
      Aio.gen(function* () {
        const a = yield* createTask(shared);
        const b = yield* createTask(shared);
        return [yield* a, yield* b, getRunningLoop().time()];
      }),
      V,
    );
    expect(result).toEqual([1, 2, 20]);
  });

  it(".pipe applies functions left to right", () => {
    const r = Aio.succeed(1).pipe(
      Aio.map((n) => n + 1),
      Aio.map((n) => n * 10),
      Aio.flatMap((n) => Aio.succeed(`${n}`)),
    );
    expect(runSync(r)).toBe("20");
    const one = Aio.succeed(1);
    expect(one.pipe((a) => a) === one).toBe(true);
    // (Compared element by element: deep equality would iterate an Aio, which is its own
    // never-ending iterator for yield*.)
    const pair = one.pipe((a) => [a, a] as const);
    expect(pair[0] === one && pair[1] === one).toBe(true);
  });

  it("works with fp-ts pipe", () => {
    const r = pipe(
      Aio.succeed(3),
      Aio.map((n) => n * 2),
      Aio.flatMap((n) => (n > 5 ? Aio.fail(`too big: ${n}`) : Aio.succeed(n))),
      Aio.catchAll((e) => Aio.succeed(e.length)),
    );
    expect(runSync(r)).toBe("too big: 6".length);
  });

  it("CancelledError is what run rejects with for an interrupted program", async () => {
    await expect(run(Aio.failCause(Cause.interrupt("gone")), V)).rejects.toBeInstanceOf(CancelledError);
    // A fresh loop never shares state with a previous one.
    const loop = newEventLoop(V);
    expect(loop.time()).toBe(0);
    loop.close();
  });
});
