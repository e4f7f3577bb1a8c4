// Generates one module for specialize(), in a process of its own: ts-morph detaches an
// ArrayBuffer when it loads, which makes V8 drop an optimization of every typed-array access for
// the rest of the process (measured: the generated RNN step 0.82 → 1.22 ms), and the process that
// trains must keep it. Reads the IR as JSON on stdin, writes the JavaScript module to argv[2],
// with the kernels that argv[3] names ("js" or "simd", with "-separate" for products run apart).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { GenerateError, planWithinBudget } from "./budget.js";
import { emitModule } from "./emit.js";
import { emitOptions } from "./generate.js";
import { irFromJson } from "./ir-json.js";
import { refusalPrefix } from "./specialize.js";
import { writeFileAtomic } from "./write-atomic.js";
import { toJavaScript, writeModule } from "./write-module.js";

const [out, kind, ...opFiles] = process.argv.slice(2);
const [kernels, separate] = (kind ?? "").split("-");
if (!out || (kernels !== "js" && kernels !== "simd") || (separate !== undefined && separate !== "separate")) throw new Error("usage: specialize-child <out.mjs> js|simd[-separate] [op files…] < ir.json");
// The files that define the users' ops of this model: importing them registers the ops here.
for (const file of opFiles) await tsImport(pathToFileURL(file).href, import.meta.url);
const ir = irFromJson(readFileSync(0, "utf8"));
try {
  const source = await writeModule(emitModule(planWithinBudget(ir, { sideBySide: separate === undefined }), { source: ir.source ?? ir.name, generator: "shapegrad specialize" }, await emitOptions(kernels)));
  writeFileAtomic(out, toJavaScript(source));
} catch (e) {
  // A refusal (sizes over the budget) is the user's to read: the parent throws it again as it is.
  if (!(e instanceof GenerateError)) throw e;
  process.stderr.write(`${refusalPrefix}${e.message}\n`);
  process.exitCode = 2;
}
