// Printing an explanation: Unicode text for a terminal, markdown (math in $$ … $$) for a code
// host, and a LaTeX fragment. One printer of expressions, two notations.
import type { Notation } from "../op.js";
import { opNamed } from "../ops/table.js";
import type { Shape } from "../shape-error.js";
import type { AdjointEquation, ExplainedParam, Explanation } from "./build.js";
import type { Expr } from "./expr.js";

export type Format = "text" | "markdown" | "latex";

type Style = "text" | "latex";

/** Binding strength: a sum inside a product needs parentheses, and so on. */
const enum Level {
  Sum = 1,
  Product = 2,
  Atom = 3,
}

/** Whether values at step t carry their `_t`: the derivation's first lines speak of one step and omit it (keeping t−1, t+1). */
let withSteps = true;
/** A model without a sequence has no steps to name at all. */
let sequenceModel = true;

function subscriptOf(n: number, s: Style): string {
  if ((!withSteps && n === 0) || !sequenceModel) return "";
  const t = n === 0 ? "t" : n < 0 ? `t${s === "text" ? "−" : "-"}${-n}` : `t+${n}`;
  return n === 0 ? "_t" : `_{${t}}`;
}

function wrap(x: { code: string; level: Level }, need: Level, s: Style): string {
  if (x.level >= need) return x.code;
  return s === "text" ? `(${x.code})` : `\\left(${x.code}\\right)`;
}

function render(e: Expr, s: Style): { code: string; level: Level } {
  const L = s === "latex";
  switch (e.k) {
    case "value":
      return { code: `${L && e.name === "Ŷ" ? "\\hat Y" : e.name}${e.perStep ? subscriptOf(e.subscript, s) : ""}`, level: Level.Atom };
    case "adjoint": {
      const sub = subscriptOf(e.shift, s);
      return { code: sub ? `G_{${e.name}${sub}}` : `G_${e.name}`, level: Level.Atom };
    }
    case "transpose": {
      const inner = render(e.a, s);
      return { code: `${wrap(inner, Level.Atom, s)}${L ? "^\\top" : "ᵀ"}`, level: Level.Atom };
    }
    case "matmul":
      return { code: `${wrap(render(e.a, s), Level.Product, s)}${L ? "\\," : " "}${wrap(render(e.b, s), Level.Atom, s)}`, level: Level.Product };
    case "hadamard":
      return { code: `${wrap(render(e.a, s), Level.Product, s)} ${L ? "\\odot" : "⊙"} ${wrap(render(e.b, s), Level.Atom, s)}`, level: Level.Product };
    case "add":
      return { code: `${render(e.a, s).code} + ${render(e.b, s).code}`, level: Level.Sum };
    case "sub":
      return { code: `${render(e.a, s).code} ${L ? "-" : "−"} ${wrap(render(e.b, s), Level.Product, s)}`, level: Level.Sum };
    case "oneMinusSquare": {
      const a = wrap(render(e.a, s), Level.Atom, s);
      return { code: L ? `\\left(1 - ${a} \\odot ${a}\\right)` : `(1 − ${a} ⊙ ${a})`, level: Level.Atom };
    }
    case "sumRows":
      return { code: `${L ? "\\mathbf{1}^\\top" : "1ᵀ"} ${wrap(render(e.a, s), Level.Atom, s)}`, level: Level.Product };
    case "softmaxMinus": {
      const o = e.o.k === "value" ? subscriptOf(e.o.subscript, s) : "";
      const y = render(e.y, s).code;
      return { code: L ? `\\left(\\hat Y${o} - ${y}\\right)` : `(Ŷ${o} − ${y})`, level: Level.Atom };
    }
    case "mean": {
      const over = e.over.join(L ? " " : "·");
      if (e.over.length === 0) return render(e.a, s);
      const below = e.over.length === 1 ? over : `(${over})`;
      return L ? { code: `\\frac{${render(e.a, s).code}}{${over}}`, level: Level.Atom } : { code: `${wrap(render(e.a, s), Level.Atom, s)}/${below}`, level: Level.Product };
    }
    case "scale":
      return { code: `${e.s}${L ? "\\," : "·"}${wrap(render(e.a, s), Level.Atom, s)}`, level: Level.Product };
    case "op":
      return { code: `${L ? `\\operatorname{${e.op}}` : e.op}(${e.args.map((a) => render(a, s).code).join(", ")})`, level: Level.Atom };
  }
}

export function expression(e: Expr, s: Style, steps = true): string {
  const saved = withSteps;
  withSteps = steps;
  try {
    return render(e, s).code;
  } finally {
    withSteps = saved;
  }
}

function dims(shape: Shape, s: Style): string {
  return `${shape.rowDim}${s === "latex" ? "\\times " : "×"}${shape.colDim}`;
}

/** The leaves of a product and their shapes, to write beside a term: `X_tᵀ: d×n, G_{A_t}: n×h`. */
function factors(e: Expr, s: Style): string[] {
  switch (e.k) {
    case "value":
    case "adjoint":
      return [`${expression(e, s)}: ${dims(e.shape, s)}`];
    case "transpose":
      return e.a.k === "value" || e.a.k === "adjoint" ? [`${expression(e, s)}: ${dims(e.shape, s)}`] : factors(e.a, s);
    case "matmul":
    case "hadamard":
    case "add":
    case "sub":
      return [...factors(e.a, s), ...factors(e.b, s)];
    case "sumRows":
    case "oneMinusSquare":
    case "mean":
    case "scale":
      return factors(e.a, s);
    default:
      return [];
  }
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** The lines of one parameter's derivation, in one notation. */
function derivation(p: ExplainedParam, x: Explanation, s: Style): string[] {
  const L = s === "latex";
  const colon = L ? " : " : " : ";
  const term = expression(p.term, s);
  const sum = p.sumOverSteps ? (L ? "\\sum_t " : "Σ_t ") : "";
  const grad = L ? `\\frac{\\partial L}{\\partial ${p.initialState ? p.name.replace(/0$/, "_0") : p.name}}` : `∂L/∂${p.name}`;
  const lines: string[] = [];
  if (p.initialState) {
    const first = L ? term.replace(/_\{?t\}?/g, (m) => m) : term;
    lines.push(`${grad} = ${first.replaceAll("_{t+1}", "_1").replaceAll("_t", "_1")}${L ? "" : "   (the adjoint flowing back from the first step)"}`);
  } else if (p.through) {
    const g = `G_${p.through.name}`;
    const dp = { text: `d${p.name}`, latex: `d${p.name}` };
    const args = p.through.args.map((a) => ({ text: expression(a, "text", false), latex: expression(a, "latex", false) }));
    const d = opNamed(p.through.op).explain!.differential(p.through.input, args, dp);
    const differential = L ? d.latex : d.text;
    lines.push(`dL = ${g}${colon}d${p.through.name}`);
    lines.push(`d${p.through.name} = ${differential}${L ? " + \\dots" : " + …   (the part that depends on " + p.name + ")"}`);
    lines.push(`dL = ${g}${colon}${differential} = ${expression(p.term, s, false)}${colon}${dp.text}`);
    lines.push(`${grad} = ${sum}${term}`);
  } else {
    lines.push(`${grad} = ${sum}${term}`);
  }
  const shapes = unique(factors(p.term, s));
  lines.push(`${L ? "&\\text{shapes: }" : "shapes: "}${shapes.join(", ")}${shapes.length ? ", " : ""}${L ? "\\text{result }" : "result "}${dims(p.shape, s)}`);
  return lines;
}

function adjointLine(a: AdjointEquation, s: Style): string {
  const lhs = sequenceModel ? `G_{${a.name}_t}` : `G_${a.name}`;
  return `${lhs} = ${expression(a.rhs, s)}`;
}

function header(x: Explanation): string {
  const sizes = Object.entries(x.sizes).map(([k, v]) => `${k}=${v}`).join(" ");
  const sum = x.sequence ? "Σ_t loss_t" : "loss";
  const over = x.lossScale.over.length === 1 ? x.lossScale.over[0] : `(${x.lossScale.over.join("·")})`;
  const mean = x.lossScale.over.length ? `L = (1/${over}) ${sum}` : `L = ${sum}`;
  return `Gradients of model ${x.model} (${sizes}), derived in differential form with A:B = Tr(AᵀB); ${mean}.`;
}

export function renderExplanation(x: Explanation, format: Format, only?: string): string {
  const saved = sequenceModel;
  sequenceModel = x.sequence;
  try {
    return renderAll(x, format, only);
  } finally {
    sequenceModel = saved;
  }
}

function renderAll(x: Explanation, format: Format, only?: string): string {
  const params = x.params.filter((p) => only === undefined || p.name === only);
  if (params.length === 0) throw new RangeError(`explain: model ${x.model} has no parameter "${only}"; its parameters are ${x.params.map((p) => p.name).join(", ")}`);
  const notation = (n: Notation) => (format === "text" ? n.text : n.latex);
  if (format === "text") {
    const out = [header(x), ""];
    for (const p of params) out.push(`${p.name}:`, ...derivation(p, x, "text").map((l) => `  ${l}`), "");
    out.push("where", ...x.adjoints.map((a) => `  ${adjointLine(a, "text")}`), ...(x.sequence ? ["  (an adjoint past the last step is zero)"] : []), "", "rules used:");
    out.push(...x.rules.map((r) => `  - ${notation(r)}`));
    return `${out.join("\n")}\n`;
  }
  const math = (lines: readonly string[]) => (format === "markdown" ? ["$$", `\\begin{aligned}`, ...lines.map((l, i) => `${l.replace(" = ", " &= ")}${i < lines.length - 1 ? " \\\\" : ""}`), `\\end{aligned}`, "$$"] : ["\\begin{align*}", ...lines.map((l, i) => `${l.replace(" = ", " &= ")}${i < lines.length - 1 ? " \\\\" : ""}`), "\\end{align*}"]);
  const out: string[] = [];
  if (format === "markdown") out.push(`## ${header(x)}`, "");
  else out.push(`% ${header(x)}`, `% A fragment: needs \\usepackage{amsmath,amssymb} in the preamble.`);
  for (const p of params) {
    out.push(format === "markdown" ? `### ${p.name}` : `\\paragraph{$${p.name}$}`, "", ...math(derivation(p, x, "latex").map((l) => l.replace(/\s+\(the .*\)$/, ""))), "");
  }
  out.push(format === "markdown" ? "### Adjoints" : "\\paragraph{Adjoints}", "", ...math(x.adjoints.map((a) => adjointLine(a, "latex"))), "");
  out.push(format === "markdown" ? "### Rules used" : "\\paragraph{Rules used}", "");
  out.push(...x.rules.map((r) => (format === "markdown" ? `- $${notation(r)}$` : `\\begin{itemize}\\item $${notation(r)}$\\end{itemize}`)));
  return `${out.join("\n")}\n`;
}
