/**
 * The guide's `asyncio.wait(..., return_when=FIRST_COMPLETED)` program (section 二.7):
 *
 * ```python
 * async def hello1():  # about 2 s
 *     print("Hello world 01 begin")
 *     await asyncio.sleep(2)
 *     print("Hello again 01 end")
 *
 * async def hello2():  # about 3 s
 *     print("Hello world 02 begin")
 *     await asyncio.sleep(3)
 *     print("Hello again 02 end")
 *
 * async def hello3():  # about 4 s
 *     print("Hello world 03 begin")
 *     await asyncio.sleep(4)
 *     print("Hello again 03 end")
 *
 * async def main():
 *     done, pending = await asyncio.wait({hello1(), hello2(), hello3()},
 *                                        return_when=asyncio.FIRST_COMPLETED)
 *     for i in done:
 *         print(i)
 *     for j in pending:
 *         print(j)
 *
 * asyncio.run(main())
 * print('---------------------------------------')
 * print(b - a)  # elapsed seconds
 * ```
 *
 * `wait` wraps each Aio in a task. It returns at 2 s, when hello1 is done: one task in
 * `done`, two in `pending`. Nothing is cancelled by `wait`; `asyncio.run` then cancels
 * the tasks still pending as `main` returns, so "Hello again 02/03 end" never print —
 * here `main` cancels them itself and waits for them. The whole run takes 2 s.
 *
 * Run it on the real clock: `npx tsx examples/wait_first_completed.ts`.
 */
import { Aio, getRunningLoop, type EventLoop, type Task } from "../src/index.js";
import { FIRST_COMPLETED, wait } from "../src/wait.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `helloN()`: prints, sleeps `ms`, prints. */
export const hello = (n: number, ms: number, log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log(`Hello world 0${n} begin`);
    yield* Aio.sleep(ms);
    log(`Hello again 0${n} end`);
  });

/** A task as Python prints one, without the parts that change between runs. */
export const describeTask = (t: Task<unknown, unknown>): string =>
  !t.done() ? "<Task pending>" : t.cancelled() ? "<Task cancelled>" : `<Task finished result=${String(t.result())}>`;

/** `main()`: waits for the first of the three; prints the done and pending tasks. */
export const main = (log: Log): Aio.Aio<{ done: number; pending: number }> =>
  Aio.gen(function* () {
    const start = getRunningLoop().time();
    const { done, pending } = yield* wait([hello(1, 2000, log), hello(2, 3000, log), hello(3, 4000, log)], {
      returnWhen: FIRST_COMPLETED,
    });
    for (const t of done) log(describeTask(t));
    for (const t of pending) log(describeTask(t));
    log("---------------------------------------");
    log(`${((getRunningLoop().time() - start) / 1000).toFixed(3)} s`);
    // What asyncio.run does as main returns: cancel the tasks still pending, wait for them.
    for (const t of pending) t.cancel();
    yield* wait(pending);
    return { done: done.size, pending: pending.size };
  });

/** Runs the program on `loop`, then closes `loop`; resolves with the set sizes. */
export async function runExample(loop: EventLoop, log: Log): Promise<{ done: number; pending: number }> {
  const sizes = await loop.runUntilComplete(main(log));
  loop.close();
  return sizes;
}

await runIfEntryPoint(import.meta.url, runExample);
