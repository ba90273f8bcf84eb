/**
 * Which worker pool runs `runInWorker` (issue 11 §3): piscina vs tinypool, measured the
 * same way, interleaved (A, B, A, B…) because the machine is shared.
 *
 * Per pool and round: startup (construct + first task's round trip), the round trip of a
 * tiny task (2,000 sequential `noop`s), the throughput of a CPU task on 2 workers (40 ×
 * 20 ms `spin`), and cancellation: aborting a running busy-loop task by AbortSignal
 * (does the promise reject, how fast, and can the pool run a task afterwards); and a
 * worker that exits mid-job (`process.exit(3)`): does the job's promise settle?
 *
 * Result (Node 20, 2 shared cores, 6 interleaved rounds): the same speed within the noise
 * (startup 220-1000 ms vs 180-660 ms, tiny-task round trip 68-272 us vs 59-440 us, 40 x 20 ms
 * on 2 workers 408-517 ms vs 411-701 ms; both abort a running task by AbortSignal in
 * 1-17 ms and keep working); but a worker that exits mid-job rejects the job under piscina
 * ("worker exited with code: 3") and leaves it pending for ever under tinypool. So
 * src/threads.ts uses piscina, and tinypool is no longer a dependency: to re-run this,
 * `npm install --no-save tinypool@2.2.0` first (without it, only piscina is measured).
 *
 * Run: `npx tsx bench/pool-choice.ts [rounds]`.
 */
import { Piscina } from "piscina";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TASKS = path.join(path.dirname(fileURLToPath(import.meta.url)), "pool-choice", "tasks.mjs");

interface Pool {
  run(name: string, arg: unknown, signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

const tinypool = await import("tinypool" as string).then(
  (m: { Tinypool: typeof Piscina }) => m.Tinypool,
  () => undefined,
);

const makers: Record<string, () => Pool> = {
  piscina: () => {
    const p = new Piscina({ filename: TASKS, minThreads: 2, maxThreads: 2 });
    return {
      run: (name, arg, signal) => p.run(arg, signal === undefined ? { name } : { name, signal }),
      close: () => p.destroy(),
    };
  },
  tinypool: () => {
    const p = new tinypool!({ filename: TASKS, minThreads: 2, maxThreads: 2 });
    return {
      run: (name, arg, signal) => p.run(arg, signal === undefined ? { name } : { name, signal }),
      close: () => p.destroy(),
    };
  },
};

const now = (): number => performance.now();

const measure = async (which: string): Promise<Record<string, number | string>> => {
  const t0 = now();
  const pool = makers[which]!();
  await pool.run("noop", 1);
  const startup = now() - t0;

  const N = 2000;
  const t1 = now();
  for (let i = 0; i < N; i++) await pool.run("noop", i);
  const rttUs = ((now() - t1) / N) * 1000;

  const t2 = now();
  await Promise.all(Array.from({ length: 40 }, () => pool.run("spin", 20)));
  const cpu = now() - t2; // ideal on 2 free cores: 400 ms

  const ac = new AbortController();
  const running = pool.run("forever", 0, ac.signal);
  await new Promise((r) => setTimeout(r, 50));
  const t3 = now();
  ac.abort(new Error("stop"));
  let abort = "did not reject";
  const outcome = await Promise.race([
    running.then(() => "resolved", (e: unknown) => `rejected (${(e as Error).name})`),
    new Promise<string>((r) => setTimeout(() => r("timeout"), 2000)),
  ]);
  abort = `${outcome} in ${(now() - t3).toFixed(1)} ms`;
  const after = await pool.run("noop", 7);
  const exited = await Promise.race([
    pool.run("exit", 0).then(() => "resolved", (e: unknown) => `rejected (${(e as Error).message})`),
    new Promise<string>((r) => setTimeout(() => r("still pending after 3 s"), 3000)),
  ]);
  void pool.close().catch(() => {});
  return { startupMs: +startup.toFixed(1), rttUs: +rttUs.toFixed(1), cpu40x20msMs: +cpu.toFixed(0), abort, afterAbort: String(after), workerExit: exited };
};

const rounds = Number(process.argv[2] ?? 3);
if (tinypool === undefined) console.log("tinypool is not installed: measuring piscina only");
const order = tinypool === undefined ? [["piscina"], ["piscina"]] : [["piscina", "tinypool"], ["tinypool", "piscina"]];
for (let r = 0; r < rounds; r++)
  for (const which of order[r % 2]!)
    console.log(which.padEnd(9), JSON.stringify(await measure(which)));
process.exit(0); // a pool left with a hung job would keep the process alive
