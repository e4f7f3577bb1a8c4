// Loading generated code in the same process: the module is self-contained, so its JavaScript can
// be imported from a data: URL without touching the disk.
import { toJavaScript } from "./write-module.js";

export interface LoadedModule {
  forward(params: object, batch: object): { readonly loss: number } & Readonly<Record<string, unknown>>;
  lossAndGrad(params: object, batch: object, grads: object): { readonly loss: number } & Readonly<Record<string, unknown>>;
  readonly sizes: Readonly<Record<string, number>>;
}

export async function importGenerated(typescript: string): Promise<LoadedModule> {
  const js = toJavaScript(typescript);
  return (await import(`data:text/javascript;base64,${Buffer.from(js).toString("base64")}`)) as LoadedModule;
}
