/**
 * The guide's `Task.cancel()` program (section 二.2, "Task 类详解", 1, cancel):
 *
 * ```python
 * async def cancel_me():
 *     print('cancel_me(): before sleep')
 *     try:
 *         await asyncio.sleep(3600)  # stands for a long job
 *     except asyncio.CancelledError:
 *         print('cancel_me(): cancel sleep')
 *         raise
 *     finally:
 *         print('cancel_me(): after sleep')
 *
 * async def main():
 *     task = asyncio.create_task(cancel_me())
 *     await asyncio.sleep(1)
 *     print('main is sleep down')
 *     task.cancel()
 *     try:
 *         await task
 *     except asyncio.CancelledError:
 *         print("main(): cancel_me is cancelled now")
 *
 * asyncio.run(main())
 * ```
 *
 * `task.cancel()` throws a `CancelledError` into `cancel_me` at the `yield*` where it
 * sleeps; it logs, rethrows (so the task ends cancelled) and its `finally` runs. Every
 * line after the first is printed at 1 s; the hour-long sleep never happens.
 *
 * Run it on the real clock: `npx tsx examples/cancel_me.ts`.
 */
import { Aio, CancelledError, createTask, type EventLoop } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** One hour, in ms: the long job `cancel_me` pretends to do. */
export const ONE_HOUR = 3_600_000;

/** `cancel_me()`: sleeps an hour unless cancelled; logs the cancellation and rethrows it. */
export const cancelMe = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log("cancel_me(): before sleep");
    try {
      yield* Aio.sleep(ONE_HOUR);
    } catch (e) {
      if (e instanceof CancelledError) log("cancel_me(): cancel sleep");
      throw e; // `raise`: the task must end cancelled
    } finally {
      log("cancel_me(): after sleep");
    }
  });

/** `main()`: starts `cancel_me` as a task, cancels it after 1 s and waits for it. */
export const main = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    const task = yield* createTask(cancelMe(log), { name: "cancel_me" });
    yield* Aio.sleep(1000);
    log("main is sleep down");
    task.cancel();
    try {
      yield* task;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log("main(): cancel_me is cancelled now");
    }
  });

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  await loop.runUntilComplete(main(log));
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
