// Dimensions live in types: a symbolic name ("n") or a number literal (65). A dim whose type has
// widened to plain `number` or `string` would switch shape checking off without a word, so every
// place where a size enters the type system refuses it with a message instead.

/** A matrix dimension as the type system sees it: a name such as `"n"` or a literal such as `65`. */
export type Dim = string | number;

/** A name bound to a size at run time; its type keeps the name, so `Mat<"n", "d">` stays symbolic. */
export interface DimSize<N extends string = string> {
  readonly name: N;
  readonly size: number;
}

/** What a constructor accepts as a size: a number literal or a declared dim. */
export type SizeArg = number | DimSize;

/** The dim a size argument stands for in `Mat<R, C>`. */
export type DimOf<S> = S extends DimSize<infer N> ? N : S;

// The guards below sit in parameter position: TypeScript still infers the type argument through the
// conditional, and when it has widened the parameter becomes a string literal that the editor shows
// as the expected type, which reads as an error message ("a never & {...}" brand would not survive).

/** A size argument, or a readable error when its type has widened to plain `number`. */
export type SizeLiteral<S> = number extends S
  ? "shapegrad: this size is typed as plain 'number', which would switch shape checking off; use a number literal, dim(name, size), or withShape(...) to check a size at run time"
  : S extends DimSize<infer N>
    ? string extends N
      ? "shapegrad: this dim's name is typed as plain 'string', which would switch shape checking off; give dim(...) a literal name"
      : S
    : S;

/** A dim name, or a readable error when its type has widened to plain `string`. */
export type NameLiteral<N> = string extends N
  ? "shapegrad: this dim name is typed as plain 'string', which would switch shape checking off; give dim(...) a literal name"
  : N;

/**
 * True when two dims are the same type (exactly, not merely assignable). Comparing two generic
 * function types rather than A and B themselves lets the compiler decide it even when A and B are
 * type parameters (in a generic helper, or a gradient rule): the same parameter is the same dim,
 * two parameters are not, where `[A] extends [B]` would stay unresolved.
 */
export type SameDim<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Declares a dimension: binds `name` to `size` at run time and keeps the name in the type.
 * `dim("n", 32)` has type `DimSize<"n">`; matrices built from it are `Mat<"n", ...>`.
 */
export function dim<const N extends string>(name: NameLiteral<N>, size: number): DimSize<N> {
  if (typeof name !== "string" || !identifier.test(name)) {
    throw new TypeError(`dim: the name ${JSON.stringify(name)} is not an identifier`);
  }
  checkSize(`dim("${name}")`, size);
  return Object.freeze({ name: name as N, size });
}

/** Throws unless `size` is a positive safe integer. */
export function checkSize(where: string, size: unknown): asserts size is number {
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`${where}: size must be a positive integer, got ${String(size)}`);
  }
}

/** The run-time size and the label (name or literal) of a size argument. */
export function sizeOf(where: string, arg: SizeArg): { size: number; dim: Dim } {
  if (typeof arg === "number") {
    checkSize(where, arg);
    return { size: arg, dim: arg };
  }
  if (arg === null || typeof arg !== "object" || typeof arg.name !== "string") {
    throw new TypeError(`${where}: expected a number or a dim(name, size), got ${String(arg)}`);
  }
  checkSize(`${where} (dim "${arg.name}")`, arg.size);
  return { size: arg.size, dim: arg.name };
}
