// `shapegrad/codegen`: the generator as a library. Kept apart from the main entry so that a user
// of the typed library never loads ts-morph or prettier.
export { generateSource, bufferBytes, bufferBudgetBytes, GenerateError, type GenerateOptions, type Kernels } from "./generate.js";
export { specialize, cacheDirectory, type Specialized, type SpecializeOptions } from "./specialize.js";
export { importGenerated, type LoadedModule } from "./import-module.js";
export { loadModel, UsageError } from "./load-model.js";
export { optimizerDefaults, optimizerState, type OptimizerName } from "./optimizers.js";
export { planModel, type Plan } from "./plan.js";
export { onnxModel, checkExportable, onnxOpset, type ModelSpec, type ExportOptions } from "./onnx-graph.js";
export { encodeOnnx, onnxMetadata } from "./onnx-write.js";
