// The IR as JSON that keeps every number: NaN and ±Infinity (a scale factor, a constant) become
// tagged strings on the way out and numbers again on the way in.
import type { ModelIR } from "../src/ir/graph.js";

export function irToJson(ir: ModelIR): string {
  return JSON.stringify(ir, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? { $number: String(value) } : value));
}

export function irFromJson(text: string): ModelIR {
  return JSON.parse(text, (_key, value: unknown) => {
    const tagged = value as { $number?: string } | null;
    return tagged !== null && typeof tagged === "object" && typeof tagged.$number === "string" && Object.keys(tagged).length === 1 ? Number(tagged.$number) : value;
  }) as ModelIR;
}
