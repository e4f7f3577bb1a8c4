// `npx tsx bench/kernel-kinds.ts <model.ts> '<sizes JSON>'`: one model's generated lossAndGrad with
// every loop in JavaScript against products as WebAssembly SIMD kernels, in one process, on the
// same random arguments: first their agreement (max|a−b|/max|b| per gradient, the worst one), then
// three rounds of 1.5 s of calls each, median and fastest call per kind. Quicker and steadier than
// bench:peers for an A/B of one generator change (run it before and after).
//   npx tsx bench/kernel-kinds.ts dsl/rnn.ts '{"n":1,"d":65,"h":100,"v":65,"T":25}'
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomArguments } from "../cli/random-arguments.js";
import type { Kernels } from "../codegen/generate.js";
import type { LoadedModule } from "../codegen/import-module.js";
import { loadModel } from "../codegen/load-model.js";
import { specialize } from "../codegen/specialize.js";
import { relativeError, traceModel } from "../src/index.js";

const [file, sizesJson] = process.argv.slice(2);
if (!file) throw new Error("usage: npx tsx bench/kernel-kinds.ts <model.ts> '<sizes JSON>'");
const sizes = JSON.parse(sizesJson ?? "{}") as Record<string, number>;
const model = await loadModel(file);
const args = randomArguments(traceModel(model, sizes), 3);
const cacheDir = mkdtempSync(join(tmpdir(), "shapegrad-kernel-kinds-"));
const kinds: readonly Kernels[] = ["js", "simd"];
try {
  const modules = new Map<Kernels, LoadedModule>();
  // specialize() generates in a child process, so this one stays free of ts-morph (see rnn-peers.ts).
  for (const kind of kinds) modules.set(kind, (await specialize(model, sizes, { cacheDir, kernels: kind })).module);
  const gradsOf = () => Object.fromEntries(Object.entries(args.grads).map(([name, m]) => [name, { ...m, data: new Float64Array(m.data.length) }]));
  const [js, simd] = kinds.map((kind) => {
    const grads = gradsOf();
    return { loss: modules.get(kind)!.lossAndGrad(args.params, args.batch, grads).loss, grads };
  });
  const worst = Math.max(...Object.keys(args.grads).map((name) => relativeError(simd!.grads[name]!.data, js!.grads[name]!.data)));
  console.log(`loss js ${js!.loss} simd ${simd!.loss}; worst gradient, simd against js: ${worst.toExponential(2)}`);
  for (let round = 1; round <= 3; round++) {
    for (const kind of kinds) {
      const module = modules.get(kind)!;
      const grads = gradsOf();
      for (let i = 0; i < 5; i++) module.lossAndGrad(args.params, args.batch, grads);
      const times: number[] = [];
      const start = performance.now();
      while (performance.now() - start < 1500) {
        const t = performance.now();
        module.lossAndGrad(args.params, args.batch, grads);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`round ${round} ${kind.padEnd(4)} median ${times[times.length >> 1]!.toFixed(4)} ms, fastest ${times[0]!.toFixed(4)} ms (${times.length} calls)`);
    }
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
