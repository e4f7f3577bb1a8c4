// Loading a model file: TypeScript, imported through tsx (Node 20 cannot import TypeScript), and
// checked to be a model before anything uses it.
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { AnyModel } from "../src/model.js";

/** A problem with a command's input: printed as it is, without a stack. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** What defineModel made: its mark (see modelBrand), a spec and a step. */
function isModel(value: unknown): value is AnyModel {
  if (typeof value !== "object" || value === null || (value as Record<symbol, unknown>)[Symbol.for("shapegrad.model")] !== true) return false;
  const spec = (value as { spec?: { step?: unknown } }).spec;
  return typeof spec === "object" && spec !== null && typeof spec.step === "function";
}

export async function loadModel(file: string): Promise<AnyModel> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`${file}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${file}: not a file`);
  let loaded: { default?: unknown };
  try {
    loaded = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(`${file}: the model file could not be loaded: ${message.split("\n").slice(0, 6).join("\n")}`);
  }
  // In a package that is not "type": "module", the file loads as CommonJS and its default export arrives wrapped once more.
  const candidate = isModel(loaded.default) ? loaded.default : (loaded.default as { default?: unknown } | undefined)?.default;
  if (!isModel(candidate)) throw new UsageError(`${file}: its default export is not a model made by defineModel (export default defineModel({ ... }))`);
  return candidate;
}
