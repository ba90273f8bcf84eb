/**
 * The guide's `gather` program without arguments or return values (section 三.2 (1),
 * "python3.7版本 — 无参数，无返回值"):
 *
 * ```python
 * async def hello1():
 *     print("Hello world 01 begin")
 *     await asyncio.sleep(3)  # 3 s of pretend work
 *     print("Hello again 01 end")
 *
 * async def hello2():
 *     print("Hello world 02 begin")
 *     await asyncio.sleep(2)  # 2 s
 *     print("Hello again 02 end")
 *
 * async def hello3():
 *     print("Hello world 03 begin")
 *     await asyncio.sleep(4)  # 4 s
 *     print("Hello again 03 end")
 *
 * async def main():
 *     results = await asyncio.gather(hello1(), hello2(), hello3())
 *     for result in results:
 *         print(result)  # None: they return nothing
 *
 * asyncio.run(main())
 * ```
 *
 * The three run concurrently: the ends come at 2 s, 3 s and 4 s, and the whole program
 * takes 4 s, not 2 + 3 + 4 = 9. The results come back in argument order; each is
 * `undefined` (Python's `None`).
 *
 * Run it on the real clock: `npx tsx examples/gather_hello.ts`.
 */
import { Aio, type EventLoop } from "../src/index.js";
import { gather } from "../src/gather.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `helloN()`: prints, sleeps `ms`, prints; returns nothing. */
export const hello = (n: number, ms: number, log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    log(`Hello world 0${n} begin`);
    yield* Aio.sleep(ms);
    log(`Hello again 0${n} end`);
  });

/** `main()`: gathers hello1 (3 s), hello2 (2 s) and hello3 (4 s), then prints the results. */
export const main = (log: Log): Aio.Aio<void> =>
  Aio.gen(function* () {
    const results = yield* gather(hello(1, 3000, log), hello(2, 2000, log), hello(3, 4000, log));
    for (const result of results) log(String(result));
  });

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<void> {
  await loop.runUntilComplete(main(log));
  loop.close();
}

await runIfEntryPoint(import.meta.url, runExample);
