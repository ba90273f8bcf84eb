// The doc checker (scripts/check-docs.ts) on fixtures in a temp dir: it finds the blocks
// (Markdown fences and `@example`s in doc comments, not other fences or other tags),
// reports a type error at the source file:line, and fails a runnable block that exits
// non-zero or hangs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkDocs, exampleBlocks, extractBlocks, markdownBlocks, resolveRelativeImports } from "../scripts/check-docs.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fixture tree: `files` maps relative paths to contents. */
const fixture = (files: Record<string, string>): string => {
  const root = mkdtempSync(join(tmpdir(), "check-docs-test-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
};

describe("extraction", () => {
  it("finds ts fences in Markdown with the line of their first code line, and the runnable mark", () => {
    const md = [
      "# Title", //                 1
      "", //                        2
      "```ts", //                   3
      "const a = 1;", //            4
      "```", //                     5
      "", //                        6
      "```sh", //                   7
      "npm test", //                8
      "```", //                     9
      "- a list item:", //          10
      "  ```ts runnable", //        11
      "  const b = 2;", //          12
      "    const c = 3;", //        13
      "  ```", //                   14
      "```` ```ts ```` is inline code, not a fence", // 15
      "```typescript", //           16
      "const d = 4;", //            17
      "```", //                     18
    ].join("\n");
    const blocks = markdownBlocks("docs/x.md", md);
    expect(blocks.map((b) => [b.line, b.runnable, b.code])).toEqual([
      [4, false, "const a = 1;\n"],
      [12, true, "const b = 2;\n  const c = 3;\n"],
      [17, false, "const d = 4;\n"],
    ]);
  });

  it("finds 0, 1 and many blocks", () => {
    expect(markdownBlocks("a.md", "no code here")).toEqual([]);
    expect(markdownBlocks("a.md", "```ts\n```\n")).toHaveLength(1);
    const many = Array.from({ length: 100 }, (_, i) => `\`\`\`ts\nconst x${i} = ${i};\n\`\`\``).join("\n\n");
    const blocks = markdownBlocks("a.md", many);
    expect(blocks).toHaveLength(100);
    expect(blocks[99]!.line).toBe(99 * 4 + 2);
  });

  it("takes the fences under @example in doc comments, not those under other tags or outside comments", () => {
    const src = [
      "/**", //                                 1
      " * Adds.", //                            2
      " * ```ts", //                            3  in the description: not an example
      " * const notAnExample = 0;", //          4
      " * ```", //                              5
      " * @example", //                         6
      " * ```ts runnable", //                   7
      " * import { Aio } from \"aio-ts\";", //  8
      " * const one = Aio.succeed(1);", //      9
      " * ```", //                              10
      " * @remarks", //                         11
      " * ```ts", //                            12 under @remarks: not an example
      " * const remark = 0;", //                13
      " * ```", //                              14
      " */", //                                 15
      "export const add = (a: number, b: number): number => a + b;", // 16
      "// ```ts", //                            17 not a doc comment
      "/** @example", //                        18
      " * ```ts", //                            19
      " * const two = 2;", //                   20
      " * ```", //                              21
      " */", //                                 22
    ].join("\n");
    const blocks = exampleBlocks("src/add.ts", src);
    expect(blocks.map((b) => [b.line, b.runnable, b.code])).toEqual([
      [8, true, 'import { Aio } from "aio-ts";\nconst one = Aio.succeed(1);\n'],
      [20, false, "const two = 2;\n"],
    ]);
  });

  it("reads README.md, docs/*.md (not docs/api/) and src/**/*.ts", () => {
    const root = fixture({
      "README.md": "```ts\nconst r = 1;\n```\n",
      "docs/guide.md": "text\n```ts\nconst g = 1;\n```\n",
      "docs/api/page.md": "```ts\nconst generated = 1;\n```\n",
      "src/deep/mod.ts": "/**\n * @example\n * ```ts\n * const m = 1;\n * ```\n */\nexport const m = 1;\n",
      "other/skip.md": "```ts\nconst o = 1;\n```\n",
    });
    expect(extractBlocks(root).map((b) => `${b.file}:${b.line}`)).toEqual([
      "README.md:2",
      "docs/guide.md:3",
      "src/deep/mod.ts:4",
    ]);
  });

  it("resolves relative imports against the block's file, leaving the others", () => {
    const code = 'import { a } from "./a.js";\nimport type { B } from "../b.js";\nimport { Aio } from "aio-ts";\nawait import("./c.js");\n';
    expect(resolveRelativeImports(code, "/repo/src")).toBe(
      'import { a } from "/repo/src/a.js";\nimport type { B } from "/repo/b.js";\nimport { Aio } from "aio-ts";\nawait import("/repo/src/c.js");\n',
    );
  });
});

describe("check", () => {
  it("passes good blocks, and reports a type error at its file:line", async () => {
    const root = fixture({
      "README.md": ["# r", "```ts", "const ok: number = 1;", "```", "", "```ts", "const n: number = 1;", 'const s: string = n;', "```", ""].join("\n"),
      "src/mod.ts": ["/**", " * @example", " * ```ts", " * const fine = [1, 2][0];", " * const bad: number = fine;", " * ```", " */", "export {};", ""].join("\n"),
    });
    const r = await checkDocs(root, { repoRoot, run: false });
    expect(r.blocks).toHaveLength(3);
    // README line 8 (`const s: string = n`); src line 5 (noUncheckedIndexedAccess: number | undefined).
    expect(r.failures.map((f) => `${f.file}:${f.line}:${f.kind}`)).toEqual(["README.md:8:type", "src/mod.ts:5:type"]);
    expect(r.failures[0]!.message).toMatch(/TS2322/);
  });

  it("resolves aio-ts to the repo's src, and runs only runnable blocks: exit code, throw and timeout fail", async () => {
    const root = fixture({
      "docs/run.md": [
        "```ts runnable", // 1
        'import { Aio, run } from "aio-ts";',
        "const n = await run(Aio.sleep(1000, 1), { virtualTime: true });",
        'if (n !== 1) throw new Error("wrong");',
        "```",
        "```ts runnable", // 6
        "process.exitCode = 3;",
        "```",
        "```ts runnable", // 9
        'throw new Error("boom");',
        "```",
        "```ts runnable", // 12
        "setInterval(() => {}, 1000);",
        "```",
        "```ts", // 15: not runnable, never run
        'throw new Error("not run");',
        "```",
        "",
      ].join("\n"),
    });
    const r = await checkDocs(root, { repoRoot, timeoutMs: 3000, jobs: 2 });
    expect(r.ran).toBe(4);
    expect(r.failures.map((f) => `${f.file}:${f.line}`)).toEqual(["docs/run.md:7", "docs/run.md:10", "docs/run.md:13"]);
    expect(r.failures[0]!.message).toMatch(/exit code 3/);
    expect(r.failures[1]!.message).toMatch(/boom/);
    expect(r.failures[2]!.message).toMatch(/timed out after 3000 ms/);
  });
});
