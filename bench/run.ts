/**
 * `npm run bench`: runs every (scenario, implementation) pair of bench/scenario.ts in its
 * own fresh node process, a few times each, takes the median of the per-op figure and
 * prints a markdown table (also written to bench/results.md).
 *
 * What runs is what users run: first `npm run build` (tsc → dist/esm), then each bench
 * script is bundled by esbuild into bench/.build/ with its imports of `../src/…` pointed
 * at `dist/esm/…` (kept external, so aio-ts is the published multi-module build) and
 * packages (effect) external. Not through tsx: tsx compiles with esbuild's `keepNames`,
 * which wraps every closure creation in a `__name(fn, "…")` call (an
 * `Object.defineProperty` each): measured, it made S1rt 1,050 instead of 210 ns/step and
 * taxed every closure-heavy row of every implementation. `--no-build` skips the tsc step.
 *
 * Then the waiter-queue rows (bench/s-waiters.ts, aio-ts only): per primitive, the time
 * per waiter with 1e4 and 1e5 waiters, and their ratio (≈ 1: linear total time).
 *
 * Options: `--only S1,S4` (a subset of scenarios; `W` selects every waiter row, `W-lock`
 * one), `--runs N` (override the repeat count).
 * With `--only`, bench/results.md is left alone (the table is only printed).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

type Impl = "aio" | "effect" | "native" | "floor";
const IMPLS: readonly Impl[] = ["aio", "effect", "native", "floor"];
/** The implementations of a scenario without a plain-JS floor. */
const LIB_IMPLS: readonly Impl[] = ["aio", "effect", "native"];

interface ScenarioSpec {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly runs: number;
  /** Per-process timeout. */
  readonly timeoutMs: number;
  /** The scenario script in bench/ (scenario.ts by default). */
  readonly file?: string;
  /** Whether the scenario has a plain-JS floor row (bench/floor.ts). */
  readonly floor?: boolean;
  /** The issue's target for aio-ts, checked in the notes. */
  readonly target?: Target;
}

/** A target: aio-ts's figure at most `max` times another implementation's, same run. */
interface Target {
  readonly vs: Impl;
  readonly max: number;
}

const SCENARIOS: readonly ScenarioSpec[] = [
  { id: "S1", title: "S1 `yield*` loop, 1e6 steps", unit: "ns/step", runs: 3, timeoutMs: 60_000, floor: true },
  {
    id: "S1rt",
    title: "S1rt `yield*` loop, 1e6 steps, each resumed through the runtime (`Aio.async`, resumed at once)",
    unit: "ns/step",
    runs: 3,
    timeoutMs: 60_000,
    floor: true,
    target: { vs: "native", max: 1 },
  },
  { id: "S2", title: "S2 flatMap chain, 1e6 steps (build + run)", unit: "ns/step", runs: 3, timeoutMs: 60_000, floor: true },
  {
    id: "S2m",
    title: "S2m chain of 1e6 links, `map` and `flatMap` alternating (build + run)",
    unit: "ns/step",
    runs: 3,
    timeoutMs: 60_000,
    floor: true,
    target: { vs: "floor", max: 1.5 },
  },
  { id: "S2n", title: "S2n flatMap loop, 1e6 steps, each link made as it runs", unit: "ns/step", runs: 3, timeoutMs: 60_000 },
  { id: "S3", title: "S3 deep recursion, 1e6 levels", unit: "µs/level", runs: 3, timeoutMs: 120_000 },
  { id: "S4", title: "S4 fork + join 1e5 tasks", unit: "µs/task", runs: 3, timeoutMs: 60_000, floor: true },
  {
    id: "S4s",
    title: "S4s fork + join 2e4 tasks",
    unit: "µs/task",
    runs: 3,
    timeoutMs: 60_000,
    floor: true,
    target: { vs: "native", max: 1.5 },
  },
  {
    id: "S5",
    title: "S5 1e5 tasks sleeping 0–50 ms, all joined",
    unit: "ms total",
    runs: 3,
    timeoutMs: 60_000,
    floor: true,
    target: { vs: "floor", max: 1.3 },
  },
  { id: "S6", title: "S6 1e5 × waitFor(…, 1000), none fired", unit: "µs/call", runs: 5, timeoutMs: 60_000, file: "s-combinators.ts" },
  {
    id: "S6p",
    title: "S6p 1e4 × waitFor(Aio.promise(resolved), 1000)",
    unit: "µs/call",
    runs: 5,
    timeoutMs: 60_000,
    file: "s-combinators.ts",
    floor: true,
    target: { vs: "native", max: 1 },
  },
  { id: "S7", title: "S7 cancel 1e5 suspended tasks, await their ends", unit: "µs/task", runs: 5, timeoutMs: 60_000, file: "s-combinators.ts" },
  {
    id: "S10",
    title: "S10 1e4 × gather of 10 small tasks",
    unit: "µs/gather",
    runs: 5,
    timeoutMs: 120_000,
    file: "s-combinators.ts",
    target: { vs: "effect", max: 0.7 },
  },
  {
    id: "S8",
    title: "S8 2e5 messages through a bounded Queue (native: a Promise channel)",
    unit: "ns/msg",
    runs: 3,
    timeoutMs: 120_000,
    file: "s8-queue.ts",
    target: { vs: "native", max: 1.5 },
  },
  { id: "S11", title: "S11 1e4 concurrent runtime requests (Semaphore(64) 1 ms sleep + gather of 3)", unit: "µs/request", runs: 3, timeoutMs: 120_000, file: "s11-runtime.ts" },
  {
    id: "S12",
    title: "S12 TCP echo, one connection, 64 MiB in 64 KiB writes with drain (throughput as time per MiB)",
    unit: "ms/MiB",
    runs: 3,
    timeoutMs: 180_000,
    file: "s12-streams.ts",
    // ≥ 85% of raw node:net's throughput = ≤ 1 / 0.85 of its time per MiB.
    target: { vs: "native", max: 1.18 },
  },
  {
    id: "S13",
    title: "S13 TCP 1-byte ping-pong, 1e5 round trips",
    unit: "µs/round trip",
    runs: 3,
    timeoutMs: 180_000,
    file: "s12-streams.ts",
    target: { vs: "native", max: 1.3 },
  },
  {
    id: "S14",
    title: "S14 1,000 concurrent TCP connections, each echoing 100 lines (client readline)",
    unit: "µs/line",
    runs: 3,
    timeoutMs: 180_000,
    file: "s12-streams.ts",
    floor: true,
    // At least 2× effect's throughput.
    target: { vs: "effect", max: 0.5 },
  },
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
const buildDir = path.join(here, ".build");

const implsOf = (spec: ScenarioSpec): readonly Impl[] => (spec.floor === true ? IMPLS : LIB_IMPLS);

const parseArgs = (
  argv: readonly string[],
): { only: Set<string> | undefined; runs: number | undefined; build: boolean } => {
  let only: Set<string> | undefined;
  let runs: number | undefined;
  let build = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--only") only = new Set((argv[++i] ?? "").split(",").map((s) => s.trim().toUpperCase()));
    else if (a === "--runs") runs = Number(argv[++i]);
    else if (a === "--no-build") build = false;
  }
  return { only, runs, build };
};

/**
 * Builds what the bench runs: dist/ (tsc, as published), then each bench script bundled
 * into bench/.build/<name>.mjs with `../src/x.js` imports resolved to the external
 * `dist/esm/x.js` (see the header: no tsx, no keepNames).
 */
const prepare = async (files: readonly string[], build: boolean): Promise<void> => {
  if (build) {
    const r = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run build failed:\n${r.stdout}${r.stderr}`);
  }
  const srcDir = path.join(root, "src") + path.sep;
  const distDir = path.join(root, "dist", "esm") + path.sep;
  mkdirSync(buildDir, { recursive: true });
  for (const file of files) {
    await esbuild.build({
      entryPoints: [path.join(here, file)],
      outfile: path.join(buildDir, file.replace(/\.ts$/, ".mjs")),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
      plugins: [
        {
          name: "aio-ts-dist",
          setup(b) {
            b.onResolve({ filter: /^\.\.?\// }, (args) => {
              const abs = path.resolve(args.resolveDir, args.path);
              return abs.startsWith(srcDir) ? { path: distDir + abs.slice(srcDir.length), external: true } : undefined;
            });
            b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
          },
        },
      ],
    });
  }
};

const runOnce = (spec: ScenarioSpec, impl: Impl): RunResult => {
  const file = path.join(buildDir, (spec.file ?? "scenario.ts").replace(/\.ts$/, ".mjs"));
  const r = spawnSync(process.execPath, ["--expose-gc", file, spec.id, impl], {
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

const main = async (): Promise<void> => {
  const { only, runs: runsOverride, build } = parseArgs(process.argv.slice(2));
  const specs = SCENARIOS.filter((s) => only === undefined || only.has(s.id.toUpperCase()));
  const waiterSpecs = WAITER_SPECS.filter(
    (s) => only === undefined || only.has("W") || only.has(s.id.toUpperCase()),
  );
  const files = [...new Set([...specs, ...waiterSpecs].map((spec) => spec.file ?? "scenario.ts"))];
  await prepare(files, build);
  const cells = new Map<string, Cell>();
  const started = Date.now();
  const loadBefore = os.loadavg()[0]!;

  for (const spec of specs) {
    const runs = runsOverride ?? spec.runs;
    const impls = implsOf(spec);
    const byImpl = new Map<Impl, RunResult[]>(impls.map((i) => [i, []]));
    // Interleave the implementations across repeats, so drift hits all of them alike.
    for (let rep = 0; rep < runs; rep++) {
      for (const impl of impls) {
        const t0 = Date.now();
        const r = runOnce(spec, impl);
        byImpl.get(impl)!.push(r);
        const shown = r.ok ? `${fmtNum(r.value!)} ${r.unit ?? spec.unit}` : `FAILED: ${r.error}`;
        console.error(`[${spec.id} ${impl} ${rep + 1}/${runs}] ${shown} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      }
    }
    for (const impl of impls) cells.set(`${spec.id}/${impl}`, summarise(byImpl.get(impl)!));
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
    const c = cells.get(`${spec.id}/${impl}`);
    if (c === undefined) return "–";
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
  /** `num / den` of two implementations' medians, as text. */
  const ratio = (spec: ScenarioSpec, num: Impl, den: Impl): number | undefined => {
    const a = cells.get(`${spec.id}/${num}`)?.median;
    const b = cells.get(`${spec.id}/${den}`)?.median;
    return a === undefined || b === undefined || b === 0 ? undefined : a / b;
  };
  const ratioText = (spec: ScenarioSpec, num: Impl, den: Impl): string => {
    const r = ratio(spec, num, den);
    return r === undefined ? (cells.has(`${spec.id}/${num}`) && cells.has(`${spec.id}/${den}`) ? "n/a" : "–") : `${r.toFixed(2)}×`;
  };

  const header =
    "| scenario | aio-ts | effect | native | plain-JS floor | effect / aio-ts | aio-ts / native | aio-ts / floor |";
  const sep = "|---|---:|---:|---:|---:|---:|---:|---:|";
  const rows = specs.map(
    (spec) =>
      `| ${spec.title} | ${cellText(spec, "aio")} | ${cellText(spec, "effect")} | ${cellText(spec, "native")} | ${cellText(spec, "floor")} | ${ratioText(spec, "effect", "aio")} | ${ratioText(spec, "aio", "native")} | ${ratioText(spec, "aio", "floor")} |`,
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
  const targetRows = specs.filter((spec) => spec.target !== undefined);
  if (targetRows.length > 0) {
    const parts = targetRows.map((spec) => {
      const t = spec.target!;
      const r = ratio(spec, "aio", t.vs);
      const verdict = r === undefined ? "n/a" : `${r.toFixed(2)}× → ${r <= t.max ? "met" : "NOT met"}`;
      return `${spec.id} aio-ts ≤ ${t.max}× ${t.vs}: ${verdict}`;
    });
    notes.push(`Targets (issues 10 and 11, ratios of medians in this run): ${parts.join("; ")}.`);
  }
  const get = (id: string, impl: Impl): Cell | undefined => cells.get(`${id}/${impl}`);
  if (get("S2", "aio") !== undefined) {
    const parts = IMPLS.filter((impl) => get("S2", impl) !== undefined).map((impl) => {
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
    const tails = IMPLS.filter((impl) => get("S5", impl) !== undefined).map((impl) => {
      const c = get("S5", impl);
      const t = c === undefined ? undefined : medianExtra(c, "afterCreateMs");
      const r = c === undefined ? undefined : medianExtra(c, "afterCreateRatio");
      return `${impl} ${t === undefined || r === undefined ? "n/a" : `${fmtNum(t)} ms (${r.toFixed(2)}×)`}`;
    }).join(", ");
    notes.push(
      `S5: the first target (core issue) was total ≤ 1.5× the longest sleep (50 ms, i.e. ≤ 75 ms); issue 10 replaced it by ≤ 1.3× the plain-JS floor (see Targets). Measured ${fmtNum(s5a.median)} ms = ${ratio?.toFixed(2)}× → ${ratio !== undefined && ratio <= 1.5 ? "met" : "NOT met"}. The total includes creating the 100,000 tasks/timers. From the end of the creation loop to all joined: ${tails}.`,
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
    const timers = LIB_IMPLS.flatMap((impl) =>
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
      `S11 target for aio-ts: ≥ 2× effect's throughput and ≤ 1.5× native's time per request, in the same run. Measured effect/aio-ts ${vsEffect === undefined ? "n/a" : `${vsEffect.toFixed(2)}× → ${vsEffect >= 2 ? "met" : "NOT met"}`}; aio-ts/native ${vsNative === undefined ? "n/a" : `${vsNative.toFixed(2)}× → ${vsNative <= 1.5 ? "met" : "NOT met"}`}. The 1 ms sleeps put a floor under a batch: 10,000 / 64 permits = 157 rounds (${floor ?? "n/a"} ms in theory; 157 sequential \`setTimeout(1)\` took ${timerFloor === undefined ? "n/a" : fmtNum(timerFloor)} ms, median over processes). Batch totals: ${LIB_IMPLS.map(total).join("; ")}.`,
    );
  }

  const perRun = [
    ...specs.map((spec) => {
      const lines = implsOf(spec).map((impl) => {
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
  const env = `node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.arch()}; each (scenario, impl) run in a fresh process (\`node --expose-gc bench/.build/scenario.mjs <S> <impl>\`, built from bench/scenario.ts against dist/esm), median over processes (${specs.map((s) => `${s.id}: ${runsOverride ?? s.runs}`).join(", ")}); inside each process full-size warmup runs, then the median of several timed runs; whole bench took ${((Date.now() - started) / 1000).toFixed(0)} s. 1-min load average at start/end: ${loadBefore.toFixed(2)} / ${os.loadavg()[0]!.toFixed(2)}${Math.max(loadBefore, os.loadavg()[0]!) > 1 ? " (other work was running on the machine: expect noise)" : ""}.`;

  const md = [
    "# aio-ts benchmarks",
    "",
    `Measured ${new Date().toISOString()}. ${env}`,
    "",
    "Implementations: **aio-ts** (`src/`), **effect** 4.1.0 (`Effect.gen`, `Effect.flatMap`, `Effect.forkChild` + `Fiber.join`, `Effect.sleep`, `Deferred`, `Effect.runSync`/`runPromise`), **native** (async/await, Promises, `setTimeout`), **plain-JS floor** (bench/floor.ts: the same work with no library, where a row has one). S12–S14 (bench/s12-streams.ts, TCP on 127.0.0.1, server and client in one process): aio-ts `startServer` / `openConnection`, effect `@effect/platform-node` `NodeSocketServer` / `NodeSocket.makeNet`, native raw `node:net` callbacks; S12 is reported as time per MiB so that lower is better, as in every other row. effect / aio-ts > 1: aio-ts is faster; aio-ts / native and aio-ts / floor > 1: aio-ts is slower.",
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

await main();
