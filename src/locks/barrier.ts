/**
 * `Barrier` (asyncio.Barrier): parties wait until all have arrived (see locks.ts).
 * @module locks
 */
import * as Aio from "../Aio.js";
import { checkInt } from "../sync-internal.js";
import { Condition } from "./condition.js";
import { BrokenBarrierError } from "./errors.js";

// ---------------------------------------------------------------------------------------
// Barrier

type BarrierState = "filling" | "draining" | "resetting" | "broken";

/**
 * A barrier (asyncio.Barrier): `wait()` blocks until `parties` tasks wait, then releases
 * them all; each gets its arrival index (0 … parties−1). The barrier then refills for the
 * next round. `reset()` sends the waiting tasks a `BrokenBarrierError` and empties the
 * barrier; `abort()` breaks it: waiting and later tasks fail with `BrokenBarrierError`.
 * `parties` must be an integer ≥ 1 (else a RangeError).
 *
 * A task cancelled while it waits leaves the barrier: it no longer counts as arrived.
 *
 * @example
 * ```ts runnable
 * import { Aio, Barrier, createTask, run } from "aio-ts";
 * const barrier = new Barrier(3);
 * await run(Aio.gen(function* () {
 *   const a = yield* createTask(barrier.wait());
 *   const b = yield* createTask(barrier.wait());
 *   const c = yield* barrier.wait();
 *   return [yield* a, yield* b, c]; // [0, 1, 2]
 * }));
 * ```
 */
export class Barrier {
  /** @internal */
  private readonly _cond = new Condition();
  /** @internal */
  private readonly _parties: number;
  /** @internal */
  private _state: BarrierState = "filling";
  /** @internal */
  private _count = 0;
  /** @internal */
  private readonly _waitAio: Aio.Aio<number, BrokenBarrierError>;

  constructor(parties: number) {
    this._parties = checkInt("Barrier", "parties", parties, 1);
    const self = this;
    const cond = this._cond;
    // Block while the barrier drains or resets; fail if it is broken.
    const block = Aio.gen(function* () {
      yield* cond.waitFor(() => self._state !== "draining" && self._state !== "resetting");
      if (self._state === "broken") return yield* Aio.fail(new BrokenBarrierError("Barrier aborted"));
    });
    // Wait in the barrier until released; fail if it is reset or broken meanwhile.
    const waitReleased = Aio.gen(function* () {
      yield* cond.waitFor(() => self._state !== "filling");
      if (self._state === "broken" || self._state === "resetting")
        return yield* Aio.fail(new BrokenBarrierError("Abort or reset of barrier"));
    });
    this._waitAio = cond.withLock(
      Aio.gen(function* () {
        yield* block;
        const index = self._count;
        self._count++;
        try {
          if (index + 1 === self._parties) {
            // The last arrival releases everyone: enter the draining state.
            self._state = "draining";
            cond.notifyAll();
          } else {
            yield* waitReleased;
          }
          return index;
        } finally {
          self._count--;
          self._exit();
        }
      }),
    );
  }

  /**
   * Waits until `parties` tasks wait, then succeeds with this task's arrival index;
   * fails with `BrokenBarrierError` if the barrier is broken or reset meanwhile.
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const start = new Barrier(2);
   * const ready = start.wait(); // Aio<number, BrokenBarrierError>
   * ```
   */
  wait(): Aio.Aio<number, BrokenBarrierError> {
    return this._waitAio;
  }

  /**
   * Returns the barrier to its empty state; tasks waiting in it fail with
   * `BrokenBarrierError`. A broken barrier becomes usable again.
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const barrier = new Barrier(2);
   * const again = barrier.reset();
   * ```
   */
  reset(): Aio.Aio<void> {
    const self = this;
    return this._cond.withLock(
      Aio.sync(() => {
        if (self._count > 0) {
          if (self._state !== "resetting") self._state = "resetting";
        } else {
          self._state = "filling";
        }
        self._cond.notifyAll();
      }),
    );
  }

  /**
   * Breaks the barrier: waiting tasks and every later `wait()` fail with
   * `BrokenBarrierError` (until `reset()`).
   * @example
   * ```ts
   * import { Barrier } from "aio-ts";
   * const barrier = new Barrier(2);
   * const giveUp = barrier.abort();
   * ```
   */
  abort(): Aio.Aio<void> {
    const self = this;
    return this._cond.withLock(
      Aio.sync(() => {
        self._state = "broken";
        self._cond.notifyAll();
      }),
    );
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting in the barrier while it fills (0 otherwise). */
  get nWaiting(): number {
    return this._state === "filling" ? this._count : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return this._state === "broken";
  }

  /** @internal The last task out of a draining or resetting barrier refills it. */
  private _exit(): void {
    if (this._count === 0) {
      if (this._state === "resetting" || this._state === "draining") this._state = "filling";
      this._cond.notifyAll();
    }
  }

  /** @internal */
  toString(): string {
    return `<Barrier [${this._state}, waiters:${this.nWaiting}/${this._parties}]>`;
  }
}

