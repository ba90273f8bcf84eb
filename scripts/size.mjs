// `npm run bench:size` (issue 12, item 8): what aio-ts costs a bundle, and a cold import.
//
// Each row is an esbuild bundle (minified, ESM, platform node) of a small program that
// imports the built package (dist/, through its own `exports` map and `sideEffects`, as a
// user's bundler sees it), gzipped with node:zlib at level 9. fp-ts, io-ts and piscina are
// left external: they are the user's dependencies (peer / regular), not our bytes.
//   hello       Aio.gen + Aio.sleep + run
//   everything  every export of the main entry
//   fp-ts       the aio-ts/fp-ts subpath (includes the part of the main entry it uses)
//   io-ts       the aio-ts/io-ts subpath (likewise)
// Then the cold import time: the median over several fresh `node` processes of the time their
// first import of the package takes (effect's beside it).
//
// `measureBundles()` is also what test/package-size.test.ts checks (byte sizes are
// deterministic with the pinned esbuild; times are not, so they are only printed here).
// Options: --modules (list each bundle's largest inputs), --runs N (import-time runs, 11).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const BUNDLES = {
  hello: `import { Aio, run } from "aio-ts";
const main = Aio.gen(function* () {
  yield* Aio.sleep(10);
  return "hello";
});
run(main).then(console.log);`,
  everything: `import * as all from "aio-ts";\nconsole.log(all);`,
  "fp-ts": `import * as all from "aio-ts/fp-ts";\nconsole.log(all);`,
  "io-ts": `import * as all from "aio-ts/io-ts";\nconsole.log(all);`,
};

/** Printed beside the rows above (not part of the test): the same hello world with effect. */
export const COMPARE = {
  "effect hello": `import { Effect } from "effect";
Effect.runPromise(Effect.gen(function* () {
  yield* Effect.sleep(10);
  return "hello";
})).then(console.log);`,
};

/**
 * Bundles `contents` (a program importing "aio-ts") and returns the minified code, its size
 * raw and gzipped, and the bytes each input module contributed (from esbuild's metafile).
 */
export const bundle = async (contents) => {
  const r = await build({
    stdin: { contents, resolveDir: root, loader: "js", sourcefile: "program.js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "error",
    external: ["fp-ts", "fp-ts/*", "io-ts", "io-ts/*", "piscina"],
  });
  const code = r.outputFiles[0].contents;
  const output = Object.values(r.metafile.outputs)[0];
  const modules = Object.fromEntries(
    Object.entries(output.inputs)
      .filter(([, v]) => v.bytesInOutput > 0)
      .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
      .map(([file, v]) => [file, v.bytesInOutput]),
  );
  return { code: Buffer.from(code).toString("utf8"), bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, modules };
};

/** Every row of `BUNDLES`, bundled. */
export const measureBundles = async () => {
  const out = {};
  for (const [name, contents] of Object.entries(BUNDLES)) out[name] = await bundle(contents);
  return out;
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/**
 * Cold import time: a fresh `node` process per run times its own first `import()` (or
 * `require`) of the package with performance.now(), so Node's start-up is not in the figure.
 * The runs interleave the cases so load noise hits all alike.
 */
export const measureImport = (runs) => {
  const timed = (load) => `const t0 = performance.now(); ${load}; console.log(performance.now() - t0);`;
  const cases = {
    'import("aio-ts")': ["--input-type=module", "-e", timed('await import("aio-ts")')],
    'require("aio-ts")': ["-e", timed('require("aio-ts")')],
    'import("effect")': ["--input-type=module", "-e", timed('await import("effect")')],
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [k, args] of Object.entries(cases)) {
      const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
      if (r.status !== 0 || r.stderr !== "") throw new Error(`node ${args.join(" ")} failed:\n${r.stderr}`);
      times[k].push(Number(r.stdout));
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, ts]) => [k, { median: median(ts), min: Math.min(...ts), max: Math.max(...ts) }]));
};

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 11;
  const results = await measureBundles();
  for (const [name, contents] of Object.entries(COMPARE)) results[name] = await bundle(contents);
  console.log("| bundle (esbuild, minified) | raw | gzip |");
  console.log("|---|---:|---:|");
  for (const [name, r] of Object.entries(results)) console.log(`| ${name} | ${kb(r.bytes)} | ${kb(r.gzip)} |`);
  if (argv.includes("--modules")) {
    for (const [name, r] of Object.entries(results)) {
      console.log(`\n${name}: ${Object.entries(r.modules).slice(0, 15).map(([f, b]) => `${f.replace(/^dist\/esm\//, "")} ${b}`).join(", ")}`);
    }
  }
  const t = measureImport(runs);
  console.log(`\ncold import, timed inside a fresh node process, median of ${runs} (min-max):`);
  for (const [k, v] of Object.entries(t)) console.log(`  ${k}: ${v.median.toFixed(0)} ms (${v.min.toFixed(0)}-${v.max.toFixed(0)})`);
}
