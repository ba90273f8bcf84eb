/**
 * Where a queue keeps its items (src/queues.ts): the order in which `take` returns them
 * is the queue's discipline. `FifoStore` for `Queue`, `LifoStore` for `LifoQueue`,
 * `HeapStore` (a binary heap, ties in insertion order) for `PriorityQueue`.
 * Internal: not exported from the package entry. (No internal tag here: on a module's
 * first comment it would strip the import below from the .d.ts.)
 */
import { Deque } from "./sync-internal.js";

/** Where a queue keeps its items: the order of `take` is the queue's discipline. */
export interface Store<A> {
  readonly length: number;
  push(item: A): void;
  /** Removes and returns the next item; only called when `length > 0`. */
  take(): A;
}

/** First in, first out. */
export class FifoStore<A> extends Deque<A> implements Store<A> {
  take(): A {
    return this.shift() as A;
  }
}

/** Last in, first out. */
export class LifoStore<A> implements Store<A> {
  private readonly items: A[] = [];
  get length(): number {
    return this.items.length;
  }
  push(item: A): void {
    this.items.push(item);
  }
  take(): A {
    return this.items.pop() as A;
  }
}

/**
 * A binary min-heap by `compare`; ties come out in insertion order. Every comparison is
 * made before the heap is changed, so a throwing comparator leaves it intact.
 */
export class HeapStore<A> implements Store<A> {
  private readonly items: A[] = [];
  private readonly seqs: number[] = [];
  private readonly path: number[] = [];
  private seq = 0;
  constructor(private readonly compare: (a: A, b: A) => number) {}
  get length(): number {
    return this.items.length;
  }
  /** Whether (a, sa) comes before the entry at j. */
  private before(a: A, sa: number, j: number): boolean {
    const c = this.compare(a, this.items[j]!);
    return c < 0 || (c === 0 && sa < this.seqs[j]!);
  }
  push(item: A): void {
    const items = this.items;
    const seqs = this.seqs;
    const seq = this.seq;
    const n = items.length;
    // Find the slot first (the new entry has the largest seq: ties stay below).
    let slot = n;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.before(item, seq, parent)) break;
      slot = parent;
    }
    this.seq = seq + 1;
    items.push(item);
    seqs.push(seq);
    for (let j = n; j > slot; ) {
      const parent = (j - 1) >> 1;
      items[j] = items[parent]!;
      seqs[j] = seqs[parent]!;
      j = parent;
    }
    items[slot] = item;
    seqs[slot] = seq;
  }
  take(): A {
    const items = this.items;
    const seqs = this.seqs;
    const top = items[0]!;
    const n = items.length - 1; // size after removal
    if (n === 0) {
      items.pop();
      seqs.pop();
      return top;
    }
    // The last entry sinks from the root: find its path first, then move.
    const last = items[n]!;
    const lastSeq = seqs[n]!;
    const path = this.path;
    path.length = 0;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.before(items[r]!, seqs[r]!, l) ? r : l;
      if (!this.before(items[m]!, seqs[m]!, n)) break;
      path.push(m);
      i = m;
    }
    let hole = 0;
    for (let k = 0; k < path.length; k++) {
      const m = path[k]!;
      items[hole] = items[m]!;
      seqs[hole] = seqs[m]!;
      hole = m;
    }
    items[hole] = last;
    seqs[hole] = lastSeq;
    items.pop();
    seqs.pop();
    return top;
  }
}
