// Type-checking stays flat as programs grow: each further op costs the compiler a bounded number
// of type instantiations (no recursive type arithmetic on the hot path). Counts, not times, so
// the test is deterministic; `npm run bench:types` reports the times.
import { describe, expect, it } from "vitest";
import { measureShapegrad } from "../bench/type-check.js";

describe("type-checking budget (tsc 7)", () => {
  it("a chain of 1000 and of 3000 typed ops checks cleanly, with few instantiations per added op", () => {
    const small = measureShapegrad(1000);
    const large = measureShapegrad(3000);
    const perAddedOp = (large.instantiations - small.instantiations) / 2000;
    expect(small.instantiations).toBeLessThan(15_000);
    expect(perAddedOp).toBeLessThan(8);
  });
});
