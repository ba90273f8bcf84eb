/**
 * `npm run bench`: runs every (scenario, implementation) pair of bench/scenario.ts in its
 * own fresh node process, a few times each, takes the median of the per-op figure and
 * prints a markdown table (also written to bench/results.md).
 *
 * Then the waiter-queue rows (bench/s-waiters.ts, aio-ts only): per primitive, the time
 * per waiter with 1e4 and 1e5 waiters, and their ratio (≈ 1: linear total time).
 *
 * Options: `--only S1,S4` (a subset of scenarios; `W` selects every waiter row, `W-lock`
 * one), `--runs N` (override the repeat count).
 * With `--only`, bench/results.md is left alone (the table is only printed).
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

type Impl = "aio" | "effect" | "native";
const IMPLS: readonly Impl[] = ["aio", "effect", "native"];

interface ScenarioSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly runs: number;
  /** Per-process timeout. */
  readonly timeoutMs: number;
  /** The scenario script in bench/ (scenario.ts by default). */
  readonly file?: string;
}

const SCENARIOS: readonly ScenarioSpec[] = [
  { id: "S1", title: "S1 `yield*` loop, 1e6 steps", unit: "ns/step", runs: 3, timeoutMs: 60_000 },
  { id: "S2", title: "S2 flatMap chain, 1e6 steps (build + run)", unit: "ns/step", runs: 3, timeoutMs: 60_000 },
  { id: "S2n", title: "S2n flatMap loop, 1e6 steps, each link made as it runs", unit: "ns/step", runs: 3, timeoutMs: 60_000 },
  { id: "S3", title: "S3 deep recursion, 1e6 levels", unit: "µs/level", runs: 3, timeoutMs: 120_000 },
  { id: "S4", title: "S4 fork + join 1e5 tasks", unit: "µs/task", runs: 3, timeoutMs: 60_000 },
  { id: "S5", title: "S5 1e5 tasks sleeping 0–50 ms, all joined", unit: "ms total", runs: 3, timeoutMs: 60_000 },
  { id: "S6", title: "S6 1e5 × waitFor(…, 1000), none fired", unit: "µs/call", runs: 5, timeoutMs: 60_000, file: "s-combinators.ts" },
  { id: "S7", title: "S7 cancel 1e5 suspended tasks, await their ends", unit: "µs/task", runs: 5, timeoutMs: 60_000, file: "s-combinators.ts" },
  { id: "S10", title: "S10 1e4 × gather of 10 small tasks", unit: "µs/gather", runs: 5, timeoutMs: 120_000, file: "s-combinators.ts" },
  { id: "S8", title: "S8 2e5 messages through a bounded Queue (native: a Promise channel)", unit: "ns/msg", runs: 3, timeoutMs: 120_000, file: "s8-queue.ts" },
  { id: "S11", title: "S11 1e4 concurrent runtime requests (Semaphore(64) 1 ms sleep + gather of 3)", unit: "µs/request", runs: 3, timeoutMs: 120_000, file: "s11-runtime.ts" },
  { id: "S9", title: "S9 heap per suspended task (1e5 tasks, flatMap body)", unit: "bytes/task", runs: 3, timeoutMs: 60_000 },
  { id: "S9g", title: "S9g heap per suspended task (1e5 tasks, gen body)", unit: "bytes/task", runs: 3, timeoutMs: 60_000 },
];

/**
 * The waiter-queue rows (bench/s-waiters.ts): aio-ts only, each process measures 1e4
 * and 1e5 waiters (median of 3 rounds each, after a warm-up).
 */
const WAITER_ROWS: ReadonlyArray<readonly [string, string]> = [
  ["event", "Event.set, wake all"],
  ["condition", "Condition.notifyAll, wake all"],
  ["lock", "Lock hand-off, waiter to waiter"],
  ["semaphore", "Semaphore(0), release × n"],
  ["bsemaphore", "BoundedSemaphore, release × n"],
  ["barrier", "Barrier(n + 1), last arrival releases all"],
  ["shield", "shield of one shared future (done callbacks), released by its result"],
  ["queue-get", "Queue getters, fed n items"],
  ["queue-put", "Queue(1) putters, drained by get × n"],
  ["queue-join", "Queue.join, released by taskDone"],
];
const WAITER_SPECS: readonly ScenarioSpec[] = WAITER_ROWS.flatMap(([id, title]) => [
  { id: `W-${id}`, title: `W ${title}`, unit: "µs/waiter", runs: 1, timeoutMs: 120_000, file: "s-waiters.ts" },
  {
    id: `W-${id}-c`,
    title: `W ${title}, every other waiter cancelled first`,
    unit: "µs/waiter",
    runs: 1,
    timeoutMs: 120_000,
    file: "s-waiters.ts",
  },
]);

interface RunResult {
  readonly ok: boolean;
  readonly value?: number;
  readonly unit?: string;
  readonly error?: string;
  readonly extra?: Record<string, unknown>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const scenarioFile = path.join(here, "scenario.ts");

const parseArgs = (argv: readonly string[]): { only: Set<string> | undefined; runs: number | undefined } => {
  let only: Set<string> | undefined;
  let runs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") only = new Set((argv[++i] ?? "").split(",").map((s) => s.trim().toUpperCase()));
    else if (a === "--runs") runs = Number(argv[++i]);
  }
  return { only, runs };
};

const runOnce = (spec: ScenarioSpec, impl: Impl): RunResult => {
  const file = spec.file === undefined ? scenarioFile : path.join(here, spec.file);
  const r = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file, spec.id, impl], {
    cwd: root,
    encoding: "utf8",
    timeout: spec.timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (line !== undefined) {
    try {
      return JSON.parse(line.slice("BENCH_RESULT ".length)) as RunResult;
    } catch {
      return { ok: false, error: "unparseable result line" };
    }
  }
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT") {
    return { ok: false, error: `timeout (> ${spec.timeoutMs / 1000} s)` };
  }
  const stderr = (r.stderr ?? "").trim();
  const oom = /heap out of memory/i.test(stderr);
  const lastLine = stderr.split("\n").filter((l) => l.trim() !== "").pop() ?? "";
  return {
    ok: false,
    error: oom
      ? "crashed: JS heap out of memory"
      : `crashed (exit ${r.status ?? r.signal ?? "?"})${lastLine !== "" ? `: ${lastLine.slice(0, 120)}` : ""}`,
  };
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const fmtNum = (x: number): string => {
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
};

interface Cell {
  readonly results: readonly RunResult[];
  readonly median: number | undefined;
  readonly error: string | undefined;
}

const summarise = (results: readonly RunResult[]): Cell => {
  const oks = results.filter((r) => r.ok && typeof r.value === "number");
  if (oks.length === 0) {
    const errors = [...new Set(results.map((r) => r.error ?? "failed"))];
    return { results, median: undefined, error: errors.join("; ") };
  }
  return { results, median: median(oks.map((r) => r.value!)), error: undefined };
};

const medianExtra = (cell: Cell, key: string): number | undefined => {
  const xs = cell.results
    .map((r) => r.extra?.[key])
    .filter((x): x is number => typeof x === "number");
  return xs.length === 0 ? undefined : median(xs);
};

const main = (): void => {
  const { only, runs: runsOverride } = parseArgs(process.argv.slice(2));
  const specs = SCENARIOS.filter((s) => only === undefined || only.has(s.id.toUpperCase()));
  const waiterSpecs = WAITER_SPECS.filter(
    (s) => only === undefined || only.has("W") || only.has(s.id.toUpperCase()),
  );
  const cells = new Map<string, Cell>();
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!;

  for (const spec of specs) {
    const runs = runsOverride ?? spec.runs;
    const byImpl = new Map<Impl, RunResult[]>(IMPLS.map((i) => [i, []]));
    // Interleave the implementations across repeats, so drift hits all of them alike.
    for (let rep = 0; rep < runs; rep++) {
      for (const impl of IMPLS) {
        const t0 = Date.now();
        const r = runOnce(spec, impl);
        byImpl.get(impl)!.push(r);
        const shown = r.ok ? `${fmtNum(r.value!)} ${r.unit ?? spec.unit}` : `FAILED: ${r.error}`;
        console.error(`[${spec.id} ${impl} ${rep + 1}/${runs}] ${shown} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
    for (const impl of IMPLS) cells.set(`${spec.id}/${impl}`, summarise(byImpl.get(impl)!));
  }

  const waiterCells = new Map<string, Cell>();
  for (const spec of waiterSpecs) {
    const runs = runsOverride ?? spec.runs;
    const results: RunResult[] = [];
    for (let rep = 0; rep < runs; rep++) {
      const t0 = Date.now();
      const r = runOnce(spec, "aio");
      results.push(r);
      const shown = r.ok
        ? `${fmtNum(Number(r.extra?.["us1e4"]))} / ${fmtNum(r.value!)} ${spec.unit} at 1e4 / 1e5`
        : `FAILED: ${r.error}`;
      console.error(`[${spec.id} aio ${rep + 1}/${runs}] ${shown} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    waiterCells.set(spec.id, summarise(results));
  }

  // ----- table -----------------------------------------------------------------------
  const cellText = (spec: ScenarioSpec, impl: Impl): string => {
    const c = cells.get(`${spec.id}/${impl}`)!;
    if (c.median === undefined) return `**${c.error}**`;
    let text = `${fmtNum(c.median)} ${spec.unit}`;
    if (spec.id === "S5") {
      const ratio = medianExtra(c, "ratioToLongest");
      if (ratio !== undefined) text += ` (${ratio.toFixed(2)}× longest)`;
    }
    const failed = c.results.filter((r) => !r.ok).length;
    if (failed > 0) text += ` (${failed}/${c.results.length} runs failed)`;
    return text;
  };
  const ratioText = (spec: ScenarioSpec, impl: Impl): string => {
    const base = cells.get(`${spec.id}/aio`)!.median;
    const other = cells.get(`${spec.id}/${impl}`)!.median;
    if (base === undefined || other === undefined || base === 0) return "n/a";
    return `${(other / base).toFixed(2)}×`;
  };

  const header = "| scenario | aio-ts | effect | native | effect/aio-ts | native/aio-ts |";
  const sep = "|---|---:|---:|---:|---:|---:|";
  const rows = specs.map(
    (spec) =>
      `| ${spec.title} | ${cellText(spec, "aio")} | ${cellText(spec, "effect")} | ${cellText(spec, "native")} | ${ratioText(spec, "effect")} | ${ratioText(spec, "native")} |`,
  );
  const table = [header, sep, ...rows].join("\n");
  const waiterRows = waiterSpecs.map((spec) => {
    const c = waiterCells.get(spec.id)!;
    if (c.median === undefined) return `| ${spec.title} | **${c.error}** | | |`;
    const small = medianExtra(c, "us1e4");
    const ratio = small === undefined ? "n/a" : `${(c.median / small).toFixed(2)}×`;
    return `| ${spec.title} | ${small === undefined ? "n/a" : fmtNum(small)} | ${fmtNum(c.median)} | ${ratio} |`;
  });
  const waiterTable =
    waiterSpecs.length === 0
      ? ""
      : [
          "| waiters (aio-ts only; from the first wake-up or cancel until every waiter has ended) | µs/waiter, 1e4 waiters | µs/waiter, 1e5 waiters | 1e5 / 1e4 |",
          "|---|---:|---:|---:|",
          ...waiterRows,
        ].join("\n");

  // ----- notes -----------------------------------------------------------------------
  const notes: string[] = [];
  const get = (id: string, impl: Impl): Cell | undefined => cells.get(`${id}/${impl}`);
  if (get("S2", "aio") !== undefined) {
    const parts = IMPLS.map((impl) => {
      const c = get("S2", impl)!;
      const build = medianExtra(c, "buildMs");
      const total = medianExtra(c, "totalMs");
      return build === undefined || total === undefined
        ? `${impl}: n/a`
        : `${impl} build ${build.toFixed(0)} ms of ${total.toFixed(0)} ms (run only ≈ ${fmtNum(((total - build) * 1e6) / 1_000_000)} ns/step)`;
    });
    notes.push(`S2 times include building the 1e6-link chain (a loop of \`.pipe(flatMap(...))\` / \`.then\`), for every implementation: ${parts.join("; ")}.`);
  }
  const s3n = get("S3", "native");
  if (s3n !== undefined) {
    const fbN = medianExtra(s3n, "fallbackN");
    const fbUs = medianExtra(s3n, "fallbackUsPerLevel");
    if (fbN !== undefined && fbUs !== undefined) {
      notes.push(
        `S3 native: a recursive async function cannot reach 1e6 levels (RangeError: Maximum call stack size exceeded); the deepest tried depth that worked was ${fbN} levels, at ${fmtNum(fbUs)} µs/level (median of 7 in-process runs). The native/aio-ts ratio is n/a for that row.`,
      );
    }
  }
  const s5a = get("S5", "aio");
  if (s5a !== undefined && s5a.median !== undefined) {
    const ratio = medianExtra(s5a, "ratioToLongest");
    const tails = IMPLS.map((impl) => {
      const c = get("S5", impl);
      const t = c === undefined ? undefined : medianExtra(c, "afterCreateMs");
      const r = c === undefined ? undefined : medianExtra(c, "afterCreateRatio");
      return `${impl} ${t === undefined || r === undefined ? "n/a" : `${fmtNum(t)} ms (${r.toFixed(2)}×)`}`;
    }).join(", ");
    notes.push(
      `S5 target for aio-ts: total ≤ 1.5× the longest sleep (50 ms, i.e. ≤ 75 ms). Measured ${fmtNum(s5a.median)} ms = ${ratio?.toFixed(2)}× → ${ratio !== undefined && ratio <= 1.5 ? "met" : "NOT met"}. The total includes creating the 100,000 tasks/timers. From the end of the creation loop to all joined: ${tails}.`,
    );
  }
  const s9a = get("S9", "aio");
  if (s9a !== undefined && s9a.median !== undefined) {
    notes.push(
      `S9 target for aio-ts: ≤ 256 bytes per suspended task. Measured ${fmtNum(s9a.median)} bytes → ${s9a.median <= 256 ? "met" : "NOT met"}. (heapUsed after 4× gc() with all tasks suspended, minus heapUsed before creating them; the handle array is preallocated before the baseline.)`,
    );
  }

  const s11a = get("S11", "aio");
  if (s11a !== undefined && s11a.median !== undefined) {
    const s11e = get("S11", "effect")!.median;
    const s11n = get("S11", "native")!.median;
    const floor = medianExtra(s11a, "theoreticalFloorMs");
    // The timer floor is measured in every process (whatever its impl): their median.
    const timers = IMPLS.flatMap((impl) =>
      get("S11", impl)!
        .results.map((r) => r.extra?.["timerFloorMs"])
        .filter((t): t is number => typeof t === "number"),
    );
    const timerFloor = timers.length === 0 ? undefined : median(timers);
    const total = (impl: Impl): string => {
      const c = get("S11", impl)!;
      const ms = medianExtra(c, "totalMs");
      const rps = medianExtra(c, "requestsPerSec");
      if (ms === undefined || rps === undefined || floor === undefined) return `${impl} n/a`;
      return `${impl} ${fmtNum(ms)} ms (${fmtNum(rps)} req/s; ${fmtNum(ms - floor)} ms above the ${floor} ms floor${timerFloor === undefined ? "" : `, ${fmtNum(ms - timerFloor)} ms above the timer floor`})`;
    };
    const vsEffect = s11e === undefined ? undefined : s11e / s11a.median;
    const vsNative = s11n === undefined ? undefined : s11a.median / s11n;
    notes.push(
      `S11 target for aio-ts: ≥ 2× effect's throughput and ≤ 1.5× native's time per request, in the same run. Measured effect/aio-ts ${vsEffect === undefined ? "n/a" : `${vsEffect.toFixed(2)}× → ${vsEffect >= 2 ? "met" : "NOT met"}`}; aio-ts/native ${vsNative === undefined ? "n/a" : `${vsNative.toFixed(2)}× → ${vsNative <= 1.5 ? "met" : "NOT met"}`}. The 1 ms sleeps put a floor under a batch: 10,000 / 64 permits = 157 rounds (${floor ?? "n/a"} ms in theory; 157 sequential \`setTimeout(1)\` took ${timerFloor === undefined ? "n/a" : fmtNum(timerFloor)} ms, median over processes). Batch totals: ${IMPLS.map(total).join("; ")}.`,
    );
  }

  const perRun = [
    ...specs.map((spec) => {
      const lines = IMPLS.map((impl) => {
        const c = cells.get(`${spec.id}/${impl}`)!;
        const vals = c.results.map((r) => (r.ok ? fmtNum(r.value!) : `FAILED(${r.error})`));
        return `  - ${impl}: ${vals.join(", ")}`;
      });
      return `- ${spec.id} (${spec.unit}):\n${lines.join("\n")}`;
    }),
    ...waiterSpecs.map((spec) => {
      const vals = waiterCells
        .get(spec.id)!
        .results.map((r) => (r.ok ? `${fmtNum(Number(r.extra?.["us1e4"]))} / ${fmtNum(r.value!)}` : `FAILED(${r.error})`));
      return `- ${spec.id} (${spec.unit} at 1e4 / 1e5): ${vals.join(", ")}`;
    }),
  ].join("\n");

  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const env = `node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.arch()}; each (scenario, impl) run in a fresh process (\`node --expose-gc --import tsx bench/scenario.ts <S> <impl>\`), median over processes (${specs.map((s) => `${s.id}: ${runsOverride ?? s.runs}`).join(", ")}); inside each process full-size warmup runs, then the median of several timed runs; whole bench took ${((Date.now() - started) / 1000).toFixed(0)} s. 1-min load average at start/end: ${loadBefore.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}${Math.max(loadBefore, os.loadavg()[0]!) > 1 ? " (other work was running on the machine: expect noise)" : ""}.`;

  const md = [
    "# aio-ts benchmarks",
    "",
    `Measured ${new Date().toISOString()}. ${env}`,
    "",
    "Implementations: **aio-ts** (`src/`), **effect** 4.1.0 (`Effect.gen`, `Effect.flatMap`, `Effect.forkChild` + `Fiber.join`, `Effect.sleep`, `Deferred`, `Effect.runSync`/`runPromise`), **native** (async/await, Promises, `setTimeout`). Ratios > 1 mean slower / bigger than aio-ts.",
    "",
    table,
    "",
    ...(waiterTable === ""
      ? []
      : [
          "## Waiter queues",
          "",
          "bench/s-waiters.ts: n tasks wait on one primitive; timed from the first wake-up (or, in the rows with cancellation, the first of n/2 cancels of waiters 0, 2, 4, …) until every task has ended, divided by n. Linear total time shows as a flat time per waiter (ratio ≈ 1; a quadratic one would be ≈ 10).",
          "",
          waiterTable,
          "",
        ]),
    "## Notes",
    "",
    ...notes.map((n) => `- ${n}`),
    "",
    "## Per-run values",
    "",
    perRun,
    "",
  ].join("\n");

  if (specs.length > 0) console.log(table);
  if (waiterTable !== "") console.log((specs.length > 0 ? "\n" : "") + waiterTable);
  if (notes.length > 0) console.log("\n" + notes.map((n) => `- ${n}`).join("\n"));
  if (only === undefined) {
    writeFileSync(path.join(here, "results.md"), md);
    console.error(`\nwrote ${path.relative(root, path.join(here, "results.md"))}`);
  } else {
    console.error("\n--only: bench/results.md not written");
  }
};

main();
