// npm links the `tsc` and `tsserver` of every TypeScript it installs into node_modules/.bin, and
// the `ts-min-5.0` alias (the minimum TypeScript, used only by check:pack) wins that race. This
// points both back at the project's TypeScript (5.9) so `npx tsc` is the compiler the repo is
// built with. Run by `prepare` after `npm install` / `npm ci` in this repository (npm does not
// run `prepare` when aio-ts is installed from the registry).
import { existsSync, rmSync, symlinkSync } from "node:fs";

for (const bin of ["tsc", "tsserver"]) {
  const link = `node_modules/.bin/${bin}`;
  if (!existsSync(`node_modules/typescript/bin/${bin}`)) continue;
  rmSync(link, { force: true });
  symlinkSync(`../typescript/bin/${bin}`, link);
}
