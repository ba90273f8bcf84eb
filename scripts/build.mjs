// Builds dist/esm (JavaScript and .d.ts) with the TypeScript compiler, and dist/cjs as a
// thin CommonJS face over that same build.
//
// One runtime per process (issue 12, item 3): dist/cjs/<entry>.js is not a second compile but
// `module.exports = require("../esm/<entry>.js")`, which Node loads through require(esm)
// (unflagged from Node 20.19 and 22.12; no warning there). A program or bundle that loads
// both `import "aio-ts"` and `require("aio-ts")` therefore gets one module instance: one Aio
// class, one running-loop slot, one set of brands. A second compile gave two of each, so a
// CommonJS `Aio.succeed(1)` was "not an Aio" to the ESM `run`.
//
// The .d.ts files are copied next to the stubs: under dist/cjs/package.json's
// `"type": "commonjs"` TypeScript reads them as CommonJS declarations, which is what a
// `require` consumer gets (no "masquerading as ESM" for attw). The emitted declarations do
// not depend on the module format (the former second compile produced identical files).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { protectInternalConstructors } from "./internal-constructors.mjs";

const tsc = (...args) => execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", ...args], { stdio: "inherit" });
rmSync("dist", { recursive: true, force: true });
tsc("-p", "tsconfig.build.json");
const protectedCount = protectInternalConstructors("src", "dist/esm");

const copyDeclarations = (from, to) => {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    if (entry.isDirectory()) copyDeclarations(src, path.join(to, entry.name));
    else if (entry.name.endsWith(".d.ts")) copyFileSync(src, path.join(to, entry.name));
  }
};
copyDeclarations("dist/esm", "dist/cjs");
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");

// One stub per `require` target in the exports map, so the two cannot drift apart.
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target === "string") continue; // "./package.json"
  const cjs = target.require.default; // ./dist/cjs/<entry>.js
  const esm = target.import.default; // ./dist/esm/<entry>.js
  const rel = path.posix.relative(path.posix.dirname(cjs), esm);
  writeFileSync(
    cjs,
    `"use strict";\n// ${pkg.name}${subpath.slice(1)} for require(): the ESM build itself, one runtime per process (see scripts/build.mjs).\nmodule.exports = require(${JSON.stringify(rel.startsWith(".") ? rel : "./" + rel)});\n`,
  );
}
console.log(`built dist/esm and dist/cjs (require stubs over dist/esm; ${protectedCount} internal constructors protected)`);
