// What ops' printers share (see OpExplanation.print): binding levels and the parentheses they
// call for, and the symbols of both notations (⊙, ᵀ, the ones vector, quotients). Op files import
// these, so an op's file says how it prints and every op prints alike.
import type { Attrs, Notation, Printed } from "../op.js";

export type Style = keyof Notation;
export type Level = Printed["level"];

// A ⊙ B binds looser than a matrix product, so (A ⊙ B) C keeps its parentheses and A ⊙ B C
// reads as A ⊙ (B C), as in the usual convention.
const rank: Record<Level, number> = { sum: 1, hadamard: 2, product: 3, atom: 4 };

/** The text or the LaTeX form, by style. */
export function pick(s: Style, text: string, latex: string): string {
  return s === "text" ? text : latex;
}

export const atom = (code: string): Printed => ({ code, level: "atom" });
export const product = (code: string): Printed => ({ code, level: "product" });
export const sum = (code: string): Printed => ({ code, level: "sum" });

/** x's code, in parentheses unless it binds at least as tightly as `need`. */
export function wrap(x: Printed, need: Level, s: Style): string {
  if (rank[x.level] >= rank[need]) return x.code;
  return s === "text" ? `(${x.code})` : `\\left(${x.code}\\right)`;
}

/** `code` in parentheses, as an atom: (1 − H ⊙ H). */
export function parens(code: string, s: Style): Printed {
  return atom(wrap(sum(code), "atom", s));
}

export const minusSign = (s: Style): string => pick(s, "−", "-");
export const odot = (s: Style): string => pick(s, "⊙", "\\odot");
/** The column of ones (1b is b broadcast onto every row), and its transpose (1ᵀA sums A's rows). */
export const ones = (s: Style): string => pick(s, "1", "\\mathbf{1}");
export const onesT = (s: Style): string => pick(s, "1ᵀ", "\\mathbf{1}^\\top");

/** A B: a matrix product. */
export function juxtapose(a: Printed, b: Printed, s: Style): Printed {
  return product(`${wrap(a, "product", s)}${pick(s, " ", "\\,")}${wrap(b, "atom", s)}`);
}

/** A ⊙ B, or A with another infix product operator (⊘). */
export function hadamard(a: Printed, b: Printed, s: Style, op = odot(s)): Printed {
  return { code: `${wrap(a, "hadamard", s)} ${op} ${wrap(b, "atom", s)}`, level: "hadamard" };
}

export function transposed(a: Printed, s: Style): Printed {
  return atom(`${wrap(a, "atom", s)}${pick(s, "ᵀ", "^\\top")}`);
}

export function plus(a: Printed, b: Printed): Printed {
  return sum(`${a.code} + ${b.code}`);
}

export function minus(a: Printed, b: Printed, s: Style): Printed {
  return sum(`${a.code} ${minusSign(s)} ${wrap(b, "hadamard", s)}`);
}

/** f(A, …), with f as written in each notation (`tanh`, `\tanh`). */
export function call(f: Notation, args: readonly Printed[], s: Style): Printed {
  return atom(`${s === "text" ? f.text : f.latex}(${args.map((a) => a.code).join(", ")})`);
}

/** A function named in words: `rowsum`, `\operatorname{rowsum}`. */
export function operator(name: string): Notation {
  return { text: name, latex: `\\operatorname{${name}}` };
}

/** How an op without a printer is written: name(args), its attributes after them. */
export function fallback(name: string, args: readonly Printed[], attrs: Attrs, s: Style): Printed {
  const settings = Object.entries(attrs).map(([k, v]) => atom(`${k}=${v}`));
  return call(operator(name), [...args, ...settings], s);
}

/** x times a scalar: x/over when the scalar is 1/over (the loss's mean), else f·x. */
export function scaledBy(f: Printed, x: Printed, s: Style): Printed {
  if (f.over === "") return x;
  if (f.over !== undefined) return s === "text" ? product(`${wrap(x, "atom", s)}/${f.over}`) : atom(`\\frac{${x.code}}{${f.over}}`);
  return product(`${wrap(f, "atom", s)}${pick(s, "·", "\\,")}${wrap(x, "atom", s)}`);
}

/** A value named after `of` at the same step (Ŷ_t for O_t), or `otherwise` when `of` is no named value. */
export function sameStep(name: Notation, of: Printed, s: Style, otherwise: () => Printed): Printed {
  return of.subscript === undefined ? otherwise() : atom(`${s === "text" ? name.text : name.latex}${of.subscript}`);
}
