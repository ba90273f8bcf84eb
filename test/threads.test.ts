/**
 * src/threads.ts: module functions on worker threads (runInWorker, toThread,
 * runInExecutor, createWorkerPool, wrapFuture of pool.submit), typed WorkerError,
 * cancellation (the job is aborted), a closed loop, the runtime's dispose, process exit.
 * Real threads, so the real clock; no assertion on timing.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  Aio,
  CancelledError,
  Exit,
  WorkerError,
  createRuntime,
  createTask,
  createWorkerPool,
  defaultWorkerPool,
  gather,
  newEventLoop,
  run,
  runExit,
  runInExecutor,
  runInWorker,
  toThread,
  wrapFuture,
} from "../src/index.js";
import { errorOf, runNode, settle } from "./helpers.js";

const JOBS = new URL("./fixtures/worker-jobs.mjs", import.meta.url);
const BAD_SYNTAX = new URL("./fixtures/worker-bad-syntax.mjs", import.meta.url);
type Double = (n: number) => number;
type Later = <A>(ms: number, value: A) => Promise<A>;

const pool = createWorkerPool({ maxThreads: 2 });
afterAll(() => pool.close());

/** The WorkerError a job failed with (fails the test if it did not). */
const workerError = async (aio: Aio.Aio<unknown, WorkerError>): Promise<WorkerError> => {
  const exit = await runExit(aio);
  const e = errorOf(exit);
  expect(e).toBeInstanceOf(WorkerError);
  return e as WorkerError;
};

describe("runInWorker: results", () => {
  it("runs the export with the arguments and succeeds with its (awaited) result", async () => {
    expect(await run(runInWorker<Double>(JOBS, "double", 21))).toBe(42);
    expect(await run(pool.run<(...xs: number[]) => number>(JOBS, "add", 1, 2, 3, 4))).toBe(10);
    expect(await run(pool.run<Later>(JOBS, "later", 5, "late"))).toBe("late");
    expect(await run(pool.run(JOBS.href, "add"))).toBe(0); // no arguments; a URL string
    expect(await run(pool.run(JOBS.pathname, "double", 2))).toBe(4); // an absolute path
  });

  it("copies arguments and results by structured clone", async () => {
    const value = { when: new Date(0), bytes: new Uint8Array([1, 2, 3]), map: new Map([["k", [1n]]]), nested: { a: [null, undefined] } };
    const back = await run(pool.run<<A>(x: A) => A>(JOBS, "echo", value));
    expect(back).toEqual(value);
    expect(back).not.toBe(value);
  });

  it("toThread and runInExecutor (null: the default pool; or a pool) are the same jobs", async () => {
    expect(await run(toThread<Double>(JOBS, "double", 1))).toBe(2);
    expect(await run(runInExecutor<Double>(null, JOBS, "double", 2))).toBe(4);
    expect(await run(runInExecutor<Double>(undefined, JOBS, "double", 3))).toBe(6);
    expect(await run(runInExecutor<Double>(pool, JOBS, "double", 4))).toBe(8);
  });

  it("wrapFuture(pool.submit(...)) awaits the pool's promise as a Future; a failure is its exception", async () => {
    const main = Aio.gen(function* () {
      const ok = yield* wrapFuture(pool.submit<Double>(JOBS, "double", 5));
      const bad = yield* Aio.exit(Aio.from(wrapFuture(pool.submit(JOBS, "boom", "via submit"))));
      return [ok, bad] as const;
    });
    const [ok, bad] = await run(main);
    expect(ok).toBe(10);
    expect(errorOf(bad)).toBeInstanceOf(WorkerError);
    expect((errorOf(bad) as WorkerError).message).toBe("via submit");
  });
});

describe("runInWorker: typed failures", () => {
  it("a throw in the worker is WorkerError 'Threw' with the worker's name, message and stack", async () => {
    const e = await workerError(pool.run(JOBS, "boom", "it broke"));
    expect(e._tag).toBe("WorkerError");
    expect(e.reason).toBe("Threw");
    expect(e.errorName).toBe("Oops");
    expect(e.message).toBe("it broke");
    expect(e.workerStack).toMatch(/at boom \(.*worker-jobs\.mjs:\d+:\d+\)/);
    expect(e.stack).toContain(e.workerStack);
    expect(e.moduleUrl).toBe(JOBS.href);
    expect(e.exportName).toBe("boom");
  });

  it("a rejected promise and a thrown non-error are 'Threw' too", async () => {
    const r = await workerError(pool.run(JOBS, "reject", "no"));
    expect([r.reason, r.errorName, r.message]).toEqual(["Threw", "TypeError", "no"]);
    const s = await workerError(pool.run(JOBS, "throwString"));
    expect([s.reason, s.message]).toEqual(["Threw", "non-error thrown: just a string"]);
  });

  it("a missing export or one that is not a function is 'ExportNotFound'", async () => {
    const missing = await workerError(pool.run(JOBS, "nope"));
    expect(missing.reason).toBe("ExportNotFound");
    expect(missing.message).toContain('"nope" (it is missing)');
    const notFn = await workerError(pool.run(JOBS, "notAFunction"));
    expect(notFn.message).toContain("(it is number)");
    expect((await workerError(pool.run(JOBS, ""))).reason).toBe("ExportNotFound");
  });

  it("a module that is missing, does not parse, or is given as a relative path is 'ModuleNotFound'", async () => {
    const missing = await workerError(pool.run(new URL("./fixtures/no-such-module.mjs", import.meta.url), "f"));
    expect(missing.reason).toBe("ModuleNotFound");
    expect(missing.errorName).toBe("Error");
    expect(missing.message).toContain("no-such-module.mjs");
    const syntax = await workerError(pool.run(BAD_SYNTAX, "f"));
    expect([syntax.reason, syntax.errorName]).toEqual(["ModuleNotFound", "SyntaxError"]);
    const relative = await workerError(pool.run("./fixtures/worker-jobs.mjs", "double", 1));
    expect(relative.reason).toBe("ModuleNotFound");
    expect(relative.message).toContain("new URL(");
  });

  it("an argument or a result that cannot be cloned is 'DataCloneError'; the pool keeps working", async () => {
    const arg = await workerError(pool.run(JOBS, "echo", () => 1));
    expect(arg.reason).toBe("DataCloneError");
    const result = await workerError(pool.run(JOBS, "unclonable"));
    expect(result.reason).toBe("DataCloneError");
    expect(result.message).toContain("result of unclonable");
    expect(await run(pool.run<Double>(JOBS, "double", 1))).toBe(2);
  });

  it("a worker that exits mid-job is 'WorkerCrashed' (not a hang); the pool keeps working", async () => {
    const e = await workerError(pool.run(JOBS, "crash"));
    expect(e.reason).toBe("WorkerCrashed");
    expect(e.message).toContain("code: 3");
    expect(await run(pool.run<Double>(JOBS, "double", 1))).toBe(2);
  });

  it("a closed pool refuses new jobs with 'PoolClosed' after finishing the ones it had", async () => {
    const p = createWorkerPool({ maxThreads: 1 });
    const inflight = p.submit<Later>(JOBS, "later", 30, "kept");
    const closed = p.close();
    expect(p.close()).toBe(closed);
    expect(p.isClosed()).toBe(true);
    expect((await workerError(p.run(JOBS, "double", 1))).reason).toBe("PoolClosed");
    await closed;
    expect(await inflight).toBe("kept");
  });

  it("bad pool options are a RangeError at once", () => {
    expect(() => createWorkerPool({ maxThreads: 0 })).toThrow(RangeError);
    expect(() => createWorkerPool({ maxThreads: 1.5 })).toThrow(RangeError);
    expect(() => createWorkerPool({ idleTimeoutMs: -1 })).toThrow(RangeError);
  });
});

describe("runInWorker: many jobs", () => {
  for (const n of [1, 2, 100, 10_000]) {
    it(`${n} concurrent jobs each deliver their own result, in order`, async () => {
      const ids = Array.from({ length: n }, (_, i) => i);
      const results = await run(gather(...ids.map((i) => pool.run<Double>(JOBS, "double", i))));
      expect(results).toEqual(ids.map((i) => i * 2));
    }, 120_000);
  }
});

describe("runInWorker: cancellation", () => {
  it("the awaiting task sees CancelledError at once, and the running job is aborted (its thread is freed)", async () => {
    const one = createWorkerPool({ maxThreads: 1 });
    try {
      const main = Aio.gen(function* () {
        // A minute of busy loop on the pool's only thread: if the job were left running,
        // the job after it would wait for it and the test would time out.
        const task = yield* createTask(one.run(JOBS, "spin", 60_000));
        yield* Aio.sleep(50); // let it reach the worker
        task.cancel("enough");
        yield* settle;
        const exit = task.getExit();
        const next = yield* one.run<Double>(JOBS, "double", 21);
        return { exit, next };
      });
      const { exit, next } = await run(main);
      expect(exit !== undefined && Exit.isInterrupted(exit)).toBe(true);
      expect(next).toBe(42);
    } finally {
      await one.close();
    }
  }, 20_000);

  it("a cancelled queued job never runs and its task gets no result", async () => {
    const one = createWorkerPool({ maxThreads: 1 });
    try {
      const main = Aio.gen(function* () {
        const first = yield* createTask(one.run<Later>(JOBS, "later", 100, "first"));
        const queued = yield* createTask(one.run<Later>(JOBS, "later", 0, "queued"));
        yield* Aio.yieldNow;
        queued.cancel();
        const got = yield* first;
        yield* Aio.sleep(50);
        return { got, queued: queued.getExit() };
      });
      const { got, queued } = await run(main);
      expect(got).toBe("first");
      expect(queued !== undefined && Exit.isInterrupted(queued)).toBe(true);
    } finally {
      await one.close();
    }
  });

  it("fast-check: over random submit/cancel schedules, every job not cancelled is delivered exactly once, no cancelled one ever is", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ ms: fc.integer({ min: 0, max: 20 }), cancelAfter: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }) }),
          { minLength: 1, maxLength: 12 },
        ),
        async (jobs) => {
          const delivered = new Map<number, number>();
          const main = Aio.gen(function* () {
            const tasks = [];
            for (const [id, job] of jobs.entries()) {
              const aio = pool.run<(ms: number, v: number) => Promise<number>>(JOBS, "later", job.ms, id).pipe(
                Aio.tap((v) => Aio.sync(() => void delivered.set(v, (delivered.get(v) ?? 0) + 1))),
              );
              const t = yield* createTask(aio);
              tasks.push(t);
              const after = job.cancelAfter;
              if (after !== undefined) yield* createTask(Aio.sleep(after).pipe(Aio.tap(() => Aio.sync(() => void t.cancel()))));
            }
            const exits = [];
            for (const t of tasks) exits.push(yield* Aio.exit(Aio.from(t)));
            yield* Aio.sleep(40); // time for any late result to arrive (and be dropped)
            return exits;
          });
          const exits = await run(main);
          for (const [id, exit] of exits.entries()) {
            if (exit._tag === "Success") {
              expect(exit.value).toBe(id);
              expect(delivered.get(id)).toBe(1);
            } else {
              // Only a job with a cancel scheduled may end otherwise, and then it was cancelled.
              expect(jobs[id]?.cancelAfter).not.toBeUndefined();
              expect(Exit.isInterrupted(exit)).toBe(true);
              expect(delivered.has(id)).toBe(false);
            }
          }
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});

describe("runInWorker: loops, runtimes, processes", () => {
  it("a job that ends after its loop was closed schedules nothing into it and reports nothing more", async () => {
    const loop = newEventLoop();
    const reported: unknown[] = [];
    loop.setExceptionHandler((_l, ctx) => void reported.push(ctx));
    const task = loop.createTask(pool.run<Later>(JOBS, "later", 100, "too late"));
    await loop.runUntilComplete(Aio.sleep(20)); // the job is on a worker now
    loop.close();
    // asyncio's own report of a task pending at close, and only that.
    expect(reported.map((c) => (c as { message: string }).message)).toEqual(["Task was destroyed but it is pending"]);
    await new Promise((r) => setTimeout(r, 300)); // the job ends meanwhile
    expect(task.done()).toBe(false); // nothing was delivered to the closed loop
    expect(reported).toHaveLength(1);
  });

  it("the runtime's dispose() closes the default pool (the next use makes a new one)", async () => {
    const rt = createRuntime();
    expect(await rt.run(runInWorker<Double>(JOBS, "double", 4))).toBe(8);
    const before = defaultWorkerPool();
    await rt.dispose();
    expect(before.isClosed()).toBe(true);
    const after = defaultWorkerPool();
    expect(after).not.toBe(before);
    expect(await run(runInWorker<Double>(JOBS, "double", 5))).toBe(10);
  });

  it("dispose() cancels a task waiting on a job and aborts the job", async () => {
    const rt = createRuntime();
    const outcome = rt.run(runInWorker(JOBS, "spin", 60_000)).then(() => "resolved", (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await rt.dispose(); // would wait a minute for the job if it were not aborted
    expect(await outcome).toBeInstanceOf(CancelledError);
  }, 20_000);

  it("a plain run() program using workers exits by itself when done", async () => {
    const { code, stdout, stderr } = await runNode("test/fixtures/threads-exit.ts", { killAfterMs: 20_000 });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("[2,4,6]");
  }, 30_000);
});
