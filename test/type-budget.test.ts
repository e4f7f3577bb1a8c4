// Type-checking stays flat as programs grow: each further op costs the compiler a bounded number
// of type instantiations (no recursive type arithmetic on the hot path). Counts, not times, so
// the test is deterministic; `npm run bench:types` reports the times.
import { describe, expect, it } from "vitest";
import { measureIdentity, measureShapegrad } from "../bench/type-check.js";

describe("type-checking budget (tsc 7)", () => {
  it("a chain of 1000 and of 3000 typed ops checks cleanly, with few instantiations per added op", () => {
    const small = measureShapegrad(1000);
    const large = measureShapegrad(3000);
    // The library's own declarations cost the same however long the program is: the baseline
    // (an imported identity function) pays them too.
    const baseline = measureIdentity(1000);
    const perAddedOp = (large.instantiations - small.instantiations) / 2000;
    expect((small.instantiations - baseline.instantiations) / 1000).toBeLessThan(8);
    expect(perAddedOp).toBeLessThan(8);
  });
});
