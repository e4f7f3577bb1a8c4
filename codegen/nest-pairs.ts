// Which innermost loops of a recorded nest run two iterations at a time (wasm-nests.ts): those
// whose iterations are independent but for sums and maxima, which fold lane 0 then lane 1 in the
// scalar order, so the result is the same bits.
import type { Index, Stmt, Val } from "../src/kernel/record.js";

/** An update `acc = acc + term` or `acc = max(acc, term)` (a sum or a maximum over the loop): how it folds, and its term. */
export function reduction(local: number, v: Val): { fold: string; operand: Val } | undefined {
  const isAcc = (x: Val) => x.k === "local" && x.local === local;
  if (v.k === "binary" && v.op === "+" && isAcc(v.a) && !mentions(v.b, local)) return { fold: "f64.add", operand: v.b };
  if (v.k === "call" && v.fn === "max" && isAcc(v.args[0]!) && !mentions(v.args[1]!, local)) return { fold: "f64.max", operand: v.args[1]! };
  return undefined;
}

function mentions(v: Val, local: number): boolean {
  switch (v.k) {
    case "local":
      return v.local === local;
    case "binary":
      return mentions(v.a, local) || mentions(v.b, local);
    case "negate":
      return mentions(v.a, local);
    case "call":
      return v.args.some((a) => mentions(a, local));
    case "choose":
      return [v.a, v.b, v.then, v.otherwise].some((x) => mentions(x, local));
    default:
      return false;
  }
}

/** Whether a value depends on loop index `ix` (directly, or through a local bound in the loop's body). */
export function dependsOn(v: Val, ix: number, inLoop: ReadonlyMap<number, string>): boolean {
  const at = (i: Index) => typeof i !== "number" && i.ix === ix;
  switch (v.k) {
    case "index":
      return at(v.i);
    case "read":
    case "out":
      return at(v.i) || at(v.j);
    case "local":
      return inLoop.has(v.local);
    case "binary":
      return dependsOn(v.a, ix, inLoop) || dependsOn(v.b, ix, inLoop);
    case "negate":
      return dependsOn(v.a, ix, inLoop);
    case "call":
      return v.args.some((a) => dependsOn(a, ix, inLoop));
    case "choose":
      return [v.a, v.b, v.then, v.otherwise].some((x) => dependsOn(x, ix, inLoop));
    default:
      return false;
  }
}

/**
 * An innermost loop whose iterations are independent but for sums and maxima (folded lane by lane in
 * order): its body only binds values, folds locals declared before it, and writes entries that no
 * other iteration reads.
 */
export function pairable(s: Stmt & { k: "loop" }, outside: ReadonlyMap<number, string>): boolean {
  const bound = new Set<number>();
  // Each folded local once, and read by nothing else in the body (its value mid-loop differs by lane).
  const folded = s.body.flatMap((t) => (t.k === "update" ? [t.local] : []));
  if (new Set(folded).size !== folded.length) return false;
  const values = s.body.flatMap((t) => (t.k === "let" || t.k === "write" ? [t.value] : t.k === "update" ? [reduction(t.local, t.value)?.operand ?? t.value] : []));
  if (values.some((v) => folded.some((local) => mentions(v, local)))) return false;
  for (const t of s.body) {
    if (t.k === "let") {
      if (t.mutable) return false;
      bound.add(t.local);
    } else if (t.k === "update") {
      if (!outside.has(t.local) || bound.has(t.local) || !reduction(t.local, t.value)) return false;
    } else if (t.k === "write") {
      // Reading the output back, or writing where the index is not, could meet another iteration.
      if (readsOut(t.value) || !((typeof t.i !== "number" && t.i.ix === s.ix) || (typeof t.j !== "number" && t.j.ix === s.ix))) return false;
    } else return false;
  }
  return !s.body.some((t) => (t.k === "let" || t.k === "update") && readsOut(t.value));
}

function readsOut(v: Val): boolean {
  switch (v.k) {
    case "out":
      return true;
    case "binary":
      return readsOut(v.a) || readsOut(v.b);
    case "negate":
      return readsOut(v.a);
    case "call":
      return v.args.some(readsOut);
    case "choose":
      return [v.a, v.b, v.then, v.otherwise].some(readsOut);
    default:
      return false;
  }
}

