// `shapegrad generate`: every model in dsl/ into generated/, or one model at other sizes to --out;
// `--check` proves generated/ is current; `--watch` regenerates on change.
import { existsSync, readdirSync, readFileSync, watch } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { generateSource, type Kernels } from "../codegen/generate.js";
import { loadModel, UsageError } from "../codegen/load-model.js";
import { toJavaScript } from "../codegen/write-module.js";
import { writeFileAtomic } from "../codegen/write-atomic.js";
import { eagerKernelsPath, eagerKernelsSource } from "../codegen/eager-wasm.js";

export interface GenerateCommandOptions {
  readonly dim?: Readonly<Record<string, number>>;
  readonly out?: string;
  readonly check?: boolean;
  readonly watch?: boolean;
  readonly kernels: Kernels;
  readonly separateProducts?: boolean;
}

interface Job {
  readonly file: string;
  readonly out: string;
}

/** The repository-relative path with forward slashes: what headers and messages show. */
export function shownPath(path: string): string {
  return relative(process.cwd(), resolve(path)).split(sep).join("/");
}

function jobs(files: readonly string[], options: GenerateCommandOptions): Job[] {
  if (files.length === 0) {
    if (options.out || options.dim) throw new UsageError("--out and --dim need a model file: shapegrad generate dsl/rnn.ts --dim h=64 --out some/file.ts");
    if (!existsSync("dsl")) throw new UsageError("no dsl/ directory here: name a model file, or run from the project's root");
    const models = readdirSync("dsl").filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort();
    if (models.length === 0) throw new UsageError("dsl/ holds no model (.ts) files");
    return models.map((f) => ({ file: join("dsl", f), out: join("generated", f) }));
  }
  if (options.out && files.length > 1) throw new UsageError("--out takes one model file");
  return files.map((file) => ({ file, out: options.out ?? join("generated", `${basename(file, extname(file))}.ts`) }));
}

/** Whether this run also makes the eager library's kernels: every model of the project's own dsl/, run from its root. */
function eagerKernelsHere(files: readonly string[]): boolean {
  return files.length === 0 && existsSync(dirname(eagerKernelsPath));
}

async function render(job: Job, options: GenerateCommandOptions, generator: string): Promise<string> {
  const model = await loadModel(job.file);
  const source = await generateSource(model, { sizes: options.dim ?? {}, source: shownPath(job.file), generator, kernels: options.kernels, sideBySide: !options.separateProducts });
  return extname(job.out) === ".js" || extname(job.out) === ".mjs" ? toJavaScript(source) : source;
}

export async function generateCommand(files: readonly string[], options: GenerateCommandOptions, generator: string, log: (line: string) => void): Promise<number> {
  const list = jobs(files, options);
  if (options.check) {
    const stale: string[] = [];
    for (const job of list) {
      const text = await render(job, options, generator);
      const current = existsSync(job.out) ? readFileSync(job.out, "utf8") : undefined;
      if (current !== text) stale.push(`${shownPath(job.out)} is ${current === undefined ? "missing" : "stale"} (from ${shownPath(job.file)})`);
    }
    if (eagerKernelsHere(files)) {
      const current = existsSync(eagerKernelsPath) ? readFileSync(eagerKernelsPath, "utf8") : undefined;
      if (current !== (await eagerKernelsSource())) stale.push(`${eagerKernelsPath} is ${current === undefined ? "missing" : "stale"} (from the op table's schedule.wasm)`);
    }
    for (const line of stale) log(line);
    if (stale.length > 0) {
      log("run `npx shapegrad generate` to regenerate");
      return 1;
    }
    log(`generated/ is current (${list.length} model${list.length === 1 ? "" : "s"})${eagerKernelsHere(files) ? `, and ${eagerKernelsPath}` : ""}`);
    return 0;
  }
  // Render everything first: a refused model leaves every file as it was.
  const rendered = await Promise.all(list.map(async (job) => ({ job, text: await render(job, options, generator) })));
  for (const { job, text } of rendered) {
    writeFileAtomic(job.out, text);
    log(`${shownPath(job.file)} → ${shownPath(job.out)} (${text.split("\n").length} lines)`);
  }
  if (eagerKernelsHere(files)) {
    writeFileAtomic(eagerKernelsPath, await eagerKernelsSource());
    log(`op table's schedule.wasm → ${eagerKernelsPath}`);
  }
  if (options.watch) await watchAndRegenerate(list, options, generator, log);
  return 0;
}

async function watchAndRegenerate(list: readonly Job[], options: GenerateCommandOptions, generator: string, log: (line: string) => void): Promise<never> {
  const roots = [...new Set([...list.map((j) => resolve(j.file)), ...["src", "dsl"].filter(existsSync).map((d) => resolve(d))])];
  log(`watching ${roots.map(shownPath).join(", ")} (Ctrl-C to stop)`);
  let timer: NodeJS.Timeout | undefined;
  const regenerate = async () => {
    for (const job of list) {
      try {
        const text = await render(job, options, generator);
        writeFileAtomic(job.out, text);
        log(`${shownPath(job.file)} → ${shownPath(job.out)}`);
      } catch (e) {
        log(`${e instanceof Error ? e.message : String(e)}`);
      }
    }
  };
  for (const root of roots) {
    watch(root, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void regenerate(), 150);
    });
  }
  return new Promise<never>(() => {});
}
