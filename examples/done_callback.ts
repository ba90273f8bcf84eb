/**
 * The guide's "getting the result with a callback" program (section 二.3, 2):
 *
 * ```python
 * async def hello(a, b):
 *     print("Hello world 01 begin")
 *     await asyncio.sleep(3)  # stands for 3 s of work
 *     print("Hello again 01 end")
 *     return a + b
 *
 * def callback(f):
 *     print(f.result())
 *
 * loop = asyncio.get_event_loop()
 * task = asyncio.ensure_future(hello(10, 5))
 * task.add_done_callback(callback)
 * loop.run_until_complete(task)
 * loop.close()
 * ```
 *
 * The done callback receives the task itself (a Task is a Future) and prints its result,
 * 15, at 3 s, before `runUntilComplete` returns (it was registered first).
 *
 * Run it on the real clock: `npx tsx examples/done_callback.ts`.
 */
import { Aio, type EventLoop, type Future } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `hello(a, b)`: 3 s of pretend work, then `a + b`. */
export const hello = (a: number, b: number, log: Log): Aio.Aio<number> =>
  Aio.gen(function* () {
    log("Hello world 01 begin");
    yield* Aio.sleep(3000);
    log("Hello again 01 end");
    return a + b;
  });

/** `callback(f)`: prints the result of the future it is called with. */
export const callback =
  (log: Log) =>
  (f: Future<number>): void =>
    log(String(f.result()));

/** Runs the program on `loop`, then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  const task = loop.createTask(hello(10, 5, log)); // asyncio.ensure_future(hello(10, 5))
  task.addDoneCallback(callback(log));
  await loop.runUntilComplete(task);
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
