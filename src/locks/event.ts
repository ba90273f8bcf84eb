/**
 * `Event` (asyncio.Event): a flag tasks wait on (see locks.ts).
 * @module locks
 */
import * as Aio from "../Aio.js";
import type { EventLoop } from "../events.js";
import { type Future } from "../internal/future.js";
import { bindLoop, FastPath, NOT_READY, waitInLine, WaiterQueue } from "../sync-internal.js";
import { debugActive, labelWaiter } from "../internal/debug.js";

// ---------------------------------------------------------------------------------------
// Event

/**
 * An event flag (asyncio.Event): `wait()` waits until it is set; `set()` sets it and
 * wakes every waiter; `clear()` resets it; `isSet()` reads it.
 *
 * @example
 * ```ts runnable
 * import { Aio, Event, createTask, run } from "aio-ts";
 * const ready = new Event();
 * await run(Aio.gen(function* () {
 *   const waiter = yield* createTask(ready.wait());
 *   yield* Aio.sleep(10);
 *   ready.set();
 *   return yield* waiter; // true
 * }));
 * ```
 */
export class Event {
  /** @internal the loop this event is bound to */
  _loop: EventLoop | undefined = undefined;
  /** @internal */
  private readonly _waiters = new WaiterQueue<Future<true>>();
  /** @internal */
  private _value = false;
  /** @internal */
  private readonly _wait: Aio.Aio<true>;

  constructor() {
    const self = this;
    const slow: Aio.Aio<true> = Aio.gen(function* () {
      if (self._value) return true as const;
      const fut = bindLoop(self, "Event", () => self._waiters.length).createFuture<true>();
      if (debugActive) labelWaiter(fut, "Event.wait", self); // for dumpTasks
      yield* waitInLine(self._waiters, fut);
      return true as const;
    });
    this._wait = new FastPath(
      () => (self._value ? (true as const) : NOT_READY),
      () => slow,
    );
  }

  /** Whether the event is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the event and wakes every task waiting for it. Setting a set event does nothing. */
  set(): void {
    if (this._value) return;
    this._value = true;
    // Every waiter not done yet, in order; the cursor passes each once.
    const ws = this._waiters;
    for (let w = ws.firstPending(); w !== null; w = ws.firstPending()) w.fut.setResult(true);
  }

  /** Clears the event: later `wait()`s wait again. */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the event is set (at once if it is); succeeds with `true`.
   * @example
   * ```ts
   * import { Event } from "aio-ts";
   * const done = new Event();
   * const waitDone = done.wait();
   * ```
   */
  wait(): Aio.Aio<true> {
    return this._wait;
  }

  /** @internal */
  toString(): string {
    return `<Event [${this._value ? "set" : "unset"}${this._waiters.length ? `, waiters:${this._waiters.length}` : ""}]>`;
  }
}

