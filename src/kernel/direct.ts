// Running an op's math directly on numbers: the eager kernels of every op without a faster
// schedule of its own.
import type { AnyMat } from "../mat.js";
import type { Attrs } from "../op.js";
import { NumberAlgebra, numbers, type Algebra, type Scalar } from "./algebra.js";
import type { Cell, LoopIndex, Nest, NestBody, WriteMode } from "./nest.js";
import type { MapEntry } from "./map.js";

/** Fills `out` (zeroed, of the op's shape) entry by entry: input k is read at (i, j), or at row 0 / column 0 along a dim of size 1. */
export function runMap(entry: MapEntry, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs, shapeOnly: readonly number[] = []): void {
  // Numbers stand for the math's opaque scalars.
  const f = entry(numbers as unknown as Algebra<Scalar>, attrs) as unknown as (x: number, y: number) => number;
  const o = out.data, rows = out.rows, cols = out.cols;
  const a = inputs[0]!, b = inputs[1];
  if (b === undefined || shapeOnly.includes(1)) {
    if (a.rows === rows && a.cols === cols) {
      const x = a.data;
      for (let p = 0; p < o.length; p++) o[p] = f(x[p]!, NaN);
      return;
    }
  }
  const x = a.data, y = b && !shapeOnly.includes(1) ? b.data : undefined;
  const [ar, ac] = strides(a, cols);
  const [br, bc] = b && y ? strides(b, cols) : [0, 0];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) o[i * cols + j] = f(x[i * ar + j * ac]!, y ? y[i * br + j * bc]! : NaN);
  }
}

/** Row and column strides of an input read at (i, j) of the output, 0 along a broadcast dim. */
function strides(m: AnyMat, outCols: number): [number, number] {
  const rowStride = m.rows === 1 ? 0 : m.cols;
  const colStride = m.cols === 1 && outCols !== 1 ? 0 : 1;
  return [rowStride, colStride];
}

/** Runs a nest on numbers: `out` is zeroed and of the op's shape. */
export function runNest(body: NestBody, out: AnyMat, inputs: readonly AnyMat[], attrs: Attrs): void {
  body(new DirectNest(out, inputs, attrs) as unknown as Nest<Scalar, LoopIndex>);
}

/** A nest run on numbers: the algebra's operations come from NumberAlgebra's prototype (a nest is made at every eager call). */
class DirectNest extends NumberAlgebra implements Nest<number, number> {
  readonly inputs: readonly AnyMat[];
  readonly output: AnyMat;
  readonly accumulates = false;
  constructor(
    out: AnyMat,
    inputs: readonly AnyMat[],
    readonly attrs: Attrs,
  ) {
    super();
    this.output = out;
    this.inputs = inputs;
  }

  loop(count: number, _hint: string, body: (i: number) => void): void {
    for (let i = 0; i < count; i++) body(i);
  }

  indexValue(i: number): number {
    return i;
  }

  read(k: number, i: number, j: number): number {
    const m = this.inputs[k]!;
    return m.data[i * m.cols + j]!;
  }

  readOut(i: number, j: number): number {
    return this.output.data[i * this.output.cols + j]!;
  }

  write(i: number, j: number, value: number, mode: WriteMode = "write"): void {
    const o = this.output.data, p = i * this.output.cols + j;
    if (mode === "accumulate") o[p]! += value;
    else o[p] = value;
  }

  zero(): void {
    this.output.data.fill(0);
  }

  sum(count: number, _hint: string, term: (j: number) => number): number {
    let s = 0;
    for (let j = 0; j < count; j++) s += term(j);
    return s;
  }

  maxOver(count: number, _hint: string, term: (j: number) => number): number {
    let m = -Infinity;
    for (let j = 0; j < count; j++) m = Math.max(m, term(j));
    return m;
  }

  bind(_hint: string, value: number): number {
    return value;
  }

  cell(_hint: string, initial: number): { value: number } {
    return { value: initial };
  }

  set(cell: Cell<number>, value: number): void {
    (cell as { value: number }).value = value;
  }
}
