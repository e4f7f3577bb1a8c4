// Every identifier a generated module uses, formed here so that names are safe by construction.
// Each kind of identifier has a shape of its own:
//   - the caller's arrays and the module's own per-name arrays: a lowercase prefix and `_`
//     (`param_U`, `batch_xs`, `grad_h0`, `state_h`, `off_G_A`, `copy_U_a`, `scratch_1`), and the
//     kernels' functions (`forward_A`, `backward_G_A`);
//   - a node's buffer: its name, which starts with a capital (`A`, `O`, `G_A`, `Matmul_X_U`,
//     `Loss`) or is a gradient, `d` and the parameter's name (`dU`, `db1`);
//   - a loop nest's locals: a lowercase hint and a number (`sum1`, `x12`), or a one-letter loop
//     index (`i`, `j`, `p`; never `t`, the step), and never a node's name (a gradient `db1` has
//     the shape of a local: Locals skips it);
//   - the rest: the time step `t`, `loss`, `scratch`, `kernels`, the module's functions and types,
//     and the globals its code reads, none of which a node's name may take (`reserved`).
// Node names come from the model: a `named(...)` label, a declared name, the adjoint of a named
// value (`G_A`), a parameter's gradient (`dU`), else the op and its named inputs (`Matmul_X_U`).
// How a declared name reads is explain's rule: one-letter data and states as matrices (x → X).
import { displayName } from "../src/explain/from-ir.js";
import type { ModelIR, Node } from "../src/ir/graph.js";
import { numberLiteral } from "../src/op.js";
import { isViewNode } from "./lowering.js";

/** Identifiers for the model's own names carry a category prefix, so they never meet the generator's. */
export const ids = {
  param: (name: string) => `param_${name}`,
  batch: (key: string) => `batch_${key}`,
  grad: (key: string) => `grad_${key}`,
  /** With SIMD kernels, where a gradient is computed in the kernels' memory before it is copied into the caller's array. */
  gradient: (key: string) => `gradient_${key}`,
  state: (name: string) => `state_${name}`,
  adjointIn: (name: string) => `adjointIn_${name}`,
  adjointOut: (name: string) => `adjointOut_${name}`,
  /** The two arrays that a state's adjoint alternates between (adjointIn and adjointOut swap each step). */
  adjointA: (name: string) => `adjointA_${name}`,
  adjointB: (name: string) => `adjointB_${name}`,
  swap: (name: string) => `swap_${name}`,
  final: (name: string) => `final_${name}`,
  /** Where step t's slot of a per-step array starts. */
  offset: (array: string) => `off_${array}`,
  /** Scratch arrays are shared by every loop nest (they run one at a time); a nest that needs several takes slots 0, 1, 2. */
  scratch: (slot: number) => (slot === 0 ? "scratch" : `scratch_${slot}`),
  copy: (source: string, layout: string) => `copy_${source}${layout.replace(/[^A-Za-z0-9_]/g, "")}`,
  /** The function that runs one kernel of a pass (see kernel-functions.ts): `forward_A`, `backward_dU`. */
  kernel: (phase: "forward" | "backward", name: string) => `${phase}_${name}`,
};

/**
 * The module's identifiers that are not a model's: its types and functions, the step `t`, the sum
 * `loss`, and the globals its code reads. A node's name that would be one of these takes a suffix.
 */
const reserved = new Set([
  ...["Mat", "Params", "Batch", "Grads", "Result", "Kernels", "sizes", "expectShape", "expectIndices", "forwardSteps", "backwardSteps", "forward", "lossAndGrad"],
  ...["sgdStep", "adagradStep", "adamStep", "loadKernels", "kernels", "scratch", "t", "loss", "params", "batch", "grads"],
  ...["expectApart", "lossAndGradNames", "lossAndGradArrays", "sgdStepNames", "sgdStepArrays", "adagradStepNames", "adagradStepArrays", "adamStepNames", "adamStepArrays"],
  ...["Math", "Float64Array", "Uint8Array", "ArrayBuffer", "Infinity", "NaN", "TypeError", "RangeError", "Promise", "WebAssembly", "globalThis", "undefined"],
  ...["Array", "Object", "Number", "Error", "Symbol", "JSON", "Buffer"],
]);

/** Hands out distinct names: a base as it is, or with `_2`, `_3`… when taken. */
export class Unique {
  private readonly taken: Set<string>;

  constructor(reservedNames: Iterable<string> = []) {
    this.taken = new Set(reservedNames);
  }

  claim(name: string): string {
    this.taken.add(name);
    return name;
  }

  name(base: string): string {
    let name = base;
    for (let k = 2; this.taken.has(name); k++) name = `${base}_${k}`;
    return this.claim(name);
  }
}

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** A parameter's gradient: `dU`, `db1`. */
const gradientName = (param: string) => `d${param}`;

/**
 * A name for every node, by id. Op nodes' names (and constants') are distinct identifiers of the
 * buffer shape, and are their buffers' names; leaves read as declared (`U`, `X`, `Hprev` for the
 * state coming into a step, `G_Hnext` for its adjoint coming back from the next step); literal
 * leaves are their values. Names depend on the model's names and the order of its nodes only.
 */
export interface NodeNames {
  /** By node id. */
  readonly names: readonly string[];
  /** The hint for a local that holds a node's value inside a loop (a fused map): a named value's name, else its op's. */
  readonly hints: readonly string[];
}

export function nodeNames(ir: ModelIR): NodeNames {
  const nodes = ir.nodes;
  const unique = new Unique(reserved);
  const names: string[] = [];
  // Names that may stand inside another's name: declared, labelled, or adjoints of those.
  const simple = new Set<number>();
  const stateOut = new Map(Object.entries(ir.outputs.state).map(([name, id]) => [id, name]));
  const stateName = (name: string) => displayName(name, "state");

  const leafName = (n: Node & { leaf: NonNullable<Node["leaf"]> }): string => {
    const { kind, name } = n.leaf;
    switch (kind) {
      case "param":
      case "input":
      case "target":
        simple.add(n.id);
        return unique.claim(displayName(name, kind));
      case "state":
        simple.add(n.id);
        return unique.claim(`${stateName(name)}${stateName(name).length === 1 ? "prev" : "Prev"}`);
      case "stateAdjoint":
        return unique.claim(`G_${stateName(name)}next`);
      case "lossAdjoint":
        return numberLiteral(ir.lossScale.factor);
      case "zeros":
        return "0";
      case "const":
        return unique.name("Const");
    }
  };

  /** The op and its named inputs: `Matmul_X_U`, `Matmul_G_O_Vt` (a transpose as `t`). */
  const composite = (n: Node): string => {
    const parts = n.inputs.flatMap((i) => {
      const input = nodes[i]!;
      if (simple.has(i)) return [names[i]!];
      if (isViewNode(input) && simple.has(input.inputs[0]!)) return [`${names[input.inputs[0]!]!}t`];
      return [];
    });
    return [capitalized(n.op.replace(/[^A-Za-z0-9]/g, "")) || "Value", ...parts].join("_");
  };

  for (const n of nodes) {
    if (n.leaf) {
      names[n.id] = leafName(n as Node & { leaf: NonNullable<Node["leaf"]> });
      continue;
    }
    if (isViewNode(n)) {
      // Readers index through a transpose; it is named for comments only.
      names[n.id] = `${names[n.inputs[0]!]!}ᵀ`;
      continue;
    }
    const of = n.adjointOf === undefined ? undefined : nodes[n.adjointOf]!;
    const state = n.phase === "forward" ? stateOut.get(n.id) : undefined;
    let base: string | undefined;
    if (n.label !== undefined) base = capitalized(n.label);
    else if (n.id === ir.outputs.loss) base = "Loss";
    else if (state !== undefined) base = capitalized(stateName(state));
    else if (of?.leaf?.kind === "param") base = gradientName(of.leaf.name);
    else if (of !== undefined && simple.has(of.id)) base = `G_${names[of.id]!}`;
    if (base !== undefined) simple.add(n.id);
    names[n.id] = unique.name(base ?? composite(n));
  }
  return { names, hints: nodes.map((n) => (simple.has(n.id) ? names[n.id]! : n.op)) };
}

/**
 * A loop nest's locals, numbered within the nest, so that a change elsewhere renumbers nothing
 * here. A local is a lowercase hint and a number (`sum1`, `x2`); a loop index is its one-letter
 * hint the first time (`i`, `j`, `p`), then numbered too. Hints keep their letters only,
 * lowercased; a name in `taken` (the nodes' names) is skipped. Names are given in the order the
 * locals first appear in the nest's code, so one asked for and not used takes no number: until
 * then a local is a placeholder (`ℓ3ℓ`), which no other identifier can contain.
 */
export class Locals {
  private readonly requests: { readonly hint: string; readonly bare: boolean }[] = [];
  private readonly named = new Map<number, string>();
  private readonly counts = new Map<string, number>();

  constructor(private readonly taken: ReadonlySet<string> = new Set()) {}

  local(hint: string): string {
    return this.placeholder(hint, false);
  }

  /** A loop index over `count` values: a name, or the literal "0" when count is 1. */
  index(hint: string, count: number): string {
    return count === 1 ? "0" : this.placeholder(hint, true);
  }

  /** The lines with every local named, numbered in order of first appearance (over every call on this nest). */
  name(lines: readonly string[]): string[] {
    return lines.map((line) => line.replace(/ℓ(\d+)ℓ/g, (_, k: string) => this.nameOf(Number(k))));
  }

  private placeholder(hint: string, bare: boolean): string {
    this.requests.push({ hint: hint.toLowerCase().replace(/[^a-z]/g, "") || "v", bare });
    return `ℓ${this.requests.length - 1}ℓ`;
  }

  private nameOf(k: number): string {
    const known = this.named.get(k);
    if (known) return known;
    const { hint, bare } = this.requests[k]!;
    for (;;) {
      const n = (this.counts.get(hint) ?? 0) + 1;
      this.counts.set(hint, n);
      const name = bare && n === 1 && hint.length === 1 && hint !== "t" ? hint : `${hint}${n}`;
      if (this.taken.has(name)) continue;
      this.named.set(k, name);
      return name;
    }
  }
}

/** A placeholder of Locals, which stands for a local's name until the nest is named. */
export const localPlaceholder = /^ℓ\d+ℓ$/;

/**
 * The identifiers that generated lines read, comments left out: every name not after a `.`
 * (`kernels.product_1x4x8` reads `kernels`). One scan, then set lookups.
 */
export function identifiersIn(lines: readonly string[]): Set<string> {
  const code = lines.map((line) => line.replace(/\/\/.*$/, "")).join("\n");
  return new Set(code.match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? []);
}
