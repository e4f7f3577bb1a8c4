// `npx tsx bench/ab-model.ts BASE_DIR MODEL.ts '<sizes JSON>' [js|simd …]`: any model's generated
// lossAndGrad from this tree against another built checkout of shapegrad (see ab-commits.ts), at
// one size, for each kernel kind named (default both). Each tree's own CLI generates the module;
// the two run interleaved, call for call on the same random arguments, in a process of their own
// per kind. Prints the medians, their ratio and the worst gradient's relative difference.
//   npx tsx bench/ab-model.ts /tmp/base dsl/lstm.ts '{"n":1,"h":128,"T":25}'
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [baseArg, model, sizesJson = "{}", ...kinds] = process.argv.slice(2);
if (!baseArg || !model) throw new Error("usage: npx tsx bench/ab-model.ts BASE_DIR MODEL.ts '<sizes JSON>' [js|simd …]");
const base = resolve(baseArg), here = resolve(import.meta.dirname, "..");
const sizes = JSON.parse(sizesJson) as Record<string, number>;
const dims = Object.entries(sizes).flatMap(([k, v]) => ["--dim", `${k}=${v}`]);
const dir = mkdtempSync(join(tmpdir(), "shapegrad-ab-model-"));
const ms = Number(process.env["AB_MS"] ?? 4000);

for (const kind of kinds.length ? kinds : ["js", "simd"]) {
  for (const [side, root] of [["base", base], ["now", here]] as const) {
    execFileSync(process.execPath, [join(root, "bin/shapegrad.js"), "generate", resolve(model), "--kernels", kind, ...dims, "--out", join(dir, `${side}-${kind}.mjs`)], { cwd: root, stdio: "ignore" });
  }
  const script = `
import { randomArguments } from ${JSON.stringify(join(here, "cli/random-arguments.ts"))};
import { loadModel } from ${JSON.stringify(join(here, "codegen/load-model.ts"))};
import { relativeError, traceModel } from ${JSON.stringify(join(here, "src/index.ts"))};
const A = await import(${JSON.stringify(join(dir, `base-${kind}.mjs`))});
const B = await import(${JSON.stringify(join(dir, `now-${kind}.mjs`))});
const args = randomArguments(traceModel(await loadModel(${JSON.stringify(resolve(model))}), ${JSON.stringify(sizes)}), 3);
const fresh = () => Object.fromEntries(Object.entries(args.grads).map(([k, m]) => [k, { ...m, data: new Float64Array(m.data.length) }]));
const ga = fresh(), gb = fresh();
A.lossAndGrad(args.params, args.batch, ga); B.lossAndGrad(args.params, args.batch, gb);
const worst = Math.max(...Object.keys(ga).map((k) => relativeError(gb[k].data, ga[k].data)));
const ta = [], tb = [];
const start = performance.now();
while (performance.now() - start < ${ms}) {
  let t = performance.now(); A.lossAndGrad(args.params, args.batch, ga); ta.push(performance.now() - t);
  t = performance.now(); B.lossAndGrad(args.params, args.batch, gb); tb.push(performance.now() - t);
}
const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
console.log(\`${kind.padEnd(4)}  base \${med(ta).toFixed(3)} ms  now \${med(tb).toFixed(3)} ms  now/base \${(med(tb) / med(ta)).toFixed(3)}  (\${ta.length} calls each; worst gradient difference \${worst.toExponential(1)})\`);
`;
  writeFileSync(join(dir, `ab-${kind}.mts`), script);
  process.stdout.write(execFileSync(process.execPath, ["--import", "tsx", join(dir, `ab-${kind}.mts`)], { encoding: "utf8", cwd: here }));
}
