// Type cases for declaring a model: the editor checks the step while it is written, and the state
// must come out of the step typed as it went in (see constructors.ts for the `//~` convention).
import { add, defineModel, matmul, softmaxCrossEntropy, sumAll, tanh, transpose, valueAndGrad, type Mat } from "../../../src/index.js";
import rnn from "../../../dsl/rnn.js";

const shapes = {
  name: "m",
  dims: { n: 2, d: 3, h: 4, v: 5, T: 6 },
  params: { U: ["d", "h"], W: ["h", "h"], V: ["h", "v"] },
  inputs: { x: ["n", "d"] },
  targets: { y: ["n", "v"] },
  state: { s: ["n", "h"] },
  sequence: { steps: "T", stacked: "Tn" },
} as const;

export const good = defineModel({
  ...shapes,
  step({ U, W, V }, { x, y }, { s }) {
    const next = tanh(add(matmul(x, U), matmul(s, W)));
    return { loss: softmaxCrossEntropy(matmul(next, V), y), state: { s: next } };
  },
});

// A block-bodied step is reported at its name, with the offending member at the end of the chain.
export const wrongState = defineModel({
  ...shapes,
  //~ The types of 'state.s' are incompatible between these types.
  step({ U, V }, { x, y }) {
    const o = matmul(tanh(matmul(x, U)), V);
    return { loss: softmaxCrossEntropy(o, y), state: { s: o } };
  },
});

export const lossNotScalar = defineModel({
  ...shapes,
  //~ Type 'Mat<"n", "h">' is not assignable to type 'Mat<1, 1>'
  step({ U }, { x }, { s }) {
    return { loss: matmul(x, U), state: { s } };
  },
});

// An expression-bodied step is reported at the offending member itself.
export const wrongStateArrow = defineModel({
  ...shapes,
  step: ({ U, V }, { x, y }) => ({
    loss: softmaxCrossEntropy(matmul(tanh(matmul(x, U)), V), y),
    //~ Type 'Mat<"n", "d">' is not assignable to type 'Mat<"n", "h">'
    state: { s: x },
  }),
});

export const wrongOp = defineModel({
  ...shapes,
  step({ U, W }, { x, y }, { s }) {
    //~ matmul: a is n×d but b is h×h; inner dims d and h differ
    const a = matmul(x, W);
    return { loss: sumAll(softmaxCrossEntropy(a, y as never)), state: { s: tanh(matmul(s, transpose(U)) as never) } };
  },
});

export const typoDim = defineModel({
  ...shapes,
  //~ Type '"k"' is not assignable to type 'DimRef<{ readonly n: 2; readonly d: 3; readonly h: 4; readonly v: 5; readonly T: 6; }>'
  params: { U: ["d", "k"] },
  step: () => ({ loss: undefined as unknown as Mat<1, 1>, state: undefined as never }),
});

// What valueAndGrad gives is typed by the model's declaration.
const run = valueAndGrad(rnn);
declare const params: Parameters<typeof run>[0];
declare const batch: Parameters<typeof run>[1];
export const result = run(params, batch);
export const dU: Mat<"d", "h"> = result.grads.U;
export const dh0: Mat<"n", "h"> = result.grads.h0;
export const hT: Mat<"n", "h"> = result.hT;
//~ Type 'Mat<"d", "h">' is not assignable to type 'Mat<"h", "d">'
export const wrongGrad: Mat<"h", "d"> = result.grads.U;
//~ Property 'W2' does not exist
export const noSuchGrad = result.grads.W2;
