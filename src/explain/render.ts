// Printing an explanation: Unicode text for a terminal, markdown (math in $$ … $$) for a code
// host, and a LaTeX fragment. Expressions print through print.ts (each op by its own printer).
import type { Notation } from "../op.js";
import { findOp } from "../ops/table.js";
import type { AdjointEquation, ExplainedParam, Explanation } from "./build.js";
import type { Style } from "./notation.js";
import { adjointSymbol, dims, expression, factors, type PrintContext } from "./print.js";

export type Format = "text" | "markdown" | "latex";

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** The lines of one parameter's derivation, in one notation. */
function derivation(p: ExplainedParam, x: Explanation, s: Style): string[] {
  const L = s === "latex";
  const c: PrintContext = { style: s, steps: true, sequence: x.sequence };
  const oneStep: PrintContext = { ...c, steps: false };
  const term = expression(p.term, c);
  const sum = p.sumOverSteps ? (L ? "\\sum_t " : "Σ_t ") : "";
  const grad = L ? `\\frac{\\partial L}{\\partial ${p.initialState ? p.name.replace(/0$/, "_0") : p.name}}` : `∂L/∂${p.name}`;
  const lines: string[] = [];
  if (p.initialState) {
    lines.push(`${grad} = ${term.replaceAll("_{t+1}", "_1").replaceAll("_t", "_1")}${L ? "" : "   (the adjoint flowing back from the first step)"}`);
  } else if (p.through) {
    const { name, op, input, attrs } = p.through;
    const dp = { text: `d${p.name}`, latex: `d${p.name}` };
    const args = p.through.args.map((a) => ({ text: expression(a, { ...oneStep, style: "text" }), latex: expression(a, { ...oneStep, style: "latex" }) }));
    // build.ts sets `through` only for an op that states its differential.
    const d = findOp(op)!.explain!.differential!(input, args, dp, attrs);
    const differential = L ? d.latex : d.text;
    const g = adjointSymbol(name, "", s);
    lines.push(`dL = ${g} : d${name}`);
    lines.push(`d${name} = ${differential}${L ? " + \\dots" : " + …   (the part that depends on " + p.name + ")"}`);
    lines.push(`dL = ${g} : ${differential} = ${expression(p.term, oneStep)} : ${dp.text}`);
    lines.push(`${grad} = ${sum}${term}`);
  } else {
    lines.push(`${grad} = ${sum}${term}`);
  }
  const shapes = unique(factors(p.term, c));
  lines.push(`${L ? "&\\text{shapes: }" : "shapes: "}${shapes.join(", ")}${shapes.length ? ", " : ""}${L ? "\\text{result }" : "result "}${dims(p.shape, s)}`);
  return lines;
}

function adjointLine(a: AdjointEquation, x: Explanation, s: Style): string {
  const lhs = adjointSymbol(a.name, x.sequence ? "_t" : "", s);
  return `${lhs} = ${expression(a.rhs, { style: s, steps: true, sequence: x.sequence })}`;
}

function header(x: Explanation): string {
  const sizes = Object.entries(x.sizes).map(([k, v]) => `${k}=${v}`).join(" ");
  const sum = x.sequence ? "Σ_t loss_t" : "loss";
  const over = x.lossScale.over.length === 1 ? x.lossScale.over[0] : `(${x.lossScale.over.join("·")})`;
  const mean = x.lossScale.over.length ? `L = (1/${over}) ${sum}` : `L = ${sum}`;
  return `Gradients of model ${x.model} (${sizes}), derived in differential form with A:B = Tr(AᵀB); ${mean}.`;
}

export function renderExplanation(x: Explanation, format: Format, only?: string): string {
  const params = x.params.filter((p) => only === undefined || p.name === only);
  if (params.length === 0) throw new RangeError(`explain: model ${x.model} has no parameter "${only}"; its parameters are ${x.params.map((p) => p.name).join(", ")}`);
  const notation = (n: Notation) => (format === "text" ? n.text : n.latex);
  if (format === "text") {
    const out = [header(x), ""];
    for (const p of params) out.push(`${p.name}:`, ...derivation(p, x, "text").map((l) => `  ${l}`), "");
    out.push("where", ...x.adjoints.map((a) => `  ${adjointLine(a, x, "text")}`), ...(x.sequence ? ["  (an adjoint past the last step is zero)"] : []), "", "rules used:");
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
  out.push(format === "markdown" ? "### Adjoints" : "\\paragraph{Adjoints}", "", ...math(x.adjoints.map((a) => adjointLine(a, x, "latex"))), "");
  out.push(format === "markdown" ? "### Rules used" : "\\paragraph{Rules used}", "");
  out.push(...x.rules.map((r) => (format === "markdown" ? `- $${notation(r)}$` : `\\begin{itemize}\\item $${notation(r)}$\\end{itemize}`)));
  return `${out.join("\n")}\n`;
}
