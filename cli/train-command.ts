// `shapegrad train --text FILE`: the main job. Options are checked before anything is written;
// progress and samples go to stderr, and `--json` puts one summary line on stdout.
import { train, type TrainOptions } from "../train/trainer.js";
import { progress } from "./progress.js";

export async function trainCommand(options: TrainOptions & { readonly json: boolean }): Promise<number> {
  let bar: ReturnType<typeof progress> | undefined;
  // The rate is characters over the time of the training steps themselves, over the last quarter to half a
  // second of them (from the first step on; evaluation, samples and checkpoints are not steps).
  let [prevChars, prevNs, curChars, curNs] = [0, 0, 0, 0];
  let valLoss = NaN;
  const report = await train(options, {
    onStart: (info) => {
      const limits = [Number.isFinite(info.steps) ? `${info.steps} steps` : "", info.time !== undefined ? `${info.time} s` : ""].filter((s) => s !== "").join(" or ");
      process.stderr.write(
        `training ${info.model} on ${options.text} (${info.trainChars} characters; ${info.valChars > 0 ? `the last ${info.valChars} held out for validation` : "none held out"}): ` +
          `vocab ${info.vocab}, ${Object.entries(info.sizes).map(([k, v]) => `${k}=${v}`).join(" ")}, ${options.optimizer} lr ${info.lr}, ${limits}` +
          `${info.fromStep ? `, resuming at step ${info.fromStep}` : ""}${info.generated ? " (generated the model's code)" : " (model's code from the cache)"}\n` +
          `progress: loss = this step's loss, smoothed = step losses smoothed (factor 0.999), val = mean loss on the held-out text (nats per character)\n`,
      );
      bar = progress({ steps: info.steps, time: info.time, fromStep: info.fromStep });
    },
    onStep: (p) => {
      curChars += p.chars;
      curNs += p.ns;
      if (curNs > 0.25e9) [prevChars, prevNs, curChars, curNs] = [curChars, curNs, 0, 0];
      bar?.update({ step: p.step, elapsed: p.elapsed, loss: p.loss, smoothLoss: p.smoothLoss, valLoss, charsPerSecond: (prevChars + curChars) / ((prevNs + curNs) / 1e9) });
    },
    onValidation: (step, loss) => {
      valLoss = loss;
      bar?.log(`step ${step}: validation loss ${loss.toFixed(4)}`);
    },
    onSample: (step, text) => bar?.log(`--- sample at step ${step} ---\n${text}\n---`),
  });
  bar?.stop();
  process.stderr.write(`loss plot: ${report.plot}\ncheckpoint: ${report.checkpoint}\n`);
  if (options.json) {
    const { model, vocab, steps, firstLoss, lastLoss, finalLoss, smoothLoss, valLoss: val, msPerStep, charsPerSecond, seconds, checkpoint, plot, log } = report;
    process.stdout.write(`${JSON.stringify({ model, vocab, steps, firstLoss, lastLoss, finalLoss, smoothLoss, valLoss: val, msPerStep, charsPerSecond, seconds, checkpoint, plot, log })}\n`);
  }
  return 0;
}
