// Hostile input, round two (issue 17): what used to be silently wrong, or a stack trace, is refused
// in one line. Aliased arguments of the generated lossAndGrad and optimizer steps (both kernel
// kinds); checkpoints whose checksum was recomputed after an edit.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import lstm from "../dsl/lstm.js";
import { randomArguments } from "../cli/random-arguments.js";
import { add } from "../src/index.js";
import { traceModel } from "../src/trace-model.js";
import { readCheckpoint, writeCheckpoint, type Checkpoint } from "../train/checkpoint.js";
import { generateAndImport } from "./support/generated-module.js";
import { repoRoot } from "./support/type-diagnostics.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-hostile-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Mats = Record<string, { rows: number; cols: number; data: Float64Array }>;
interface Steps {
  lossAndGrad(p: object, b: object, g: object): { loss: number } & Mats;
  adagradStep(p: object, g: object, memory: object, lr: number, clip: number): void;
  sgdStep(p: object, g: object, lr: number, clip: number): void;
  adamStep(p: object, g: object, m: object, v: object, t: number, lr: number, clip: number): void;
}

describe.each(["js", "simd"] as const)("aliased arguments, %s kernels", (kernels) => {
  const sizes = { n: 2, d: 3, h: 4, v: 5, T: 3 };
  const ir = traceModel(lstm, sizes);
  const fresh = () => randomArguments(ir, 5, 0.5);
  const load = async () => (await generateAndImport(lstm, sizes, "dsl/lstm.ts", kernels)).module as unknown as Steps;
  const copy = (m: Mats) => Object.fromEntries(Object.entries(m).map(([k, x]) => [k, { ...x, data: new Float64Array(x.data.length) }]));

  it("lossAndGrad refuses a gradient that is a parameter, a view of one, another gradient, or the module's own state; an h0 that was the last hT stays allowed", async () => {
    const module = await load();
    const { params, batch, grads } = fresh();
    expect(() => module.lossAndGrad(params, batch, { ...grads, Wi: params["Wi"] })).toThrow("lossAndGrad: grads.Wi shares memory with params.Wi; lossAndGrad writes grads.Wi, so it must be an array of its own");
    const wide = new Float64Array(64);
    const view = { ...params["Wf"]!, data: wide.subarray(0, 16) };
    expect(() => module.lossAndGrad({ ...params, Wf: view }, batch, { ...grads, Wf: { ...grads["Wf"]!, data: wide.subarray(8, 24) } })).toThrow(/grads\.Wf shares memory with params\.Wf/);
    expect(() => module.lossAndGrad(params, batch, { ...grads, Wo: grads["Wg"] })).toThrow(/grads\.Wo shares memory with grads\.Wg/);
    const first = module.lossAndGrad(params, batch, grads);
    expect(() => module.lossAndGrad(params, batch, { ...grads, h0: first["hT"] })).toThrow(/grads\.h0 shares memory with this module's state h/);
    // Reading the last call's final state as the next initial state is the point of returning it.
    const second = module.lossAndGrad(params, { ...batch, h0: first["hT"], cell0: first["cellT"] }, copy(grads as Mats));
    expect(Number.isFinite(second.loss)).toBe(true);
  });

  it("the optimizer steps refuse state that shares memory with the parameters or gradients, parameters that share memory with each other, and arguments of the wrong shape", async () => {
    const module = await load();
    const { params, grads } = fresh();
    expect(() => module.adagradStep(params, grads, params, 0.1, 5)).toThrow("adagradStep: params.Ui shares memory with memory.Ui; adagradStep writes params.Ui, so it must be an array of its own");
    expect(() => module.adagradStep(params, grads, grads, 0.1, 5)).toThrow(/adagradStep: memory\.Ui shares memory with grads\.Ui/);
    const m = copy(params as Mats);
    expect(() => module.adamStep(params, grads, m, m, 1, 0.01, 5)).toThrow(/adamStep: m\.Ui shares memory with v\.Ui/);
    expect(() => module.adamStep({ ...params, Wf: params["Wi"] }, grads, m, copy(params as Mats), 1, 0.01, 5)).toThrow(/adamStep: params\.Wi shares memory with params\.Wf/);
    const { Wi: _dropped, ...withoutWi } = copy(params as Mats);
    expect(() => module.adagradStep(params, grads, withoutWi, 0.1, 5)).toThrow("adagradStep: memory.Wi must be a h×h matrix (4×4) of float64");
    expect(() => module.sgdStep(params, { ...grads, Uf: { ...grads["Uf"]!, rows: 2 } }, 0.1, 5)).toThrow("sgdStep: grads.Uf must be d×h = 3×4, got 2×4 with 12 numbers");
    const before = Float64Array.from(params["Wi"]!.data);
    expect(() => module.adagradStep(params, grads, params, 0.1, 5)).toThrow();
    expect(params["Wi"]!.data).toEqual(before);
  });
});

describe("a size of the wrong type", () => {
  it("shows as what it is, in the library and in generated code, never as if it were the number", async () => {
    const good = { rowDim: "n", colDim: "d", rows: 2, cols: 2, data: new Float64Array(4) };
    expect(() => add(good as never, { ...good, rows: "2" } as never)).toThrow('add: argument 2 is not a matrix (rows="2" (a string, not a number), cols=2, data length=4)');
    const sizes = { n: 2, d: 3, h: 4, v: 5, T: 3 };
    const module = (await generateAndImport(lstm, sizes, "dsl/lstm.ts", "js")).module as unknown as Steps;
    const { params, batch, grads } = randomArguments(traceModel(lstm, sizes), 5, 0.5);
    expect(() => module.lossAndGrad({ ...params, Ui: { ...params["Ui"]!, rows: "3" } }, batch, grads)).toThrow('lossAndGrad: params.Ui must be d×h = 3×4; its rows and cols are "3" and 4, and sizes must be numbers');
  });
});

describe("a checkpoint edited and its checksum recomputed", () => {
  const bin = join(repoRoot, "bin/shapegrad.js");
  const fixture = join(repoRoot, "test/fixtures/checkpoint-v1/run");
  const edited = (name: string, edit: (c: Checkpoint) => Checkpoint): string => {
    const dir = join(work, name);
    cpSync(fixture, dir, { recursive: true });
    writeCheckpoint(dir, edit(readCheckpoint(dir)));
    return dir;
  };
  const sample = (dir: string) => spawnSync(process.execPath, [bin, "sample", "--checkpoint", dir, "--length", "20"], { cwd: work, encoding: "utf8", env: { ...process.env, SHAPEGRAD_CACHE_DIR: join(work, "cache") } });
  const first = (c: Checkpoint) => Object.keys(c.params)[0]!;

  it.each([
    ["a short parameter", (c: Checkpoint) => ({ ...c, params: { ...c.params, [first(c)]: c.params[first(c)]!.subarray(1) } }), /parameter \w+ holds \d+ numbers, not \d+/],
    ["a missing parameter", (c: Checkpoint) => ({ ...c, params: Object.fromEntries(Object.entries(c.params).slice(1)) }), /parameter \w+ is missing/],
    ["an all-NaN parameter", (c: Checkpoint) => ({ ...c, params: { ...c.params, [first(c)]: new Float64Array(c.params[first(c)]!.length).fill(NaN) } }), /parameter \w+ entry 0 is NaN, not a finite number/],
    ["a parameter the model does not declare", (c: Checkpoint) => ({ ...c, params: { ...c.params, Z: new Float64Array(1) } }), /holds a parameter "Z" that the model does not declare/],
    ["a duplicated vocabulary", (c: Checkpoint) => ({ ...c, vocab: `${c.vocab.slice(0, -1)}${c.vocab[0]}` }), /its vocabulary holds ".+" twice/],
  ])("%s: one line, exit 1", (_what, edit, message) => {
    const r = sample(edited(_what.replace(/\W+/g, "-"), edit));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^shapegrad: .*checkpoint\.json is not a valid checkpoint for model charRnn: /);
    expect(r.stderr).toMatch(message);
  });

  it("the unedited checkpoint still samples", () => {
    const r = sample(edited("unedited", (c) => c));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
  });
});
