/**
 * Type tests of the subprocess API (src/subprocess.ts), checked against the built
 * declarations by tsd: `npm run build && npm run test:types`. What is pinned: the pipes'
 * types follow the stdio options (a `StreamReader` for `PIPE`, `null` otherwise, both
 * when the options are not known exactly), communicate's result, the typed spawn errors
 * narrowing with catchTag, withSubprocess's types, and misuse that must not compile.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import {
  Aio,
  DEVNULL,
  PIPE,
  STDOUT,
  createSubprocessExec,
  createSubprocessShell,
  withSubprocess,
  type FileNotFoundError,
  type OSError,
  type PermissionError,
  type Process,
  type SocketError,
  type SpawnError,
  type StreamReader,
  type StreamWriter,
  type SubprocessOptions,
} from "aio-ts";

// ----- the pipes' types follow the options -------------------------------------------------

const piped = createSubprocessExec("node", ["-e", ""], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
expectAssignable<Aio<Process, SpawnError>>(piped);
declare const all: Aio.Success<typeof piped>;
expectType<StreamWriter>(all.stdin);
expectType<StreamReader>(all.stdout);
expectType<StreamReader>(all.stderr);
expectType<Aio<[Uint8Array, Uint8Array], SocketError>>(all.communicate("input"));

declare const none: Aio.Success<ReturnType<typeof createSubprocessExec<{}>>>;
expectType<null>(none.stdin);
expectType<null>(none.stdout);
expectType<null>(none.stderr);
expectType<Aio<[null, null], SocketError>>(none.communicate());

const merged = createSubprocessShell("echo hi 1>&2", { stdout: PIPE, stderr: STDOUT, stdin: DEVNULL });
declare const m: Aio.Success<typeof merged>;
expectType<StreamReader>(m.stdout);
expectType<null>(m.stderr);
expectType<null>(m.stdin);

// Options known only as SubprocessOptions: each pipe may or may not be there.
declare const opts: SubprocessOptions;
declare const loose: Aio.Success<ReturnType<typeof createSubprocessExec<SubprocessOptions>>>;
expectAssignable<Aio<Process, SpawnError>>(createSubprocessExec("node", [], opts));
expectType<StreamWriter | null>(loose.stdin);
expectType<StreamReader | null>(loose.stdout);
expectType<Aio<[Uint8Array | null, Uint8Array | null], SocketError>>(loose.communicate());

// ----- wait, returncode, signals --------------------------------------------------------------

expectType<Aio<number>>(all.wait());
expectType<number | null>(all.returncode);
expectType<number>(all.pid);
expectType<void>(all.sendSignal("SIGINT"));
expectType<void>(all.sendSignal(9));

// ----- typed spawn errors ---------------------------------------------------------------------

expectType<Aio<Process<{}>, SpawnError>>(createSubprocessExec("nope"));
expectAssignable<SpawnError>({} as FileNotFoundError);
expectAssignable<SpawnError>({} as PermissionError);
expectAssignable<SpawnError>({} as OSError);
expectType<Aio<string | Process<{}>, PermissionError | OSError>>(
  createSubprocessExec("nope").pipe(Aio.catchTag("FileNotFoundError", (e) => Aio.succeed(e.code))),
);

// ----- withSubprocess -------------------------------------------------------------------------

expectType<Aio<Uint8Array, "boom" | SpawnError | SocketError>>(
  withSubprocess(createSubprocessExec("node", [], { stdout: PIPE }), (proc) =>
    proc.stdout.read().pipe(Aio.flatMap((b) => (b.length === 0 ? Aio.fail("boom" as const) : Aio.succeed(b)))),
  ),
);

// ----- misuse ---------------------------------------------------------------------------------

expectError(createSubprocessExec("node", [], { stdout: STDOUT }));
expectError(createSubprocessExec("node", [], { stdin: STDOUT }));
expectError(createSubprocessExec("node", [], { stdout: "piped" }));
expectError(createSubprocessExec("node", "-e 1"));
const needsReader = (r: StreamReader): StreamReader => r;
expectError(needsReader(none.stdout)); // not PIPE: no reader
expectError(needsReader(loose.stdout)); // maybe not PIPE: check for null first
