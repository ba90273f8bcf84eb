/**
 * Docs that cannot rot (`npm run check:docs`): every ```ts block of README.md, docs/*.md
 * (docs/api/ is generated and skipped) and every `@example` of a doc comment in src/ is
 * type-checked as a complete program, and the blocks marked runnable are run.
 *
 * - Each block is written to a temp dir as its own ES module (`moduleDetection: "force"`,
 *   so top-level `await` works and blocks never share globals). `aio-ts`, `aio-ts/fp-ts`
 *   and `aio-ts/io-ts` resolve to the repo's `src/` (a `paths` mapping; no build needed),
 *   or with `--dist` to the built `dist/esm` (types from its `.d.ts`: what a user sees, so
 *   an example reaching for an `@internal` member fails there; `npm run build` first).
 *   Other packages (fp-ts, io-ts) resolve from the repo's node_modules. A relative import
 *   is relative to the file the block is in (a kernel excerpt in docs/runtime.md imports
 *   `../src/internal/aio.js`); such blocks always use src.
 * - All blocks are checked in ONE TypeScript program (two with `--dist`: the blocks that
 *   import src/ directly are the second) with the repo's tsconfig.json options (strict,
 *   noUncheckedIndexedAccess, exactOptionalPropertyTypes…).
 * - A block is runnable when its fence says so: ```` ```ts runnable ````. Runnable blocks are
 *   bundled (esbuild) and each runs in its own `node` process with a timeout
 *   (`--timeout=MS`, default 10 s; `--jobs=N` at once, default the CPU count): a non-zero
 *   exit, a signal or the timeout fails. A block that does not type-check is not run.
 * - A failure is reported as `file:line` of the source (the line of the offending code in
 *   the Markdown file or in the doc comment), with the compiler's message or the output.
 *
 * A block that is deliberately not TypeScript is fenced as something else (```sh, ```text,
 * ```js) and not checked. The conventions are in docs/README.md ("Code blocks are checked").
 *
 * Usage: `tsx scripts/check-docs.ts [--timeout=MS] [--jobs=N] [--no-run] [--dist]`.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** One code block found in the docs. */
export interface DocBlock {
  /** Path of the source file, relative to the root (e.g. `docs/locks.md`, `src/Aio.ts`). */
  readonly file: string;
  /** 1-based line in `file` of the block's first code line. */
  readonly line: number;
  /** The code, with the fence and (in a doc comment) the ` * ` prefix removed. */
  readonly code: string;
  /** The fence's info string said `runnable`. */
  readonly runnable: boolean;
}

/** A problem found in a block: where (source file:line) and what. */
export interface DocFailure {
  readonly file: string;
  readonly line: number;
  readonly kind: "type" | "run";
  readonly message: string;
}

// A fence line: indent, marker, language, the rest of the info string. As CommonMark, a
// backtick fence's info string has no backtick (```` ```ts ```` in a paragraph is inline code).
const FENCE = /^(\s*)(`{3,}(?=[^`]*$)|~{3,})\s*([^\s`]*)\s*(.*)$/;
const TS_LANGS = new Set(["ts", "typescript"]);

/** Fenced blocks of `lines` (already stripped of any comment prefix), as DocBlocks. */
const fencedBlocks = (
  file: string,
  lines: readonly string[],
  lineOf: (index: number) => number,
  accept: (index: number) => boolean,
): DocBlock[] => {
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (open === null) continue;
    const indent = open[1] ?? "";
    const marker = open[2] ?? "```";
    const lang = (open[3] ?? "").toLowerCase();
    const info = (open[4] ?? "").split(/\s+/);
    let end = i + 1;
    while (end < lines.length) {
      const close = FENCE.exec(lines[end] ?? "");
      if (close !== null && (close[2] ?? "").startsWith(marker) && close[3] === "" && close[4] === "") break;
      end++;
    }
    if (TS_LANGS.has(lang) && accept(i)) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      out.push({ file, line: lineOf(i + 1), code: body.join("\n") + "\n", runnable: info.includes("runnable") });
    }
    i = end;
  }
  return out;
};

/** The ```ts blocks of a Markdown text. */
export const markdownBlocks = (file: string, text: string): DocBlock[] =>
  fencedBlocks(file, text.split(/\r?\n/), (i) => i + 1, () => true);

/** The ```ts blocks that follow an `@example` tag in the doc comments of a TypeScript text. */
export const exampleBlocks = (file: string, text: string): DocBlock[] => {
  const lines = text.split(/\r?\n/);
  const out: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = (lines[i] ?? "").indexOf("/**");
    if (start === -1) continue;
    // The comment's lines, each with its `/**`, leading ` * ` and `*/` removed.
    const body: string[] = [];
    let j = i;
    for (; j < lines.length; j++) {
      let l = lines[j] ?? "";
      if (j === i) l = l.slice(start + 3);
      const close = l.indexOf("*/");
      const last = close !== -1;
      if (last) l = l.slice(0, close);
      body.push(j === i ? l : l.replace(/^\s*\* ?/, ""));
      if (last) break;
    }
    // A fence belongs to an example when the block tag in force there is `@example`.
    const tagAt: (string | undefined)[] = [];
    let tag: string | undefined;
    let inFence = false;
    for (const l of body) {
      if (FENCE.test(l)) inFence = !inFence;
      else if (!inFence) {
        const t = /^\s*(@\w+)/.exec(l);
        if (t !== null) tag = t[1];
      }
      tagAt.push(tag);
    }
    const first = i;
    out.push(...fencedBlocks(file, body, (k) => first + k + 1, (k) => tagAt[k] === "@example"));
    i = j;
  }
  return out;
};

const walk = (dir: string, keep: (path: string) => boolean): string[] => {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path, keep));
    else if (keep(path)) out.push(path);
  }
  return out;
};

/** Every block under `root`: README.md, docs/*.md (not docs/api/), `@example`s in src/**\/*.ts. */
export const extractBlocks = (root: string): DocBlock[] => {
  const blocks: DocBlock[] = [];
  const rel = (p: string) => relative(root, p).split("\\").join("/");
  const readme = join(root, "README.md");
  if (existsSync(readme)) blocks.push(...markdownBlocks("README.md", readFileSync(readme, "utf8")));
  const docs = join(root, "docs");
  if (existsSync(docs)) {
    for (const name of readdirSync(docs).sort()) {
      if (name.endsWith(".md")) blocks.push(...markdownBlocks(`docs/${name}`, readFileSync(join(docs, name), "utf8")));
    }
  }
  const src = join(root, "src");
  if (existsSync(src)) {
    for (const path of walk(src, (p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))) {
      blocks.push(...exampleBlocks(rel(path), readFileSync(path, "utf8")));
    }
  }
  return blocks;
};

/**
 * A relative import in a block means "relative to the file the block is in" (a kernel
 * excerpt in docs/runtime.md imports `../src/internal/aio.js`, an internal module's
 * example `./sync-internal.js`): rewritten to an absolute path, on the same line.
 */
export const resolveRelativeImports = (code: string, fromDir: string): string =>
  code.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']*)\2/g,
    (_m, head: string, quote: string, spec: string) => `${head}${quote}${resolve(fromDir, spec)}${quote}`,
  );

/** Where the blocks are written: `<dir>/<n>.ts`, and what each file came from. */
interface Workspace {
  readonly dir: string;
  readonly files: ReadonlyMap<string, DocBlock>;
}

/**
 * Writes the blocks into a fresh temp dir as ES modules, with a `package.json` (`type:
 * module`) and a `node_modules` link to the repo's, so bare imports resolve from there.
 */
export const writeWorkspace = (blocks: readonly DocBlock[], repoRoot: string): Workspace => {
  const dir = mkdtempSync(join(tmpdir(), "aio-check-docs-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
  const modules = join(repoRoot, "node_modules");
  if (existsSync(modules)) symlinkSync(modules, join(dir, "node_modules"), "dir");
  const files = new Map<string, DocBlock>();
  blocks.forEach((block, i) => {
    const stem = `${String(i).padStart(4, "0")}_${block.file.replace(/[^A-Za-z0-9]+/g, "_")}_L${block.line}`;
    const path = join(dir, `${stem}.ts`);
    writeFileSync(path, resolveRelativeImports(block.code, dirname(join(repoRoot, block.file))));
    files.set(path, block);
  });
  return { dir, files };
};

/**
 * Where the package's own names resolve: `src` (the sources; the default, no build needed)
 * or `dist` (the built `dist/esm`, its `.d.ts` for types: what a user sees, so an example
 * reaching for an `@internal` member fails there; run `npm run build` first).
 */
export type Target = "src" | "dist";

/** The `paths` that point the package's own names at `target` (types, or the code to run). */
const selfPaths = (repoRoot: string, target: Target, use: "types" | "run"): Record<string, string[]> => {
  const file = (name: string) =>
    target === "src" ? join(repoRoot, `src/${name}.ts`) : join(repoRoot, `dist/esm/${name}.${use === "types" ? "d.ts" : "js"}`);
  return { "aio-ts": [file("index")], "aio-ts/fp-ts": [file("fp-ts")], "aio-ts/io-ts": [file("io-ts")] };
};

/**
 * A block with a relative import (a kernel excerpt, an internal module's example) reaches
 * into src/ itself: it is always checked and run against src, whatever the target, so
 * that it never mixes the types or the runtime of two copies.
 */
const importsRelative = (block: DocBlock): boolean => /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']\.\.?\//.test(block.code);

/** The workspace's files in groups, each with the target its package names resolve to. */
const groups = (ws: Workspace, target: Target, keep: (b: DocBlock) => boolean): [string[], Target][] => {
  const files = [...ws.files].filter(([, b]) => keep(b));
  if (target === "src") return [[files.map(([p]) => p), "src"]];
  return [
    [files.filter(([, b]) => !importsRelative(b)).map(([p]) => p), "dist"],
    [files.filter(([, b]) => importsRelative(b)).map(([p]) => p), "src"],
  ];
};

/** Type-checks every block of the workspace in one program with the repo's compiler options. */
export const typecheck = (ws: Workspace, repoRoot: string, target: Target = "src"): DocFailure[] => {
  const configPath = join(repoRoot, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot, undefined, configPath);
  const base: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    moduleDetection: ts.ModuleDetectionKind.Force,
    typeRoots: [join(repoRoot, "node_modules/@types")],
  };
  delete base.rootDir;
  delete base.outDir;
  delete base.baseUrl;
  const diagnostics: ts.Diagnostic[] = [];
  for (const [files, t] of groups(ws, target, () => true)) {
    if (files.length === 0) continue;
    const program = ts.createProgram(files, { ...base, paths: selfPaths(repoRoot, t, "types") });
    diagnostics.push(...ts.getPreEmitDiagnostics(program));
  }
  const failures: DocFailure[] = [];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const block = d.file === undefined ? undefined : ws.files.get(resolve(d.file.fileName));
    if (d.file === undefined || block === undefined) {
      // Not in a block (an option, or a library source): still a failure, said plainly.
      const where = d.file === undefined ? "" : `${relative(repoRoot, d.file.fileName)}: `;
      failures.push({ file: "(compiler)", line: 0, kind: "type", message: `${where}TS${d.code}: ${message}` });
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    failures.push({ file: block.file, line: block.line + line, kind: "type", message: `TS${d.code}: ${message}` });
  }
  return failures;
};

/** Runs a command, resolving with its exit code (or signal/timeout) and output. */
const runProcess = (
  cmd: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ ok: boolean; reason: string; output: string }> =>
  new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) done({ ok: false, reason: `timed out after ${timeoutMs} ms`, output });
      else if (code === 0) done({ ok: true, reason: "", output });
      else done({ ok: false, reason: signal !== null ? `killed by ${signal}` : `exit code ${code}`, output });
    });
  });

/** Bundles the runnable blocks (aio-ts from src) and runs each in its own node process. */
export const runBlocks = async (
  ws: Workspace,
  repoRoot: string,
  opts: { readonly timeoutMs: number; readonly jobs: number; readonly target?: Target },
): Promise<{ failures: DocFailure[]; ran: number; durations: { block: DocBlock; ms: number }[] }> => {
  const entries = [...ws.files].filter(([, b]) => b.runnable);
  if (entries.length === 0) return { failures: [], ran: 0, durations: [] };
  const esbuild = await import("esbuild");
  const outdir = join(ws.dir, "out");
  mkdirSync(outdir);
  for (const [files, t] of groups(ws, opts.target ?? "src", (b) => b.runnable)) {
    if (files.length === 0) continue;
    const self = selfPaths(repoRoot, t, "run");
    await esbuild.build({
      entryPoints: files,
      outdir,
      outExtension: { ".js": ".mjs" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      plugins: [
        {
          name: "aio-ts-names",
          setup(build) {
            // The package's own names go to src/ or dist/; other packages are bundled from the
            // repo's node_modules (through the workspace's link): fp-ts 2's subpaths
            // (`fp-ts/function`) are directories Node's ESM loader cannot import.
            build.onResolve({ filter: /^aio-ts(\/|$)/ }, (args) => {
              const path = self[args.path]?.[0];
              return path === undefined ? undefined : { path };
            });
          },
        },
      ],
    });
  }
  const failures: DocFailure[] = [];
  const times = new Map<string, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const [path, block] = entries[next++]!;
      const out = join(outdir, basename(path).replace(/\.ts$/, ".mjs"));
      const t0 = performance.now();
      const r = await runProcess(process.execPath, [out], ws.dir, opts.timeoutMs);
      times.set(path, performance.now() - t0);
      if (!r.ok) {
        const tail = r.output.trim().split("\n").slice(-15).join("\n");
        failures.push({ file: block.file, line: block.line, kind: "run", message: `${r.reason}${tail === "" ? "" : `\n${tail}`}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, worker));
  const durations = [...times].map(([path, ms]) => ({ block: ws.files.get(path)!, ms })).sort((a, b) => b.ms - a.ms);
  return { failures, ran: entries.length, durations };
};

/** The whole check: extract, type-check, run; returns the failures, sorted by place. */
export const checkDocs = async (
  root: string,
  opts: {
    readonly run?: boolean;
    readonly timeoutMs?: number;
    readonly jobs?: number;
    readonly repoRoot?: string;
    readonly target?: Target;
  } = {},
): Promise<{
  blocks: readonly DocBlock[];
  ran: number;
  failures: DocFailure[];
  typecheckMs: number;
  runMs: number;
  slowest: { block: DocBlock; ms: number } | undefined;
}> => {
  const repoRoot = opts.repoRoot ?? root;
  const t0 = performance.now();
  const blocks = extractBlocks(root);
  const ws = writeWorkspace(blocks, repoRoot);
  try {
    const target = opts.target ?? "src";
    if (target === "dist" && !existsSync(join(repoRoot, "dist/esm/index.d.ts")))
      throw new Error("check-docs --dist: no dist/esm/index.d.ts (run `npm run build` first)");
    const failures = typecheck(ws, repoRoot, target);
    const typecheckMs = performance.now() - t0;
    let ran = 0;
    let slowest: { block: DocBlock; ms: number } | undefined;
    if (opts.run !== false) {
      // A block that does not compile is not run (its type errors are the report).
      const broken = new Set(failures.map((f) => `${f.file}:${f.line}`));
      const runnable: Workspace = {
        dir: ws.dir,
        files: new Map(
          [...ws.files].filter(([, b]) => {
            const last = b.line + b.code.split("\n").length;
            return ![...broken].some((k) => {
              const [f, l] = [k.slice(0, k.lastIndexOf(":")), Number(k.slice(k.lastIndexOf(":") + 1))];
              return f === b.file && l >= b.line && l < last;
            });
          }),
        ),
      };
      const r = await runBlocks(runnable, repoRoot, {
        timeoutMs: opts.timeoutMs ?? 10_000,
        jobs: opts.jobs ?? Math.max(2, availableParallelism()),
        target,
      });
      failures.push(...r.failures);
      ran = r.ran;
      slowest = r.durations[0];
    }
    failures.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
    return { blocks, ran, failures, typecheckMs, runMs: performance.now() - t0 - typecheckMs, slowest };
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const jobs = flag("jobs");
  const { blocks, ran, failures, typecheckMs, runMs, slowest } = await checkDocs(root, {
    run: !args.includes("--no-run"),
    target: args.includes("--dist") ? "dist" : "src",
    timeoutMs: Number(flag("timeout") ?? 10_000),
    ...(jobs === undefined ? {} : { jobs: Number(jobs) }),
  });
  for (const f of failures) console.error(`${f.file}:${f.line}: ${f.kind === "type" ? "type error" : "run failed"}: ${f.message}`);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const files = new Set(blocks.map((b) => b.file)).size;
  console.log(
    `check:docs: ${blocks.length} blocks in ${files} files type-checked (${s(typecheckMs)} s), ` +
      `${ran} run (${s(runMs)} s${slowest === undefined ? "" : `, slowest ${slowest.block.file}:${slowest.block.line} ${s(slowest.ms)} s`}), ` +
      `${failures.length} failure(s)`,
  );
  if (failures.length > 0) process.exitCode = 1;
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
