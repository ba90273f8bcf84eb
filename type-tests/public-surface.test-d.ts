/**
 * The public surface is only the public API (issue 12, item 5): the build strips every
 * `@internal` declaration (`stripInternal` in tsconfig.build.json), so no `_`-named member
 * of the runtime's classes and no tuning constant reaches the .d.ts a user compiles
 * against. Each `expectError` below type-checked before (the member or export was in the
 * .d.ts): reading or writing one is now "Property does not exist".
 *
 * The `_tag` discriminant of the error classes is public API (`catchTag`, `switch` on
 * `e._tag`) and stays; the last block pins that, and that the public members of the same
 * objects are still there.
 */
import { expectAssignable, expectError, expectNotAssignable, expectType } from "tsd";
import * as aio from "aio-ts";
import {
  Aio,
  CancelledError,
  Event,
  Handle,
  Lock,
  Queue,
  QueueEmpty,
  Semaphore,
  StreamReader,
  Task,
  TaskGroup,
  Timeout,
  TimerHandle,
  type EventLoop,
  type Future,
} from "aio-ts";

declare const task: Task<number, "boom">;
declare const fut: Future<string, "e">;
declare const value: Aio.Aio<number, "e">;
declare const loop: EventLoop;
declare const queue: Queue<number>;
declare const tg: TaskGroup;
declare const scope: Timeout;
declare const handle: Handle;
declare const timer: TimerHandle;
declare const reader: StreamReader;

// Task: the fiber's state is not reachable, neither to read nor to write.
expectError(task._flags);
expectError((task._flags = 0));
expectError(task._stack);
expectError(task._cancelNow());
expectError(task._runState);
expectError(task._mustCancel);

// Future
expectError(fut._exit);
expectError(fut._callbacks);
expectError(fut._settle);
expectError(fut._loop);

// Aio: no primitive protocol, no `_A` / `_E` phantom members.
expectError(value._eval);
expectError(value._flatMap);
expectError(value._resolvedExit());
expectError(value._A);
expectError(value._E);

// Queue
expectError(queue._store);
expectError(queue._getters);
expectError(queue._putUnchecked(1));

// The loop and its handles
expectError(loop._ready);
expectError(loop._enqueue);
expectError(loop._timers);
expectError(loop._callDefaultHandler);
expectError(handle._run);
expectError(handle._cancelled);
expectError(timer._when);

// Structured concurrency and synchronisation
expectError(tg._tasks);
expectError(scope._state);
expectError(new Lock()._waiters);
expectError(new Semaphore(1)._value);
expectError(new Event()._value);
expectError(reader._buf);

// Tuning constants are not exported.
expectError(aio.HOST_SLICE_MS);
expectError(aio.MAX_STEPS_PER_TURN);

// What stays: the `_tag` discriminants and the public members.
expectType<"CancelledError">(new CancelledError()._tag);
expectType<"QueueEmpty">(new QueueEmpty()._tag);
expectType<boolean>(task.done());
expectType<number>(task.cancelling());
expectType<boolean>(fut.cancelled());
expectType<number>(queue.qsize());
expectType<number>(loop.time());
expectType<boolean>(new Lock().locked());

// The runtime makes these objects (`loop.callSoon`, `timeout`, `taskGroup`, `ContextVar.set`,
// `createSubprocessExec`, `openConnection`, `startServer`); their constructors are internal.
// `stripInternal` alone would drop the constructor and leave a public no-argument one, so
// `new TaskGroup()` type-checked and failed at run time; the build writes
// `protected constructor();` instead (scripts/internal-constructors.mjs).
// (tsd cannot expect TS2674 itself, so this pins that no class value is a public constructor.)
type PublicConstructor = new (...args: never[]) => unknown;
expectNotAssignable<PublicConstructor>(Handle);
expectNotAssignable<PublicConstructor>(TimerHandle);
expectNotAssignable<PublicConstructor>(Timeout);
expectNotAssignable<PublicConstructor>(TaskGroup);
expectNotAssignable<PublicConstructor>(aio.Token);
expectNotAssignable<PublicConstructor>(aio.Process);
expectNotAssignable<PublicConstructor>(aio.StreamWriter);
expectNotAssignable<PublicConstructor>(aio.Server);
// The public constructors stay constructible.
expectAssignable<PublicConstructor>(Queue);
expectAssignable<PublicConstructor>(Lock);
expectAssignable<PublicConstructor>(aio.StreamReader);
