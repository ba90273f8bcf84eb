/**
 * Type tests of debug mode's public API (docs/debugging.md), checked against the built
 * declarations by tsd: `npm run build && npm run test:types`.
 */
import { expectAssignable, expectError, expectType } from "tsd";
import { newEventLoop, type EventLoop, type ExceptionContext, type Task, type TaskInfo, type RunOptions } from "aio-ts";

declare const loop: EventLoop;
declare const task: Task<number, "E">;

// Turning it on.
expectType<EventLoop>(newEventLoop({ debug: true }));
expectAssignable<RunOptions>({ debug: true, virtualTime: true });
expectError(newEventLoop({ debug: "yes" }));
expectType<void>(loop.setDebug(true));
expectError(loop.setDebug(1));
expectType<boolean>(loop.getDebug());
expectType<number>(loop.slowCallbackDuration);
loop.slowCallbackDuration = 10;
expectError((loop.slowCallbackDuration = "10"));

// Inspection.
expectType<TaskInfo[]>(loop.taskInfo());
expectType<string>(loop.dumpTasks());
expectType<string[]>(task.getStack());
declare const info: TaskInfo;
expectType<Task<unknown, unknown>>(info.task);
expectType<string>(info.name);
expectType<"ready" | "running" | "suspended">(info.state);
expectType<string>(info.waitingOn);
expectType<string | undefined>(info.createdAt);
expectType<readonly string[]>(info.stack);
// Read-only: a dump is a snapshot, not a handle on the loop.
// @ts-expect-error readonly
info.name = "x";

// The reports' creation site.
declare const ctx: ExceptionContext;
expectType<string | undefined>(ctx.sourceTraceback);
