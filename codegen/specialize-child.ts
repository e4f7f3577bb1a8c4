// Generates modules for specialize(), in a process of its own: ts-morph detaches an
// ArrayBuffer when it loads, which makes V8 drop an optimization of every typed-array access for
// the rest of the process (measured: the generated RNN step 0.82 → 1.22 ms), and the process that
// trains must keep it. Reads a list of jobs as JSON on stdin, each an IR (as JSON), the file to
// write the JavaScript module to and its kernels ("js" or "simd", with "-separate" for products
// run apart); argv names the files that define users' ops.
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { GenerateError, planWithinBudget } from "./budget.js";
import { emitModule } from "./emit.js";
import { emitOptions } from "./generate.js";
import { irFromJson } from "./ir-json.js";
import { refusalPrefix } from "./generate-in-child.js";
import { writeFileAtomic } from "./write-atomic.js";
import { toJavaScript, writeModule } from "./write-module.js";

const opFiles = process.argv.slice(2);
// The files that define the users' ops of these models: importing them registers the ops here.
for (const file of opFiles) await tsImport(pathToFileURL(file).href, import.meta.url);
// Read as a stream: a large input is still arriving when a synchronous read of the pipe would end (EAGAIN).
let input = "";
for await (const chunk of process.stdin) input += String(chunk);
const jobs = JSON.parse(input) as { out: string; kind: string; ir: string }[];
for (const [index, job] of jobs.entries()) {
  const [kernels, separate] = job.kind.split("-");
  if ((kernels !== "js" && kernels !== "simd") || (separate !== undefined && separate !== "separate")) throw new Error(`specialize-child: kernels ${job.kind}: expected js|simd[-separate]`);
  const ir = irFromJson(job.ir);
  try {
    const source = await writeModule(emitModule(planWithinBudget(ir, { sideBySide: separate === undefined }), { source: ir.source ?? ir.name, generator: "shapegrad specialize" }, await emitOptions(kernels)));
    writeFileAtomic(job.out, toJavaScript(source));
  } catch (e) {
    // A refusal (sizes over the budget) is the user's to read: the parent throws it again as it is, for this job.
    if (!(e instanceof GenerateError)) throw e;
    process.stderr.write(`${refusalPrefix}${index} ${e.message}\n`);
    process.exitCode = 2;
  }
}
