/**
 * examples/jobs_pipeline.ts on a virtual-time loop: the exact trace (the valid file, then
 * the deliberate failure), the typed errors of each kind of bad line, and that the jobs
 * queued before a bad line are processed before the pipeline fails.
 */
import { describe, expect, it } from "vitest";
import { Aio } from "../src/index.js";
import { DecodeError } from "../src/io-ts.js";
import { BAD_INPUT, JsonLineError, pipeline, runExample } from "../examples/jobs_pipeline.js";
import { errorOf, runInstantly, vexit } from "./helpers.js";

describe("examples/jobs_pipeline", () => {
  it("processes jobs.jsonl, then rejects upload.jsonl at line 3 with a typed DecodeError, and ends normally", async () => {
    const { loop, lines } = await runInstantly(runExample);
    expect(lines).toEqual([
      [0, "reader: jobs.jsonl line 1 queued"],
      [0, "reader: jobs.jsonl line 2 queued"],
      [0, "reader: jobs.jsonl line 3 queued"],
      [0, "reader: jobs.jsonl line 5 queued"],
      [100, "worker-2: job 2 (thumbnail) done"],
      [300, "worker-1: job 1 (resize) done"],
      [300, "worker-2: job 3 (resize) done"],
      [400, "worker-1: job 4 (thumbnail) done"],
      [400, "main: jobs.jsonl: all 4 jobs processed"],
      [400, "reader: upload.jsonl line 1 queued"],
      [400, "reader: upload.jsonl line 2 queued"],
      [450, "worker-2: job 11 (thumbnail) done"],
      [500, "worker-1: job 10 (resize) done"],
      [500, 'main: DecodeError: upload.jsonl line 3: invalid { id: Int, kind: ("resize" | "thumbnail"), ms: number }: 1 error'],
      [500, 'main:   $.id: expected Int, got "12"'],
      [500, "main: upload.jsonl rejected at upload.jsonl line 3"],
    ]);
    expect(loop.isClosed()).toBe(true);
  });

  it("the DecodeError names the line, and comes after the jobs queued before it were done", async () => {
    const log: string[] = [];
    const exit = await vexit(pipeline("upload.jsonl", BAD_INPUT, (l) => void log.push(l)));
    const e = errorOf(exit);
    expect(e).toBeInstanceOf(DecodeError);
    expect((e as DecodeError).label).toBe("upload.jsonl line 3");
    expect(log.filter((l) => l.includes("done"))).toHaveLength(2);
  });

  it("a line that is not JSON: a typed JsonLineError naming it", async () => {
    const exit = await vexit(pipeline("x.jsonl", '{"id": 1, "kind": "resize", "ms": 1}\n{oops', () => {}));
    const e = errorOf(exit);
    expect(e).toBeInstanceOf(JsonLineError);
    expect((e as JsonLineError).message).toMatch(/^x\.jsonl line 2: not JSON/);
  });

  it("bad kinds and a non-integer id are named precisely", async () => {
    const exit = await vexit(pipeline("y.jsonl", '{"id": 1.5, "kind": "crop", "ms": 1}', () => {}));
    const e = errorOf(exit) as DecodeError;
    expect(e.errorLines()).toEqual([
      "$.id: expected Int, got 1.5",
      '$.kind: expected "resize", got "crop"',
      '$.kind: expected "thumbnail", got "crop"',
    ]);
  });

  it("empty input: nothing processed, no error", async () => {
    const exit = await vexit(pipeline("empty.jsonl", "\n\n", () => {}));
    expect(exit).toEqual({ _tag: "Success", value: 0 });
    expect(Aio.isAio(pipeline("e", "", () => {}))).toBe(true);
  });
});
