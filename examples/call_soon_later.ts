/**
 * The guide's callback-scheduling program (section 四.5, "计划执行回调函数"):
 *
 * ```python
 * def callback(n):
 *     print('我是回调函数，参数为： {0} '.format(n))   # "I am the callback, my argument is: n"
 *
 * async def main(_loop):
 *     print('在异步函数中注册回调函数')                 # "registering callbacks in the coroutine"
 *     _loop.call_later(2, callback, 1)
 *     _loop.call_later(1, callback, 2)
 *     _loop.call_soon(callback, 3)
 *     await asyncio.sleep(4)
 *
 * loop = asyncio.get_event_loop()
 * print('进入事件循环')                                # "entering the event loop"
 * loop.run_until_complete(main(loop))
 * print('关闭事件循环')                                # "closing the event loop"
 * loop.close()
 * ```
 *
 * The messages are translated. `callSoon` runs on the next iteration (at 0 s), the
 * `callLater` callbacks in deadline order: argument 2 at 1 s, argument 1 at 2 s; the
 * loop closes when `main` wakes at 4 s.
 *
 * Run it on the real clock: `npx tsx examples/call_soon_later.ts`.
 */
import { Aio, type EventLoop } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `callback(n)`: a plain (synchronous) function the loop calls. */
export const callback =
  (log: Log) =>
  (n: number): void =>
    log(`I am the callback, my argument is: ${n}`);

/** `main(_loop)`: schedules three callbacks on `loop`, then sleeps 4 s. */
export const main = (loop: EventLoop, log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log("registering callbacks in the coroutine");
    const cb = callback(log);
    loop.callLater(2000, cb, 1);
    loop.callLater(1000, cb, 2);
    loop.callSoon(cb, 3);
    yield* Aio.sleep(4000);
  });

/** Runs the program on `loop`, then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  log("entering the event loop");
  await loop.runUntilComplete(main(loop, log));
  log("closing the event loop");
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
