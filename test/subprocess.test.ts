/**
 * Subprocesses (src/subprocess.ts), after CPython's Lib/test/test_asyncio/test_subprocess.py:
 * exit codes, signals, pipes, communicate (with input larger than a pipe's buffer, to a
 * child that does not read it), DEVNULL / STDOUT, env and cwd, spawn errors, and the
 * cancellation rules (wait / communicate leave the child running; a cancelled spawn kills
 * and reaps it; closing the transport kills it). Children are `node -e` scripts
 * (process.execPath), so the tests need no other program. Every child spawned is recorded
 * (node:child_process.spawn is wrapped) and the last test checks none survives.
 */
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { ChildProcess } from "node:child_process";
import {
  Aio,
  DEVNULL,
  FileNotFoundError,
  INHERIT,
  OSError,
  PIPE,
  PermissionError,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
  createTask,
  decodeText,
  gather,
  getRunningLoop,
  newEventLoop,
  TimeoutError,
  run,
  runExit,
  waitFor,
  withSubprocess,
  type Process,
  type SubprocessOptions,
} from "../src/index.js";
import { errorOf, expectInterrupted, settle } from "./helpers.js";
import { examples } from "../examples/main.js";
import * as subprocessExample from "../examples/subprocess.js";

const hooks = vi.hoisted(() => ({
  spawned: [] as ChildProcess[],
  onSpawn: undefined as ((c: ChildProcess) => void) | undefined,
}));

vi.mock("node:child_process", async (importOriginal) => {
  const m = await importOriginal<typeof import("node:child_process")>();
  const spawn = (...args: Parameters<typeof m.spawn>): ChildProcess => {
    const c = (m.spawn as (...a: unknown[]) => ChildProcess)(...args);
    hooks.spawned.push(c);
    hooks.onSpawn?.(c);
    return c;
  };
  return { ...m, spawn };
});

const NODE = process.execPath;
const CAT = "process.stdin.pipe(process.stdout)";
const SLEEP = "setInterval(() => {}, 1000)";

const node = <const O extends SubprocessOptions = {}>(script: string, options: O = {} as O) =>
  createSubprocessExec(NODE, ["-e", script], options);

const text = (b: Uint8Array | null): string => (b === null ? "<null>" : decodeText(b));

/** Whether a process with this pid exists (a reaped child does not). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "ESRCH") return false;
    throw e;
  }
};

/** Kills the child (if running) and waits for it: for tests that leave one running on purpose. */
const reap = (p: Process) => Aio.suspend(() => (p.kill(), p.wait()));

const tmp = mkdtempSync(join(tmpdir(), "aio-subprocess-"));

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  // Only after a failure is one still alive (the last test asserts none is): do not let it
  // outlive the run.
  for (const c of hooks.spawned) if (c.pid !== undefined && alive(c.pid)) c.kill("SIGKILL");
});

describe("exit status", () => {
  it.each([0, 1, 3, 255])("exit code %i is the returncode and what wait() returns", async (code) => {
    const [rc, before, after] = await run(
      Aio.gen(function* () {
        const p = yield* node(`setTimeout(() => process.exit(${code}), 20)`);
        const before = p.returncode;
        const rc = yield* p.wait();
        return [rc, before, p.returncode] as const;
      }),
    );
    expect(before).toBeNull();
    expect(rc).toBe(code);
    expect(after).toBe(code);
  });

  it.each([
    ["kill", -9],
    ["terminate", -15],
    ["SIGINT", -2],
    ["SIGUSR1", -10],
  ] as const)("%s: killed by a signal, the returncode is minus its number", async (how, expected) => {
    const rc = await run(
      Aio.gen(function* () {
        const p = yield* node(SLEEP);
        if (how === "kill") p.kill();
        else if (how === "terminate") p.terminate();
        else p.sendSignal(how);
        return yield* p.wait();
      }),
    );
    expect(rc).toBe(expected);
  });

  it("sendSignal after the exit does nothing; wait() again returns the same code", async () => {
    const [a, b] = await run(
      Aio.gen(function* () {
        const p = yield* node("process.exit(7)");
        const a = yield* p.wait();
        p.kill();
        p.sendSignal("SIGTERM");
        return [a, yield* p.wait()] as const;
      }),
    );
    expect([a, b]).toEqual([7, 7]);
  });
});

describe("pipes", () => {
  it("echoes through a cat-like child line by line, then EOF on stdin ends it", async () => {
    const [lines, rc, eof] = await run(
      Aio.gen(function* () {
        const p = yield* node(CAT, { stdin: PIPE, stdout: PIPE });
        const lines: string[] = [];
        for (const l of ["one", "two", "three"]) {
          p.stdin.write(l + "\n");
          yield* p.stdin.drain();
          lines.push(text(yield* p.stdout.readline()));
        }
        p.stdin.close();
        const rc = yield* p.wait();
        const rest = yield* p.stdout.read();
        return [lines, rc, rest.length] as const;
      }),
    );
    expect(lines).toEqual(["one\n", "two\n", "three\n"]);
    expect(rc).toBe(0);
    expect(eof).toBe(0);
  });

  it("communicate returns stdout and stderr separately, null for one that is not PIPE", async () => {
    const script = "process.stdout.write('out'); process.stderr.write('err'); process.exitCode = 2";
    const [both, onlyOut, rc] = await run(
      Aio.gen(function* () {
        const p = yield* node(script, { stdout: PIPE, stderr: PIPE });
        const both = yield* p.communicate();
        const q = yield* node(script, { stdout: PIPE, stderr: DEVNULL });
        const onlyOut = yield* q.communicate();
        return [both.map(text), onlyOut.map(text), p.returncode] as const;
      }),
    );
    expect(both).toEqual(["out", "err"]);
    expect(onlyOut).toEqual(["out", "<null>"]);
    expect(rc).toBe(2);
  });

  it("communicate with no output gives empty bytes, not null", async () => {
    const [out, err] = await run(node("", { stdout: PIPE, stderr: PIPE }).pipe(Aio.flatMap((p) => p.communicate())));
    expect(out).toEqual(new Uint8Array(0));
    expect(err).toEqual(new Uint8Array(0));
  });

  it("DEVNULL: stdin reads EOF at once, output is dropped, no streams", async () => {
    const [streams, out] = await run(
      Aio.gen(function* () {
        const p = yield* node(
          "let n = 0; process.stdin.on('data', (d) => (n += d.length)).on('end', () => console.log('read', n))",
          { stdin: DEVNULL, stdout: PIPE },
        );
        const q = yield* node("console.log('lost')", { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL });
        const streams = [q.stdin, q.stdout, q.stderr];
        yield* q.wait();
        const [out] = yield* p.communicate();
        return [streams, text(out)] as const;
      }),
    );
    expect(streams).toEqual([null, null, null]);
    expect(out).toBe("read 0\n");
  });

  it("STDOUT merges stderr into the stdout reader, in the order written (with pauses between)", async () => {
    const script = [
      "const w = (s, f) => new Promise((r) => s.write(f, () => setTimeout(r, 30)));",
      "(async () => { await w(process.stdout, 'a'); await w(process.stderr, 'b'); await w(process.stdout, 'c'); await w(process.stderr, 'd'); })()",
    ].join("\n");
    const [out, err, stderrReader] = await run(
      Aio.gen(function* () {
        const p = yield* node(script, { stdout: PIPE, stderr: STDOUT });
        const stderrReader = p.stderr;
        const [out, err] = yield* p.communicate();
        return [text(out), err, stderrReader] as const;
      }),
    );
    expect(out).toBe("abcd");
    expect(err).toBeNull();
    expect(stderrReader).toBeNull();
  });

  it("STDOUT with stdout DEVNULL drops both", async () => {
    const res = await run(node("console.log(1); console.error(2)", { stdout: DEVNULL, stderr: STDOUT }).pipe(Aio.flatMap((p) => p.communicate())));
    expect(res).toEqual([null, null]);
  });

  it("communicate: input larger than the pipe buffer (4 MiB) to a child that exits without reading completes", async () => {
    const [out, rc] = await run(
      Aio.gen(function* () {
        const p = yield* node("process.stdout.write('bye'); process.exit(0)", { stdin: PIPE, stdout: PIPE });
        const [out] = yield* p.communicate(new Uint8Array(4 << 20).fill(120));
        return [text(out), p.returncode] as const;
      }),
    );
    expect(out).toBe("bye");
    expect(rc).toBe(0);
  });

  it("communicate: 4 MiB through a cat child comes back byte for byte (both directions held back by the pipes)", async () => {
    const input = new Uint8Array(4 << 20);
    for (let i = 0; i < input.length; i++) input[i] = (i * 31 + (i >> 13)) & 0xff;
    const [out] = await run(node(CAT, { stdin: PIPE, stdout: PIPE }).pipe(Aio.flatMap((p) => p.communicate(input))));
    expect(out?.length).toBe(input.length);
    expect(Buffer.compare(Buffer.from(out!), Buffer.from(input))).toBe(0);
  });

  it("output written before the exit is fully readable after wait() returned", async () => {
    // The reader's limit is large enough to buffer it all: with the default (64 KiB) the
    // reader stops reading at 128 KiB, the child blocks writing, and wait() would wait
    // for ever (asyncio's documented deadlock: use communicate()).
    const [rc, n, last] = await run(
      Aio.gen(function* () {
        const p = yield* node("process.stdout.write('y'.repeat(1 << 20) + 'END')", { stdout: PIPE, limit: 1 << 20 });
        const rc = yield* p.wait();
        const all = yield* p.stdout.read();
        return [rc, all.length, text(all.subarray(all.length - 3))] as const;
      }),
    );
    expect(rc).toBe(0);
    expect(n).toBe((1 << 20) + 3);
    expect(last).toBe("END");
  });

  it("the readers' limit applies: an overlong line is a LimitOverrunError", async () => {
    const exit = await runExit(
      Aio.gen(function* () {
        const p = yield* node("process.stdout.write('z'.repeat(100) + '\\n')", { stdout: PIPE, limit: 10 });
        return yield* p.stdout.readuntil("\n").pipe(Aio.ensuring(p.wait()));
      }),
    );
    expect((errorOf(exit) as { _tag?: string })._tag).toBe("LimitOverrunError");
  });
});

describe("environment", () => {
  it("env replaces the environment; cwd sets the working directory", async () => {
    const out = await run(
      node("console.log(process.env.AIO_TEST, process.env.HOME === undefined, process.cwd())", {
        stdout: PIPE,
        env: { AIO_TEST: "yes" },
        cwd: tmp,
      }).pipe(Aio.flatMap((p) => p.communicate())),
    );
    expect(text(out[0])).toBe(`yes true ${realpathSync(tmp)}\n`);
  });

  it("createSubprocessShell runs through /bin/sh", async () => {
    const [out] = await run(
      createSubprocessShell("echo $AIO_X | tr a-z A-Z; exit 4", { stdout: PIPE, env: { AIO_X: "shell", PATH: process.env.PATH } }).pipe(
        Aio.flatMap((p) => p.communicate()),
      ),
    );
    expect(text(out)).toBe("SHELL\n");
  });

  it("INHERIT and null (the default) are the parent's streams: the Process has no stream for them", async () => {
    const [streams, rc] = await run(
      Aio.gen(function* () {
        const p = yield* node("process.exit(0)", { stdin: INHERIT, stdout: null });
        const q = yield* node("process.exit(0)");
        return [[p.stdin, p.stdout, p.stderr, q.stdin, q.stdout, q.stderr], [yield* p.wait(), yield* q.wait()]] as const;
      }),
    );
    expect(streams).toEqual([null, null, null, null, null, null]);
    expect(rc).toEqual([0, 0]);
  });
});

describe("spawn errors", () => {
  it("a missing program is a typed FileNotFoundError (ENOENT), not a hang", async () => {
    const exit = await runExit(createSubprocessExec(join(tmp, "no-such-program"), []));
    const e = errorOf(exit);
    expect(e).toBeInstanceOf(FileNotFoundError);
    expect(e?._tag).toBe("FileNotFoundError");
    expect(e?.code).toBe("ENOENT");
  });

  it("a missing cwd is a FileNotFoundError too", async () => {
    const e = errorOf(await runExit(node("", { cwd: join(tmp, "missing-dir") })));
    expect(e?._tag).toBe("FileNotFoundError");
  });

  it("a file without execute permission is a PermissionError (EACCES)", async () => {
    const f = join(tmp, "not-executable");
    writeFileSync(f, "#!/bin/sh\necho hi\n");
    chmodSync(f, 0o644);
    const e = errorOf(await runExit(createSubprocessExec(f, [])));
    expect(e).toBeInstanceOf(PermissionError);
    expect(e?.code).toBe("EACCES");
  });

  it("catchTag narrows the spawn error", async () => {
    const r = await run(
      createSubprocessExec(join(tmp, "nope"), []).pipe(
        Aio.map(() => "spawned"),
        Aio.catchTag("FileNotFoundError", (e) => Aio.succeed(`missing: ${e.code}`)),
      ),
    );
    expect(r).toBe("missing: ENOENT");
  });

  it("bad arguments are a TypeError / RangeError at the call", () => {
    expect(() => createSubprocessExec("", [])).toThrow(TypeError);
    expect(() => createSubprocessExec(NODE, [1 as unknown as string])).toThrow(TypeError);
    expect(() => createSubprocessShell("")).toThrow(TypeError);
    expect(() => node("", { stdout: STDOUT as unknown as typeof PIPE })).toThrow(TypeError);
    expect(() => node("", { stdin: -1 })).toThrow(TypeError);
    expect(() => node("", { limit: 0 })).toThrow(RangeError);
  });

  it("communicate(input) without a stdin pipe is a TypeError", async () => {
    const r = await run(
      Aio.gen(function* () {
        const p = yield* node("");
        let thrown: unknown;
        try {
          p.communicate("x");
        } catch (e) {
          thrown = e;
        }
        yield* p.wait();
        return thrown;
      }),
    );
    expect(r).toBeInstanceOf(TypeError);
  });
});

describe("AbortSignal", () => {
  it("aborting terminates the running child (SIGTERM)", async () => {
    const ac = new AbortController();
    const rc = await run(
      Aio.gen(function* () {
        const p = yield* node(SLEEP, { signal: ac.signal });
        ac.abort();
        return yield* p.wait();
      }),
    );
    expect(rc).toBe(-15);
  });

  it("an already aborted signal fails the spawn with OSError ABORT_ERR and starts nothing", async () => {
    const before = hooks.spawned.length;
    const e = errorOf(await runExit(node(SLEEP, { signal: AbortSignal.abort() })));
    expect(e).toBeInstanceOf(OSError);
    expect(e?.code).toBe("ABORT_ERR");
    expect(hooks.spawned.length).toBe(before);
  });
});

describe("cancellation (asyncio's rules)", () => {
  it("cancelling a task awaiting wait() does not kill the child", async () => {
    const [exit, aliveAfter, rcAfter, rc] = await run(
      Aio.gen(function* () {
        const p = yield* node(SLEEP);
        const t = yield* createTask(p.wait());
        yield* Aio.sleep(20);
        t.cancel();
        const exit = yield* Aio.exit(Aio.from(t));
        yield* Aio.sleep(20);
        const aliveAfter = alive(p.pid);
        const rcAfter = p.returncode;
        return [exit, aliveAfter, rcAfter, yield* reap(p)] as const;
      }),
    );
    expectInterrupted(exit);
    expect(aliveAfter).toBe(true);
    expect(rcAfter).toBeNull();
    expect(rc).toBe(-9);
  });

  it("cancelling a task awaiting communicate() does not kill the child; the output stays readable", async () => {
    const [exit, aliveAfter, line] = await run(
      Aio.gen(function* () {
        const p = yield* node("console.log('first'); " + SLEEP, { stdout: PIPE });
        const t = yield* createTask(p.communicate());
        yield* Aio.sleep(50);
        t.cancel();
        const exit = yield* Aio.exit(Aio.from(t));
        const aliveAfter = alive(p.pid);
        // The cancelled read consumed nothing.
        const line = text(yield* p.stdout.readline());
        yield* reap(p);
        return [exit, aliveAfter, line] as const;
      }),
    );
    expectInterrupted(exit);
    expect(aliveAfter).toBe(true);
    expect(line).toBe("first\n");
  });

  it.each(["at once", "in a microtask"] as const)(
    "cancelling the spawn (%s, while it is pending) kills and reaps the half-made child",
    async (when) => {
      let child: ChildProcess | undefined;
      const [exit, reaped] = await run(
        Aio.gen(function* () {
          let task: { cancel: () => unknown } | undefined;
          hooks.onSpawn = (c) => {
            child = c;
            if (when === "at once") task?.cancel();
            else queueMicrotask(() => task?.cancel());
          };
          const t = yield* createTask(node(SLEEP));
          task = t;
          const exit = yield* Aio.exit(Aio.from(t)).pipe(Aio.ensuring(Aio.sync(() => (hooks.onSpawn = undefined))));
          return [exit, child?.exitCode !== null || child?.signalCode !== null] as const;
        }),
      );
      expectInterrupted(exit);
      expect(child?.pid).toBeTypeOf("number");
      // Reaped by the time the cancelled spawn ended: the exit was seen, the pid is gone.
      expect(reaped).toBe(true);
      expect(alive(child!.pid!)).toBe(false);
    },
  );

  it("closing the transport while the child runs kills it", async () => {
    const [rc, stdinClosing] = await run(
      Aio.gen(function* () {
        const p = yield* node(SLEEP, { stdin: PIPE, stdout: PIPE });
        p.close();
        const rc = yield* p.wait();
        return [rc, p.stdin.isClosing()] as const;
      }),
    );
    expect(rc).toBe(-9);
    expect(stdinClosing).toBe(true);
  });
});

describe("timeouts and virtual time", () => {
  it("waitFor(proc.wait(), ms) times out without killing the child; terminate() then ends it (-15)", async () => {
    const [err, aliveAfter, rc] = await run(
      Aio.gen(function* () {
        const p = yield* node(SLEEP);
        const r = yield* Aio.exit(waitFor(p.wait(), 100));
        const aliveAfter = alive(p.pid);
        p.terminate();
        return [errorOf(r), aliveAfter, yield* p.wait()] as const;
      }),
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(aliveAfter).toBe(true);
    expect(rc).toBe(-15);
  });

  it("on a virtual-time loop, waiting on a child is a host operation: the clock does not jump past it", async () => {
    const [rc, out, elapsed] = await run(
      Aio.gen(function* () {
        const t0 = getRunningLoop().time();
        const p = yield* node("setTimeout(() => console.log('late'), 200)", { stdout: PIPE });
        const rc = yield* waitFor(p.wait(), 10_000);
        const [out] = yield* waitFor(p.communicate(), 10_000);
        return [rc, text(out), getRunningLoop().time() - t0] as const;
      }),
      { virtualTime: true },
    );
    expect(rc).toBe(0);
    expect(out).toBe("late\n");
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe("withSubprocess", () => {
  it("kills and reaps a running child when the body succeeds, fails or is cancelled", async () => {
    const pids: number[] = [];
    const spawnSleeper = node(SLEEP, { stdout: PIPE });
    const ok = await run(withSubprocess(spawnSleeper, (p) => Aio.sync(() => (pids.push(p.pid), p))));
    expect(ok.returncode).toBe(-9);
    const failed = await runExit(withSubprocess(spawnSleeper, (p) => Aio.suspend(() => (pids.push(p.pid), Aio.fail("boom" as const)))));
    expect(errorOf(failed)).toBe("boom");
    const defect = await runExit(
      withSubprocess(spawnSleeper, (p) =>
        Aio.sync(() => {
          pids.push(p.pid);
          throw new Error("bug");
        }),
      ),
    );
    expect(defect._tag).toBe("Failure");
    const cancelled = await run(
      Aio.gen(function* () {
        const t = yield* createTask(withSubprocess(spawnSleeper, (p) => Aio.suspend(() => (pids.push(p.pid), Aio.never))));
        yield* Aio.sleep(50);
        yield* settle;
        t.cancel();
        return yield* Aio.exit(Aio.from(t));
      }),
    );
    expectInterrupted(cancelled);
    expect(pids).toHaveLength(4);
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it("a child that ends by itself in the body keeps its own returncode", async () => {
    const [rc, out] = await run(
      withSubprocess(node("console.log('done'); process.exit(5)", { stdout: PIPE }), (p) =>
        p.communicate().pipe(Aio.map(([out]) => [p.returncode, text(out)] as const)),
      ),
    );
    expect(rc).toBe(5);
    expect(out).toBe("done\n");
  });

  it("a failed spawn is the scope's typed failure and runs no body", async () => {
    let ran = false;
    const exit = await runExit(withSubprocess(createSubprocessExec(join(tmp, "nope"), []), () => Aio.sync(() => (ran = true))));
    expect(errorOf(exit)?._tag).toBe("FileNotFoundError");
    expect(ran).toBe(false);
  });
});

describe("many children", () => {
  it("100 concurrent children each echo their own input", async () => {
    const n = 100;
    const started = Date.now();
    const outs = await run(
      gather(
        Array.from({ length: n }, (_, i) =>
          node(CAT, { stdin: PIPE, stdout: PIPE }).pipe(
            Aio.flatMap((p) => p.communicate(`child ${i}`)),
            Aio.map(([out]) => text(out)),
          ),
        ),
      ),
    );
    expect(outs).toEqual(Array.from({ length: n }, (_, i) => `child ${i}`));
    // Bounded, generously: no child is waited for one after another on a timer.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});

describe("properties", () => {
  type Op = { readonly op: "write"; readonly bytes: Uint8Array } | { readonly op: "close" } | { readonly op: "kill" };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 2000 }).map((bytes) => ({ op: "write" as const, bytes })) },
    { weight: 1, arbitrary: fc.constant({ op: "close" as const }) },
    { weight: 1, arbitrary: fc.constant({ op: "kill" as const }) },
  );

  it("write / close stdin / kill in any order: the output is a prefix of what was written (all of it without a kill); nothing hangs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 0, maxLength: 8 }), async (ops) => {
        const [out, rc, written, killed, pid] = await run(
          Aio.gen(function* () {
            const p = yield* node(CAT, { stdin: PIPE, stdout: PIPE });
            const written: Uint8Array[] = [];
            let closed = false;
            let killed = false;
            for (const o of ops) {
              if (o.op === "write") {
                if (closed) continue; // writing after close is dropped; asserted elsewhere
                p.stdin.write(o.bytes);
                written.push(o.bytes);
                yield* Aio.exit(p.stdin.drain());
              } else if (o.op === "close") {
                p.stdin.close();
                closed = true;
              } else {
                p.kill();
                killed = true;
              }
            }
            p.stdin.close();
            const out = yield* p.stdout.read();
            const rc = yield* p.wait();
            return [out, rc, Buffer.concat(written), killed, p.pid] as const;
          }),
        );
        expect(alive(pid)).toBe(false);
        const got = Buffer.from(out);
        expect(written.subarray(0, got.length).equals(got)).toBe(true);
        if (!killed) {
          expect(got.length).toBe(written.length);
          expect(rc).toBe(0);
        } else expect([0, -9]).toContain(rc);
      }),
      { numRuns: 15 },
    );
  }, 90_000);
});

describe("examples/subprocess", () => {
  it("the guide's run(cmd) pair at once, the version line, communicate; listed last in examples/main", async () => {
    const lines: string[] = [];
    const loop = newEventLoop();
    const started = Date.now();
    const codes = await subprocessExample.runExample(loop, (l) => void lines.push(l));
    expect(codes).toEqual([1, 0]);
    expect(loop.isClosed()).toBe(true);
    expect(lines).toEqual([
      "['ls /zzz' exited with 1]",
      "[stderr]\nls: cannot access '/zzz': No such file or directory",
      "['sleep 1; echo \"hello\"' exited with 0]",
      "[stdout]\nhello",
      `Current Node version: ${process.versions.node}`,
      "communicate: HELLO FROM THE PARENT",
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // the child's own 1 s sleep
    expect(examples.at(-1)?.name).toBe("subprocess");
    expect(examples.at(-1)?.run).toBe(subprocessExample.runExample);
  }, 30_000);
});

describe("no child survives", () => {
  it("every child spawned by these tests has exited and been reaped", () => {
    const pids = hooks.spawned.map((c) => c.pid).filter((p): p is number => p !== undefined);
    expect(pids.length).toBeGreaterThan(0); // the recorder saw the children
    expect(pids.filter(alive)).toEqual([]);
  });
});

