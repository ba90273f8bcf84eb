/**
 * The public surface is only the public API (issue 12, item 5). The build strips every
 * `@internal` declaration (`stripInternal`, tsconfig.build.json); this test reads what it
 * emitted, dist/esm and dist/cjs, with the TypeScript parser (so a `_name` in a comment or
 * a string is not a hit) and checks:
 * - no declaration named `_…` (class or interface member, accessor, type-literal property,
 *   module-level export) in any .d.ts; the one exception is `_tag`, the public
 *   discriminant of the error classes;
 * - no tuning constant (`HOST_SLICE_MS`, `MAX_STEPS_PER_TURN`) anywhere in the .d.ts, and
 *   the ALL_CAPS exports of the package entries are exactly the public constants below;
 * - every emitted .d.ts still compiles with `skipLibCheck: false`: a stripped declaration
 *   that a kept one still names (a public class implementing a stripped interface, a
 *   public signature naming a stripped type) is a compile error here.
 * type-tests/public-surface.test-d.ts pins the consumer's view (`task._flags` is an error).
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");
const OUTPUTS = ["esm", "cjs"] as const;
const ENTRIES = ["index", "fp-ts", "io-ts"] as const;
/** The `_`-named member that is public API: the discriminant `catchTag` and `switch` read. */
const PUBLIC_UNDERSCORE = new Set(["_tag"]);
/** Scheduler tuning constants: not API, so in no .d.ts. */
const TUNING = ["HOST_SLICE_MS", "MAX_STEPS_PER_TURN"];
/** The ALL_CAPS exports that are public API (asyncio's names, the fp-ts URI, a documented default). */
const PUBLIC_CONSTANTS: Record<(typeof ENTRIES)[number], string[]> = {
  index: ["ALL_COMPLETED", "DEFAULT_LIMIT", "DEVNULL", "FIRST_COMPLETED", "FIRST_EXCEPTION", "INHERIT", "PIPE", "STDOUT"],
  "fp-ts": ["URI"],
  "io-ts": [],
};

const declarationFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return declarationFiles(p);
    return p.endsWith(".d.ts") ? [p] : [];
  });

const nameOf = (node: ts.Node): string | undefined => {
  const name = (node as { name?: ts.Node }).name;
  if (name === undefined) return undefined;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
};

/** A declaration with a name users could reach: a member, or a module-level export. */
const isNamed = (node: ts.Node): boolean =>
  ts.isVariableDeclaration(node) ||
  ts.isFunctionDeclaration(node) ||
  ts.isClassDeclaration(node) ||
  ts.isInterfaceDeclaration(node) ||
  ts.isTypeAliasDeclaration(node) ||
  ts.isPropertyDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isGetAccessorDeclaration(node) ||
  ts.isSetAccessorDeclaration(node) ||
  ts.isPropertySignature(node) ||
  ts.isMethodSignature(node) ||
  ts.isPropertyAssignment(node);

interface Found {
  readonly underscore: string[];
  readonly tuning: string[];
}

/** The `_` members and the tuning-constant identifiers of one .d.ts, as `file: Owner._name`. */
const scan = (file: string): Found => {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const rel = path.relative(root, file);
  const underscore: string[] = [];
  const tuning: string[] = [];
  const visit = (node: ts.Node, owner: string): void => {
    const name = nameOf(node);
    if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && name)
      owner = name;
    if (isNamed(node) && name !== undefined && name.startsWith("_") && !PUBLIC_UNDERSCORE.has(name))
      underscore.push(`${rel}: ${owner}.${name}`);
    if (ts.isIdentifier(node) && TUNING.includes(node.text)) tuning.push(`${rel}: ${node.text}`);
    ts.forEachChild(node, (child) => visit(child, owner));
  };
  visit(sf, "(module)");
  return { underscore, tuning };
};

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  exactOptionalPropertyTypes: true,
  skipLibCheck: false,
  noEmit: true,
  types: ["node"],
};

beforeAll(() => {
  // `npm test` builds before vitest; a bare `vitest run` may not have.
  if (!existsSync(path.join(root, "dist", "cjs", "index.d.ts"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  }
}, 120_000);

describe.each(OUTPUTS)("dist/%s: the declarations show only the public API", (output) => {
  const dir = path.join(root, "dist", output);
  const files = (): string[] => declarationFiles(dir);

  it("has the .d.ts of every entry (the scan below reads real output)", () => {
    for (const entry of ENTRIES) expect(existsSync(path.join(dir, `${entry}.d.ts`))).toBe(true);
    expect(files().length).toBeGreaterThan(40);
  });

  it("no `_`-named member or export in any .d.ts (but the public `_tag`)", () => {
    const found = files().flatMap((f) => scan(f).underscore);
    expect(found).toEqual([]);
  });

  it("the public `_tag` discriminants are still there", () => {
    const tags = files().filter((f) => /_tag\b/.test(readFileSync(f, "utf8")));
    expect(tags.map((f) => path.basename(f))).toEqual(expect.arrayContaining(["exceptions.d.ts", "queues.d.ts"]));
  });

  it("no tuning constant in any .d.ts", () => {
    const found = files().flatMap((f) => scan(f).tuning);
    expect(found).toEqual([]);
  });

  it("the ALL_CAPS exports of each entry are exactly its public constants", () => {
    const entries = ENTRIES.map((e) => path.join(dir, `${e}.d.ts`));
    const program = ts.createProgram(entries, compilerOptions);
    const checker = program.getTypeChecker();
    ENTRIES.forEach((entry, i) => {
      const sf = program.getSourceFile(entries[i]!);
      const moduleSymbol = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
      expect(moduleSymbol, entry).toBeDefined();
      const names = checker.getExportsOfModule(moduleSymbol!).map((s) => s.name);
      expect(names.length, entry).toBeGreaterThan(0);
      const caps = names.filter((n) => /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{2,}$/.test(n)).sort();
      expect(caps, entry).toEqual(PUBLIC_CONSTANTS[entry]);
    });
  });

  it("every .d.ts compiles with skipLibCheck: false (nothing kept names a stripped declaration)", () => {
    const program = ts.createProgram(files(), compilerOptions);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file === undefined ? "" : `${path.relative(root, d.file.fileName)}: `;
      return where + ts.flattenDiagnosticMessageText(d.messageText, "\n");
    });
    expect(diagnostics).toEqual([]);
  }, 60_000);
});
