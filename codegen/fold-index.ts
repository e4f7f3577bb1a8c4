// Constant folding of array indices in generated lines: `state_h[100 + 2400 + p]` becomes
// `state_h[2500 + p]`, `scratch[64 * 100 + j]` becomes `scratch[6400 + j]`. Only plain integer
// arithmetic is touched (names, whole numbers, +, * and parentheses; an element read such as
// `batch_xs[i]!` is one operand): an index of any other form stays as written. Index values are
// small integers, so the folded sum is exactly the one written.

type Printed = { readonly kind: "number"; readonly value: number } | { readonly kind: "code"; readonly code: string; readonly sum: boolean };

class Parser {
  private at = 0;
  /** Set when something was folded, so that an index with nothing to fold keeps its text. */
  folded = false;

  constructor(private readonly text: string) {}

  parse(): Printed | undefined {
    const value = this.sum();
    this.space();
    return value && this.at === this.text.length ? value : undefined;
  }

  private space(): void {
    while (this.text[this.at] === " ") this.at++;
  }

  private eat(c: string): boolean {
    this.space();
    if (this.text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  private sum(): Printed | undefined {
    const terms: Printed[] = [];
    do {
      const term = this.product();
      if (!term) return undefined;
      terms.push(term);
    } while (this.eat("+"));
    return this.combine(terms, "+");
  }

  private product(): Printed | undefined {
    const factors: Printed[] = [];
    do {
      const factor = this.factor();
      if (!factor) return undefined;
      factors.push(factor);
    } while (this.eat("*"));
    return this.combine(factors, "*");
  }

  /**
   * Each run of adjacent constants combined into one (`100 + 2400 + p + 1` → `2500 + p + 1`, so a
   * tile's offsets keep their shape); 0 in a sum and 1 in a product dropped, a product with 0 is 0.
   */
  private combine(parts: readonly Printed[], op: "+" | "*"): Printed {
    if (parts.length === 1) return parts[0]!;
    const unit = op === "+" ? 0 : 1;
    if (op === "*" && parts.some((p) => p.kind === "number" && p.value === 0)) return this.note({ kind: "number", value: 0 });
    const kept: Printed[] = [];
    for (const p of parts) {
      const last = kept[kept.length - 1];
      if (p.kind === "number" && last?.kind === "number") {
        kept[kept.length - 1] = this.note({ kind: "number", value: op === "+" ? last.value + p.value : last.value * p.value });
      } else kept.push(p);
    }
    const code = kept.filter((p) => !(p.kind === "number" && p.value === unit));
    if (code.length < kept.length) this.folded = true;
    if (code.length === 0) return { kind: "number", value: unit };
    if (code.length === 1 && code[0]!.kind === "number") return code[0]!;
    const text = code.map((p) => (p.kind === "number" ? String(p.value) : op === "*" && p.sum ? `(${p.code})` : p.code)).join(` ${op} `);
    return { kind: "code", code: text, sum: op === "+" && code.length > 1 };
  }

  private note(p: Printed): Printed {
    this.folded = true;
    return p;
  }

  private factor(): Printed | undefined {
    this.space();
    const rest = this.text.slice(this.at);
    const number = /^\d+/.exec(rest);
    if (number) {
      this.at += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    if (this.eat("(")) {
      const inner = this.sum();
      if (!inner || !this.eat(")")) return undefined;
      if (inner.kind === "number" || !inner.sum) this.folded = true;
      return inner;
    }
    const name = /^[A-Za-z_$][\w$]*/.exec(rest);
    if (!name) return undefined;
    this.at += name[0].length;
    let code = name[0];
    if (this.text[this.at] === "[") {
      const end = closing(this.text, this.at);
      if (end < 0) return undefined;
      code += this.text.slice(this.at, end + 1);
      this.at = end + 1;
      if (this.text[this.at] === "!") {
        code += "!";
        this.at++;
      }
    }
    return { kind: "code", code, sum: false };
  }
}

/** The index of the bracket that closes the one at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === "[") depth++;
    else if (text[k] === "]" && --depth === 0) return k;
  }
  return -1;
}

/** An index expression with its constants folded, or as it is when there is nothing to fold or it is not plain arithmetic. */
export function foldIndex(index: string): string {
  const parser = new Parser(index);
  const result = parser.parse();
  if (!result || !parser.folded) return index;
  return result.kind === "number" ? String(result.value) : result.code;
}

/** A line of code with every `name[index]` folded, inner indices first. Comment lines stay as they are. */
export function foldIndices(line: string): string {
  if (line.trimStart().startsWith("//")) return line;
  let out = "";
  let k = 0;
  while (k < line.length) {
    const match = /[A-Za-z_$][\w$]*\[/.exec(line.slice(k));
    if (!match) break;
    const open = k + match.index + match[0].length - 1;
    const end = closing(line, open);
    if (end < 0) break;
    out += line.slice(k, open + 1) + foldIndex(foldIndices(line.slice(open + 1, end))) + "]";
    k = end + 1;
  }
  return out + line.slice(k);
}
