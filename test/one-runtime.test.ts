/**
 * One runtime per process (issue 12, item 3): a program that loads both `import "aio-ts"` and
 * `require("aio-ts")` (and the fp-ts/io-ts subpaths both ways) has one implementation, so the
 * values of one entry run on the loop of the other. Before, dist/cjs was a second compile:
 * `esm.run(cjs.Aio.succeed(1))` failed with "createTask: expected an Aio", a CommonJS Queue
 * failed inside an ESM run, and `yield*` across the copies said "write yield*, not yield".
 *
 * The check runs in a child Node process against the built package (dist/), resolved through
 * its own `exports` map by self-reference, as a consumer's import and require resolve it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, expect, it } from "vitest";

const root = path.resolve(__dirname, "..");

beforeAll(() => {
  // `npm test` builds before vitest; a bare `vitest run` may not have.
  if (!existsSync(path.join(root, "dist", "cjs", "index.js"))) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "ignore" });
  }
}, 120_000);

const PROGRAM = `
import { createRequire } from "node:module";
import * as t from "io-ts";
import * as esm from "aio-ts";
import * as esmFp from "aio-ts/fp-ts";
import * as esmIo from "aio-ts/io-ts";
const require = createRequire(process.cwd() + "/consumer.cjs");
const cjs = require("aio-ts");
const cjsFp = require("aio-ts/fp-ts");
const cjsIo = require("aio-ts/io-ts");
const out = {};
out.sameModule = cjs === esm || (cjs.Aio === esm.Aio && cjs.run === esm.run && cjs.Queue === esm.Queue);
out.sameSubpaths = cjsFp.of === esmFp.of && cjsIo.decode === esmIo.decode && cjsIo.DecodeError === esmIo.DecodeError;
out.esmRunsCjs = await esm.run(cjs.Aio.succeed(1));
out.cjsRunsEsm = await cjs.run(esm.Aio.succeed(2));
const q = new cjs.Queue(1);
out.cjsQueueInEsmRun = await esm.run(esm.Aio.gen(function* () {
  yield* q.put(3);
  return yield* q.get();
}));
out.yieldStarAcross = await cjs.run(esm.Aio.gen(function* () {
  const a = yield* cjs.Aio.succeed(4);
  const b = yield* cjs.Aio.gen(function* () { return (yield* esm.Aio.sleep(1)) ?? 5; });
  const task = yield* cjs.createTask(esm.Aio.succeed(6));
  return [a, b, yield* task];
}));
out.cjsErrorIsEsmError = await esm.run(
  cjs.waitFor(cjs.Aio.sleep(1000), 1).pipe(esm.Aio.catchAll((e) => esm.Aio.succeed(e instanceof esm.TimeoutError))),
  { virtualTime: true },
);
out.fpOfOnEsm = await esm.run(cjsFp.Monad.chain(esmFp.of(7), (n) => cjsFp.of(n + 1)));
out.ioDecodeOnCjs = await cjs.run(esmIo.decode(t.number)(9));
out.ioErrorAcross = await esm.run(
  cjsIo.decode(t.number)("x").pipe(esm.Aio.catchAll((e) => esm.Aio.succeed(e instanceof esmIo.DecodeError))),
);
console.log(JSON.stringify(out));
`;

it("the ESM and CommonJS entries are one implementation: values of one run on the loop of the other", () => {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", PROGRAM], { cwd: root, encoding: "utf8" });
  // No ExperimentalWarning (or anything else) from loading the ESM build through require().
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({
    sameModule: true,
    sameSubpaths: true,
    esmRunsCjs: 1,
    cjsRunsEsm: 2,
    cjsQueueInEsmRun: 3,
    yieldStarAcross: [4, 5, 6],
    cjsErrorIsEsmError: true,
    fpOfOnEsm: 8,
    ioDecodeOnCjs: 9,
    ioErrorAcross: true,
  });
}, 60_000);
