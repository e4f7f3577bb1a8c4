// Names from a model (its own, its dims', its parameters', its values' labels) become identifiers
// and object keys in generated code, so they are checked before anything uses them. One rule for
// every name: ASCII letters, digits and _, not starting with a digit, and not a reserved word.
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

const reserved = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if import in " +
    "instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package " +
    "private protected public await arguments eval undefined NaN Infinity constructor prototype __proto__ toString valueOf hasOwnProperty"
  ).split(" "),
);

/** Why `name` cannot be used, or undefined when it can. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return `a name must be a string, got ${typeof name}`;
  if (!identifier.test(name)) return `${JSON.stringify(name)} is not a name shapegrad accepts (ASCII letters, digits and _, not starting with a digit)`;
  if (reserved.has(name)) return `${JSON.stringify(name)} is a reserved word`;
  return undefined;
}
