/**
 * Task groups (asyncio/taskgroups.py): `taskGroup((tg) => body)` runs `body` in the
 * current task; `tg.createTask` starts children that the group waits for. The first
 * failure cancels the body and the other children; the group then fails with an
 * `ExceptionGroup` listing every failure. No child outlives the group.
 *
 * @module taskgroups
 */
import * as Cause from "./Cause.js";
import * as Exit from "./Exit.js";
import { InvalidStateError } from "./exceptions.js";
import { Aio, type YieldOf, type Fiber } from "./internal/aio.js";
import { type Task } from "./internal/fiber.js";
import { Future } from "./internal/future.js";
import { Sync } from "./internal/primitives.js";
import { NEVER_RUN_CODE, callSite, debugActive, neverRunMessage, warn, type Origin } from "./internal/debug.js";
import type { EventLoop, TaskOptions } from "./events.js";
import { exit as exitAio, fail, failCause, flatMap, from, gen, suspend, sync } from "./Aio.js";
import { describe, exitOf } from "./awaitables.js";

/**
 * A failure an ExceptionGroup lists: a typed error or a defect.
 * @example
 * ```ts
 * import type { ExceptionGroup, GroupedCause } from "aio-ts";
 * const kinds = (g: ExceptionGroup<string>) => g.causes.map((c: GroupedCause<string>) => c._tag); // "Fail" | "Die"
 * ```
 */
export type GroupedCause<E> = Cause.Fail<E> | Cause.Die;

/**
 * Several failures at once (Python's ExceptionGroup), as a task group raises them: the
 * children's failures in the order they happened, then the body's own. `causes` keeps
 * each one's kind; `errors` lists the typed errors, `defects` the unexpected throws.
 *
 * @example
 * ```ts runnable
 * import { Aio, ExceptionGroup, runExit, taskGroup } from "aio-ts";
 * const exit = await runExit(
 *   taskGroup((tg) =>
 *     Aio.gen(function* () {
 *       yield* tg.createTask(Aio.fail("disk full" as const));
 *       yield* tg.createTask(Aio.sleep(1000));
 *     }),
 *   ),
 * );
 * if (exit._tag === "Failure" && exit.cause._tag === "Fail") {
 *   const group: ExceptionGroup<"disk full"> = exit.cause.error;
 *   group.errors; // ["disk full"]
 * }
 * ```
 */
export class ExceptionGroup<E> extends Error {
  readonly _tag = "ExceptionGroup" as const;
  /** Every failure, in order. */
  readonly causes: ReadonlyArray<GroupedCause<E>>;
  /** The typed errors among them, in order. */
  readonly errors: ReadonlyArray<E>;
  /** The defects (unexpected throws) among them, in order. */
  readonly defects: ReadonlyArray<unknown>;

  constructor(message: string, causes: ReadonlyArray<GroupedCause<E>>) {
    super(`${message} (${causes.length} sub-exception${causes.length === 1 ? "" : "s"})`);
    this.name = "ExceptionGroup";
    this.causes = [...causes];
    const errors: E[] = [];
    const defects: unknown[] = [];
    for (const c of causes) {
      if (c._tag === "Fail") errors.push(c.error);
      else defects.push(c.defect);
    }
    this.errors = errors;
    this.defects = defects;
  }

  /** Every failure as the value it throws (typed error or defect), in order. */
  get exceptions(): ReadonlyArray<unknown> {
    return this.causes.map((c) => Cause.squash(c));
  }
}

/**
 * The handle a `taskGroup` body receives: `createTask` starts a child of the group.
 *
 * @example
 * ```ts runnable
 * import { Aio, run, taskGroup } from "aio-ts";
 * const program = taskGroup((tg) =>
 *   Aio.gen(function* () {
 *     const a = yield* tg.createTask(Aio.sleep(100, 1));
 *     const b = yield* tg.createTask(Aio.sleep(200, 2));
 *     return [a, b] as const; // both done once the group has ended
 *   }),
 * ).pipe(Aio.map(([a, b]) => a.result() + b.result()));
 * await run(program); // 3, after 200 ms
 * ```
 */
export class TaskGroup {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ readonly _parent: Fiber;
  /** @internal */ readonly _tasks = new Set<Task<unknown, unknown>>();
  /** @internal */ readonly _errors: Array<GroupedCause<unknown>> = [];
  /** @internal */ _aborting = false;
  /** @internal */ _exiting = false;
  /** @internal */ _parentCancelRequested = false;
  /** @internal */ _onCompleted: Future<void> | null = null;
  /** @internal Debug mode: the `createTask` Aios not run yet, with their reports. */
  _unrun: Map<object, Origin> | null = null;

  /** @internal use `taskGroup`. */
  constructor(parent: Fiber) {
    this._parent = parent;
    this._loop = parent.getLoop();
  }

  /**
   * Starts `aio` as a child task of the group (on the next loop iteration, as
   * `createTask`) and returns the task. The child's error type joins the group's: the
   * returned Aio carries it (it never fails itself). An `InvalidStateError` (a defect) if
   * the group is shutting down after a failure or has finished.
   *
   * Lazy, like every Aio: `tg.createTask(x)` written without `yield*` starts nothing. In
   * debug mode (`setDebug(true)` or `AIO_DEBUG=1`) each such Aio still not run when the
   * group ends is reported then (a process warning `AioWarning`, code
   * `AIO_TASK_NEVER_RUN`, naming where it was made).
   */
  createTask<A, E>(aio: Aio<A, E>, options?: TaskOptions): Aio<Task<A, E>, E> {
    if (!(aio instanceof Aio)) {
      throw new TypeError(`TaskGroup.createTask: expected an Aio; got ${describe(aio)}`);
    }
    if (debugActive) return this._trackedCreateTask(aio, options) as unknown as Aio<Task<A, E>, E>;
    return sync(() => this._spawn(aio, options)) as unknown as Aio<Task<A, E>, E>;
  }

  /** @internal `createTask` in debug mode: remembered until it runs. */
  _trackedCreateTask<A, E>(aio: Aio<A, E>, options: TaskOptions | undefined): Aio<Task<A, E>> {
    const spawn = new TrackedSpawn(this, () => this._spawn(aio, options));
    const what = options?.name === undefined ? "tg.createTask(…)" : `tg.createTask(…, { name: ${JSON.stringify(options.name)} })`;
    // The call site of `tg.createTask`: the frames from `createTask` up are left out.
    (this._unrun ??= new Map()).set(spawn, { what, site: callSite(TaskGroup.prototype.createTask) });
    return spawn;
  }

  /** @internal Debug mode, once no child can spawn another: reports the Aios never run. */
  _reportUnrun(): void {
    const unrun = this._unrun;
    if (unrun === null) return;
    this._unrun = null;
    for (const origin of unrun.values()) warn(`${neverRunMessage(origin)}\n  (its task group ended first)`, NEVER_RUN_CODE);
  }

  /** The number of children still running. */
  size(): number {
    return this._tasks.size;
  }

  /** @internal */
  _spawn<A, E>(aio: Aio<A, E>, options: TaskOptions | undefined): Task<A, E> {
    if (this._exiting && this._tasks.size === 0) throw new InvalidStateError("TaskGroup is finished");
    if (this._aborting) throw new InvalidStateError("TaskGroup is shutting down");
    const t = this._loop.createTask(aio, options);
    this._tasks.add(t as Task<unknown, unknown>);
    t.addDoneCallback(this._onTaskDone);
    return t;
  }

  /** @internal Cancels every child still running. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  /** @internal */
  readonly _onTaskDone = (task: Future<unknown, unknown>): void => {
    const t = task as Task<unknown, unknown>;
    this._tasks.delete(t);
    const completed = this._onCompleted;
    if (completed !== null && this._tasks.size === 0 && !completed.done()) completed.setResult(undefined);
    if (t.cancelled()) return;
    const e = exitOf(t);
    if (e._tag === "Success") return;
    this._errors.push(e.cause as GroupedCause<unknown>);
    if (this._parent.done()) {
      this._loop.callExceptionHandler({
        message: "a TaskGroup child failed after its parent task was done",
        exception: Cause.squash(e.cause),
        task: t,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Interrupt the body too; the request is withdrawn (uncancel) when the group exits.
      this._abort();
      this._parentCancelRequested = true;
      this._parent.cancel();
    }
  };

  /** @internal asyncio's `__aexit__`, with the body's outcome. */
  _exit<A, E>(et: Exit.Exit<A, E>): Aio<A, ExceptionGroup<E>> {
    const tg = this;
    const parent = this._parent;
    return gen(function* () {
      tg._exiting = true;
      let propagate: Cause.Cause<never> | undefined =
        et._tag === "Failure" && et.cause._tag === "Interrupt" ? et.cause : undefined;
      if (et._tag === "Failure" && !tg._aborting) tg._abort();
      let pending: Cause.Cause<never> | undefined;
      // Each wait can be cancelled (the parent cancelled again): keep waiting.
      while (tg._tasks.size > 0) {
        const completed = (tg._onCompleted ??= tg._loop.createFuture<void>());
        const ex = yield* exitAio(from(completed));
        if (ex._tag === "Failure" && ex.cause._tag === "Interrupt") {
          pending = ex.cause;
          if (!tg._aborting) {
            propagate = ex.cause;
            tg._abort();
          }
        }
        tg._onCompleted = null;
      }
      // No child is left to run one later: what has not run now never will.
      tg._reportUnrun();
      if (tg._parentCancelRequested) {
        if (parent.uncancel() === 0) propagate = undefined;
        else if (propagate === undefined) propagate = pending;
      }
      if (propagate !== undefined && tg._errors.length === 0) return yield* failCause(propagate);
      const errors = tg._errors as Array<GroupedCause<E>>;
      if (et._tag === "Failure" && et.cause._tag !== "Interrupt") errors.push(et.cause);
      if (errors.length > 0) {
        // A cancellation from outside stays requested (count unchanged), delivered later.
        if (parent.cancelling() > 0) {
          parent.uncancel();
          parent.cancel();
        }
        return yield* fail(new ExceptionGroup<E>("unhandled errors in a TaskGroup", errors));
      }
      if (et._tag === "Success") return et.value;
      return yield* failCause(et.cause as Cause.Cause<never>);
    });
  }
}

/** A `tg.createTask` Aio made in debug mode: its first run removes it from the report. */
class TrackedSpawn<A, E> extends Sync<Task<A, E>> {
  constructor(
    private readonly tg: TaskGroup,
    thunk: () => Task<A, E>,
  ) {
    super(thunk);
  }
  override _eval(f: Fiber): ReturnType<Sync<Task<A, E>>["_eval"]> {
    this.tg._unrun?.delete(this);
    return super._eval(f);
  }
  override next(sent?: unknown): IteratorResult<YieldOf<never>, Task<A, E>> {
    this.tg._unrun?.delete(this);
    return super.next(sent);
  }
}

class TaskGroupAio<A, E> extends Aio<A, ExceptionGroup<E>> {
  constructor(private readonly body: (tg: TaskGroup) => Aio<A, E>) {
    super();
  }
  _eval(f: Fiber): Aio<unknown, unknown> | null {
    const tg = new TaskGroup(f);
    const body = this.body;
    const run = suspend(() => {
      const aio = body(tg);
      if (!(aio instanceof Aio)) throw new TypeError(`taskGroup: the body returned ${describe(aio)}, not an Aio`);
      return aio;
    });
    return flatMap((et: Exit.Exit<A, E>) => tg._exit(et))(exitAio(run)) as Aio<unknown, unknown>;
  }
}

/**
 * Runs `body(tg)` in the current task with a task group (asyncio.TaskGroup): children
 * started with `tg.createTask` run concurrently, and the group ends only when all of
 * them have ended. The first failure (a typed error or a defect, in a child or the body)
 * cancels the body and every other child; once all have ended the group fails with an
 * `ExceptionGroup` listing each failure. A child that ends cancelled is not a failure.
 * Cancelling the task running the group cancels every child; the `CancelledError`
 * propagates once they have ended (unless there are failures to report). The error type
 * is an `ExceptionGroup` of the body's errors and the children's (each `createTask`
 * adds its child's error type to the body's).
 *
 * @example
 * ```ts runnable
 * import { Aio, run, taskGroup } from "aio-ts";
 * const log: string[] = [];
 * await run(
 *   taskGroup((tg) =>
 *     Aio.gen(function* () {
 *       yield* tg.createTask(Aio.sleep(100).pipe(Aio.tap(() => Aio.sync(() => log.push("a")))));
 *       yield* tg.createTask(Aio.sleep(50).pipe(Aio.tap(() => Aio.sync(() => log.push("b")))));
 *     }),
 *   ),
 * );
 * log; // ["b", "a"]: the group waited for both
 * ```
 */
export const taskGroup = <A, E>(body: (tg: TaskGroup) => Aio<A, E>): Aio<A, ExceptionGroup<E>> => {
  if (typeof body !== "function") throw new TypeError(`taskGroup: expected a function (tg) => Aio; got ${describe(body)}`);
  return new TaskGroupAio(body);
};
