/**
 * Property tests: random schedules of producers, consumers, lock and semaphore users, and
 * cancellations at random times, run on the virtual-time loop (many events share a tick,
 * so cancellations land between a wake-up and the woken task's turn). Checked:
 *
 * - Queue (FIFO, LIFO, priority; bounded or not): every item whose `put` succeeded is
 *   got exactly once or is still in the queue, and nothing else is; at quiescence no
 *   getter waits on a non-empty queue and no putter on a non-full one; `join` is
 *   released once every item is done; the run completes.
 * - Lock: never two holders; free and without waiters at the end; the run completes.
 * - Semaphore / BoundedSemaphore: never more holders than permits; all permits back at
 *   the end; the run completes.
 * - Condition (a bounded buffer on two conditions over one lock, `notify(1)`): no item
 *   lost or duplicated, no notification lost (at quiescence no consumer sleeps while an
 *   item is buffered, no producer while there is room).
 * - Wake-up / cancellation races, one property per primitive: waiters block, then one
 *   burst of wake-ups (put, get, release, notify) and cancellations in random order lands
 *   cancellations between a wake-up and the woken task's turn; the wake-up must be passed
 *   on (asyncio's `_wake_up_first` / `_wakeup_next` / re-notify paths), never lost.
 *
 * Every program has a watchdog: the main task sleeps past the end of the schedule and
 * then checks that every worker is finished (or, for queues, blocked as it should be),
 * so a lost wake-up fails the property instead of hanging the test.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Aio, createTask, type Task } from "../src/index.js";
import { BoundedSemaphore, Condition, Lock, Semaphore } from "../src/locks.js";
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from "../src/queues.js";
import { cancelAndJoin, exitOf, vrun } from "./helpers.js";

const NUM_RUNS = 1000;
/** Virtual ms after which every scheduled sleep and cancellation has happened. */
const QUIET = 10_000;

/**
 * When to cancel a worker: at loop time `at`, after `yields` more loop iterations (so the
 * cancellation can land between a wake-up and the woken task's turn), once or twice.
 */
interface CancelSpec {
  readonly at: number;
  readonly yields: number;
  readonly twice: boolean;
}

/** Starts a task that cancels `task` as `spec` says; returns it (or undefined). */
const cancelLater = (task: Task<unknown, unknown>, spec: CancelSpec | undefined): Aio.Aio<Task<void> | undefined> =>
  spec === undefined
    ? Aio.succeed(undefined)
    : createTask(
        Aio.gen(function* () {
          yield* Aio.sleep(spec.at);
          for (let i = 0; i < spec.yields; i++) yield* Aio.yieldNow;
          task.cancel();
          if (spec.twice) {
            yield* Aio.yieldNow;
            task.cancel();
          }
        }),
      );

/**
 * Joins `tasks`; returns a description of each that ended otherwise than by success,
 * cancellation, or a typed failure `allowed` accepts (a defect, e.g. releasing a lock
 * that is not held, shows here).
 */
const badExits = (
  tasks: ReadonlyArray<Task<unknown, unknown>>,
  allowed: (error: unknown) => boolean = () => false,
): Aio.Aio<string[]> =>
  Aio.gen(function* () {
    const bad: string[] = [];
    for (const t of tasks) {
      const e = yield* exitOf(t);
      if (e._tag === "Success" || e.cause._tag === "Interrupt") continue;
      if (e.cause._tag === "Fail" && allowed(e.cause.error)) continue;
      bad.push(`${t.getName()}: ${e.cause._tag === "Fail" ? String(e.cause.error) : String(e.cause.defect)}`);
    }
    return bad;
  });

/** Cancels every task in `tasks`, then joins them: `badExits(tasks, allowed)`. */
const finish = (
  tasks: ReadonlyArray<Task<unknown, unknown>>,
  allowed: (error: unknown) => boolean = () => false,
): Aio.Aio<string[]> =>
  Aio.gen(function* () {
    for (const t of tasks) t.cancel();
    return yield* badExits(tasks, allowed);
  });

/** How many of `tasks` have not ended. */
const stillWaiting = (tasks: ReadonlyArray<Task<unknown, unknown>>): number => tasks.filter((t) => !t.done()).length;

/** A scheduled worker: its steps, and when (if ever) to cancel it. */
interface Scheduled<S> {
  readonly steps: readonly S[];
  readonly cancel: CancelSpec | undefined;
}

/**
 * For each worker in order, starts a task running `body(i, steps)`, then its canceller
 * (see `cancelLater`); returns the tasks and the cancellers.
 */
const startWorkers = <S>(
  workers: ReadonlyArray<Scheduled<S>>,
  body: (i: number, steps: readonly S[]) => Aio.Aio<void, unknown>,
): Aio.Aio<{ tasks: Array<Task<void, unknown>>; cancellers: Array<Task<void>> }> =>
  Aio.gen(function* () {
    const tasks: Array<Task<void, unknown>> = [];
    const cancellers: Array<Task<void>> = [];
    for (let i = 0; i < workers.length; i++) {
      const t = yield* createTask(body(i, workers[i]!.steps));
      tasks.push(t);
      const c = yield* cancelLater(t, workers[i]!.cancel);
      if (c !== undefined) cancellers.push(c);
    }
    return { tasks, cancellers };
  });

/** Sleeps until every scheduled sleep and cancellation is over, then joins the cancellers. */
const quiesce = (cancellers: ReadonlyArray<Task<void>>): Aio.Aio<void> =>
  Aio.gen(function* () {
    yield* Aio.sleep(QUIET);
    for (const c of cancellers) yield* exitOf(c);
  });

/** Sleeps `ms` (0: one loop iteration). */
const delay = fc.integer({ min: 0, max: 3 });
const cancelTime: fc.Arbitrary<CancelSpec | undefined> = fc.option(
  fc.record({ at: fc.integer({ min: 0, max: 8 }), yields: fc.integer({ min: 0, max: 4 }), twice: fc.boolean() }),
  { nil: undefined },
);

// ---------------------------------------------------------------------------------------
// Queues

interface QueueStep {
  readonly delay: number;
  /** put / get (waiting) or putNowait / getNowait */
  readonly nowait: boolean;
  /** run the operation through `.pipe` (the fiber path) instead of `yield*` (inline) */
  readonly piped: boolean;
}

interface QueueWorker {
  readonly steps: readonly QueueStep[];
  readonly cancel: CancelSpec | undefined;
}

interface QueueSchedule {
  readonly kind: "fifo" | "lifo" | "priority";
  readonly maxsize: number;
  readonly producers: readonly QueueWorker[];
  readonly consumers: readonly QueueWorker[];
}

const queueStep: fc.Arbitrary<QueueStep> = fc.record({
  delay,
  nowait: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  piped: fc.boolean(),
});
const queueWorker: fc.Arbitrary<QueueWorker> = fc.record({
  steps: fc.array(queueStep, { minLength: 1, maxLength: 6 }),
  cancel: cancelTime,
});
const queueSchedule: fc.Arbitrary<QueueSchedule> = fc.record({
  kind: fc.constantFrom("fifo", "lifo", "priority"),
  maxsize: fc.integer({ min: 0, max: 3 }),
  producers: fc.array(queueWorker, { minLength: 1, maxLength: 4 }),
  consumers: fc.array(queueWorker, { minLength: 1, maxLength: 4 }),
});

interface QueueOutcome {
  readonly putOk: number[];
  readonly got: number[];
  readonly left: number[];
  readonly stuckGetterOnNonEmpty: boolean;
  readonly stuckPutterOnNonFull: boolean;
  readonly unfinishedAfterShutdown: number;
  readonly joinReleased: boolean;
  readonly bad: readonly string[];
}

const makeQueue = (kind: QueueSchedule["kind"], maxsize: number): Queue<number> =>
  kind === "fifo"
    ? new Queue<number>(maxsize)
    : kind === "lifo"
      ? new LifoQueue<number>(maxsize)
      : new PriorityQueue<number>((a, b) => (a % 7) - (b % 7), maxsize);

const runQueueSchedule = (s: QueueSchedule): Promise<QueueOutcome> =>
  vrun(
    Aio.gen(function* () {
      const q = makeQueue(s.kind, s.maxsize);
      const putOk: number[] = [];
      const got: number[] = [];
      const inPut = new Set<number>();
      const inGet = new Set<number>();

      const producer = (w: number, steps: readonly QueueStep[]) =>
        Aio.gen(function* () {
          for (let j = 0; j < steps.length; j++) {
            const step = steps[j]!;
            yield* Aio.sleep(step.delay);
            const id = w * 100 + j;
            if (step.nowait) {
              try {
                q.putNowait(id);
                putOk.push(id);
              } catch (e) {
                if (!(e instanceof QueueFull)) throw e;
              }
              continue;
            }
            inPut.add(w);
            try {
              // The statement after `yield*` runs in the same step as the insertion.
              yield* step.piped ? q.put(id).pipe(Aio.map((x) => x)) : q.put(id);
              putOk.push(id);
            } finally {
              inPut.delete(w);
            }
          }
        });

      const consumer = (w: number, steps: readonly QueueStep[]) =>
        Aio.gen(function* () {
          for (const step of steps) {
            yield* Aio.sleep(step.delay);
            if (step.nowait) {
              try {
                got.push(q.getNowait());
                q.taskDone();
              } catch (e) {
                if (!(e instanceof QueueEmpty)) throw e;
              }
              continue;
            }
            inGet.add(w);
            try {
              const x = yield* step.piped ? q.get().pipe(Aio.map((v) => v)) : q.get();
              got.push(x);
              q.taskDone();
            } finally {
              inGet.delete(w);
            }
          }
        });

      const producers = yield* startWorkers(s.producers, producer);
      const consumers = yield* startWorkers(s.consumers, (i, steps) => consumer(100 + i, steps));
      const tasks = [...producers.tasks, ...consumers.tasks];

      // Quiescence: every sleep and cancellation is over; what still runs is blocked.
      yield* quiesce([...producers.cancellers, ...consumers.cancellers]);
      const stuckGetterOnNonEmpty = inGet.size > 0 && !q.empty();
      const stuckPutterOnNonFull = inPut.size > 0 && !q.full();

      // Shut down: blocked putters fail, blocked getters drain then fail.
      q.shutdown();
      yield* Aio.sleep(QUIET);
      const unfinishedAfterShutdown = stillWaiting(tasks);
      const bad = yield* finish(tasks, (e) => e instanceof QueueShutDown);

      const left: number[] = [];
      while (!q.empty()) {
        left.push(q.getNowait());
        q.taskDone();
      }
      const joiner = yield* createTask(q.join());
      yield* Aio.sleep(1);
      const joinReleased = joiner.done();
      yield* cancelAndJoin(joiner);
      return { putOk, got, left, stuckGetterOnNonEmpty, stuckPutterOnNonFull, unfinishedAfterShutdown, joinReleased, bad };
    }),
  );

const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe("Queue under random schedules and cancellations", () => {
  it("every item put is got exactly once or still queued; no waiter is left behind", async () => {
    await fc.assert(
      fc.asyncProperty(queueSchedule, async (s) => {
        const o = await runQueueSchedule(s);
        expect(sorted([...o.got, ...o.left])).toEqual(sorted(o.putOk));
        expect(new Set(o.putOk).size).toBe(o.putOk.length);
        expect(o.stuckGetterOnNonEmpty).toBe(false);
        expect(o.stuckPutterOnNonFull).toBe(false);
        expect(o.unfinishedAfterShutdown).toBe(0);
        expect(o.joinReleased).toBe(true);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Lock and semaphores

interface HoldStep {
  readonly delay: number;
  readonly hold: number;
  /** `withLock` / `withPermit` or acquire + try/finally release */
  readonly scoped: boolean;
}

interface HoldWorker {
  readonly steps: readonly HoldStep[];
  readonly cancel: CancelSpec | undefined;
}

const holdWorker: fc.Arbitrary<HoldWorker> = fc.record({
  steps: fc.array(fc.record({ delay, hold: delay, scoped: fc.boolean() }), { minLength: 1, maxLength: 5 }),
  cancel: cancelTime,
});

interface HoldOutcome {
  readonly maxHolders: number;
  readonly acquisitions: number;
  readonly unfinished: number;
  readonly bad: readonly string[];
}

/**
 * Runs the workers against `guard` (a Lock or a semaphore) and tracks the number of
 * tasks inside their critical sections.
 */
const runHolders = (
  guard: Lock | Semaphore,
  workers: readonly HoldWorker[],
  check: (holders: number) => void,
): Promise<HoldOutcome> =>
  vrun(
    Aio.gen(function* () {
      let holders = 0;
      let maxHolders = 0;
      let acquisitions = 0;
      const enter = (): void => {
        holders++;
        acquisitions++;
        maxHolders = Math.max(maxHolders, holders);
        check(holders);
      };
      const critical = (hold: number) =>
        Aio.gen(function* () {
          enter();
          try {
            yield* Aio.sleep(hold);
          } finally {
            holders--;
          }
        });
      const scoped = <A, E>(aio: Aio.Aio<A, E>): Aio.Aio<A, E> =>
        guard instanceof Lock ? guard.withLock(aio) : guard.withPermit(aio);
      const worker = (steps: readonly HoldStep[]) =>
        Aio.gen(function* () {
          for (const step of steps) {
            yield* Aio.sleep(step.delay);
            if (step.scoped) {
              yield* scoped(critical(step.hold));
            } else {
              yield* guard.acquire();
              try {
                yield* critical(step.hold);
              } finally {
                guard.release();
              }
            }
          }
        });
      const { tasks, cancellers } = yield* startWorkers(workers, (_i, steps) => worker(steps));
      yield* quiesce(cancellers);
      const unfinished = stillWaiting(tasks);
      const bad = yield* finish(tasks);
      return { maxHolders, acquisitions, unfinished, bad };
    }),
  );

describe("Lock under random schedules and cancellations", () => {
  it("never has two holders; ends free, with no waiter; every task finishes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(holdWorker, { minLength: 1, maxLength: 5 }), async (workers) => {
        const lock = new Lock();
        const o = await runHolders(lock, workers, (holders) => {
          if (holders > 1 || !lock.locked()) throw new Error(`lock invariant broken: ${holders} holders`);
        });
        expect(o.maxHolders).toBeLessThanOrEqual(1);
        expect(o.unfinished).toBe(0);
        expect(o.bad).toEqual([]);
        expect(lock.locked()).toBe(false);
        expect(lock.waiters()).toBe(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe("Semaphore under random schedules and cancellations", () => {
  it("never exceeds its count; every permit comes back; every task finishes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.array(holdWorker, { minLength: 1, maxLength: 6 }),
        async (value, bounded, workers) => {
          const sem = bounded ? new BoundedSemaphore(value) : new Semaphore(value);
          const o = await runHolders(sem, workers, (holders) => {
            if (holders > value) throw new Error(`semaphore invariant broken: ${holders} > ${value}`);
            if (holders + sem.value() > value) throw new Error(`permits: ${holders} held + ${sem.value()} free > ${value}`);
          });
          expect(o.maxHolders).toBeLessThanOrEqual(value);
          expect(o.unfinished).toBe(0);
          expect(o.bad).toEqual([]);
          expect(sem.value()).toBe(value);
          expect(sem.locked()).toBe(false);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Condition: a bounded buffer on two conditions sharing one lock, with notify(1) (so a
// lost notification shows)

/** Sleeps `delay`, then (holding the lock) waits for its turn, acts, notifies, sleeps `hold`. */
interface CondStep {
  readonly delay: number;
  readonly hold: number;
}

interface CondWorker {
  readonly steps: readonly CondStep[];
  readonly cancel: CancelSpec | undefined;
}

interface CondSchedule {
  readonly capacity: number;
  readonly producers: readonly CondWorker[];
  readonly consumers: readonly CondWorker[];
}

const condWorker: fc.Arbitrary<CondWorker> = fc.record({
  steps: fc.array(fc.record({ delay, hold: fc.integer({ min: 0, max: 2 }) }), { minLength: 1, maxLength: 5 }),
  cancel: cancelTime,
});

const condSchedule: fc.Arbitrary<CondSchedule> = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  producers: fc.array(condWorker, { minLength: 1, maxLength: 3 }),
  consumers: fc.array(condWorker, { minLength: 1, maxLength: 4 }),
});

describe("Condition under random schedules and cancellations", () => {
  it("loses no item and no notification", async () => {
    await fc.assert(
      fc.asyncProperty(condSchedule, async (s) => {
        const o = await vrun(
          Aio.gen(function* () {
            const lock = new Lock();
            const notEmpty = new Condition(lock);
            const notFull = new Condition(lock);
            const buf: number[] = [];
            const putOk: number[] = [];
            const got: number[] = [];
            const waitingConsumers = new Set<number>();
            const waitingProducers = new Set<number>();
            const producer = (w: number, steps: readonly CondStep[]) =>
              Aio.gen(function* () {
                for (let j = 0; j < steps.length; j++) {
                  yield* Aio.sleep(steps[j]!.delay);
                  const id = w * 100 + j;
                  yield* lock.withLock(
                    Aio.gen(function* () {
                      waitingProducers.add(w);
                      try {
                        yield* notFull.waitFor(() => buf.length < s.capacity);
                      } finally {
                        waitingProducers.delete(w);
                      }
                      buf.push(id);
                      putOk.push(id);
                      notEmpty.notify(1);
                      // The woken consumer now waits to take the lock back.
                      yield* Aio.sleep(steps[j]!.hold);
                    }),
                  );
                }
              });
            const consumer = (w: number, steps: readonly CondStep[]) =>
              Aio.gen(function* () {
                for (const step of steps) {
                  yield* Aio.sleep(step.delay);
                  yield* notEmpty.withLock(
                    Aio.gen(function* () {
                      waitingConsumers.add(w);
                      try {
                        yield* notEmpty.waitFor(() => buf.length > 0);
                      } finally {
                        waitingConsumers.delete(w);
                      }
                      got.push(buf.shift()!);
                      notFull.notify(1);
                      yield* Aio.sleep(step.hold);
                    }),
                  );
                }
              });
            const producers = yield* startWorkers(s.producers, producer);
            const consumers = yield* startWorkers(s.consumers, (i, steps) => consumer(100 + i, steps));
            const tasks = [...producers.tasks, ...consumers.tasks];
            yield* quiesce([...producers.cancellers, ...consumers.cancellers]);
            // With notify(1) a lost notification leaves a consumer asleep next to an item
            // (or a producer next to free room).
            const lostForConsumer = waitingConsumers.size > 0 && buf.length > 0;
            const lostForProducer = waitingProducers.size > 0 && buf.length < s.capacity;
            const locked = lock.locked();
            const unfinished = stillWaiting(tasks);
            const waiting = waitingConsumers.size + waitingProducers.size;
            const bad = yield* finish(tasks);
            return { putOk, got, left: [...buf], lostForConsumer, lostForProducer, locked, lockedAfter: lock.locked(), bad, unfinished, waiting };
          }),
        );
        expect(sorted([...o.got, ...o.left])).toEqual(sorted(o.putOk));
        expect(o.lostForConsumer).toBe(false);
        expect(o.lostForProducer).toBe(false);
        expect(o.locked).toBe(false);
        expect(o.lockedAfter).toBe(false);
        expect(o.bad).toEqual([]);
        // Whoever has not finished waits on its condition (not on the lock, nor lost).
        expect(o.unfinished).toBe(o.waiting);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------
// Wake-up / cancellation races: waiters block on a primitive, then one synchronous burst
// of wake-ups (put, get, release, notify) and cancellations of random waiters, in random
// order, lands cancellations exactly between a waiter's wake-up and its turn to run.

interface RaceAction {
  /** a wake-up, or the cancellation of waiter `target` */
  readonly cancel: boolean;
  readonly target: number;
  /** let the loop run one iteration after this action */
  readonly yieldAfter: boolean;
}

interface Race {
  readonly waiters: number;
  readonly actions: readonly RaceAction[];
}

const race: fc.Arbitrary<Race> = fc.integer({ min: 1, max: 5 }).chain((waiters) =>
  fc.record({
    waiters: fc.constant(waiters),
    actions: fc.array(
      fc.record({
        cancel: fc.boolean(),
        target: fc.integer({ min: 0, max: waiters - 1 }),
        yieldAfter: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  }),
);

/**
 * Starts `waiters` tasks running `waiter(i)`, lets them block, runs `actions` (calling
 * `wake()` or cancelling), then waits for quiescence and returns the tasks (still
 * unfinished ones included) and the number of wake-ups made.
 */
const runRace = (
  r: Race,
  waiter: (i: number) => Aio.Aio<unknown, unknown>,
  wake: () => Aio.Aio<void>,
): Aio.Aio<{ tasks: Array<Task<unknown, unknown>>; wakes: number }> =>
  Aio.gen(function* () {
    const tasks: Array<Task<unknown, unknown>> = [];
    for (let i = 0; i < r.waiters; i++) tasks.push(yield* createTask(waiter(i)));
    for (let i = 0; i < 3; i++) yield* Aio.yieldNow;
    let wakes = 0;
    for (const a of r.actions) {
      if (a.cancel) tasks[a.target]!.cancel();
      else {
        yield* wake();
        wakes++;
      }
      if (a.yieldAfter) yield* Aio.yieldNow;
    }
    yield* Aio.sleep(QUIET);
    return { tasks, wakes };
  });

describe("wake-up / cancellation races", () => {
  it("Queue.get: a woken getter that is cancelled leaves its item to the next getter", async () => {
    await fc.assert(
      fc.asyncProperty(race, async (r) => {
        const o = await vrun(
          Aio.gen(function* () {
            const q = new Queue<number>();
            const got: number[] = [];
            const put: number[] = [];
            let next = 0;
            const { tasks } = yield* runRace(
              r,
              () => q.get().pipe(Aio.map((x) => void got.push(x))),
              () => Aio.sync(() => {
                put.push(next);
                q.putNowait(next++);
              }),
            );
            const waiting = stillWaiting(tasks);
            const qsize = q.qsize();
            const bad = yield* finish(tasks);
            const left: number[] = [];
            while (!q.empty()) left.push(q.getNowait());
            return { got, put, left, waiting, qsize, bad };
          }),
        );
        expect(sorted([...o.got, ...o.left])).toEqual(o.put);
        if (o.waiting > 0) expect(o.qsize).toBe(0);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("Queue.put: a woken putter that is cancelled inserts nothing and wakes the next putter", async () => {
    await fc.assert(
      fc.asyncProperty(race, async (r) => {
        const o = await vrun(
          Aio.gen(function* () {
            const q = new Queue<number>(1);
            q.putNowait(-1);
            const putOk: number[] = [-1];
            const got: number[] = [];
            const { tasks } = yield* runRace(
              r,
              (i) => q.put(i).pipe(Aio.map(() => void putOk.push(i))),
              () => Aio.sync(() => {
                if (!q.empty()) got.push(q.getNowait());
              }),
            );
            const waiting = stillWaiting(tasks);
            const full = q.full();
            const bad = yield* finish(tasks);
            const left: number[] = [];
            while (!q.empty()) left.push(q.getNowait());
            return { got, putOk, left, waiting, full, bad };
          }),
        );
        expect(sorted([...o.got, ...o.left])).toEqual(sorted(o.putOk));
        if (o.waiting > 0) expect(o.full).toBe(true);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("Lock: a waiter cancelled after being handed the lock passes it on", async () => {
    await fc.assert(
      fc.asyncProperty(race, async (r) => {
        const o = await vrun(
          Aio.gen(function* () {
            const lock = new Lock();
            yield* lock.acquire();
            let holders = 0;
            let maxHolders = 0;
            let mainHolds = true;
            const { tasks, wakes } = yield* runRace(
              r,
              () =>
                Aio.gen(function* () {
                  yield* lock.acquire();
                  holders++;
                  maxHolders = Math.max(maxHolders, holders + (mainHolds ? 1 : 0));
                  try {
                    yield* Aio.sleep(1);
                  } finally {
                    holders--;
                    lock.release();
                  }
                }),
              () => Aio.sync(() => {
                if (mainHolds) {
                  mainHolds = false;
                  lock.release();
                }
              }),
            );
            const waiting = stillWaiting(tasks);
            const locked = lock.locked();
            const bad = yield* finish(tasks);
            return { waiting, wakes, locked, maxHolders, bad };
          }),
        );
        expect(o.maxHolders).toBeLessThanOrEqual(1);
        // Once released, every waiter that was not cancelled gets its turn.
        if (o.wakes > 0) expect([o.waiting, o.locked]).toEqual([0, false]);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("Semaphore: a permit handed to a waiter that is cancelled goes to the next one", async () => {
    await fc.assert(
      fc.asyncProperty(race, fc.boolean(), async (r, bounded) => {
        const o = await vrun(
          Aio.gen(function* () {
            const sem = bounded ? new BoundedSemaphore(r.actions.length) : new Semaphore(r.actions.length);
            for (let i = 0; i < r.actions.length; i++) yield* sem.acquire(); // all taken
            let holders = 0;
            let maxOver = 0;
            let released = 0;
            const { tasks, wakes } = yield* runRace(
              r,
              () =>
                sem.withPermit(
                  Aio.gen(function* () {
                    holders++;
                    maxOver = Math.max(maxOver, holders - released);
                    try {
                      yield* Aio.sleep(1);
                    } finally {
                      holders--;
                    }
                  }),
                ),
              () => Aio.sync(() => {
                released++;
                sem.release();
              }),
            );
            const waiting = stillWaiting(tasks);
            const value = sem.value();
            const bad = yield* finish(tasks);
            return { waiting, wakes, value, maxOver, bad };
          }),
        );
        expect(o.maxOver).toBeLessThanOrEqual(0);
        // Every permit released is back, and nobody waits while one is free.
        expect(o.value).toBe(o.wakes);
        if (o.waiting > 0) expect(o.value).toBe(0);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("Condition: a notification given to a waiter that is cancelled is passed on", async () => {
    await fc.assert(
      fc.asyncProperty(race, async (r) => {
        const o = await vrun(
          Aio.gen(function* () {
            const cond = new Condition();
            let woken = 0;
            let lockedAtWake = true;
            // The main task holds the lock during the burst: notified waiters then also
            // wait to take it back, and can be cancelled meanwhile.
            let holding = false;
            const { tasks, wakes } = yield* runRace(
              r,
              () =>
                cond.withLock(
                  Aio.gen(function* () {
                    yield* cond.wait();
                    lockedAtWake &&= cond.locked();
                    woken++;
                  }),
                ),
              () =>
                Aio.gen(function* () {
                  if (!holding) {
                    yield* cond.acquire();
                    holding = true;
                  }
                  cond.notify(1);
                }),
            );
            if (holding) cond.release();
            yield* Aio.sleep(QUIET);
            const waiting = stillWaiting(tasks);
            const bad = yield* finish(tasks);
            return { woken, wakes, waiting, lockedAtWake, bad, locked: cond.locked() };
          }),
        );
        // No notification is lost while some waiter could have taken it.
        if (o.waiting > 0) expect(o.woken).toBeGreaterThanOrEqual(o.wakes);
        expect(o.lockedAtWake).toBe(true);
        expect(o.locked).toBe(false);
        expect(o.bad).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
