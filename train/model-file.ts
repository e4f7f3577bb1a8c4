// The file a trained model is declared in: loaded by path (`--model FILE`, default the package's
// dsl/char-rnn.ts), recorded in the checkpoint with a hash of its text, and checked again when the
// checkpoint is used, so that a model file edited since is refused rather than silently mismatched.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "../codegen/load-model.js";
import type { AnyModel } from "../src/model.js";
import type { ModelFile } from "./checkpoint.js";
import { TrainingInputError } from "./corpus.js";

/** The package's root: the nearest directory above this module with shapegrad's package.json (from train/ or dist/train/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "shapegrad") return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("internal: shapegrad's package.json not found above train/");
    dir = up;
  }
}

/** The model `shapegrad train` trains by default: the flagship RNN with one-hot input. */
export const defaultModelFile = (): string => join(packageRoot(), "dsl", "char-rnn.ts");

/** The file's path (absolute) and a hash of its text. */
export function modelFileOf(path: string): ModelFile {
  const absolute = resolve(path);
  return { path: absolute, hash: createHash("sha256").update(readFileSync(absolute)).digest("hex").slice(0, 16) };
}

/** The model declared in `path` and its file record. */
export async function loadModelFile(path: string): Promise<{ model: AnyModel; file: ModelFile }> {
  const model = await loadModel(path);
  return { model, file: modelFileOf(path) };
}

/** The file a model object was declared in (defineModel's caller), when it can be found. */
export function sourceFileOf(model: AnyModel): ModelFile | undefined {
  const source = model.source;
  if (source === undefined || !existsSync(resolve(source))) return undefined;
  return modelFileOf(source);
}

/** Refuses a model file that is gone or whose text changed since `recorded` was taken. */
export function expectModelFile(recorded: ModelFile, checkpointPath: string): void {
  if (!existsSync(recorded.path)) throw new TrainingInputError(`${checkpointPath} was made with the model in ${recorded.path}, which no longer exists`);
  const now = modelFileOf(recorded.path);
  if (now.hash !== recorded.hash) {
    throw new TrainingInputError(`${recorded.path} changed since ${checkpointPath} was made (its text hash was ${recorded.hash}, is ${now.hash}); train it again or restore the file`);
  }
}
