// Progress on stderr: a live bar on a terminal, and on anything else (CI, a pipe, a file) a plain
// line every so often, so logs stay readable. Each number under its own label: `loss` is the last
// step's loss, `smoothed` the exponentially smoothed step loss (factor 0.999), `val` the last mean
// loss on the held-out text. The bar runs over steps, or over seconds when only --time bounds the run.
import { SingleBar } from "cli-progress";

export interface ProgressLine {
  readonly step: number;
  /** Seconds since the run's first step. */
  readonly elapsed: number;
  readonly loss: number;
  readonly smoothLoss: number;
  readonly valLoss: number;
  readonly charsPerSecond: number;
}

export interface Progress {
  update(line: ProgressLine): void;
  /** Prints a line without tearing the bar. */
  log(text: string): void;
  stop(): void;
}

/** The run's limits: steps (possibly unbounded) and a time budget in seconds (possibly none). */
export interface ProgressLimits {
  readonly steps: number;
  readonly time: number | undefined;
  readonly fromStep: number;
}

const fixed = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : "–");

function describe(line: ProgressLine): { loss: string; smoothed: string; val: string; cps: string } {
  return { loss: fixed(line.loss), smoothed: fixed(line.smoothLoss), val: fixed(line.valLoss), cps: Math.round(line.charsPerSecond).toLocaleString("en-US") };
}

export function progress(limits: ProgressLimits, stream: NodeJS.WriteStream = process.stderr): Progress {
  const bySteps = Number.isFinite(limits.steps);
  const total = bySteps ? limits.steps : limits.time ?? 0;
  const position = (line: ProgressLine) => (bySteps ? line.step : Math.min(total, line.elapsed));
  const stepText = (step: number) => (bySteps ? `step ${step}/${limits.steps}` : `step ${step}`);
  if (stream.isTTY) {
    // By time, the bar shows seconds (its own eta would be the time left, which the total says).
    const [head, tail] = bySteps ? ["step {value}/{total}", " · eta {eta_formatted}"] : ["step {step} · {seconds}/{total} s", ""];
    const bar = new SingleBar(
      { format: `${head} {bar} loss {loss} · smoothed {smoothed} · val {val} · {cps} chars/s${tail}`, hideCursor: true, stream, barsize: 24, etaBuffer: 50 },
    );
    let current = bySteps ? limits.fromStep : 0;
    let payload = { step: String(limits.fromStep), seconds: "0", loss: "–", smoothed: "–", val: "–", cps: "–" };
    bar.start(total, current, payload);
    return {
      update: (line) => {
        current = position(line);
        payload = { step: String(line.step), seconds: line.elapsed.toFixed(1), ...describe(line) };
        bar.update(current, payload);
      },
      // The bar is taken down for the text and put back as it was.
      log: (text) => {
        bar.stop();
        stream.write(`${text}\n`);
        bar.start(total, current, payload);
      },
      stop: () => bar.stop(),
    };
  }
  // A line every twentieth of the run (of its steps, or of its seconds), and the last one.
  const every = bySteps ? Math.max(1, Math.round((limits.steps - limits.fromStep) / 20)) : Math.max(1, total / 20);
  let next = every;
  return {
    update: (line) => {
      const at = bySteps ? line.step - limits.fromStep : line.elapsed;
      if (line.step === limits.steps || at >= next) {
        while (next <= at) next += every;
        const d = describe(line);
        stream.write(`${stepText(line.step)}  loss ${d.loss}  smoothed ${d.smoothed}  val ${d.val}  ${d.cps} chars/s\n`);
      }
    },
    log: (text) => stream.write(`${text}\n`),
    stop: () => {},
  };
}
