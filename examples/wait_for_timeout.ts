/**
 * The guide's `asyncio.wait_for` program (section 二.6, "设置 timeout"):
 *
 * ```python
 * async def func1():
 *     print('let\'s func1 start now...')
 *     await asyncio.sleep(3600)
 *     print('finally func1 execute down...')
 *
 * async def main():
 *     try:
 *         print('wait you 3 seconds.....')
 *         await asyncio.wait_for(func1(), timeout=3)
 *     except asyncio.TimeoutError:
 *         print('timeout .....')
 *
 * asyncio.run(main())
 * ```
 *
 * `func1` would sleep an hour; `waitFor` cancels it at 3 s (its "finally" line never
 * prints: the cancellation is thrown at its `yield*`), waits until it has finished
 * cancelling, and fails with `TimeoutError`, which `main` catches. The run takes 3 s.
 *
 * Run it on the real clock: `npx tsx examples/wait_for_timeout.ts`.
 */
import { Aio, TimeoutError, type EventLoop } from "../src/index.js";
import { waitFor } from "../src/wait.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** One hour, in ms. */
export const ONE_HOUR = 3_600_000;

/** `func1()`: starts, then sleeps an hour. */
export const func1 = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log("let's func1 start now...");
    yield* Aio.sleep(ONE_HOUR);
    log("finally func1 execute down...");
  });

/** `main()`: waits for `func1` at most 3 s; returns whether it timed out. */
export const main = (log: Log): Aio.Aio<boolean, TimeoutError> =>
  Aio.gen(function* () {
    try {
      log("wait you 3 seconds.....");
      yield* waitFor(func1(log), 3000);
      return false;
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      log("timeout .....");
      return true;
    }
  });

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<boolean> {
  const timedOut = await loop.runUntilComplete(main(log));
  loop.close();
  return timedOut;
}

await runIfEntryPoint(import.meta.url, runExample);
