// The loss chart is read by people, but checked here by machine: the SVG must be well-formed XML
// (checked by a small tokenizer below, since the project takes no XML dependency), carry its
// labels, never print NaN, stay byte-identical across runs and keep spikes through downsampling.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rng } from "../src/index.js";
import { renderLossPlot, type LossPoint } from "../train/loss-plot.js";

/** Throws unless `xml` is one well-formed element; returns the element names in document order. */
function checkWellFormed(xml: string): string[] {
  const name = "[A-Za-z_][\\w.:-]*";
  // Comments, end tags, start/empty tags with double-quoted attributes, character data.
  const token = new RegExp(`<!--[\\s\\S]*?-->|</(${name})\\s*>|<(${name})((?:\\s+${name}\\s*=\\s*"[^"<]*")*)\\s*(/?)>|([^<]+)`, "y");
  const badAmp = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: string[] = [];
  const names: string[] = [];
  let roots = 0;
  let at = 0;
  while (at < xml.length) {
    token.lastIndex = at;
    const m = token.exec(xml);
    if (m === null) throw new Error(`not well-formed at ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
    at = token.lastIndex;
    const [, close, open, attrs, selfClose, chars] = m;
    if (close !== undefined) {
      const top = stack.pop();
      if (top !== close) throw new Error(`</${close}> closes <${top ?? "nothing"}>`);
    } else if (open !== undefined) {
      if (stack.length === 0 && ++roots > 1) throw new Error(`second root element <${open}>`);
      const seen = new Set<string>();
      for (const [, attr, value] of (attrs ?? "").matchAll(new RegExp(`(${name})\\s*=\\s*"([^"]*)"`, "g"))) {
        if (seen.has(attr!)) throw new Error(`duplicate attribute ${attr} on <${open}>`);
        seen.add(attr!);
        if (badAmp.test(value!)) throw new Error(`bare & in attribute ${attr} of <${open}>`);
      }
      names.push(open);
      if (selfClose !== "/") stack.push(open);
    } else if (chars !== undefined) {
      if (stack.length === 0 && chars.trim() !== "") throw new Error(`text outside the root: ${chars}`);
      if (badAmp.test(chars)) throw new Error(`bare & in text: ${chars}`);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join("> <")}>`);
  if (roots !== 1) throw new Error("no root element");
  return names;
}

/** The vertices of the polyline with this class, as [x, y] pixels. */
function vertices(svg: string, cls: string): [number, number][] {
  const m = new RegExp(`<polyline class="${cls}"[^>]*points="([^"]*)"`).exec(svg);
  if (m === null) return [];
  return m[1]!.split(" ").map((pair) => pair.split(",").map(Number) as [number, number]);
}

/** The y-axis ticks as { value, pixel } pairs, read from the tick groups. */
function yTicks(svg: string): { value: number; y: number }[] {
  const re = /<g class="tick-y" transform="translate\(0,([-\d.]+)\)">.*?<text[^>]*>([^<]*)<\/text><\/g>/g;
  return [...svg.matchAll(re)].map((m) => ({ y: Number(m[1]), value: Number(m[2]) }));
}

function xTickLabels(svg: string): string[] {
  return [...svg.matchAll(/<g class="tick-x"[^>]*>.*?<text[^>]*>([^<]*)<\/text><\/g>/g)].map((m) => m[1]!);
}

/** Where the chart would draw `loss`, from the linear map its own tick labels define. */
function pixelOf(svg: string, loss: number): number {
  const t = yTicks(svg);
  const a = t[0]!;
  const b = t[t.length - 1]!;
  return a.y + ((loss - a.value) * (b.y - a.y)) / (b.value - a.value);
}

function expectClean(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(() => checkWellFormed(svg)).not.toThrow();
  expect(svg).not.toMatch(/NaN|Infinity|undefined/);
  expect(svg).toContain(">step</text>");
  expect(svg).toContain(">loss (nats per character)</text>");
}

/** A char-RNN-like run: from ln 65 towards 1.5, with noise and a few early spikes. */
function syntheticRun(steps: number, seed = 7): LossPoint[] {
  const random = rng(seed);
  const points: LossPoint[] = [];
  for (let step = 1; step <= steps; step++) {
    const spike = random.uniform() < 0.004 ? 0.8 * random.uniform() : 0;
    const loss = 1.5 + (Math.log(65) - 1.5) * Math.exp(-step / 350) + 0.12 * random.normal() + spike;
    points.push({ step, loss: Math.max(0.05, loss) });
  }
  return points;
}

const reference = { value: Math.log(65), label: `uniform guess ln 65 = ${Math.log(65).toFixed(2)}` };

describe("the checker itself", () => {
  it("accepts nested and empty elements and rejects the usual mistakes", () => {
    expect(checkWellFormed('<a x="1"><b/><c>t &amp; u</c></a>')).toEqual(["a", "b", "c"]);
    for (const bad of ["<a><b></a></b>", "<a>", "<a>x & y</a>", '<a x="1" x="2"/>', "<a/><b/>", "<a x=1/>", "<a>1 < 2</a>"]) {
      expect(() => checkWellFormed(bad), bad).toThrow();
    }
  });
});

describe("renderLossPlot", () => {
  const points = syntheticRun(2000);
  const svg = renderLossPlot(points, { title: "min-char-rnn on tiny-shakespeare", subtitle: "hidden 100, seq 25, Adagrad lr 0.1", reference });

  it("renders a realistic run with title, axes, ticks, legend and reference", () => {
    expectClean(svg);
    const names = checkWellFormed(svg);
    expect(names.filter((n) => n === "polyline")).toHaveLength(2);
    expect(svg).toContain("min-char-rnn on tiny-shakespeare");
    expect(svg).toContain("hidden 100, seq 25, Adagrad lr 0.1");
    expect(svg).toContain("uniform guess ln 65 = 4.17");
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toContain(">loss per step</text>");
    expect(svg).toMatch(/>smoothed \(factor 0\.98\), last 1\.\d{3}<\/text>/);
    expect(xTickLabels(svg)).toEqual(["0", "500", "1000", "1500", "2000"]);
    // y ticks: evenly spaced by 1, 2 or 5 × 10^k, covering the data and the reference.
    const ys = yTicks(svg).map((t) => t.value);
    expect(ys.length).toBeGreaterThanOrEqual(4);
    const step = ys[1]! - ys[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    expect([1, 2, 5].some((n) => Math.abs(mantissa - n) < 1e-9)).toBe(true);
    for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeCloseTo(step, 9);
    expect(ys[ys.length - 1]!).toBeGreaterThanOrEqual(Math.max(...points.map((p) => p.loss)));
    expect(vertices(svg, "raw")).toHaveLength(2000);

    const file = join(tmpdir(), "shapegrad-loss-plot.svg");
    writeFileSync(file, svg);
    console.log(`loss plot written to ${file}`);
  });

  it("is deterministic", () => {
    expect(renderLossPlot(syntheticRun(2000), { title: "min-char-rnn on tiny-shakespeare", subtitle: "hidden 100, seq 25, Adagrad lr 0.1", reference })).toBe(svg);
  });

  it("escapes text for XML", () => {
    const out = renderLossPlot(points.slice(0, 50), { title: `a < b & "c"`, subtitle: "it's > 1", reference: { value: 4, label: "<ref> & 'x'" } });
    expectClean(out);
    expect(out).toContain("a &lt; b &amp; &quot;c&quot;");
    expect(out).toContain("it&apos;s &gt; 1");
    expect(out).toContain("&lt;ref&gt; &amp; &apos;x&apos;");
    expect(out).not.toContain(`a < b`);
  });

  it("draws axes and a note when there is no data", () => {
    const out = renderLossPlot([], { title: "empty" });
    expectClean(out);
    expect(out).toContain(">no data</text>");
    expect(out).not.toContain("<polyline");
    expect(yTicks(out).length).toBeGreaterThan(1);
  });

  it("handles one point and a constant loss", () => {
    const one = renderLossPlot([{ step: 0, loss: 4.17 }], { title: "one", reference });
    expectClean(one);
    expect(one).toContain("<circle");
    expect(one).toContain("last 4.170");

    const flat = renderLossPlot(Array.from({ length: 100 }, (_, step) => ({ step, loss: 2 })), { title: "flat" });
    expectClean(flat);
    const ys = new Set(vertices(flat, "raw").map(([, y]) => y));
    expect(ys.size).toBe(1);
    expect([...ys][0]).toBeCloseTo(pixelOf(flat, 2), 1);
    expect(yTicks(flat).length).toBeGreaterThan(2);
  });

  it("skips non-finite losses and says how many", () => {
    const bad = [...points.slice(0, 100), { step: 101, loss: NaN }, { step: 102, loss: Infinity }, { step: 103, loss: -Infinity }];
    const out = renderLossPlot(bad, { title: "diverged", subtitle: "lr 10" });
    expectClean(out);
    expect(out).toContain("lr 10 · 3 non-finite loss values skipped");
    expect(vertices(out, "raw")).toHaveLength(100);

    const allBad = renderLossPlot([{ step: 1, loss: NaN }], { title: "all bad" });
    expectClean(allBad);
    expect(allBad).toContain("1 non-finite loss value skipped");
    expect(allBad).toContain(">no data</text>");
  });

  it("smooths like min-char-rnn, starting at the first loss", () => {
    const out = renderLossPlot([{ step: 1, loss: 4 }, { step: 2, loss: 2 }], { title: "s", smoothing: 0.5 });
    expect(out).toContain("smoothed (factor 0.5), last 3.000");
    expect(() => renderLossPlot([], { title: "s", smoothing: 1 })).toThrow(RangeError);
    expect(() => renderLossPlot([], { title: "s", smoothing: NaN })).toThrow(RangeError);
  });

  it("downsamples long runs without losing a spike", () => {
    const long = syntheticRun(100_000, 11).map((p, i) => (i === 54_321 ? { step: p.step, loss: 9 } : p));
    const out = renderLossPlot(long, { title: "long", reference });
    expectClean(out);
    const raw = vertices(out, "raw");
    expect(raw.length).toBeLessThanOrEqual(2000);
    expect(raw.length).toBeGreaterThan(1000);
    expect(vertices(out, "smoothed").length).toBeLessThanOrEqual(2000);
    // The spike is the topmost raw vertex, drawn at exactly the height of loss 9.
    const top = raw.reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(top[1]).toBeCloseTo(pixelOf(out, 9), 0);
    expect(Math.abs(top[1] - pixelOf(out, 9))).toBeLessThanOrEqual(0.1);
    expect(xTickLabels(out)).toContain("100k");
    expect(out.length).toBeLessThan(200_000);
  });
  it("draws validation losses as points on a line, at their steps and heights, in the axes and the legend", () => {
    const validation = [{ step: 500, loss: 2.6 }, { step: 1000, loss: 2.2 }, { step: 2000, loss: 0.4 }, { step: 1500, loss: NaN }];
    const out = renderLossPlot(points, { title: "with validation", reference, validation });
    expectClean(out);
    checkWellFormed(out);
    const line = vertices(out, "validation");
    expect(line).toHaveLength(3);
    expect(out.match(/<circle class="validation"/g)).toHaveLength(3);
    // The lowest point, below every training loss, is inside the y axis, at its height.
    expect(Math.min(...yTicks(out).map((t) => t.value))).toBeLessThanOrEqual(0.4);
    expect(Math.abs(line[2]![1] - pixelOf(out, 0.4))).toBeLessThanOrEqual(0.1);
    expect(line[0]![0]).toBeLessThan(line[1]![0]);
    expect(out).toContain(">validation (mean over held-out text), last 0.400</text>");
    expect(renderLossPlot(points, { title: "min-char-rnn on tiny-shakespeare", subtitle: "hidden 100, seq 25, Adagrad lr 0.1", reference, validation: [] })).toBe(svg);
  });
});
