/**
 * `Aio.gen` do-notation: values, typed failures thrown at `yield*`, defects, finally
 * blocks, and cancellation delivered as a CancelledError.
 */
import { describe, it, expect } from "vitest";
import {
  Aio,
  CancelledError,
  Cause,
  Exit,
  createFuture,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  runExit,
  runSync,
  runSyncExit,
  type Task,
} from "../src/index.js";
import { V, cancelAfter, expectInterrupted, now } from "./helpers.js";

describe("values", () => {
  it("yield* gives the value of an Aio", async () => {
    const result = await run(
      Aio.gen(function* () {
        const a = yield* Aio.succeed(1);
        const b = yield* Aio.sleep(10, 2);
        const c = yield* Aio.sync(() => 3);
        const d = yield* Aio.succeed(4).pipe(Aio.map((n) => n * 10));
        return { sum: a + b + c + d, time: now() };
      }),
      V,
    );
    expect(result).toEqual({ sum: 46, time: 10 });
  });

  it("one generator body given to several Aio.gen values, alternately, runs right every time", () => {
    // Gen shares one generator prototype between bodies and remembers the last body it
    // set up; bodies that alternate, repeat or come back must all still run.
    const bodyA = function* (): Generator<never, string> {
      return "a";
    };
    const bodyB = function* (): Generator<never, string> {
      return "b";
    };
    const order = [bodyA, bodyB, bodyB, bodyA, bodyA, bodyB];
    const got = order.map((b) => runSync(Aio.gen(b)));
    expect(got).toEqual(["a", "b", "b", "a", "a", "b"]);
    // generator objects keep %GeneratorPrototype% in their chain
    const it = bodyA();
    expect(typeof it.next).toBe("function");
    expect(it[Symbol.iterator]()).toBe(it);
  });

  it("a frozen generator function still works as a body", () => {
    const body = Object.freeze(function* () {
      return 7 + (yield* Aio.succeed(1));
    });
    expect(runSync(Aio.gen(body))).toBe(8);
    expect(runSync(Aio.gen(body))).toBe(8);
  });

  it("a frozen generator function that suspends, fails and catches still runs (it keeps its own prototype)", async () => {
    const body = Object.freeze(function* () {
      const a = yield* Aio.sleep(10, 1);
      try {
        yield* Aio.fail("boom");
      } catch (e) {
        return [a, e, now()];
      }
      return "not caught";
    });
    expect(await run(Aio.gen(body), V)).toEqual([1, "boom", 10]);
  });

  it("a body returning a hand-written iterator: values, failures and return go through it", async () => {
    // Not a generator object: the frame drives it through a generator that delegates to it.
    const log: string[] = [];
    const body = (): Iterator<unknown, string, unknown> => {
      let step = 0;
      return {
        next(sent: unknown) {
          // The Aio protocol: next() asks the Aio for the value it was resumed with.
          if (step === 0) {
            step = 1;
            return Aio.sleep(5, 40)[Symbol.iterator]().next() as IteratorResult<unknown, string>;
          }
          if (step === 1) {
            step = 2;
            const r = (Aio.sleep(5, 40) as unknown as Iterator<unknown>).next(sent);
            log.push(`resumed ${String(r.value)}`);
            // A failure that arrives later (a rejected promise), so it is thrown in through throw().
            const later = Aio.tryPromise(() => Promise.reject(new Error("bad")), (e) => (e as Error).message);
            return later[Symbol.iterator]().next() as IteratorResult<unknown, string>;
          }
          return { done: true, value: "unreachable" };
        },
        throw(e: unknown) {
          log.push(`thrown ${String(e)}`);
          return { done: true, value: `caught ${String(e)}` };
        },
      };
    };
    const got = await run(Aio.gen(body as unknown as () => Generator<never, string>), V);
    expect(got).toBe("caught bad");
    expect(log).toEqual(["resumed 40", "thrown bad"]);
  });

  it("yield* of a Task and of a Future", async () => {
    const result = await run(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.sleep(20, "task"));
        const fut = yield* createFuture<string>();
        getRunningLoop().callLater(30, () => fut.setResult("future"));
        const a = yield* t;
        const b = yield* fut;
        return [a, b, now()];
      }),
      V,
    );
    expect(result).toEqual(["task", "future", 30]);
  });

  it("a generator with no yield* returns its value; runSync accepts it", () => {
    expect(
      runSync(
        Aio.gen(function* () {
          return "plain";
        }),
      ),
    ).toBe("plain");
  });

  it("the body runs lazily, once per run", () => {
    let runs = 0;
    const g = Aio.gen(function* () {
      runs++;
      return yield* Aio.succeed(runs);
    });
    expect(runs).toBe(0);
    expect(runSync(g)).toBe(1);
    expect(runSync(g)).toBe(2);
  });

  it("nested Aio.gen values compose", async () => {
    const inner = (n: number) =>
      Aio.gen(function* () {
        yield* Aio.sleep(n);
        return n * 2;
      });
    const outer = Aio.gen(function* () {
      const a = yield* inner(5);
      const b = yield* inner(10);
      return a + b;
    });
    expect(await run(outer, V)).toBe(30);
  });

  it("a loop of many yield* in one generator", () => {
    const g = Aio.gen(function* () {
      let s = 0;
      for (let i = 0; i < 100_000; i++) s += yield* Aio.succeed(i);
      return s;
    });
    expect(runSync(g)).toBe((100_000 * 99_999) / 2);
  });
});

describe("typed failures", () => {
  it("a failure of a yielded Aio is thrown at the yield* and can be caught", async () => {
    const result = await run(
      Aio.gen(function* () {
        const caught: unknown[] = [];
        try {
          yield* Aio.fail("immediate");
        } catch (e) {
          caught.push(e);
        }
        try {
          yield* Aio.sleep(10).pipe(Aio.flatMap(() => Aio.fail({ _tag: "Later" as const })));
        } catch (e) {
          caught.push(e);
        }
        return caught;
      }),
      V,
    );
    expect(result).toEqual(["immediate", { _tag: "Later" }]);
  });

  it("an uncaught typed failure stays typed (Fail)", async () => {
    const err = { _tag: "NotFound" as const };
    expect(
      runSyncExit(
        Aio.gen(function* () {
          yield* Aio.fail(err);
          return 1;
        }),
      ),
    ).toEqual(Exit.fail(err));
    expect(
      await runExit(
        Aio.gen(function* () {
          yield* Aio.sleep(5);
          yield* Aio.fail(err);
        }),
        V,
      ),
    ).toEqual(Exit.fail(err));
  });

  it("a typed failure from a nested generator propagates as typed through the outer one", async () => {
    const inner = Aio.gen(function* () {
      yield* Aio.sleep(1);
      return yield* Aio.fail("deep");
    });
    const outer = Aio.gen(function* () {
      const v: number = yield* inner;
      return v;
    });
    expect(await runExit(outer, V)).toEqual(Exit.fail("deep"));
  });

  it("rethrowing the caught typed failure keeps it typed", () => {
    const exit = runSyncExit(
      Aio.gen(function* () {
        try {
          yield* Aio.fail("again");
        } catch (e) {
          throw e;
        }
      }),
    );
    expect(exit).toEqual(Exit.fail("again"));
  });

  it("a typed failure passing through a finally that yield*s stays typed", async () => {
    const log: string[] = [];
    const exit = await runExit(
      Aio.gen(function* () {
        try {
          yield* Aio.sleep(1).pipe(Aio.flatMap(() => Aio.fail("typed")));
        } finally {
          yield* Aio.sleep(10);
          log.push(`cleanup ${now()}`);
        }
      }),
      V,
    );
    expect(log).toEqual(["cleanup 11"]);
    expect(exit).toEqual(Exit.fail("typed"));
  });

  it("a caught failure can be recovered from with more yield*", async () => {
    const result = await run(
      Aio.gen(function* () {
        try {
          yield* Aio.fail("x");
          return "unreachable";
        } catch {
          yield* Aio.sleep(7);
          return `recovered at ${now()}`;
        }
      }),
      V,
    );
    expect(result).toBe("recovered at 7");
  });
});

describe("defects", () => {
  it("an uncaught throw becomes a defect (Die)", async () => {
    const err = new Error("boom");
    const before = runSyncExit(
      Aio.gen(function* () {
        throw err;
      }),
    );
    expect(before._tag === "Failure" && before.cause._tag).toBe("Die");
    expect(before).toEqual(Exit.die(err));
    const after = await runExit(
      Aio.gen(function* () {
        yield* Aio.sleep(3);
        throw err;
      }),
      V,
    );
    expect(after).toEqual(Exit.die(err));
    await expect(
      run(
        Aio.gen(function* () {
          throw err;
        }),
        V,
      ),
    ).rejects.toBe(err);
  });

  it("throwing a new error from a catch of a typed failure is a defect", () => {
    const err = new Error("converted");
    const exit = runSyncExit(
      Aio.gen(function* () {
        try {
          yield* Aio.fail("typed");
        } catch {
          throw err;
        }
      }),
    );
    expect(exit).toEqual(Exit.die(err));
  });

  it("a defect of a yielded Aio is thrown at the yield* too", () => {
    const err = new Error("defect");
    const result = runSync(
      Aio.gen(function* () {
        try {
          yield* Aio.die(err);
          return "no";
        } catch (e) {
          return e === err ? "caught the defect" : "other";
        }
      }),
    );
    expect(result).toBe("caught the defect");
  });

  it("throwing a CancelledError ends the generator interrupted", () => {
    const exit = runSyncExit(
      Aio.gen(function* () {
        throw new CancelledError("manual");
      }),
    );
    expectInterrupted(exit, "manual");
  });
});

describe("finally blocks", () => {
  it("run on success and on failure", async () => {
    const log: string[] = [];
    const ok = Aio.gen(function* () {
      try {
        return yield* Aio.sleep(5, "ok");
      } finally {
        log.push("finally ok");
      }
    });
    const bad = Aio.gen(function* () {
      try {
        yield* Aio.fail("bad");
      } finally {
        log.push("finally bad");
      }
    });
    expect(await run(ok, V)).toBe("ok");
    expect(await runExit(bad, V)).toEqual(Exit.fail("bad"));
    expect(log).toEqual(["finally ok", "finally bad"]);
  });

  it("a finally that yield*s runs to the end before the value is returned", async () => {
    const result = await run(
      Aio.gen(function* () {
        const log: string[] = [];
        const inner = Aio.gen(function* () {
          try {
            return "value";
          } finally {
            yield* Aio.sleep(20);
            log.push(`finally done ${now()}`);
          }
        });
        const v = yield* inner;
        log.push(`got ${v} ${now()}`);
        return log;
      }),
      V,
    );
    expect(result).toEqual(["finally done 20", "got value 20"]);
  });

  it("a failing finally replaces the outcome", () => {
    const exit = runSyncExit(
      Aio.gen(function* () {
        try {
          return 1;
        } finally {
          yield* Aio.fail("from finally");
        }
      }),
    );
    expect(exit).toEqual(Exit.fail("from finally"));
  });
});

describe("cancellation inside Aio.gen", () => {
  /** Waits on `wait`; whatever is thrown there goes to `see`, then is re-thrown. */
  const seeing = (wait: Aio.Aio<void>, see: (e: unknown) => void): Aio.Aio<void> =>
    Aio.gen(function* () {
      try {
        yield* wait;
      } catch (e) {
        see(e);
        throw e;
      }
    });

  it("is thrown as a CancelledError carrying the message", async () => {
    const result = await run(
      Aio.gen(function* () {
        let seen: unknown;
        const t = yield* createTask(seeing(Aio.sleep(3_600_000), (e) => (seen = e)));
        yield* Aio.sleep(100);
        t.cancel("shutting down");
        const exit = yield* Aio.exit(Aio.from(t));
        return { seen, exit, time: now() };
      }),
      V,
    );
    expect(result.seen).toBeInstanceOf(CancelledError);
    expect((result.seen as CancelledError)._tag).toBe("CancelledError");
    expect((result.seen as CancelledError).message).toBe("shutting down");
    expectInterrupted(result.exit, "shutting down");
    expect(result.time).toBe(100);
  });

  it("cancel() without a message throws a CancelledError with an empty message", async () => {
    const result = await run(
      Aio.gen(function* () {
        let seen: unknown;
        const t = yield* createTask(seeing(Aio.never, (e) => (seen = e)));
        yield* Aio.yieldNow;
        t.cancel();
        const exit = yield* Aio.exit(Aio.from(t));
        return { seen, exit };
      }),
      V,
    );
    expect(result.seen).toBeInstanceOf(CancelledError);
    expect((result.seen as CancelledError).message).toBe("");
    expectInterrupted(result.exit, undefined);
  });

  it("a task that catches CancelledError and continues is not cancelled, but cancelling() counts it", async () => {
    const result = await run(
      Aio.gen(function* () {
        const log: string[] = [];
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
            } catch (e) {
              if (!(e instanceof CancelledError)) throw e;
              log.push(`caught ${e.message} at ${now()}`);
            }
            yield* Aio.sleep(5);
            log.push(`continued to ${now()}`);
            return "survived";
          }),
        );
        yield* Aio.sleep(10);
        t.cancel("try");
        const exit = yield* Aio.exit(Aio.from(t));
        return { log, exit, cancelled: t.cancelled(), cancelling: t.cancelling() };
      }),
      V,
    );
    expect(result.log).toEqual(["caught try at 10", "continued to 15"]);
    expect(result.exit).toEqual(Exit.succeed("survived"));
    expect(result.cancelled).toBe(false);
    expect(result.cancelling).toBe(1);
  });

  it("the CancelledError surfaces at the yield* of a Future too", async () => {
    const result = await run(
      Aio.gen(function* () {
        let seen: unknown;
        const fut = yield* createFuture<number>();
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              return yield* fut;
            } catch (e) {
              seen = e;
              return -1;
            }
          }),
        );
        yield* Aio.yieldNow;
        t.cancel("fut");
        const v = yield* t;
        return { seen, v, futCancelled: fut.cancelled() };
      }),
      V,
    );
    expect(result.seen).toBeInstanceOf(CancelledError);
    expect((result.seen as CancelledError).message).toBe("fut");
    expect(result.v).toBe(-1);
    expect(result.futCancelled).toBe(true);
  });

  it("three-deep yield* delegation: every finally (each yield*ing a cleanup) runs innermost first and the task ends interrupted", async () => {
    const log: string[] = [];
    const level3 = Aio.gen(function* () {
      try {
        log.push(`3 start ${now()}`);
        yield* Aio.sleep(1000);
        log.push("3 after sleep (never)");
      } finally {
        log.push(`3 finally ${now()}`);
        yield* Aio.sleep(10);
        log.push(`3 cleanup done ${now()}`);
      }
      log.push("3 after try (never)");
      return 3;
    });
    /** Level `n` delegates to `inner` (level n + 1); its finally yield*s a 10 ms cleanup. */
    const level = (n: number, inner: Aio.Aio<number>): Aio.Aio<number> =>
      Aio.gen(function* () {
        try {
          log.push(`${n} start ${now()}`);
          const v = yield* inner;
          log.push(`${n} after level${n + 1} (never)`);
          return v;
        } finally {
          log.push(`${n} finally ${now()}`);
          yield* Aio.sleep(10);
          log.push(`${n} cleanup done ${now()}`);
        }
      });
    const level1 = level(1, level(2, level3));
    const result = await run(cancelAfter(level1, 100, "deep stop"), V);
    expect(log).toEqual([
      "1 start 0",
      "2 start 0",
      "3 start 0",
      "3 finally 100",
      "3 cleanup done 110",
      "2 finally 110",
      "2 cleanup done 120",
      "1 finally 120",
      "1 cleanup done 130",
    ]);
    expect(log.some((l) => l.includes("never"))).toBe(false);
    expectInterrupted(result.exit, "deep stop");
    expect(result.task.cancelled()).toBe(true);
    expect(result.time).toBe(130);
  });

  it("three-deep delegation with catch-and-rethrow at each level sees the same CancelledError", async () => {
    const seen: unknown[] = [];
    const level = (n: number, inner: Aio.Aio<number>): Aio.Aio<number> =>
      Aio.gen(function* () {
        try {
          return yield* inner;
        } catch (e) {
          seen.push(e);
          yield* Aio.sleep(n);
          throw e;
        }
      });
    const program = level(1, level(2, level(3, Aio.never)));
    const result = await run(cancelAfter(program, 50, "same"), V);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBeInstanceOf(CancelledError);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
    expectInterrupted(result.exit, "same");
    expect(result.time).toBe(56);
  });

  it("a self-cancel inside a generator is delivered at the next suspension", async () => {
    const result = await run(
      Aio.gen(function* () {
        const log: string[] = [];
        const t: Task<string, never> = yield* createTask(
          Aio.gen(function* () {
            currentTask()!.cancel("self");
            log.push("still running");
            try {
              yield* Aio.sleep(10);
              return "no";
            } catch (e) {
              log.push(`caught ${(e as CancelledError).message} at ${now()}`);
              throw e;
            }
          }),
        );
        const exit = yield* Aio.exit(Aio.from(t));
        return { log, exit };
      }),
      V,
    );
    expect(result.log).toEqual(["still running", "caught self at 0"]);
    expectInterrupted(result.exit, "self");
  });

  it("an interruption cause yielded inside the generator is thrown as CancelledError", () => {
    const result = runSync(
      Aio.gen(function* () {
        try {
          yield* Aio.failCause(Cause.interrupt("synthetic"));
          return "no";
        } catch (e) {
          return e instanceof CancelledError ? e.message : "other";
        }
      }),
    );
    expect(result).toBe("synthetic");
  });
});
