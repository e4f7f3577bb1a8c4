// `npx tsx bench/ab-commits.ts BASE_DIR`: this tree against another checkout of shapegrad (built:
// `git worktree add BASE_DIR <commit> && cd BASE_DIR && npm ci`), for a change that must not cost
// speed. Each tree's own CLI generates the RNN's module (both kernel kinds, C1 and C2 of
// bench/rnn-peers.ts); the two modules then run interleaved in one process, call for call on the
// same inputs, so that the machine's load falls on both alike; likewise the eager typed library
// (bench/eager-rnn-training.ts of each tree). Prints medians, their ratio, and whether both give
// the same loss and gradients bit for bit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const base = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!base) throw new Error("usage: npx tsx bench/ab-commits.ts BASE_DIR (a built checkout of another commit)");
const here = resolve(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "shapegrad-ab-"));
const configs = { C1: [], C2: ["--dim", "n=32", "--dim", "h=128", "--dim", "T=32"] } as const;

for (const [config, dims] of Object.entries(configs)) {
  for (const kernels of ["js", "simd"]) {
    for (const [side, root] of [["base", base], ["now", here]] as const) {
      execFileSync(process.execPath, [join(root, "bin/shapegrad.js"), "generate", "dsl/rnn.ts", "--kernels", kernels, ...dims, "--out", join(dir, `${side}-${config}-${kernels}.js`)], { cwd: root, stdio: "ignore" });
    }
  }
}

const generatedAB = `
const [config, kind] = process.argv.slice(2);
const A = await import(${JSON.stringify(dir)} + "/base-" + config + "-" + kind + ".js");
const B = await import(${JSON.stringify(dir)} + "/now-" + config + "-" + kind + ".js");
const { n, d, h, v, T } = A.sizes;
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.2;
const m = (r, c, f = rand) => ({ rows: r, cols: c, data: Float64Array.from({ length: r * c }, f) });
const params = { U: m(d, h), W: m(h, h), b: m(1, h), V: m(h, v), c: m(1, v) };
const ys = m(T * n, v, () => 0);
for (let i = 0; i < T * n; i++) ys.data[i * v + (i % v)] = 1;
const batch = { xs: m(T * n, d), ys, h0: m(n, h) };
const grads = () => ({ U: m(d, h), W: m(h, h), b: m(1, h), V: m(h, v), c: m(1, v), h0: m(n, h) });
const ga = grads(), gb = grads();
const same = A.lossAndGrad(params, batch, ga).loss === B.lossAndGrad(params, batch, gb).loss && Object.keys(ga).every((k) => ga[k].data.every((x, i) => Object.is(x, gb[k].data[i])));
const ta = [], tb = [];
for (let i = 0; i < 5; i++) { A.lossAndGrad(params, batch, ga); B.lossAndGrad(params, batch, gb); }
for (let r = 0; r < (config === "C1" ? 400 : 40); r++) {
  let t = performance.now(); A.lossAndGrad(params, batch, ga); ta.push(performance.now() - t);
  t = performance.now(); B.lossAndGrad(params, batch, gb); tb.push(performance.now() - t);
}
const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
console.log(\`generated \${config} \${kind.padEnd(4)}  base \${med(ta).toFixed(3)} ms  now \${med(tb).toFixed(3)} ms  now/base \${(med(tb) / med(ta)).toFixed(3)}  bit-identical: \${same}\`);
`;
writeFileSync(join(dir, "generated-ab.mjs"), generatedAB);
for (const config of Object.keys(configs)) for (const kind of ["js", "simd"]) process.stdout.write(execFileSync(process.execPath, [join(dir, "generated-ab.mjs"), config, kind], { encoding: "utf8" }));

const eagerAB = `
import * as A from ${JSON.stringify(join(base, "bench/eager-rnn-training.ts"))};
import * as B from ${JSON.stringify(join(here, "bench/eager-rnn-training.ts"))};
import * as LA from ${JSON.stringify(join(base, "src/index.ts"))};
import * as LB from ${JSON.stringify(join(here, "src/index.ts"))};
function setup(M, L, s) {
  const dims = M.rnnDims(s), r = L.rng(3);
  const p = { U: L.randn(dims.d, dims.h, r), W: L.randn(dims.h, dims.h, r), b: L.randn(1, dims.h, r), V: L.randn(dims.h, dims.v, r), c: L.randn(1, dims.v, r) };
  const xs = [], ys = [];
  for (let t = 0; t < s.T; t++) {
    xs.push(L.randn(dims.n, dims.d, r));
    const y = L.zeros(dims.n, dims.v);
    for (let i = 0; i < s.n; i++) y.data[i * s.v + ((i + t) % s.v)] = 1;
    ys.push(y);
  }
  const h0 = L.zeros(dims.n, dims.h);
  return () => M.eagerLossAndGrad(dims, p, xs, ys, h0).loss;
}
for (const [name, s] of [["C1", { n: 1, d: 65, h: 100, v: 65, T: 25 }], ["C2", { n: 32, d: 65, h: 128, v: 65, T: 32 }]]) {
  const fa = setup(A, LA, s), fb = setup(B, LB, s);
  const same = fa() === fb();
  const ta = [], tb = [];
  for (let k = 0; k < (s.n === 1 ? 60 : 12); k++) {
    let t = performance.now(); fa(); ta.push(performance.now() - t);
    t = performance.now(); fb(); tb.push(performance.now() - t);
  }
  const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
  console.log(\`eager     \${name}       base \${med(ta).toFixed(3)} ms  now \${med(tb).toFixed(3)} ms  now/base \${(med(tb) / med(ta)).toFixed(3)}  same loss: \${same}\`);
}
`;
writeFileSync(join(dir, "eager-ab.mts"), eagerAB);
process.stdout.write(execFileSync(process.execPath, ["--import", "tsx", join(dir, "eager-ab.mts")], { encoding: "utf8", cwd: here }));
