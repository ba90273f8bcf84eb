/**
 * Waiter queues at scale and at their boundaries (issue 8 §3 "Linear waiter queues").
 *
 * - `WaiterQueue` (src/sync-internal.ts) against an array model: O(1) leave from anywhere,
 *   the "first not done" / "first not cancelled" cursors.
 * - Every primitive with 10^5 waiters, every other one cancelled: exactly the cancelled
 *   ones end interrupted, the others get through in FIFO order, the counts left behind
 *   are exact. (Before the waiter queue these took 8–22 s each: waiters left through an
 *   O(n) `Deque.remove`, and wake-ups rescanned done waiters. Timings are in `npm run
 *   bench`, rows W-*; these tests check correctness only.)
 * - Boundaries, for each primitive: 0, 1, 2 waiters; cancelling the first, the last, all;
 *   cancelling a waiter already woken (asyncio passes the wake-up on).
 *
 * Everything runs on virtual-time loops.
 */
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { Aio, Future, createTask, type Task } from "../src/index.js";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore } from "../src/locks.js";
import { LifoQueue, PriorityQueue, Queue } from "../src/queues.js";
import { WaiterQueue, type Waiter } from "../src/sync-internal.js";
import { interrupted, settle, vrun } from "./helpers.js";

// ---------------------------------------------------------------------------------------
// WaiterQueue

describe("WaiterQueue", () => {
  /** A stand-in future: done / cancelled are set by the test. */
  interface Fake {
    readonly id: number;
    isDone: boolean;
    isCancelled: boolean;
    done(): boolean;
    cancelled(): boolean;
  }
  const fake = (id: number): Fake => ({
    id,
    isDone: false,
    isCancelled: false,
    done() {
      return this.isDone;
    },
    cancelled() {
      return this.isCancelled;
    },
  });

  type Op =
    | { op: "push" }
    | { op: "remove"; k: number }
    | { op: "shift" }
    | { op: "done"; k: number }
    | { op: "cancel"; k: number }
    | { op: "pending" }
    | { op: "live" };
  const k = fc.nat({ max: 1000 });
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ op: "push" as const }) },
    { weight: 2, arbitrary: k.map((k) => ({ op: "remove" as const, k })) },
    { weight: 1, arbitrary: fc.constant({ op: "shift" as const }) },
    { weight: 2, arbitrary: k.map((k) => ({ op: "done" as const, k })) },
    { weight: 2, arbitrary: k.map((k) => ({ op: "cancel" as const, k })) },
    { weight: 2, arbitrary: fc.constant({ op: "pending" as const }) },
    { weight: 2, arbitrary: fc.constant({ op: "live" as const }) },
  );

  it("behaves as an array scanned from the front, whatever joins, leaves or completes", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new WaiterQueue<Fake>();
        const model: Fake[] = [];
        // Every node ever pushed (removed ones too: removing twice must be a no-op).
        const nodes: Array<Waiter<Fake>> = [];
        let next = 0;
        for (const o of ops) {
          switch (o.op) {
            case "push": {
              const f = fake(next++);
              nodes.push(q.push(f));
              model.push(f);
              break;
            }
            case "remove": {
              if (nodes.length === 0) break;
              const node = nodes[o.k % nodes.length]!;
              const i = model.indexOf(node.fut);
              if (i >= 0) model.splice(i, 1);
              expect(q.remove(node)).toBe(i >= 0);
              expect(node.linked).toBe(false);
              break;
            }
            case "shift":
              expect(q.shift()).toBe(model.shift());
              break;
            case "done":
            case "cancel": {
              if (nodes.length === 0) break;
              const f = nodes[o.k % nodes.length]!.fut;
              f.isDone = true;
              if (o.op === "cancel") f.isCancelled = true;
              break;
            }
            case "pending":
              expect(q.firstPending()?.fut).toBe(model.find((f) => !f.done()));
              break;
            case "live":
              expect(q.firstLive()?.fut).toBe(model.find((f) => !f.cancelled()));
              break;
          }
          expect(q.length).toBe(model.length);
          expect(q.peek()?.fut).toBe(model[0]);
        }
        expect(q.toArray()).toEqual(model);
        expect(q.firstPending()?.fut).toBe(model.find((f) => !f.done()));
        expect(q.firstLive()?.fut).toBe(model.find((f) => !f.cancelled()));
      }),
      { numRuns: 500 },
    );
  });

  it("a cursor on a waiter that leaves moves to its successor", () => {
    const q = new WaiterQueue<Fake>();
    const [a, b, c] = [fake(0), fake(1), fake(2)];
    q.push(a);
    const nb = q.push(b);
    q.push(c);
    a.isDone = true;
    expect(q.firstPending()?.fut).toBe(b); // the cursor now points at b
    q.remove(nb);
    expect(q.firstPending()?.fut).toBe(c);
    c.isDone = true;
    expect(q.firstPending()).toBe(null);
    // Past the end, a new waiter is where the cursor stops.
    const d = fake(3);
    q.push(d);
    expect(q.firstPending()?.fut).toBe(d);
    expect(q.toArray()).toEqual([a, c, d]);
  });
});

// ---------------------------------------------------------------------------------------
// At scale

const N = 100_000;

/**
 * Starts `n` tasks running `waiter(i, got)`, lets them suspend, cancels every other one
 * (0, 2, 4, ...) unless `cancelAfterWake`, runs `wake(n / 2)`, cancels them now if
 * `cancelAfterWake` (the wake-ups already given must pass on), and joins them all. Checks
 * that exactly the cancelled ones ended interrupted; returns what the others pushed into
 * `got`, in the order they got through.
 */
const everyOtherCancelled = <T>(
  n: number,
  waiter: (i: number, got: T[]) => Aio.Aio<unknown, unknown>,
  wake: (remaining: number) => Aio.Aio<unknown, unknown>,
  cancelAfterWake = false,
): Aio.Aio<T[], unknown> =>
  Aio.gen(function* () {
    const got: T[] = [];
    const tasks: Array<Task<unknown, unknown>> = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = yield* createTask(waiter(i, got));
    yield* settle;
    const cancelEvens = (): void => {
      for (let i = 0; i < n; i += 2) tasks[i]!.cancel();
    };
    if (!cancelAfterWake) cancelEvens();
    yield* wake(n >> 1);
    if (cancelAfterWake) cancelEvens();
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      yield* Aio.exit(Aio.from(tasks[i]!));
      if (interrupted(tasks[i]!) !== (i % 2 === 0)) wrong++;
    }
    expect(wrong).toBe(0);
    return got;
  });

/** The odd indices below n, in order: the waiters not cancelled. */
const odds = (n: number): number[] => Array.from({ length: n >> 1 }, (_, k) => 2 * k + 1);

/** Pushes `i` into `got` after `aio`. */
const thenRecord = <A, E>(aio: Aio.Aio<A, E>, i: number, got: number[]): Aio.Aio<void, E> =>
  aio.pipe(Aio.map(() => void got.push(i)));

describe("10^5 waiters, every other one cancelled: the rest get through in FIFO order", () => {
  it("Event.set", async () => {
    const ev = new Event();
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => thenRecord(ev.wait(), i, got),
        () => Aio.sync(() => ev.set()),
      ),
    );
    expect(got).toEqual(odds(N));
    expect(String(ev)).toBe("<Event [set]>"); // no waiter left behind
  });

  it("Condition.notify(1), one by one", async () => {
    const cond = new Condition();
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => cond.withLock(thenRecord(cond.wait(), i, got)),
        (remaining) =>
          cond.withLock(
            Aio.sync(() => {
              for (let k = 0; k < remaining; k++) cond.notify(1);
            }),
          ),
      ),
    );
    expect(got).toEqual(odds(N));
    expect(String(cond)).toBe("<Condition [unlocked]>");
  });

  it("Condition.notifyAll", async () => {
    const cond = new Condition();
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => cond.withLock(thenRecord(cond.wait(), i, got)),
        () => cond.withLock(Aio.sync(() => cond.notifyAll())),
      ),
    );
    expect(got).toEqual(odds(N));
    expect(String(cond)).toBe("<Condition [unlocked]>");
  });

  it("Lock, handed from waiter to waiter", async () => {
    const lock = new Lock();
    const got = await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        return yield* everyOtherCancelled(
          N,
          (i, got: number[]) =>
            Aio.gen(function* () {
              yield* lock.acquire();
              got.push(i);
              lock.release();
            }),
          () => Aio.sync(() => lock.release()),
        );
      }),
    );
    expect(got).toEqual(odds(N));
    expect([lock.locked(), lock.waiters()]).toEqual([false, 0]);
  });

  it("Lock, each waiter cancelled right after it was handed the lock passes it on", async () => {
    // The release hands the lock to waiter 0, cancelled at once (woken, not yet run);
    // it passes the lock on, and each release skips no live waiter.
    const lock = new Lock();
    const got = await vrun(
      Aio.gen(function* () {
        yield* lock.acquire();
        return yield* everyOtherCancelled(
          N,
          (i, got: number[]) =>
            Aio.gen(function* () {
              yield* lock.acquire();
              got.push(i);
              lock.release();
            }),
          () => Aio.sync(() => lock.release()), // wakes waiter 0, cancelled at once
          true,
        );
      }),
    );
    expect(got).toEqual(odds(N));
    expect([lock.locked(), lock.waiters()]).toEqual([false, 0]);
  });

  it("Semaphore, released one by one", async () => {
    const sem = new Semaphore(0);
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => thenRecord(sem.acquire(), i, got),
        (remaining) =>
          Aio.sync(() => {
            for (let k = 0; k < remaining; k++) sem.release();
          }),
      ),
    );
    expect(got).toEqual(odds(N));
    expect([sem.value(), String(sem)]).toEqual([0, "<Semaphore [locked]>"]);
  });

  it("Semaphore: permits handed to waiters cancelled before they run go back", async () => {
    const sem = new Semaphore(0);
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => thenRecord(sem.acquire(), i, got),
        () =>
          Aio.sync(() => {
            for (let k = 0; k < N; k++) sem.release(); // a permit for every waiter
          }),
        true,
      ),
    );
    expect(got).toEqual(odds(N));
    expect(sem.value()).toBe(N / 2); // exactly the cancelled waiters' permits
    expect(String(sem)).toBe(`<Semaphore [unlocked, value:${N / 2}]>`);
  });

  it("BoundedSemaphore, released one by one", async () => {
    const sem = new BoundedSemaphore(N / 2);
    const got = await vrun(
      Aio.gen(function* () {
        for (let k = 0; k < N / 2; k++) yield* sem.acquire();
        return yield* everyOtherCancelled(
          N,
          (i, got: number[]) => thenRecord(sem.acquire(), i, got),
          (remaining) =>
            Aio.sync(() => {
              for (let k = 0; k < remaining; k++) sem.release();
            }),
        );
      }),
    );
    expect(got).toEqual(odds(N));
    expect(sem.value()).toBe(0);
    expect(() => sem.release()).not.toThrow(); // N / 2 permits are held: room to release
  });

  it("Barrier: the cancelled leave it, the rest pass with the late arrivals", async () => {
    const n = N / 2; // each waiter costs a condition wait and two lock hand-offs
    const barrier = new Barrier(n + 1);
    const got = await vrun(
      everyOtherCancelled(
        n,
        (i, got: number[]) => barrier.wait().pipe(Aio.map((index) => void got.push(index))),
        (remaining) =>
          Aio.gen(function* () {
            while (barrier.nWaiting > remaining) yield* Aio.yieldNow; // the cancelled leave
            expect(barrier.nWaiting).toBe(remaining);
            const late: Array<Task<number, unknown>> = [];
            for (let k = 0; k < n - remaining; k++) late.push(yield* createTask(barrier.wait()));
            const mine = yield* barrier.wait();
            const indices = [mine];
            for (const t of late) indices.push(yield* t);
            return indices;
          }),
      ),
    );
    // Waiter i arrived with index i (asyncio's index is the count at arrival).
    expect([...got].sort((a, b) => a - b)).toEqual(odds(n));
    expect([barrier.nWaiting, barrier.broken]).toEqual([0, false]);
  });

  for (const [name, make] of [
    ["Queue", () => new Queue<number>()],
    ["PriorityQueue", () => new PriorityQueue<number>((a, b) => a - b)],
    ["LifoQueue", () => new LifoQueue<number>()],
  ] as const) {
    it(`${name}: getters fed one item each`, async () => {
      const q = make();
      const got = await vrun(
        everyOtherCancelled(
          N,
          (i, got: Array<[number, number]>) => q.get().pipe(Aio.map((x) => void got.push([i, x]))),
          (remaining) =>
            Aio.sync(() => {
              for (let k = 0; k < remaining; k++) q.putNowait(k);
            }),
        ),
      );
      expect(got.map(([i]) => i)).toEqual(odds(N));
      // Every item is put before any getter runs; the k-th getter to run takes the
      // next item in the queue's order.
      const items = odds(N).map((_, k) => k);
      expect(got.map(([, x]) => x)).toEqual(name === "LifoQueue" ? items.reverse() : items);
      expect(String(q)).toBe(`<${name} maxsize=0 qsize=0 tasks=${N / 2}>`);
    });
  }

  it("Queue: getters cancelled after a put woke them leave the item to the next", async () => {
    const q = new Queue<number>();
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: Array<[number, number]>) => q.get().pipe(Aio.map((x) => void got.push([i, x]))),
        () =>
          Aio.sync(() => {
            for (let k = 0; k < N; k++) q.putNowait(k); // an item for every getter
          }),
        true,
      ),
    );
    expect(got).toEqual(odds(N).map((i, k) => [i, k]));
    expect(String(q)).toBe(`<Queue maxsize=0 qsize=${N / 2} tasks=${N}>`);
  });

  it("Queue: putters of a full queue drained one by one", async () => {
    const q = new Queue<number>(1);
    q.putNowait(-1);
    const taken: number[] = [];
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => thenRecord(q.put(i), i, got),
        (remaining) =>
          Aio.gen(function* () {
            for (let k = 0; k <= remaining; k++) taken.push(yield* q.get());
          }),
      ),
    );
    expect(got).toEqual(odds(N));
    expect(taken).toEqual([-1, ...odds(N)]);
    expect(String(q)).toBe(`<Queue maxsize=1 qsize=0 tasks=${N / 2 + 1}>`);
  });

  it("Queue.join: every joiner returns on the last taskDone", async () => {
    const q = new Queue<number>();
    q.putNowait(0);
    const got = await vrun(
      everyOtherCancelled(
        N,
        (i, got: number[]) => thenRecord(q.join(), i, got),
        () => Aio.sync(() => q.taskDone()),
      ),
    );
    expect(got).toEqual(odds(N));
  });
});

// ---------------------------------------------------------------------------------------
// Scans pass each waiter once: counted, not timed

/**
 * Starts `n` tasks running `waiter`, lets them suspend, cancels those `cancel(i)` picks,
 * runs `prepare`, then runs `act` synchronously while counting calls of
 * `Future.prototype[method]`; the count.
 */
const countCalls = (
  n: number,
  waiter: Aio.Aio<unknown, unknown>,
  cancel: (i: number) => boolean,
  method: "done" | "cancelled",
  act: () => void,
  prepare: Aio.Aio<unknown> = Aio.void,
): Promise<number> =>
  vrun(
    Aio.gen(function* () {
      const tasks: Array<Task<unknown, unknown>> = [];
      for (let i = 0; i < n; i++) tasks.push(yield* createTask(waiter));
      yield* settle;
      for (let i = 0; i < n; i++) if (cancel(i)) tasks[i]!.cancel();
      yield* prepare;
      const spy = vi.spyOn(Future.prototype, method);
      try {
        act();
        return spy.mock.calls.length;
      } finally {
        spy.mockRestore();
        for (const t of tasks) t.cancel();
        for (const t of tasks) yield* Aio.exit(Aio.from(t));
      }
    }),
  );

describe("wake-ups pass each waiter once (future calls counted: linear, not quadratic)", () => {
  const n = 3000;

  it("Semaphore.release × n with n waiters (asyncio rescans the woken ones: n²/2)", async () => {
    const sem = new Semaphore(0);
    const calls = await countCalls(n, sem.acquire(), () => false, "done", () => {
      for (let k = 0; k < n; k++) sem.release();
    });
    expect(calls).toBeLessThanOrEqual(2 * n);
  });

  it("Condition.notify(1) × n with n waiters", async () => {
    const cond = new Condition();
    const calls = await countCalls(
      n,
      cond.withLock(cond.wait()),
      () => false,
      "done",
      () => {
        for (let k = 0; k < n; k++) cond.notify(1);
        cond.release();
      },
      cond.acquire(), // free: every waiter released it
    );
    expect(calls).toBeLessThanOrEqual(2 * n);
  });

  it("Event.set / clear × n with n waiters, every other one cancelled", async () => {
    const ev = new Event();
    const calls = await countCalls(n, ev.wait(), (i) => i % 2 === 0, "done", () => {
      for (let k = 0; k < n; k++) {
        ev.set();
        ev.clear();
      }
    });
    expect(calls).toBeLessThanOrEqual(2 * n);
  });

  it("Semaphore.locked() × n with the first n − 1 waiters cancelled (asyncio: any(not cancelled))", async () => {
    const sem = new Semaphore(0);
    const calls = await countCalls(n, sem.acquire(), (i) => i < n - 1, "cancelled", () => {
      // The first release wakes the last waiter; the second leaves a permit free, so
      // locked() asks whether some waiter is not cancelled: the woken one, behind n − 1.
      sem.release();
      sem.release();
      for (let k = 0; k < n; k++) expect(sem.locked()).toBe(true);
    });
    expect(calls).toBeLessThanOrEqual(2 * n);
  });
});

// ---------------------------------------------------------------------------------------
// Boundaries

/**
 * A primitive seen uniformly: `setup` puts it in its "waiters must wait" state (run in
 * the program), `waiter(i, got)` waits and pushes `i` once through, `wake` gives one
 * wake-up (every waiter, for a `broadcast` primitive), `state` prints what is left.
 */
interface Kit {
  readonly setup: Aio.Aio<unknown>;
  readonly waiter: (i: number, got: number[]) => Aio.Aio<unknown, unknown>;
  readonly wake: Aio.Aio<unknown>;
  readonly state: () => string;
}

const kits: ReadonlyArray<readonly [string, boolean, () => Kit]> = [
  [
    "Lock",
    false,
    () => {
      const lock = new Lock();
      // Each waiter keeps the lock; `wake` releases it for whoever holds it.
      return {
        setup: lock.acquire(),
        waiter: (i, got) => thenRecord(lock.acquire(), i, got),
        wake: Aio.sync(() => lock.release()),
        state: () => `${String(lock)} waiters=${lock.waiters()}`,
      };
    },
  ],
  [
    "Semaphore",
    false,
    () => {
      const sem = new Semaphore(0);
      return {
        setup: Aio.void,
        waiter: (i, got) => thenRecord(sem.acquire(), i, got),
        wake: Aio.sync(() => sem.release()),
        state: () => String(sem),
      };
    },
  ],
  [
    "BoundedSemaphore",
    false,
    () => {
      const sem = new BoundedSemaphore(1);
      return {
        setup: sem.acquire(),
        waiter: (i, got) => thenRecord(sem.acquire(), i, got),
        wake: Aio.sync(() => sem.release()),
        state: () => String(sem),
      };
    },
  ],
  [
    "Condition",
    false,
    () => {
      const cond = new Condition();
      return {
        setup: Aio.void,
        waiter: (i, got) => cond.withLock(thenRecord(cond.wait(), i, got)),
        wake: cond.withLock(Aio.sync(() => cond.notify(1))),
        state: () => String(cond),
      };
    },
  ],
  [
    "Queue.get",
    false,
    () => {
      const q = new Queue<number>();
      return {
        setup: Aio.void,
        waiter: (i, got) => thenRecord(q.get(), i, got),
        wake: Aio.sync(() => q.putNowait(0)),
        state: () => String(q),
      };
    },
  ],
  [
    "Queue.put",
    false,
    () => {
      const q = new Queue<number>(1);
      return {
        setup: Aio.sync(() => q.putNowait(-1)),
        waiter: (i, got) => thenRecord(q.put(i), i, got),
        wake: Aio.sync(() => q.getNowait()),
        state: () => String(q),
      };
    },
  ],
  [
    "Event",
    true,
    () => {
      const ev = new Event();
      return {
        setup: Aio.void,
        waiter: (i, got) => thenRecord(ev.wait(), i, got),
        wake: Aio.sync(() => ev.set()),
        state: () => String(ev),
      };
    },
  ],
  [
    "Condition.notifyAll",
    true,
    () => {
      const cond = new Condition();
      return {
        setup: Aio.void,
        waiter: (i, got) => cond.withLock(thenRecord(cond.wait(), i, got)),
        wake: cond.withLock(Aio.sync(() => cond.notifyAll())),
        state: () => String(cond),
      };
    },
  ],
  [
    "Queue.join",
    true,
    () => {
      const q = new Queue<number>();
      return {
        setup: Aio.sync(() => q.putNowait(0)),
        waiter: (i, got) => thenRecord(q.join(), i, got),
        wake: Aio.sync(() => q.taskDone()),
        state: () => String(q),
      };
    },
  ],
];

interface Outcome {
  readonly got: number[];
  readonly interrupted: number[];
  readonly state: string;
}

/**
 * `n` waiters on a fresh kit; cancels `cancel` (indices) before the wake-ups, or just
 * after the first one with `cancelAfterWake`; gives `wakes` wake-ups (settling between
 * them), then joins everything.
 */
const scenario = (make: () => Kit, n: number, cancel: readonly number[], wakes: number, cancelAfterWake = false) =>
  vrun(
    Aio.gen(function* () {
      const kit = make();
      yield* kit.setup;
      const got: number[] = [];
      const tasks: Array<Task<unknown, unknown>> = [];
      for (let i = 0; i < n; i++) tasks.push(yield* createTask(kit.waiter(i, got)));
      yield* settle;
      const doCancel = (): void => {
        for (const i of cancel) tasks[i]!.cancel();
      };
      if (!cancelAfterWake) doCancel();
      for (let w = 0; w < wakes; w++) {
        yield* kit.wake;
        if (w === 0 && cancelAfterWake) doCancel();
        yield* settle;
      }
      for (const t of tasks) yield* Aio.exit(Aio.from(t));
      const out: Outcome = {
        got,
        interrupted: tasks.flatMap((t, i) => (interrupted(t) ? [i] : [])),
        state: kit.state(),
      };
      return out;
    }),
  );

describe("boundaries: 0, 1, 2 waiters; cancelling the first, the last, all, a woken one", () => {
  for (const [name, broadcast, make] of kits) {
    describe(name, () => {
      it("0 waiters: a wake-up finds nobody; 1 or 2 waiters all cancelled leave the same state", async () => {
        const none = await scenario(make, 0, [], 1);
        expect(none.got).toEqual([]);
        const one = await scenario(make, 1, [0], 1);
        const two = await scenario(make, 2, [0, 1], 1);
        for (const o of [one, two]) {
          expect(o.got).toEqual([]);
          expect(o.state).toBe(none.state); // as if nobody had waited
        }
        expect(one.interrupted).toEqual([0]);
        expect(two.interrupted).toEqual([0, 1]);
      });

      it("1 waiter: woken; 2 waiters: woken in FIFO order", async () => {
        expect((await scenario(make, 1, [], 1)).got).toEqual([0]);
        const two = await scenario(make, 2, [], broadcast ? 1 : 2);
        expect(two.got).toEqual([0, 1]);
        expect(two.interrupted).toEqual([]);
      });

      it("cancelling the first of 2: the second gets the wake-up", async () => {
        const o = await scenario(make, 2, [0], 1);
        expect([o.got, o.interrupted]).toEqual([[1], [0]]);
      });

      it("cancelling the last of 2: the first gets the wake-up, nothing is left waiting", async () => {
        const o = await scenario(make, 2, [1], 1);
        expect([o.got, o.interrupted]).toEqual([[0], [1]]);
        expect(o.state).toBe((await scenario(make, 1, [], 1)).state);
      });

      it("cancelling the middle of 3: the first and the third get through", async () => {
        const o = await scenario(make, 3, [1], broadcast ? 1 : 2);
        expect([o.got, o.interrupted]).toEqual([[0, 2], [1]]);
      });

      it("a waiter cancelled after it was woken: the wake-up passes on (asyncio)", async () => {
        // The wake-up went to waiter 0, which is cancelled before it runs.
        const o = await scenario(make, 2, [0], 1, true);
        expect(o.interrupted).toEqual([0]);
        expect(o.got).toEqual([1]);
        expect(o.state).toBe((await scenario(make, 2, [0], 1)).state);
      });
    });
  }

  it("Barrier: a cancelled waiter no longer counts; 0 waiters of a 1-party barrier pass at once", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const one = new Barrier(1);
        const alone = yield* one.wait();
        const barrier = new Barrier(3);
        const a = yield* createTask(barrier.wait());
        const b = yield* createTask(barrier.wait());
        yield* settle;
        const before = barrier.nWaiting;
        a.cancel();
        yield* Aio.exit(Aio.from(a));
        const afterCancel = barrier.nWaiting;
        const c = yield* createTask(barrier.wait());
        const mine = yield* barrier.wait();
        return [alone, before, afterCancel, interrupted(a), yield* b, yield* c, mine, barrier.nWaiting];
      }),
    );
    // asyncio's index is the count at arrival: the main task arrives with 1 waiting (b),
    // as b did; c (created first, run after) arrives last.
    expect(r).toEqual([0, 2, 1, true, 1, 2, 1, 0]);
  });
});
