// The op table: every op by name. The IR refers to ops by these names; adding an op means adding
// its file under ops/ and one line here.
import type { Arity, OpDef } from "../op.js";
import { addOp } from "./add.js";
import { broadcastRowsOp } from "./broadcast-rows.js";
import { divOp } from "./div.js";
import { expOp } from "./exp.js";
import { expandScalarOp } from "./expand-scalar.js";
import { logOp } from "./log.js";
import { logSoftmaxOp } from "./log-softmax.js";
import { logSoftmaxGradOp } from "./log-softmax-grad.js";
import { matmulOp } from "./matmul.js";
import { mulOp } from "./mul.js";
import { mulScalarOp } from "./mul-scalar.js";
import { scaleOp } from "./scale.js";
import { softmaxOp } from "./softmax.js";
import { softmaxCrossEntropyOp } from "./softmax-cross-entropy.js";
import { softmaxCrossEntropyGradOp } from "./softmax-cross-entropy-grad.js";
import { softmaxGradOp } from "./softmax-grad.js";
import { subOp } from "./sub.js";
import { sumAllOp } from "./sum-all.js";
import { sumRowsOp } from "./sum-rows.js";
import { tanhOp } from "./tanh.js";
import { tanhGradOp } from "./tanh-grad.js";
import { transposeOp } from "./transpose.js";
import { sigmoidOp } from "./sigmoid.js";
import { sigmoidGradOp } from "./sigmoid-grad.js";
import { reluOp } from "./relu.js";
import { reluGradOp } from "./relu-grad.js";
import { sqrtOp } from "./sqrt.js";
import { squareOp } from "./square.js";
import { negOp } from "./neg.js";
import { sumColsOp } from "./sum-cols.js";
import { meanColsOp } from "./mean-cols.js";
import { broadcastColsOp } from "./broadcast-cols.js";
import { causalMaskOp } from "./causal-mask.js";

const ops: readonly OpDef<Arity>[] = [
  matmulOp,
  transposeOp,
  addOp,
  subOp,
  mulOp,
  divOp,
  scaleOp,
  mulScalarOp,
  tanhOp,
  expOp,
  logOp,
  softmaxOp,
  logSoftmaxOp,
  sumRowsOp,
  sumAllOp,
  softmaxCrossEntropyOp,
  sigmoidOp,
  reluOp,
  sqrtOp,
  squareOp,
  negOp,
  sumColsOp,
  meanColsOp,
  causalMaskOp,
  // Backward-only: what the gradient rules above are written with.
  tanhGradOp,
  softmaxGradOp,
  logSoftmaxGradOp,
  softmaxCrossEntropyGradOp,
  broadcastRowsOp,
  expandScalarOp,
  sigmoidGradOp,
  reluGradOp,
  broadcastColsOp,
] as readonly OpDef<Arity>[];

/** The built-in ops, by name. */
export const opTable: ReadonlyMap<string, OpDef<Arity>> = new Map(ops.map((op) => [op.name, op]));

/** An op a user defined (see defineOp), and where. */
export interface UserOp {
  readonly op: OpDef<Arity>;
  /** The file and line of its definition. */
  readonly at: string;
  /** The defining module's file, absolute: a process that generates code imports it to know the op. */
  readonly file?: string;
}

// Users' ops live on globalThis under a registered symbol, like the recorder: a model file loaded
// from source and the compiled library that generates it are two instances of this module.
const userSlot = Symbol.for("shapegrad.userOps");
const shared = globalThis as { [userSlot]?: Map<string, UserOp> };

/** The ops users defined in this process, in the order defined. */
export function userOps(): Map<string, UserOp> {
  return (shared[userSlot] ??= new Map());
}

/** The op named `name` (built in or a user's), or undefined. */
export function findOp(name: string): OpDef<Arity> | undefined {
  return opTable.get(name) ?? userOps().get(name)?.op;
}

/** Every op: the built-in ones, then users' in the order defined. */
export function allOps(): readonly OpDef<Arity>[] {
  return [...opTable.values(), ...[...userOps().values()].map((u) => u.op)];
}

/** The op named `name`, or an error that lists the known ones. */
export function opNamed(name: string): OpDef<Arity> {
  const op = findOp(name);
  if (!op) throw new Error(`unknown op "${name}"; known ops: ${allOps().map((o) => o.name).join(", ")} (an op of your own is known once the file that defines it with defineOp is imported)`);
  return op;
}
