/**
 * What a bundler makes of the package (issue 12, items 7 and 8), on the built dist/ through
 * the package's own `exports` and `sideEffects`: the bundles of scripts/size.mjs (esbuild,
 * pinned, so their bytes are deterministic; import time is only in `npm run bench:size`).
 *
 * - `sideEffects` names exactly the modules that do something when imported (a top-level
 *   statement that is not a declaration), so a bundler may drop any other unused module and
 *   must keep those two.
 * - A bundled program that depends on both import-time effects (the `_flatMap` patch of
 *   internal/primitives, the `getStack` hook of debug) still works.
 * - fp-ts and io-ts code stays out of a main-entry bundle.
 * - Size budgets: the measured sizes plus a few per cent, so growth is a decision (raise the
 *   budget in this file, with the reason) rather than an accident. They are not the issue's
 *   targets (hello <= 6 KB, everything <= 15 KB gz), which the kernel does not meet yet.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");

// Budgets in gzipped bytes (measured at 14.2 KB, 34.8 KB, 17.0 KB and 7.9 KB).
const BUDGET_GZIP = { hello: 15_000, everything: 36_500, "fp-ts": 18_000, "io-ts": 8_500 } as const;

interface Bundle {
  code: string;
  bytes: number;
  gzip: number;
  modules: Record<string, number>;
}
interface SizeScript {
  BUNDLES: Record<string, string>;
  bundle(contents: string): Promise<Bundle>;
  measureBundles(): Promise<Record<string, Bundle>>;
}

let size: SizeScript;
let bundles: Record<string, Bundle>;

beforeAll(async () => {
  // `npm test` builds before vitest; a bare `vitest run` may not have.
  if (!existsSync(path.join(root, "dist", "esm", "index.js"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  }
  size = (await import(path.join(root, "scripts", "size.mjs"))) as SizeScript;
  bundles = await size.measureBundles();
}, 120_000);

/** src files (relative, "./src/…") with a top-level statement that runs code on import. */
const filesWithImportTimeEffects = (): string[] => {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith(".ts")) {
        const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
        const effect = sf.statements.some(
          (s) =>
            ts.isExpressionStatement(s) ||
            ts.isIfStatement(s) ||
            ts.isForStatement(s) ||
            ts.isForOfStatement(s) ||
            ts.isWhileStatement(s) ||
            ts.isTryStatement(s) ||
            ts.isBlock(s),
        );
        if (effect) out.push("./" + path.relative(root, file).split(path.sep).join("/"));
      }
    }
  };
  walk(path.join(root, "src"));
  return out.sort();
};

describe("sideEffects", () => {
  it("lists exactly the modules with import-time effects, in src/ and in dist/esm/", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { sideEffects: string[] };
    const effects = filesWithImportTimeEffects();
    expect(effects).toEqual(["./src/debug.ts", "./src/internal/primitives.ts"]);
    const built = effects.map((f) => f.replace(/^\.\/src\//, "./dist/esm/").replace(/\.ts$/, ".js"));
    expect([...pkg.sideEffects].sort()).toEqual([...built, ...effects].sort());
    for (const f of built) expect(existsSync(path.join(root, f))).toBe(true);
  });

  it("a bundled program that relies on both import-time effects runs", async () => {
    const program = `import { Aio, createTask, run } from "aio-ts";
const worker = Aio.gen(function* worker() { yield* Aio.sleep(50); });
const main = Aio.gen(function* () {
  const t = yield* createTask(worker);
  yield* Aio.sleep(1);
  const stack = t.getStack();
  const n = yield* Aio.succeed(1).pipe(Aio.flatMap((x) => Aio.succeed(x + 1)), Aio.flatMap((x) => Aio.succeed(x * 10)));
  yield* t;
  return { stack, n };
});
run(main).then((r) => console.log(JSON.stringify(r)));`;
    const b = await size.bundle(program);
    const dir = mkdtempSync(path.join(os.tmpdir(), "aio-ts-bundle-"));
    try {
      writeFileSync(path.join(dir, "main.mjs"), b.code);
      const r = spawnSync(process.execPath, [path.join(dir, "main.mjs")], { encoding: "utf8", env: { ...process.env, AIO_DEBUG: "1" } });
      expect(r.stderr).toBe("");
      const out = JSON.parse(r.stdout) as { stack: string[]; n: number };
      expect(out.n).toBe(20);
      expect(out.stack).toHaveLength(1);
      // The minifier renames `worker`; the site is what debug.js adds.
      expect(out.stack[0]).toMatch(/ \(Aio\.gen made at file:.*main\.mjs:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("bundle sizes (esbuild, minified, gzip -9)", () => {
  it("the hello-world bundle runs and holds no fp-ts or io-ts code", () => {
    const modules = Object.keys(bundles.hello!.modules);
    expect(modules).toContain("dist/esm/internal/fiber.js");
    expect(modules.filter((m) => /fp-ts|io-ts/.test(m))).toEqual([]);
    expect(bundles.hello!.code).not.toMatch(/aio-ts\/Aio"|DecodeError/);
    const dir = mkdtempSync(path.join(os.tmpdir(), "aio-ts-bundle-"));
    try {
      writeFileSync(path.join(dir, "main.mjs"), bundles.hello!.code);
      const r = spawnSync(process.execPath, [path.join(dir, "main.mjs")], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("hello\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("neither does the bundle of everything from the main entry", () => {
    const modules = Object.keys(bundles.everything!.modules);
    expect(modules).toContain("dist/esm/index.js");
    expect(modules.filter((m) => /fp-ts|io-ts/.test(m))).toEqual([]);
    expect(Object.keys(bundles["fp-ts"]!.modules)).toContain("dist/esm/fp-ts.js");
    expect(Object.keys(bundles["io-ts"]!.modules)).toContain("dist/esm/io-ts.js");
  });

  for (const [name, budget] of Object.entries(BUDGET_GZIP)) {
    it(`${name}: within its budget of ${budget} B gzipped`, () => {
      const b = bundles[name]!;
      expect(b.gzip).toBeGreaterThan(1000); // a real bundle, not an empty one
      expect(b.gzip).toBeLessThanOrEqual(budget);
    });
  }
});
