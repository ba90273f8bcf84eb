/**
 * Type tests of the runtime (`createRuntime`) and the options of `run` / `runExit`,
 * checked against the built declarations by tsd: `npm run build && npm run test:types`.
 */
import { expectError, expectType } from "tsd";
import { Aio, Exit, Task, createRuntime, run, runExit, type Runtime } from "aio-ts";

const rt = createRuntime({ virtualTime: true, handleSignals: false });
expectType<Runtime>(rt);
const program = Aio.succeed(1) as Aio<number, "NotFound">;
const signal = new AbortController().signal;

expectType<Promise<number>>(rt.run(program, { signal, name: "request" }));
expectType<Promise<Exit.Exit<number, "NotFound">>>(rt.runExit(program, { signal }));
expectType<Task<number, "NotFound">>(rt.fork(program, { name: "job" }));
expectType<Promise<void>>(rt.dispose());
expectType<boolean>(rt.isDisposed());

expectType<Promise<number>>(run(program, { signal, handleSignals: true, virtualTime: true }));
expectType<Promise<Exit.Exit<number, "NotFound">>>(runExit(program, { signal }));

expectError(rt.run(program, { signal: "abort" }));
expectError(run(program, { handleSignals: "yes" }));
expectError(createRuntime({ virtualTime: 1 }));
