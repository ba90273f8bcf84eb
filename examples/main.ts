/**
 * Runs every example in sequence, each on a fresh event loop on the real clock, with a
 * header per example and every line prefixed by the time elapsed since that example
 * started, e.g. `[ 1.00s] hello`. `npm run examples` runs this file.
 *
 * To add an example: write `examples/<name>.ts` exporting
 * `runExample(loop: EventLoop, log: (line: string) => void): Promise<unknown>` (it runs
 * on `loop`, may close it, and prints only through `log`), then append an entry to
 * `examples` below.
 */
import { newEventLoop, type EventLoop } from "../src/index.js";
import { isEntryPoint } from "./lib/entry.js";
import * as callSoonLater from "./call_soon_later.js";
import * as cancelMe from "./cancel_me.js";
import * as doneCallback from "./done_callback.js";
import * as loopTime from "./loop_time.js";
import * as sayAfterTime from "./say_after_time.js";
import * as gatherHello from "./gather_hello.js";
import * as gatherHelloArgs from "./gather_hello_args.js";
import * as jobsPipeline from "./jobs_pipeline.js";
import * as pipeline from "./pipeline.js";
import * as service from "./service.js";
import * as waitFirstCompleted from "./wait_first_completed.js";
import * as waitForTimeout from "./wait_for_timeout.js";
import * as waitTaskResults from "./wait_task_results.js";
import * as taskResult from "./task_result.js";
import * as threads from "./threads.js";
import * as echoServer from "./echo_server.js";
import * as subprocess from "./subprocess.js";

/** Where an example prints its lines. */
export type Log = (line: string) => void;

/** One runnable example. */
export interface Example {
  /** The file name without `.ts`. */
  readonly name: string;
  /** One line on what it shows. */
  readonly description: string;
  /**
   * Runs the program on `loop`, a fresh loop owned by the caller (the program may close
   * it), printing only through `log`.
   */
  readonly run: (loop: EventLoop, log: Log) => Promise<unknown>;
}

/** The examples, in the order `npm run examples` runs them. Append new ones here. */
export const examples: Example[] = [
  {
    name: "say_after_time",
    description: "await say_after_time(1 s, 'hello'), then say_after_time(2 s, 'world')",
    run: sayAfterTime.runExample,
  },
  {
    name: "cancel_me",
    description: "task.cancel() throws CancelledError into a sleeping task",
    run: cancelMe.runExample,
  },
  {
    name: "task_result",
    description: "loop.runUntilComplete(task), then task.result()",
    run: taskResult.runExample,
  },
  {
    name: "done_callback",
    description: "task.addDoneCallback(cb) prints the result",
    run: doneCallback.runExample,
  },
  {
    name: "call_soon_later",
    description: "loop.callSoon and loop.callLater",
    run: callSoonLater.runExample,
  },
  {
    name: "loop_time",
    description: "loop.time() before and after a 3 s program",
    run: loopTime.runExample,
  },
  { name: "gather_hello", description: "gather(hello1(), hello2(), hello3()): 4 s, not 9", run: gatherHello.runExample },
  {
    name: "gather_hello_args",
    description: "gather with arguments and return values: 15, 5, 50",
    run: gatherHelloArgs.runExample,
  },
  {
    name: "wait_first_completed",
    description: "wait(..., FIRST_COMPLETED): 1 done, 2 pending at 2 s",
    run: waitFirstCompleted.runExample,
  },
  {
    name: "wait_for_timeout",
    description: "waitFor(func1(), 3 s) around an hour-long sleep",
    run: waitForTimeout.runExample,
  },
  {
    name: "wait_task_results",
    description: "wait over three tasks, then task.result() of each",
    run: waitTaskResults.runExample,
  },
  {
    name: "pipeline",
    description: "bounded Queue + worker pool under a Semaphore, join, shutdown",
    run: pipeline.runExample,
  },
  {
    name: "jobs_pipeline",
    description: "JSON lines decoded with io-ts into a Queue; a bad line is a typed DecodeError naming it",
    run: jobsPipeline.runExample,
  },
  {
    name: "service",
    description: "node:http server on one runtime: pool, timeout + cache, retries, client abort, request ids, shutdown",
    run: service.runExample,
  },
  {
    name: "threads",
    description: "prime sieves on 1 vs 2 worker threads while a 10 ms ticker stays on time",
    run: threads.runExample,
  },
  {
    name: "echo_server",
    description: "streams: the asyncio docs' TCP echo server and client on 127.0.0.1",
    run: echoServer.runExample,
  },
  {
    name: "subprocess",
    description: "subprocesses: the asyncio docs' run(cmd) with communicate, two children at once, readline, input",
    run: subprocess.runExample,
  },
];

/** The elapsed-time prefix: `[ 1.00s]`. */
export const formatElapsed = (ms: number): string => `[${(ms / 1000).toFixed(2).padStart(5)}s]`;

/** Options of `runExamples`. */
export interface RunExamplesOptions {
  /** Run each example on a virtual-time loop (exact and instant) instead of the real clock. */
  readonly virtualTime?: boolean;
  /** Where the output goes (`console.log` by default). */
  readonly write?: (text: string) => void;
}

/** How one example went. */
export interface ExampleOutcome {
  readonly name: string;
  /** Loop time (ms) from the example's start to its end. */
  readonly elapsedMs: number;
  /** Whether it threw (the error is printed). */
  readonly failed: boolean;
}

/**
 * Runs `list` in sequence, each on its own new loop (closed afterwards), printing a
 * header per example and each of its lines prefixed with the elapsed loop time. An
 * example that throws is reported and the next one runs.
 */
export async function runExamples(
  list: readonly Example[] = examples,
  options: RunExamplesOptions = {},
): Promise<ExampleOutcome[]> {
  const write = options.write ?? ((text: string) => console.log(text));
  const outcomes: ExampleOutcome[] = [];
  for (const [i, example] of list.entries()) {
    if (i > 0) write("");
    write(`=== [${i + 1}/${list.length}] ${example.name}: ${example.description} ===`);
    const loop = newEventLoop({ virtualTime: options.virtualTime === true });
    const start = loop.time();
    const elapsed = (): number => loop.time() - start;
    let failed = false;
    try {
      await example.run(loop, (line) => write(`${formatElapsed(elapsed())} ${line}`));
    } catch (e) {
      failed = true;
      const detail = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
      write(`${formatElapsed(elapsed())} !! ${example.name} failed: ${detail}`);
    } finally {
      if (!loop.isRunning()) loop.close();
    }
    outcomes.push({ name: example.name, elapsedMs: elapsed(), failed });
  }
  const total = outcomes.reduce((sum, o) => sum + o.elapsedMs, 0);
  const failures = outcomes.filter((o) => o.failed).length;
  write("");
  write(
    `${outcomes.length} example(s) in ${(total / 1000).toFixed(2)}s of loop time` +
      (failures > 0 ? `, ${failures} failed` : ""),
  );
  return outcomes;
}

if (isEntryPoint(import.meta.url)) {
  const outcomes = await runExamples();
  if (outcomes.some((o) => o.failed)) process.exitCode = 1;
}
