/**
 * The handles of callbacks scheduled on the loop (asyncio.Handle, asyncio.TimerHandle):
 * what `callSoon` / `callLater` / `callAt` return. events.ts re-exports them.
 *
 * @module events
 */
import { outerContext, type ContextSlot } from "./internal/context.js";
import type { PublicEventLoop as EventLoop, Runnable, Timer } from "./internal/loop.js";

/**
 * A callback scheduled with `callSoon` (asyncio.Handle). It runs in the context it was
 * scheduled with (see `CallbackOptions`).
 *
 * @example
 * ```ts runnable
 * import { newEventLoop } from "aio-ts";
 * const loop = newEventLoop();
 * const h = loop.callSoon(() => console.log("never"));
 * h.cancel();
 * h.cancelled(); // true
 * ```
 */
export class Handle implements Runnable {
  /** @internal */ _cancelled = false;
  /** @internal */
  constructor(
    /** @internal */ readonly _fn: (...args: never[]) => void,
    /** @internal */ readonly _args: readonly unknown[],
    /** @internal */ readonly _loop: EventLoop,
    /** @internal the context to run in: a snapshot, or the Context given */
    readonly _context: ContextSlot,
  ) {}

  /** Cancels the callback; it will not run. Cancelling twice is harmless. */
  cancel(): void {
    this._cancelled = true;
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal */
  _run(): void {
    if (this._cancelled) return;
    // Callbacks run outside tasks: their context is the outer one, for this call only.
    const outer = outerContext;
    const prev = outer.slot;
    outer.slot = this._context;
    try {
      (this._fn as (...args: unknown[]) => void)(...this._args);
    } finally {
      outer.slot = prev;
    }
  }
}

/**
 * A callback scheduled with `callLater` or `callAt` (asyncio.TimerHandle). Cancelling it
 * takes it out of the loop's pending timers at once (its heap entry is dropped lazily,
 * as in asyncio).
 *
 * @example
 * ```ts runnable
 * import { newEventLoop } from "aio-ts";
 * const loop = newEventLoop({ virtualTime: true });
 * const h = loop.callLater(1000, () => console.log("later"));
 * h.when(); // 1000
 * ```
 */
export class TimerHandle extends Handle implements Timer {
  /** @internal */ _index = -1;
  /** @internal */
  constructor(
    fn: (...args: never[]) => void,
    args: readonly unknown[],
    loop: EventLoop,
    context: ContextSlot,
    /** @internal */ readonly _when: number,
    /** @internal */ readonly _seq: number,
  ) {
    super(fn, args, loop, context);
  }

  /** The deadline, in the loop's time (ms). */
  when(): number {
    return this._when;
  }

  /** Cancels the timer: it will not run and no longer counts as pending. */
  override cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    this._loop._removeTimer(this);
  }
}
