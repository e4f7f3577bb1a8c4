// The op table: every op by name. The IR refers to ops by these names; adding an op means adding
// its file under ops/ and one line here.
import type { Arity, OpDef } from "../op.js";
import { addOp } from "./add.js";
import { expOp } from "./exp.js";
import { logOp } from "./log.js";
import { logSoftmaxOp } from "./log-softmax.js";
import { matmulOp } from "./matmul.js";
import { mulOp } from "./mul.js";
import { scaleOp } from "./scale.js";
import { softmaxOp } from "./softmax.js";
import { softmaxCrossEntropyOp } from "./softmax-cross-entropy.js";
import { subOp } from "./sub.js";
import { sumAllOp } from "./sum-all.js";
import { sumRowsOp } from "./sum-rows.js";
import { tanhOp } from "./tanh.js";
import { transposeOp } from "./transpose.js";

export const opTable: Readonly<Record<string, OpDef<Arity>>> = Object.freeze({
  matmul: matmulOp,
  transpose: transposeOp,
  add: addOp,
  sub: subOp,
  mul: mulOp,
  scale: scaleOp,
  tanh: tanhOp,
  exp: expOp,
  log: logOp,
  softmax: softmaxOp,
  logSoftmax: logSoftmaxOp,
  sumRows: sumRowsOp,
  sumAll: sumAllOp,
  softmaxCrossEntropy: softmaxCrossEntropyOp,
} as Record<string, OpDef<Arity>>);
