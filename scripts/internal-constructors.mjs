// `stripInternal` drops a constructor tagged `@internal` from the .d.ts, and a class with no
// constructor in its declaration reads as one with a public no-argument constructor: a user's
// `new TaskGroup()` type-checked and failed at run time (TypeScript leaves this as is:
// microsoft/TypeScript#27455). For every class whose constructor is `@internal`, this writes
// `protected constructor();` into the class's declaration, so `new` from outside is a type
// error ("Constructor of class 'X' is protected") while subclasses' declarations still compile.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );

/** Classes of `file` whose constructor carries `@internal`, by name. */
const internalConstructors = (file) => {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names = [];
  const visit = (node) => {
    if (ts.isClassDeclaration(node) && node.name) {
      const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      const ctor = node.members.find(ts.isConstructorDeclaration);
      if (exported && ctor && ts.getJSDocTags(ctor).some((t) => t.tagName.text === "internal")) names.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
};

export function protectInternalConstructors(srcDir, dtsDir) {
  let count = 0;
  for (const file of walk(srcDir)) {
    const names = internalConstructors(file);
    if (names.length === 0) continue;
    const dts = path.join(dtsDir, path.relative(srcDir, file).replace(/\.ts$/, ".d.ts"));
    let text = readFileSync(dts, "utf8");
    for (const name of names) {
      const head = new RegExp(`^(export )?declare (abstract )?class ${name}\\b[^\\n]*\\{\\n`, "m");
      const m = head.exec(text);
      if (!m) throw new Error(`${dts}: no declaration of class ${name} to give its protected constructor`);
      const at = m.index + m[0].length;
      text = text.slice(0, at) + "    protected constructor();\n" + text.slice(at);
      count++;
    }
    writeFileSync(dts, text);
  }
  return count;
}
