/**
 * Lock, Event, Condition, Semaphore, BoundedSemaphore, Barrier: every method and error,
 * FIFO order, and cancellation safety (a cancelled waiter leaves the primitive as if it
 * had never waited). Everything runs on virtual-time loops.
 */
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, EventLoopError, Exit, createTask, getRunningLoop, newEventLoop, type Task } from "../src/index.js";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  LockNotAcquiredError,
  Semaphore,
  SemaphoreReleaseError,
  withLock,
  withPermit,
} from "../src/locks.js";
import { V, cancelAndJoin, defectOf, exitOf, interrupted, now, settle, started, vexit, vrun } from "./helpers.js";

/** A log of "time:text" lines, written from inside a program. */
const makeLog = (): { lines: string[]; log: (s: string) => Aio.Aio<void> } => {
  const lines: string[] = [];
  return { lines, log: (s) => Aio.sync(() => void lines.push(`${now()}:${s}`)) };
};

// ---------------------------------------------------------------------------------------

describe("Lock", () => {
  it("acquire / release / locked", async () => {
    const lock = new Lock();
    expect(lock.locked()).toBe(false);
    const r = await vrun(
      Aio.gen(function* () {
        const got = yield* lock.acquire();
        const held = lock.locked();
        lock.release();
        return [got, held, lock.locked()];
      }),
    );
    expect(r).toEqual([true, true, false]);
    expect(String(lock)).toBe("<Lock [unlocked]>");
  });

  it("releasing an unlocked lock is a LockNotAcquiredError", () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(LockNotAcquiredError);
    try {
      lock.release();
    } catch (e) {
      expect((e as LockNotAcquiredError)._tag).toBe("LockNotAcquiredError");
      expect((e as Error).message).toBe("Lock is not acquired.");
    }
  });

  it("acquire works through pipe/flatMap too (not only yield*)", async () => {
    const lock = new Lock();
    const r = await vrun(
      lock.acquire().pipe(
        Aio.flatMap(() => lock.acquire().pipe(Aio.map(() => "second"))),
        Aio.flatMap((s) => Aio.sync(() => s)),
      ).pipe((a) => Aio.gen(function* () {
        const t = yield* createTask(a);
        yield* Aio.sleep(10);
        lock.release(); // lets the second acquire in
        return yield* t;
      })),
    );
    expect(r).toBe("second");
    expect(lock.locked()).toBe(true);
  });

  it("is FIFO: waiters get the lock in arrival order, late arrivals queue behind", async () => {
    const lock = new Lock();
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        const worker = (name: string) =>
          Aio.gen(function* () {
            yield* lock.acquire();
            yield* log(`${name} in`);
            yield* Aio.sleep(10);
            lock.release();
          });
        const ts = [yield* createTask(worker("a")), yield* createTask(worker("b")), yield* createTask(worker("c"))];
        yield* settle;
        expect(lock.waiters()).toBe(3);
        lock.release();
        // The lock is free, but "a" has been woken and not run yet: "d" must queue.
        expect(lock.locked()).toBe(false);
        ts.push(yield* createTask(worker("d")));
        for (const t of ts) yield* t;
      }),
    );
    expect(lines).toEqual(["0:a in", "10:b in", "20:c in", "30:d in"]);
  });

  it("gives mutual exclusion to concurrent read-modify-write sections", async () => {
    const lock = new Lock();
    let counter = 0;
    const inc = lock.withLock(
      Aio.gen(function* () {
        const seen = counter;
        yield* Aio.sleep(1);
        counter = seen + 1;
      }),
    );
    await vrun(
      Aio.gen(function* () {
        const ts: Task<void>[] = [];
        for (let i = 0; i < 20; i++) ts.push(yield* createTask(inc));
        for (const t of ts) yield* t;
      }),
    );
    expect(counter).toBe(20);
    expect(lock.locked()).toBe(false);
  });

  it("withLock releases on success, typed failure, defect and interruption", async () => {
    const lock = new Lock();
    expect(await vrun(withLock(lock)(Aio.succeed(1)))).toBe(1);
    expect(lock.locked()).toBe(false);

    const failed = await vexit(withLock(lock)(Aio.fail("nope")));
    expect(failed).toEqual(Exit.fail("nope"));
    expect(lock.locked()).toBe(false);

    const died = await vexit(lock.withLock(Aio.sync(() => { throw new Error("boom"); })));
    expect((defectOf(died) as Error).message).toBe("boom");
    expect(lock.locked()).toBe(false);

    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(lock.withLock(Aio.sleep(1000)));
        yield* Aio.sleep(10);
        const heldMeanwhile = lock.locked();
        yield* cancelAndJoin(t);
        return [heldMeanwhile, interrupted(t), lock.locked()];
      }),
    );
    expect(r).toEqual([true, true, false]);
  });

  it("a waiter cancelled in withLock never takes the lock; the next waiter does", async () => {
    const lock = new Lock();
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [a, b] = yield* started(lock.withLock(log("a")), lock.withLock(log("b")));
        yield* cancelAndJoin(a);
        expect(lock.waiters()).toBe(1);
        yield* Aio.sleep(5);
        lock.release();
        yield* b;
        expect(interrupted(a)).toBe(true);
      }),
    );
    expect(lines).toEqual(["5:b"]);
    expect(lock.locked()).toBe(false);
  });

  it("a waiter cancelled after being handed the lock passes it on", async () => {
    const lock = new Lock();
    const r = await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [a, b] = yield* started(lock.acquire(), lock.acquire());
        lock.release(); // wakes a ...
        const ea = yield* cancelAndJoin(a); // ... which is cancelled before it runs
        const gotB = yield* b;
        return [Exit.isInterrupted(ea), gotB, lock.locked(), lock.waiters()];
      }),
    );
    expect(r).toEqual([true, true, true, 0]);
  });

  it("acquire jumps the queue when every waiter is cancelled", async () => {
    const lock = new Lock();
    const r = await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [a] = yield* started(lock.acquire());
        a.cancel(); // its future is cancelled at once; it has not left the queue yet
        lock.release();
        const t = yield* createTask(Aio.succeed(0)); // something to keep the loop busy
        const fast = yield* lock.acquire();
        yield* exitOf(a);
        yield* t;
        return fast;
      }),
    );
    expect(r).toBe(true);
  });

  it("can be made outside a program, binds to the first loop that waits on it", async () => {
    const lock = new Lock();
    // No wait, no binding: a lock taken without waiting works on any loop.
    await vrun(lock.withLock(Aio.void));
    await vrun(lock.withLock(Aio.void));
    // First wait binds to this loop.
    await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [t] = yield* started(lock.acquire());
        lock.release();
        yield* t;
        lock.release();
      }),
    );
    // That loop is closed and nobody waits: the next loop that waits rebinds it.
    const e = await vexit(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [t] = yield* started(lock.acquire());
        lock.release();
        const ex = yield* exitOf(t);
        lock.release();
        return ex;
      }),
    );
    expect(e).toEqual(Exit.succeed(Exit.succeed(true)));
    // Waiting from a second loop while the first is live is an EventLoopError (a defect
    // of the waiting task).
    const loop1 = newEventLoop(V);
    const holder = loop1.createTask(
      Aio.gen(function* () {
        yield* lock.acquire();
        const [t] = yield* started(lock.acquire());
        yield* Aio.sleep(10);
        lock.release();
        yield* t;
        lock.release();
      }),
    );
    await loop1.runUntilComplete(Aio.sleep(1));
    const e2 = await vexit(lock.acquire());
    expect(defectOf(e2)).toBeInstanceOf(EventLoopError);
    await loop1.runUntilComplete(holder);
    loop1.close();
  });
});

// ---------------------------------------------------------------------------------------

describe("Event", () => {
  it("wait / set / clear / isSet", async () => {
    const ev = new Event();
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        const waiter = (name: string) => ev.wait().pipe(Aio.flatMap(() => log(name)));
        const ts = [yield* createTask(waiter("a")), yield* createTask(waiter("b"))];
        yield* Aio.sleep(10);
        expect(ev.isSet()).toBe(false);
        ev.set();
        ev.set(); // harmless
        expect(ev.isSet()).toBe(true);
        for (const t of ts) yield* t;
        yield* ev.wait(); // set: returns at once
        yield* log("passed");
        ev.clear();
        expect(ev.isSet()).toBe(false);
        const late = yield* createTask(waiter("late"));
        yield* Aio.sleep(5);
        expect(late.done()).toBe(false);
        ev.set();
        yield* late;
      }),
    );
    expect(lines).toEqual(["10:a", "10:b", "10:passed", "15:late"]);
    expect(String(ev)).toBe("<Event [set]>");
  });

  it("wait succeeds with true", async () => {
    const ev = new Event();
    ev.set();
    expect(await vrun(ev.wait())).toBe(true);
  });

  it("a cancelled waiter leaves; the others are still woken", async () => {
    const ev = new Event();
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(ev.wait(), ev.wait());
        yield* cancelAndJoin(a);
        ev.set();
        return [interrupted(a), yield* b];
      }),
    );
    expect(r).toEqual([true, true]);
  });

  it("set then clear before the waiters run still wakes them (asyncio)", async () => {
    const ev = new Event();
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(ev.wait());
        ev.set();
        ev.clear();
        return yield* a;
      }),
    );
    expect(r).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------

describe("Condition", () => {
  it("rejects a lock that is not a Lock", () => {
    expect(() => new Condition({} as unknown as Lock)).toThrow(TypeError);
  });

  it("wait without the lock is a LockNotAcquiredError defect; notify throws it", async () => {
    const cond = new Condition();
    const e = await vexit(cond.wait());
    expect(defectOf(e)).toBeInstanceOf(LockNotAcquiredError);
    expect(() => cond.notify()).toThrow(LockNotAcquiredError);
    expect(() => cond.notifyAll()).toThrow(LockNotAcquiredError);
  });

  it("notify(n) validates n", async () => {
    const cond = new Condition();
    await vrun(
      cond.withLock(
        Aio.sync(() => {
          expect(() => cond.notify(-1)).toThrow(RangeError);
          expect(() => cond.notify(Number.NaN)).toThrow(RangeError);
          cond.notify(0);
        }),
      ),
    );
  });

  it("waitFor rejects a non-function", () => {
    expect(() => new Condition().waitFor(1 as unknown as () => boolean)).toThrow(TypeError);
  });

  it("acquire / release / locked delegate to the lock; a given lock is shared", async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    await vrun(
      Aio.gen(function* () {
        expect(yield* cond.acquire()).toBe(true);
        expect(lock.locked()).toBe(true);
        expect(cond.locked()).toBe(true);
        cond.release();
        expect(lock.locked()).toBe(false);
        yield* lock.acquire();
        expect(cond.locked()).toBe(true);
        lock.release();
      }),
    );
  });

  it("notify wakes waiters one at a time in FIFO order, notifyAll wakes the rest", async () => {
    const cond = new Condition();
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        const waiter = (name: string) =>
          cond.withLock(
            Aio.gen(function* () {
              const r = yield* cond.wait();
              expect(cond.locked()).toBe(true); // the lock is held again
              yield* log(`${name} ${r}`);
            }),
          );
        const ts: Task<void>[] = [];
        for (const n of ["a", "b", "c", "d"]) ts.push(yield* createTask(waiter(n)));
        yield* settle;
        yield* Aio.sleep(10);
        yield* cond.withLock(Aio.sync(() => cond.notify()));
        yield* Aio.sleep(10);
        yield* cond.withLock(Aio.sync(() => cond.notify(2)));
        yield* Aio.sleep(10);
        yield* cond.withLock(Aio.sync(() => cond.notifyAll()));
        for (const t of ts) yield* t;
      }),
    );
    expect(lines).toEqual(["10:a true", "20:b true", "20:c true", "30:d true"]);
  });

  it("waitFor waits until the predicate holds and returns its value", async () => {
    const cond = new Condition();
    const items: number[] = [];
    const r = await vrun(
      Aio.gen(function* () {
        const consumer = yield* createTask(
          cond.withLock(
            Aio.gen(function* () {
              const n = yield* cond.waitFor(() => items.length >= 2 && items.length);
              return [n, items.splice(0)];
            }),
          ),
        );
        for (let i = 1; i <= 3; i++) {
          yield* Aio.sleep(10);
          yield* cond.withLock(Aio.sync(() => { items.push(i); cond.notifyAll(); }));
        }
        return yield* consumer;
      }),
    );
    expect(r).toEqual([2, [1, 2]]);
    // already true: no wait
    expect(await vrun(cond.withLock(cond.waitFor(() => "yes")))).toBe("yes");
  });

  it("a cancelled wait takes the lock back before the CancelledError propagates", async () => {
    const cond = new Condition();
    const r = await vrun(
      Aio.gen(function* () {
        const seen: boolean[] = [];
        const t = yield* createTask(
          cond.withLock(
            Aio.gen(function* () {
              try {
                yield* cond.wait();
              } catch (e) {
                seen.push(e instanceof CancelledError, cond.locked());
                throw e;
              }
            }),
          ),
        );
        yield* settle;
        // Hold the lock while cancelling: the waiter must wait for it before failing.
        yield* cond.acquire();
        t.cancel();
        yield* Aio.sleep(10);
        const doneWhileHeld = t.done();
        cond.release();
        yield* exitOf(t);
        return [seen, doneWhileHeld, interrupted(t), cond.locked()];
      }),
    );
    expect(r).toEqual([[true, true], false, true, false]);
  });

  it("a notified waiter that is cancelled passes the notification on", async () => {
    const cond = new Condition();
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(cond.withLock(cond.wait()), cond.withLock(cond.wait()));
        yield* cond.withLock(Aio.sync(() => cond.notify(1))); // notifies a
        yield* cancelAndJoin(a); // before a runs
        yield* Aio.sleep(10);
        return [interrupted(a), b.done() && b.result()];
      }),
    );
    expect(r).toEqual([true, true]);
  });

  it("a waiter cancelled while re-acquiring still ends cancelled, with the lock released", async () => {
    const cond = new Condition();
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(cond.withLock(cond.wait()));
        yield* cond.acquire();
        cond.notify();
        yield* settle; // a wakes and waits for the lock
        a.cancel(); // cancelled while re-acquiring
        a.cancel();
        yield* Aio.sleep(1);
        cond.release();
        yield* exitOf(a);
        return [interrupted(a), cond.locked()];
      }),
    );
    expect(r).toEqual([true, false]);
  });
});

// ---------------------------------------------------------------------------------------

describe("Semaphore", () => {
  it("validates its initial value", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore(Number.NaN)).toThrow(RangeError);
    expect(() => new BoundedSemaphore(-1)).toThrow(RangeError);
    expect(new Semaphore(0).locked()).toBe(true);
    expect(new Semaphore().value()).toBe(1);
  });

  it("acquire / release / locked / value", async () => {
    const sem = new Semaphore(2);
    const r = await vrun(
      Aio.gen(function* () {
        const out: unknown[] = [];
        out.push(yield* sem.acquire(), sem.value(), sem.locked());
        out.push(yield* sem.acquire(), sem.value(), sem.locked());
        sem.release();
        out.push(sem.value(), sem.locked());
        sem.release();
        sem.release(); // a plain Semaphore may go above its initial value
        out.push(sem.value());
        return out;
      }),
    );
    expect(r).toEqual([true, 1, false, true, 0, true, 1, false, 3]);
  });

  it("withPermit bounds concurrency and releases on every exit", async () => {
    const sem = new Semaphore(2);
    let active = 0;
    let peak = 0;
    const job = (i: number) =>
      Aio.gen(function* () {
        active++;
        peak = Math.max(peak, active);
        yield* Aio.sleep(10);
        active--;
        if (i % 3 === 0) return yield* Aio.fail(`job ${i}`);
        return i;
      });
    const loopTime = await vrun(
      Aio.gen(function* () {
        const ts = [];
        for (let i = 0; i < 6; i++) ts.push(yield* createTask(i % 2 === 0 ? withPermit(sem)(job(i)) : sem.withPermit(job(i))));
        for (const t of ts) yield* exitOf(t);
        return getRunningLoop().time();
      }),
    );
    expect(peak).toBe(2);
    expect(loopTime).toBe(30);
    expect(sem.value()).toBe(2);
  });

  it("is FIFO: a task arriving while others wait queues behind them", async () => {
    const sem = new Semaphore(1);
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        yield* sem.acquire();
        const w = (n: string) => sem.withPermit(Aio.gen(function* () { yield* log(n); yield* Aio.sleep(1); }));
        const ts = [yield* createTask(w("a")), yield* createTask(w("b"))];
        yield* settle;
        sem.release(); // hands the permit to a
        expect(sem.locked()).toBe(true);
        ts.push(yield* createTask(w("c")));
        for (const t of ts) yield* t;
      }),
    );
    expect(lines).toEqual(["0:a", "1:b", "2:c"]);
    expect(sem.value()).toBe(1);
  });

  it("a cancelled waiter takes no permit", async () => {
    const sem = new Semaphore(0);
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(sem.acquire(), sem.acquire());
        yield* cancelAndJoin(a);
        sem.release();
        const gotB = yield* b;
        return [interrupted(a), gotB, sem.value()];
      }),
    );
    expect(r).toEqual([true, true, 0]);
  });

  it("a permit handed to a waiter cancelled before it runs goes to the next waiter", async () => {
    const sem = new Semaphore(0);
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(sem.acquire(), sem.acquire());
        sem.release(); // hands the permit to a (value stays 0)
        expect(sem.value()).toBe(0);
        yield* cancelAndJoin(a);
        const gotB = yield* b;
        const valueWhileBHolds = sem.value();
        sem.release();
        return [interrupted(a), gotB, valueWhileBHolds, sem.value()];
      }),
    );
    expect(r).toEqual([true, true, 0, 1]);
  });

  it("a permit handed to a cancelled waiter with nobody behind goes back to the semaphore", async () => {
    const sem = new Semaphore(0);
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(sem.acquire());
        sem.release();
        yield* cancelAndJoin(a);
        return [interrupted(a), sem.value(), sem.locked()];
      }),
    );
    expect(r).toEqual([true, 1, false]);
  });

  it("BoundedSemaphore: releasing past the initial value is a SemaphoreReleaseError", async () => {
    const sem = new BoundedSemaphore(2);
    expect(() => sem.release()).toThrow(SemaphoreReleaseError);
    await vrun(
      Aio.gen(function* () {
        yield* sem.acquire();
        yield* sem.acquire();
        sem.release();
        sem.release();
      }),
    );
    expect(sem.value()).toBe(2);
    try {
      sem.release();
    } catch (e) {
      expect((e as SemaphoreReleaseError)._tag).toBe("SemaphoreReleaseError");
      expect((e as Error).message).toBe("BoundedSemaphore released too many times");
    }
    expect(String(sem)).toBe("<BoundedSemaphore [unlocked, value:2]>");
  });

  it("BoundedSemaphore withPermit under cancellation never over-releases", async () => {
    const sem = new BoundedSemaphore(1);
    await vrun(
      Aio.gen(function* () {
        const ts = [];
        for (let i = 0; i < 5; i++) ts.push(yield* createTask(sem.withPermit(Aio.sleep(10))));
        yield* Aio.sleep(15);
        ts[1]!.cancel(); // holding
        ts[3]!.cancel(); // waiting
        for (const t of ts) yield* exitOf(t);
      }),
    );
    expect(sem.value()).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------

describe("Barrier", () => {
  it("validates parties", () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(-2)).toThrow(RangeError);
    expect(() => new Barrier(1.5)).toThrow(RangeError);
    expect(new Barrier(3).parties).toBe(3);
  });

  it("releases all parties together, with their arrival indices; is reusable", async () => {
    const barrier = new Barrier(3);
    const { lines, log } = makeLog();
    await vrun(
      Aio.gen(function* () {
        const party = (name: string, delay: number) =>
          Aio.gen(function* () {
            for (let round = 0; round < 2; round++) {
              yield* Aio.sleep(delay);
              const i = yield* barrier.wait();
              yield* log(`${name}#${round}=${i}`);
            }
          });
        const ts = [yield* createTask(party("a", 5)), yield* createTask(party("b", 10)), yield* createTask(party("c", 1))];
        yield* Aio.sleep(7);
        expect(barrier.nWaiting).toBe(2);
        for (const t of ts) yield* t;
      }),
    );
    expect([...lines].sort(byTimeThenIndex)).toEqual(["10:c#0=0", "10:a#0=1", "10:b#0=2", "20:c#1=0", "20:a#1=1", "20:b#1=2"]);
    expect(barrier.nWaiting).toBe(0);
    expect(barrier.broken).toBe(false);
  });

  it("Barrier(1) passes at once", async () => {
    expect(await vrun(new Barrier(1).wait())).toBe(0);
  });

  it("abort breaks it: waiting and later tasks fail with BrokenBarrierError; reset repairs", async () => {
    const barrier = new Barrier(3);
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(barrier.wait());
        yield* barrier.abort();
        const ea = yield* exitOf(a);
        const later = yield* exitOf(barrier.wait());
        const broken = barrier.broken;
        yield* barrier.reset();
        const fixed = !barrier.broken;
        return [ea, later, broken, fixed];
      }),
    );
    const [ea, later, broken, fixed] = r as [Exit.Exit<number, BrokenBarrierError>, Exit.Exit<number, BrokenBarrierError>, boolean, boolean];
    expect(ea._tag === "Failure" && ea.cause._tag === "Fail" && ea.cause.error).toBeInstanceOf(BrokenBarrierError);
    expect(later._tag === "Failure" && later.cause._tag === "Fail" && later.cause.error).toBeInstanceOf(BrokenBarrierError);
    expect([broken, fixed]).toEqual([true, true]);
  });

  it("reset sends the waiting tasks a BrokenBarrierError and refills", async () => {
    const barrier = new Barrier(2);
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(barrier.wait());
        yield* barrier.reset();
        const ea = yield* exitOf(a);
        // usable again (b starts after the main task arrived: it is second)
        const b = yield* createTask(barrier.wait());
        const c = yield* barrier.wait();
        return [ea._tag === "Failure" && ea.cause._tag === "Fail" && ea.cause.error._tag, yield* b, c];
      }),
    );
    expect(r).toEqual(["BrokenBarrierError", 1, 0]);
  });

  it("a cancelled waiter no longer counts as arrived", async () => {
    const barrier = new Barrier(2);
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(barrier.wait());
        expect(barrier.nWaiting).toBe(1);
        yield* cancelAndJoin(a);
        const n = barrier.nWaiting;
        const [b] = yield* started(barrier.wait());
        const bDoneAlone = b.done();
        const c = yield* barrier.wait();
        return [interrupted(a), n, bDoneAlone, yield* b, c];
      }),
    );
    expect(r).toEqual([true, 0, false, 0, 1]);
  });
});

/** Sorts "t:name#round=i" lines by time, then by arrival index. */
function byTimeThenIndex(x: string, y: string): number {
  const [tx, ix] = [Number(x.split(":")[0]), Number(x.split("=")[1])];
  const [ty, iy] = [Number(y.split(":")[0]), Number(y.split("=")[1])];
  return tx - ty || ix - iy;
}

describe("loop binding", () => {
  it("a primitive waited on in one live loop cannot wait in another; once closed, it rebinds", async () => {
    const ev = new Event();
    const loop1 = newEventLoop(V);
    const t = loop1.createTask(ev.wait());
    await loop1.runUntilComplete(Aio.sleep(1));
    const live = await vexit(ev.wait());
    expect(defectOf(live)).toBeInstanceOf(EventLoopError);
    ev.set();
    await loop1.runUntilComplete(t);
    loop1.close();
    ev.clear();
    const e = await vexit(
      Aio.gen(function* () {
        const [w] = yield* started(ev.wait());
        ev.set();
        return yield* w;
      }),
    );
    expect(e).toEqual(Exit.succeed(true));
  });
});
