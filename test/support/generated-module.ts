// Generates a model's module in memory, writes it to a temporary file and imports it, so that
// tests exercise exactly the text that `shapegrad generate` would write.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSource, type Kernels } from "../../codegen/generate.js";
import type { AnyModel } from "../../src/index.js";

export interface GeneratedModule {
  readonly source: string;
  readonly module: {
    forward(params: object, batch: object): { loss: number } & Record<string, unknown>;
    lossAndGrad(params: object, batch: object, grads: object): { loss: number } & Record<string, { data: Float64Array }> & { loss: number };
    sizes: Readonly<Record<string, number>>;
  };
}

const dir = mkdtempSync(join(tmpdir(), "shapegrad-generated-"));
let count = 0;

export async function generateAndImport(model: AnyModel, sizes: object, source = "dsl/model.ts", kernels: Kernels = "js", sideBySide = true): Promise<GeneratedModule> {
  const text = await generateSource(model, { sizes: sizes as Readonly<Record<string, number>>, source, generator: "shapegrad test", kernels, sideBySide });
  const file = join(dir, `module${++count}.ts`);
  writeFileSync(file, text);
  return { source: text, module: (await import(file)) as GeneratedModule["module"] };
}
