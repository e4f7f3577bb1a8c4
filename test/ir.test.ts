// The IR: its printed form (golden), its immutability, and the validator's refusals, each naming
// the file and line of the op, the op, and both shapes.
import { describe, expect, it } from "vitest";
import mlp from "../dsl/mlp.js";
import rnn from "../dsl/rnn.js";
import { IRError, ModelError, ShapeError, add, defineModel, matmul, printModel, softmaxCrossEntropy, tanh, traceModel, validateModel, type ModelIR, type Node } from "../src/index.js";

describe("printed IR", () => {
  it("of the RNN at its default sizes matches the golden file", async () => {
    await expect(printModel(traceModel(rnn))).toMatchFileSnapshot("golden/rnn.ir.txt");
  });
  it("of the MLP matches the golden file", async () => {
    await expect(printModel(traceModel(mlp))).toMatchFileSnapshot("golden/mlp.ir.txt");
  });
  it("is the same for the same model and sizes", () => {
    expect(printModel(traceModel(rnn, { h: 7 }))).toBe(printModel(traceModel(rnn, { h: 7 })));
  });
});

describe("the IR records", () => {
  const ir = traceModel(rnn, { n: 2, d: 3, h: 4, v: 3, T: 2 });
  it("are frozen", () => {
    expect(Object.isFrozen(ir)).toBe(true);
    expect(Object.isFrozen(ir.nodes[5])).toBe(true);
    expect(() => (ir.nodes as Node[]).push(ir.nodes[0]!)).toThrow(TypeError);
  });
  it("carry the source location of every forward op", () => {
    for (const node of ir.nodes.filter((n) => n.phase === "forward" && n.op !== "leaf")) expect(node.loc).toMatch(/^dsl\/rnn\.ts:\d+:\d+$/);
  });
  it("differentiate BPTT-style: gradients for every parameter and the incoming state", () => {
    expect(Object.keys(ir.outputs.paramGrads)).toEqual(["U", "W", "b", "V", "c"]);
    expect(Object.keys(ir.outputs.stateGrads)).toEqual(["h"]);
    expect(ir.nodes.filter((n) => n.leaf?.kind === "stateAdjoint").map((n) => n.leaf?.name)).toEqual(["h"]);
  });
});

/** A copy of `ir` with node `id` changed: the kind of edit a buggy pass, or a hand, might make. */
function edited(ir: ModelIR, id: number, change: Partial<Node>): ModelIR {
  return { ...ir, nodes: ir.nodes.map((n) => (n.id === id ? { ...n, ...change } : n)) };
}

describe("the validator refuses", () => {
  const ir = traceModel(rnn, { n: 2, d: 3, h: 4, v: 3, T: 2 });
  const matmulXU = ir.nodes.find((n) => n.op === "matmul")!;
  const tanhNode = ir.nodes.find((n) => n.op === "tanh")!;
  const refusal = (bad: ModelIR) => {
    try {
      validateModel(bad);
    } catch (e) {
      expect(e).toBeInstanceOf(IRError);
      return (e as Error).message;
    }
    throw new Error("the validator accepted a broken IR");
  };

  it("accepts what tracing produced", () => expect(() => validateModel(ir)).not.toThrow());
  it("an op whose inputs' shapes disagree, naming file, line, op and both shapes", () => {
    const h = ir.nodes.find((n) => n.leaf?.name === "h")!;
    const msg = refusal(edited(ir, matmulXU.id, { inputs: [matmulXU.inputs[0]!, h.id] }));
    expect(msg).toMatch(/^dsl\/rnn\.ts:18:\d+: matmul: a is n×d \(2×3\) but b is n×h \(2×4\); inner dims d and n differ$/);
  });
  it("a node whose recorded shape is not what its op gives", () => {
    const msg = refusal(edited(ir, tanhNode.id, { shape: { rowDim: "n", colDim: "v", rows: 2, cols: 3 } }));
    expect(msg).toContain("tanh of n×h (2×4) gives n×h (2×4), but the node says n×v (2×3)");
    expect(msg).toMatch(/^dsl\/rnn\.ts:18:/);
  });
  it("a cycle (an input that does not come earlier)", () => {
    expect(refusal(edited(ir, matmulXU.id, { inputs: [matmulXU.inputs[0]!, tanhNode.id] }))).toContain(`uses %${tanhNode.id}, which does not come before it`);
  });
  it("an unknown op, and a wrong number of inputs", () => {
    expect(refusal(edited(ir, tanhNode.id, { op: "cosh" }))).toContain('unknown op "cosh"');
    expect(refusal(edited(ir, tanhNode.id, { inputs: [0, 1] }))).toContain("tanh takes 1 inputs, got 2");
  });
  it("names that are not identifiers, or reserved", () => {
    expect(refusal({ ...ir, params: ir.params.map((p, i) => (i === 0 ? { ...p, name: "n; process.exit()" } : p)) })).toContain("is not a name shapegrad accepts");
    expect(refusal({ ...ir, name: "__proto__" })).toContain("reserved word");
  });
  it("a gradient whose shape is not its parameter's", () => {
    expect(refusal({ ...ir, outputs: { ...ir.outputs, paramGrads: { ...ir.outputs.paramGrads, U: ir.outputs.paramGrads["W"]! } } })).toContain("gradient of U is h×h (4×4) but U is declared d×h (3×4)");
  });
});

describe("tracing refuses", () => {
  const base = {
    name: "m",
    dims: { n: 2, d: 3, h: 4 },
    params: { W: ["d", "h"] },
    inputs: { x: ["n", "d"] },
    targets: { y: ["n", "h"] },
  } as const;

  it("a shape mistake smuggled past the types with a cast, at the line of the op", () => {
    const model = defineModel({
      ...base,
      step: ({ W }, { x, y }) => ({ loss: softmaxCrossEntropy(matmul(x as never, y as never), W as never) }),
    });
    expect(() => traceModel(model)).toThrow(ShapeError);
    expect(() => traceModel(model)).toThrow(/^matmul: a is n×d \(2×3\) but b is n×h \(2×4\); inner dims d and n differ \(at test\/ir\.test\.ts:\d+:\d+\)$/);
  });
  it("a state that comes out of the step with another shape", () => {
    const model = defineModel({
      ...base,
      dims: { ...base.dims, T: 3 },
      state: { s: ["n", "h"] },
      sequence: { steps: "T", stacked: "Tn" },
      step: ({ W }, { x, y }, { s }) => ({ loss: softmaxCrossEntropy(add(matmul(x, W), s), y), state: { s: tanh(x) as never } }),
    });
    expect(() => traceModel(model)).toThrow(ModelError);
    expect(() => traceModel(model)).toThrow(/state s goes into the step as n×h \(2×4\) but comes out as n×d \(2×3\)/);
  });
  it("unknown dims, bad sizes and bad names, before tracing anything", () => {
    const step = ({ W }: { W: never }, { x, y }: { x: never; y: never }) => ({ loss: softmaxCrossEntropy(matmul(x, W), y) });
    const cases: [object, RegExp | null][] = [
      [{ params: { W: ["d", "k"] } }, /param W: "k" is neither a declared dim/],
      [{ dims: { n: 0, d: 3, h: 4 } }, /dim n = 0: a size must be an integer from 1/],
      [{ dims: { n: 2.5, d: 3, h: 4 } }, /dim n = 2.5/],
      [{ dims: { n: 1e12, d: 3, h: 4 } }, /dim n = 1000000000000/],
      [{ params: { constructor: ["d", "h"] } }, /param name: "constructor" is a reserved word/],
      [{ inputs: { W: ["n", "d"] } }, /the name "W" is declared twice/],
      [{ name: "my model" }, /model name: "my model" is not a name shapegrad accepts/],
      [{ params: { W: ["d", "h"], h0: ["n", "h"] }, dims: { n: 2, d: 3, h: 4, T: 2 }, state: { h: ["n", "h"] }, sequence: { steps: "T", stacked: "Tn" } }, /the gradients would have two entries named "h0"/],
      [{ inputs: { x: ["n", "d"], xs: ["n", "d"] }, targets: { y: ["n", "h"] } }, null],
    ];
    for (const [change, message] of cases) {
      const model = defineModel({ ...base, ...change, step } as never);
      if (message) expect(() => traceModel(model), message.source).toThrow(message);
      else expect(() => traceModel(model)).not.toThrow();
    }
    expect(() => traceModel(defineModel({ ...base, step } as never), { q: 3 })).toThrow(/unknown dim "q"; the model's dims are n, d, h/);
    expect(() => traceModel(defineModel({ ...base, step } as never), { n: -1 })).toThrow(/dim n = -1/);
  });
  it("a model whose step throws, with the model's error", () => {
    const model = defineModel({ ...base, step: () => { throw new Error("boom in step"); } });
    expect(() => traceModel(model)).toThrow("boom in step");
  });
  it("reading numbers from a traced value", () => {
    const model = defineModel({ ...base, step: ({ W }, { y }) => ({ loss: softmaxCrossEntropy(y, y), peek: W.data[0] }) });
    expect(() => traceModel(model)).toThrow(/is a traced value: it has no numbers while the model is being declared/);
  });
});
