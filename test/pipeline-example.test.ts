/**
 * examples/pipeline.ts on a virtual-time loop: its exact output, with the loop time at
 * which each line was printed.
 */
import { describe, expect, it } from "vitest";
import { newEventLoop } from "../src/index.js";
import { API_LIMIT, ORDERS, PRICE, QUEUE_SIZE, WORKERS, main, runExample } from "../examples/pipeline.js";
import { V, runInstantly, vrunLines, type Logged } from "./helpers.js";

const EXPECTED: readonly Logged[] = [
  [0, "producer: queued order-1 (1/2 waiting)"],
  [0, "producer: queued order-2 (2/2 waiting)"],
  [0, "worker-1: pricing order-1"],
  [0, "worker-2: pricing order-2"],
  [0, "producer: queued order-3 (1/2 waiting)"],
  [0, "producer: queued order-4 (2/2 waiting)"],
  [0, "producer: queued order-5 (2/2 waiting)"],
  [100, "worker-2: order-2 = 5.00"],
  [100, "worker-3: pricing order-3"],
  [100, "producer: queued order-6 (2/2 waiting)"],
  [100, "producer: all orders queued"],
  [300, "worker-1: order-1 = 2.50"],
  [300, "worker-3: order-3 = 7.50"],
  [300, "worker-2: pricing order-4"],
  [300, "worker-1: pricing order-5"],
  [400, "worker-2: order-4 = 10.00"],
  [400, "worker-3: pricing order-6"],
  [600, "worker-1: order-5 = 12.50"],
  [600, "worker-3: order-6 = 15.00"],
  [600, "main: all 6 orders priced"],
  [600, "worker-2: queue shut down, stopping"],
  [600, "worker-1: queue shut down, stopping"],
  [600, "worker-3: queue shut down, stopping"],
  [600, "main: total 52.50"],
];

describe("examples/pipeline", () => {
  it("prints the exact pipeline trace on the virtual clock, and closes the loop", async () => {
    const { loop, lines } = await runInstantly(runExample);
    expect(lines).toEqual(EXPECTED);
    expect(loop.time()).toBe(600);
    expect(loop.isClosed()).toBe(true);
  });

  it("main is a plain Aio: run() runs it, and it leaves no task behind", async () => {
    const lines: string[] = [];
    const loop = newEventLoop(V);
    await loop.runUntilComplete(main((line) => void lines.push(line)));
    expect(lines).toEqual(EXPECTED.map(([, l]) => l));
    expect(loop.allTasks().size).toBe(0);
    expect(loop.pendingTimers()).toBe(0);
    loop.close();
    const again = await vrunLines(main);
    expect(again).toEqual(lines); // deterministic, and nothing is shared between runs
  });

  it("never runs more than API_LIMIT pricings at once nor queues more than QUEUE_SIZE orders", async () => {
    const lines = await vrunLines(main);
    let pricing = 0;
    let peak = 0;
    for (const l of lines) {
      if (l.includes(": pricing ")) peak = Math.max(peak, ++pricing);
      else if (/: order-\d = /.test(l)) pricing--;
      const m = /\((\d)\/\d waiting\)/.exec(l);
      if (m !== null) expect(Number(m[1])).toBeLessThanOrEqual(QUEUE_SIZE);
    }
    expect(peak).toBe(API_LIMIT);
    const total = ORDERS.reduce((s, o) => s + o.qty * PRICE, 0);
    expect(lines.at(-1)).toBe(`main: total ${total.toFixed(2)}`);
    expect(lines.filter((l) => l.endsWith("stopping"))).toHaveLength(WORKERS);
  });
});
