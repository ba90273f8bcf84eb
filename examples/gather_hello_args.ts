/**
 * The guide's `gather` program with arguments and return values (section 三.2 (2),
 * "python3.7版本 — 有参数，有返回值"):
 *
 * ```python
 * async def hello1(a, b):
 *     print("Hello world 01 begin")
 *     await asyncio.sleep(3)
 *     print("Hello again 01 end")
 *     return a + b
 *
 * async def hello2(a, b):
 *     print("Hello world 02 begin")
 *     await asyncio.sleep(2)
 *     print("Hello again 02 end")
 *     return a - b
 *
 * async def hello3(a, b):
 *     print("Hello world 03 begin")
 *     await asyncio.sleep(4)
 *     print("Hello again 03 end")
 *     return a * b
 *
 * async def main():
 *     results = await asyncio.gather(hello1(10, 5), hello2(10, 5), hello3(10, 5))
 *     for result in results:
 *         print(result)
 *
 * asyncio.run(main())
 * ```
 *
 * The results come back in argument order — 15, 5, 50 — whatever the completion order
 * (hello2 ends first), after 4 s in all. `gather` is typed position by position: here
 * `[number, number, number]`.
 *
 * Run it on the real clock: `npx tsx examples/gather_hello_args.ts`.
 */
import { Aio, type EventLoop } from "../src/index.js";
import { gather } from "../src/gather.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** `helloN(a, b)`: prints, sleeps `ms`, prints, returns `op(a, b)`. */
const hello =
  (n: number, ms: number, op: (a: number, b: number) => number) =>
  (a: number, b: number, log: Log): Aio.Aio<number> =>
    Aio.gen(function* () {
      log(`Hello world 0${n} begin`);
      yield* Aio.sleep(ms);
      log(`Hello again 0${n} end`);
      return op(a, b);
    });

/** `hello1(a, b)`: 3 s, then `a + b`. */
export const hello1 = hello(1, 3000, (a, b) => a + b);
/** `hello2(a, b)`: 2 s, then `a - b`. */
export const hello2 = hello(2, 2000, (a, b) => a - b);
/** `hello3(a, b)`: 4 s, then `a * b`. */
export const hello3 = hello(3, 4000, (a, b) => a * b);

/** `main()`: gathers the three with (10, 5) and prints the results; returns them too. */
export const main = (log: Log): Aio.Aio<[number, number, number]> =>
  Aio.gen(function* () {
    const results = yield* gather(hello1(10, 5, log), hello2(10, 5, log), hello3(10, 5, log));
    for (const result of results) log(String(result));
    return results;
  });

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<[number, number, number]> {
  const results = await loop.runUntilComplete(main(log));
  loop.close();
  return results;
}

await runIfEntryPoint(import.meta.url, runExample);
