/**
 * Wake-ups from outside the loop (BaseEventLoop._wakeFromHost / _hostWakeBegin, and the
 * clock of ticks woken that way):
 * - a promise settled into an idle real-time loop runs its task inside the promise's own
 *   reaction, not in a microtask after it;
 * - never inside another loop's tick (a thenable that calls back synchronously);
 * - those ticks go on with the last clock reading, refreshed every CLOCK_EVERY callbacks,
 *   so timers still fall due while promise reactions keep the host from its timers, and a
 *   deadline made there never ends early.
 * Real time (the host wake is off on virtual-time loops), with generous bounds.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Aio, TimeoutError, createTask, gather, newEventLoop, run, waitFor } from "../src/index.js";

/** Lets the host run its timers, I/O and microtasks once. */
const hostTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("a promise settled into an idle loop", () => {
  it("resumes its task inside the promise's reaction, before the reactions registered after it", async () => {
    const order: string[] = [];
    let resolve!: (n: number) => void;
    const p = new Promise<number>((r) => (resolve = r));
    const done = run(
      Aio.gen(function* () {
        const n = yield* Aio.promise(() => p);
        order.push(`task got ${n}`);
      }),
    );
    await hostTurn(); // the task waits on p; the loop is idle
    void p.then(() => order.push("a later reaction"));
    resolve(1);
    await done;
    expect(order).toEqual(["task got 1", "a later reaction"]);
  });

  it("with a tick already queued, the task waits its turn in that tick (nothing is overtaken)", async () => {
    const order: string[] = [];
    let resolve!: (n: number) => void;
    const p = new Promise<number>((r) => (resolve = r));
    const loop = newEventLoop();
    const done = loop.runUntilComplete(
      Aio.gen(function* () {
        const n = yield* Aio.promise(() => p);
        order.push(`task got ${n}`);
      }),
    );
    await hostTurn();
    // p's reactions are queued first, then a callback scheduled from outside queues a
    // tick: when the task's reaction runs, that tick is pending, so the task is only
    // enqueued, behind the callback, and runs in the tick (not inside the reaction).
    void p.then(() => order.push("a later reaction"));
    resolve(2);
    loop.callSoonThreadsafe(() => order.push("callback"));
    await done;
    loop.close();
    expect(order).toEqual(["a later reaction", "callback", "task got 2"]);
  });

  it("a thenable calling back inside another loop's tick does not run this loop there", async () => {
    const order: string[] = [];
    let callBack: ((n: number) => void) | undefined;
    const thenable = {
      then(onOk: (n: number) => void): void {
        callBack = onOk;
      },
    };
    const b = run(
      Aio.gen(function* () {
        const n = yield* Aio.promise(() => thenable as unknown as PromiseLike<number>);
        order.push(`loop B's task got ${n}`);
      }),
    );
    await hostTurn();
    expect(callBack).toBeTypeOf("function");
    await run(
      Aio.gen(function* () {
        callBack!(3); // synchronously, inside loop A's tick
        order.push("loop A went on");
        yield* Aio.sleep(0);
      }),
    );
    await b;
    expect(order).toEqual(["loop A went on", "loop B's task got 3"]);
  });
});

/**
 * `n` tasks, each awaiting its own promise; the promises are settled in `order` (indices),
 * `pauses[k]` host turns or microtasks apart (0: in the same turn), with a callback from
 * outside queued before the settlements marked in `callbacks`. Returns the order in which
 * the tasks resumed.
 */
const resumeOrder = async (
  n: number,
  order: readonly number[],
  pauses: readonly number[],
  callbacks: readonly boolean[],
): Promise<number[]> => {
  const resolvers: Array<(i: number) => void> = [];
  const promises = Array.from({ length: n }, () => new Promise<number>((r) => resolvers.push(r)));
  const resumed: number[] = [];
  let waiting = 0;
  const loop = newEventLoop();
  const done = loop.runUntilComplete(
    Aio.gen(function* () {
      const tasks = [];
      for (let i = 0; i < n; i++)
        tasks.push(
          yield* createTask(
            Aio.gen(function* () {
              waiting++;
              resumed.push(yield* Aio.promise(() => promises[i]!));
            }),
          ),
        );
      yield* gather(...tasks);
    }),
  );
  // Until every task waits on its promise (10^5 tasks start over several time slices).
  while (waiting < n) await hostTurn();
  for (let k = 0; k < order.length; k++) {
    const pause = pauses[k] ?? 0;
    if (pause === 1) await Promise.resolve();
    else if (pause === 2) await hostTurn();
    if (callbacks[k] === true) loop.callSoonThreadsafe(() => undefined);
    resolvers[order[k]!]!(order[k]!);
  }
  await done;
  loop.close();
  return resumed;
};

describe("wakes from outside, over random schedules", () => {
  it("tasks resume in the order their promises settled, whether woken inside the reaction or queued", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }).chain((n) =>
          fc.record({
            order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
            pauses: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
            callbacks: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
          }),
        ),
        async ({ order, pauses, callbacks }) => {
          expect(await resumeOrder(order.length, order, pauses, callbacks)).toEqual(order);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("10^5 tasks whose promises settle in one turn all resume, in that order", async () => {
    const n = 100_000;
    const order = [...Array(n).keys()].reverse();
    const resumed = await resumeOrder(n, order, [], []);
    expect(resumed.length).toBe(n);
    // Compared as one string: a failing deep-equality diff of 10^5 numbers takes a minute.
    expect(resumed.join(",") === order.join(",")).toBe(true);
  });
});

describe("the clock of ticks woken from outside", () => {
  it("a deadline still falls due while settled promises keep the host busy", async () => {
    // Every step awaits a resolved promise, so the host never gets to its timers phase:
    // only the loop's own clock refresh (every CLOCK_EVERY callbacks) sees the deadline.
    let steps = 0;
    const busy = Aio.gen(function* () {
      for (;;) {
        yield* Aio.promise(() => Promise.resolve());
        steps++;
      }
    });
    const t0 = performance.now();
    const e = await run(Aio.exit(waitFor(busy, 20)));
    const elapsed = performance.now() - t0;
    expect(e._tag).toBe("Failure");
    expect(e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError).toBe(true);
    expect(steps).toBeGreaterThan(64);
    expect(elapsed).toBeGreaterThanOrEqual(20);
    expect(elapsed).toBeLessThan(5000);
  });

  it("a sleep started in such a tick never ends early", async () => {
    const slept = await run(
      Aio.gen(function* () {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) {
          yield* Aio.promise(() => new Promise<void>((r) => setTimeout(r, 3)));
          const t0 = performance.now();
          yield* Aio.sleep(15);
          out.push(performance.now() - t0);
        }
        return out;
      }),
    );
    for (const ms of slept) expect(ms).toBeGreaterThanOrEqual(14.9);
  });
});
