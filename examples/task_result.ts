/**
 * The guide's "getting the result with task.result()" program (section 二.3, 1):
 *
 * ```python
 * async def hello(a, b):
 *     print("Hello world 01 begin")
 *     await asyncio.sleep(3)  # stands for 3 s of work
 *     print("Hello again 01 end")
 *     return a + b
 *
 * coroutine = hello(10, 5)
 * loop = asyncio.get_event_loop()
 * task = asyncio.ensure_future(coroutine)
 * loop.run_until_complete(task)
 * print('-------------------------------------')
 * print(task.result())
 * loop.close()
 * ```
 *
 * The task is made before the loop runs (`loop.createTask`, as `ensure_future` with no
 * running loop), run to completion, and its result (15) read afterwards, at 3 s.
 *
 * Run it on the real clock: `npx tsx examples/task_result.ts`.
 */
import { Aio, type EventLoop } from "../src/index.js";
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

/** Runs the program on `loop`, then closes `loop`; resolves with `task.result()` (15). */
export async function runExample(loop: EventLoop, log: Log): Promise<number> {
  const task = loop.createTask(hello(10, 5, log)); // asyncio.ensure_future(coroutine)
  await loop.runUntilComplete(task);
  log("-------------------------------------");
  const result = task.result();
  log(String(result));
  loop.close();
  return result;
}

await runIfEntryPoint(import.meta.url, runExample);
