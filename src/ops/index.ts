// `shapegrad/ops`: the typed helpers that gradient rules are written with. They are ops of their
// own (one loop where a composition would take several), used by the built-in rules and free for
// the rules of ops you define; a model's step cannot use them (tracing refuses them).
export { tanhGrad } from "./tanh-grad.js";
export { softmaxGrad } from "./softmax-grad.js";
export { logSoftmaxGrad } from "./log-softmax-grad.js";
export { softmaxCrossEntropyGrad } from "./softmax-cross-entropy-grad.js";
export { broadcastRows, type BroadcastRowsLike } from "./broadcast-rows.js";
export { expandScalar } from "./expand-scalar.js";
export { sigmoidGrad } from "./sigmoid-grad.js";
export { reluGrad } from "./relu-grad.js";
export { broadcastCols, type BroadcastColsLike } from "./broadcast-cols.js";
// How explain prints an op (OpExplanation.print): binding levels and both notations' symbols.
export { atom, product, sum, wrap, parens, juxtapose, hadamard, transposed, plus, minus, call, operator, pick, type Style, type Level } from "../explain/notation.js";
