import { describe, expect, it } from "vitest";
import { Aio, CancelledError, Exit, TimeoutError, createTask, currentTask, getRunningLoop, timeout, waitFor } from "../src/index.js";
import { vrun } from "./helpers.js";

const now = (): number => getRunningLoop().time();

describe("review: waitFor / timeout hard cases (coverage; these pass)", () => {
  it("waitFor(task) whose task swallows the timeout's cancellation returns the task's value (3.12), after its cleanup", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
              return "normal";
            } catch (e) {
              if (!(e instanceof CancelledError)) throw e;
              yield* Aio.sleep(20);
              return "swallowed";
            }
          }),
        );
        const v = yield* waitFor(t, 100);
        return [v, now(), t.cancelling()];
      }),
    );
    expect(r).toEqual(["swallowed", 120, 1]);
  });

  it("waitFor(task, 0) on a pending task that swallows: its value", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        const t = yield* createTask(
          Aio.gen(function* () {
            try {
              yield* Aio.sleep(1000);
            } catch {
              return "swallowed";
            }
            return "normal";
          }),
        );
        yield* Aio.yieldNow;
        return yield* waitFor(t, 0);
      }),
    );
    expect(r).toBe("swallowed");
  });

  it("nested scopes: the inner rescheduled past the outer deadline; the outer's TimeoutError, the inner's cancellation passes through", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let innerExpired: boolean | undefined;
        const e = yield* Aio.exit(
          timeout(100, () =>
            timeout(50, (inner) =>
              Aio.gen(function* () {
                inner.reschedule(now() + 500);
                try {
                  yield* Aio.sleep(1000);
                } finally {
                  innerExpired = inner.expired();
                }
              }),
            ),
          ),
        );
        return [e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError, innerExpired, now()];
      }),
    );
    expect(r).toEqual([true, false, 100]);
  });

  it("both nested scopes expire in the same iteration: the outer one reports the TimeoutError, cancelling() back to 0", async () => {
    const r = await vrun(
      Aio.gen(function* () {
        let innerSaw: unknown;
        const e = yield* Aio.exit(
          timeout(100, () =>
            Aio.exit(timeout(100, Aio.sleep(1000))).pipe(
              Aio.tap((x) => Aio.sync(() => void (innerSaw = x))),
              Aio.flatMap((x) => (Exit.isFailure(x) ? Aio.failCause(x.cause) : Aio.void)),
            ),
          ),
        );
        const inner = innerSaw as Exit.Exit<unknown, unknown>;
        return [
          Exit.isInterrupted(inner),
          e._tag === "Failure" && e.cause._tag === "Fail" && e.cause.error instanceof TimeoutError,
          getRunningLoop().time(),
          currentTask()!.cancelling(),
        ];
      }),
    );
    expect(r).toEqual([true, true, 100, 0]);
  });
});
