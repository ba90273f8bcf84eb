/**
 * The plain-JavaScript floor of the scenarios that have one: the same work with no
 * library at all, written as lean as we can. A ratio to the floor says how much the
 * library itself costs; a target "≤ 1.5× the floor" is only possible if the floor can
 * meet it first (the team's rule: measure the floor before calling a target impossible).
 *
 * Every floor does the work the scenario's programs do, in the same shape:
 * - S1: a generator loop driven by a trampoline (`it.next(value)` until done).
 * - S1.rt: the same, but every step yields a callback-style registration that the driver
 *   calls with a resume function (which resumes at once), as an `Aio.async` step does.
 * - S2 / S2m: a lazy chain of 1e6 link records (`flatMap` links whose function returns a
 *   new description; `map` links whose function returns a value), built by a loop, then
 *   run by an interpreter with an explicit stack.
 * - S4: n task records on a ready queue (a ring of slots), run by a loop, joined in order.
 * - S5: n sleep records on a binary heap with one host timer, re-armed for the earliest.
 * - S14: raw `node:net` line clients that split lines by hand (no `node:readline`).
 */

import * as net from "node:net";

// ---------------------------------------------------------------------------------------
// S1, S1.rt

/** S1: `for (i < n) s += yield i`, driven by a trampoline that sends each value back. */
export const s1Floor = (n: number): number => {
  function* body(): Generator<number, number, number> {
    let s = 0;
    for (let i = 0; i < n; i++) s += yield i;
    return s;
  }
  const it = body();
  let r = it.next(0);
  while (r.done !== true) r = it.next(r.value);
  return r.value;
};

type Resume = (v: number) => void;
type RegisterFn = (resume: Resume) => void;

/**
 * S1.rt: each step yields a registration `(resume) => resume(i)`; the driver calls it and
 * continues the generator when `resume` was called (at once here, so a loop, not
 * recursion; a later resume would re-enter `drive`).
 */
export const s1rtFloor = (n: number): number => {
  function* body(): Generator<RegisterFn, number, number> {
    let s = 0;
    for (let i = 0; i < n; i++) s += yield (resume: Resume) => resume(i);
    return s;
  }
  const it = body();
  let value = 0;
  let resumed = false;
  const resume: Resume = (v) => {
    value = v;
    resumed = true;
  };
  let r = it.next(0);
  while (r.done !== true) {
    resumed = false;
    r.value(resume);
    if (!resumed) throw new Error("s1rtFloor: the floor only handles immediate resumes");
    r = it.next(value);
  }
  return r.value;
};

// ---------------------------------------------------------------------------------------
// S2, S2m

/** A link of a lazy chain: a value, a flatMap of a chain, or a map of a chain. */
type Link =
  | { readonly tag: 0; readonly value: number }
  | { readonly tag: 1; readonly prev: Link; readonly fn: (x: number) => Link }
  | { readonly tag: 2; readonly prev: Link; readonly fn: (x: number) => number };

/** Runs a chain: walks down to its source, then applies the link functions in order. */
const interpret = (start: Link): number => {
  const stack: Array<Link> = [];
  let cur: Link = start;
  for (;;) {
    // Descend to the source, pushing each link (its function runs on the way back).
    while (cur.tag !== 0) {
      stack.push(cur);
      cur = cur.prev;
    }
    let v = cur.value;
    let next: Link | undefined;
    while (stack.length > 0) {
      const link = stack.pop()!;
      if (link.tag === 2) v = link.fn(v);
      else if (link.tag === 1) {
        next = link.fn(v);
        break;
      }
    }
    if (next === undefined) return v;
    cur = next;
  }
};

/** S2: `succeed(0)` then n `flatMap(x => succeed(x + 1))` links, built then run. */
export const s2Floor = (n: number): { result: number; buildMs: number } => {
  const t0 = performance.now();
  let chain: Link = { tag: 0, value: 0 };
  for (let i = 0; i < n; i++) chain = { tag: 1, prev: chain, fn: (x) => ({ tag: 0, value: x + 1 }) };
  const buildMs = performance.now() - t0;
  return { result: interpret(chain), buildMs };
};

/** S2m: n links alternating `map(x => x + 1)` and `flatMap(x => succeed(x + 1))`. */
export const s2mFloor = (n: number): { result: number; buildMs: number } => {
  const t0 = performance.now();
  let chain: Link = { tag: 0, value: 0 };
  for (let i = 0; i < n; i++) {
    chain =
      (i & 1) === 0
        ? { tag: 2, prev: chain, fn: (x) => x + 1 }
        : { tag: 1, prev: chain, fn: (x) => ({ tag: 0, value: x + 1 }) };
  }
  const buildMs = performance.now() - t0;
  return { result: interpret(chain), buildMs };
};

// ---------------------------------------------------------------------------------------
// S4

interface TaskRecord {
  readonly body: (i: number) => number;
  readonly arg: number;
  done: boolean;
  result: number;
}

/**
 * S4: forks n task records (each runs later, not inside the fork loop), then joins them
 * in order; the first join that finds its task not done runs the ready queue (what an
 * event loop does when the joiner suspends). The sum of the results.
 */
export const s4Floor = (n: number): number => {
  const body = (i: number): number => i;
  const ready: TaskRecord[] = new Array(n);
  for (let i = 0; i < n; i++) ready[i] = { body, arg: i, done: false, result: 0 };
  let head = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = ready[i]!;
    while (!t.done) {
      const next = ready[head++]!;
      next.result = next.body(next.arg);
      next.done = true;
    }
    s += t.result;
  }
  return s;
};

// ---------------------------------------------------------------------------------------
// S5

interface SleepRecord {
  readonly when: number;
  readonly seq: number;
  readonly resolve: (v: number) => void;
}

const before = (a: SleepRecord, b: SleepRecord): boolean => a.when < b.when || (a.when === b.when && a.seq < b.seq);

/**
 * S5: n sleeps of the given delays on a binary heap with one host timer, re-armed for the
 * earliest deadline; each sleep resolves a promise, all are joined. Total resolved.
 */
export const s5Floor = (delays: readonly number[]): Promise<number> => {
  const heap: SleepRecord[] = [];
  const push = (r: SleepRecord): void => {
    let i = heap.length;
    heap.push(r);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(r, heap[p]!)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = r;
  };
  const pop = (): SleepRecord => {
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[c]!, last)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  };
  let armedFor = Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = (): void => {
    timer = undefined;
    armedFor = Infinity;
    const t = performance.now();
    while (heap.length > 0 && heap[0]!.when <= t) pop().resolve(1);
    arm();
  };
  const arm = (): void => {
    if (heap.length === 0) return;
    const when = heap[0]!.when;
    if (when >= armedFor) return;
    if (timer !== undefined) clearTimeout(timer);
    armedFor = when;
    timer = setTimeout(fire, Math.max(0, when - performance.now()));
  };
  const start = performance.now();
  const ps: Array<Promise<number>> = new Array(delays.length);
  for (let i = 0; i < delays.length; i++) {
    ps[i] = new Promise<number>((resolve) => push({ when: start + delays[i]!, seq: i, resolve }));
  }
  arm();
  return (async () => {
    let s = 0;
    for (let i = 0; i < ps.length; i++) s += await ps[i]!;
    return s;
  })();
};

// ---------------------------------------------------------------------------------------
// S14

/**
 * S14's client with no library and no `node:readline`: `conns` raw `node:net` connections
 * to the echo server at `port`, each writes `lineOf(0)`, splits what comes back into lines
 * by scanning the received Buffer for `\n` by hand (a partial line is kept as bytes until
 * its end arrives), checks each line against what it sent and writes the next one (one
 * write per line: the protocol waits for each echo, so there is nothing to batch), `lines`
 * times, then ends. Resolves with the number of lines that came back right.
 */
export const s14FloorClient = (
  port: number,
  host: string,
  conns: number,
  lines: number,
  lineOf: (i: number) => string,
): Promise<number> =>
  new Promise((resolve, reject) => {
    let ok = 0;
    let done = 0;
    for (let c = 0; c < conns; c++) {
      let i = 0;
      let partial: Buffer | undefined;
      const sock: net.Socket = net.connect({ host, port }, () => sock.write(lineOf(0)));
      sock.on("error", reject);
      sock.on("data", (chunk: Buffer) => {
        let from = 0;
        for (;;) {
          const nl = chunk.indexOf(0x0a, from);
          if (nl === -1) {
            if (from < chunk.length) {
              const rest = chunk.subarray(from);
              partial = partial === undefined ? Buffer.from(rest) : Buffer.concat([partial, rest]);
            }
            return;
          }
          const line =
            partial === undefined
              ? chunk.toString("utf8", from, nl + 1)
              : Buffer.concat([partial, chunk.subarray(from, nl + 1)]).toString("utf8");
          partial = undefined;
          from = nl + 1;
          if (line === lineOf(i)) ok++;
          i++;
          if (i < lines) sock.write(lineOf(i));
          else {
            sock.end();
            if (++done === conns) resolve(ok);
            return;
          }
        }
      });
    }
  });
