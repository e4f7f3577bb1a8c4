// ONNX Runtime for the export tests, from the test-only package test/onnx (about 290 MB, kept out of
// the root package): installed with npm ci on first use, its GPU download skipped (test/onnx/.npmrc).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { repoRoot } from "./type-diagnostics.js";

export const onnxPackage = join(repoRoot, "test/onnx");

/** The onnxruntime-node module, installing test/onnx first when it is absent. */
export function onnxRuntime(): Ort {
  if (!existsSync(join(onnxPackage, "node_modules/onnxruntime-node/package.json"))) {
    execFileSync("npm", ["ci", "--prefix", onnxPackage, "--no-audit", "--no-fund"], { stdio: "inherit", env: { ...process.env, npm_config_onnxruntime_node_install: "skip" } });
  }
  return createRequire(join(onnxPackage, "package.json"))("onnxruntime-node");
}

/** The resolved entry file of onnxruntime-node, for a script outside test/onnx to import. */
export function onnxRuntimeEntry(): string {
  onnxRuntime();
  return createRequire(join(onnxPackage, "package.json")).resolve("onnxruntime-node");
}

export interface OrtTensor {
  readonly data: ArrayLike<number>;
  readonly dims: readonly number[];
}
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
}
/** What the tests use of onnxruntime-node's API (typed here: the package is not in the root's node_modules). */
export interface Ort {
  readonly Tensor: new (type: "float64" | "float32" | "int64", data: Float64Array | Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  readonly InferenceSession: { create(model: Uint8Array | string): Promise<Session> };
}
