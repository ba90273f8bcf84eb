/**
 * A consumer's declaration emit (issue 12, item 4): a project with `declaration: true` that
 * exports inferred `Aio.gen(…)`, `gather`, `waitFor`, `createTask` and Queue values must emit
 * clean .d.ts against the published types (dist/), in every module mode. Before, each failed
 * with TS2742 ("the inferred type cannot be named without a reference to …/internal/…").
 *
 * The consumer is a temp directory whose `node_modules/aio-ts` links to this package, so its
 * `exports` map and .d.ts files are what a user installs.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

const SOURCE = `import { Aio, Queue, createTask, gather, waitFor } from "aio-ts";
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
`;

const MODES = [
  { name: "nodenext, ESM", type: "module", module: "nodenext", moduleResolution: "nodenext" },
  { name: "nodenext, CommonJS", type: "commonjs", module: "nodenext", moduleResolution: "nodenext" },
  { name: "bundler", type: "module", module: "esnext", moduleResolution: "bundler" },
] as const;

let dir = "";

beforeAll(() => {
  // `npm test` builds before vitest; a bare `vitest run` may not have.
  if (!existsSync(path.join(root, "dist", "esm", "index.d.ts"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  }
  dir = mkdtempSync(path.join(os.tmpdir(), "aio-ts-consumer-"));
}, 120_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("a consumer's declaration emit names every inferred type through the package", () => {
  for (const mode of MODES) {
    it(`${mode.name}: no error, and the .d.ts refers to "aio-ts" only`, () => {
      const project = path.join(dir, mode.name.replace(/[^a-z]+/gi, "-"));
      mkdirSync(path.join(project, "node_modules"), { recursive: true });
      symlinkSync(root, path.join(project, "node_modules", "aio-ts"), "dir");
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: mode.type }));
      writeFileSync(
        path.join(project, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: mode.module,
            moduleResolution: mode.moduleResolution,
            declaration: true,
            strict: true,
            skipLibCheck: false,
            outDir: "out",
            types: ["node"],
            typeRoots: [path.join(root, "node_modules", "@types")],
          },
          files: ["index.ts"],
        }),
      );
      writeFileSync(path.join(project, "index.ts"), SOURCE);
      const r = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
      const dts = readFileSync(path.join(project, "out", "index.d.ts"), "utf8");
      expect(dts).toContain('export declare const program: import("aio-ts").AioClass<1, never>;');
      expect(dts).toContain('import("aio-ts").TimeoutError');
      expect(dts).not.toMatch(/dist\//);
    }, 60_000);
  }
});
