/**
 * The guide's "wait over three tasks, then read each result" program (section 三.1 (2),
 * and the `wait` program at the end of section 五):
 *
 * ```python
 * async def hello1(a, b): ...  # 3 s, returns a + b
 * async def hello2(a, b): ...  # 2 s, returns a - b
 * async def hello3(a, b): ...  # 4 s, returns a * b
 *
 * loop = asyncio.get_event_loop()
 * task1 = asyncio.ensure_future(hello1(10, 5))
 * task2 = asyncio.ensure_future(hello2(10, 5))
 * task3 = asyncio.ensure_future(hello3(10, 5))
 * tasks = [task1, task2, task3]
 * loop.run_until_complete(asyncio.wait(tasks))
 * print(task1.result())  # the return values, once every task is done
 * print(task2.result())
 * print(task3.result())
 * loop.close()
 * ```
 *
 * `wait` (ALL_COMPLETED by default) returns at 4 s with all three done; each task's
 * `result()` is then 15, 5 and 50.
 *
 * Run it on the real clock: `npx tsx examples/wait_task_results.ts`.
 */
import { type EventLoop } from "../src/index.js";
import { wait } from "../src/wait.js";
import { hello1, hello2, hello3 } from "./gather_hello_args.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** Runs the program on `loop`, then closes `loop`; resolves with the three results. */
export async function runExample(loop: EventLoop, log: Log): Promise<[number, number, number]> {
  const task1 = loop.createTask(hello1(10, 5, log)); // asyncio.ensure_future(hello1(10, 5))
  const task2 = loop.createTask(hello2(10, 5, log));
  const task3 = loop.createTask(hello3(10, 5, log));
  const tasks = [task1, task2, task3];
  await loop.runUntilComplete(wait(tasks));
  const results: [number, number, number] = [task1.result(), task2.result(), task3.result()];
  for (const r of results) log(String(r));
  loop.close();
  return results;
}

await runIfEntryPoint(import.meta.url, runExample);
