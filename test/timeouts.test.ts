/**
 * timeout / timeoutAt scopes on the virtual clock (asyncio.timeout semantics).
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, Exit, InvalidStateError, TimeoutError, currentTask, getRunningLoop } from "../src/index.js";
import { Timeout, timeout, timeoutAt } from "../src/timeouts.js";
import { cancelAfter, now, vexit, vrun } from "./helpers.js";

const isTimeout = (e: Exit.Exit<unknown, unknown>): boolean =>
  e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError;

describe("timeout", () => {
  it("returns the body's value before the deadline and removes its timer", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const v = yield* timeout(1000, Aio.sleep(100, "v"));
        return [v, now(), getRunningLoop().pendingTimers()] as const;
      }),
    );
    expect(r).toEqual(["v", 100, 0]);
  });

  it("at the deadline: the body is cancelled where it waits, finally runs, TimeoutError", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const e = yield* Aio.exit(
          timeout(
            3000,
            Aio.gen(function* () {
              try {
                yield* Aio.sleep(3_600_000);
              } catch (e) {
                log.push(`${e instanceof CancelledError ? "cancelled" : "?"}@${now()}`);
                throw e;
              } finally {
                log.push(`finally@${now()}`);
              }
            }),
          ),
        );
        return [isTimeout(e), now(), currentTask()!.cancelling()] as const;
      }),
    );
    expect(r).toEqual([true, 3000, 0]);
    expect(log).toEqual(["cancelled@3000", "finally@3000"]);
  });

  it("runs the body in the current task", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const outer = currentTask();
        const inner = yield* timeout(100, Aio.sync(() => currentTask()));
        return inner === outer;
      }),
    );
    expect(r).toBe(true);
  });

  it("the scope: when(), expired(), reschedule() later and earlier", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let seen: Timeout | undefined;
        const v = yield* timeout(1000, (scope) =>
          Aio.gen(function* () {
            seen = scope;
            const w0 = scope.when();
            scope.reschedule(scope.when()! + 500);
            yield* Aio.sleep(1200); // past the first deadline, before the new one
            return [w0, scope.when(), scope.expired()] as const;
          }),
        );
        const e = yield* Aio.exit(
          timeout(10_000, (scope) =>
            Aio.gen(function* () {
              scope.reschedule(now() + 50);
              yield* Aio.sleep(1000);
            }),
          ),
        );
        return { v, expiredAfter: seen!.expired(), early: isTimeout(e), at: now() };
      }),
    );
    expect(r).toEqual({ v: [1000, 1500, false], expiredAfter: false, early: true, at: 1250 });
  });

  it("reschedule(null) removes the deadline; a past deadline expires at the next iteration", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const a = yield* timeout(100, (scope) =>
          Aio.gen(function* () {
            scope.reschedule(null);
            yield* Aio.sleep(500);
            return scope.when();
          }),
        );
        const e = yield* Aio.exit(
          timeout(100, (scope) =>
            Aio.gen(function* () {
              scope.reschedule(now() - 1);
              yield* Aio.sleep(1);
            }),
          ),
        );
        return [a, isTimeout(e), now()] as const;
      }),
    );
    expect(r).toEqual([null, true, 500]);
  });

  it("reschedule after the scope ended or expired is an InvalidStateError; NaN a RangeError", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let s!: Timeout;
        yield* timeout(100, (scope) => Aio.sync(() => void (s = scope)));
        const errs: unknown[] = [];
        try {
          s.reschedule(5);
        } catch (e) {
          errs.push(e);
        }
        let expired!: Timeout;
        yield* Aio.exit(timeout(10, (scope) => Aio.sync(() => void (expired = scope)).pipe(Aio.flatMap(() => Aio.sleep(100)))));
        try {
          expired.reschedule(5);
        } catch (e) {
          errs.push(e);
        }
        yield* timeout(100, (scope) =>
          Aio.sync(() => {
            try {
              scope.reschedule(Number.NaN);
            } catch (e) {
              errs.push(e);
            }
          }),
        );
        return errs;
      }),
    );
    expect(r[0]).toBeInstanceOf(InvalidStateError);
    expect(r[1]).toBeInstanceOf(InvalidStateError);
    expect((r[1] as Error).message).toMatch(/expired/);
    expect(r[2]).toBeInstanceOf(RangeError);
  });

  it("null / undefined: no deadline", async () => {
    expect(await vrun(timeout(null, Aio.sleep(3_600_000, "late")))).toBe("late");
    expect(await vrun(timeout(undefined, (s) => Aio.succeed(s.when())))).toBe(null);
  });

  it("delay <= 0: a body that finishes without suspending returns; one that suspends times out", async () => {
    expect(await vrun(timeout(0, Aio.succeed(1)))).toBe(1);
    expect(isTimeout(await vexit(timeout(-10, Aio.sleep(5))))).toBe(true);
  });

  it("timeoutAt takes an absolute loop time", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        yield* Aio.sleep(100);
        const e = yield* Aio.exit(timeoutAt(250, Aio.sleep(1000)));
        const at = now();
        const v = yield* timeoutAt(now() + 1000, (scope) => Aio.sleep(10, scope.when()));
        return [isTimeout(e), at, v];
      }),
    );
    expect(r).toEqual([true, 250, 1250]);
  });

  it("curried: timeout(ms)(body) and timeoutAt(when)(body), for pipe", async () => {
    expect(isTimeout(await vexit(Aio.sleep(100).pipe(timeout(50))))).toBe(true);
    expect(await vrun(Aio.sleep(10, "ok").pipe(timeoutAt(50)))).toBe("ok");
  });

  it("a cancellation from elsewhere passes through as a CancelledError", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { exit: e } = yield* cancelAfter(timeout(1000, Aio.sleep(5000)), 100, "elsewhere");
        return Exit.isInterrupted(e) && e.cause.message;
      }),
    );
    expect(r).toBe("elsewhere");
  });

  it("a cancellation from elsewhere at the same time as the deadline is not turned into a TimeoutError", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const { exit } = yield* cancelAfter(
          timeout(
            100,
            Aio.gen(function* () {
              try {
                yield* Aio.sleep(5000);
              } finally {
                yield* Aio.uninterruptible(Aio.sleep(50));
              }
            }),
          ),
          120, // the deadline passed; the body is cleaning up
        );
        return Exit.isInterrupted(exit);
      }),
    );
    expect(r).toBe(true);
  });

  it("nested scopes: each turns only its own cancellation into TimeoutError", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        // inner expires first and is caught inside the outer
        const a = yield* timeout(
          1000,
          timeout(100, Aio.sleep(500)).pipe(Aio.catchAll((e) => Aio.succeed(e instanceof TimeoutError ? "inner timed out" : "?"))),
        );
        // outer expires first: the inner scope lets the cancellation through
        const b = yield* Aio.exit(
          timeout(
            100,
            timeout(1000, Aio.sleep(500)).pipe(Aio.catchAll(() => Aio.succeed("inner caught it (wrong)"))),
          ),
        );
        return [a, isTimeout(b), now(), currentTask()!.cancelling()] as const;
      }),
    );
    expect(r).toEqual(["inner timed out", true, 200, 0]);
  });

  it("a body that swallows the cancellation returns its value; expired() says so", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let s!: Timeout;
        const v = yield* timeout(100, (scope) => {
          s = scope;
          return Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
            } catch {
              return "swallowed";
            }
            return "normal";
          });
        });
        yield* Aio.sleep(10); // no stray cancellation afterwards
        return [v, s.expired(), currentTask()!.cancelling(), now()] as const;
      }),
    );
    expect(r).toEqual(["swallowed", true, 0, 110]);
  });

  it("an uninterruptible body: the timeout is delivered when the region ends", async () => {
    const e = await vexit(
      timeout(
        100,
        Aio.gen(function* () {
          yield* Aio.uninterruptible(Aio.sleep(300));
          yield* Aio.sleep(1000);
        }),
      ),
    );
    expect(isTimeout(e)).toBe(true);
  });

  it("a scope inside an uninterruptible region leaves no stray cancellation behind", async () => {
    // The region does not defer the scope's own deadline (issue 8): the body is cancelled
    // at 100 and the scope fails with a TimeoutError.
    const r = await vrun(
      Aio.gen(function* () {
        const v = yield* Aio.exit(Aio.uninterruptible(timeout(100, Aio.sleep(300, "done anyway"))));
        yield* Aio.sleep(50); // would throw a CancelledError if a request were left over
        return [isTimeout(v), now(), currentTask()!.cancelling()] as const;
      }),
    );
    expect(r).toEqual([true, 150, 0]);
  });

  it("passes the body's typed failure through", async () => {
    expect(await vexit(timeout(100, Aio.fail("nope" as const)))).toEqual(Exit.fail("nope"));
  });

  it("bad input is an error at once", () => {
    expect(() => timeout(Number.NaN, Aio.void)).toThrow(RangeError);
    expect(() => timeout("1" as never, Aio.void)).toThrow(RangeError);
    expect(() => timeout(1, 5 as never)).toThrow(TypeError);
    expect(() => timeout(1)(5 as never)).toThrow(TypeError);
    expect(() => timeoutAt(Number.NaN)).toThrow(RangeError);
  });

  it("a body function that returns a non-Aio is a defect", async () => {
    const e = await vexit(timeout(100, (() => 5) as never));
    expect(e._tag === "Failure" && e.cause._tag === "Die" && String(e.cause.defect)).toMatch(/not an Aio/);
  });
});
