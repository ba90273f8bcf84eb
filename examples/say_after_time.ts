/**
 * The guide's first event-loop program (section 一.2, "事件循环 event_loop"):
 *
 * ```python
 * async def say_after_time(delay, what):
 *     await asyncio.sleep(delay)
 *     print(what)
 *
 * async def main():
 *     print(f"开始时间为： {time.time()}")   # "start time: ..."
 *     await say_after_time(1, "hello")
 *     await say_after_time(2, "world")
 *     print(f"结束时间为： {time.time()}")   # "end time: ..."
 *
 * loop = asyncio.get_event_loop()
 * loop.run_until_complete(main())
 * loop.close()
 * ```
 *
 * The two calls are awaited one after the other, so they do not overlap: "hello" at
 * 1 s, "world" at 3 s. The start and end lines show the loop's clock (`loop.time()`)
 * rather than the wall clock, so on a virtual-time loop the output is exact.
 *
 * Run it on the real clock: `npx tsx examples/say_after_time.ts`.
 */
import { Aio, getRunningLoop, type EventLoop } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** Loop time (ms) as seconds, like Python's float seconds. */
const seconds = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

/** `say_after_time(delay, what)`: sleeps `delay` ms, then prints `what`. */
export const sayAfterTime = (delay: number, what: string, log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    yield* Aio.sleep(delay);
    log(what);
  });

/** `main()`: "hello" after 1 s, then "world" 2 s later (3 s in all). */
export const main = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log(`start time: ${seconds(getRunningLoop().time())}`);
    yield* sayAfterTime(1000, "hello", log);
    yield* sayAfterTime(2000, "world", log);
    log(`end time: ${seconds(getRunningLoop().time())}`);
  });

/** Runs the program on `loop` (`loop.run_until_complete(main())`), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  await loop.runUntilComplete(main(log));
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
