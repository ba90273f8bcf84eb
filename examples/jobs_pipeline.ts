/**
 * A job pipeline fed from JSON lines, validated at the door with io-ts: a reader parses
 * each line and puts it through a decoding writer (`decodeQueue` from `aio-ts/io-ts`)
 * into a bounded `Queue`; two workers process the jobs. A line that is not a valid job
 * stops the reader with a typed `DecodeError` naming the line (a line that is not JSON,
 * with a typed `JsonLineError`); the jobs already queued are still processed (the queue
 * is shut down, not dropped), and only then does the pipeline fail.
 *
 * The example runs the pipeline twice: on examples/jobs.jsonl (all valid), then,
 * deliberately, on input whose line 3 has a string id, and prints the typed error it
 * catches (`Aio.catchTag("DecodeError", …)`), so it ends normally.
 *
 * ```python
 * async def reader(lines, jobs):
 *     for n, line in enumerate(lines, 1):
 *         if line.strip():
 *             await jobs.put(Job.model_validate_json(line))  # pydantic.ValidationError
 * ```
 *
 * Run it on the real clock: `npx tsx examples/jobs_pipeline.ts`.
 */
import { readFile } from "node:fs/promises";
import * as t from "io-ts";
import { Aio, Queue, createTask, type EventLoop, type QueueShutDown, type Task } from "../src/index.js";
import { decodeQueue, type DecodeError } from "../src/io-ts.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** A job, as io-ts checks it: a positive integer id, a known kind, a duration. */
export const Job = t.type({
  id: t.Int,
  kind: t.union([t.literal("resize"), t.literal("thumbnail")]),
  ms: t.number,
});
/** A decoded job. */
export type Job = t.TypeOf<typeof Job>;

/** A line that is not JSON at all. */
export class JsonLineError extends Error {
  readonly _tag = "JsonLineError" as const;
  constructor(readonly label: string, cause: unknown) {
    super(`${label}: not JSON (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = "JsonLineError";
  }
}

/** The input of the deliberate failure: line 3's id is a string. */
export const BAD_INPUT = [
  '{"id": 10, "kind": "resize", "ms": 100}',
  '{"id": 11, "kind": "thumbnail", "ms": 50}',
  '{"id": "12", "kind": "resize", "ms": 100}',
  '{"id": 13, "kind": "resize", "ms": 100}',
].join("\n");

/** How many jobs may wait in the queue. */
export const QUEUE_SIZE = 2;
/** Workers in the pool. */
export const WORKERS = 2;

/** The reader: parses and decodes each non-empty line into the queue, in order. */
const reader = (
  source: string,
  text: string,
  jobs: Queue<Job>,
  log: Log,
): Aio.Aio<number, DecodeError | JsonLineError | QueueShutDown> =>
  Aio.gen(function* () {
    const writer = decodeQueue(Job, jobs);
    const lines = text.split("\n");
    let queued = 0;
    for (const [i, line] of lines.entries()) {
      if (line.trim() === "") continue;
      const label = `${source} line ${i + 1}`;
      const json = yield* Aio.try(() => JSON.parse(line) as unknown, (e) => new JsonLineError(label, e));
      yield* writer.put(json, { label });
      queued++;
      log(`reader: ${label} queued`);
    }
    return queued;
  });

/** A worker: processes jobs until the queue is shut down and empty. */
const worker = (name: string, jobs: Queue<Job>, log: Log): Aio.Aio<number> =>
  Aio.gen(function* () {
    let done = 0;
    for (;;) {
      const job = yield* jobs.get();
      try {
        yield* Aio.sleep(job.ms);
        done++;
        log(`${name}: job ${job.id} (${job.kind}) done`);
      } finally {
        jobs.taskDone();
      }
    }
  }).pipe(Aio.catchAll((_: QueueShutDown) => Aio.succeed(0)));

/**
 * The pipeline over `text` (JSON lines from `source`): how many jobs it processed, or the
 * typed error of the first bad line, after the jobs queued before it were processed.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * await run(pipeline("inline", '{"id": 1, "kind": "resize", "ms": 10}', console.log)); // 1
 * ```
 */
export const pipeline = (
  source: string,
  text: string,
  log: Log,
): Aio.Aio<number, DecodeError | JsonLineError | QueueShutDown> =>
  Aio.gen(function* () {
    const jobs = new Queue<Job>(QUEUE_SIZE);
    const workers: Array<Task<number>> = [];
    for (let i = 1; i <= WORKERS; i++) workers.push(yield* createTask(worker(`worker-${i}`, jobs, log)));
    // Whatever the reader's outcome, close the queue (the workers finish what is queued,
    // then stop) and wait for them, before the outcome propagates.
    const drain = Aio.gen(function* () {
      jobs.shutdown();
      for (const w of workers) yield* w;
    });
    const queued = yield* reader(source, text, jobs, log).pipe(Aio.ensuring(drain));
    log(`main: ${source}: all ${queued} jobs processed`);
    return queued;
  });

/** Reads a JSON-lines file (a read error is a defect here: the file ships with the example). */
const readLines = (path: URL): Aio.Aio<string> => Aio.promise((signal) => readFile(path, { encoding: "utf8", signal }));

/**
 * Both runs: the file, then the deliberate failure, its typed error caught and printed.
 * @example
 * ```ts
 * import { run } from "aio-ts";
 * await run(main(console.log));
 * ```
 */
export const main = (log: Log): Aio.Aio<void, DecodeError | JsonLineError | QueueShutDown> =>
  Aio.gen(function* () {
    const text = yield* readLines(new URL("./jobs.jsonl", import.meta.url));
    yield* pipeline("jobs.jsonl", text, log);
    const outcome = yield* pipeline("upload.jsonl", BAD_INPUT, log).pipe(
      Aio.map((n) => `all ${n} processed`),
      Aio.catchTag("DecodeError", (e) =>
        Aio.sync(() => {
          for (const line of `${e._tag}: ${e.message}`.split("\n")) log(`main: ${line}`);
          return `rejected at ${e.label ?? "?"}`;
        }),
      ),
    );
    log(`main: upload.jsonl ${outcome}`);
  });

/** Runs both pipelines on `loop`, then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  await loop.runUntilComplete(main(log));
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
