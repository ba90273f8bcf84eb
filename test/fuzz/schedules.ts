/**
 * Random programs for the schedule fuzzer (test/fuzz-schedules.test.ts): a tree of
 * structured combinators (shield, waitFor, timeout, uninterruptible, gather, gatherExits,
 * race, taskGroup, createTask + join, fire-and-forget createTask, a subtree as an
 * `ensuring` finaliser) over leaves (sleep, yield, fail, die, queue put and get, a lock or
 * a semaphore held across a sleep, a run of synchronous steps around the step budget),
 * generated with `fc.letrec`, and an
 * interpreter that turns a tree into an Aio which records, per node, when it started and
 * when its finaliser ran.
 *
 * Every program is bounded by construction, so a run that does not end is a bug of the
 * library, never of the program: sleeps are short, a lock or permit is held only around a
 * sleep (no nesting, so no deadlock), and the queue is shut down at `QUEUE_SHUTDOWN_AT`,
 * which wakes every blocked `put` and `get`. `runSchedule` adds a watchdog: a loop timer
 * at `HORIZON` (virtual ms, far past any legal schedule) that stops the loop and records
 * "hang", re-armed so that a hang during `run()`'s shutdown is caught too, and a
 * real-time guard for a loop that never goes idle.
 */
import fc from "fast-check";
import {
  Aio,
  Cause,
  Lock,
  Queue,
  Semaphore,
  Task,
  createTask,
  gather,
  gatherExits,
  getRunningLoop,
  race,
  runExit,
  shield,
  taskGroup,
  timeout,
  waitFor,
  withLock,
  withPermit,
} from "../../src/index.js";
import { MAX_STEPS_PER_TURN } from "../../src/internal/aio.js";
import type { EventLoop, ExceptionContext, TaskFactory } from "../../src/index.js";

// ---------------------------------------------------------------------------------------
// Trees

/** How a node's finaliser is written: `Aio.ensuring`, or a generator's `finally`. */
export type Fin = "ensuring" | "finally";

/** A node of a random program. */
export type Node =
  | { readonly t: "sleep"; readonly ms: number; readonly fin: Fin }
  | { readonly t: "yield"; readonly fin: Fin }
  | { readonly t: "fail"; readonly fin: Fin }
  | { readonly t: "die"; readonly fin: Fin }
  | { readonly t: "put"; readonly fin: Fin }
  | { readonly t: "get"; readonly fin: Fin }
  | { readonly t: "lock"; readonly ms: number; readonly fin: Fin }
  | { readonly t: "permit"; readonly ms: number; readonly fin: Fin }
  | { readonly t: "spin"; readonly steps: number; readonly fin: Fin }
  | { readonly t: "seq"; readonly kids: readonly Node[]; readonly fin: Fin }
  | { readonly t: "catch"; readonly kid: Node; readonly fin: Fin }
  | { readonly t: "shield"; readonly kid: Node; readonly fin: Fin }
  | { readonly t: "waitFor"; readonly ms: number; readonly kid: Node; readonly thenNever: boolean; readonly fin: Fin }
  | { readonly t: "timeout"; readonly ms: number; readonly kid: Node; readonly thenNever: boolean; readonly fin: Fin }
  | { readonly t: "uninterruptible"; readonly kid: Node; readonly fin: Fin }
  | { readonly t: "gather"; readonly kids: readonly Node[]; readonly fin: Fin }
  | { readonly t: "gatherExits"; readonly kids: readonly Node[]; readonly fin: Fin }
  | { readonly t: "race"; readonly kids: readonly Node[]; readonly fin: Fin }
  | { readonly t: "taskGroup"; readonly kids: readonly Node[]; readonly fin: Fin }
  | { readonly t: "spawn"; readonly kid: Node; readonly cancelAt: number | undefined; readonly fin: Fin }
  | { readonly t: "detach"; readonly kid: Node; readonly fin: Fin }
  | { readonly t: "ensuring"; readonly kid: Node; readonly handler: Node; readonly fin: Fin };

/** The task factory a schedule runs with: none (the default), lazy, or eager tasks. */
export type FactoryMode = "none" | "lazy" | "eager";

/** A whole schedule: the program, when to cancel it from outside, the primitives' sizes. */
export interface Schedule {
  readonly root: Node;
  /** Loop times (virtual ms) at which the root task is cancelled from outside. */
  readonly cancels: readonly number[];
  readonly factory: FactoryMode;
  readonly maxsize: number;
  readonly permits: number;
}

const fin: fc.Arbitrary<Fin> = fc.constantFrom("ensuring", "finally");
const ms = fc.integer({ min: 0, max: 8 });
const kids = (node: fc.Arbitrary<Node>) => fc.array(node, { minLength: 1, maxLength: 4 });
/**
 * Synchronous steps of a `spin` leaf: a few, or about the step budget
 * (MAX_STEPS_PER_TURN = 2048), where the fiber is put back on the ready queue mid-run.
 */
const steps = fc.constantFrom(10, MAX_STEPS_PER_TURN - 1, MAX_STEPS_PER_TURN, MAX_STEPS_PER_TURN + 1, 3 * MAX_STEPS_PER_TURN);

/** The arbitraries of trees, leaves and inner nodes, tied together. */
const trees = fc.letrec<{ node: Node; leaf: Node; inner: Node }>((tie) => ({
  // Inner nodes weigh more near the root; `depthSize` biases towards leaves as the depth
  // grows and `maxDepth` bounds it (median 8 nodes, mean 26, up to ~250: combinators
  // nest several deep, and 1,000 schedules per property take about a second).
  node: fc.oneof(
    { depthSize: "medium", maxDepth: 6, withCrossShrink: true },
    { arbitrary: tie("leaf"), weight: 1 },
    { arbitrary: tie("inner"), weight: 3 },
  ),
  leaf: fc.oneof(
    fc.record({ t: fc.constant("sleep" as const), ms, fin }),
    fc.record({ t: fc.constant("yield" as const), fin }),
    fc.record({ t: fc.constant("fail" as const), fin }),
    fc.record({ t: fc.constant("die" as const), fin }),
    fc.record({ t: fc.constant("put" as const), fin }),
    fc.record({ t: fc.constant("get" as const), fin }),
    fc.record({ t: fc.constant("lock" as const), ms, fin }),
    fc.record({ t: fc.constant("permit" as const), ms, fin }),
    fc.record({ t: fc.constant("spin" as const), steps, fin }),
  ),
  inner: fc.oneof(
    fc.record({ t: fc.constant("seq" as const), kids: kids(tie("node")), fin }),
    fc.record({ t: fc.constant("catch" as const), kid: tie("node"), fin }),
    fc.record({ t: fc.constant("shield" as const), kid: tie("node"), fin }),
    fc.record({ t: fc.constant("waitFor" as const), ms, kid: tie("node"), thenNever: fc.boolean(), fin }),
    fc.record({ t: fc.constant("timeout" as const), ms, kid: tie("node"), thenNever: fc.boolean(), fin }),
    fc.record({ t: fc.constant("uninterruptible" as const), kid: tie("node"), fin }),
    fc.record({ t: fc.constant("gather" as const), kids: kids(tie("node")), fin }),
    fc.record({ t: fc.constant("gatherExits" as const), kids: kids(tie("node")), fin }),
    fc.record({ t: fc.constant("race" as const), kids: kids(tie("node")), fin }),
    fc.record({ t: fc.constant("taskGroup" as const), kids: kids(tie("node")), fin }),
    fc.record({
      t: fc.constant("spawn" as const),
      kid: tie("node"),
      cancelAt: fc.option(ms, { nil: undefined }),
      fin,
    }),
    fc.record({ t: fc.constant("detach" as const), kid: tie("node"), fin }),
    fc.record({ t: fc.constant("ensuring" as const), kid: tie("node"), handler: tie("node"), fin }),
  ),
}));
/** Random trees (depth-limited by fast-check's `depthSize`). */
export const tree: fc.Arbitrary<Node> = fc.oneof({ arbitrary: trees.inner, weight: 4 }, { arbitrary: trees.leaf, weight: 1 });

/** Random schedules. */
export const schedule: fc.Arbitrary<Schedule> = fc.record({
  root: tree,
  cancels: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 3 }),
  factory: fc.constantFrom<FactoryMode>("none", "lazy", "eager"),
  maxsize: fc.integer({ min: 0, max: 2 }),
  permits: fc.integer({ min: 1, max: 2 }),
});

// ---------------------------------------------------------------------------------------
// What a run records

/** Per node (by preorder id): its parent, whether it is a shield's inner, its events. */
export interface NodeRecord {
  readonly parent: number | undefined;
  /** The inner of a shield: it may outlive its parent, by design. */
  readonly detached: boolean;
  readonly label: string;
  starts: number;
  ends: number;
  /** Event sequence numbers (a global counter), of the first start and first end. */
  startSeq: number | undefined;
  endSeq: number | undefined;
}

/** Everything a run observed. */
export interface Outcome {
  readonly nodes: NodeRecord[];
  /** "hang" when the watchdog fired, "real-time hang" when the real-time guard did. */
  readonly hang: string | undefined;
  /** `run()` itself rejected (it should never: it resolves with an Exit). */
  readonly runError: unknown;
  readonly pendingAfterRun: number;
  readonly reported: ExceptionContext[];
  readonly putOk: number[];
  readonly got: number[];
  readonly left: number[];
  readonly lockLockedAfter: boolean;
  readonly lockWaitersAfter: number;
  readonly maxLockHolders: number;
  readonly semValueAfter: number;
  readonly semLockedAfter: boolean;
  readonly maxPermitHolders: number;
  readonly permits: number;
}

/** Virtual ms after which the queue is shut down (waking blocked puts and gets). */
export const QUEUE_SHUTDOWN_AT = 200;
/** Virtual ms past any legal schedule: the watchdog stops the loop and records a hang. */
export const HORIZON = 1_000_000;
/** Real ms after which a run whose loop never idles counts as a hang. */
export const REAL_TIME_GUARD_MS = 5_000;

class Boom extends Error {}

/**
 * With `never`, the body waits forever after `kid`: only the deadline ends it. A deadline
 * ends its own body also inside an uninterruptible region (the region holds back
 * cancellation from outside the scope, not the scope's own deadline), so this is still
 * bounded.
 */
const thenNever = (kid: Aio.Aio<unknown, unknown>, never: boolean): Aio.Aio<unknown, unknown> =>
  never ? kid.pipe(Aio.flatMap(() => Aio.never)) : kid;

/**
 * Whether a subtree may absorb its deadline's cancellation: a `catch` recovers from a
 * failure that replaced the interruption (an `ensuring` handler that fails while the
 * body is being cancelled replaces the CancelledError, as an exception raised in a
 * Python `finally`). The scope then fired its one cancellation and the body goes on, so
 * "then never" would wait for ever in asyncio too: such a body gets no `never`.
 */
const mayAbsorbCancel = (n: Node): boolean => {
  if (n.t === "catch") return true;
  if ("kids" in n) return n.kids.some(mayAbsorbCancel);
  if (n.t === "ensuring") return mayAbsorbCancel(n.kid) || mayAbsorbCancel(n.handler);
  return "kid" in n ? mayAbsorbCancel(n.kid) : false;
};

const label = (n: Node): string => {
  switch (n.t) {
    case "spin":
      return `spin(${n.steps})`;
    case "waitFor":
    case "timeout":
      return `${n.t}(${n.ms}${n.thenNever ? ", then never" : ""})`;
    case "sleep":
    case "lock":
    case "permit":
      return `${n.t}(${n.ms})`;
    case "spawn":
      return `spawn(cancelAt=${String(n.cancelAt)})`;
    default:
      return n.t;
  }
};

const factories: Record<Exclude<FactoryMode, "none">, TaskFactory> = {
  lazy: (loop, aio, opts) => new Task(loop, aio, opts?.name),
  eager: (loop, aio, opts) => new Task(loop, aio, opts?.name, true),
};

/** Runs a schedule under `run()` (runExit) on a virtual-time loop; what it observed. */
export const runSchedule = async (s: Schedule): Promise<Outcome> => {
  const nodes: NodeRecord[] = [];
  let seq = 0;
  const putOk: number[] = [];
  const got: number[] = [];
  const reported: ExceptionContext[] = [];
  const q = new Queue<number>(s.maxsize);
  const lock = new Lock();
  const sem = new Semaphore(s.permits);
  let lockHolders = 0;
  let maxLockHolders = 0;
  let permitHolders = 0;
  let maxPermitHolders = 0;
  let hang: string | undefined;
  let loopRef: EventLoop | undefined;

  const start = (id: number): void => {
    const r = nodes[id]!;
    r.starts++;
    if (r.startSeq === undefined) r.startSeq = ++seq;
  };
  const end = (id: number): void => {
    const r = nodes[id]!;
    r.ends++;
    if (r.endSeq === undefined) r.endSeq = ++seq;
  };

  /** Wraps `body` (built lazily) with the node's start record and finaliser. */
  const wrap = (id: number, how: Fin, body: () => Aio.Aio<unknown, unknown>): Aio.Aio<unknown, unknown> =>
    how === "ensuring"
      ? Aio.suspend(() => {
          start(id);
          return body().pipe(Aio.ensuring(Aio.sync(() => end(id))));
        })
      : Aio.gen(function* () {
          start(id);
          try {
            return yield* body();
          } finally {
            end(id);
          }
        });

  const held = (which: "lock" | "permit", holdMs: number): Aio.Aio<void> =>
    Aio.suspend(() => {
      if (which === "lock") maxLockHolders = Math.max(maxLockHolders, ++lockHolders);
      else maxPermitHolders = Math.max(maxPermitHolders, ++permitHolders);
      return Aio.sleep(holdMs).pipe(
        Aio.ensuring(
          Aio.sync(() => {
            if (which === "lock") lockHolders--;
            else permitHolders--;
          }),
        ),
      );
    });

  /** Builds the Aio of `n` (and registers its subtree's records). */
  const build = (n: Node, parent: number | undefined, detached: boolean): Aio.Aio<unknown, unknown> => {
    const id = nodes.length;
    nodes.push({ parent, detached, label: label(n), starts: 0, ends: 0, startSeq: undefined, endSeq: undefined });
    const sub = (k: Node): Aio.Aio<unknown, unknown> => build(k, id, false);
    let body: () => Aio.Aio<unknown, unknown>;
    switch (n.t) {
      case "sleep":
        body = () => Aio.sleep(n.ms);
        break;
      case "yield":
        body = () => Aio.yieldNow;
        break;
      case "fail":
        body = () => Aio.fail(new Boom(`fail#${id}`));
        break;
      case "die":
        body = () => Aio.die(new Error(`die#${id}`));
        break;
      case "put":
        body = () => q.put(id).pipe(Aio.map(() => void putOk.push(id)));
        break;
      case "get":
        body = () => q.get().pipe(Aio.map((x) => void got.push(x)));
        break;
      case "lock":
        body = () => withLock(lock)(held("lock", n.ms));
        break;
      case "permit":
        body = () => withPermit(sem)(held("permit", n.ms));
        break;
      case "spin":
        body = () =>
          Aio.gen(function* () {
            let x = 0;
            for (let i = 0; i < n.steps; i++) x += yield* Aio.sync(() => i);
            return x;
          });
        break;
      case "seq": {
        const ks = n.kids.map(sub);
        body = () =>
          Aio.gen(function* () {
            for (const k of ks) yield* k;
          });
        break;
      }
      case "catch": {
        const k = sub(n.kid);
        body = () =>
          k.pipe(Aio.catchAllCause((c) => (Cause.isInterrupt(c) ? Aio.failCause(c) : Aio.succeed(undefined))));
        break;
      }
      case "shield": {
        const k = build(n.kid, id, true);
        body = () => shield(k);
        break;
      }
      case "waitFor": {
        const k = thenNever(sub(n.kid), n.thenNever && !mayAbsorbCancel(n.kid));
        body = () => waitFor(k, n.ms);
        break;
      }
      case "timeout": {
        const k = thenNever(sub(n.kid), n.thenNever && !mayAbsorbCancel(n.kid));
        body = () => timeout(n.ms, k);
        break;
      }
      case "uninterruptible": {
        const k = sub(n.kid);
        body = () => Aio.uninterruptible(k);
        break;
      }
      case "gather": {
        const ks = n.kids.map(sub);
        body = () => gather(ks);
        break;
      }
      case "gatherExits": {
        const ks = n.kids.map(sub);
        body = () => gatherExits(ks);
        break;
      }
      case "race": {
        const ks = n.kids.map(sub);
        body = () => race(ks);
        break;
      }
      case "taskGroup": {
        // The first kid runs in the group's body, after the others are started in it.
        const [first, ...rest] = n.kids.map(sub);
        body = () =>
          taskGroup((tg) =>
            Aio.gen(function* () {
              for (const k of rest) yield* tg.createTask(k);
              if (first !== undefined) yield* first;
            }),
          );
        break;
      }
      case "spawn": {
        const k = sub(n.kid);
        const cancelAt = n.cancelAt;
        body = () =>
          Aio.gen(function* () {
            const t = yield* createTask(k);
            if (cancelAt !== undefined) getRunningLoop().callLater(cancelAt, () => void t.cancel());
            return yield* t;
          });
        break;
      }
      case "detach": {
        // Fire and forget: nobody joins it, so it may outlive this node (run() cancels
        // it at the end); failures are caught (an unjoined failure is reported, by
        // design). Not an interruption: that must end it.
        const k = build(n.kid, id, true).pipe(
          Aio.catchAllCause((c) => (Cause.isInterrupt(c) ? Aio.failCause(c) : Aio.succeed(undefined))),
        );
        body = () => createTask(k);
        break;
      }
      case "ensuring": {
        // A finaliser that is a whole subtree (it runs uninterruptibly, and may start
        // tasks, also while run() shuts down).
        const k = sub(n.kid);
        const h = sub(n.handler);
        body = () => k.pipe(Aio.ensuring(h));
        break;
      }
    }
    return wrap(id, n.fin, body);
  };

  const root = build(s.root, undefined, false);

  const main = Aio.gen(function* () {
    const loop = getRunningLoop();
    loopRef = loop;
    loop.setExceptionHandler((_l, ctx) => void reported.push(ctx));
    if (s.factory !== "none") loop.setTaskFactory(factories[s.factory]);
    const watchdog = (): void => {
      hang ??= "hang";
      loop.stop();
      loop.callLater(HORIZON, watchdog);
    };
    loop.callLater(HORIZON, watchdog);
    loop.callLater(QUEUE_SHUTDOWN_AT, () => q.shutdown());
    const rootTask = yield* createTask(root, { name: "root" });
    for (const at of s.cancels) loop.callLater(at, () => void rootTask.cancel());
    yield* Aio.exit(Aio.from(rootTask));
  });

  let runError: unknown = undefined;
  let guard: ReturnType<typeof setTimeout> | undefined;
  const guarded = new Promise<void>((resolve) => {
    guard = setTimeout(() => {
      hang ??= "real-time hang";
      // Stop the spinning loop (each phase of run()) so that the test can go on.
      const stopper = setInterval(() => {
        if (loopRef === undefined || loopRef.isClosed()) clearInterval(stopper);
        else loopRef.stop();
      }, 10);
      resolve();
    }, REAL_TIME_GUARD_MS);
  });
  const ran = runExit(main, { virtualTime: true }).then(
    () => undefined,
    (e: unknown) => void (runError = e),
  );
  await Promise.race([ran, guarded]);
  if (hang === "real-time hang") await ran;
  clearTimeout(guard);

  const left: number[] = [];
  for (;;) {
    try {
      left.push(q.getNowait());
    } catch {
      break;
    }
  }
  return {
    nodes,
    hang,
    runError,
    pendingAfterRun: loopRef === undefined ? -1 : loopRef.allTasks().size,
    reported,
    putOk,
    got,
    left,
    lockLockedAfter: lock.locked(),
    lockWaitersAfter: lock.waiters(),
    maxLockHolders,
    semValueAfter: sem.value(),
    semLockedAfter: sem.locked(),
    maxPermitHolders,
    permits: s.permits,
  };
};

// ---------------------------------------------------------------------------------------
// Checks: each returns the violations it found (empty: the property holds)

/** Every node that started ran its finaliser exactly once; none started twice. */
export const finalizerViolations = (o: Outcome): string[] =>
  o.nodes.flatMap((r, id) =>
    r.starts > 1
      ? [`#${id} ${r.label} started ${r.starts} times`]
      : r.starts === 1 && r.ends !== 1
        ? [`#${id} ${r.label} finaliser ran ${r.ends} times`]
        : r.starts === 0 && r.ends !== 0
          ? [`#${id} ${r.label} finaliser ran without a start`]
          : [],
  );

/**
 * Structured nesting: every child (except a shield's inner) ends before its parent ends,
 * and none starts after its parent ended.
 */
export const nestingViolations = (o: Outcome): string[] =>
  o.nodes.flatMap((r, id) => {
    if (r.parent === undefined || r.detached || r.startSeq === undefined) return [];
    const p = o.nodes[r.parent]!;
    if (p.endSeq === undefined) return [];
    if (r.startSeq > p.endSeq) return [`#${id} ${r.label} started after its parent #${r.parent} ${p.label} ended`];
    if (r.endSeq === undefined || r.endSeq > p.endSeq)
      return [`#${id} ${r.label} still running when its parent #${r.parent} ${p.label} ended`];
    return [];
  });

/** Every item put was got exactly once or is still in the queue; nothing else was got. */
export const queueViolations = (o: Outcome): string[] => {
  const out = [...o.got, ...o.left].sort((a, b) => a - b);
  const put = [...o.putOk].sort((a, b) => a - b);
  return JSON.stringify(out) === JSON.stringify(put) ? [] : [`put ${JSON.stringify(put)}, got+left ${JSON.stringify(out)}`];
};

/** The lock is free with no waiter, all permits are back, and exclusion held. */
export const lockViolations = (o: Outcome): string[] => [
  ...(o.lockLockedAfter ? ["lock still locked"] : []),
  ...(o.lockWaitersAfter !== 0 ? [`${o.lockWaitersAfter} lock waiters left`] : []),
  ...(o.maxLockHolders > 1 ? [`${o.maxLockHolders} lock holders at once`] : []),
  ...(o.semValueAfter !== o.permits ? [`semaphore value ${o.semValueAfter}, initial ${o.permits}`] : []),
  ...(o.semLockedAfter ? ["semaphore still locked"] : []),
  ...(o.maxPermitHolders > o.permits ? [`${o.maxPermitHolders} permit holders, ${o.permits} permits`] : []),
];

/** The run ended (no hang), `run()` resolved, and no task was left pending. */
export const livenessViolations = (o: Outcome): string[] => [
  ...(o.hang !== undefined ? [o.hang] : []),
  ...(o.runError !== undefined ? [`run() rejected: ${String(o.runError)}`] : []),
  ...(o.pendingAfterRun !== 0 ? [`${o.pendingAfterRun} tasks pending after run()`] : []),
];

/**
 * A report asyncio makes by design: a task that `run()` cancels at its end and that then
 * fails (here: a shield's inner or a fire-and-forget task that goes on uninterruptibly
 * and meets the shut-down queue) is reported as "unhandled exception during asyncio.run()
 * shutdown" (asyncio.runners._cancel_all_tasks).
 */
export const SHUTDOWN_REPORT = "unhandled exception during run() shutdown";

/**
 * Nothing reached the loop's exception handler ("Exception in callback", "Task was
 * destroyed but it is pending", "… exception was never retrieved"…), except the one
 * report asyncio makes by design (`SHUTDOWN_REPORT`).
 */
export const reportViolations = (o: Outcome): string[] =>
  o.reported
    .filter((c) => c.message !== SHUTDOWN_REPORT && !LATE_CHILD_FAILURE.test(c.message) && !lostShieldedFailure(o, c))
    .map((c) => `${c.message}: ${String(c.exception)}`);

/**
 * A report issue 8 asks for ("defects in losers' cleanup are reported"): a child of
 * gather / race that fails after the outcome was decided, while being cancelled, is not
 * in the result, so its failure goes to the exception handler instead of being lost.
 */
const LATE_CHILD_FAILURE = /^(gather|gatherExits|race): .* failed after the outcome was decided .* does not include it$/;

/**
 * A report aio-ts makes by design where asyncio drops the failure (docs/from-asyncio.md,
 * differences: "exception was never retrieved"): a shield's inner that fails after its
 * waiter was cancelled is a failure nobody reads, so it is reported as never retrieved.
 * Allowed only when the failure was raised by a leaf inside a shield's inner subtree (or,
 * for a failure no leaf raised, when the tree has a shield).
 */
const lostShieldedFailure = (o: Outcome, c: ExceptionContext): boolean => {
  if (!c.message.includes("never retrieved")) return false;
  const m = /^(?:fail|die)#(\d+)$/.exec(c.exception instanceof Error ? c.exception.message : "");
  // Not a leaf's own error (a QueueShutDown met by a shielded `get`): allowed only when
  // the tree has a shield at all.
  if (m === null) return o.nodes.some((n) => n.detached);
  for (let id: number | undefined = Number(m[1]); id !== undefined; id = o.nodes[id]?.parent)
    if (o.nodes[id]?.detached === true) return true;
  return false;
};

// ---------------------------------------------------------------------------------------
// Counterexamples found by the fuzzer, hand-minimised: every property runs them first

const E: Fin = "ensuring";
const leaf = (t: "yield" | "fail" | "die" | "put" | "get"): Node => ({ t, fin: E });
const sleepN = (ms: number): Node => ({ t: "sleep", ms, fin: E });
const base = { cancels: [], factory: "none", maxsize: 0, permits: 1 } as const;

/**
 * Schedules that broke a property when they were found (see each `found`); they run
 * before the random ones, so a regression shows at once and with a readable tree.
 */
export const COUNTEREXAMPLES: ReadonlyArray<{ readonly found: string; readonly schedule: Schedule }> = [
  {
    found: "waitFor over a race decided in the deadline's iteration, then never: the deadline's cancel was absorbed (hang)",
    schedule: {
      ...base,
      root: {
        t: "waitFor",
        ms: 2,
        thenNever: true,
        kid: { t: "race", kids: [{ t: "lock", ms: 2, fin: E }, { t: "lock", ms: 0, fin: E }], fin: E },
        fin: E,
      },
    },
  },
  {
    found: "with a task factory, race/gather hang when a child is cancelled before its first step",
    schedule: {
      ...base,
      factory: "lazy",
      root: { t: "race", kids: [{ t: "spin", steps: 10, fin: E }, { t: "spin", steps: 10, fin: E }], fin: E },
    },
  },
  {
    // Reported by design (see lostShieldedFailure); kept to pin that nothing else is.
    found: "a shield's inner that fails after the caller was cancelled: 'Task exception was never retrieved'",
    schedule: {
      ...base,
      root: {
        t: "gatherExits",
        kids: [
          {
            t: "spawn",
            cancelAt: 0,
            kid: { t: "shield", kid: { t: "seq", kids: [sleepN(1), leaf("fail")], fin: E }, fin: E },
            fin: E,
          },
          sleepN(5),
        ],
        fin: E,
      },
    },
  },
  {
    found: "a task joining a task that failed, cancelled before its wake-up: 'Task exception was never retrieved'",
    schedule: {
      ...base,
      root: {
        t: "taskGroup",
        kids: [{ t: "spawn", cancelAt: undefined, kid: leaf("fail"), fin: E }, leaf("die"), leaf("get")],
        fin: E,
      },
    },
  },
  {
    found: "a failing gather inside a gather that cancels it: 'Future exception was never retrieved'",
    schedule: {
      ...base,
      root: {
        t: "gather",
        kids: [
          { t: "gather", kids: [sleepN(1), leaf("fail")], fin: E },
          { t: "seq", kids: [sleepN(0), leaf("fail")], fin: E },
        ],
        fin: E,
      },
    },
  },
  {
    found: "run() does not cancel a task created (by a finaliser) during its shutdown",
    schedule: {
      ...base,
      factory: "eager",
      root: {
        t: "detach",
        kid: { t: "ensuring", kid: sleepN(10), handler: { t: "detach", kid: leaf("get"), fin: E }, fin: E },
        fin: E,
      },
    },
  },
  {
    found: "a deadline inside an uninterruptible region never fires",
    schedule: {
      ...base,
      root: { t: "uninterruptible", kid: { t: "timeout", ms: 0, thenNever: true, kid: leaf("yield"), fin: E }, fin: E },
    },
  },
];
