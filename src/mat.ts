// The matrix type. Its dims are members (rowDim, colDim), so Mat<2, 3> is never assignable to
// Mat<5, 4> and Mat<"n", "d"> never to Mat<"d", "n">; at run time the same members hold the labels
// that error messages print, beside the sizes that the kernels use.
import { checkSize, sizeOf, type Dim, type DimOf, type SizeArg, type SizeLiteral } from "./dims.js";
import { ShapeError, shapeText, type Shape } from "./shape-error.js";

/** A row-major matrix of float64 whose dimensions `R` × `C` are part of its type. */
export interface Mat<R extends Dim, C extends Dim> extends Shape {
  /** The row dim's label: its name (`"n"`) or its literal size. */
  readonly rowDim: R;
  /** The column dim's label: its name (`"d"`) or its literal size. */
  readonly colDim: C;
  readonly rows: number;
  readonly cols: number;
  /** `rows * cols` entries, row-major: entry (i, j) is `data[i * cols + j]`. */
  readonly data: Float64Array;
}

/** Any matrix, whatever its dims: for code that handles matrices generically. */
export type AnyMat = Mat<Dim, Dim>;

/** Builds a Mat from already-checked parts. Internal: the public constructors validate first. */
export function makeMat<R extends Dim, C extends Dim>(rowDim: R, colDim: C, rows: number, cols: number, data: Float64Array): Mat<R, C> {
  return { rowDim, colDim, rows, cols, data };
}

/** A `rows × cols` matrix of zeros. `zeros(2, 3)` is `Mat<2, 3>`; `zeros(n, d)` is `Mat<"n", "d">`. */
export function zeros<const R extends SizeArg, const C extends SizeArg>(rows: SizeLiteral<R>, cols: SizeLiteral<C>): Mat<DimOf<R>, DimOf<C>> {
  const r = sizeOf("zeros (rows)", rows as SizeArg);
  const c = sizeOf("zeros (cols)", cols as SizeArg);
  return makeMat(r.dim as DimOf<R>, c.dim as DimOf<C>, r.size, c.size, new Float64Array(r.size * c.size));
}

/** A `rows × cols` matrix over `data` (row-major, copied), which must hold exactly rows·cols numbers. */
export function mat<const R extends SizeArg, const C extends SizeArg>(
  rows: SizeLiteral<R>,
  cols: SizeLiteral<C>,
  data: ArrayLike<number>,
): Mat<DimOf<R>, DimOf<C>> {
  const r = sizeOf("mat (rows)", rows as SizeArg);
  const c = sizeOf("mat (cols)", cols as SizeArg);
  if (data.length !== r.size * c.size) {
    throw new RangeError(`mat: a ${r.dim}×${c.dim} matrix needs ${r.size * c.size} numbers, got ${data.length}`);
  }
  return makeMat(r.dim as DimOf<R>, c.dim as DimOf<C>, r.size, c.size, Float64Array.from(data));
}

/** One literal row: at least one number. */
export type RowLiteral = readonly [number, ...number[]];

/**
 * Rows of equal, literal length: `[[1, 2, 3], [4, 5, 6]]` gives a `Mat<2, 3>`. The tuple
 * constraint on fromRows makes TypeScript read the rows as tuples; every branch here but the
 * messages is `T` itself, so that this guard does not disturb the inference.
 */
export type RowsLiteral<T extends readonly RowLiteral[]> = number extends T["length"]
  ? "fromRows: the rows must be a literal list (their count is typed as plain 'number'); use mat(rows, cols, data) or withShape(...)"
  : T extends readonly [infer First extends RowLiteral, ...RowLiteral[]]
    ? T extends readonly (RowLiteral & { readonly length: First["length"] })[]
      ? T
      : `fromRows: every row must have ${First["length"]} entries, as the first row has`
    : "fromRows: give at least one row";

/** A matrix from literal rows; its dims are the literal row count and row length. */
export function fromRows<const T extends readonly [RowLiteral, ...RowLiteral[]]>(rows: RowsLiteral<T>): Mat<T["length"], T[0]["length"]> {
  const list = rows as unknown as readonly (readonly number[])[];
  const first = list[0];
  if (!Array.isArray(list) || first === undefined) throw new RangeError("fromRows: give at least one row");
  const cols = first.length;
  checkSize("fromRows (row length)", cols);
  const data = new Float64Array(list.length * cols);
  list.forEach((row, i) => {
    if (row.length !== cols) throw new RangeError(`fromRows: row ${i} has ${row.length} entries, row 0 has ${cols}`);
    data.set(row, i * cols);
  });
  return makeMat(list.length as T["length"], cols as T[0]["length"], list.length, cols, data);
}

/**
 * The visible escape hatch: gives any matrix the dims `rows` × `cols` after checking its sizes at
 * run time. Use it where sizes are only known while running (a loaded file, a vocabulary), and
 * the types cannot know them; everything downstream is checked again.
 */
export function withShape<const R extends SizeArg, const C extends SizeArg>(
  m: Shape & { readonly data: Float64Array },
  rows: SizeLiteral<R>,
  cols: SizeLiteral<C>,
): Mat<DimOf<R>, DimOf<C>> {
  const r = sizeOf("withShape (rows)", rows as SizeArg);
  const c = sizeOf("withShape (cols)", cols as SizeArg);
  if (!(m.data instanceof Float64Array) || m.data.length !== m.rows * m.cols) {
    throw new TypeError(`withShape: the matrix's data holds ${String(m.data?.length)} numbers, not rows·cols = ${m.rows * m.cols}`);
  }
  if (m.rows !== r.size || m.cols !== c.size) {
    const want: Shape = { rowDim: r.dim, colDim: c.dim, rows: r.size, cols: c.size };
    throw new ShapeError("withShape", `the matrix is ${shapeText(m)} but was declared ${shapeText(want)}`, [m, want]);
  }
  return makeMat(r.dim as DimOf<R>, c.dim as DimOf<C>, r.size, c.size, m.data);
}

/** Entry (i, j), bounds-checked. */
export function at(m: Shape & { readonly data: Float64Array }, i: number, j: number): number {
  if (!Number.isInteger(i) || !Number.isInteger(j) || i < 0 || j < 0 || i >= m.rows || j >= m.cols) {
    throw new RangeError(`at: (${i}, ${j}) is outside a ${shapeText(m)} matrix`);
  }
  return m.data[i * m.cols + j] as number;
}

/** The rows as plain arrays: for printing and tests. */
export function toRows(m: Shape & { readonly data: Float64Array }): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

