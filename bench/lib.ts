/**
 * What every scenario script in bench/ shares: the implementations, the measurement
 * record, result checks, and the `BENCH_RESULT {json}` line bench/run.ts reads.
 */

/**
 * The implementations a scenario is measured with. `floor` is the plain-JavaScript floor:
 * the same work with no library at all (a hand-written trampoline, an array of closures,
 * a binary heap with one host timer…), where a scenario defines one.
 */
export type Impl = "aio" | "effect" | "native" | "floor";

/** One scenario's figure. */
export interface Measurement {
  readonly value: number;
  readonly unit: string;
  readonly extra?: Record<string, unknown>;
}

/** The clock benchmarks use. */
export const now = (): number => performance.now();

/** A full GC, when node runs with --expose-gc (as bench/run.ts does). */
export const gcIfExposed = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) for (let i = 0; i < 2; i++) gc();
};

/** The median of `xs` (the upper one for an even count). */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

/**
 * Steady-state timing, the same for every implementation: runs `f` `warm` times
 * unmeasured (full size, so the JIT and the heap are warm), then `runs` times back to
 * back; the median time in ms. No forced GC between runs: a full GC shrinks the young
 * generation, and the next run then pays for growing it again (measured: S6 went from
 * 0.25 to 0.45 µs), which is not what a running program sees.
 */
export const timeMedian = async (warm: number, runs: number, f: () => Promise<void>): Promise<number> => {
  for (let i = 0; i < warm; i++) await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = now();
    await f();
    times.push(now() - t0);
  }
  return median(times);
};

/** Throws unless a scenario computed the expected result (so no impl skips the work). */
export const expectEq = (label: string, got: unknown, want: unknown): void => {
  if (got !== want) throw new Error(`${label}: wrong result ${String(got)}, expected ${String(want)}`);
};

/** Whether `e` is V8's stack overflow. */
export const isStackOverflow = (e: unknown): boolean => e instanceof RangeError && /call stack/i.test(e.message);

/**
 * The entry point of a scenario script: reads `<scenario> <impl>` from argv, measures,
 * and prints one `BENCH_RESULT {json}` line (a failure is a line with `ok: false`).
 */
export const benchMain = async (
  script: string,
  scenarios: string,
  measure: (scenario: string, impl: Impl) => Promise<Measurement>,
): Promise<void> => {
  const [scenario = "", implArg = ""] = process.argv.slice(2);
  if (implArg !== "aio" && implArg !== "effect" && implArg !== "native" && implArg !== "floor") {
    throw new Error(`usage: ${script} <${scenarios}> <aio|effect|native|floor> (got ${implArg})`);
  }
  const impl: Impl = implArg;
  let line: Record<string, unknown>;
  try {
    line = { scenario, impl, ok: true, ...(await measure(scenario, impl)) };
  } catch (e) {
    const error = isStackOverflow(e)
      ? "stack overflow"
      : e instanceof Error
        ? `${e.name === "Error" ? "" : e.name + ": "}${e.message}`
        : String(e);
    const extra = (e as { extra?: unknown } | null)?.extra;
    line = { scenario, impl, ok: false, error, ...(extra !== undefined ? { extra } : {}) };
  }
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(line)}\n`);
};
