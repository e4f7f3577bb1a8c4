// The property runs' failure report (test/property/assert.ts): the first counterexample is printed
// the moment it is found, with the seed and path that replay it, and shrinking stops at its bound.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertProperty } from "./property/assert.js";

describe("a failing property run", () => {
  it("reports the first counterexample at once, then throws the smallest found within the shrinking bound", async () => {
    const reports: { text: string; at: number }[] = [];
    const started = performance.now();
    let shrinkSteps = 0;
    const property = fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }), (xs) => {
      if (reports.length > 0) {
        shrinkSteps++;
        // Each shrinking step is slow, as a generated model's would be.
        const until = performance.now() + 20;
        while (performance.now() < until);
      }
      return xs.reduce((s, x) => s + x, 0) < 500;
    });
    const error = await assertProperty(property, { seed: 42 }, 0.5, (text) => reports.push({ text, at: performance.now() - started })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.text).toMatch(/^property failed after \d+ runs?; replay with SHAPEGRAD_PROPERTY_SEED=42 SHAPEGRAD_PROPERTY_PATH=\d+/);
    expect(reports[0]!.text).toContain("shrinking for at most 0.5 s");
    expect(error!.message).toMatch(/^property failed \(replay with SHAPEGRAD_PROPERTY_SEED=42 SHAPEGRAD_PROPERTY_PATH=\d+\); the smallest counterexample found in 0\.5 s:/);
    expect(shrinkSteps).toBeGreaterThan(0);
    // Bounded: half a second of shrinking, with slack for one slow step and the replay.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("passes quietly when the property holds", async () => {
    const reports: string[] = [];
    await assertProperty(fc.property(fc.integer(), (x) => x + 0 === x), { seed: 1, numRuns: 50 }, 1, (t) => reports.push(t));
    expect(reports).toEqual([]);
  });
});
