// Printing expressions: the leaves here, every op by its own printer (OpExplanation.print), and an
// op without one as name(args). Also the factors of a term with their shapes, for the "shapes:" line.
import type { Printed } from "../op.js";
import { findOp } from "../ops/table.js";
import type { Shape } from "../shape-error.js";
import type { Expr } from "./expr.js";
import { atom, fallback, minusSign, pick, sum, type Style } from "./notation.js";

export interface PrintContext {
  readonly style: Style;
  /** Whether values at step t carry their `_t`: a derivation's first lines speak of one step and omit it (keeping t−1, t+1). */
  readonly steps: boolean;
  /** A model without a sequence has no steps to name at all. */
  readonly sequence: boolean;
}

function subscriptOf(n: number, c: PrintContext): string {
  if ((!c.steps && n === 0) || !c.sequence) return "";
  return n === 0 ? "_t" : `_{t${n < 0 ? `${minusSign(c.style)}${-n}` : `+${n}`}}`;
}

/** G of a value: G_A, G_{A_t}; a longer name is braced in LaTeX (G_{W1}). */
export function adjointSymbol(name: string, subscript: string, s: Style): string {
  return subscript || (s === "latex" && name.length > 1) ? `G_{${name}${subscript}}` : `G_${name}`;
}

/** A constant: its number when every entry is the same (0 for zeros), else its node. */
function constant(values: readonly number[] | undefined, node: number, s: Style): Printed {
  const first = values?.[0] ?? 0;
  if (values && values.some((v) => !Object.is(v, first))) return atom(pick(s, `%${node}`, `\\%${node}`));
  return first < 0 ? sum(`${minusSign(s)}${-first}`) : atom(String(first));
}

export function printExpr(e: Expr, c: PrintContext): Printed {
  const s = c.style;
  switch (e.k) {
    case "value": {
      const subscript = e.perStep ? subscriptOf(e.subscript, c) : "";
      return { code: `${e.name}${subscript}`, level: "atom", subscript };
    }
    case "adjoint":
      return atom(adjointSymbol(e.name, subscriptOf(e.shift, c), s));
    case "lossAdjoint": {
      if (e.over.length === 0) return { code: "1", level: "atom", over: "" };
      if (s === "latex") return { code: `\\frac{1}{${e.over.join(" ")}}`, level: "atom", over: e.over.join(" ") };
      const over = e.over.length === 1 ? e.over[0]! : `(${e.over.join("·")})`;
      return { code: `1/${over}`, level: "product", over };
    }
    case "const":
      return constant(e.values, e.node, s);
    case "op": {
      const args = e.args.map((a) => printExpr(a, c));
      const print = findOp(e.op)?.explain?.print;
      return print ? print(args, e.attrs, s) : fallback(e.op, args, e.attrs, s);
    }
  }
}

export function expression(e: Expr, c: PrintContext): string {
  return printExpr(e, c).code;
}

export function dims(shape: Shape, s: Style): string {
  return `${shape.rowDim}${pick(s, "×", "\\times ")}${shape.colDim}`;
}

const isLeaf = (e: Expr) => e.k === "value" || e.k === "adjoint";

/** The values a term is made of, as printed, with their shapes: `X_tᵀ: d×n, G_{A_t}: n×h`. */
export function factors(e: Expr, c: PrintContext): string[] {
  const entry = () => [`${expression(e, c)}: ${dims(e.shape, c.style)}`];
  if (isLeaf(e)) return entry();
  if (e.k !== "op") return [];
  // The inputs the op's printed form shows (Ŷ − Y shows Y but not O), in the order they appear.
  const text: PrintContext = { ...c, style: "text" };
  const code = expression(e, text);
  const shown = e.args
    .map((a) => ({ a, at: code.indexOf(expression(a, text)) }))
    .filter((x) => x.at >= 0)
    .sort((x, y) => x.at - y.at)
    .map((x) => x.a);
  // An op of one value that prints as an atom (Xᵀ) is a factor of its own.
  if (e.args.length === 1 && shown.length === 1 && isLeaf(shown[0]!) && printExpr(e, c).level === "atom") return entry();
  return shown.flatMap((a) => factors(a, c));
}
