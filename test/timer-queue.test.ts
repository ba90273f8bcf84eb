/**
 * The loop's timer queue (src/internal/heap.ts) against a model: a plain list sorted by
 * (deadline, insertion). Random interleavings of push, remove (also of timers already
 * popped or removed, and re-pushing a timer that fired), peek and pop must agree with
 * the model at every step, and `size` must count only pending timers. A removed timer
 * whose entry is still in the heap cannot be pushed again.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TimerHeap, type HeapItem } from "../src/internal/heap.js";

class T implements HeapItem {
  _index = -1;
  constructor(
    readonly _when: number,
    readonly _seq: number,
    readonly id: number,
  ) {}
}

type Op =
  | { readonly kind: "push"; readonly when: number }
  | { readonly kind: "remove"; readonly pick: number }
  | { readonly kind: "pop" }
  | { readonly kind: "peek" }
  | { readonly kind: "repush"; readonly pick: number }
  | { readonly kind: "pushRemoved"; readonly pick: number };

// Deadlines from a small set (ties are common), fractions, far ones and infinities.
const when = fc.oneof(
  fc.integer({ min: 0, max: 20 }),
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.constantFrom(1e12, Infinity, -Infinity, -5),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: when.map((w) => ({ kind: "push", when: w }) as const) },
  { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "remove", pick }) as const) },
  { weight: 3, arbitrary: fc.constant({ kind: "pop" } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: "peek" } as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "repush", pick }) as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "pushRemoved", pick }) as const) },
);

const before = (a: T, b: T): number => (a._when < b._when ? -1 : a._when > b._when ? 1 : a._seq - b._seq);

const check = (ops: readonly Op[]): void => {
  const heap = new TimerHeap<T>();
  let model: T[] = [];
  const made: T[] = [];
  const popped: T[] = [];
  let seq = 0;
  const add = (when: number): void => {
    const t = new T(when, ++seq, made.length);
    made.push(t);
    heap.push(t);
    model.push(t);
    model.sort(before);
  };
  for (const o of ops) {
    switch (o.kind) {
      case "push":
        add(o.when);
        break;
      case "remove": {
        if (made.length === 0) break;
        const t = made[o.pick % made.length]!;
        const pending = model.includes(t);
        expect(heap.remove(t)).toBe(pending);
        model = model.filter((x) => x !== t);
        break;
      }
      case "repush": {
        // A timer that already fired (popped: out of the heap) may be armed again; one
        // re-armed and removed since, whose entry is still in the heap, may not (that is
        // the pushRemoved case).
        if (popped.length === 0) break;
        const again = popped[o.pick % popped.length]!;
        if (again._index !== -1) break;
        heap.push(again);
        model.push(again);
        model.sort(before);
        break;
      }
      case "pushRemoved": {
        // A removed timer whose entry is still in the heap must not be armed again: its
        // old entry would make it fire.
        if (made.length === 0) break;
        const t = made[o.pick % made.length]!;
        if (t._index === -2) expect(() => heap.push(t)).toThrow(/pushed twice/);
        break;
      }
      case "pop": {
        const got = heap.pop();
        const want = model.shift();
        expect(got?.id).toBe(want?.id);
        if (got !== undefined) {
          expect(got._index).toBe(-1);
          popped.push(got);
        }
        break;
      }
      case "peek":
        expect(heap.peek()?.id).toBe(model[0]?.id);
        break;
    }
    expect(heap.size).toBe(model.length);
  }
  // Drain: everything left comes out in order, then nothing.
  for (const want of model) expect(heap.pop()?.id).toBe(want.id);
  expect(heap.pop()).toBeUndefined();
  expect(heap.size).toBe(0);
};

describe("timer queue", () => {
  it("agrees with a sorted-list model on random push/remove/pop/peek sequences", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => check(ops)),
      {
        numRuns: 1000,
        // fire, re-arm, remove, then try to re-arm again while the dead entry remains
        examples: [
          [
            [
              { kind: "push", when: 1e12 },
              { kind: "pop" },
              { kind: "repush", pick: 0 },
              { kind: "remove", pick: 0 },
              { kind: "repush", pick: 0 },
              { kind: "pushRemoved", pick: 0 },
            ],
          ],
        ],
      },
    );
  });

  it("many removals (rebuilds) keep the order and the count", () => {
    const heap = new TimerHeap<T>();
    const ts: T[] = [];
    for (let i = 0; i < 1000; i++) {
      const t = new T((i * 7919) % 97, i, i);
      ts.push(t);
      heap.push(t);
    }
    // remove 3 of every 4: forces rebuilds along the way
    for (let i = 0; i < 1000; i++) if (i % 4 !== 0) expect(heap.remove(ts[i]!)).toBe(true);
    expect(heap.size).toBe(250);
    const kept = ts.filter((_, i) => i % 4 === 0).sort(before);
    for (const want of kept) expect(heap.pop()).toBe(want);
    expect(heap.size).toBe(0);
    // removing again, or removing a popped timer, is a no-op
    expect(heap.remove(ts[1]!)).toBe(false);
    expect(heap.remove(ts[0]!)).toBe(false);
  });

  it("clear() forgets every timer; they count as not pending", () => {
    const heap = new TimerHeap<T>();
    const a = new T(1, 1, 0);
    const b = new T(2, 2, 1);
    heap.push(a);
    heap.push(b);
    heap.remove(a);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    expect(b._index).toBe(-1);
    expect(heap.remove(b)).toBe(false);
  });
});
