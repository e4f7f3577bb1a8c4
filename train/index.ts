// `shapegrad/train`: what the CLI's train and sample commands are made of, as a library: train a
// character model, load a checkpoint, sample from it, run the model forward.
export { train, modelIdentity, TrainingStopped, type TrainOptions, type TrainReport, type TrainHooks, type StepProgress } from "./trainer.js";
export { characterDims, characterSizes, characterLayout, type CharacterDims, type SizeRequest } from "./character-model.js";
export { readCheckpoint, writeCheckpoint, expectModel, encodeCheckpoint, decodeCheckpoint, CheckpointError, checkpointFormatVersion, type Checkpoint, type CheckpointModel, type ModelFile } from "./checkpoint.js";
export { sampleText, samplingIR, drawFrom, type SampleOptions } from "./sample.js";
export { readCorpus, corpusFromText, encode, TrainingInputError, type Corpus } from "./corpus.js";
export { renderLossPlot } from "./loss-plot.js";
export { sampleFromCheckpoint, forwardFromCheckpoint, checkpointModel } from "./from-checkpoint.js";
export { defaultModelFile, loadModelFile } from "./model-file.js";
