/**
 * `withLock` / `withPermit` as one frame (locks.ts `Held`): the permit is held exactly
 * while the body runs, however the acquire or the body ends.
 */
import { describe, expect, it } from "vitest";
import { Aio, BoundedSemaphore, Lock, Semaphore, createTask, withLock } from "../src/index.js";
import { defectOf, expectInterrupted, vexit, vrun } from "./helpers.js";

describe("withLock / withPermit hold the permit exactly while the body runs", () => {
  it("cancelled while waiting to acquire: nothing is held, the body never runs", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const sem = new Semaphore(1);
        let ran = false;
        const holder = yield* createTask(sem.withPermit(Aio.sleep(10)));
        const waiter = yield* createTask(sem.withPermit(Aio.sync(() => void (ran = true))));
        yield* Aio.sleep(1);
        waiter.cancel("stop");
        const exit = yield* Aio.exit(Aio.from(waiter));
        yield* holder;
        return { exit, ran, value: sem.value(), locked: sem.locked() };
      }),
    );
    expectInterrupted(r.exit, "stop");
    expect(r.ran).toBe(false);
    expect(r.value).toBe(1);
    expect(r.locked).toBe(false);
  });

  it("cancelled after the permit was handed over but before it ran: the permit is released", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const lock = new Lock();
        yield* lock.acquire();
        let bodyRan = false;
        const waiter = yield* createTask(withLock(lock)(Aio.sleep(5).pipe(Aio.tap(() => Aio.sync(() => void (bodyRan = true))))));
        yield* Aio.sleep(1);
        lock.release(); // hands the lock to the waiter (woken, not yet run)
        waiter.cancel("late");
        const exit = yield* Aio.exit(Aio.from(waiter));
        return { exit, bodyRan, locked: lock.locked() };
      }),
    );
    expect(r.exit._tag).toBe("Failure");
    expect(r.bodyRan).toBe(false);
    expect(r.locked).toBe(false);
  });

  it("a failing or cancelled body releases; a value and a typed failure come out unchanged", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const sem = new Semaphore(2);
        const ok = yield* Aio.exit(sem.withPermit(Aio.succeed(7)));
        const failed = yield* Aio.exit(sem.withPermit(Aio.fail("boom" as const)));
        const t = yield* createTask(sem.withPermit(Aio.never));
        yield* Aio.sleep(1);
        const during = sem.value();
        t.cancel();
        yield* Aio.exit(Aio.from(t));
        return { ok, failed, during, after: sem.value() };
      }),
    );
    expect(r.ok).toEqual({ _tag: "Success", value: 7 });
    expect(r.failed._tag === "Failure" && r.failed.cause._tag === "Fail" && r.failed.cause.error).toBe("boom");
    expect(r.during).toBe(1);
    expect(r.after).toBe(2);
  });

  it("a release that throws (a BoundedSemaphore released inside the body) is a defect replacing the outcome", async () => {
    const exit = await vexit(
      Aio.gen(function* () {
        const sem = new BoundedSemaphore(1);
        return yield* sem.withPermit(Aio.sync(() => sem.release()).pipe(Aio.as(1)));
      }),
    );
    expect((defectOf(exit) as Error).name).toBe("SemaphoreReleaseError");
  });

  it("10^5 uses in a loop keep the count and the permits exact", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const sem = new Semaphore(1);
        let n = 0;
        const inc = sem.withPermit(Aio.sync(() => void n++));
        for (let i = 0; i < 100_000; i++) yield* inc;
        return { n, value: sem.value() };
      }),
    );
    expect(r).toEqual({ n: 100_000, value: 1 });
  });
});
