/**
 * aio-ts/fp-ts beyond the laws: fp-ts's own generic helpers (sequenceT, sequenceS,
 * ReadonlyArray.traverse, Do-notation through Apply) driving Aio values, the pipeable
 * functions, the flat array traversals, and the conversions both ways with Task,
 * TaskEither, IO, IOEither, Either and Option — including what a defect and an
 * interruption become on the way out. Virtual time throughout.
 */
import { sequenceS, sequenceT } from "fp-ts/Apply";
import * as E from "fp-ts/Either";
import { pipe } from "fp-ts/function";
import * as O from "fp-ts/Option";
import * as RA from "fp-ts/ReadonlyArray";
import * as TE from "fp-ts/TaskEither";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Aio, CancelledError, EventLoopError, Exit, createRuntime, runSyncExit } from "../src/index.js";
import * as AF from "../src/fp-ts.js";
import { REPO_ROOT, V, errorOf, now, vexit, vrun } from "./helpers.js";

/** The value and the loop time it took. */
const timed = <A, E>(aio: Aio.Aio<A, E>): Aio.Aio<readonly [A, number], E> =>
  Aio.gen(function* () {
    const start = now();
    const a = yield* aio;
    return [a, now() - start] as const;
  });

describe("fp-ts's generic helpers on Aio", () => {
  it("sequenceT(ApplyPar) runs concurrently, sequenceT(Apply) one after the other", async () => {
    expect(await vrun(timed(sequenceT(AF.ApplyPar)(Aio.sleep(30, 1), Aio.sleep(20, "b"), Aio.sleep(10, true))))).toEqual([
      [1, "b", true],
      30,
    ]);
    expect(await vrun(timed(sequenceT(AF.Apply)(Aio.sleep(30, 1), Aio.sleep(20, "b"), Aio.sleep(10, true))))).toEqual([
      [1, "b", true],
      60,
    ]);
  });

  it("sequenceS(ApplyPar): a struct of values; the first failure cancels the rest", async () => {
    const log: string[] = [];
    const slow = Aio.sleep(100, "slow").pipe(Aio.onInterrupt(() => Aio.sync(() => void log.push("slow cancelled"))));
    const ok = await vrun(timed(sequenceS(AF.ApplyPar)({ a: Aio.sleep(10, 1), b: Aio.sleep(20, "x") })));
    expect(ok).toEqual([{ a: 1, b: "x" }, 20]);
    const failed = await vexit(timed(sequenceS(AF.ApplyPar)({ a: slow, b: Aio.sleep(5).pipe(Aio.flatMap(() => Aio.fail("boom"))) })));
    expect(errorOf(failed)).toBe("boom");
    expect(log).toEqual(["slow cancelled"]);
  });

  it("ReadonlyArray.traverse(ApplicativePar) and (Applicative): order kept, timing differs", async () => {
    const f = (ms: number) => Aio.sleep(ms, ms * 2);
    expect(await vrun(timed(pipe([30, 10, 20], RA.traverse(AF.ApplicativePar)(f))))).toEqual([[60, 20, 40], 30]);
    expect(await vrun(timed(pipe([30, 10, 20], RA.traverse(AF.Applicative)(f))))).toEqual([[60, 20, 40], 60]);
    expect(await vrun(pipe([] as number[], RA.traverse(AF.ApplicativePar)(f)))).toEqual([]);
  });

  it("Do-notation with apS / bind from fp-ts's Apply and Chain", async () => {
    const { apS } = await import("fp-ts/Apply");
    const { bind } = await import("fp-ts/Chain");
    const program = pipe(
      AF.of({}),
      apS(AF.ApplyPar)("a", Aio.sleep(10, 1)),
      bind(AF.Chain)("b", ({ a }) => Aio.sleep(10, a + 1)),
    );
    expect(await vrun(timed(program))).toEqual([{ a: 1, b: 2 }, 20]);
  });
});

describe("pipeable functions", () => {
  it("map, ap, apPar, apFirst, apSecond, chain, flatMap, chainFirst, flatten", async () => {
    const double = (n: number) => n * 2;
    expect(await vrun(pipe(AF.of(2), AF.map(double)))).toBe(4);
    expect(await vrun(timed(pipe(Aio.sleep(10, double), AF.ap(Aio.sleep(10, 5)))))).toEqual([10, 20]);
    expect(await vrun(timed(pipe(Aio.sleep(10, double), AF.apPar(Aio.sleep(10, 5)))))).toEqual([10, 10]);
    expect(await vrun(pipe(AF.of("a"), AF.apFirst(AF.of("b"))))).toBe("a");
    expect(await vrun(pipe(AF.of("a"), AF.apSecond(AF.of("b"))))).toBe("b");
    expect(await vrun(pipe(AF.of(3), AF.chain((n) => Aio.sleep(n, n + 1))))).toBe(4);
    expect(await vrun(pipe(AF.of(3), AF.flatMap((n) => AF.of(n * 3))))).toBe(9);
    const seen: number[] = [];
    expect(await vrun(pipe(AF.of(3), AF.chainFirst((n) => AF.fromIO(() => void seen.push(n)))))).toBe(3);
    expect(seen).toEqual([3]);
    expect(await vrun(AF.flatten(AF.of(AF.of(7))))).toBe(7);
  });

  it("bimap, mapLeft, alt, throwError: typed failures only; a defect passes alt", async () => {
    expect(errorOf(await vexit(pipe(AF.throwError(404), AF.mapLeft((c) => `HTTP ${c}`))))).toBe("HTTP 404");
    expect(await vrun(pipe(AF.of(1), AF.bimap((e: string) => e.length, (a) => a + 1)))).toBe(2);
    expect(await vrun(pipe(AF.throwError("down"), AF.alt(() => AF.of("cached"))))).toBe("cached");
    const died = await vexit(pipe(Aio.die("bug"), AF.alt(() => AF.of("cached"))));
    expect(died).toEqual(Exit.die("bug"));
    // alt's fallback is built only on failure
    let built = 0;
    await vrun(pipe(AF.of(1), AF.alt(() => (built++, AF.of(2)))));
    expect(built).toBe(0);
  });
});

describe("array traversals", () => {
  it("traverseArray: one gather, input order, time of the slowest; index passed", async () => {
    expect(await vrun(timed(pipe([30, 10, 20], AF.traverseArray((ms, i) => Aio.sleep(ms, `${i}:${ms}`)))))).toEqual([
      ["0:30", "1:10", "2:20"],
      30,
    ]);
    expect(await vrun(pipe([] as number[], AF.traverseArray((n) => AF.of(n))))).toEqual([]);
  });

  it("traverseSeqArray: one after the other; stops at the first failure", async () => {
    const started: number[] = [];
    const f = (n: number) => Aio.sync(() => started.push(n)).pipe(Aio.flatMap(() => (n === 2 ? Aio.fail(`bad ${n}`) : Aio.sleep(10, n))));
    expect(errorOf(await vexit(pipe([1, 2, 3], AF.traverseSeqArray(f))))).toBe("bad 2");
    expect(started).toEqual([1, 2]);
    expect(await vrun(timed(AF.sequenceSeqArray([Aio.sleep(20, 1), Aio.sleep(10, 2)])))).toEqual([[1, 2], 30]);
    expect(await vrun(timed(AF.sequenceArray([Aio.sleep(20, 1), Aio.sleep(10, 2)])))).toEqual([[1, 2], 20]);
  });

  it("10^5 elements: traverseArray and traverseSeqArray, no stack growth", async () => {
    const xs = Array.from({ length: 100_000 }, (_, i) => i);
    const par = await vrun(pipe(xs, AF.traverseArray((n) => AF.of(n + 1))));
    expect(par.length).toBe(100_000);
    expect(par[99_999]).toBe(100_000);
    const seq = await vrun(pipe(xs, AF.traverseSeqArray((n) => AF.of(n * 2))));
    expect(seq[99_999]).toBe(199_998);
  });

  it("traverseArray is lazy: f runs when the Aio runs, every time it runs", async () => {
    let calls = 0;
    const p = pipe([1, 2], AF.traverseArray((n) => (calls++, AF.of(n))));
    expect(calls).toBe(0);
    await vrun(p);
    await vrun(p);
    expect(calls).toBe(4);
  });
});

describe("conversions from fp-ts", () => {
  it("fromEither, fromOption (onNone lazy), fromIO, fromIOEither", async () => {
    expect(await vrun(AF.fromEither(E.right(1)))).toBe(1);
    expect(errorOf(await vexit(AF.fromEither(E.left("l"))))).toBe("l");
    let nones = 0;
    const none = pipe(O.none, AF.fromOption(() => (nones++, "missing")));
    expect(nones).toBe(0);
    expect(errorOf(await vexit(none))).toBe("missing");
    expect(nones).toBe(1);
    expect(await vrun(pipe(O.some(2), AF.fromOption(() => "missing")))).toBe(2);
    let n = 0;
    const io = AF.fromIO(() => ++n);
    expect([await vrun(io), await vrun(io)]).toEqual([1, 2]);
    expect(errorOf(await vexit(AF.fromIOEither(() => E.left("io left"))))).toBe("io left");
    expect(await vrun(AF.fromIOEither(() => E.right("io right")))).toBe("io right");
    const thrown = new Error("io threw");
    expect(await vexit(AF.fromIOEither(() => { throw thrown; }))).toEqual(Exit.die(thrown));
  });

  it("fromTask and fromTaskEither: a rejection is a defect; Left the typed failure", async () => {
    expect(await vrun(AF.fromTask(() => Promise.resolve("t")))).toBe("t");
    expect(await vrun(AF.fromTaskEither(TE.right(5)))).toBe(5);
    expect(errorOf(await vexit(AF.fromTaskEither(TE.left("offline"))))).toBe("offline");
    const bad = new Error("rejected");
    expect(await vexit(AF.fromTask(() => Promise.reject(bad)))).toEqual(Exit.die(bad));
    expect(await vexit(AF.fromTaskEither(() => Promise.reject(bad)))).toEqual(Exit.die(bad));
  });

  it("fromTask runs the task each time the Aio runs", async () => {
    let runs = 0;
    const a = AF.fromTask(() => Promise.resolve(++runs));
    expect([await vrun(a), await vrun(a)]).toEqual([1, 2]);
  });
});

describe("conversions to fp-ts", () => {
  it("toEither / toOption never fail on a typed error; a defect passes", async () => {
    expect(await vrun(AF.toEither(AF.of(1)))).toEqual(E.right(1));
    expect(await vrun(AF.toEither(AF.throwError("x")))).toEqual(E.left("x"));
    expect(await vrun(AF.toOption(AF.of(1)))).toEqual(O.some(1));
    expect(await vrun(AF.toOption(AF.throwError("x")))).toEqual(O.none);
    expect(await vexit(AF.toEither(Aio.die("bug")))).toEqual(Exit.die("bug"));
  });

  it("toTaskEither: Right, Left; a defect rejects with it; an interruption rejects with CancelledError", async () => {
    expect(await AF.toTaskEither(Aio.sleep(50, 1), V)()).toEqual(E.right(1));
    expect(await AF.toTaskEither(AF.throwError("offline"), V)()).toEqual(E.left("offline"));
    const bug = new TypeError("bug");
    await expect(AF.toTaskEither(Aio.die(bug), V)()).rejects.toBe(bug);
    const aborted = AF.toTaskEither(Aio.never, { ...V, signal: AbortSignal.abort("stop") })();
    await expect(aborted).rejects.toBeInstanceOf(CancelledError);
  });

  it("toTaskEither runs the program each time the Task is called", async () => {
    let runs = 0;
    const te = AF.toTaskEither(Aio.sync(() => ++runs), V);
    expect(runs).toBe(0);
    expect([await te(), await te()]).toEqual([E.right(1), E.right(2)]);
  });

  it("toTask: resolves with the value; a defect rejects", async () => {
    expect(await AF.toTask(Aio.sleep(10, "done"), V)()).toBe("done");
    await expect(AF.toTask(Aio.die("bug"), V)()).rejects.toBe("bug");
  });

  it("toTask / toTaskEither on a Runtime: runs on its loop; dispose interrupts", async () => {
    const rt = createRuntime(V);
    try {
      const loopOf = Aio.sync(() => 1);
      expect(await AF.toTask(loopOf, { runtime: rt })()).toBe(1);
      expect(await AF.toTaskEither(AF.throwError("e"), { runtime: rt })()).toEqual(E.left("e"));
      const pending = AF.toTaskEither(Aio.never, { runtime: rt })();
      await rt.dispose();
      await expect(pending).rejects.toBeInstanceOf(CancelledError);
    } finally {
      await rt.dispose();
    }
  });

  it("toTaskEither inside a running program rejects with EventLoopError (yield* instead)", async () => {
    const inner = await vrun(Aio.promise(() => AF.toTaskEither(AF.of(1))().then(() => "resolved", (e: unknown) => e)));
    expect(inner).toBeInstanceOf(EventLoopError);
  });

  it("toIOEither / toIO: synchronous programs; one that suspends throws EventLoopError", () => {
    expect(AF.toIOEither(AF.of(1))()).toEqual(E.right(1));
    expect(AF.toIOEither(AF.throwError("bad"))()).toEqual(E.left("bad"));
    expect(AF.toIO(Aio.sync(() => 2))()).toBe(2);
    expect(() => AF.toIO(Aio.sleep(10))()).toThrow(EventLoopError);
    expect(() => AF.toIOEither(Aio.die("bug"))()).toThrow();
    expect(runSyncExit(AF.fromIOEither(AF.toIOEither(AF.throwError("round trip"))))).toEqual(Exit.fail("round trip"));
  });

  it("round trips: TaskEither → Aio → TaskEither keeps Left and Right", async () => {
    for (const te of [TE.right<string, number>(1), TE.left<string, number>("no")]) {
      expect(await AF.toTaskEither(AF.fromTaskEither(te), V)()).toEqual(await te());
    }
  });
});

describe("packaging", () => {
  /** The relative imports of a source file that survive compilation (not `import type`). */
  const runtimeImports = (file: string): string[] =>
    [...readFileSync(file, "utf8").matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1] as string);

  it("the main entry's import graph never reaches fp-ts or io-ts (or their modules)", () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of runtimeImports(file)) {
        if (spec.startsWith(".")) visit(join(file, "..", spec.replace(/\.js$/, ".ts")));
        else bare.add(spec);
      }
    };
    visit(join(REPO_ROOT, "src/index.ts"));
    expect(seen.size).toBeGreaterThan(10); // it did walk the graph
    expect([...seen].filter((f) => /fp-ts|io-ts/.test(f))).toEqual([]);
    expect([...bare].filter((s) => /fp-ts|io-ts/.test(s))).toEqual([]);
    expect(readdirSync(join(REPO_ROOT, "src"))).toEqual(expect.arrayContaining(["fp-ts.ts", "io-ts.ts"]));
  });

  it("aio-ts/fp-ts and aio-ts/io-ts import fp-ts and io-ts for types only", () => {
    for (const f of ["src/fp-ts.ts", "src/io-ts.ts"]) {
      const imports = runtimeImports(join(REPO_ROOT, f));
      expect(imports).toContain("./index.js"); // the one runtime, through the public entry
      expect(imports.filter((s) => !s.startsWith("."))).toEqual([]);
    }
  });
});
