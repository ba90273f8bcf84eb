/**
 * The asyncio documentation's subprocess examples (asyncio-subprocess.html), made
 * portable: the children are `node -e` scripts (process.execPath) instead of `ls /zzz`
 * and `sleep 1; echo "hello"`, so it runs wherever Node does.
 *
 * ```python
 * async def run(cmd):
 *     proc = await asyncio.create_subprocess_shell(
 *         cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
 *     stdout, stderr = await proc.communicate()
 *     print(f'[{cmd!r} exited with {proc.returncode}]')
 *     if stdout:
 *         print(f'[stdout]\n{stdout.decode()}')
 *     if stderr:
 *         print(f'[stderr]\n{stderr.decode()}')
 *
 * async def main():
 *     await asyncio.gather(run('ls /zzz'), run('sleep 1; echo "hello"'))
 *
 * async def get_date():            # reading a child's output line by line
 *     code = 'import datetime; print(datetime.datetime.now())'
 *     proc = await asyncio.create_subprocess_exec(sys.executable, '-c', code, stdout=PIPE)
 *     data = await proc.stdout.readline()
 *     line = data.decode('ascii').rstrip()
 *     await proc.wait()
 *     return line
 * ```
 *
 * Then `communicate(input)`: a child that upper-cases its stdin.
 *
 * Run it alone: `npx tsx examples/subprocess.ts` (it also runs in `npm run examples`).
 */
import { Aio, PIPE, createSubprocessExec, decodeText, gather, type EventLoop } from "../src/index.js";
import { runIfEntryPoint } from "./lib/entry.js";

/** Where the example prints its lines. */
type Log = (line: string) => void;

/** A command: a name to print and the Node script that plays it. */
export interface Command {
  readonly name: string;
  readonly script: string;
}

/** `ls /zzz`: complains on stderr and exits with 1 (as `ls` does for a missing path). */
export const LS_ZZZ: Command = {
  name: "ls /zzz",
  script: "process.stderr.write(\"ls: cannot access '/zzz': No such file or directory\\n\"); process.exitCode = 1",
};

/** `sleep 1; echo "hello"`. */
export const SLEEP_ECHO: Command = {
  name: 'sleep 1; echo "hello"',
  script: "setTimeout(() => console.log('hello'), 1000)",
};

/** `run(cmd)`: run it, capture both outputs, print them; the returncode. */
export const runCommand = (cmd: Command, log: Log) =>
  Aio.gen(function* () {
    const proc = yield* createSubprocessExec(process.execPath, ["-e", cmd.script], { stdout: PIPE, stderr: PIPE });
    const [stdout, stderr] = yield* proc.communicate();
    log(`['${cmd.name}' exited with ${proc.returncode}]`);
    if (stdout !== null && stdout.length > 0) log(`[stdout]\n${decodeText(stdout).trimEnd()}`);
    if (stderr !== null && stderr.length > 0) log(`[stderr]\n${decodeText(stderr).trimEnd()}`);
    return proc.returncode;
  });

/** `get_date()`, portable: the child's first line of output (here: its Node version). */
export const getVersion = Aio.gen(function* () {
  const proc = yield* createSubprocessExec(process.execPath, ["-e", "console.log(process.versions.node)"], {
    stdout: PIPE,
  });
  const data = yield* proc.stdout.readline();
  const line = decodeText(data).trimEnd();
  yield* proc.wait();
  return line;
});

/** `communicate(input)`: feed a child its whole stdin, get its whole stdout back. */
export const shout = (text: string) =>
  Aio.gen(function* () {
    const proc = yield* createSubprocessExec(
      process.execPath,
      ["-e", "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(s.toUpperCase()))"],
      { stdin: PIPE, stdout: PIPE },
    );
    const [out] = yield* proc.communicate(text);
    return decodeText(out ?? new Uint8Array());
  });

/** `main()`: both commands at once (about 1 s, not the sum), then the version, then communicate. */
export const main = (log: Log) =>
  Aio.gen(function* () {
    const codes = yield* gather(runCommand(LS_ZZZ, log), runCommand(SLEEP_ECHO, log));
    log(`Current Node version: ${yield* getVersion}`);
    log(`communicate: ${yield* shout("hello from the parent")}`);
    return codes;
  });

/** Runs the program on `loop` (as `asyncio.run(main())` does), then closes `loop`. */
export async function runExample(loop: EventLoop, log: Log): Promise<readonly (number | null)[]> {
  const codes = await loop.runUntilComplete(main(log));
  loop.close();
  return codes;
}

await runIfEntryPoint(import.meta.url, runExample);
