// What the properties check, as functions returning measurements: generated code against the
// interpreter and against finite differences of its own forward; the eager library against the IR.
import { generateSource, type Kernels } from "../../codegen/generate.js";
import { importGenerated, type LoadedModule } from "../../codegen/import-module.js";
import { interpret, traceModel, type AnyMat, type ModelIR } from "../../src/index.js";
import { batchKeys } from "../../src/interpret.js";
import { finalKey } from "../../src/batch-names.js";
import { centralDiff } from "../support/numeric.js";
import { argumentsFor, garbageLike, modelOf, runEagerly } from "./model.js";
import type { Program } from "./program.js";
import type { Arguments } from "../../cli/random-arguments.js";

/** Largest magnitude any forward value may reach for the numeric comparisons to be meaningful. */
export const magnitudeLimit = 1e4;

const maxAbs = (x: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
};

/**
 * relErr (max|a − b| / max|b|) with the denominator at least `floor`. A gradient whose reference
 * is zero up to rounding (∂ sumAll(softmax(X)) / ∂X is exactly 0; so is a gradient through
 * scale(·, 0)) has max|b| of the order of the rounding noise itself, and plain relErr would compare
 * two noises: the floor makes it an absolute comparison at the scale the noise is measured against.
 */
export function relErrFloor(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let diff = 0, scale = floor;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    // The same non-finite value on both sides agrees (a NaN gradient of √ at 0 times 0, say); any other is NaN.
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y))) continue;
      return NaN;
    }
    diff = Math.max(diff, Math.abs(x - y));
    scale = Math.max(scale, Math.abs(y));
  }
  return scale === 0 ? diff : diff / scale;
}

export interface Prepared {
  readonly ir: ModelIR;
  readonly args: Arguments;
  /** The largest magnitude of any value of the eager forward pass (Infinity when one is not finite). */
  readonly magnitude: number;
  readonly eagerLoss: number;
}

/** Traces the program and draws its arguments; runs the eager forward pass to see its magnitudes. */
export function prepare(program: Program, seed: number): Prepared {
  const ir = traceModel(modelOf(program));
  const args = argumentsFor(ir, seed);
  let magnitude = 0;
  const { loss } = runEagerly(program, ir, args, {
    onValue(_node, v) {
      const m = maxAbs(v.data);
      magnitude = Number.isFinite(m) ? Math.max(magnitude, m) : Infinity;
    },
  });
  return { ir, args, magnitude: Number.isFinite(loss) ? magnitude : Infinity, eagerLoss: loss };
}

export interface Measurement {
  /** |eager − interpreted| / |interpreted| (floored at 1): the IR computes what the ops compute. */
  readonly eager: number;
  readonly loss: { readonly generated: number; readonly interpreted: number };
  /** Per gradient key (and per final state `hT`): error against the interpreter. */
  readonly interpreter: Record<string, number>;
  /** Per gradient key: error against central differences of the generated forward. */
  readonly fd: Record<string, number>;
  /** forward(...).loss === lossAndGrad(...).loss, bit for bit. */
  readonly forwardAgrees: boolean;
}

/**
 * Floor of the interpreter comparison, relative to the loss: the two compute the same sums in
 * different orders (tiles, gradients summed over stacked steps), so they differ by rounding,
 * about ε times the magnitude of the terms; below 1e-4·|L| a gradient is that noise.
 */
export const interpreterFloor = (loss: number) => 1e-4 * Math.max(1, Math.abs(loss));

/**
 * Floor of the finite-difference comparison, relative to the loss: a central difference with
 * step h = 1e-5 carries a rounding error of about ε·|L|/h ≈ 2e-11·|L| per entry, so a gradient
 * smaller than 1e-4·|L| cannot be resolved to 1e-6 by it.
 */
export const fdFloor = (loss: number) => 1e-4 * Math.max(1, Math.abs(loss));

/** At most this many entries of each gradient are checked against finite differences. */
export const fdEntries = 24;

export async function generate(program: Program, kernels: Kernels = "js"): Promise<LoadedModule> {
  const source = await generateSource(modelOf(program), { source: "test/property.test.ts", generator: "shapegrad property test", kernels });
  return importGenerated(source);
}

export interface Floors {
  readonly interpreter: (loss: number) => number;
  readonly fd: (loss: number) => number;
}

export async function measure(program: Program, prepared: Prepared, module?: LoadedModule, floors: Floors = { interpreter: interpreterFloor, fd: fdFloor }): Promise<Measurement> {
  const { ir, args } = prepared;
  const mod = module ?? (await generate(program));
  const oracle = interpret(ir, args.params, args.batch, true);
  const keys = batchKeys(ir);
  const gradShapes: Record<string, AnyMat> = { ...args.grads };
  const grads = garbageLike(gradShapes);
  const result = mod.lossAndGrad(args.params, args.batch, grads);
  const forward = mod.forward(args.params, args.batch).loss;

  const interpreter: Record<string, number> = {};
  for (const key of Object.keys(gradShapes)) interpreter[key] = relErrFloor(grads[key]!.data, oracle.grads![key]!.data, floors.interpreter(oracle.loss));
  for (const d of ir.state) interpreter[finalKey(d.name)] = relErrFloor((result[finalKey(d.name)] as AnyMat).data, oracle.final[finalKey(d.name)]!.data, floors.interpreter(oracle.loss));

  // Central differences of the generated forward, for a spread of entries of every gradient.
  const fd: Record<string, number> = {};
  const inputs: Record<string, AnyMat> = { ...args.params, ...Object.fromEntries(keys.state.map((k) => [k.key, args.batch[k.key]!])) };
  const f = () => mod.forward(args.params, args.batch).loss;
  for (const key of Object.keys(gradShapes)) {
    const x = inputs[key]!.data;
    const g = grads[key]!.data;
    const step = Math.max(1, Math.ceil(x.length / fdEntries));
    // Entries whose gradient is not finite (where the interpreter agrees) have no difference quotient to meet.
    const picked = Array.from({ length: Math.ceil(x.length / step) }, (_, i) => i * step).filter((i) => Number.isFinite(g[i]!));
    const view = Float64Array.from(picked.map((i) => x[i]!));
    // Perturb the real entries through a view: centralDiff perturbs `view`, f reads x. Two step
    // sizes, extrapolated (Richardson: the h² term cancels), since random compositions such as a
    // quotient by tanh(x²) curve enough to leave a plain central difference 1e-5 off.
    const at = () => {
      picked.forEach((i, k) => (x[i] = view[k]!));
      return f();
    };
    const coarse = centralDiff(at, view, 1e-5);
    const fine = centralDiff(at, view, 5e-6);
    const numeric = fine.map((v, k) => (4 * v - coarse[k]!) / 3);
    picked.forEach((i, k) => (x[i] = view[k]!));
    fd[key] = relErrFloor(
      picked.map((i) => g[i]!),
      numeric,
      floors.fd(oracle.loss),
    );
  }
  return {
    eager: Math.abs(prepared.eagerLoss - oracle.loss) / Math.max(1, Math.abs(oracle.loss)),
    loss: { generated: result.loss, interpreted: oracle.loss },
    interpreter,
    fd,
    forwardAgrees: forward === result.loss,
  };
}

