// `shapegrad train --text FILE`: the main job. Options are checked before anything is written;
// progress and samples go to stderr, and `--json` puts one summary line on stdout.
import { optimizerDefaults, type OptimizerName } from "../codegen/optimizers.js";
import { train, type TrainOptions } from "../train/trainer.js";
import { progress } from "./progress.js";

export async function trainCommand(options: TrainOptions & { readonly json: boolean }): Promise<number> {
  let bar: ReturnType<typeof progress> | undefined;
  let lastTime = performance.now(), lastStep = 0;
  let cps = 0;
  const report = await train(options, {
    onStart: (info) => {
      const lr = options.lr ?? optimizerDefaults[options.optimizer as OptimizerName].lr;
      process.stderr.write(
        `training rnn on ${options.text}: vocab ${info.vocab}, ${Object.entries(info.sizes).map(([k, v]) => `${k}=${v}`).join(" ")}, ${options.optimizer} lr ${lr}` +
          `${info.fromStep ? `, resuming at step ${info.fromStep}` : ""}${info.generated ? " (generated the model's code)" : " (model's code from the cache)"}\n`,
      );
      bar = progress(info.steps, info.fromStep);
      lastStep = info.fromStep;
    },
    onStep: (step, _loss, smooth, chars) => {
      const now = performance.now();
      if (now - lastTime > 250 || step === options.steps) {
        cps = ((step - lastStep) * chars * 1000) / Math.max(1, now - lastTime);
        lastTime = now;
        lastStep = step;
      }
      bar?.update(step, smooth, cps);
    },
    onSample: (step, text) => bar?.log(`--- sample at step ${step} ---\n${text}\n---`),
  });
  bar?.stop();
  process.stderr.write(`loss plot: ${report.plot}\ncheckpoint: ${report.checkpoint}\n`);
  if (options.json) {
    const { vocab, steps, firstLoss, finalLoss, msPerStep, checkpoint } = report;
    process.stdout.write(`${JSON.stringify({ vocab, steps, firstLoss, finalLoss, msPerStep, checkpoint, plot: report.plot, log: report.log })}\n`);
  }
  return 0;
}
