/**
 * What every example does when it is run directly (`npx tsx examples/<name>.ts`) rather
 * than imported by examples/main.ts or a test: run on a real-clock loop, print lines.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newEventLoop, type EventLoop } from "../../src/index.js";

/** Whether the module at `moduleUrl` is the script node was started with. */
export const isEntryPoint = (moduleUrl: string): boolean => {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
};

/** Runs `runExample` on a fresh real-clock loop, printing to stdout, if `moduleUrl` is the entry point. */
export const runIfEntryPoint = async (
  moduleUrl: string,
  runExample: (loop: EventLoop, log: (line: string) => void) => Promise<unknown>,
): Promise<void> => {
  if (!isEntryPoint(moduleUrl)) return;
  const loop = newEventLoop();
  try {
    await runExample(loop, (line) => console.log(line));
  } finally {
    loop.close(); // idempotent: most examples close their loop themselves
  }
};
