// `shapegrad/train`: what the CLI's train and sample commands are made of, as a library: train a
// character model, load a checkpoint, sample from it, run the model forward.
export { train, modelIdentity, characterModelSizes, TrainingStopped, type TrainOptions, type TrainReport, type TrainHooks } from "./trainer.js";
export { readCheckpoint, writeCheckpoint, expectModel, encodeCheckpoint, decodeCheckpoint, CheckpointError, checkpointFormatVersion, type Checkpoint, type CheckpointModel } from "./checkpoint.js";
export { sampleText, samplingIR, drawFrom, type SampleOptions } from "./sample.js";
export { readCorpus, corpusFromText, encode, TrainingInputError, type Corpus } from "./corpus.js";
export { renderLossPlot } from "./loss-plot.js";
export { sampleFromCheckpoint, forwardFromCheckpoint } from "./from-checkpoint.js";
