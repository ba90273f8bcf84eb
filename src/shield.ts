/**
 * Protecting work from cancellation (asyncio.shield).
 *
 * @module shield
 */
import * as Exit from "./Exit.js";
import { Aio, type Fiber } from "./internal/aio.js";
import { AwaitFuture, Future } from "./internal/future.js";
import { checkAwaitable, checkSameLoop, exitOf, type Awaitable } from "./awaitables.js";

class Shield<A, E> extends Aio<A, E> {
  constructor(private readonly aw: Awaitable<A, E>) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    const loop = f.getLoop();
    const aw = this.aw as Awaitable<unknown, unknown>;
    if (aw instanceof Future) checkSameLoop("shield", aw, loop);
    const inner = aw instanceof Future ? aw : loop.createTask(aw);
    if (inner.done()) return new AwaitFuture(inner);
    const outer = loop.createFuture<unknown, unknown>();
    const onInner = (i: Future<unknown, unknown>): void => {
      const e: Exit.Exit<unknown, unknown> = exitOf(i); // retrieved, as asyncio
      if (outer.done()) return; // outer cancelled meanwhile: nobody waits for it any more
      outer._settle(e);
    };
    inner.addDoneCallback(onInner);
    // When the outer is cancelled (its waiter was), stop listening: the inner keeps
    // running, and a failure of it nobody reads is reported by the loop.
    outer.addDoneCallback(() => {
      if (!inner.done()) inner.removeDoneCallback(onInner);
    });
    return new AwaitFuture(outer);
  }
}

/**
 * Protects `aw` from cancellation (asyncio.shield): cancelling the task that waits on
 * the shield throws `CancelledError` there, but the inner work is not cancelled and
 * keeps running (an Aio runs in a new task). If nobody cancels, the result is the
 * inner's result or failure. The inner can still be cancelled directly (a task you
 * pass, or `currentTask()` inside it); then the shield ends cancelled too.
 *
 * @example
 * ```ts runnable
 * import { Aio, createTask, run, shield } from "aio-ts";
 * const program = Aio.gen(function* () {
 *   const save = Aio.sleep(500, "saved");
 *   const caller = yield* createTask(shield(save));
 *   yield* Aio.sleep(100);
 *   caller.cancel(); // the caller stops waiting; `save` still completes at 500 ms
 *   return caller;
 * });
 * await run(program);
 * ```
 */
export const shield = <A, E>(aw: Awaitable<A, E>): Aio<A, E> => {
  checkAwaitable("shield", aw);
  return new Shield(aw);
};
