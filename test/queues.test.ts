/**
 * Queue, PriorityQueue, LifoQueue: every method and error, waiting, taskDone/join,
 * shutdown (asyncio 3.13), and cancellation safety (a cancelled get takes nothing, a
 * cancelled put inserts nothing, wake-ups are passed on). Virtual-time loops throughout.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Aio, EventLoopError, createTask, getRunningLoop, newEventLoop } from "../src/index.js";
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  TaskDoneError,
} from "../src/queues.js";
import { Deque } from "../src/sync-internal.js";
import { V, cancelAndJoin, errorOf, exitOf, interrupted, settle, started, vexit, vrun } from "./helpers.js";

const drain = <A>(q: Queue<A>): A[] => {
  const out: A[] = [];
  while (!q.empty()) out.push(q.getNowait());
  return out;
};

describe("errors", () => {
  it("are tagged classes", () => {
    const all = [new QueueEmpty(), new QueueFull(), new QueueShutDown(), new TaskDoneError()];
    expect(all.map((e) => e._tag)).toEqual(["QueueEmpty", "QueueFull", "QueueShutDown", "TaskDoneError"]);
    expect(all.map((e) => e.name)).toEqual(["QueueEmpty", "QueueFull", "QueueShutDown", "TaskDoneError"]);
    for (const e of all) expect(e).toBeInstanceOf(Error);
  });
});

describe("Queue", () => {
  it("validates maxsize; <= 0 and Infinity mean unbounded", () => {
    expect(() => new Queue(1.5)).toThrow(RangeError);
    expect(() => new Queue(Number.NaN)).toThrow(RangeError);
    expect(() => new Queue("3" as unknown as number)).toThrow(RangeError);
    for (const m of [0, -1, Number.POSITIVE_INFINITY]) {
      const q = new Queue<number>(m);
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
      expect(q.maxsize).toBe(m);
    }
    expect(new Queue().maxsize).toBe(0);
  });

  it("qsize / empty / full / putNowait / getNowait, FIFO", () => {
    const q = new Queue<string>(2);
    expect([q.qsize(), q.empty(), q.full()]).toEqual([0, true, false]);
    q.putNowait("a");
    expect([q.qsize(), q.empty(), q.full()]).toEqual([1, false, false]);
    q.putNowait("b");
    expect([q.qsize(), q.empty(), q.full()]).toEqual([2, false, true]);
    expect(() => q.putNowait("c")).toThrow(QueueFull);
    expect(q.getNowait()).toBe("a");
    expect(q.getNowait()).toBe("b");
    expect(() => q.getNowait()).toThrow(QueueEmpty);
    expect(String(q)).toBe("<Queue maxsize=2 qsize=0 tasks=2>");
  });

  it("get waits for a put; put waits for room", async () => {
    const q = new Queue<number>(1);
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const t = () => getRunningLoop().time();
        const consumer = yield* createTask(
          Aio.gen(function* () {
            for (let i = 0; i < 3; i++) {
              const n = yield* q.get();
              log.push(`${t()}: got ${n}`);
              yield* Aio.sleep(10);
            }
          }),
        );
        for (let i = 1; i <= 3; i++) {
          yield* q.put(i);
          log.push(`${t()}: put ${i}`);
        }
        yield* consumer;
      }),
    );
    expect(log).toEqual(["0: put 1", "0: got 1", "0: put 2", "10: got 2", "10: put 3", "20: got 3"]);
  });

  it("get and put compose without generators (pipe)", async () => {
    const q = new Queue<number>(1);
    const r = await vrun(
      q.put(20).pipe(
        Aio.flatMap(() => q.get()),
        Aio.map((n) => n + 1),
      ),
    );
    expect(r).toBe(21);
  });

  it("waiting getters are served in FIFO order", async () => {
    const q = new Queue<string>();
    const r = await vrun(
      Aio.gen(function* () {
        const got: string[] = [];
        const getter = (name: string) => q.get().pipe(Aio.map((x) => void got.push(`${name}=${x}`)));
        const ts = [yield* createTask(getter("a")), yield* createTask(getter("b")), yield* createTask(getter("c"))];
        yield* settle;
        for (const x of ["1", "2", "3"]) q.putNowait(x);
        for (const t of ts) yield* t;
        return got;
      }),
    );
    expect(r).toEqual(["a=1", "b=2", "c=3"]);
  });

  it("waiting putters are served in FIFO order", async () => {
    const q = new Queue<string>(1);
    const r = await vrun(
      Aio.gen(function* () {
        q.putNowait("0");
        const ts = [yield* createTask(q.put("a")), yield* createTask(q.put("b")), yield* createTask(q.put("c"))];
        yield* settle;
        const got: string[] = [];
        for (let i = 0; i < 4; i++) got.push(yield* q.get());
        for (const t of ts) yield* t;
        return got;
      }),
    );
    expect(r).toEqual(["0", "a", "b", "c"]);
  });

  it("taskDone / join", async () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(TaskDoneError);
    const r = await vrun(
      Aio.gen(function* () {
        yield* q.join(); // nothing pending: at once
        const t0 = getRunningLoop().time();
        for (let i = 0; i < 3; i++) q.putNowait(i);
        const worker = yield* createTask(
          Aio.gen(function* () {
            for (;;) {
              yield* q.get();
              yield* Aio.sleep(10);
              q.taskDone();
            }
          }),
        );
        yield* q.join();
        const joinedAt = getRunningLoop().time() - t0;
        yield* cancelAndJoin(worker);
        return joinedAt;
      }),
    );
    expect(r).toBe(30);
    expect(() => q.taskDone()).toThrow(TaskDoneError);
    try {
      q.taskDone();
    } catch (e) {
      expect((e as Error).message).toBe("taskDone() called too many times");
    }
  });

  it("several joiners are all released", async () => {
    const q = new Queue<number>();
    const r = await vrun(
      Aio.gen(function* () {
        q.putNowait(1);
        const js = [yield* createTask(q.join()), yield* createTask(q.join())];
        yield* Aio.sleep(5);
        const pending = js.map((j) => j.done());
        q.getNowait();
        q.taskDone();
        for (const j of js) yield* j;
        return pending;
      }),
    );
    expect(r).toEqual([false, false]);
  });

  it("a queue bound to a live loop cannot wait in another; once that loop is closed, it rebinds", async () => {
    const q = new Queue<number>();
    const loop1 = newEventLoop(V);
    const t = loop1.createTask(q.get());
    await loop1.runUntilComplete(Aio.sleep(1));
    // loop1 is live (not closed): waiting from another loop is an EventLoopError defect.
    const e = await vexit(q.get());
    expect(e._tag === "Failure" && e.cause._tag === "Die" && e.cause.defect).toBeInstanceOf(EventLoopError);
    q.putNowait(7);
    expect(await loop1.runUntilComplete(t)).toBe(7);
    loop1.close();
    // No wait: fine on any loop.
    q.putNowait(8);
    expect(await vrun(q.get())).toBe(8);
    // loop1 is closed and nobody waits: the queue rebinds to the next loop that waits.
    expect(
      await vrun(
        Aio.gen(function* () {
          const getter = yield* createTask(q.get());
          yield* Aio.sleep(1);
          q.putNowait(9);
          return yield* getter;
        }),
      ),
    ).toBe(9);
  });
});

describe("Queue cancellation", () => {
  it("a cancelled get takes nothing: the item goes to the next getter", async () => {
    const q = new Queue<string>();
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(q.get(), q.get());
        yield* cancelAndJoin(a);
        q.putNowait("x");
        return [interrupted(a), yield* b, q.qsize()];
      }),
    );
    expect(r).toEqual([true, "x", 0]);
  });

  it("a getter woken by a put and cancelled before it runs leaves the item and wakes the next", async () => {
    const q = new Queue<string>();
    const r = await vrun(
      Aio.gen(function* () {
        const [a, b] = yield* started(q.get(), q.get());
        q.putNowait("x"); // wakes a
        yield* cancelAndJoin(a); // before a takes it
        const gotB = yield* b;
        return [interrupted(a), gotB, q.qsize()];
      }),
    );
    expect(r).toEqual([true, "x", 0]);
  });

  it("a woken getter cancelled with nobody behind leaves the item in the queue", async () => {
    const q = new Queue<string>();
    const r = await vrun(
      Aio.gen(function* () {
        const [a] = yield* started(q.get());
        q.putNowait("x");
        yield* cancelAndJoin(a);
        return [interrupted(a), drain(q)];
      }),
    );
    expect(r).toEqual([true, ["x"]]);
  });

  it("a cancelled put inserts nothing", async () => {
    const q = new Queue<string>(1);
    const r = await vrun(
      Aio.gen(function* () {
        q.putNowait("first");
        const [a] = yield* started(q.put("never"));
        yield* cancelAndJoin(a);
        return [interrupted(a), drain(q)];
      }),
    );
    expect(r).toEqual([true, ["first"]]);
  });

  it("a putter woken by a get and cancelled before it runs wakes the next putter", async () => {
    const q = new Queue<string>(1);
    const r = await vrun(
      Aio.gen(function* () {
        q.putNowait("0");
        const [a, b] = yield* started(q.put("a"), q.put("b"));
        const first = q.getNowait(); // wakes a
        yield* cancelAndJoin(a);
        yield* b;
        return [first, interrupted(a), drain(q)];
      }),
    );
    expect(r).toEqual(["0", true, ["b"]]);
  });

  it("cancelling a consumer mid-stream loses no item", async () => {
    const q = new Queue<number>(2);
    const r = await vrun(
      Aio.gen(function* () {
        const got: number[] = [];
        const consumer = () =>
          Aio.gen(function* () {
            for (;;) {
              const n = yield* q.get();
              got.push(n);
              yield* Aio.sleep(3);
            }
          });
        const c1 = yield* createTask(consumer());
        const c2 = yield* createTask(consumer());
        const producer = yield* createTask(
          Aio.gen(function* () {
            for (let i = 0; i < 20; i++) yield* q.put(i);
          }),
        );
        yield* Aio.sleep(7);
        c1.cancel();
        yield* producer;
        yield* Aio.sleep(100);
        c2.cancel();
        yield* exitOf(c1);
        yield* exitOf(c2);
        return [...got, ...drain(q)].sort((a, b) => a - b);
      }),
    );
    expect(r).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });
});

describe("Queue.shutdown", () => {
  it("put / putNowait fail with QueueShutDown afterwards; get drains, then fails", async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    expect(q.isShutdown()).toBe(true);
    expect(() => q.putNowait(3)).toThrow(QueueShutDown);
    const r = await vrun(
      Aio.gen(function* () {
        const put = yield* exitOf(q.put(3));
        const a = yield* q.get();
        const b = q.getNowait();
        const c = yield* exitOf(q.get());
        let nowait: unknown;
        try {
          q.getNowait();
        } catch (e) {
          nowait = e;
        }
        return [errorOf(put), a, b, errorOf(c), nowait];
      }),
    );
    expect(r[0]).toBeInstanceOf(QueueShutDown);
    expect(r.slice(1, 3)).toEqual([1, 2]);
    expect(r[3]).toBeInstanceOf(QueueShutDown);
    expect(r[4]).toBeInstanceOf(QueueShutDown);
  });

  it("wakes waiting getters and putters with QueueShutDown", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const empty = new Queue<number>();
        const full = new Queue<number>(1);
        full.putNowait(0);
        const g = yield* createTask(empty.get());
        const p = yield* createTask(full.put(1));
        yield* Aio.sleep(10);
        empty.shutdown();
        full.shutdown();
        const eg = yield* exitOf(g);
        const ep = yield* exitOf(p);
        return [errorOf(eg), errorOf(ep), drain(full)];
      }),
    );
    expect(r[0]).toBeInstanceOf(QueueShutDown);
    expect(r[1]).toBeInstanceOf(QueueShutDown);
    expect(r[2]).toEqual([0]);
  });

  it("immediate: discards the items, releases join, getters fail at once", async () => {
    const q = new Queue<number>();
    const r = await vrun(
      Aio.gen(function* () {
        for (let i = 0; i < 3; i++) q.putNowait(i);
        q.getNowait(); // taken, not done
        const [joiner] = yield* started(q.join());
        q.shutdown(true);
        const qsize = q.qsize();
        q.taskDone(); // the item taken before the shutdown
        yield* joiner;
        const g = yield* exitOf(q.get());
        return [qsize, errorOf(g)];
      }),
    );
    expect(r[0]).toBe(0);
    expect(r[1]).toBeInstanceOf(QueueShutDown);
  });

  it("immediate with every item done releases joiners at once", async () => {
    const q = new Queue<number>();
    const r = await vrun(
      Aio.gen(function* () {
        q.putNowait(1);
        const [joiner] = yield* started(q.join());
        q.shutdown(true);
        yield* joiner;
        return getRunningLoop().time();
      }),
    );
    expect(r).toBe(0);
  });
});

describe("PriorityQueue", () => {
  it("returns the smallest first; equal items in insertion order", () => {
    const q = new PriorityQueue<[number, string]>((a, b) => a[0] - b[0]);
    const input: Array<[number, string]> = [[3, "c"], [1, "a1"], [2, "b"], [1, "a2"], [0, "z"], [1, "a3"], [5, "e"], [2, "b2"]];
    for (const x of input) q.putNowait(x);
    expect(q.qsize()).toBe(8);
    expect(drain(q).map((x) => x[1])).toEqual(["z", "a1", "a2", "a3", "b", "b2", "c", "e"]);
  });

  it("sorts many random numbers", () => {
    const q = new PriorityQueue<number>((a, b) => a - b);
    const xs = Array.from({ length: 500 }, (_, i) => (i * 7919) % 263);
    for (const x of xs) q.putNowait(x);
    const out: number[] = [];
    for (let i = 0; i < 250; i++) out.push(q.getNowait());
    for (const x of xs.slice(0, 100)) q.putNowait(x);
    out.push(...drain(q));
    const expected = [...xs].sort((a, b) => a - b).slice(0, 250);
    expect(out.slice(0, 250)).toEqual(expected);
    const rest = out.slice(250);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
    expect(out.length).toBe(600);
  });

  it("rejects a non-function comparator; a throwing one leaves the heap intact", () => {
    expect(() => new PriorityQueue<number>(undefined as unknown as (a: number, b: number) => number)).toThrow(TypeError);
    let broken = false;
    const q = new PriorityQueue<number>((a, b) => {
      if (broken) throw new Error("cmp");
      return a - b;
    });
    for (const x of [5, 3, 8, 1]) q.putNowait(x);
    broken = true;
    expect(() => q.putNowait(0)).toThrow("cmp");
    expect(() => q.getNowait()).toThrow("cmp");
    broken = false;
    expect(q.qsize()).toBe(4);
    expect(drain(q)).toEqual([1, 3, 5, 8]);
  });

  it("get waits and takes the smallest", async () => {
    const q = new PriorityQueue<number>((a, b) => b - a, 3); // max-first
    const r = await vrun(
      Aio.gen(function* () {
        for (const x of [1, 9, 4]) yield* q.put(x);
        expect(q.full()).toBe(true);
        const [p] = yield* started(q.put(7));
        const a = yield* q.get();
        yield* p;
        return [a, ...drain(q)];
      }),
    );
    expect(r).toEqual([9, 7, 4, 1]);
  });
});

describe("LifoQueue", () => {
  it("returns the most recent item first", async () => {
    const q = new LifoQueue<number>(3);
    expect(() => new LifoQueue(0.5)).toThrow(RangeError);
    const r = await vrun(
      Aio.gen(function* () {
        for (const x of [1, 2, 3]) yield* q.put(x);
        expect(() => q.putNowait(4)).toThrow(QueueFull);
        const a = yield* q.get();
        q.putNowait(4);
        return [a, ...drain(q)];
      }),
    );
    expect(r).toEqual([3, 4, 2, 1]);
    expect(String(q)).toBe("<LifoQueue maxsize=3 qsize=0 tasks=4>");
  });
});

describe("Deque (internal ring buffer)", () => {
  it("behaves as an array under push / shift / pop / remove / peek / at", () => {
    type Op = { op: "push"; x: number } | { op: "shift" } | { op: "pop" } | { op: "remove"; x: number } | { op: "clear" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }).map((x) => ({ op: "push" as const, x })) },
      { weight: 2, arbitrary: fc.constant({ op: "shift" as const }) },
      { weight: 1, arbitrary: fc.constant({ op: "pop" as const }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 20 }).map((x) => ({ op: "remove" as const, x })) },
      { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const d = new Deque<number>();
        const model: number[] = [];
        for (const o of ops) {
          switch (o.op) {
            case "push":
              d.push(o.x);
              model.push(o.x);
              break;
            case "shift":
              expect(d.shift()).toBe(model.shift());
              break;
            case "pop":
              expect(d.pop()).toBe(model.pop());
              break;
            case "remove": {
              const i = model.indexOf(o.x);
              if (i >= 0) model.splice(i, 1);
              expect(d.remove(o.x)).toBe(i >= 0);
              break;
            }
            case "clear":
              d.clear();
              model.length = 0;
              break;
          }
          expect(d.length).toBe(model.length);
          expect(d.peek()).toBe(model[0]);
          expect(d.at(model.length - 1)).toBe(model[model.length - 1]);
          expect(d.at(-1)).toBeUndefined();
          expect(d.some((x) => x === 7)).toBe(model.includes(7));
        }
        expect(d.toArray()).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });
});
