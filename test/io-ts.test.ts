/**
 * aio-ts/io-ts: `decode` into the typed error channel, the DecodeError's message (JSON
 * path → expected type → actual value, one line per error, deepest first), hostile input
 * (huge arrays, deep nesting, cycles, throwing getters: a typed DecodeError, never a hang
 * or a stack overflow of ours), and `decodeQueue` validating what enters a Queue.
 */
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { Aio, Exit, Queue, QueueShutDown, gather, runSyncExit } from "../src/index.js";
import { DecodeError, decode, decodeQueue, formatError } from "../src/io-ts.js";
import { errorOf, now, vexit, vrun } from "./helpers.js";

/** The DecodeError `codec` gives for `input` (fails the test if it decodes). */
const failure = (codec: t.Decoder<unknown, unknown>, input: unknown, label?: string): DecodeError => {
  const exit = runSyncExit(decode(codec, { label })(input));
  const e = errorOf(exit);
  if (!(e instanceof DecodeError)) throw new Error(`expected a DecodeError, got ${JSON.stringify(exit)}`);
  return e;
};
const linesOf = (e: DecodeError): string[] => e.message.split("\n").slice(1).map((l) => l.trim());

describe("decode", () => {
  const User = t.type({ id: t.number, name: t.string, address: t.type({ city: t.string, zip: t.number }) });

  it("succeeds with the decoded value (the codec's output, e.g. a stripped exact type)", () => {
    const input = { id: 1, name: "Ada", address: { city: "London", zip: 1 } };
    expect(runSyncExit(decode(User)(input))).toEqual(Exit.succeed(input));
    const Exact = t.exact(t.type({ a: t.number }));
    expect(runSyncExit(decode(Exact)({ a: 1, extra: true }))).toEqual(Exit.succeed({ a: 1 }));
  });

  it("nested objects: the JSON path, the expected type and the actual value", () => {
    const e = failure(User, { id: "7", name: "Ada", address: { city: "London", zip: "N1" } });
    expect(e._tag).toBe("DecodeError");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("DecodeError");
    expect(e.codec).toBe(User.name);
    expect(e.errors).toHaveLength(2);
    expect(e.message.split("\n")[0]).toBe(`invalid ${User.name}: 2 errors`);
    expect(linesOf(e)).toEqual(['$.address.zip: expected number, got "N1"', '$.id: expected number, got "7"']);
    // errorLines keeps io-ts's order
    expect(e.errorLines()).toEqual(['$.id: expected number, got "7"', '$.address.zip: expected number, got "N1"']);
  });

  it("arrays and tuples: indices in brackets; a missing key is `got undefined`", () => {
    const Order = t.type({ items: t.array(t.type({ id: t.number })), pair: t.tuple([t.string, t.number]) });
    const e = failure(Order, { items: [{ id: 1 }, { id: 2 }, { id: "x" }, {}], pair: ["a", "b"] });
    expect(e.errorLines()).toEqual([
      '$.items[2].id: expected number, got "x"',
      "$.items[3].id: expected number, got undefined",
      '$.pair[1]: expected number, got "b"',
    ]);
  });

  it("keys that are not identifiers are quoted; record values by key", () => {
    const C = t.type({ "content-type": t.string, headers: t.record(t.string, t.number) });
    expect(failure(C, { "content-type": 1, headers: { "x-n": "1", ok: 2 } }).errorLines()).toEqual([
      "$[\"content-type\"]: expected string, got 1",
      '$.headers["x-n"]: expected number, got "1"',
    ]);
  });

  it("unions: the member it was checked as; a failed tag says what was expected at the root", () => {
    const A = t.type({ kind: t.literal("a"), x: t.number }, "A");
    const B = t.type({ kind: t.literal("b"), y: t.string }, "B");
    const AB = t.union([A, B]);
    expect(failure(AB, { kind: "b", y: 1 }).errorLines()).toEqual(["$.y: expected string, got 1 (as union member B)"]);
    expect(failure(AB, { kind: "c" }).errorLines()).toEqual(['$: expected (A | B), got {"kind":"c"}']);
    expect(failure(t.union([t.string, t.number]), true).errorLines()).toEqual([
      "$: expected string, got true",
      "$: expected number, got true",
    ]);
  });

  it("intersections add no path step", () => {
    const I = t.intersection([t.type({ a: t.number }), t.type({ b: t.boolean })]);
    expect(failure(I, { a: 1, b: 1 }).errorLines()).toEqual(["$.b: expected boolean, got 1"]);
  });

  it("refinements and brands: the refinement's name; a custom message is kept", () => {
    expect(failure(t.type({ n: t.Int }), { n: 1.5 }).errorLines()).toEqual(["$.n: expected Int, got 1.5"]);
    interface PositiveBrand {
      readonly Positive: unique symbol;
    }
    const Positive = t.brand(t.number, (n): n is t.Branded<number, PositiveBrand> => n > 0, "Positive");
    expect(failure(t.array(Positive), [1, -2]).errorLines()).toEqual(["$[1]: expected Positive, got -2"]);
    const Even = new t.Type<number, number, unknown>(
      "Even",
      (u): u is number => typeof u === "number" && u % 2 === 0,
      (u, c) => (typeof u === "number" && u % 2 === 0 ? t.success(u) : t.failure(u, c, "odd numbers are not allowed")),
      (n) => n,
    );
    expect(failure(t.type({ e: Even }), { e: 3 }).errorLines()).toEqual([
      "$.e: expected Even, got 3 (odd numbers are not allowed)",
    ]);
  });

  it("values are shown as JSON, clipped; NaN, functions, bigint, symbols readable", () => {
    const e = failure(t.tuple([t.string, t.string, t.string, t.string, t.string]), [NaN, () => 1, 10n, Symbol("s"), "x".repeat(500)]);
    const lines = e.errorLines();
    expect(lines.slice(0, 4)).toEqual([
      "$[0]: expected string, got NaN",
      "$[1]: expected string, got function (anonymous)",
      "$[2]: expected string, got 10n",
      "$[3]: expected string, got Symbol(s)",
    ]);
    expect(lines).toHaveLength(4); // the long string was a string
    const long = failure(t.number, "y".repeat(500)).errorLines()[0] as string;
    expect(long.length).toBeLessThan(120);
    expect(long.endsWith("…")).toBe(true);
  });

  it("the label comes first in the message", () => {
    const e = failure(t.number, "1", "jobs.jsonl line 3");
    expect(e.label).toBe("jobs.jsonl line 3");
    expect(e.message).toBe('jobs.jsonl line 3: invalid number: 1 error\n  $: expected number, got "1"');
  });

  it("a long codec name is clipped to 80 characters", () => {
    const Wide = t.type(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, t.string])));
    const head = failure(Wide, {}).message.split("\n")[0] as string;
    expect(head).toMatch(/^invalid \{ field0: string, .*…: 20 errors$/);
    expect(head.length).toBe("invalid ".length + 80 + ": 20 errors".length);
  });

  it("is lazy and runs again each time; catchTag removes it from the error channel", async () => {
    let reads = 0;
    const codec = new t.Type<number, number, unknown>(
      "Counted",
      (u): u is number => typeof u === "number",
      (u, c) => (reads++, typeof u === "number" ? t.success(u) : t.failure(u, c)),
      (n) => n,
    );
    const p = decode(codec)(1);
    expect(reads).toBe(0);
    await vrun(p);
    await vrun(p);
    expect(reads).toBe(2);
    const recovered = decode(t.number)("x").pipe(Aio.catchTag("DecodeError", (e) => Aio.succeed(e.errors.length)));
    expect(await vrun(recovered)).toBe(1);
  });

  it("a non-codec is a TypeError at once", () => {
    expect(() => decode({} as t.Decoder<unknown, unknown>)).toThrow(TypeError);
    expect(() => decode(null as unknown as t.Decoder<unknown, unknown>)).toThrow(/io-ts codec/);
  });
});

describe("hostile input", () => {
  it("10^5 wrong items: every error kept, the message shows 10 and counts the rest", () => {
    const input = Array.from({ length: 100_000 }, (_, i) => String(i));
    const e = failure(t.array(t.number), input);
    expect(e.errors).toHaveLength(100_000);
    const lines = e.message.split("\n");
    expect(lines).toHaveLength(1 + 10 + 1);
    expect(lines[1]).toBe('  $[0]: expected number, got "0"');
    expect(lines[11]).toBe("  … and 99990 more");
    expect(e.errorLines()[99_999]).toBe('$[99999]: expected number, got "99999"');
  });

  it("10^5 items, one wrong: found and named", () => {
    const input: unknown[] = Array.from({ length: 100_000 }, (_, i) => ({ id: i }));
    input[76_543] = { id: "bad" };
    expect(failure(t.array(t.type({ id: t.number })), input).errorLines()).toEqual(['$[76543].id: expected number, got "bad"']);
  });

  // A recursive codec over a nested input.
  interface Node {
    readonly child: Node | null;
  }
  const NodeC: t.Type<Node> = t.recursion("Node", () => t.type({ child: t.union([t.null, NodeC]) }));
  const nested = (depth: number, leaf: unknown): unknown => {
    let v: unknown = { child: leaf };
    for (let i = 0; i < depth; i++) v = { child: v };
    return v;
  };

  it("deep nesting that io-ts can walk: the path shows its two ends and how many steps between", () => {
    const e = failure(NodeC, nested(200, 5));
    const first = linesOf(e)[0] as string;
    expect(first).toMatch(/^\$(\.child){16}…\(169 more steps\)…(\.child){16}: expected null, got 5$/);
  });

  it("nesting 10^4 deep: io-ts's recursion overflows; a DecodeError, with the RangeError as cause", () => {
    const e = failure(NodeC, nested(10_000, 5));
    expect(e.errors).toEqual([]);
    expect(e.cause).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/^invalid Node: the codec threw RangeError/);
  });

  it("our reporter on a 10^5-step context: no stack growth, the two ends shown", () => {
    const step = { key: "a", type: t.type({ a: t.unknown }), actual: {} };
    const context = [{ key: "", type: t.unknown, actual: {} }, ...Array.from({ length: 100_000 }, () => step)];
    const line = formatError({ value: 1, context });
    expect(line).toMatch(/^\$(\.a){16}…\(99968 more steps\)…(\.a){16}: expected \{ a: unknown \}, got 1$/);
  });

  it("a cycle: a non-recursive codec decodes it; a value with a cycle is described, not serialised", () => {
    const cyc: { self?: unknown; n: unknown } = { n: "x" };
    cyc.self = cyc;
    expect(failure(t.type({ n: t.number }), cyc).errorLines()).toEqual(['$.n: expected number, got "x"']);
    expect(failure(t.type({ self: t.string }), cyc).errorLines()).toEqual([
      "$.self: expected string, got an object (not JSON-serialisable)",
    ]);
    // a recursive codec over a cyclic input recurses until the stack ends: typed too
    const loop: { child: unknown } = { child: null };
    loop.child = loop;
    expect(failure(NodeC, loop).cause).toBeInstanceOf(RangeError);
  });

  it("a getter that throws: a DecodeError carrying what it threw", () => {
    const boom = new Error("getter exploded");
    const input = {
      get id(): number {
        throw boom;
      },
    };
    const e = failure(t.type({ id: t.number }), input);
    expect(e.cause).toBe(boom);
    expect(e.message).toBe("invalid { id: number }: the codec threw Error: getter exploded");
  });

  it("a Proxy that throws on every trap: typed, not a crash", () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new TypeError("no");
        },
        ownKeys: () => {
          throw new TypeError("no");
        },
      },
    );
    expect(failure(t.type({ a: t.string }), hostile).cause).toBeInstanceOf(TypeError);
  });
});

describe("decodeQueue", () => {
  const Job = t.type({ id: t.number });

  it("puts decoded values; an invalid input fails with DecodeError and puts nothing", async () => {
    const q = new Queue<t.TypeOf<typeof Job>>();
    const w = decodeQueue(Job, q);
    expect(w.queue).toBe(q);
    await vrun(w.put({ id: 1 }));
    const bad = await vexit(w.put({ id: "2" }, { label: "line 2" }));
    const e = errorOf(bad);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).message).toBe('line 2: invalid { id: number }: 1 error\n  $.id: expected number, got "2"');
    expect(q.qsize()).toBe(1);
    expect(q.getNowait()).toEqual({ id: 1 });
  });

  it("waits while the queue is full, as put does", async () => {
    const q = new Queue<t.TypeOf<typeof Job>>(1);
    const w = decodeQueue(Job, q);
    const program = Aio.gen(function* () {
      yield* w.put({ id: 1 });
      const [putAt, got] = yield* gather(
        w.put({ id: 2 }).pipe(Aio.map(now)),
        Aio.sleep(50).pipe(Aio.flatMap(() => q.get())),
      );
      return [putAt, got] as const;
    });
    expect(await vrun(program)).toEqual([50, { id: 1 }]);
    expect(q.getNowait()).toEqual({ id: 2 });
  });

  it("a shut-down queue: QueueShutDown after a successful decode; DecodeError first for bad input", async () => {
    const q = new Queue<t.TypeOf<typeof Job>>();
    q.shutdown();
    const w = decodeQueue(Job, q);
    expect(errorOf(await vexit(w.put({ id: 1 })))).toBeInstanceOf(QueueShutDown);
    expect(errorOf(await vexit(w.put({})))).toBeInstanceOf(DecodeError);
  });
});

