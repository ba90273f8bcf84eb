/**
 * The loop's record of failures nobody has read yet: asyncio's "Task exception was never
 * retrieved", reported when the future is garbage-collected or when the loop closes.
 * Futures call `LoopCore._noteUnretrieved` / `_retrieved`; the loop forwards here.
 * @internal
 */
import type { ExceptionContext } from "../loop-options.js";
import { Task } from "./fiber.js";
import type { Future } from "./future.js";
import { taskSite, userFrames, type CallSite } from "./debug.js";

/**
 * What the report of a failure nobody read needs (asyncio's "Task exception was never
 * retrieved"), kept apart from the future so the future itself can be collected: the
 * loop holds this, never the future.
 */
interface UnreadFailure {
  readonly exception: unknown;
  /** The task's name, or `undefined` for a plain future. */
  readonly taskName: string | undefined;
  /** The future while it is alive: the report at close still hands it to the handler. */
  readonly ref: WeakRef<Future<unknown, unknown>>;
  /** Debug mode: where the task was created. */
  readonly site: CallSite | undefined;
}

/**
 * The property under which a tracked future holds its `UnreadFailure`, so that reading
 * the failure finds the record in O(1). Not a `WeakMap`, not an unregister token of the
 * `FinalizationRegistry`: with either, Node 20's V8 kept about 11 to 17 bytes per tracked
 * future forever (measured over 1 to 3 million failures); a property on the future goes
 * away with it.
 */
const UNREAD = Symbol("aio-ts.unreadFailure");

/** A future that may carry its `UnreadFailure` record. */
type Tracked = Future<unknown, unknown> & { [UNREAD]?: UnreadFailure | undefined };

/** What the record needs of its loop. */
interface ReportingLoop {
  isRunning(): boolean;
  getDebug(): boolean;
  callSoon(fn: () => void): unknown;
  callExceptionHandler(context: ExceptionContext): void;
}

/** @internal One loop's unread failures (see the module header). */
export class UnreadFailures {
  /**
   * Failures not read yet, settled during the current host callback. Most are read within
   * it (a joiner wakes up a few iterations later), so only the ones still unread when the
   * callback ends pay for tracking by the garbage collector (`_trackUnread`). Holding them
   * strongly this long is bounded by one time slice.
   */
  private readonly _freshUnread = new Set<Future<unknown, unknown>>();
  /** Failures not read yet, tracked weakly: reported when collected, or at close. */
  private readonly _unread = new Set<UnreadFailure>();
  private _lostRegistry: FinalizationRegistry<UnreadFailure> | undefined = undefined;

  constructor(private readonly loop: ReportingLoop) {}

  /** A future failed and nobody has read the failure yet (`inTick`: inside a host callback of the loop). */
  note(f: Future<unknown, unknown>, inTick: boolean): void {
    if (inTick) this._freshUnread.add(f);
    else this._trackUnread(f); // settled from outside the loop: no callback end to wait for
  }

  /** The failure of `f`, noted by `note`, was read. */
  retrieved(f: Future<unknown, unknown>): void {
    if (this._freshUnread.delete(f)) return;
    const t = f as Tracked;
    const rec = t[UNREAD];
    if (rec === undefined) return;
    t[UNREAD] = undefined;
    this._unread.delete(rec);
  }

  /** At close: reports every failure still unread (alive or collected but not reported yet). */
  reportAll(): void {
    this.flushFresh();
    const left = [...this._unread];
    this._unread.clear();
    for (const rec of left) {
      const fut = rec.ref.deref() as Tracked | undefined;
      if (fut !== undefined) fut[UNREAD] = undefined;
      // A collected one may still get its finalization callback: it finds the record gone.
      this._reportUnread(rec, fut);
    }
  }

  /** What a report needs, read from `f` now (it has just failed). */
  private _unreadFailure(f: Future<unknown, unknown>): UnreadFailure {
    const exit = f._exit;
    const cause = exit !== undefined && exit._tag === "Failure" ? exit.cause : undefined;
    return {
      exception: cause?._tag === "Fail" ? cause.error : cause?._tag === "Die" ? cause.defect : undefined,
      taskName: f instanceof Task ? f.getName() : undefined,
      ref: new WeakRef(f),
      site: this.loop.getDebug() ? taskSite(f) : undefined,
    };
  }

  private _reportUnread(rec: UnreadFailure, fut: Future<unknown, unknown> | undefined): void {
    const { exception, taskName, site } = rec;
    // The task's name is in the message: once the task is collected, it is all that is left.
    const message =
      taskName === undefined
        ? "Future exception was never retrieved"
        : `Task exception was never retrieved (task ${JSON.stringify(taskName)})`;
    const ctx: ExceptionContext =
      fut === undefined
        ? { message, exception }
        : taskName === undefined
          ? { message, exception, future: fut }
          : { message, exception, task: fut as Task<unknown, unknown> };
    // Debug mode: where the task was created (asyncio's source_traceback).
    this.loop.callExceptionHandler(
      site === undefined ? ctx : { ...ctx, sourceTraceback: userFrames(site).join("\n") },
    );
  }

  /** Hands the failures settled in this host callback and still unread to the collector. */
  flushFresh(): void {
    if (this._freshUnread.size === 0) return;
    for (const f of this._freshUnread) this._trackUnread(f);
    this._freshUnread.clear();
  }

  private _trackUnread(f: Future<unknown, unknown>): void {
    const rec = this._unreadFailure(f);
    this._unread.add(rec);
    (f as Tracked)[UNREAD] = rec;
    // No unregister token (see UNREAD): a record read meanwhile is simply not in `_unread`
    // any more when its callback comes.
    (this._lostRegistry ??= new FinalizationRegistry((r) => this._onLost(r))).register(f, rec);
  }

  /**
   * A future whose failure nobody read was garbage-collected: nobody can read it any more,
   * so report it now (asyncio does in `Future.__del__`). From a host callback of its own:
   * inside the loop when it runs, else directly.
   */
  private _onLost(rec: UnreadFailure): void {
    if (!this._unread.delete(rec)) return; // read before it was collected, or reported at close
    if (this.loop.isRunning()) this.loop.callSoon(() => this._reportUnread(rec, undefined));
    else this._reportUnread(rec, undefined);
  }
}
