// The argument parsing and table arithmetic of bench/tune-defaults.ts and bench/models.ts (the
// benchmarks themselves train for minutes and are not run here).
import { describe, expect, it } from "vitest";
import { formatRun, oneLine, parseRuns } from "../bench/model-runs.js";
import { numberList, parseSetting, worstGaps } from "../bench/tune-table.js";
import { parseTexts } from "../bench/texts.js";

describe("bench:tune's options and gaps", () => {
  it("reads lists of positive numbers and settings, and names a bad one", () => {
    expect(numberList("--lr", "0.05,0.1")).toEqual([0.05, 0.1]);
    expect(() => numberList("--lr", "0.1,x")).toThrow("--lr: x is not a positive number");
    expect(parseSetting("lr=0.2/eps=1e-8")).toEqual({ lr: 0.2, epsilon: 1e-8, clip: 5 });
    expect(() => parseSetting("beta=1")).toThrow("--also: beta=1 is not lr=x, eps=x or clip=x");
    expect(() => parseTexts("legal,poetry")).toThrow("--texts: poetry is not one of");
  });
  it("gives each setting its worst distance to the best of each text and model", () => {
    const a = { lr: 0.1, epsilon: 1e-12, clip: 5 }, b = { lr: 0.05, epsilon: 1e-10, clip: 5 };
    const gaps = worstGaps([
      { text: "legal", model: "rnn", setting: a, atSteps: 3.0, timed: { val: 2.0 } },
      { text: "legal", model: "rnn", setting: b, atSteps: 2.5, timed: { val: 2.1 } },
      { text: "code", model: "rnn", setting: a, atSteps: 2.0 },
      { text: "code", model: "rnn", setting: b, atSteps: 2.04 },
    ]);
    expect(gaps.map((g) => [g.model, g.setting.lr, g.atSteps, g.timed])).toEqual([
      ["rnn", 0.05, expect.closeTo(0.04, 10), expect.closeTo(0.1, 10)],
      ["rnn", 0.1, 0.5, 0],
    ]);
  });
});

describe("bench:models' runs", () => {
  it("reads runs and writes them back", () => {
    const runs = parseRuns("--runs", "gru/h=256/n=16/T=32/opt=adam/lr=0.003,attention/h=64/k=32");
    expect(runs).toEqual([
      { model: "gru", hidden: 256, batch: 16, seq: 32, optimizer: "adam", lr: 0.003 },
      { model: "attention", hidden: 64, dims: { k: 32 } },
    ]);
    expect(runs.map(formatRun)).toEqual(["gru/h=256/n=16/T=32/opt=adam/lr=0.003", "attention/h=64/k=32"]);
    expect(parseRuns("--runs", "gru/n=2/thr=2")).toEqual([{ model: "gru", batch: 2, threads: 2 }]);
    expect(formatRun({ model: "gru", batch: 2, threads: 2 })).toBe("gru/n=2/thr=2");
    expect(() => parseRuns("--runs", "transformer/h=1")).toThrow("--runs: transformer is not one of rnn, gru, lstm, rnn2, attention");
    expect(() => parseRuns("--runs", "gru/h=-1")).toThrow("--runs: h=-1 is not key=positive number");
    expect(oneLine("a|b\nc")).toBe("a\\|b⏎c");
  });
});

describe("bench:tune's pivot table", () => {
  it("puts a setting per row and a text and model per column", async () => {
    const { pivotTable } = await import("../bench/tune-table.js");
    const a = { lr: 0.1, epsilon: 1e-12, clip: 5 };
    expect(pivotTable([{ text: "code", model: "rnn", setting: a, atSteps: 2.5, timed: { val: 2 } }, { text: "code", model: "lstm", setting: a, atSteps: 2.25 }], () => true)).toEqual([
      "| setting | code rnn | code lstm |",
      "|---|---:|---:|",
      "| lr 0.1 ε 1e-12 clip 5 (old default) | 2.500 (2.000) | 2.250 |",
    ]);
  });
});
