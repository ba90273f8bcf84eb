/**
 * A binary min-heap of timers ordered by deadline, then by insertion order, with removal
 * of any element in O(log n) (each element remembers its index). The loop keeps every
 * pending timer here and arms one host timer for the top.
 * @internal
 */
export interface HeapItem {
  /** The deadline, in loop time (ms). */
  readonly _when: number;
  /** Insertion sequence number: ties on `_when` run in insertion order. */
  readonly _seq: number;
  /** Position in the heap array; -1 when not in a heap. */
  _index: number;
}

const before = (a: HeapItem, b: HeapItem): boolean =>
  a._when < b._when || (a._when === b._when && a._seq < b._seq);

export class TimerHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    item._index = items.length;
    items.push(item);
    this.up(item._index);
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    const i = item._index;
    if (i < 0 || this.items[i] !== item) return false;
    this.removeAt(i);
    return true;
  }

  clear(): void {
    for (const item of this.items) item._index = -1;
    this.items.length = 0;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const removed = items[i]!;
    removed._index = -1;
    const last = items.pop()!;
    if (i === items.length) return;
    items[i] = last;
    last._index = i;
    this.down(i);
    this.up(last._index);
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(item, parent)) break;
      items[i] = parent;
      parent._index = i;
      i = p;
    }
    items[i] = item;
    item._index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(items[r]!, items[l]!)) c = r;
      const child = items[c]!;
      if (!before(child, item)) break;
      items[i] = child;
      child._index = i;
      i = c;
    }
    items[i] = item;
    item._index = i;
  }
}
