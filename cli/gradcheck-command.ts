// `shapegrad gradcheck model.ts`: the generated gradients against central finite differences of
// the generated forward, and against the interpreter, on seeded random arguments; one line per
// gradient with the error measure max|a−b| / max|b|.
import { generateSource, type Kernels } from "../codegen/generate.js";
import { importGenerated } from "../codegen/import-module.js";
import { loadModel } from "../codegen/load-model.js";
import { interpret } from "../src/interpret.js";
import { traceModel } from "../src/trace-model.js";
import { relativeError } from "../src/numeric.js";
import { rng } from "../src/random.js";
import { shownPath } from "./generate-command.js";
import { randomArguments } from "./random-arguments.js";

export interface GradcheckOptions {
  readonly dim?: Readonly<Record<string, number>>;
  readonly seed: number;
  /** Entries checked per gradient, at most (sampled when there are more). */
  readonly samples: number;
  readonly eps: number;
  readonly kernels: Kernels;
}


export async function gradcheckCommand(file: string, options: GradcheckOptions, log: (line: string) => void): Promise<number> {
  const model = await loadModel(file);
  const ir = traceModel(model, options.dim ?? {});
  const generated = await importGenerated(await generateSource(model, { sizes: options.dim ?? {}, source: shownPath(file), generator: "shapegrad gradcheck", kernels: options.kernels }));
  const args = randomArguments(ir, options.seed);
  const result = generated.lossAndGrad(args.params, args.batch, args.grads);
  const oracle = interpret(ir, args.params, args.batch, true);
  const pick = rng(options.seed + 1);

  log(`${shownPath(file)}: model ${ir.name} at ${Object.entries(ir.sizes).map(([k, v]) => `${k}=${v}`).join(" ")}, loss ${result.loss}`);
  log(`${"gradient".padEnd(12)} ${"entries".padStart(9)} ${"checked".padStart(8)}   ${"vs finite differences".padStart(22)}   ${"vs interpreter".padStart(15)}`);
  let worst = 0;
  for (const [name, grad] of Object.entries(args.grads)) {
    const x = (name in args.params ? args.params[name] : args.batch[name])!.data;
    const count = Math.min(options.samples, x.length);
    const indices = count === x.length ? [...x.keys()] : [...new Set(Array.from({ length: count * 2 }, () => Math.floor(pick.uniform() * x.length)))].slice(0, count);
    const numeric = indices.map((i) => {
      const saved = x[i]!;
      x[i] = saved + options.eps;
      const plus = generated.forward(args.params, args.batch).loss;
      x[i] = saved - options.eps;
      const minus = generated.forward(args.params, args.batch).loss;
      x[i] = saved;
      return (plus - minus) / (2 * options.eps);
    });
    const fd = relativeError(indices.map((i) => grad.data[i]!), numeric);
    const vsInterpreter = relativeError(grad.data, oracle.grads![name]!.data);
    worst = Math.max(worst, fd);
    log(`${name.padEnd(12)} ${String(x.length).padStart(9)} ${String(indices.length).padStart(8)}   ${fd.toExponential(2).padStart(22)}   ${vsInterpreter.toExponential(2).padStart(15)}`);
  }
  const ok = worst < 1e-6;
  log(ok ? `ok: every gradient within 1e-6 of finite differences` : `FAIL: a gradient differs from finite differences by ${worst.toExponential(2)} (limit 1e-6)`);
  return ok ? 0 : 1;
}
