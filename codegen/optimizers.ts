// Optimizer updates, generated beside the model's loops: one fused loop per parameter with a
// constant bound, clipping each gradient entry and updating the parameter and the optimizer's
// state in place, so a training step allocates nothing.
import type { ModelIR } from "../src/ir/graph.js";
import { apartCheck } from "./apart.js";
import type { Declaration } from "./module-parts.js";

/** Defaults, documented in the generated code and used by the trainer. */
export const optimizerDefaults = {
  sgd: { lr: 0.1 },
  // min-char-rnn's Adagrad uses ε = 1e-8 on gradients of a loss summed over a sequence; shapegrad's
  // loss is a mean over T·n characters, so its gradients are T·n times smaller and their squares
  // (T·n)² times smaller: 1e-8 would then damp every step (measured: loss 3.0 instead of 2.4 after
  // 3,000 steps on the sample text). 1e-12 stays below the squares, as 1e-8 does for summed losses.
  adagrad: { lr: 0.1, epsilon: 1e-12 },
  adam: { lr: 0.002, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
} as const;

export type OptimizerName = keyof typeof optimizerDefaults;

/** The per-parameter state each optimizer keeps (arrays shaped like the parameters). */
export const optimizerState: Readonly<Record<OptimizerName, readonly string[]>> = { sgd: [], adagrad: ["memory"], adam: ["m", "v"] };

export function optimizerDeclarations(ir: ModelIR): Declaration[] {
  const each = (body: (name: string, size: number) => string[]) =>
    ir.params.flatMap((d) => {
      const size = d.shape.rows * d.shape.cols;
      return [`// ${d.name}: ${d.shape.rowDim}×${d.shape.colDim}`, ...body(d.name, size)];
    });
  // The arrays are hoisted into locals: the loop body then touches only typed arrays and numbers.
  // A zero gradient leaves an entry as it is under sgd and adagrad (p − lr·0/√m is p, bit for bit),
  // so those skip it: one-hot inputs leave most rows of their weights' gradient at zero. Adam's
  // moments decay on every step, so it visits every entry.
  const loopOver = (name: string, size: number, state: readonly string[], lines: string[], skipZero = state[0] !== "m") => [
    "{",
    `const p = params.${name}.data, gp = grads.${name}.data${state.map((s) => `, ${s}p = ${s}.${name}.data`).join("")};`,
    `for (let k = 0; k < ${size}; k++) {`,
    "let g = gp[k]!;",
    ...(skipZero ? ["if (g === 0) continue;"] : []),
    "g = g > clip ? clip : g < -clip ? -clip : g;",
    ...lines,
    "}",
    "}",
  ];
  const { adagrad, adam } = optimizerDefaults;
  // A step checks every argument's shape, then that what it writes (the parameters and its state)
  // shares memory with nothing else it touches.
  const shapes = (fn: string, state: readonly string[]) =>
    ["params", "grads", ...state].flatMap((group) => ir.params.map((d) => `expectShape("${fn}", "${group}.${d.name}", ${group}.${d.name}, ${d.shape.rows}, ${d.shape.cols}, "${d.shape.rowDim}×${d.shape.colDim}");`));
  const apart = (fn: string, state: readonly string[]) =>
    apartCheck(
      fn,
      ["params", ...state].flatMap((group) => ir.params.map((d) => ({ name: `${group}.${d.name}`, from: `${group}.${d.name}.data` }))),
      ir.params.map((d) => ({ name: `grads.${d.name}`, from: `grads.${d.name}.data` })),
    );
  const checks = { sgdStep: apart("sgdStep", []), adagradStep: apart("adagradStep", ["memory"]), adamStep: apart("adamStep", ["m", "v"]) };
  const mutableParams = { name: "params", type: "Params" };
  const gradsArg = { name: "grads", type: "Grads" };
  return [
    ...Object.values(checks).flatMap((c) => c.declarations),
    {
      kind: "function",
      name: "sgdStep",
      doc: "Plain gradient descent: p −= lr · clip(g), each gradient entry clipped to [−clip, clip].",
      parameters: [mutableParams, gradsArg, { name: "lr", type: "number" }, { name: "clip", type: "number" }],
      returnType: "void",
      body: [...shapes("sgdStep", []), ...checks.sgdStep.lines, ...each((name, size) => loopOver(name, size, [], ["p[k]! -= lr * g;"]))],
      exported: true,
    },
    {
      kind: "function",
      name: "adagradStep",
      doc: `Adagrad (as in min-char-rnn): memory += g², p −= lr · g / √(memory + epsilon), with g = clip(gradient); epsilon defaults to ${adagrad.epsilon}.`,
      parameters: [mutableParams, gradsArg, { name: "memory", type: "Params" }, { name: "lr", type: "number" }, { name: "clip", type: "number" }, { name: "epsilon", type: "number", initializer: String(adagrad.epsilon) }],
      returnType: "void",
      body: [
        ...shapes("adagradStep", ["memory"]),
        ...checks.adagradStep.lines,
        ...each((name, size) => loopOver(name, size, ["memory"], ["const mk = memoryp[k]! + g * g;", "memoryp[k] = mk;", "p[k]! -= (lr * g) / Math.sqrt(mk + epsilon);"])),
      ],
      exported: true,
    },
    {
      kind: "function",
      name: "adamStep",
      doc: `Adam, bias-corrected, at step t (from 1): moments m and v with β1 = ${adam.beta1}, β2 = ${adam.beta2}, ε = ${adam.epsilon}; g = clip(gradient).`,
      parameters: [mutableParams, gradsArg, { name: "m", type: "Params" }, { name: "v", type: "Params" }, { name: "t", type: "number" }, { name: "lr", type: "number" }, { name: "clip", type: "number" }],
      returnType: "void",
      body: [
        ...shapes("adamStep", ["m", "v"]),
        ...checks.adamStep.lines,
        `const c1 = 1 - Math.pow(${adam.beta1}, t);`,
        `const c2 = 1 - Math.pow(${adam.beta2}, t);`,
        ...each((name, size) =>
          loopOver(name, size, ["m", "v"], [
            `const mk = ${adam.beta1} * mp[k]! + (1 - ${adam.beta1}) * g;`,
            `const vk = ${adam.beta2} * vp[k]! + (1 - ${adam.beta2}) * g * g;`,
            "mp[k] = mk;",
            "vp[k] = vk;",
            `p[k]! -= (lr * (mk / c1)) / (Math.sqrt(vk / c2) + ${adam.epsilon});`,
          ]),
        ),
      ],
      exported: true,
    },
  ];
}
