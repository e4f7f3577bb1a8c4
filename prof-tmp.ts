import rnn from "/work/main/dsl/rnn.js";
import { specialize } from "/work/main/codegen/specialize.js";
import { traceModel } from "/work/main/src/index.js";
import { randomArguments } from "/work/main/cli/random-arguments.js";
const sizes = JSON.parse(process.argv[2] ?? '{"n":32,"d":65,"h":128,"v":65,"T":32}');
const { module } = await specialize<any>(rnn, sizes, { cacheDir: "/tmp/profcache" });
const args = randomArguments(traceModel(rnn, sizes), 1, 0.1);
for (let i = 0; i < 5; i++) module.lossAndGrad(args.params, args.batch, args.grads);
const t0 = performance.now(); let calls = 0;
while (performance.now() - t0 < 3000) { module.lossAndGrad(args.params, args.batch, args.grads); calls++; }
console.log(sizes, ((performance.now() - t0) / calls).toFixed(3), "ms/call");
