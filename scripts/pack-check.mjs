// `npm run check:pack` (issue 12, "Checks"): the package as npm would publish it.
//
// 1. `npm pack` into a temp directory; the tarball holds dist/, src/ (the source maps point
//    there), docs/*.md (the README links to them: each relative link of the README must
//    reach a file in the tarball), README and LICENSE, and nothing else.
// 2. publint (strict: warnings and suggestions fail too) and are-the-types-wrong (every entry,
//    every resolution mode, node10 included) on that tarball: both must report nothing.
// 3. The tarball is unpacked into a temp consumer project as node_modules/aio-ts (by hand, so
//    no network and no npm cache are involved; piscina, fp-ts, io-ts and @types/node are
//    linked from this repository's node_modules), then:
//    - an ESM and a CommonJS program run (including the ESM and the require entry in one
//      process: one runtime, and no warning from require() of the ESM build inside
//      node_modules);
//    - a TypeScript consumer with `declaration: true` and `skipLibCheck: false` type-checks,
//      emits, and its output runs, in nodenext (ESM and CommonJS) and bundler modes, with the
//      minimum supported TypeScript (5.0, node_modules/ts-min-5.0) and the current one (5.9).
//      (This is also issue 12 item 4's check that every inferred type is nameable: the
//      emitted .d.ts may name only "aio-ts", never a dist/ or internal/ path.)
// Run after `npm run build`. Prints each failure and exits non-zero if there was one.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nm = path.join(root, "node_modules");
// The minimum TypeScript is 5.0: the declarations use `const` type parameters (gather, race,
// catchTag...), which 4.9 does not have. MIN_TSC overrides its tsc path.
const TYPESCRIPTS = [
  {
    name: "TypeScript 5.0",
    tsc: process.env.MIN_TSC ?? path.join(nm, "ts-min-5.0", "bin", "tsc"),
    min: "5.0.",
    modes: ["nodenext-esm", "nodenext-cjs", "bundler"],
  },
  {
    name: "TypeScript 5.9",
    tsc: path.join(nm, "typescript", "bin", "tsc"),
    min: "5.9.",
    modes: ["nodenext-esm", "nodenext-cjs", "bundler"],
  },
];
const t0 = Date.now();
const step = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}`);
const failures = [];
const fail = (what, detail) => {
  failures.push(what);
  console.error(`FAIL ${what}\n${String(detail).trimEnd()}\n`);
};

/** Runs `node args` asynchronously (the TypeScript runs go two at a time). */
const node = (args, cwd) =>
  new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (status) => resolve({ status, stdout, stderr }));
  });

const work = mkdtempSync(path.join(os.tmpdir(), "aio-ts-pack-"));
try {
  // 1. pack
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }),
  );
  const tarball = path.join(work, packed.filename);
  const files = packed.files.map((f) => f.path);
  step(`packed ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} KB (${(packed.unpackedSize / 1024).toFixed(0)} KB unpacked)`);
  const unexpected = files.filter((f) => !/^(dist\/|src\/|docs\/[^/]+\.md$|README\.md$|LICENSE$|package\.json$)/.test(f));
  if (unexpected.length > 0) fail("tarball contents", `unexpected files: ${unexpected.join(", ")}`);
  for (const need of ["LICENSE", "README.md", "docs/runtime.md", "dist/cjs/package.json", "dist/cjs/index.d.ts"]) {
    if (!files.includes(need)) fail("tarball contents", `missing ${need}`);
  }
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
  for (const l of new Set(links)) if (!files.includes(path.posix.normalize(l))) fail("README links", `${l} is not in the tarball`);
  for (const target of Object.values(pkg.exports)) {
    const paths = typeof target === "string" ? [target] : Object.values(target).flatMap((c) => Object.values(c));
    for (const p of paths) if (!files.includes(p.replace(/^\.\//, ""))) fail("tarball contents", `exports target ${p} is not in the tarball`);
  }

  // 2. publint and attw on the tarball
  const buf = readFileSync(tarball);
  const lint = await publint({ pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, level: "suggestion", strict: true });
  if (lint.messages.length > 0) fail("publint", lint.messages.map((m) => `${m.type}: ${formatMessage(m, lint.pkg)}`).join("\n"));
  else step("publint: no messages");
  const attw = await node([path.join(nm, "@arethetypeswrong", "cli", "dist", "index.js"), tarball, "--no-definitely-typed", "--no-color", "--format", "table-flipped"], work);
  if (attw.status !== 0 || !attw.stdout.includes("No problems found")) fail("attw", attw.stdout + attw.stderr);
  else step("attw: no problems (node10, node16 from CJS and ESM, bundler; every entry)");

  // 3. a consumer project with the tarball installed
  const consumer = path.join(work, "consumer");
  const installed = path.join(consumer, "node_modules", "aio-ts");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  for (const dep of ["piscina", "fp-ts", "io-ts", "@types/node", "undici-types"]) {
    mkdirSync(path.dirname(path.join(consumer, "node_modules", dep)), { recursive: true });
    symlinkSync(path.join(nm, dep), path.join(consumer, "node_modules", dep), "dir");
  }
  writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));

  const ESM = `import { createRequire } from "node:module";
import * as t from "io-ts";
import { Aio, Queue, run } from "aio-ts";
import { of } from "aio-ts/fp-ts";
import { decode } from "aio-ts/io-ts";
const require = createRequire(import.meta.url);
const cjs = require("aio-ts");
const q = new cjs.Queue(1);
const main = Aio.gen(function* () {
  yield* Aio.sleep(1);
  yield* q.put(yield* of(20));
  const n = yield* q.get();
  return n + (yield* cjs.Aio.succeed(1)) + (yield* decode(t.number)(21));
});
console.log(await cjs.run(main), cjs.Aio === Aio, q instanceof Queue);
`;
  const CJS = `const { Aio, run } = require("aio-ts");
const { of } = require("aio-ts/fp-ts");
const { decode } = require("aio-ts/io-ts");
const t = require("io-ts");
run(Aio.gen(function* () {
  yield* Aio.sleep(1);
  return (yield* of(21)) + (yield* decode(t.number)(21));
})).then((n) => console.log(n));
`;
  writeFileSync(path.join(consumer, "esm.mjs"), ESM);
  writeFileSync(path.join(consumer, "cjs.cjs"), CJS);
  for (const [file, expected] of [["esm.mjs", "42 true true\n"], ["cjs.cjs", "42\n"]]) {
    const r = await node([file], consumer);
    if (r.status !== 0 || r.stdout !== expected || r.stderr !== "") fail(`run ${file}`, `status ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    else step(`${file} runs (stderr empty)`);
  }

  // TypeScript consumers: declaration emit of inferred types, both subpaths, skipLibCheck off.
  const SOURCE = `import { Aio, Queue, createTask, gather, run, waitFor } from "aio-ts";
import { Monad, of } from "aio-ts/fp-ts";
import { decode } from "aio-ts/io-ts";
import * as t from "io-ts";
export const program = Aio.gen(function* () {
  yield* Aio.sleep(1);
  return 1 as const;
});
export const both = gather([Aio.succeed(1), Aio.succeed("a")]);
export const bounded = waitFor(Aio.succeed(1), 10);
export const task = createTask(Aio.succeed(1));
const q = new Queue<number>();
export const get = q.get();
export const put = q.put(1);
export const mapped = Aio.succeed(1).pipe(Aio.map((n: number) => n + 1));
export const chained = Monad.chain(of(1), (n) => of(n + 1));
export const decoded = decode(t.number)(41);
export const main = Aio.gen(function* () {
  const [a, b] = yield* gather([program, bounded]);
  return a + b + (yield* chained) + (yield* decoded) - 3;
});
run(main).then((n) => console.log(n));
`;
  const MODES = [
    { name: "nodenext-esm", type: "module", module: "nodenext", moduleResolution: "nodenext" },
    { name: "nodenext-cjs", type: "commonjs", module: "nodenext", moduleResolution: "nodenext" },
    { name: "bundler", type: "module", module: "esnext", moduleResolution: "bundler" },
  ];
  const jobs = [];
  for (const ts of TYPESCRIPTS) {
    for (const mode of MODES.filter((m) => ts.modes.includes(m.name))) {
      const dir = path.join(consumer, `ts-${ts.min}${mode.name}`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `consumer-${mode.name}`, private: true, type: mode.type }));
      writeFileSync(
        path.join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022"],
            module: mode.module,
            moduleResolution: mode.moduleResolution,
            declaration: true,
            strict: true,
            skipLibCheck: false,
            outDir: "out",
            types: ["node"],
          },
          files: ["index.ts"],
        }),
      );
      writeFileSync(path.join(dir, "index.ts"), SOURCE);
      jobs.push({ ts, mode, dir });
    }
  }
  for (const ts of TYPESCRIPTS) {
    const version = await node([ts.tsc, "-v"], consumer);
    if (!version.stdout.startsWith(`Version ${ts.min}`)) fail(ts.name, `${ts.tsc} is ${version.stdout}${version.stderr}`);
  }
  const runTs = async ({ ts, mode, dir }) => {
    const what = `${ts.name}, ${mode.name}`;
    const r = await node([ts.tsc, "-p", dir], dir);
    if (r.status !== 0 || r.stdout + r.stderr !== "") return fail(`${what}: tsc`, r.stdout + r.stderr);
    const dts = readFileSync(path.join(dir, "out", "index.d.ts"), "utf8");
    const named =
      dts.includes('export declare const program: import("aio-ts").AioClass<1, never>;') && dts.includes('import("aio-ts").TimeoutError');
    if (!named || /dist\/|internal\//.test(dts)) {
      return fail(`${what}: declarations`, dts);
    }
    const out = await node([path.join(dir, "out", "index.js")], dir);
    if (out.status !== 0 || out.stdout !== "42\n" || out.stderr !== "") return fail(`${what}: run`, out.stdout + out.stderr);
    step(`${what}: type-checks (skipLibCheck off), emits .d.ts naming only "aio-ts", runs`);
  };
  // Two at a time: CI machines have 2 cores or more.
  for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map(runTs));
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`check:pack: ${failures.length} problem(s): ${[...new Set(failures)].join("; ")}`);
  process.exit(1);
}
step("check:pack: clean");
