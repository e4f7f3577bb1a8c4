// What `shapegrad train` asks of a model (train/character-model.ts): its trainable declaration
// checked, one line naming what is missing, and the sizes it trains at from the vocabulary, the
// options, --dim and the model's defaults.
import { describe, expect, it } from "vitest";
import attention from "../dsl/attention.js";
import charLstm from "../dsl/char-lstm.js";
import charRnn2 from "../dsl/char-rnn2.js";
import rnn from "../dsl/rnn.js";
import { defineModel, type AnyModel } from "../src/index.js";
import { characterDims, characterSizes } from "../train/character-model.js";
import { TrainingInputError } from "../train/corpus.js";

const variant = (overrides: Record<string, unknown>): AnyModel => (defineModel as unknown as (spec: object) => AnyModel)({ ...rnn.spec, name: "variant", oneHot: ["x"], trainable: { vocab: ["d", "v"], hidden: "h" }, ...overrides });

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TrainingInputError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("characterDims", () => {
  it("names the dims of every character model in dsl/", () => {
    expect(characterDims(charLstm)).toEqual({ vocab: ["d", "v"], hidden: "h", length: "T", streams: "n", lr: 0.2 });
    expect(characterDims(charRnn2)).toEqual({ vocab: ["d", "v"], hidden: "h", length: "T", streams: "n" });
    expect(characterDims(attention)).toEqual({ vocab: ["v"], hidden: "d", length: "T" });
  });

  it.each([
    [{ trainable: undefined }, /model variant declares no trainable dims/],
    [{ oneHot: [] }, /model variant has a dense input x; a character model's input is one-hot \(declare oneHot: \["x"\]\)/],
    [{ trainable: { vocab: ["d", "w"], hidden: "h" } }, /trainable\.vocab "w", which is not one of its dims \(n, d, h, v, T\)/],
    [{ trainable: { vocab: ["d"], hidden: "h" } }, /has target y of width "v", which is not a trainable\.vocab dim \(d\)/],
    [{ trainable: { vocab: ["d", "v"], hidden: "v" } }, /has trainable\.hidden "v" among its vocabulary dims/],
    [{ trainable: { vocab: [], hidden: "h" } }, /declares no trainable\.vocab/],
    [{ trainable: { vocab: ["d", "v"], hidden: "h", lr: -1 } }, /has trainable\.lr -1; a learning rate is a positive number/],
    [{ trainable: { vocab: ["d", "v"], hidden: "h", window: "T" } }, /declares both steps \(sequence\) and trainable\.window/],
    [{ sequence: undefined, state: undefined }, /has no steps \(sequence\) and no trainable\.window/],
    [{ inputs: { x: ["n", "d"], z: ["n", "d"] } }, /has 2 inputs and 1 targets; a character model reads one input and predicts one target/],
  ])("refuses %j with one line", (overrides, message) => {
    expect(refusal(() => characterDims(variant(overrides)))).toMatch(message);
  });
});

describe("characterSizes", () => {
  const dims = characterDims(charLstm);
  it("takes the vocabulary from the text, the options and --dim, and the model's defaults for the rest", () => {
    expect(characterSizes(charLstm, dims, 59, {})).toEqual({ n: 1, d: 59, h: 100, v: 59, T: 25 });
    expect(characterSizes(charLstm, dims, 59, { hidden: 32, seq: 10, batch: 4 })).toEqual({ n: 4, d: 59, h: 32, v: 59, T: 10 });
    expect(characterSizes(charLstm, dims, 59, { hidden: 32, dims: { h: 32, T: 7 } })).toEqual({ n: 1, d: 59, h: 32, v: 59, T: 7 });
    expect(characterSizes(attention, characterDims(attention), 40, { hidden: 8, seq: 12, dims: { k: 4 } })).toEqual({ T: 12, v: 40, d: 8, k: 4, m: 64 });
  });
  it("refuses --hidden, --seq or --batch that disagree with --dim, a --dim of the vocabulary, --batch for a window model", () => {
    expect(refusal(() => characterSizes(charLstm, dims, 59, { hidden: 32, dims: { h: 64 } }))).toBe("--hidden 32 and --dim h=64 disagree");
    expect(refusal(() => characterSizes(charLstm, dims, 59, { seq: 8, dims: { T: 9 } }))).toBe("--seq 8 and --dim T=9 disagree");
    expect(refusal(() => characterSizes(charLstm, dims, 59, { batch: 2, dims: { n: 3 } }))).toBe("--batch 2 and --dim n=3 disagree");
    expect(refusal(() => characterSizes(charLstm, dims, 59, { dims: { d: 65 } }))).toBe("--dim d=65: d is the vocabulary's size, which the text sets (59)");
    expect(refusal(() => characterSizes(attention, characterDims(attention), 40, { batch: 3 }))).toBe("--batch 3: model attention reads one window per step, so it takes no --batch (only 1)");
    expect(refusal(() => characterSizes(charLstm, dims, 59, { dims: { q: 2 } }))).toMatch(/unknown dim "q"; the model's dims are n, d, h, v, T$/);
  });
});
