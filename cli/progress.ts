// Progress on stderr: a live bar on a terminal, and on anything else (CI, a pipe, a file) a plain
// line every so often, so logs stay readable.
import { SingleBar } from "cli-progress";

export interface Progress {
  update(step: number, smoothLoss: number, charsPerSecond: number): void;
  /** Prints a line without tearing the bar. */
  log(text: string): void;
  stop(): void;
}

export function progress(total: number, from: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: "step {value}/{total} {bar} loss {loss} · {cps} chars/s · eta {eta_formatted}", hideCursor: true, stream, barsize: 24, etaBuffer: 50 },
    );
    let current = from;
    let payload = { loss: "–", cps: "–" };
    bar.start(total, from, payload);
    return {
      update: (step, loss, cps) => {
        current = step;
        payload = { loss: loss.toFixed(4), cps: Math.round(cps).toLocaleString("en-US") };
        bar.update(step, payload);
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
  const every = Math.max(1, Math.round((total - from) / 20));
  return {
    update: (step, loss, cps) => {
      if (step === total || (step - from) % every === 0) stream.write(`step ${step}/${total}  loss ${loss.toFixed(4)}  ${Math.round(cps)} chars/s\n`);
    },
    log: (text) => stream.write(`${text}\n`),
    stop: () => {},
  };
}
