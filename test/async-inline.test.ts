/**
 * `yield*` of an `Aio.async` inside `Aio.gen` starts the registration inline, in the
 * generator's `next()` (internal/async.ts, `Async.next`), instead of through a fiber step.
 * These pin that the inline path and the fiber path (`_eval`, what running the same Aio
 * outside a generator takes) agree on every outcome: a value, a typed failure, another
 * Aio, a throw, a pending cancellation, a later resume, a cancel while waiting, and the
 * step budget (a loop of registrations resumed at once still lets other tasks run).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Aio, CancelledError, Exit, createTask, currentTask, run } from "../src/index.js";
import { V, cancelAndJoin, defectOf, expectInterrupted, settle, vexit } from "./helpers.js";

type Outcome =
  | { readonly kind: "succeed"; readonly value: number }
  | { readonly kind: "fail"; readonly error: string }
  | { readonly kind: "sleep"; readonly value: number }
  | { readonly kind: "gen"; readonly value: number }
  | { readonly kind: "throw"; readonly message: string }
  | { readonly kind: "throwCancelled" }
  | { readonly kind: "later"; readonly value: number }
  | { readonly kind: "twice"; readonly value: number };

/** An `Aio.async` whose register does what `o` says; `log` records the calls. */
const registration = (o: Outcome, log: string[]): Aio.Aio<number, string> =>
  Aio.async<number, string>((resume) => {
    log.push(`register ${o.kind}`);
    switch (o.kind) {
      case "succeed":
        return resume(Aio.succeed(o.value));
      case "fail":
        return resume(Aio.fail(o.error));
      case "sleep":
        return resume(Aio.sleep(5, o.value));
      case "gen":
        return resume(
          Aio.gen(function* () {
            yield* Aio.sleep(1);
            return o.value;
          }),
        );
      case "throw":
        throw new Error(o.message);
      case "throwCancelled":
        throw new CancelledError("from register");
      case "later": {
        const id = setTimeout(() => resume(Aio.succeed(o.value)), 3);
        return () => {
          log.push("canceller");
          clearTimeout(id);
        };
      }
      case "twice":
        resume(Aio.succeed(o.value));
        resume(Aio.succeed(o.value + 1));
        return () => log.push("canceller of a resumed registration");
    }
  });

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.record({ kind: fc.constant("succeed" as const), value: fc.integer() }),
  fc.record({ kind: fc.constant("fail" as const), error: fc.string({ maxLength: 4 }) }),
  fc.record({ kind: fc.constant("sleep" as const), value: fc.integer() }),
  fc.record({ kind: fc.constant("gen" as const), value: fc.integer() }),
  fc.record({ kind: fc.constant("throw" as const), message: fc.string({ maxLength: 4 }) }),
  fc.constant({ kind: "throwCancelled" as const }),
  fc.record({ kind: fc.constant("later" as const), value: fc.integer() }),
  fc.record({ kind: fc.constant("twice" as const), value: fc.integer({ min: -1e6, max: 1e6 }) }),
);

/** The exit's shape, comparable across runs (a defect by its message). */
const shape = (e: Exit.Exit<unknown, unknown>): unknown =>
  e._tag === "Success"
    ? e
    : e.cause._tag === "Die"
      ? { die: String((defectOf(e) as Error).message) }
      : e.cause;

describe("Aio.async inside Aio.gen: the inline path agrees with the fiber path", () => {
  it("property: a sequence of registrations gives the same exit and the same calls either way", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { minLength: 1, maxLength: 6 }), async (os) => {
        const viaGen: string[] = [];
        const inline = await vexit(
          Aio.gen(function* () {
            const got: number[] = [];
            for (const o of os) got.push(yield* registration(o, viaGen));
            return got;
          }),
        );
        // The same registrations chained with flatMap: each is evaluated by the fiber.
        const viaFiber: string[] = [];
        const chained = os.reduce<Aio.Aio<number[], string>>(
          (acc, o) => acc.pipe(Aio.flatMap((got) => registration(o, viaFiber).pipe(Aio.map((x) => [...got, x])))),
          Aio.succeed([]),
        );
        const fiber = await vexit(chained);
        expect(shape(inline)).toEqual(shape(fiber));
        expect(viaGen).toEqual(viaFiber);
      }),
      { numRuns: 200 },
    );
  });

  it("a failure resumed at once is thrown at the yield*: try/catch sees it, typed", async () => {
    const exit = await vexit(
      Aio.gen(function* () {
        try {
          return yield* registration({ kind: "fail", error: "boom" }, []);
        } catch (e) {
          return `caught ${String(e)}`;
        }
      }),
    );
    expect(exit).toEqual(Exit.succeed("caught boom"));
  });

  it("a throw from register is thrown at the yield* (a defect if not caught); a CancelledError is an interruption", async () => {
    const caught = await vexit(
      Aio.gen(function* () {
        try {
          return yield* registration({ kind: "throw", message: "bad" }, []);
        } catch (e) {
          return (e as Error).message;
        }
      }),
    );
    expect(caught).toEqual(Exit.succeed("bad"));
    const uncaught = await vexit(
      Aio.gen(function* () {
        return yield* registration({ kind: "throw", message: "bad" }, []);
      }),
    );
    expect((defectOf(uncaught) as Error).message).toBe("bad");
    const cancelled = await vexit(
      Aio.gen(function* () {
        return yield* registration({ kind: "throwCancelled" }, []);
      }),
    );
    expectInterrupted(cancelled, "from register");
  });

  it("a cancellation pending before the yield* is delivered there: register never runs", async () => {
    const log: string[] = [];
    const exit = await vexit(
      Aio.gen(function* () {
        currentTask()!.cancel("early");
        return yield* registration({ kind: "succeed", value: 1 }, log);
      }),
    );
    expectInterrupted(exit, "early");
    expect(log).toEqual([]);
  });

  it("a registration that waits: cancel while waiting calls its canceller, aborts its signal; a resumed one's canceller is dropped", async () => {
    const log: string[] = [];
    let signal: AbortSignal | undefined;
    const exit = await run(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            yield* registration({ kind: "twice", value: 1 }, log);
            return yield* Aio.async<number>((_resume, s) => {
              signal = s;
              return () => log.push("canceller");
            });
          }),
        );
        yield* settle;
        return yield* cancelAndJoin(t, "stop");
      }),
      V,
    );
    expectInterrupted(exit, "stop");
    expect(log).toEqual(["register twice", "canceller"]);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toEqual(new CancelledError("stop"));
  });

  it("10^5 registrations resumed at once still yield to other tasks (the step budget counts them)", async () => {
    const n = 100_000;
    let ticks = 0;
    const result = await run(
      Aio.gen(function* () {
        let stop = false;
        const ticker = yield* createTask(
          Aio.gen(function* () {
            while (!stop) {
              ticks++;
              yield* Aio.yieldNow;
            }
          }),
        );
        let s = 0;
        for (let i = 0; i < n; i++) s += yield* Aio.async<number>((resume) => resume(Aio.succeed(1)));
        stop = true;
        yield* ticker;
        return s;
      }),
      V,
    );
    expect(result).toBe(n);
    // 2048 steps a turn: the ticker ran at least once per budget spent.
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(n / 2048));
  });
});
