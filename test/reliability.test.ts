// Hostile conditions beyond the hand-picked cases: concurrent writers, IEEE specials through
// generated code, and inputs of the wrong kind.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import rnn from "../dsl/rnn.js";
import { generateSource } from "../codegen/generate.js";
import { specialize } from "../codegen/specialize.js";
import { valueAndGrad, type AnyMat } from "../src/index.js";
import { generateAndImport } from "./support/generated-module.js";
import { rnnFixture } from "./support/rnn-fixture.js";
import { repoRoot } from "./support/type-diagnostics.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-reliability-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runAsync(cwd: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, "bin/shapegrad.js"), ...args], { cwd, stdio: "ignore" });
    child.on("close", resolve);
  });
}

describe("concurrent writers never leave a torn file", () => {
  it("four `generate` processes writing the same --out at once leave one whole module", async () => {
    const dir = join(work, "generate");
    mkdirSync(join(dir, "dsl"), { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
    writeFileSync(join(dir, "dsl/rnn.ts"), readFileSync(join(repoRoot, "dsl/rnn.ts"), "utf8").replace("../src/index.js", join(repoRoot, "src/index.js")));
    const codes = await Promise.all([0, 1, 2, 3].map(() => runAsync(dir, ["generate", "dsl/rnn.ts", "--dim", "h=12", "--out", "out/rnn.ts"])));
    expect(codes).toEqual([0, 0, 0, 0]);
    const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
    const expected = await generateSource(rnn, { sizes: { h: 12 }, source: "dsl/rnn.ts", generator: `shapegrad ${version}` });
    expect(readFileSync(join(dir, "out/rnn.ts"), "utf8")).toBe(expected);
    expect(readdirSync(join(dir, "out"))).toEqual(["rnn.ts"]);
  });
  it("two cache fills of the same module at once both load a whole module", async () => {
    const cacheDir = join(work, "cache");
    const [a, b] = await Promise.all([specialize(rnn, { h: 7 }, { cacheDir }), specialize(rnn, { h: 7 }, { cacheDir })]);
    expect(a.path).toBe(b.path);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(typeof (a.module as { lossAndGrad?: unknown }).lossAndGrad).toBe("function");
  });
});

describe("IEEE specials through generated code", () => {
  const sizes = { n: 2, d: 3, h: 4, v: 3, T: 2 };
  it("a NaN or an infinity in the inputs propagates to the loss, as in the interpreter", async () => {
    const { module } = await generateAndImport(rnn, sizes);
    for (const special of [NaN, Infinity, -Infinity]) {
      const { params, batch } = rnnFixture(sizes, { seed: 5, targets: "oneHot", inputs: "dense" });
      params.W.data[3] = special;
      const oracle = valueAndGrad(rnn, sizes)(params, batch).loss;
      const loss = module.forward(params, batch).loss;
      expect(Number.isNaN(loss) ? "NaN" : loss).toEqual(Number.isNaN(oracle) ? "NaN" : oracle);
    }
  });
  it("huge logits keep the loss finite, and a perfect prediction gives a loss of exactly 0", async () => {
    const { module } = await generateAndImport(rnn, sizes);
    const { params, batch } = rnnFixture(sizes, { seed: 6, targets: "oneHot", inputs: "dense" });
    // c pushes every logit of the target's class far above the rest.
    const ys = batch.ys.data;
    const same = Array.from({ length: ys.length / 3 }, (_, r) => ys.subarray(r * 3, r * 3 + 3).indexOf(1));
    const target = same[0]!;
    for (let r = 0; r < same.length; r++) ys.fill(0, r * 3, r * 3 + 3), (ys[r * 3 + target] = 1);
    params.V.data.fill(0);
    params.c.data.fill(-1e300);
    params.c.data[target] = 1e300;
    const result = module.lossAndGrad(params, batch, Object.fromEntries(Object.entries({ ...params, h0: batch.h0 }).map(([k, m]: [string, AnyMat]) => [k, { ...m, data: new Float64Array(m.data.length) }])));
    expect(result.loss).toBe(0);
  });
});
