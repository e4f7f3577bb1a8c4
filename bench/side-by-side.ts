// `npm run bench:side-by-side`: products that share an operand run as one (the generator's default)
// against each product on its own (`sideBySide: false`), for the LSTM and the GRU at the LSTM
// bench's L1 (n=1, d=v=65, h=128, T=25) and L2 (n=32, d=v=65, h=256, T=32), both kernel kinds, in
// one process on the same random arguments: first their agreement (the worst gradient's
// max|a−b|/max|b|), then calls alternating between the two for 2 × rounds × ms, the median of
// each. Options:
//   --models lstm,gru   --configs L1,L2   --kernels js,simd   --ms 1500   --rounds 3
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { randomArguments } from "../cli/random-arguments.js";
import type { Kernels } from "../codegen/generate.js";
import type { LoadedModule } from "../codegen/import-module.js";
import { loadModel } from "../codegen/load-model.js";
import { specialize } from "../codegen/specialize.js";
import { relativeError, traceModel } from "../src/index.js";

const { values } = parseArgs({
  options: {
    models: { type: "string", default: "lstm,gru" },
    configs: { type: "string", default: "L1,L2" },
    kernels: { type: "string", default: "js,simd" },
    ms: { type: "string", default: "1500" },
    rounds: { type: "string", default: "3" },
  },
});
const configs: Record<string, Record<string, number>> = {
  L1: { n: 1, d: 65, h: 128, v: 65, T: 25 },
  L2: { n: 32, d: 65, h: 256, v: 65, T: 32 },
};
const ms = Number(values.ms), rounds = Number(values.rounds);
const cacheDir = mkdtempSync(join(tmpdir(), "shapegrad-side-by-side-"));
const rows: string[] = ["| model | config | kernels | separate (ms) | side by side (ms) | separate / side by side | agreement |", "|---|---|---|---:|---:|---:|---:|"];
try {
  for (const name of values.models.split(",")) {
    const model = await loadModel(`dsl/${name}.ts`);
    for (const config of values.configs.split(",")) {
      const sizes = configs[config];
      if (!sizes) throw new Error(`--configs: ${config} is not one of ${Object.keys(configs).join(", ")}`);
      const args = randomArguments(traceModel(model, sizes), 3);
      for (const kernels of values.kernels.split(",") as Kernels[]) {
        const modules: LoadedModule[] = [];
        for (const sideBySide of [false, true]) modules.push((await specialize(model, sizes, { cacheDir, kernels, sideBySide })).module);
        const gradsOf = () => Object.fromEntries(Object.entries(args.grads).map(([key, m]) => [key, { ...m, data: new Float64Array(m.data.length) }]));
        const results = modules.map((m) => {
          const grads = gradsOf();
          m.lossAndGrad(args.params, args.batch, grads);
          return grads;
        });
        const worst = Math.max(...Object.keys(args.grads).map((key) => relativeError(results[1]![key]!.data, results[0]![key]!.data)));
        // Call for call, so that the machine's load falls on both alike.
        const times: number[][] = [[], []];
        const grads = [gradsOf(), gradsOf()];
        for (let i = 0; i < 3; i++) modules.forEach((m, k) => m.lossAndGrad(args.params, args.batch, grads[k]!));
        const start = performance.now();
        while (performance.now() - start < ms * rounds * 2) {
          modules.forEach((m, k) => {
            const t = performance.now();
            m.lossAndGrad(args.params, args.batch, grads[k]!);
            times[k]!.push(performance.now() - t);
          });
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
        const [apart, together] = times.map(median) as [number, number];
        const row = `| ${name} | ${config} | ${kernels} | ${apart.toFixed(3)} | ${together.toFixed(3)} | ${(apart / together).toFixed(2)} | ${worst.toExponential(1)} |`;
        console.log(row);
        rows.push(row);
      }
    }
  }
  console.log(["", ...rows].join("\n"));
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
