/**
 * The guide's `loop.time()` program (section 四.4, "事件循环的时钟"):
 *
 * ```python
 * async def hello1(a, b):
 *     print('准备做加法运算')   # "about to do an addition"
 *     await asyncio.sleep(3)
 *     return a + b
 *
 * loop = asyncio.get_event_loop()
 * t1 = loop.time()
 * print(t1)
 * loop.run_until_complete(hello1(3, 4))
 * t2 = loop.time()
 * print(t2)
 * print(t2 - t1)
 * ```
 *
 * `loop.time()` is the loop's monotonic clock, in milliseconds here (Python: seconds).
 * On a virtual-time loop it starts at 0 and `t2 - t1` is exactly 3000 ms; on the real
 * clock it is a little more.
 *
 * Run it on the real clock: `npx tsx examples/loop_time.ts`.
 */
import { Aio, type EventLoop } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** Loop time (ms) with µs precision. */
const millis = (ms: number): string => `${ms.toFixed(3)} ms`;

/** `hello1(a, b)`: 3 s of pretend work, then `a + b`. */
export const hello1 = (a: number, b: number, log: Log): Aio.Aio<number> =>
  Aio.gen(function* () {
    log("about to do an addition");
    yield* Aio.sleep(3000);
    return a + b;
  });

/** What the program measured. */
export interface LoopTimes {
  readonly t1: number;
  readonly t2: number;
  /** `t2 - t1`, in ms. */
  readonly elapsed: number;
  /** The value of `hello1(3, 4)`: 7. */
  readonly sum: number;
}

/** Runs the program on `loop`, then closes `loop`; resolves with the times it printed. */
export async function runExample(loop: EventLoop, log: Log): Promise<LoopTimes> {
  const t1 = loop.time();
  log(`t1 = ${millis(t1)}`);
  const sum = await loop.runUntilComplete(hello1(3, 4, log));
  const t2 = loop.time();
  log(`t2 = ${millis(t2)}`);
  log(`t2 - t1 = ${millis(t2 - t1)}`);
  loop.close();
  return { t1, t2, elapsed: t2 - t1, sum };
}

await runIfEntryPoint(import.meta.url, runExample);
