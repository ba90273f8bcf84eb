/**
 * The type-class laws of aio-ts/fp-ts's instances, as fast-check properties (500 runs
 * each): Functor, Apply, Applicative, Chain/Monad, Bifunctor, Alt — for the sequential
 * and the concurrent (`gather`) Apply alike. Both sides of a law run on a fresh
 * virtual-time loop; they are equal when their Exits are structurally equal AND they end
 * at the same loop time (so a law that held only for values but not for timing, e.g. a
 * concurrent `ap` that ran its sides one after the other on one side of the law, fails).
 * The generated Aios succeed, fail or die, now or after a sleep, so ApplyPar's children
 * really interleave and race to fail first.
 */
import fc from "fast-check";
import type { Applicative2 } from "fp-ts/Applicative";
import { describe, expect, it } from "vitest";
import { Aio, Exit, newEventLoop } from "../src/index.js";
import * as AF from "../src/fp-ts.js";
import { V } from "./helpers.js";

const RUNS = { numRuns: 500 };

/** How a generated Aio ends: succeed (with the value given to `build`), fail or die. */
interface Desc {
  readonly outcome: "succeed" | "fail" | "die";
  /** Sleep this long first (ms), or not at all. */
  readonly delay: number | null;
  /** The typed error or defect, when it fails or dies. */
  readonly err: string;
}

const descArb: fc.Arbitrary<Desc> = fc.record({
  outcome: fc.constantFrom<Desc["outcome"]>("succeed", "succeed", "succeed", "fail", "fail", "die"),
  delay: fc.option(fc.integer({ min: 0, max: 5 }).map((n) => n * 10), { nil: null }),
  err: fc.string({ maxLength: 3 }),
});

const build = <A>(d: Desc, value: A): Aio.Aio<A, string> => {
  const base: Aio.Aio<void> = d.delay === null ? Aio.void : Aio.sleep(d.delay);
  switch (d.outcome) {
    case "succeed":
      return d.delay === null ? Aio.succeed(value) : Aio.sleep(d.delay, value);
    case "fail":
      return Aio.flatMap(() => Aio.fail(d.err))(base);
    case "die":
      return Aio.flatMap(() => Aio.die(`defect ${d.err}`))(base);
  }
};

/** A number → number function, as data so a counterexample prints. */
interface Lin {
  readonly m: number;
  readonly c: number;
}
const linArb: fc.Arbitrary<Lin> = fc.record({ m: fc.integer({ min: -3, max: 3 }), c: fc.integer({ min: -9, max: 9 }) });
const fn =
  ({ m, c }: Lin) =>
  (x: number): number =>
    m * x + c;
const errFn =
  (tag: string) =>
  (e: string): string =>
    `${tag}(${e})`;

const aioArb: fc.Arbitrary<Aio.Aio<number, string>> = fc.tuple(descArb, fc.integer({ min: -50, max: 50 })).map(([d, v]) => build(d, v));
const aioFnArb: fc.Arbitrary<Aio.Aio<(x: number) => number, string>> = fc.tuple(descArb, linArb).map(([d, l]) => build(d, fn(l)));
/** A number → Aio function: the Aio's shape is fixed, its value depends on the input. */
const kleisliArb: fc.Arbitrary<(x: number) => Aio.Aio<number, string>> = fc
  .tuple(descArb, linArb)
  .map(([d, l]) => (x: number) => build(d, fn(l)(x)));

/**
 * The Exit of `aio` on a fresh virtual-time loop, and the loop time when it ended. Also
 * checks that nothing is left running, and that the loop's exception handler heard only
 * of a failure that lost a race (a gather child failing while being cancelled after a
 * sibling's failure decided the outcome: reported, as it must be, not lost).
 */
const outcome = async <A, E>(aio: Aio.Aio<A, E>): Promise<readonly [Exit.Exit<A, E>, number]> => {
  const loop = newEventLoop(V);
  const reports: string[] = [];
  loop.setExceptionHandler((_loop, ctx) => void reports.push(ctx.message));
  const exit = await loop.runUntilCompleteExit(aio);
  const end = loop.time();
  expect([...loop.allTasks()].filter((t) => !t.done())).toEqual([]);
  loop.close();
  for (const r of reports) expect(r).toMatch(/after the outcome was decided/);
  return [exit, end] as const;
};

const same = async <A, E>(left: Aio.Aio<A, E>, right: Aio.Aio<A, E>): Promise<void> => {
  const [l, r] = [await outcome(left), await outcome(right)];
  expect(l).toEqual(r);
};

/**
 * ApplyPar's laws hold exactly unless two sides fail at the same instant: then which
 * failure wins depends on the nesting, because gather's structured failure (cancel the
 * siblings, wait for them) takes a loop turn per level, as "first in completion order"
 * does in asyncio. So: equal, or both failures at the same loop time, each the failure
 * of one of the `descs` that fail at that time. Returns whether it was such a tie.
 */
const sameUpToTies = async <A>(left: Aio.Aio<A, string>, right: Aio.Aio<A, string>, descs: readonly Desc[]): Promise<boolean> => {
  const [l, r] = [await outcome(left), await outcome(right)];
  if (l[0]._tag === "Failure" && r[0]._tag === "Failure" && JSON.stringify(l) !== JSON.stringify(r)) {
    expect(l[1]).toBe(r[1]);
    const allowed = descs
      .filter((d) => d.outcome !== "succeed" && (d.delay ?? 0) === l[1])
      .map((d) => (d.outcome === "fail" ? { _tag: "Fail", error: d.err } : { _tag: "Die", defect: `defect ${d.err}` }));
    expect(allowed).toContainEqual(l[0].cause);
    expect(allowed).toContainEqual(r[0].cause);
    return true;
  }
  expect(l).toEqual(r);
  return false;
};

const id = <A>(a: A): A => a;

const flavours: ReadonlyArray<readonly [string, Applicative2<AF.URI>]> = [
  ["sequential (Applicative)", AF.Applicative],
  ["concurrent (ApplicativePar)", AF.ApplicativePar],
];

describe("Functor laws", () => {
  const F = AF.Functor;
  it("identity: map(fa, id) = fa", async () => {
    await fc.assert(fc.asyncProperty(aioArb, (fa) => same(F.map(fa, id), fa)), RUNS);
  });
  it("composition: map(fa, bc ∘ ab) = map(map(fa, ab), bc)", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, linArb, linArb, (fa, ab, bc) =>
        same(
          F.map(fa, (a) => fn(bc)(fn(ab)(a))),
          F.map(F.map(fa, fn(ab)), fn(bc)),
        ),
      ),
      RUNS,
    );
  });
});

for (const [name, A] of flavours) {
  describe(`Apply and Applicative laws, ${name}`, () => {
    it("associative composition: ap(ap(map(fbc, ∘), fab), fa) = ap(fbc, ap(fab, fa))", async () => {
      let ties = 0;
      await fc.assert(
        fc.asyncProperty(descArb, linArb, descArb, linArb, descArb, fc.integer(), async (dbc, bc, dab, ab, da, a) => {
          const [fbc, fab, fa] = [build(dbc, fn(bc)), build(dab, fn(ab)), build(da, a)];
          const left = A.ap(
            A.ap(
              A.map(fbc, (g) => (f: (x: number) => number) => (x: number) => g(f(x))),
              fab,
            ),
            fa,
          );
          const right = A.ap(fbc, A.ap(fab, fa));
          if (A === AF.Applicative) return same(left, right);
          if (await sameUpToTies(left, right, [dbc, dab, da])) ties++;
        }),
        RUNS,
      );
      // The tie case below was exercised (not only the exact one).
      if (A === AF.ApplicativePar) expect(ties).toBeGreaterThan(0);
    });
    it("identity: ap(of(id), fa) = fa", async () => {
      await fc.assert(fc.asyncProperty(aioArb, (fa) => same(A.ap(A.of<string, (x: number) => number>(id), fa), fa)), RUNS);
    });
    it("homomorphism: ap(of(ab), of(a)) = of(ab(a))", async () => {
      await fc.assert(
        fc.asyncProperty(linArb, fc.integer(), (ab, a) =>
          same(A.ap(A.of<string, (x: number) => number>(fn(ab)), A.of(a)), A.of<string, number>(fn(ab)(a))),
        ),
        RUNS,
      );
    });
    it("interchange: ap(fab, of(a)) = ap(of(ab => ab(a)), fab)", async () => {
      await fc.assert(
        fc.asyncProperty(aioFnArb, fc.integer(), (fab, a) =>
          same(
            A.ap(fab, A.of(a)),
            A.ap(A.of<string, (ab: (x: number) => number) => number>((ab) => ab(a)), fab),
          ),
        ),
        RUNS,
      );
    });
  });
}

describe("Chain and Monad laws", () => {
  const M = AF.Monad;
  it("left identity: chain(of(a), f) = f(a)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -50, max: 50 }), kleisliArb, (a, f) => same(M.chain(M.of<string, number>(a), f), f(a))),
      RUNS,
    );
  });
  it("right identity: chain(fa, of) = fa", async () => {
    await fc.assert(fc.asyncProperty(aioArb, (fa) => same(M.chain(fa, (a) => M.of<string, number>(a)), fa)), RUNS);
  });
  it("associativity: chain(chain(fa, f), g) = chain(fa, a => chain(f(a), g))", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, kleisliArb, kleisliArb, (fa, f, g) =>
        same(
          M.chain(M.chain(fa, f), g),
          M.chain(fa, (a) => M.chain(f(a), g)),
        ),
      ),
      RUNS,
    );
  });
  it("ap derived from chain: ap(fab, fa) = chain(fab, f => map(fa, f)) (the sequential ap)", async () => {
    await fc.assert(
      fc.asyncProperty(aioFnArb, aioArb, (fab, fa) => same(M.ap(fab, fa), M.chain(fab, (f) => M.map(fa, f)))),
      RUNS,
    );
  });
});

describe("Bifunctor laws", () => {
  const B = AF.Bifunctor;
  it("identity: bimap(fa, id, id) = fa", async () => {
    await fc.assert(fc.asyncProperty(aioArb, (fa) => same(B.bimap(fa, id, id), fa)), RUNS);
  });
  it("composition: bimap(fa, g2 ∘ g1, f2 ∘ f1) = bimap(bimap(fa, g1, f1), g2, f2)", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, linArb, linArb, fc.string({ maxLength: 2 }), fc.string({ maxLength: 2 }), (fa, f1, f2, t1, t2) =>
        same(
          B.bimap(
            fa,
            (e) => errFn(t2)(errFn(t1)(e)),
            (a) => fn(f2)(fn(f1)(a)),
          ),
          B.bimap(B.bimap(fa, errFn(t1), fn(f1)), errFn(t2), fn(f2)),
        ),
      ),
      RUNS,
    );
  });
  it("mapLeft(fa, g) = bimap(fa, g, id)", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, fc.string({ maxLength: 2 }), (fa, t) => same(B.mapLeft(fa, errFn(t)), B.bimap(fa, errFn(t), id))),
      RUNS,
    );
  });
});

describe("Alt laws", () => {
  const A = AF.Alt;
  it("associativity: alt(alt(fa, ga), ha) = alt(fa, alt(ga, ha))", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, aioArb, aioArb, (fa, ga, ha) =>
        same(
          A.alt(
            A.alt(fa, () => ga),
            () => ha,
          ),
          A.alt(fa, () => A.alt(ga, () => ha)),
        ),
      ),
      RUNS,
    );
  });
  it("distributivity: map(alt(fa, ga), ab) = alt(map(fa, ab), map(ga, ab))", async () => {
    await fc.assert(
      fc.asyncProperty(aioArb, aioArb, linArb, (fa, ga, ab) =>
        same(
          A.map(
            A.alt(fa, () => ga),
            fn(ab),
          ),
          A.alt(A.map(fa, fn(ab)), () => A.map(ga, fn(ab))),
        ),
      ),
      RUNS,
    );
  });
});

describe("the two Apply flavours differ only in timing", () => {
  it("both succeed: ApplyPar takes the longer delay, Apply the sum; same value", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 100 }), fc.nat({ max: 100 }), linArb, async (d1, d2, l) => {
        const seq = await outcome(AF.Apply.ap(Aio.sleep(d1, fn(l)), Aio.sleep(d2, 7)));
        const par = await outcome(AF.ApplyPar.ap(Aio.sleep(d1, fn(l)), Aio.sleep(d2, 7)));
        expect(seq).toEqual([Exit.succeed(fn(l)(7)), d1 + d2]);
        expect(par).toEqual([Exit.succeed(fn(l)(7)), Math.max(d1, d2)]);
      }),
      RUNS,
    );
  });
  it("ApplyPar: the first failure in time wins and ends it then; Apply: the function side's failure first", async () => {
    const slowFail = Aio.flatMap(() => Aio.fail("slow"))(Aio.sleep(50));
    const fastFail = Aio.flatMap(() => Aio.fail("fast"))(Aio.sleep(10));
    expect(await outcome(AF.ApplyPar.ap(slowFail, fastFail))).toEqual([Exit.fail("fast"), 10]);
    expect(await outcome(AF.Apply.ap(slowFail, fastFail))).toEqual([Exit.fail("slow"), 50]);
  });
});
