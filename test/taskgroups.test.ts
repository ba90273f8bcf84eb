/**
 * taskGroup on the virtual clock (asyncio.TaskGroup semantics).
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, Exit, InvalidStateError, TimeoutError, createTask, currentTask, getRunningLoop, type Task } from "../src/index.js";
import { ExceptionGroup, TaskGroup, taskGroup } from "../src/taskgroups.js";
import { timeout } from "../src/timeouts.js";
import { cancelAfter, failing, loggedSleep, now, reportingLoop, vexit, vrun } from "./helpers.js";

/** Sleeps `ms`, logging its end or its cancellation (with the time). */
const worker = <A>(name: string, ms: number, value: A, log: string[]): Aio.Aio<A> =>
  loggedSleep(name, ms, value, log, false);

const groupOf = <A, E>(e: Exit.Exit<A, ExceptionGroup<E>>): ExceptionGroup<E> => {
  if (e._tag === "Failure" && e.cause._tag === "Fail") return e.cause.error;
  throw new Error(`not an ExceptionGroup failure: ${JSON.stringify(e)}`);
};

describe("taskGroup", () => {
  it("waits for every child, then returns the body's value", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* taskGroup((tg) =>
          Aio.gen(function* () {
            const a = yield* tg.createTask(worker("a", 300, 1, log));
            const b = yield* tg.createTask(worker("b", 100, "two", log));
            log.push(`body end@${now()}`);
            return [a, b] as const;
          }),
        );
        return { a: a.result(), b: b.result(), at: now(), tasks: getRunningLoop().allTasks().size };
      }),
    );
    expect(r).toEqual({ a: 1, b: "two", at: 300, tasks: 1 });
    expect(log).toEqual(["body end@0", "b end@100", "a end@300"]);
  });

  it("the first failure cancels the body and the other children; an ExceptionGroup lists it", async () => {
    const log: string[] = [];
    const e = await vexit(
      taskGroup((tg) =>
        Aio.gen(function* () {
          yield* tg.createTask(worker("a", 5000, 1, log));
          yield* tg.createTask(failing(1000, "disk full" as const));
          try {
            yield* Aio.sleep(10_000);
          } catch (err) {
            log.push(`body ${err instanceof CancelledError ? "cancelled" : "?"}@${now()}`);
            throw err;
          }
        }),
      ),
    );
    const g = groupOf(e);
    expect(g).toBeInstanceOf(ExceptionGroup);
    expect(g._tag).toBe("ExceptionGroup");
    expect(g.errors).toEqual(["disk full"]);
    expect(g.defects).toEqual([]);
    expect(g.exceptions).toEqual(["disk full"]);
    expect(g.message).toMatch(/1 sub-exception/);
    expect(log.sort()).toEqual(["a cancelled@1000", "body cancelled@1000"]);
  });

  it("failures at the same time are all listed, defects too", async () => {
    const bug = new Error("bug");
    const e = await vexit(
      taskGroup((tg) =>
        Aio.gen(function* () {
          yield* tg.createTask(failing(100, "one"));
          yield* tg.createTask(failing(100, "two"));
          yield* tg.createTask(Aio.sleep(100).pipe(Aio.flatMap(() => Aio.die(bug))));
          yield* Aio.sleep(1000);
        }),
      ),
    );
    const g = groupOf(e);
    expect(g.errors).toEqual(["one", "two"]);
    expect(g.defects).toEqual([bug]);
    expect(g.causes.map((c) => c._tag)).toEqual(["Fail", "Fail", "Die"]);
  });

  it("a failing body cancels the children; its error is listed last", async () => {
    const log: string[] = [];
    const e = await vexit(
      taskGroup((tg) =>
        Aio.gen(function* () {
          yield* tg.createTask(worker("a", 5000, 1, log));
          yield* Aio.sleep(200);
          return yield* Aio.fail("body failed" as const);
        }),
      ),
    );
    expect(groupOf(e).errors).toEqual(["body failed"]);
    expect(log).toEqual(["a cancelled@200"]);
  });

  it("a child that ends cancelled is not a failure", async () => {
    const r = await vrun(
      taskGroup((tg) =>
        Aio.gen(function* () {
          const t = yield* tg.createTask(Aio.sleep(1000));
          yield* tg.createTask(Aio.sleep(300, "other"));
          yield* Aio.sleep(100);
          t.cancel();
          return "fine";
        }),
      ).pipe(Aio.map((v) => [v, now()] as const)),
    );
    expect(r).toEqual(["fine", 300]);
  });

  it("cancelling the parent cancels every child; the CancelledError propagates once they ended", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const { exit: e } = yield* cancelAfter(
          taskGroup((tg) =>
            Aio.gen(function* () {
              yield* tg.createTask(worker("a", 5000, 1, log));
              yield* tg.createTask(
                Aio.gen(function* () {
                  try {
                    yield* Aio.sleep(5000);
                  } finally {
                    yield* Aio.sleep(40);
                    log.push(`b cleaned@${now()}`);
                  }
                }),
              );
              yield* Aio.sleep(10_000);
            }),
          ),
          100,
          "parent",
        );
        return [Exit.isInterrupted(e) && e.cause.message, now(), getRunningLoop().allTasks().size] as const;
      }),
    );
    expect(r).toEqual(["parent", 140, 1]);
    expect(log).toEqual(["a cancelled@100", "b cleaned@140"]);
  });

  it("cancelling the parent while the group waits for its children (body done) cancels them", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const { exit } = yield* cancelAfter(
          taskGroup((tg) =>
            Aio.gen(function* () {
              yield* tg.createTask(worker("a", 5000, 1, log));
            }),
          ),
          100,
        );
        return [Exit.isInterrupted(exit), now()] as const;
      }),
    );
    expect(r).toEqual([true, 100]);
    expect(log).toEqual(["a cancelled@100"]);
  });

  it("after a handled child failure the parent goes on: no stray cancellation, cancelling() back to 0", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const e = yield* Aio.exit(
          taskGroup((tg) =>
            Aio.gen(function* () {
              yield* tg.createTask(failing(10, "x"));
              yield* Aio.sleep(1000);
            }),
          ),
        );
        yield* Aio.sleep(50); // would throw if a cancellation were left over
        return [e._tag, currentTask()!.cancelling(), now()] as const;
      }),
    );
    expect(r).toEqual(["Failure", 0, 60]);
  });

  it("an outside cancellation together with child failures: the group reports the failures, the cancellation stays requested", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            const e = yield* Aio.exit(
              taskGroup((tg) =>
                Aio.gen(function* () {
                  yield* tg.createTask(
                    Aio.gen(function* () {
                      try {
                        yield* Aio.sleep(1000);
                      } finally {
                        yield* Aio.uninterruptible(Aio.sleep(10));
                      }
                      return yield* Aio.fail("late");
                    }).pipe(Aio.onInterrupt(() => Aio.fail("failed while cancelled"))),
                  );
                  yield* Aio.sleep(5000);
                }),
              ),
            );
            const group = e._tag === "Failure" && e.cause._tag === "Fail" ? e.cause.error.errors : [];
            const pending = currentTask()!.cancelling();
            try {
              yield* Aio.sleep(1);
              return { group, pending, after: "no cancellation" };
            } catch {
              return { group, pending, after: "cancelled" };
            }
          }),
        );
        yield* Aio.sleep(100);
        t.cancel();
        return yield* t;
      }),
    );
    expect(r).toEqual({ group: ["failed while cancelled"], pending: 1, after: "cancelled" });
  });

  it("children may start children; the group waits for them all", async () => {
    const r = await vrun(
      taskGroup((tg) =>
        Aio.gen(function* () {
          yield* tg.createTask(
            Aio.gen(function* () {
              yield* Aio.sleep(100);
              yield* tg.createTask(Aio.sleep(200));
            }),
          );
        }),
      ).pipe(Aio.map(() => now())),
    );
    expect(r).toBe(300);
  });

  it("createTask after the group finished or while it shuts down is an InvalidStateError (a defect)", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let saved!: TaskGroup;
        yield* taskGroup((tg) => Aio.sync(() => void (saved = tg)));
        const finished = yield* Aio.exit(saved.createTask(Aio.void));
        const shuttingDown = yield* Aio.exit(
          taskGroup((tg) =>
            Aio.gen(function* () {
              yield* tg.createTask(failing(10, "x"));
              try {
                yield* Aio.sleep(100);
              } catch {
                // the group is aborting: a new child is refused
              }
              yield* tg.createTask(Aio.void);
            }),
          ),
        );
        return { finished, shuttingDown };
      }),
    );
    expect(r.finished._tag === "Failure" && r.finished.cause._tag === "Die" && r.finished.cause.defect).toBeInstanceOf(
      InvalidStateError,
    );
    const g = groupOf(r.shuttingDown);
    expect(g.errors).toEqual(["x"]);
    expect(g.defects[0]).toBeInstanceOf(InvalidStateError);
    expect(String(g.defects[0])).toMatch(/shutting down/);
  });

  it("nested groups: an inner failure reaches the outer as a nested ExceptionGroup", async () => {
    const e = await vexit(
      taskGroup((outer) =>
        Aio.gen(function* () {
          yield* outer.createTask(
            taskGroup((inner) =>
              Aio.gen(function* () {
                yield* inner.createTask(failing(10, "deep"));
              }),
            ),
          );
          yield* outer.createTask(Aio.sleep(1000));
        }),
      ),
    );
    const g = groupOf(e);
    expect(g.errors.length).toBe(1);
    const nested = g.errors[0];
    expect(nested).toBeInstanceOf(ExceptionGroup);
    expect((nested as ExceptionGroup<string>).errors).toEqual(["deep"]);
  });

  it("inside a timeout: the deadline cancels the body and the children, then TimeoutError", async () => {
    const log: string[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const e = yield* Aio.exit(
          timeout(
            500,
            taskGroup((tg) =>
              Aio.gen(function* () {
                yield* tg.createTask(worker("a", 5000, 1, log));
                yield* tg.createTask(worker("b", 5000, 2, log));
              }),
            ),
          ),
        );
        return [e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError, now()] as const;
      }),
    );
    expect(r).toEqual([true, 500]);
    expect(log).toEqual(["a cancelled@500", "b cancelled@500"]);
  });

  it("retrieves the children's failures: nothing reported to the loop", async () => {
    const { loop, reported } = reportingLoop();
    await loop.runUntilCompleteExit(
      taskGroup((tg) =>
        Aio.gen(function* () {
          yield* tg.createTask(failing(10, "a"));
          yield* tg.createTask(failing(10, "b"));
        }),
      ),
    );
    loop.close();
    expect(reported).toEqual([]);
  });

  it("createTask returns the task, named as asked", async () => {
    const r = await vrun(
      taskGroup((tg) =>
        Aio.gen(function* () {
          const t: Task<number> = yield* tg.createTask(Aio.sleep(5, 5), { name: "five" });
          return [t.getName(), tg.size()] as const;
        }),
      ),
    );
    expect(r).toEqual(["five", 1]);
  });

  it("bad input is a TypeError at once; a body returning a non-Aio is a listed defect", async () => {
    expect(() => taskGroup(5 as never)).toThrow(TypeError);
    const e = await vexit(
      taskGroup((tg) =>
        Aio.gen(function* () {
          tg.createTask(5 as never);
        }),
      ),
    );
    expect(groupOf(e).defects[0]).toBeInstanceOf(TypeError);
    const e2 = await vexit(taskGroup((() => 5) as never));
    expect(String(groupOf(e2).defects[0])).toMatch(/not an Aio/);
  });
});
