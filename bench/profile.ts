// Profiling generated code: runs a model's generated lossAndGrad for a few seconds, then, under
// `node --cpu-prof`, the profile can be read back by kernel (the `// %id = op(...)` comments that
// the generator writes above each loop nest):
//   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts dsl/rnn.ts '{"n":32,"h":128,"T":32}'
//   npx tsx bench/profile.ts --report /tmp/prof
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { specialize } from "../codegen/specialize.js";
import { loadModel } from "../codegen/load-model.js";
import { randomArguments } from "../cli/random-arguments.js";
import { traceModel } from "../src/index.js";

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  positionTicks?: { line: number; ticks: number }[];
}

/** The kernel that each line of a generated module belongs to (its `// %id = op(...)` comment, or its function). */
function kernelsByLine(url: string): string[] {
  const owner: string[] = [];
  let current = "(outside kernels)";
  readFileSync(fileURLToPath(url), "utf8")
    .split("\n")
    .forEach((line, i) => {
      const t = line.trim();
      // A kernel's comment names its value and shape: `// I_t = σ(Ai_t); …: n×h, dsl/lstm.ts:31:26`.
      if (/^\/\/ \S+ = .*: [^ ]+×[^ ]+/.test(t) || /^(export )?function /.test(t)) current = t.slice(0, 80);
      owner[i + 1] = current;
    });
  return owner;
}

/** Share of samples per generated kernel, from every .cpuprofile in `dir` (each module's lines read from its own file). */
function report(dir: string): void {
  const byKernel = new Map<string, number>();
  const owners = new Map<string, string[]>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const nodes = (JSON.parse(readFileSync(join(dir, file), "utf8")) as { nodes: ProfileNode[] }).nodes;
    for (const n of nodes) {
      const url = n.callFrame.url;
      if (url.startsWith("wasm://")) {
        const k = `wasm\0(WebAssembly) ${n.callFrame.functionName}`;
        const ticks = (n.positionTicks ?? []).reduce((s, p) => s + p.ticks, 0);
        byKernel.set(k, (byKernel.get(k) ?? 0) + ticks);
        total += ticks;
        continue;
      }
      if (!url.includes("/.cache/shapegrad/") && !url.includes("shapegrad-profile")) continue;
      if (!owners.has(url)) owners.set(url, kernelsByLine(url));
      const owner = owners.get(url)!;
      for (const { line, ticks } of n.positionTicks ?? []) {
        const k = `${url}\0${owner[line] ?? "?"}`;
        byKernel.set(k, (byKernel.get(k) ?? 0) + ticks);
        total += ticks;
      }
    }
  }
  // With more than one generated module in the profiles (bench/char-rnn-step.ts runs two), each
  // kernel is named with its module's file.
  const name = (key: string) => {
    const [url, kernel] = key.split("\0") as [string, string];
    return owners.size > 1 ? `${url.split("/").pop()}: ${kernel}` : kernel;
  };
  for (const [k, ticks] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${((100 * ticks) / total).toFixed(1).padStart(5)}%  ${name(k)}`);
}

const [first, second] = process.argv.slice(2);
if (first === "--report") report(second ?? ".");
else {
  const model = await loadModel(first ?? "dsl/rnn.ts");
  const sizes = JSON.parse(second ?? "{}") as Record<string, number>;
  const { module } = await specialize<{ lossAndGrad(p: object, b: object, g: object): unknown }>(model, sizes);
  const args = randomArguments(traceModel(model, sizes), 1, 0.1);
  for (let i = 0; i < 5; i++) module.lossAndGrad(args.params, args.batch, args.grads);
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < Number(process.env["PROFILE_MS"] ?? 3000)) {
    module.lossAndGrad(args.params, args.batch, args.grads);
    calls++;
  }
  console.log(`${((performance.now() - start) / calls).toFixed(3)} ms per lossAndGrad (${calls} calls)`);
}
