/**
 * StreamReader alone (no socket): asyncio's reader semantics, ported from CPython's
 * Lib/test/test_asyncio/test_streams.py (read, readline and its limit rules, readuntil,
 * readexactly, exceptions), cancellation safety, flow control against a fake transport,
 * and fast-check properties over random chunkings. The "buffer" asyncio's tests inspect
 * (`stream._buffer`) is observed here through public calls: `bufferedLength`, or
 * `feedEof()` then `read()`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Aio,
  ConnectionResetError,
  IncompleteReadError,
  LimitOverrunError,
  StreamReader,
  createTask,
  currentTask,
  decodeText,
  run,
  runSync,
  Exit,
} from "../src/index.js";
import { cancelAndJoin, defectOf, errorOf, expectInterrupted, settle, vexit, vrun } from "./helpers.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => decodeText(b);
const DATA = "line1\nline2\nline3\n";

/** What is left in the buffer, read without waiting (ends the stream). */
const rest = (r: StreamReader): string => {
  if (!r.atEof()) r.feedEof();
  return dec(runSync(r.read()));
};

/** A reader fed `chunks` now. */
const fed = (chunks: string[], limit?: number): StreamReader => {
  const r = new StreamReader(limit === undefined ? {} : { limit });
  for (const c of chunks) r.feedData(enc(c));
  return r;
};

/** Feeds `chunks` (then EOF if `eof`) from another task, one per loop iteration. */
const feeder = (r: StreamReader, chunks: readonly Uint8Array[], eof = true): Aio.Aio<void> =>
  Aio.gen(function* () {
    for (const c of chunks) {
      yield* Aio.yieldNow;
      r.feedData(c);
    }
    yield* Aio.yieldNow;
    if (eof) r.feedEof();
  });

/** Runs `read` while a task feeds `chunks`; the read's Exit. */
const readWhileFed = <A, E>(r: StreamReader, chunks: string[], read: Aio.Aio<A, E>, eof = true) =>
  vexit(
    Aio.gen(function* () {
      const t = yield* createTask(feeder(r, chunks.map(enc), eof));
      const out = yield* Aio.exit(read);
      yield* t;
      return out;
    }),
  ).then((e) => {
    if (e._tag !== "Success") throw new Error("the harness failed");
    return e.value as Exit.Exit<A, E>;
  });

const valueOf = <A, E>(e: Exit.Exit<A, E>): A => {
  if (e._tag !== "Success") throw new Error(`expected a success, got ${JSON.stringify(e.cause)}`);
  return e.value;
};

describe("StreamReader: construction and feeding", () => {
  it("rejects a limit that is not a positive integer (asyncio: ValueError for limit <= 0)", () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new StreamReader({ limit })).toThrow(RangeError);
    expect(new StreamReader().limit).toBe(65536);
    expect(new StreamReader({ limit: 1 }).limit).toBe(1);
  });

  it("feedData of empty bytes is ignored; data after feedEof is a TypeError", () => {
    const r = new StreamReader();
    r.feedData(new Uint8Array(0));
    expect(r.bufferedLength).toBe(0);
    r.feedData(enc("ab"));
    r.feedData(enc("cd"));
    expect(r.bufferedLength).toBe(4);
    r.feedEof();
    expect(() => r.feedData(enc("x"))).toThrow(TypeError);
    expect(rest(r)).toBe("abcd");
  });

  it("atEof: only after feedEof and once the buffer is empty", () => {
    const r = fed(["x"]);
    expect(r.atEof()).toBe(false);
    r.feedEof();
    expect(r.atEof()).toBe(false);
    expect(dec(runSync(r.read(1)))).toBe("x");
    expect(r.atEof()).toBe(true);
  });
});

describe("StreamReader.read", () => {
  it("read(0) is empty at once, even with nothing buffered", () => {
    expect(runSync(new StreamReader().read(0)).length).toBe(0);
  });

  it("read(n) waits for data, then returns what is there, at most n (test_read / test_read_line_breaks)", async () => {
    const r = new StreamReader();
    expect(dec(valueOf(await readWhileFed(r, [DATA], r.read(30), false)))).toBe(DATA);
    r.feedData(enc("line1"));
    r.feedData(enc("line2"));
    expect(dec(runSync(r.read(5)))).toBe("line1");
    expect(rest(r)).toBe("line2");
  });

  it("a whole received chunk is handed out as is (no copy); part of one is a copy", () => {
    const r = new StreamReader();
    const chunk = Buffer.from("abcdef");
    r.feedData(chunk);
    expect(runSync(r.read(100))).toBe(chunk);
    r.feedData(chunk);
    const part = runSync(r.read(2));
    expect(part).not.toBe(chunk);
    chunk[0] = 0x7a; // the caller may reuse its chunk: the copy is unaffected
    expect(dec(part)).toBe("ab");
  });

  it("read() (n = -1) returns everything up to EOF, in order (test_read_until_eof)", async () => {
    const r = new StreamReader({ limit: 3 });
    const chunks = ["chunk1\n", "chunk2", "", "chunk3\n"];
    expect(dec(valueOf(await readWhileFed(r, chunks, r.read())))).toBe("chunk1\nchunk2chunk3\n");
    expect(r.atEof()).toBe(true);
    expect(runSync(r.read()).length).toBe(0);
  });

  it("read at EOF returns empty bytes (test_read_eof)", async () => {
    const r = new StreamReader();
    expect(valueOf(await readWhileFed(r, [], r.read(1024))).length).toBe(0);
  });

  it("read fails with the exception set, even with data buffered (test_read_exception)", async () => {
    const r = fed(["line\n"]);
    expect(dec(runSync(r.read(2)))).toBe("li");
    const exc = new ConnectionResetError("reset");
    r.setException(exc);
    expect(r.exception()).toBe(exc);
    expect(errorOf(await vexit(r.read(2)))).toBe(exc);
  });

  it("setException wakes a waiting read with the exception (test_exception_waiter)", async () => {
    const r = new StreamReader();
    const exc = new ConnectionResetError("reset");
    const exit = await vexit(
      Aio.gen(function* () {
        const t = yield* createTask(Aio.exit(r.read()));
        yield* settle;
        r.setException(exc);
        return yield* t;
      }),
    );
    expect(errorOf(valueOf(exit))).toBe(exc);
  });

  it("rejects a size that is not an integer when the Aio is built", () => {
    const r = new StreamReader();
    expect(() => r.read(1.5)).toThrow(TypeError);
    expect(() => r.readexactly(Number.NaN)).toThrow(TypeError);
  });
});

describe("StreamReader.readline (test_readline_*)", () => {
  it("reads a line fed in pieces (test_readline)", async () => {
    const r = fed(["chk"]);
    const e = await readWhileFed(r, ["chunk1 ", "chunk2 ", "chunk3 \n"], r.readline(), false);
    expect(dec(valueOf(e))).toBe("chkchunk1 chunk2 chunk3 \n");
    expect(rest(r)).toBe("");
  });

  it("limit with existing data: the overlong line is dropped up to its newline", async () => {
    let r = fed(["li", "ne1\nline2\n"], 3);
    let e = await vexit(r.readline());
    expect(errorOf(e)).toBeInstanceOf(LimitOverrunError);
    expect(rest(r)).toBe("line2\n"); // "The buffer should contain the remaining data after exception"

    // No newline: the whole buffer is dropped.
    r = fed(["li", "ne1", "li"], 3);
    e = await vexit(r.readline());
    expect(errorOf(e)).toBeInstanceOf(LimitOverrunError);
    expect(rest(r)).toBe("");
  });

  it("limit (test_readline_limit)", async () => {
    // Everything buffered when the read runs: the line and its newline are dropped.
    let r = fed(["chunk1", "chunk2", "chunk3\n"], 7);
    r.feedEof();
    let e = await vexit(r.readline());
    expect((errorOf(e) as LimitOverrunError).consumed).toBe(18);
    expect(rest(r)).toBe("");

    // Arriving piece by piece: the overrun is seen at 12 bytes with no newline yet, so the
    // buffered part goes, and the rest of the line arrives later (asyncio does the same).
    r = new StreamReader({ limit: 7 });
    e = await readWhileFed(r, ["chunk1", "chunk2", "chunk3\n"], r.readline());
    expect((errorOf(e) as LimitOverrunError).consumed).toBe(12);
    expect(rest(r)).toBe("chunk3\n");

    // Fed before the read runs: the newline is in the buffer, so only the first line goes.
    r = fed(["chunk1", "chunk2\n", "chunk3\n"], 7);
    r.feedEof();
    e = await vexit(r.readline());
    expect((errorOf(e) as LimitOverrunError).consumed).toBe(12);
    expect(rest(r)).toBe("chunk3\n");

    // The limit is strict: 7 bytes before the newline pass, 8 do not.
    r = fed(["1234567\n"], 7);
    expect(dec(runSync(r.readline()))).toBe("1234567\n");
    expect(r.bufferedLength).toBe(0);
    r.feedData(enc("12345678\n"));
    e = await vexit(r.readline());
    expect(errorOf(e)).toBeInstanceOf(LimitOverrunError);
    expect(r.bufferedLength).toBe(0);
    r.feedData(enc("12345678"));
    e = await vexit(r.readline());
    expect(errorOf(e)).toBeInstanceOf(LimitOverrunError);
    expect(r.bufferedLength).toBe(0);
  });

  it("returns buffered lines without waiting (test_readline_nolimit_nowait)", () => {
    const r = fed([DATA.slice(0, 6), DATA.slice(6, 12), DATA.slice(12)]);
    expect(dec(runSync(r.readline()))).toBe("line1\n");
    expect(rest(r)).toBe("line2\nline3\n");
  });

  it("at EOF: the unterminated last line, then empty (test_readline_eof, test_readline_empty_eof)", () => {
    let r = fed(["some data"]);
    r.feedEof();
    expect(dec(runSync(r.readline()))).toBe("some data");
    expect(runSync(r.readline()).length).toBe(0);
    r = new StreamReader();
    r.feedEof();
    expect(runSync(r.readline()).length).toBe(0);
  });

  it("mixes with read (test_readline_read_byte_count)", () => {
    const r = fed([DATA]);
    runSync(r.readline());
    expect(dec(runSync(r.read(7)))).toBe("line2\nl");
    expect(rest(r)).toBe("ine3\n");
  });

  it("fails with the exception set (test_readline_exception)", async () => {
    const r = fed(["line\n"]);
    expect(dec(runSync(r.readline()))).toBe("line\n");
    const exc = new ConnectionResetError("reset");
    r.setException(exc);
    expect(errorOf(await vexit(r.readline()))).toBe(exc);
    expect(r.bufferedLength).toBe(0);
  });

  it("readText decodes a line without its ending (\\n or \\r\\n), null at EOF", () => {
    const r = fed(["héllo\r\nwörld\nlast"]);
    r.feedEof();
    expect(runSync(r.readText())).toBe("héllo");
    expect(runSync(r.readText())).toBe("wörld");
    expect(runSync(r.readText())).toBe("last");
    expect(runSync(r.readText())).toBe(null);
  });

  it("forEachLine visits every line until EOF, and stops at f's failure", async () => {
    const r = new StreamReader();
    const seen: string[] = [];
    const e = await readWhileFed(r, ["a\nb", "\nc"], r.forEachLine((l) => Aio.sync(() => void seen.push(dec(l)))));
    valueOf(e);
    expect(seen).toEqual(["a\n", "b\n", "c"]);
    const r2 = fed(["x\ny\nz\n"]);
    r2.feedEof();
    const e2 = await vexit(r2.forEachLine((l) => (dec(l) === "y\n" ? Aio.fail("stop" as const) : Aio.void)));
    expect(errorOf(e2)).toBe("stop");
    expect(rest(r2)).toBe("z\n");
  });
});

describe("StreamReader.readuntil (test_readuntil_*)", () => {
  it("separators across chunk boundaries (test_readuntil_multi_chunks, _multi_chunks_1)", async () => {
    const r = new StreamReader();
    const cases: Array<[chunks: string[], sep: string, want: string]> = [
      [["lineAAA"], "AAA", "lineAAA"],
      [["lineAAAxxx"], "AAA", "lineAAA"], // leaves "xxx"
      [["AAA"], "AAA", "xxxAAA"],
      [["xxxlineA", "A", "A"], "AAA", "xxxlineAAA"],
      [["xxxline", "AA", "Axx"], "AAA", "xxxlineAAA"], // leaves "xx"
      [["QWEaa", "XYaa", "a"], "aaa", "xxQWEaaXYaaa"],
      [["QWEaa", "XYa", "aa"], "aaa", "QWEaaXYaaa"],
      [["aaa"], "aaa", "aaa"],
      [["Xaaa"], "aaa", "Xaaa"],
      [["XXX", "a", "a", "a"], "aaa", "XXXaaa"],
    ];
    for (const [chunks, sep, want] of cases) {
      const e = await readWhileFed(r, chunks, r.readuntil(sep), false);
      expect(dec(valueOf(e))).toBe(want);
    }
    expect(rest(r)).toBe("");
  });

  it("EOF without the separator: IncompleteReadError(partial, null), buffer consumed (test_readuntil_eof)", async () => {
    const r = fed(["some dataAA"]);
    r.feedEof();
    const err = errorOf(await vexit(r.readuntil("AAA")));
    expect(err).toBeInstanceOf(IncompleteReadError);
    const e = err as IncompleteReadError;
    expect(dec(e.partial)).toBe("some dataAA");
    expect(e.expected).toBe(null);
    expect(e.message).toBe("11 bytes read on a total of undefined expected bytes");
    expect(r.bufferedLength).toBe(0);
  });

  it("over the limit: LimitOverrunError, the buffer left as it was (test_readuntil_limit_found_sep)", async () => {
    const r = fed(["some dataAA"], 3);
    let err = errorOf(await vexit(r.readuntil("AAA"))) as LimitOverrunError;
    expect(err).toBeInstanceOf(LimitOverrunError);
    expect(err.message).toMatch(/not found/);
    expect(r.bufferedLength).toBe(11);
    r.feedData(enc("A"));
    err = errorOf(await vexit(r.readuntil("AAA"))) as LimitOverrunError;
    expect(err.message).toMatch(/is found/);
    expect(err.consumed).toBe(9);
    expect(rest(r)).toBe("some dataAAA");
  });

  it("an empty separator is a RangeError (asyncio: ValueError)", () => {
    expect(() => new StreamReader().readuntil("")).toThrow(RangeError);
  });

  it("a multi-byte Uint8Array separator", () => {
    const r = new StreamReader();
    r.feedData(Uint8Array.of(1, 2, 0, 0, 3, 0, 0));
    expect([...runSync(r.readuntil(Uint8Array.of(0, 0)))]).toEqual([1, 2, 0, 0]);
    expect([...runSync(r.readuntil(Uint8Array.of(0, 0)))]).toEqual([3, 0, 0]);
  });
});

describe("StreamReader.readexactly (test_readexactly_*)", () => {
  it("waits for exactly n bytes across chunks (test_readexactly)", async () => {
    const r = new StreamReader();
    const n = 2 * DATA.length;
    const e = await readWhileFed(r, [DATA, DATA, DATA], r.readexactly(n), false);
    expect(dec(valueOf(e))).toBe(DATA + DATA);
    expect(rest(r)).toBe(DATA);
  });

  it("0 is empty at once; a negative size is a RangeError (test_readexactly_zero_or_less)", () => {
    const r = fed([DATA]);
    expect(runSync(r.readexactly(0)).length).toBe(0);
    expect(() => r.readexactly(-1)).toThrow(RangeError);
    expect(r.bufferedLength).toBe(DATA.length);
  });

  it("EOF first: IncompleteReadError with the partial bytes (test_readexactly_eof)", async () => {
    const r = new StreamReader();
    const n = 2 * DATA.length;
    const err = errorOf(await readWhileFed(r, [DATA], r.readexactly(n)));
    expect(err).toBeInstanceOf(IncompleteReadError);
    const e = err as IncompleteReadError;
    expect(dec(e.partial)).toBe(DATA);
    expect(e.expected).toBe(n);
    expect(e.message).toBe(`18 bytes read on a total of ${n} expected bytes`);
    expect(r.bufferedLength).toBe(0);
  });

  it("fails with the exception set (test_readexactly_exception)", async () => {
    const r = fed(["line\n"]);
    expect(dec(runSync(r.readexactly(2)))).toBe("li");
    const exc = new ConnectionResetError("reset");
    r.setException(exc);
    expect(errorOf(await vexit(r.readexactly(2)))).toBe(exc);
  });
});

describe("StreamReader: cancellation and concurrent readers", () => {
  const ops = (r: StreamReader): Record<string, Aio.Aio<Uint8Array, unknown>> => ({
    read: r.read(100),
    readAll: r.read(),
    readline: r.readline(),
    readexactly: r.readexactly(10),
    readuntil: r.readuntil("END"),
  });

  for (const name of ["read", "readAll", "readline", "readexactly", "readuntil"]) {
    it(`a cancelled ${name} consumes nothing: the data is there for the next read`, async () => {
      const r = new StreamReader();
      const op = ops(r)[name]!;
      const got = await vrun(
        Aio.gen(function* () {
          // Not enough for any of them (read(100) waits on an empty buffer instead).
          if (name !== "read") r.feedData(enc("par"));
          const t = yield* createTask(op);
          yield* settle;
          // Data arrives (waking the reader), and the task is cancelled before it runs.
          r.feedData(enc("tial"));
          const exit = yield* cancelAndJoin(t);
          expectInterrupted(exit);
          r.feedEof();
          return dec(yield* r.read());
        }),
      );
      expect(got).toBe(name === "read" ? "tial" : "partial");
    });
  }

  it("a second waiting read is a defect (asyncio: RuntimeError), the first still works", async () => {
    const r = new StreamReader();
    const out = await vrun(
      Aio.gen(function* () {
        const first = yield* createTask(r.readline());
        yield* settle;
        const second = yield* Aio.exit(r.read(1));
        r.feedData(enc("ok\n"));
        return { second, first: dec(yield* first) };
      }),
    );
    expect(String(defectOf(out.second))).toMatch(/another task is already waiting/);
    expect(out.first).toBe("ok\n");
  });
});

describe("StreamReader: flow control (transport paused above 2 × limit)", () => {
  it("pauses when more than 2 × limit is buffered, resumes at ≤ limit, and before waiting", async () => {
    const r = new StreamReader({ limit: 10 });
    const calls: string[] = [];
    r._setTransport({ pause: () => calls.push("pause"), resume: () => calls.push("resume") });
    r.feedData(new Uint8Array(20));
    expect(calls).toEqual([]);
    r.feedData(new Uint8Array(1)); // 21 > 20
    expect(calls).toEqual(["pause"]);
    r.feedData(new Uint8Array(5));
    expect(calls).toEqual(["pause"]); // once
    runSync(r.read(15)); // 11 left
    expect(calls).toEqual(["pause"]);
    runSync(r.read(1)); // 10 left
    expect(calls).toEqual(["pause", "resume"]);
    // Paused again, then a read that must wait resumes the transport instead of deadlocking.
    r.feedData(new Uint8Array(11));
    expect(calls).toEqual(["pause", "resume", "pause"]);
    const e = await vexit(
      Aio.gen(function* () {
        const t = yield* createTask(r.readexactly(30));
        yield* settle;
        r.feedData(new Uint8Array(9));
        return yield* t;
      }),
    );
    expect(valueOf(e).length).toBe(30);
    // resumed to wait, paused again at 30 buffered, resumed when the read took them
    expect(calls).toEqual(["pause", "resume", "pause", "resume", "pause", "resume"]);
  });
});

describe("StreamReader: properties over random chunkings", () => {
  /** Splits `data` at the given cut points. */
  const chunk = (data: Uint8Array, cuts: number[]): Uint8Array[] => {
    const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const p of [...points, data.length]) {
      out.push(data.slice(prev, p));
      prev = p;
    }
    return out;
  };

  it("readline over any chunking yields exactly the lines (limit never hit)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom("a", "b", "\n", "é") }), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (parts, cuts) => {
          const text = parts.join("");
          const data = enc(text);
          const r = new StreamReader({ limit: 1 << 20 });
          const lines = await vrun(
            Aio.gen(function* () {
              const t = yield* createTask(feeder(r, chunk(data, cuts)));
              const got: string[] = [];
              for (;;) {
                const line = yield* r.readline();
                if (line.length === 0) break;
                got.push(dec(line));
              }
              yield* t;
              return got;
            }),
          );
          const want = text.split(/(?<=\n)/).filter((l) => l.length > 0);
          expect(lines).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("any mix of read / readexactly / readuntil over any chunking returns the stream in order", async () => {
    type Op = { kind: "read" | "exactly"; n: number } | { kind: "until"; sep: string };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constantFrom("read" as const, "exactly" as const), n: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ kind: fc.constant("until" as const), sep: fc.constantFrom("x", "xy", "yxx") }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom("x", "y", "z"), maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 15 }),
        fc.array(op, { maxLength: 12 }),
        async (text, cuts, plan) => {
          const r = new StreamReader({ limit: 1000 });
          const pieces = await vrun(
            Aio.gen(function* () {
              const t = yield* createTask(feeder(r, chunk(enc(text), cuts)));
              const got: string[] = [];
              for (const o of plan) {
                const aio: Aio.Aio<Uint8Array, unknown> =
                  o.kind === "until" ? r.readuntil(o.sep) : o.kind === "read" ? r.read(o.n) : r.readexactly(o.n);
                const e = yield* Aio.exit(aio);
                if (e._tag === "Success") got.push(dec(e.value));
                else if (Exit.isFailure(e) && e.cause._tag === "Fail" && e.cause.error instanceof IncompleteReadError)
                  got.push(dec(e.cause.error.partial));
                else throw new Error("unexpected failure");
              }
              got.push(dec(yield* r.read()));
              yield* t;
              return got;
            }),
          );
          // Nothing lost, nothing duplicated, order kept.
          expect(pieces.join("")).toBe(text);
          // And each readuntil that succeeded ends with its separator, with no earlier one.
          let i = 0;
          for (const o of plan) {
            const piece = pieces[i++]!;
            if (o.kind === "until" && piece.endsWith(o.sep)) expect(piece.indexOf(o.sep)).toBe(piece.length - o.sep.length);
            if (o.kind === "exactly" && piece.length !== o.n) expect(r.atEof()).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("10^5 lines fed in 4 KiB chunks: every line back, in order", async () => {
    const n = 100_000;
    const text = Array.from({ length: n }, (_, i) => `${i}\n`).join("");
    const data = enc(text);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < data.length; i += 4096) chunks.push(data.subarray(i, i + 4096));
    const r = new StreamReader();
    const count = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(feeder(r, chunks));
        let k = 0;
        for (;;) {
          const line = yield* r.readline();
          if (line.length === 0) break;
          if (dec(line) !== `${k}\n`) throw new Error(`line ${k}: ${dec(line)}`);
          k++;
        }
        yield* t;
        return k;
      }),
    );
    expect(count).toBe(n);
  });
});

describe("StreamReader: the read primitives (inline completion, one wait node, the scan offset)", () => {
  it("a separator split across chunks that arrive while the read waits (\\r | \\n)", async () => {
    const r = new StreamReader();
    const e = await readWhileFed(r, ["ab", "c\r", "\nde"], r.readuntil("\r\n"), false);
    expect(dec(valueOf(e))).toBe("abc\r\n");
    expect(rest(r)).toBe("de");
  });

  it("a line in many pieces, each waking the read: found once complete, nothing searched past", async () => {
    const r = new StreamReader();
    const pieces = ["l", "in", "e", " o", "f ", "pi", "eces", "\nnext"];
    const e = await readWhileFed(r, pieces, r.readline(), false);
    expect(dec(valueOf(e))).toBe("line of pieces\n");
    expect(rest(r)).toBe("next");
  });

  it("bytes taken by another read while one waits: the waiting readuntil searches them again", async () => {
    const r = fed(["aaEN"]);
    const out = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(r.readuntil("END"));
        yield* settle; // waits, having searched "aaEN"
        const one = yield* r.read(1); // another task's read, answered from the buffer
        r.feedData(enc("D"));
        return { one: dec(one), line: dec(yield* t) };
      }),
    );
    expect(out).toEqual({ one: "a", line: "aEND" });
  });

  it("a line exactly at the limit passes while arriving in pieces; one byte more fails", async () => {
    let r = new StreamReader({ limit: 4 });
    let e = await readWhileFed(r, ["ab", "cd", "\n"], r.readline(), false);
    expect(dec(valueOf(e))).toBe("abcd\n");
    r = new StreamReader({ limit: 4 });
    e = await readWhileFed(r, ["ab", "cd", "e", "\nok\n"], r.readline(), false);
    expect((errorOf(e) as LimitOverrunError).consumed).toBe(5);
    expect(rest(r)).toBe("\nok\n"); // the dropped part, as asyncio (the rest came later)
  });

  it("the same separator Buffer changed between waits: the new separator is searched from the start", async () => {
    const sep = Buffer.from(";");
    const r = fed(["a,b"]);
    const out = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(r.readuntil(sep));
        yield* settle; // searched "a,b" for ";"
        expectInterrupted(yield* cancelAndJoin(t));
        sep[0] = 0x2c; // ","
        return dec(yield* r.readuntil(sep));
      }),
    );
    expect(out).toBe("a,");
  });

  it("yield* of a buffered line does not suspend: a pending cancellation lands at the next wait", async () => {
    const r = fed(["one\ntwo\n"]);
    const log: string[] = [];
    const exit = await vexit(
      Aio.gen(function* () {
        currentTask()!.cancel();
        log.push(dec(yield* r.readline()));
        log.push(dec(yield* r.readline()));
        yield* r.readline(); // nothing buffered: waits, so the cancellation is delivered
        log.push("not reached");
      }),
    );
    expectInterrupted(exit);
    expect(log).toEqual(["one\n", "two\n"]);
    expect(r.bufferedLength).toBe(0);
  });

  it("a read failing inline throws at the yield*, where a try/catch sees it", async () => {
    const r = fed(["x".repeat(10)], 4);
    const got = await vrun(
      Aio.gen(function* () {
        try {
          yield* r.readline();
          return "no error";
        } catch (e) {
          return e instanceof LimitOverrunError ? `overrun ${e.consumed}` : "other";
        }
      }),
    );
    expect(got).toBe("overrun 10");
  });

  it("a cancelled wait on a socket-fed reader releases it: another task can wait, the virtual clock runs on", async () => {
    const r = new StreamReader();
    // Fed by a (fake) socket: the wait holds the virtual clock, as a pending promise does
    // (so a timeout could not end it here: the clock waits for the host).
    r._setTransport({ pause: () => undefined, resume: () => undefined });
    const out = await vrun(
      Aio.gen(function* () {
        const first = yield* createTask(r.readline());
        yield* settle;
        const exit = yield* cancelAndJoin(first);
        // The cancelled wait holds nothing: this sleep ends on the virtual clock.
        yield* Aio.sleep(5000);
        const second = yield* createTask(r.readline());
        yield* settle;
        r.feedData(enc("late\n"));
        return { exit, second: dec(yield* second) };
      }),
    );
    expectInterrupted(out.exit);
    expect(out.second).toBe("late\n");
  });

  it("10^5 buffered lines read inline still let other tasks run (the step budget applies)", async () => {
    const n = 100_000;
    const r = fed([Array.from({ length: n }, (_, i) => `${i}\n`).join("")]);
    r.feedEof();
    const out = await vrun(
      Aio.gen(function* () {
        let ticks = 0;
        let done = false;
        const ticker = yield* createTask(
          Aio.gen(function* () {
            while (!done) {
              ticks++;
              yield* Aio.yieldNow;
            }
          }),
        );
        let k = 0;
        let ticksMidway = -1;
        for (;;) {
          const line = yield* r.readline();
          if (line.length === 0) break;
          if (dec(line) !== `${k}\n`) throw new Error(`line ${k}: ${dec(line)}`);
          if (++k === n / 2) ticksMidway = ticks;
        }
        done = true;
        yield* ticker;
        return { k, ticksMidway };
      }),
    );
    expect(out.k).toBe(n);
    // 5·10^4 inline steps are about 24 turns of MAX_STEPS_PER_TURN: the ticker ran between.
    expect(out.ticksMidway).toBeGreaterThanOrEqual(10);
  });

  it("readline() and read(n) hand out reusable nodes: running one twice reads twice", () => {
    const r = fed(["a\nb\n"]);
    const line = r.readline();
    expect(r.readline()).toBe(line);
    expect(dec(runSync(line))).toBe("a\n");
    expect(dec(runSync(line))).toBe("b\n");
    const one = r.read(1);
    expect(r.read(1)).toBe(one);
    r.feedData(enc("xy"));
    expect([dec(runSync(one)), dec(runSync(one))]).toEqual(["x", "y"]);
  });
});

describe("StreamReader: a wake from a host callback (socket data)", () => {
  /** Calls `f` from a host timer (outside the loop's ticks) and waits for it. */
  const fromHost = (f: () => void): Aio.Aio<void> =>
    Aio.promise(() => new Promise<void>((resolve) => setTimeout(() => (f(), resolve()), 1)));

  it("runs the waiting task inside the callback when the loop is idle; pauses before, so a re-wait resumes", async () => {
    const r = new StreamReader({ limit: 10 });
    const calls: string[] = [];
    r._setTransport({ pause: () => calls.push("pause"), resume: () => calls.push("resume") });
    const seen: string[] = [];
    const got = await run(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            const a = yield* r.readline();
            seen.push(`line ${a.length}`);
            const b = yield* r.readexactly(30);
            seen.push(`exact ${b.length}`);
            return b.length;
          }),
        );
        yield* settle;
        yield* fromHost(() => {
          r.feedData(enc("hi\n"));
          seen.push("fed line"); // after the task ran: it ran inside feedData
        });
        yield* fromHost(() => {
          r.feedData(new Uint8Array(25)); // > 2 × limit: paused, then the task waits again
          seen.push("fed 25");
        });
        yield* fromHost(() => r.feedData(new Uint8Array(5)));
        return yield* t;
      }),
    );
    expect(got).toBe(30);
    expect(seen).toEqual(["line 3", "fed line", "fed 25", "exact 30"]);
    // paused at 25 buffered and resumed by the wait for the rest (else it would hang
    // paused); paused at 30, resumed when the read took them
    expect(calls).toEqual(["pause", "resume", "pause", "resume"]);
  });

  it("a reader fed inside a tick (another task) wakes its reader through the ready queue, in order", async () => {
    const r = new StreamReader();
    r._setTransport({ pause: () => undefined, resume: () => undefined });
    const seen: string[] = [];
    await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(r.readline().pipe(Aio.map(() => void seen.push("read"))));
        yield* settle;
        r.feedData(enc("x\n"));
        seen.push("fed");
        yield* t;
      }),
    );
    expect(seen).toEqual(["fed", "read"]);
  });
});
