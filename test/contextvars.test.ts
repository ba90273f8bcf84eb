/**
 * Context variables (src/contextvars.ts): ContextVar / Token / Context as in Python's
 * Lib/test/test_context.py, the task semantics of asyncio (a task copies its creator's
 * context; nothing leaks back), callbacks run in the context they were scheduled with,
 * 1,000 concurrent requests on one loop each logging its own request id, and a property
 * test of random set / reset / get / createTask programs against a model.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  Aio,
  Context,
  ContextError,
  ContextVar,
  Exit,
  LookupError,
  Token,
  copyContext,
  createFuture,
  createTask,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  runSync,
  taskGroup,
  type Task,
} from "../src/index.js";
import { V, defectOf, errorOf, vexit, vrun } from "./helpers.js";

/** Runs `fn` in a fresh empty Context, so top-level sets stay out of other tests. */
const isolated = <R>(fn: () => R): R => new Context().run(fn);

const throwsContextError = (fn: () => unknown, message: RegExp): void => {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(ContextError);
  expect((thrown as ContextError)._tag).toBe("ContextError");
  expect((thrown as Error).message).toMatch(message);
};

describe("ContextVar, Token and Context (test_context.py)", () => {
  it("a ContextVar has a name; a name that is not a string is a TypeError", () => {
    const c = new ContextVar<number>("aaa");
    expect(c.name).toBe("aaa");
    expect(() => new ContextVar(1 as unknown as string)).toThrow(TypeError);
    expect(() => new ContextVar("x", null as unknown as { default: number })).toThrow(TypeError);
    expect(String(c)).toContain("aaa");
    expect(new ContextVar("d", { default: 123 }).defaultValue).toBe(123);
    expect(c.defaultValue).toBe(Token.MISSING);
    expect(c).toBeInstanceOf(ContextVar);
  });

  it("get, set, reset, tokens and copies (getset_1)", () => {
    isolated(() => {
      const c = new ContextVar<number | string>("c");
      expect(() => c.getNow()).toThrow(LookupError);
      expect(c.getNow(null)).toBeNull();

      const t0 = c.setNow(42);
      expect(c.getNow()).toBe(42);
      expect(t0.oldValue).toBe(Token.MISSING);
      expect(t0.var).toBe(c);

      const t = c.setNow("spam");
      expect(c.getNow()).toBe("spam");
      expect(t.oldValue).toBe(42);
      expect(String(t)).toContain("used=false");
      c.resetNow(t);
      expect(String(t)).toContain("used=true");
      expect(c.getNow()).toBe(42);

      c.setNow("spam2");
      throwsContextError(() => c.resetNow(t), /has already been used/);
      expect(c.getNow()).toBe("spam2");

      const ctx1 = copyContext();
      expect(ctx1.has(c)).toBe(true);

      c.resetNow(t0);
      throwsContextError(() => c.resetNow(t0), /has already been used/);
      expect(c.getNow(null)).toBeNull();

      // The copy keeps what it had.
      expect(ctx1.get(c)).toBe("spam2");
      expect(ctx1.size).toBe(1);
      expect([...ctx1.entries()]).toEqual([[c, "spam2"]]);

      const ctx2 = copyContext();
      expect(ctx2.has(c)).toBe(false);
      expect(ctx2.get(c)).toBeUndefined();
      expect(ctx2.size).toBe(0);
    });
  });

  it("a token of another variable is refused (getset_2)", () => {
    isolated(() => {
      const v1 = new ContextVar<number>("v1");
      const v2 = new ContextVar<number>("v2");
      const t1 = v1.setNow(42);
      throwsContextError(() => v2.resetNow(t1), /by a different ContextVar/);
      expect(v1.getNow()).toBe(42);
      expect(() => v1.resetNow({} as Token<number>)).toThrow(TypeError);
    });
  });

  it("a default is used when the context has no value; ctx.get ignores it (getset_3)", () => {
    const c = new ContextVar("c", { default: 42 });
    const ctx = new Context();
    ctx.run(() => {
      expect(c.getNow()).toBe(42);
      expect(ctx.get(c)).toBeUndefined();
      expect(ctx.has(c)).toBe(false);
      const t = c.setNow(1);
      expect(ctx.get(c)).toBe(1);
      c.resetNow(t);
      expect(ctx.has(c)).toBe(false);
      expect(ctx.size).toBe(0);
    });
  });

  it("a token made in another context is refused (getset_4)", () => {
    isolated(() => {
      const c = new ContextVar("c", { default: 42 });
      const ctx = new Context();
      const tok = ctx.run((v: number) => c.setNow(v), 1);
      throwsContextError(() => c.resetNow(tok), /different Context/);
      expect(ctx.get(c)).toBe(1);
    });
  });

  it("sets inside a copy do not change the original (getset_5)", () => {
    isolated(() => {
      const c = new ContextVar<number[]>("c", { default: [] });
      const outer: number[] = [];
      c.setNow(outer);
      copyContext().run(() => {
        c.setNow([]);
        c.getNow().push(42);
        expect(c.getNow()).toEqual([42]);
      });
      expect(c.getNow()).toBe(outer);
      expect(outer).toEqual([]);
    });
  });

  it("ctx.run passes the arguments and returns the result; a throw goes through (run_2, run_3)", () => {
    const ctx = new Context();
    expect(ctx.run((a: number, b: string) => `${a}${b}`, 1, "x")).toBe("1x");
    expect(() =>
      ctx.run(() => {
        throw new RangeError("boom");
      }),
    ).toThrow(RangeError);
    // Still usable (not left entered) after a throw.
    expect(ctx.run(() => 7)).toBe(7);
  });

  it("nested runs of different contexts, and the copy of the current one (run_4)", () => {
    isolated(() => {
      const ctx1 = new Context();
      const ctx2 = new Context();
      const v = new ContextVar<string>("var");
      const returned = ctx1.run(() => {
        expect(v.getNow(null)).toBeNull();
        v.setNow("spam");
        ctx2.run(() => expect(v.getNow(null)).toBeNull());
        expect(v.getNow(null)).toBe("spam");
        const cur = copyContext();
        expect(cur.size).toBe(1);
        expect(cur.get(v)).toBe("spam");
        return cur;
      });
      expect(returned.get(v)).toBe("spam");
      expect(ctx1.get(v)).toBe("spam");
      expect(ctx2.size).toBe(0);
      expect(v.getNow(null)).toBeNull();
    });
  });

  it("a set before a throw inside ctx.run stays in ctx, not outside (run_5, run_6)", () => {
    isolated(() => {
      const ctx = new Context();
      const v = new ContextVar<string>("var");
      expect(() =>
        ctx.run(() => {
          v.setNow("spam");
          throw new Error("x");
        }),
      ).toThrow("x");
      expect(v.getNow(null)).toBeNull();
      expect(ctx.get(v)).toBe("spam");
    });
  });

  it("entering a context that is already entered is a ContextError (run_7)", () => {
    const ctx = new Context();
    ctx.run(() => throwsContextError(() => ctx.run(() => 0), /already entered/));
  });

  it("copies are independent both ways (copy_1)", () => {
    const ctx1 = new Context();
    const c = new ContextVar("c", { default: 42 });
    ctx1.run(() => {
      c.setNow(10);
      const ctx2 = ctx1.copy();
      expect(ctx2.get(c)).toBe(10);
      c.setNow(20);
      expect(ctx1.get(c)).toBe(20);
      expect(ctx2.get(c)).toBe(10);
      ctx2.run(() => {
        expect(c.getNow()).toBe(10);
        c.setNow(30);
        expect(c.getNow()).toBe(30);
      });
      expect(ctx1.get(c)).toBe(20);
      expect(ctx2.get(c)).toBe(30);
    });
  });

  it("many variables in one context: each keeps its own value (1,000 variables)", () => {
    const vars = Array.from({ length: 1000 }, (_, i) => new ContextVar<number>(`v${i}`));
    const ctx = new Context();
    ctx.run(() => {
      for (let i = 0; i < vars.length; i++) vars[i]!.setNow(i);
    });
    expect(ctx.size).toBe(1000);
    const copy = ctx.copy();
    copy.run(() => vars[500]!.setNow(-1));
    expect(vars.map((v) => ctx.get(v))).toEqual(vars.map((_, i) => i));
    expect(copy.get(vars[500]!)).toBe(-1);
    expect(copy.get(vars[499]!)).toBe(499);
  });
});

describe("get / set / reset as Aio operations", () => {
  it("get() of a variable without a default fails with a typed LookupError; with one it succeeds", async () => {
    const user = new ContextVar<string>("user");
    const locale = new ContextVar("locale", { default: "en" });
    const exit = await vexit(user.get());
    const err = errorOf(exit);
    expect(err).toBeInstanceOf(LookupError);
    expect(err?._tag).toBe("LookupError");
    expect(err?.message).toContain("user");
    expect(await vrun(locale.get())).toBe("en");
    expect(await vrun(user.get("anon"))).toBe("anon");
    expect(await vrun(Aio.gen(function* () {
      yield* user.set("ann");
      return [yield* user.get(), yield* user.get("anon")];
    }))).toEqual(["ann", "ann"]);
  });

  it("reset restores the previous value, or no value; the token says what it was", async () => {
    const v = new ContextVar<number>("v");
    const seen = await vrun(
      Aio.gen(function* () {
        const t1 = yield* v.set(1);
        const t2 = yield* v.set(2);
        const a = yield* v.get();
        yield* v.reset(t2);
        const b = yield* v.get();
        yield* v.reset(t1);
        const c = yield* v.get(-1);
        return [a, b, c, t1.oldValue === Token.MISSING, t2.oldValue];
      }),
    );
    expect(seen).toEqual([2, 1, -1, true, 1]);
  });

  it("a token used twice, or from another task, is a defect (ContextError); the value is unchanged", async () => {
    const v = new ContextVar<number>("v");
    const twice = await vexit(
      Aio.gen(function* () {
        const t = yield* v.set(1);
        yield* v.reset(t);
        yield* v.set(5);
        yield* v.reset(t);
      }),
    );
    expect(defectOf(twice)).toBeInstanceOf(ContextError);
    expect((defectOf(twice) as Error).message).toMatch(/already been used/);

    const result = await vrun(
      Aio.gen(function* () {
        const t = yield* v.set(1);
        const child = yield* createTask(Aio.exit(v.reset(t)));
        const childExit = yield* child;
        return { childExit, after: yield* v.get() };
      }),
    );
    expect((defectOf(result.childExit) as Error).message).toMatch(/different Context/);
    expect(result.after).toBe(1);
  });

  it("get() is one reusable Aio: yield* of it allocates nothing new", () => {
    const v = new ContextVar("v", { default: 0 });
    expect(v.get()).toBe(v.get());
  });

  it("locally sets for the duration of an Aio and resets on success, failure and cancellation", async () => {
    const v = new ContextVar("v", { default: "outer" });
    const seen = await vrun(
      Aio.gen(function* () {
        const inside = yield* v.get().pipe(v.locally("inner"));
        const afterOk = yield* v.get();
        const failed = yield* Aio.exit(Aio.fail("boom" as const).pipe(v.locally("inner")));
        const afterFail = yield* v.get();
        // A task started inside keeps its copy after the reset.
        const t = yield* Aio.gen(function* () {
          return yield* createTask(Aio.sleep(10).pipe(Aio.flatMap(() => v.get())));
        }).pipe(v.locally("for-child"));
        const afterSpawn = yield* v.get();
        const childSaw = yield* t;
        // Cancelled while inside: the reset still runs (seen in the task's given Context).
        const ctx = new Context();
        const cancelled = yield* createTask(Aio.never.pipe(v.locally("inner")), { context: ctx });
        yield* Aio.sleep(1);
        const setWhileInside = ctx.get(v);
        cancelled.cancel();
        yield* Aio.exit(Aio.from(cancelled));
        return {
          inside,
          afterOk,
          failed: errorOf(failed),
          afterFail,
          afterSpawn,
          childSaw,
          setWhileInside,
          afterCancel: ctx.has(v),
        };
      }),
    );
    expect(seen).toEqual({
      inside: "inner",
      afterOk: "outer",
      failed: "boom",
      afterFail: "outer",
      afterSpawn: "outer",
      childSaw: "for-child",
      setWhileInside: "inner",
      afterCancel: false,
    });
  });

  it("runSync sees the top-level context; set inside does not leak to the top level", () => {
    isolated(() => {
      const v = new ContextVar<string>("v");
      v.setNow("top");
      expect(runSync(v.get())).toBe("top");
      expect(runSync(Aio.gen(function* () {
        yield* v.set("inside");
        return yield* v.get();
      }))).toBe("inside");
      expect(v.getNow()).toBe("top");
    });
  });
});

describe("tasks copy their creator's context", () => {
  it("a child sees the parent's values when it was created, not later ones", async () => {
    const v = new ContextVar<string>("v");
    const seen = await vrun(
      Aio.gen(function* () {
        yield* v.set("before");
        const child = yield* createTask(Aio.sleep(5).pipe(Aio.flatMap(() => v.get())));
        yield* v.set("after"); // before the child even starts
        return [yield* child, yield* v.get()];
      }),
    );
    expect(seen).toEqual(["before", "after"]);
  });

  it("a child's set does not leak to its parent or its siblings; grandchildren see the child's", async () => {
    const v = new ContextVar("v", { default: "root" });
    const seen = await vrun(
      Aio.gen(function* () {
        yield* v.set("parent");
        const child = (name: string) =>
          Aio.gen(function* () {
            const inherited = yield* v.get();
            yield* v.set(name);
            yield* Aio.sleep(1);
            const grandchild = yield* createTask(v.get());
            return [inherited, yield* v.get(), yield* grandchild];
          });
        const a = yield* createTask(child("a"));
        const b = yield* createTask(child("b"));
        return { a: yield* a, b: yield* b, parent: yield* v.get() };
      }),
    );
    expect(seen).toEqual({ a: ["parent", "a", "a"], b: ["parent", "b", "b"], parent: "parent" });
  });

  it("a task made before anything is set and one made after both start from their creator's state", async () => {
    const v = new ContextVar<number>("v");
    const seen = await vrun(
      Aio.gen(function* () {
        const first = yield* createTask(v.get(0));
        yield* v.set(1);
        const second = yield* createTask(v.get(0));
        return [yield* first, yield* second];
      }),
    );
    expect(seen).toEqual([0, 1]);
  });

  it("run() copies the top-level context into the main task; the task's sets stay in it", async () => {
    const v = new ContextVar<string>("v");
    const p = isolated(() => {
      v.setNow("top");
      return run(
        Aio.gen(function* () {
          const saw = yield* v.get();
          yield* v.set("main");
          return saw;
        }),
        V,
      );
    });
    expect(await p).toBe("top");
  });

  it("gather and taskGroup children inherit; their sets do not leak", async () => {
    const v = new ContextVar("v", { default: "none" });
    const child = (name: string) =>
      Aio.gen(function* () {
        const saw = yield* v.get();
        yield* v.set(name);
        yield* Aio.sleep(1);
        return `${saw}>${yield* v.get()}`;
      });
    const seen = await vrun(
      Aio.gen(function* () {
        yield* v.set("req");
        const viaGather = yield* gather(child("g1"), child("g2"), child("g3"));
        const viaGroup = yield* taskGroup((tg) =>
          Aio.gen(function* () {
            const a = yield* tg.createTask(child("t1"));
            const b = yield* tg.createTask(child("t2"));
            return [a, b] as const;
          }),
        );
        return { viaGather, viaGroup: viaGroup.map((t) => t.result()), after: yield* v.get() };
      }),
    );
    expect(seen).toEqual({
      viaGather: ["req>g1", "req>g2", "req>g3"],
      viaGroup: ["req>t1", "req>t2"],
      after: "req",
    });
  });

  it("createTask(aio, { context }) runs the task in that Context: its sets write into it", async () => {
    const v = new ContextVar("v", { default: "none" });
    const ctx = new Context();
    ctx.run(() => v.setNow("given"));
    const seen = await vrun(
      Aio.gen(function* () {
        yield* v.set("parent");
        const t = yield* createTask(
          Aio.gen(function* () {
            const saw = yield* v.get();
            yield* v.set("written");
            return saw;
          }),
          { context: ctx },
        );
        return [yield* t, yield* v.get()];
      }),
    );
    expect(seen).toEqual(["given", "parent"]);
    expect(ctx.get(v)).toBe("written");
  });

  it("two tasks given the same Context share it; a token made in it resets from either", async () => {
    const v = new ContextVar<number>("v");
    const ctx = new Context();
    const seen = await vrun(
      Aio.gen(function* () {
        const a = yield* createTask(v.set(1), { context: ctx });
        const token = yield* a;
        const b = yield* createTask(
          Aio.gen(function* () {
            const saw = yield* v.get();
            yield* v.reset(token);
            return saw;
          }),
          { context: ctx },
        );
        return yield* b;
      }),
    );
    expect(seen).toBe(1);
    expect(ctx.has(v)).toBe(false);
  });

  it("createTask with a context that is not a Context is a TypeError", async () => {
    const exit = await vexit(createTask(Aio.succeed(1), { context: {} as Context }));
    expect(defectOf(exit)).toBeInstanceOf(TypeError);
  });

  it("ctx.run inside a task: sets go into ctx, tasks made inside copy ctx, then the task's own is back", async () => {
    const v = new ContextVar("v", { default: "none" });
    const ctx = new Context();
    const seen = await vrun(
      Aio.gen(function* () {
        yield* v.set("task");
        const t = ctx.run(() => {
          v.setNow("in-ctx");
          return getRunningLoop().createTask(v.get());
        });
        return [yield* v.get(), yield* t, copyContext().get(v)];
      }),
    );
    expect(seen).toEqual(["task", "in-ctx", "task"]);
    expect(ctx.get(v)).toBe("in-ctx");
  });
});

describe("callbacks run in the context they were scheduled with", () => {
  it("callSoon / callLater / callAt default to a copy of the context at scheduling time", async () => {
    const v = new ContextVar("v", { default: "none" });
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const loop = getRunningLoop();
        yield* v.set("scheduled");
        loop.callSoon((tag: string) => {
          log.push(`${tag}:${v.getNow()}`);
          v.setNow("changed-by-soon"); // stays in the callback's copy
        }, "soon");
        loop.callLater(5, () => log.push(`later:${v.getNow()}`));
        loop.callAt(loop.time() + 7, () => log.push(`at:${v.getNow()}`));
        yield* v.set("changed-after");
        loop.callSoon(() => log.push(`soon2:${v.getNow()}`));
        yield* Aio.sleep(10);
        log.push(`task:${yield* v.get()}`);
      }),
    );
    expect(log).toEqual([
      "soon:scheduled",
      "soon2:changed-after",
      "later:scheduled",
      "at:scheduled",
      "task:changed-after",
    ]);
  });

  it("callSoon / callLater / callAt with { context } run in that Context and write into it", async () => {
    const v = new ContextVar("v", { default: "none" });
    const ctx = new Context();
    ctx.run(() => v.setNow("ctx"));
    const log: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const loop = getRunningLoop();
        yield* v.set("task");
        loop.callSoon({ context: ctx }, (a: number, b: string) => {
          log.push(`soon ${a}${b}:${v.getNow()}`);
          v.setNow("set-by-soon");
        }, 1, "x");
        loop.callLater(2, { context: ctx }, (n: number) => log.push(`later ${n}:${v.getNow()}`), 2);
        loop.callAt(loop.time() + 3, { context: ctx }, () => log.push(`at:${v.getNow()}`));
        loop.callSoon({}, () => log.push(`no-context:${v.getNow()}`));
        loop.callSoonThreadsafe({ context: ctx }, () => log.push(`threadsafe:${v.getNow()}`));
        yield* Aio.sleep(5);
        log.push(`task:${yield* v.get()}`);
      }),
    );
    expect(log).toEqual([
      "soon 1x:ctx",
      "no-context:task",
      "threadsafe:set-by-soon",
      "later 2:set-by-soon",
      "at:set-by-soon",
      "task:task",
    ]);
    expect(ctx.get(v)).toBe("set-by-soon");
  });

  it("a task created in a callback copies the callback's context", async () => {
    const v = new ContextVar("v", { default: "none" });
    const ctx = new Context();
    ctx.run(() => v.setNow("ctx"));
    const seen = await vrun(
      Aio.gen(function* () {
        const loop = getRunningLoop();
        yield* v.set("task");
        const fromDefault = yield* createFuture<string>();
        const fromCtx = yield* createFuture<string>();
        loop.callSoon(() => {
          loop.createTask(v.get()).addDoneCallback((t) => fromDefault.setResult(t.result()));
        });
        loop.callSoon({ context: ctx }, () => {
          v.setNow("ctx-later");
          loop.createTask(v.get()).addDoneCallback((t) => fromCtx.setResult(t.result()));
        });
        return [yield* fromDefault, yield* fromCtx];
      }),
    );
    expect(seen).toEqual(["task", "ctx-later"]);
  });

  it("bad options are a TypeError at the call", () => {
    const loop = newEventLoop(V);
    const f = (): void => undefined;
    const call = (first: unknown, ...rest: unknown[]): unknown =>
      (loop.callSoon as (first: unknown, ...rest: unknown[]) => unknown)(first, ...rest);
    expect(() => call(null, f)).toThrow(TypeError);
    expect(() => call({ context: {} }, f)).toThrow(/must be a Context/);
    expect(() => call({ context: new Context() })).toThrow(/must be a function/);
    expect(() =>
      (loop.callLater as (d: number, first: unknown, ...rest: unknown[]) => unknown)(1, { context: 1 }, f),
    ).toThrow(TypeError);
    expect(loop.pendingTimers()).toBe(0);
    loop.close();
  });

  it("a callback that throws leaves the outer context as it was", async () => {
    const v = new ContextVar("v", { default: "top" });
    const loop = newEventLoop(V);
    const seen: string[] = [];
    const errors: unknown[] = [];
    loop.setExceptionHandler((_l, c) => errors.push(c.exception));
    const ctx = new Context();
    ctx.run(() => v.setNow("ctx"));
    loop.callSoon({ context: ctx }, () => {
      throw new Error("cb");
    });
    loop.callSoon(() => seen.push(v.getNow()));
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    loop.close();
    expect(errors).toHaveLength(1);
    expect(seen).toEqual(["top"]);
    expect(v.getNow()).toBe("top");
    // ctx is not left entered.
    expect(ctx.run(() => v.getNow())).toBe("ctx");
  });
});

describe("a request id set once in a handler appears in every log line of the tasks it starts", () => {
  it("1,000 concurrent requests on one loop: every line carries its own request's id", async () => {
    const requestId = new ContextVar<string>("requestId");
    const lines: Array<{ rid: string; line: string }> = [];
    const log = (line: string): void => {
      lines.push({ rid: requestId.getNow("-"), line });
    };
    const N = 1000;
    // Deterministic pseudo-random delays, so requests interleave.
    const delay = (i: number, k: number): number => ((i * 7919 + k * 104729) % 13) + 1;
    const work = (i: number, k: number) =>
      Aio.gen(function* () {
        log(`req-${i} step ${k} start`);
        yield* Aio.sleep(delay(i, k));
        log(`req-${i} step ${k} end`);
        return k;
      });
    const handler = (i: number) =>
      Aio.gen(function* () {
        yield* requestId.set(`req-${i}`);
        log(`req-${i} handler`);
        const bg = yield* createTask(work(i, 0));
        const results = yield* gather(work(i, 1), work(i, 2), work(i, 3));
        getRunningLoop().callLater(delay(i, 4), () => log(`req-${i} callback`));
        yield* taskGroup((tg) => tg.createTask(work(i, 5)));
        yield* bg;
        yield* Aio.sleep(20);
        return results.length;
      });
    const counts = await vrun(
      Aio.gen(function* () {
        type H = ReturnType<typeof handler>;
        const tasks: Task<Aio.Success<H>, Aio.Error<H>>[] = [];
        for (let i = 0; i < N; i++) tasks.push(yield* createTask(handler(i)));
        return yield* gather(...tasks);
      }),
    );
    expect(counts).toHaveLength(N);
    // handler + 5 works × (start, end) + callback
    expect(lines).toHaveLength(N * 12);
    const wrong = lines.filter(({ rid, line }) => !line.startsWith(`${rid} `));
    expect(wrong).toEqual([]);
    // The requests really interleave: consecutive lines change request far more often
    // than once per request.
    let switches = 0;
    for (let i = 1; i < lines.length; i++) if (lines[i]!.rid !== lines[i - 1]!.rid) switches++;
    expect(switches).toBeGreaterThan(5 * N);
  });
});

// ---------------------------------------------------------------------------------------
// Property: random programs of set / reset / get / spawn against a model

type Op =
  | { readonly k: "set"; readonly v: number; readonly val: number }
  | { readonly k: "reset"; readonly which: number }
  | { readonly k: "get"; readonly v: number }
  | { readonly k: "yield" }
  | { readonly k: "spawn"; readonly prog: readonly Op[]; readonly join: boolean };

const VARS = 3;

const opArb: fc.Arbitrary<Op> = fc.letrec<{ op: Op; prog: readonly Op[] }>((tie) => ({
  op: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ k: fc.constant("set" as const), v: fc.nat(VARS - 1), val: fc.nat(9) }),
    fc.record({ k: fc.constant("reset" as const), which: fc.nat(20) }),
    fc.record({ k: fc.constant("get" as const), v: fc.nat(VARS - 1) }),
    fc.constant({ k: "yield" as const }),
    fc.record({ k: fc.constant("spawn" as const), prog: tie("prog"), join: fc.boolean() }),
  ),
  prog: fc.array(tie("op"), { maxLength: 8 }) as fc.Arbitrary<readonly Op[]>,
})).op;

const progArb: fc.Arbitrary<readonly Op[]> = fc.array(opArb, { maxLength: 12 });

/** What one task observed, in order: values read, and whether each reset was refused. */
type Logs = Map<string, string[]>;

const show = (x: unknown): string => (x === undefined ? "unset" : String(x));

interface ModelToken {
  readonly v: number;
  readonly old: number | undefined;
  readonly owner: string;
  used: boolean;
}

/** The model: each task has its own map, starting as a copy of its creator's. */
const model = (prog: readonly Op[]): Logs => {
  const logs: Logs = new Map();
  const runTask = (id: string, prog: readonly Op[], start: Map<number, number>, inherited: ModelToken[]): void => {
    const state = new Map(start);
    const tokens = [...inherited];
    const out: string[] = [];
    logs.set(id, out);
    let children = 0;
    for (const op of prog) {
      switch (op.k) {
        case "set":
          tokens.push({ v: op.v, old: state.get(op.v), owner: id, used: false });
          state.set(op.v, op.val);
          break;
        case "reset": {
          if (tokens.length === 0) break;
          const t = tokens[op.which % tokens.length]!;
          if (t.used || t.owner !== id) {
            out.push("refused");
            break;
          }
          t.used = true;
          if (t.old === undefined) state.delete(t.v);
          else state.set(t.v, t.old);
          out.push("reset");
          break;
        }
        case "get":
          out.push(show(state.get(op.v)));
          break;
        case "yield":
          break;
        case "spawn":
          runTask(`${id}.${children++}`, op.prog, state, tokens);
          break;
      }
    }
  };
  runTask("0", prog, new Map(), []);
  return logs;
};

/** The same program, for real: tasks interleave on the loop. */
const real = async (prog: readonly Op[]): Promise<Logs> => {
  const logs: Logs = new Map();
  const vars = Array.from({ length: VARS }, (_, i) => new ContextVar<number>(`v${i}`));
  const task = (id: string, prog: readonly Op[], inherited: Token<number>[]): Aio.Aio<void> =>
    Aio.gen(function* () {
      const tokens = [...inherited];
      const out: string[] = [];
      logs.set(id, out);
      const pending: Task<void, never>[] = [];
      let children = 0;
      for (const op of prog) {
        switch (op.k) {
          case "set":
            tokens.push(yield* vars[op.v]!.set(op.val));
            break;
          case "reset": {
            if (tokens.length === 0) break;
            const t = tokens[op.which % tokens.length]!;
            const exit = yield* Aio.exit(t.var.reset(t));
            if (Exit.isSuccess(exit)) out.push("reset");
            else if (defectOf(exit) instanceof ContextError) out.push("refused");
            else out.push(`unexpected ${String(defectOf(exit))}`);
            break;
          }
          case "get":
            out.push(show(yield* vars[op.v]!.get(undefined)));
            break;
          case "yield":
            yield* Aio.yieldNow;
            break;
          case "spawn": {
            const t = yield* createTask(task(`${id}.${children++}`, op.prog, [...tokens]));
            if (op.join) yield* t;
            else pending.push(t);
            break;
          }
        }
      }
      for (const t of pending) yield* t;
    });
  await vrun(task("0", prog, []));
  return logs;
};

describe("property: set / reset / get / createTask against a model", () => {
  it("every task observes what the model says, whatever the interleaving", async () => {
    await fc.assert(
      fc.asyncProperty(progArb, async (prog) => {
        const expected = model(prog);
        const actual = await real(prog);
        expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
      }),
      { numRuns: 300 },
    );
  });
});
