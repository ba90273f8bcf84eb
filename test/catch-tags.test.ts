/**
 * The narrowing error handlers of src/Aio.ts (catchTag, catchTags, catchIf, orElseSucceed)
 * and fromEither / fromNullable: what is handled, what passes unchanged (other typed
 * failures, untagged errors, defects, interruptions), and bad input at the boundary.
 * Their types are pinned in type-tests/catch-tags.test-d.ts.
 *
 * Also the debug-mode report of a `createTask` / `tg.createTask` Aio that was never run
 * (a forgotten `yield*`), src/internal/debug.ts.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as E from "fp-ts/Either";
import { Aio, Exit, TimeoutError, getDebug, runSyncExit, setDebug, taskGroup, waitFor } from "../src/index.js";
import { cancelAfter, defectOf, errorOf, expectInterrupted, runNode, vexit, vrun, type ChildResult } from "./helpers.js";

type NotFound = { readonly _tag: "NotFound"; readonly id: string };
type Invalid = { readonly _tag: "Invalid"; readonly reason: string };
type Timeout = { readonly _tag: "Timeout"; readonly ms: number };
type AppError = NotFound | Invalid | Timeout;

const notFound: NotFound = { _tag: "NotFound", id: "ada" };
const invalid: Invalid = { _tag: "Invalid", reason: "empty" };
const timeout: Timeout = { _tag: "Timeout", ms: 5 };

/** An Aio typed with every AppError (and an untagged string) that fails with `e`. */
const failWith = (e: AppError | string): Aio<number, AppError | string> => Aio.fail(e);

type Self = Aio<number, AppError | string>;
/** Every combinator under test, applied so that it would handle NotFound. */
const handlersOfNotFound: Record<string, (self: Self) => Aio<number | string, unknown>> = {
  catchTag: (self) => self.pipe(Aio.catchTag("NotFound", (e) => Aio.succeed(`handled ${e.id}`))),
  catchTags: (self) => self.pipe(Aio.catchTags({ NotFound: (e) => Aio.succeed(`handled ${e.id}`) })),
  catchIf: (self) =>
    self.pipe(
      Aio.catchIf(
        (e): e is NotFound => typeof e === "object" && e._tag === "NotFound",
        (e) => Aio.succeed(`handled ${e.id}`),
      ),
    ),
};

describe("catchTag / catchTags / catchIf: what passes", () => {
  for (const [name, apply] of Object.entries(handlersOfNotFound)) {

    it(`${name}: the matching failure is handled`, () => {
      expect(runSyncExit(apply(failWith(notFound)))).toEqual(Exit.succeed("handled ada"));
    });

    it(`${name}: a success passes`, () => {
      expect(runSyncExit(apply(Aio.succeed(7)))).toEqual(Exit.succeed(7));
    });

    it(`${name}: another tag and an untagged error pass, the same value`, () => {
      for (const e of [invalid, timeout, "NotFound"] as const) {
        expect(errorOf(runSyncExit(apply(failWith(e))))).toBe(e);
      }
    });

    it(`${name}: a defect passes, even one with the tag`, () => {
      const defect = { _tag: "NotFound", id: "bug" };
      expect(defectOf(runSyncExit(apply(Aio.die(defect))))).toBe(defect);
    });

    it(`${name}: an interruption passes`, async () => {
      const r = await vexit(cancelAfter(apply(Aio.never), 10, "stop"));
      expect(r._tag).toBe("Success");
      if (r._tag === "Success") expectInterrupted(r.value.exit, "stop");
    });
  }

  it("an error whose tag matches only through the prototype chain is not handled by catchTags", () => {
    // The table's own keys only: "toString" is on Object.prototype, not a handler.
    const weird = { _tag: "toString" };
    const self = Aio.fail(weird) as Aio<never, NotFound>;
    const exit = runSyncExit(self.pipe(Aio.catchTags({ NotFound: () => Aio.succeed(0) })));
    expect(errorOf(exit)).toBe(weird);
  });

  it("null, numbers and objects without _tag pass catchTag", () => {
    for (const e of [null, undefined, 0, "NotFound", {}, { tag: "NotFound" }, { _tag: 1 }]) {
      const self = Aio.fail(e) as Aio<never, unknown>;
      const caught = (self as Aio<never, NotFound>).pipe(Aio.catchTag("NotFound", () => Aio.succeed("caught")));
      expect(errorOf(runSyncExit(caught))).toBe(e);
    }
  });

  it("a class instance with a _tag field is matched", () => {
    class HttpError extends Error {
      readonly _tag = "HttpError" as const;
    }
    const e = new HttpError("503");
    const self: Aio<number, HttpError | NotFound> = Aio.fail(e);
    expect(runSyncExit(self.pipe(Aio.catchTag("HttpError", (x) => Aio.succeed(x.message))))).toEqual(Exit.succeed("503"));
  });
});

describe("with the library's own tagged errors", () => {
  it("catchTag('TimeoutError') recovers a waitFor that timed out, at the deadline", async () => {
    const exit = await vexit(
      waitFor(Aio.sleep(100, "slow"), 10).pipe(
        Aio.catchTag("TimeoutError", (e) => Aio.succeed(e instanceof TimeoutError ? "timed out" : "?")),
      ),
    );
    expect(exit).toEqual(Exit.succeed("timed out"));
  });
});

describe("the handlers' own outcomes", () => {
  it("a handler's failure is the new failure; a handler's defect is a defect", () => {
    const self: Aio<number, AppError> = Aio.fail(notFound);
    const failing = self.pipe(Aio.catchTag("NotFound", (e) => Aio.fail(`retry ${e.id}`)));
    expect(errorOf(runSyncExit(failing))).toBe("retry ada");
    const boom = new Error("boom");
    const dying = self.pipe(Aio.catchTags({ NotFound: () => Aio.die(boom) }));
    expect(defectOf(runSyncExit(dying))).toBe(boom);
  });

  it("a handler that throws or returns a non-Aio is a defect naming the combinator", () => {
    const self: Aio<number, AppError> = Aio.fail(notFound);
    const throwing = self.pipe(
      Aio.catchIf(
        () => true,
        () => {
          throw new Error("in handler");
        },
      ),
    );
    expect((defectOf(runSyncExit(throwing)) as Error).message).toBe("in handler");
    const notAio = self.pipe(Aio.catchTag("NotFound", () => 42 as unknown as Aio<number>));
    expect(String(defectOf(runSyncExit(notAio)))).toMatch(/Aio\.catchTag: the handler returned number 42, not an Aio/);
  });

  it("a predicate that throws is a defect", () => {
    const self: Aio<number, AppError> = Aio.fail(notFound);
    const bad = self.pipe(
      Aio.catchIf(
        () => {
          throw new Error("in predicate");
        },
        () => Aio.succeed(0),
      ),
    );
    expect((defectOf(runSyncExit(bad)) as Error).message).toBe("in predicate");
  });

  it("a handler runs each time the Aio runs (nothing is cached)", () => {
    let calls = 0;
    const self: Aio<number, AppError> = Aio.fail(invalid);
    const p = self.pipe(Aio.catchTags({ Invalid: () => Aio.sync(() => ++calls) }));
    expect(runSyncExit(p)).toEqual(Exit.succeed(1));
    expect(runSyncExit(p)).toEqual(Exit.succeed(2));
  });

  it("chained catchTag handles each tag once, in order; the last handler sees only its own", () => {
    const seen: string[] = [];
    const chain = (e: AppError) =>
      failWith(e).pipe(
        Aio.catchTag("NotFound", () => Aio.sync(() => void seen.push("nf")).pipe(Aio.as("nf"))),
        Aio.catchTag("Invalid", () => Aio.fail(timeout)),
        Aio.catchTag("Timeout", (t) => Aio.succeed(`t${t.ms}`)),
      );
    expect(runSyncExit(chain(notFound))).toEqual(Exit.succeed("nf"));
    expect(runSyncExit(chain(invalid))).toEqual(Exit.succeed("t5")); // Invalid → Timeout → handled
    expect(runSyncExit(chain(timeout))).toEqual(Exit.succeed("t5"));
    expect(seen).toEqual(["nf"]);
  });

  it("catchTags: a handler runs after an asynchronous failure too", async () => {
    const self: Aio<number, AppError> = Aio.sleep(10).pipe(Aio.flatMap(() => Aio.fail(timeout)));
    const exit = await vexit(self.pipe(Aio.catchTags({ Timeout: (t) => Aio.sleep(t.ms, "late") })));
    expect(exit).toEqual(Exit.succeed("late"));
  });
});

describe("catchTags: the table against a model", () => {
  it("handles exactly the failures whose tag is a key of the table (property)", () => {
    const tags = ["NotFound", "Invalid", "Timeout", "Other"] as const;
    fc.assert(
      fc.property(
        fc.subarray([...tags]),
        fc.oneof(fc.constantFrom(...tags).map((t) => ({ _tag: t })), fc.constantFrom(null, "NotFound", 3)),
        (keys, error) => {
          const table: Record<string, (e: unknown) => Aio<string>> = {};
          for (const k of keys) table[k] = () => Aio.succeed(`handled ${k}`);
          const self = Aio.fail(error) as Aio<never, { readonly _tag: (typeof tags)[number] }>;
          const exit = runSyncExit(self.pipe(Aio.catchTags(table as never)));
          const tag = typeof error === "object" && error !== null ? error._tag : undefined;
          if (tag !== undefined && keys.includes(tag)) expect(exit).toEqual(Exit.succeed(`handled ${tag}`));
          else expect(errorOf(exit)).toBe(error);
        },
      ),
    );
  });
});

describe("bad input is a TypeError at once", () => {
  it("catchTag, catchTags, catchIf, orElseSucceed, fromNullable, fromEither", () => {
    const self: Aio<number, NotFound> = Aio.fail(notFound);
    expect(() => self.pipe(Aio.catchTag(1 as unknown as "NotFound", () => Aio.succeed(0)))).toThrow(TypeError);
    expect(() => self.pipe(Aio.catchTag("NotFound", "h" as never))).toThrow(/handler function/);
    expect(() => self.pipe(Aio.catchTags(null as never))).toThrow(/object of handlers/);
    expect(() => self.pipe(Aio.catchTags({ NotFound: 1 } as never))).toThrow(/"NotFound" is not a function/);
    expect(() => Aio.catchIf(1 as never, () => Aio.succeed(0))).toThrow(/predicate/);
    expect(() => self.pipe(Aio.orElseSucceed(0 as never))).toThrow(/orElseSucceed/);
    expect(() => Aio.fromNullable(1, "missing" as never)).toThrow(/onNull/);
    expect(() => Aio.fromEither({ _tag: "Some", value: 1 } as never)).toThrow(/_tag Some/);
    expect(() => Aio.fromEither(null as never)).toThrow(/got null/);
  });
});

describe("orElseSucceed", () => {
  it("a typed failure becomes the fallback, computed from the error", () => {
    const self: Aio<number, AppError> = Aio.fail(invalid);
    expect(runSyncExit(self.pipe(Aio.orElseSucceed((e) => e._tag)))).toEqual(Exit.succeed("Invalid"));
  });

  it("a success passes and the fallback is not evaluated", () => {
    let calls = 0;
    const p = Aio.succeed(1).pipe(Aio.orElseSucceed(() => ++calls));
    expect(runSyncExit(p)).toEqual(Exit.succeed(1));
    expect(calls).toBe(0);
  });

  it("a function-valued fallback is returned as the value, not called", () => {
    const fallback = (): string => "called";
    const p = (Aio.fail("x") as Aio<() => string, string>).pipe(Aio.orElseSucceed(() => fallback));
    const exit = runSyncExit(p);
    expect(exit._tag === "Success" && exit.value).toBe(fallback);
  });

  it("defects and interruptions pass; a throwing fallback is a defect", async () => {
    const boom = new Error("boom");
    expect(defectOf(runSyncExit(Aio.die(boom).pipe(Aio.orElseSucceed(() => 0))))).toBe(boom);
    const r = await vexit(cancelAfter(Aio.never.pipe(Aio.orElseSucceed(() => 0)), 5));
    if (r._tag === "Success") expectInterrupted(r.value.exit);
    else expect.fail("cancelAfter failed");
    const throwing = Aio.fail("x").pipe(
      Aio.orElseSucceed(() => {
        throw boom;
      }),
    );
    expect(defectOf(runSyncExit(throwing))).toBe(boom);
  });
});

describe("fromEither", () => {
  it("Right succeeds, Left fails, with fp-ts values and plain objects", () => {
    expect(runSyncExit(Aio.fromEither(E.right(1)))).toEqual(Exit.succeed(1));
    expect(runSyncExit(Aio.fromEither(E.left("bad")))).toEqual(Exit.fail("bad"));
    expect(runSyncExit(Aio.fromEither({ _tag: "Left", left: undefined }))).toEqual(Exit.fail(undefined));
    expect(runSyncExit(Aio.fromEither({ _tag: "Right", right: null }))).toEqual(Exit.succeed(null));
  });

  it("composes with catchTag on the Left's tag", () => {
    const decoded: E.Either<Invalid, number> = E.left(invalid);
    const p = Aio.fromEither(decoded).pipe(Aio.catchTag("Invalid", (e) => Aio.succeed(e.reason.length)));
    expect(runSyncExit(p)).toEqual(Exit.succeed(5));
  });
});

describe("fromNullable", () => {
  it("null and undefined fail with onNull(); every other value succeeds (0, '', false, NaN)", () => {
    expect(runSyncExit(Aio.fromNullable(null, () => notFound))).toEqual(Exit.fail(notFound));
    expect(runSyncExit(Aio.fromNullable(undefined, () => notFound))).toEqual(Exit.fail(notFound));
    for (const v of [0, "", false, Number.NaN, {}]) {
      expect(runSyncExit(Aio.fromNullable(v, () => notFound))).toEqual(Exit.succeed(v));
    }
  });

  it("onNull runs when the Aio runs, once per run; a throw in it is a defect", () => {
    let calls = 0;
    const p = Aio.fromNullable(null as string | null, () => ++calls);
    expect(calls).toBe(0);
    expect(runSyncExit(p)).toEqual(Exit.fail(1));
    expect(runSyncExit(p)).toEqual(Exit.fail(2));
    const boom = new Error("boom");
    const bad = Aio.fromNullable(null, () => {
      throw boom;
    });
    expect(defectOf(runSyncExit(bad))).toBe(boom);
  });
});

describe("debug mode: a createTask Aio that never runs is reported", () => {
  const fixture = fileURLToPath(new URL("./fixtures/never-run-gc.ts", import.meta.url));
  const forgottenLine = readFileSync(fixture, "utf8").split("\n").findIndex((l) => l.includes("// FORGOTTEN")) + 1;

  const runFixture = (arg: string, aioDebug: string | undefined): Promise<ChildResult> => {
    const env = { ...process.env };
    delete env["AIO_DEBUG"];
    if (aioDebug !== undefined) env["AIO_DEBUG"] = aioDebug;
    return runNode(fixture, { nodeArgs: ["--expose-gc"], args: [arg], env });
  };

  const expectOneReport = (r: { code: number | null; stdout: string; stderr: string }): void => {
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe("done 1");
    expect(r.stderr.match(/\[AIO_TASK_NEVER_RUN\] AioWarning/g)).toHaveLength(1);
    expect(r.stderr).toContain('createTask(…, { name: "forgotten" }) made an Aio that was never run');
    // It names the line that made it (the first frame is the user's).
    expect(r.stderr).toMatch(new RegExp(`It was made\\n\\s+at .*never-run-gc\\.ts:${forgottenLine}:\\d+\\)`));
  };

  it("setDebug(true): the forgotten one is reported once collected, naming its line; the ones that ran are not", async () => {
    expect(forgottenLine).toBeGreaterThan(0);
    expectOneReport(await runFixture("on", undefined));
  }, 30_000);

  it("AIO_DEBUG=1 turns it on at start-up", async () => {
    expectOneReport(await runFixture("env", "1"));
  }, 30_000);

  it("off (the default, or AIO_DEBUG=0): nothing is reported", async () => {
    for (const env of [undefined, "0"]) {
      const r = await runFixture("env", env);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe("done 0");
      expect(r.stderr).toBe("");
    }
  }, 30_000);
});

describe("debug mode: a tg.createTask Aio not run when its group ends is reported then", () => {
  afterEach(() => setDebug(false));

  /** Runs `body` with a 'warning' listener; the AioWarnings emitted meanwhile. */
  const warningsDuring = async (body: () => Promise<unknown>): Promise<Error[]> => {
    const seen: Error[] = [];
    // Only the never-run reports: a slow step (debug mode also times them) is not this test's.
    const listener = (w: Error & { code?: string }): void =>
      void (w.name === "AioWarning" && w.code !== "AIO_SLOW_CALLBACK" && seen.push(w));
    process.on("warning", listener);
    try {
      await body();
      // emitWarning delivers on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", listener);
    }
    return seen;
  };

  const program = (ran: string[]) =>
    taskGroup((tg) =>
      Aio.gen(function* () {
        tg.createTask(Aio.sync(() => ran.push("lost")), { name: "lost" }); // LOST
        const later = tg.createTask(Aio.sync(() => ran.push("later")));
        yield* tg.createTask(Aio.sync(() => ran.push("now")));
        yield* Aio.sleep(5);
        yield* later;
        yield* Aio.sleep(0).pipe(Aio.flatMap(() => tg.createTask(Aio.sync(() => ran.push("by the fiber")))));
        return "body done";
      }),
    );

  it("on: exactly the one never run, with where it was made; the group's outcome is unchanged", async () => {
    setDebug(true);
    expect(getDebug()).toBe(true);
    const ran: string[] = [];
    let result: unknown;
    const warnings = await warningsDuring(async () => {
      result = await vrun(program(ran));
    });
    expect(result).toBe("body done");
    expect(ran).toEqual(["now", "later", "by the fiber"]); // "lost" never ran: the mistake being reported
    expect(warnings).toHaveLength(1);
    const w = warnings[0] as Error & { code?: string };
    expect(w.code).toBe("AIO_TASK_NEVER_RUN");
    expect(w.message).toContain('tg.createTask(…, { name: "lost" }) made an Aio that was never run');
    expect(w.message).toContain("its task group ended first");
    const self = fileURLToPath(import.meta.url);
    const lostLine = readFileSync(self, "utf8").split("\n").findIndex((l) => l.includes("// LOST")) + 1;
    expect(lostLine).toBeGreaterThan(0);
    expect(w.message).toMatch(new RegExp(`It was made\\n\\s+at .*catch-tags\\.test\\.ts:${lostLine}:\\d+`));
  });

  it("off: nothing is reported", async () => {
    setDebug(false);
    const ran: string[] = [];
    const warnings = await warningsDuring(() => vrun(program(ran)));
    expect(ran).toEqual(["now", "later", "by the fiber"]);
    expect(warnings).toEqual([]);
  });

  it("a group whose every tg.createTask ran reports nothing (0, 1 and 1,000 children)", async () => {
    setDebug(true);
    for (const n of [0, 1, 1000]) {
      const warnings = await warningsDuring(() =>
        vrun(
          taskGroup((tg) =>
            Aio.gen(function* () {
              for (let i = 0; i < n; i++) yield* tg.createTask(Aio.sleep(i % 7));
            }),
          ),
        ),
      );
      expect(warnings).toEqual([]);
    }
  });

  it("setDebug takes a boolean only", () => {
    expect(() => setDebug(1 as unknown as boolean)).toThrow(TypeError);
    expect(getDebug()).toBe(false);
  });
});
