/**
 * Stack safety of the fiber run loop and fairness (MAX_STEPS_PER_TURN).
 */
import { describe, it, expect } from "vitest";
import { Aio, createTask, run, runSync } from "../src/index.js";
import { MAX_STEPS_PER_TURN } from "../src/internal/aio.js";
import { V } from "./helpers.js";

const BIG = 60_000;

describe("stack safety", () => {
  it(
    "a lazily built, right-nested 10,000,000-step flatMap chain runs without stack overflow",
    () => {
      const loop = (n: number): Aio.Aio<number> =>
        n === 0 ? Aio.succeed(0) : Aio.succeed(n).pipe(Aio.flatMap(() => loop(n - 1)));
      expect(runSync(loop(10_000_000))).toBe(0);
    },
    BIG,
  );

  it(
    "a 10,000,000-step accumulating flatMap chain on the loop (with fairness yields) returns the count",
    async () => {
      const count = (n: number, acc: number): Aio.Aio<number> =>
        n === 0 ? Aio.succeed(acc) : Aio.succeed(n).pipe(Aio.flatMap(() => count(n - 1, acc + 1)));
      expect(await run(count(10_000_000, 0), V)).toBe(10_000_000);
    },
    BIG,
  );

  it(
    "a left-nested chain (1,000,000 frames deep on the fiber stack) runs without stack overflow",
    () => {
      const left = (n: number): Aio.Aio<number> =>
        n === 0 ? Aio.succeed(0) : Aio.suspend(() => left(n - 1)).pipe(Aio.flatMap((x) => Aio.succeed(x + 1)));
      expect(runSync(left(1_000_000))).toBe(1_000_000);
    },
    BIG,
  );

  it(
    "an eagerly built left-nested chain of 1,000,000 maps and flatMaps",
    () => {
      let chain: Aio.Aio<number> = Aio.succeed(0);
      for (let i = 0; i < 500_000; i++) {
        chain = chain.pipe(
          Aio.map((n) => n + 1),
          Aio.flatMap((n) => Aio.succeed(n + 1)),
        );
      }
      expect(runSync(chain)).toBe(1_000_000);
    },
    BIG,
  );

  it(
    "a recursive Aio.gen program 1,000,000 deep returns 1,000,000",
    () => {
      const f = (n: number): Aio.Aio<number> =>
        Aio.gen(function* () {
          return n === 0 ? 0 : 1 + (yield* f(n - 1));
        });
      expect(runSync(f(1_000_000))).toBe(1_000_000);
    },
    BIG,
  );

  it(
    "a recursive Aio.suspend program 1,000,000 deep returns 1,000,000",
    () => {
      const g = (n: number): Aio.Aio<number> =>
        Aio.suspend(() => (n === 0 ? Aio.succeed(0) : g(n - 1).pipe(Aio.map((x) => x + 1))));
      expect(runSync(g(1_000_000))).toBe(1_000_000);
    },
    BIG,
  );

  it(
    "a deep failure unwinds 1,000,000 frames (through catchAll at the bottom) without stack overflow",
    () => {
      const g = (n: number): Aio.Aio<number, string> =>
        n === 0 ? Aio.fail("bottom") : Aio.suspend(() => g(n - 1)).pipe(Aio.map((x) => x + 1));
      const r = runSync(g(1_000_000).pipe(Aio.catchAll((e) => Aio.succeed(e.length))));
      expect(r).toBe("bottom".length);
    },
    BIG,
  );

  it(
    "a deep recursive Aio.gen that sleeps at the bottom resumes through 200,000 generator frames",
    async () => {
      const f = (n: number): Aio.Aio<number> =>
        Aio.gen(function* () {
          if (n === 0) return yield* Aio.sleep(10, 0);
          return 1 + (yield* f(n - 1));
        });
      expect(await run(f(200_000), V)).toBe(200_000);
    },
    BIG,
  );
});

describe("fairness", () => {
  it("MAX_STEPS_PER_TURN is a positive integer", () => {
    expect(Number.isInteger(MAX_STEPS_PER_TURN)).toBe(true);
    expect(MAX_STEPS_PER_TURN).toBeGreaterThan(0);
  });

  it(
    "a busy fiber yields after MAX_STEPS_PER_TURN steps so another task runs in between",
    async () => {
      const steps = MAX_STEPS_PER_TURN * 20;
      let otherRan = false;
      let seenAt: number | undefined;
      let i = 0;
      const busy = (n: number): Aio.Aio<number> =>
        n === 0
          ? Aio.succeed(i)
          : Aio.sync(() => {
              i++;
              if (otherRan && seenAt === undefined) seenAt = i;
            }).pipe(Aio.flatMap(() => busy(n - 1)));
      const result = await run(
        Aio.gen(function* () {
          const a = yield* createTask(busy(steps));
          const b = yield* createTask(Aio.sync(() => (otherRan = true)));
          const total = yield* a;
          yield* b;
          return total;
        }),
        V,
      );
      expect(result).toBe(steps);
      expect(otherRan).toBe(true);
      // B ran while A was still busy, after no more than one turn of A.
      expect(seenAt).toBeDefined();
      expect(seenAt!).toBeGreaterThan(1);
      expect(seenAt!).toBeLessThanOrEqual(MAX_STEPS_PER_TURN);
    },
    BIG,
  );

  it(
    "two busy fibers interleave in turns",
    async () => {
      const log: string[] = [];
      const busy = (name: string, n: number): Aio.Aio<void> =>
        n === 0
          ? Aio.void
          : Aio.sync(() => {
              if (log[log.length - 1] !== name) log.push(name);
            }).pipe(Aio.flatMap(() => busy(name, n - 1)));
      await run(
        Aio.gen(function* () {
          const a = yield* createTask(busy("A", MAX_STEPS_PER_TURN * 10));
          const b = yield* createTask(busy("B", MAX_STEPS_PER_TURN * 10));
          yield* a;
          yield* b;
        }),
        V,
      );
      // Runs of A and B alternate: many switches, starting with A.
      expect(log[0]).toBe("A");
      expect(log.length).toBeGreaterThanOrEqual(10);
      for (let k = 1; k < log.length; k++) expect(log[k]).not.toBe(log[k - 1]);
    },
    BIG,
  );

  it(
    "a busy Aio.gen loop of yield* Aio.sync also yields to other tasks",
    async () => {
      const steps = MAX_STEPS_PER_TURN * 20;
      let otherRan = false;
      let seenAt: number | undefined;
      const result = await run(
        Aio.gen(function* () {
          const a = yield* createTask(
            Aio.gen(function* () {
              let i = 0;
              for (let k = 0; k < steps; k++) {
                i = yield* Aio.sync(() => i + 1);
                if (otherRan && seenAt === undefined) seenAt = i;
              }
              return i;
            }),
          );
          const b = yield* createTask(Aio.sync(() => (otherRan = true)));
          const total = yield* a;
          yield* b;
          return total;
        }),
        V,
      );
      expect(result).toBe(steps);
      expect(seenAt).toBeDefined();
      expect(seenAt!).toBeLessThan(steps);
    },
    BIG,
  );
});
