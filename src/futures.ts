/**
 * Futures (asyncio/futures.py): `createFuture`, `isFuture`, and bridges from Promises.
 *
 * @module futures
 */
import * as Exit from "./Exit.js";
import { type Aio } from "./internal/aio.js";
import { getRunningLoop, peekRunningLoop } from "./internal/context.js";
import { Future } from "./internal/future.js";
import { Sync } from "./internal/primitives.js";
import type { EventLoop } from "./events.js";
import { tryPromise } from "./Aio.js";

export { Future };
export type { DoneCallback } from "./internal/future.js";

/**
 * A new pending future on the running loop (asyncio's `loop.create_future()`).
 * @example
 * ```ts runnable
 * import { Aio, createFuture, run } from "aio-ts";
 * await run(Aio.gen(function* () {
 *   const fut = yield* createFuture<string>();
 *   fut.getLoop().callSoon(() => fut.setResult("ready"));
 *   return yield* fut;
 * })); // "ready"
 * ```
 */
export const createFuture = <A, E = never>(): Aio<Future<A, E>> =>
  new Sync(() => getRunningLoop().createFuture<A, E>());

/**
 * Whether `u` is a Future (a Task is one too): asyncio.isfuture.
 * @example
 * ```ts
 * import { isFuture, newEventLoop } from "aio-ts";
 * isFuture(newEventLoop().createFuture()); // true
 * ```
 */
export const isFuture = (u: unknown): u is Future<unknown, unknown> => u instanceof Future;

/**
 * Awaits a Promise as an Aio; a rejection is the typed failure `unknown` (asyncio's
 * `await wrap_future(f)`). The promise has started already, so a rejection is handled at
 * once (it never kills a process run with `--unhandled-rejections=strict`), and the Aio
 * fails with it whenever it runs. If the Aio was made inside a running program and the
 * promise rejects before the Aio ever runs, the rejection is held by a failed Future of
 * that loop: reported to its exception handler ("Future exception was never retrieved",
 * as asyncio's `wrap_future` of a failed future nobody awaits) when the Aio is
 * garbage-collected unrun, or at the loop's close; running the Aio reads it. (Made outside
 * any loop, there is no handler to report to: the rejection is only held by the Aio.)
 * @example
 * ```ts runnable
 * import { fromPromise, run } from "aio-ts";
 * await run(fromPromise(Promise.resolve(3))); // 3
 * ```
 */
export const fromPromise = <A>(promise: PromiseLike<A>): Aio<A, unknown> => {
  if (promise === null || typeof (promise as { then?: unknown }).then !== "function")
    throw new TypeError(`fromPromise: expected a Promise (a thenable), got ${String(promise)}`);
  const loop = peekRunningLoop();
  const seen: { run: boolean; lost: Future<never, unknown> | undefined } = { run: false, lost: undefined };
  // Attach a handler now (as wrap_future does): a rejection before the Aio runs is not an
  // unhandled rejection of the host.
  promise.then(undefined, (e: unknown) => {
    if (loop === undefined || seen.run || loop.isClosed()) return;
    loop.callSoonThreadsafe(() => {
      if (seen.run) return;
      // Held by this Aio only (through `seen`): lost, and reported, when the Aio is.
      const fut = loop.createFuture<never, unknown>();
      fut.setException(e);
      seen.lost = fut;
    });
  });
  return tryPromise(() => {
    seen.run = true;
    seen.lost?.exception(); // read: no report
    seen.lost = undefined;
    return promise;
  });
};

/**
 * Wraps a Promise in a Future of `loop` (the running loop by default): resolved with the
 * value, or failed with the rejection reason (asyncio.wrap_future).
 * @example
 * ```ts
 * import { newEventLoop, wrapFuture } from "aio-ts";
 * const loop = newEventLoop();
 * const fut = wrapFuture(Promise.resolve(1), loop);
 * await loop.runUntilComplete(fut); // 1
 * ```
 */
export const wrapFuture = <A>(promise: PromiseLike<A>, loop: EventLoop = getRunningLoop()): Future<A, unknown> => {
  if (promise === null || typeof (promise as { then?: unknown }).then !== "function")
    throw new TypeError(`wrapFuture: expected a Promise (a thenable), got ${String(promise)}`);
  const fut = loop.createFuture<A, unknown>();
  // The virtual clock waits for the promise while the future is pending; once the
  // future is done (settled by the promise, or cancelled by hand) it stops waiting.
  let pending = true;
  const release = (): void => {
    if (pending) {
      pending = false;
      loop._hostPending(-1);
    }
  };
  loop._hostPending(1);
  fut.addDoneCallback(release);
  const settleWith = (exit: Exit.Exit<A, unknown>): void => {
    release();
    if (!fut.done() && !loop.isClosed()) loop.callSoonThreadsafe(() => fut.done() || fut._settle(exit));
  };
  promise.then(
    (a) => settleWith(Exit.succeed(a)),
    (e: unknown) => settleWith(Exit.fail(e)),
  );
  return fut;
};
