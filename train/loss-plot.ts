// A training-loss chart as one standalone SVG string: no dependencies, no DOM, no fonts to load,
// so a training run can write it next to its checkpoints and anyone can open it in a browser.
// Everything is derived from the input alone and every number is printed with a fixed number of
// decimals, so the same run always produces byte-identical files (diffable, testable).

export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

export interface LossPlotOptions {
  title: string;
  subtitle?: string;
  /** A horizontal dashed line, e.g. { value: Math.log(65), label: "uniform guess ln 65 = 4.17" }. */
  reference?: { value: number; label: string };
  /** Exponential smoothing factor in [0, 1); min-char-rnn's smooth_loss uses 0.999 over long runs. */
  smoothing?: number;
  /** Validation losses (the mean over held-out text), drawn as points joined by a line. */
  validation?: readonly LossPoint[];
}

const WIDTH = 800;
const HEIGHT = 450;
// The left margin holds the tick labels and the rotated y label; the top one the title block.
const LEFT = 72;
const RIGHT = WIDTH - 28;
const TOP = 70;
const BOTTOM = HEIGHT - 58;
// Far more vertices than the plot has pixel columns add bytes, not information.
const MAX_RAW_VERTICES = 2000;
const BUCKETS = MAX_RAW_VERTICES / 2; // each bucket emits its min and its max
const FONT = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif";
const RAW_COLOR = "#4a90d9";
const SMOOTH_COLOR = "#0b3d91";
const VALIDATION_COLOR = "#c2410c";

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos" }[c]};`);
}

/** Pixel coordinates: a tenth of a pixel is below what any renderer shows. */
const px = (v: number): string => v.toFixed(1);

/** The smallest 1, 2 or 5 × 10^k at least `raw`: steps a reader can add up without arithmetic. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** Enough decimals to tell ticks `step` apart (0.2 → 1, 0.05 → 2, 500 → 0). */
const decimalsFor = (step: number): number => Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));

/** Ticks as integer multiples of the step, so 3 × 0.2 never drifts into 0.6000000000000001. */
function ticks(lo: number, hi: number, step: number): number[] {
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) out.push(k * step);
  return out;
}

/** Step counts get k/M suffixes (20k reads faster than 20000); losses are printed as they are. */
function tickLabel(v: number, step: number, suffixes: boolean): string {
  const [div, suffix] = suffixes && step >= 1e6 ? [1e6, "M"] : suffixes && step >= 1e3 ? [1e3, "k"] : [1, ""];
  const text = (v / div).toFixed(decimalsFor(step / div));
  // toFixed prints a value a hair below zero as "-0.0"; the tick is zero.
  return Number(text) === 0 ? text.replace(/^-/, "") : text + suffix;
}

/**
 * Long runs: per bucket of consecutive points keep the lowest and the highest, in time order, so
 * a single divergent step still reaches its true height (plain decimation would usually drop it).
 */
function downsampleMinMax(points: readonly LossPoint[]): LossPoint[] {
  if (points.length <= MAX_RAW_VERTICES) return [...points];
  const out: LossPoint[] = [];
  for (let b = 0; b < BUCKETS; b++) {
    const from = Math.floor((b * points.length) / BUCKETS);
    const to = Math.floor(((b + 1) * points.length) / BUCKETS);
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i]!.loss < points[lo]!.loss) lo = i;
      if (points[i]!.loss > points[hi]!.loss) hi = i;
    }
    out.push(points[Math.min(lo, hi)]!);
    if (lo !== hi) out.push(points[Math.max(lo, hi)]!);
  }
  return out;
}

/** The smoothed curve has no spikes to keep, so a bucket's mean is the faithful summary. */
function downsampleMean(points: readonly LossPoint[]): LossPoint[] {
  if (points.length <= MAX_RAW_VERTICES) return [...points];
  const out: LossPoint[] = [];
  for (let b = 0; b < BUCKETS; b++) {
    const from = Math.floor((b * points.length) / BUCKETS);
    const to = Math.floor(((b + 1) * points.length) / BUCKETS);
    let step = 0;
    let loss = 0;
    for (let i = from; i < to; i++) {
      step += points[i]!.step;
      loss += points[i]!.loss;
    }
    out.push({ step: step / (to - from), loss: loss / (to - from) });
  }
  return out;
}

export function renderLossPlot(points: readonly LossPoint[], options: LossPlotOptions): string {
  const beta = options.smoothing ?? 0.98;
  if (!(beta >= 0 && beta < 1)) throw new RangeError(`renderLossPlot: smoothing must be in [0, 1), got ${beta}`);
  // A NaN or ±Infinity loss (a diverged step) cannot be placed on an axis; drop it and say so.
  // Sorting (stable) lets callers pass steps gathered out of order, e.g. from resumed runs.
  const data = points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss)).sort((a, b) => a.step - b.step);
  const skipped = points.length - data.length;
  const validation = (options.validation ?? []).filter((p) => Number.isFinite(p.step) && Number.isFinite(p.loss)).sort((a, b) => a.step - b.step);
  const reference = options.reference !== undefined && Number.isFinite(options.reference.value) ? options.reference : undefined;

  // Same recurrence as min-char-rnn's smooth_loss, but started at the first loss instead of a guess.
  const smoothed: LossPoint[] = [];
  let s = data[0]?.loss ?? 0;
  for (const p of data) {
    s = beta * s + (1 - beta) * p.loss;
    smoothed.push({ step: p.step, loss: s });
  }

  // ---- Domains: all data and the reference must be visible; degenerate ranges get widened. ----
  let [xLo, xHi, yLo, yHi] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of [...data, ...validation]) [xLo, xHi, yLo, yHi] = [Math.min(xLo, p.step), Math.max(xHi, p.step), Math.min(yLo, p.loss), Math.max(yHi, p.loss)];
  if (reference !== undefined) [yLo, yHi] = [Math.min(yLo, reference.value), Math.max(yHi, reference.value)];
  if (!(xLo <= xHi)) [xLo, xHi] = [0, 1];
  if (!(yLo <= yHi)) [yLo, yHi] = [0, 1];
  if (xHi - xLo <= 0) [xLo, xHi] = [xLo >= 1 || xLo < 0 ? xLo - 1 : xLo, xHi + 1];
  if (yHi - yLo <= 1e-9 * Math.max(1, Math.abs(yLo), Math.abs(yHi))) {
    const d = yLo !== 0 ? Math.abs(yLo) * 0.1 : 1; // a constant loss sits mid-plot, ±10%
    [yLo, yHi] = [yLo - d, yHi + d];
  }
  const integerSteps = [...data, ...validation].every((p) => Number.isInteger(p.step));
  const xStep = Math.max(niceStep((xHi - xLo) / 7), integerSteps ? 1 : 0);
  xLo = Math.floor(xLo / xStep + 1e-9) * xStep; // start on a tick; the right end stays at the last step
  const pad = (yHi - yLo) * 0.04; // so the highest spike does not merge with the frame
  yLo = yLo >= 0 ? Math.max(0, yLo - pad) : yLo - pad; // losses are ≥ 0: no tick at -0.5
  yHi += pad;
  const yStep = niceStep((yHi - yLo) / 8);
  [yLo, yHi] = [Math.floor(yLo / yStep + 1e-9) * yStep, Math.ceil(yHi / yStep - 1e-9) * yStep];
  const X = (v: number): number => LEFT + ((v - xLo) / (xHi - xLo)) * (RIGHT - LEFT);
  const Y = (v: number): number => BOTTOM - ((v - yLo) / (yHi - yLo)) * (BOTTOM - TOP);

  const out: string[] = [];
  const text = (x: number, y: number, body: string, attrs = ""): void => {
    out.push(`<text x="${px(x)}" y="${px(y)}"${attrs}>${escapeXml(body)}</text>`);
  };
  // A white outline behind text drawn over the data keeps it readable over the curves.
  const halo = ` stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}">`);
  out.push(`<title>${escapeXml(options.title)}</title>`);
  out.push(`<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`);
  text(20, 30, options.title, ` font-size="18" font-weight="600" fill="#1f2328"`);
  const note = skipped > 0 ? `${skipped} non-finite loss ${skipped === 1 ? "value" : "values"} skipped` : "";
  const subtitle = [options.subtitle ?? "", note].filter((t) => t !== "").join(" · ");
  if (subtitle !== "") text(20, 50, subtitle, ` font-size="13" fill="#656d76"`);

  // ---- Grid, ticks and axis labels. ----
  out.push(`<g font-size="11" fill="#57606a">`);
  for (const v of ticks(yLo, yHi, yStep)) {
    out.push(`<g class="tick-y" transform="translate(0,${px(Y(v))})"><line x1="${LEFT}" x2="${RIGHT}" stroke="#eaeef2"/>` +
      `<text x="${LEFT - 8}" y="4" text-anchor="end">${tickLabel(v, yStep, false)}</text></g>`);
  }
  for (const v of ticks(xLo, xHi, xStep)) {
    out.push(`<g class="tick-x" transform="translate(${px(X(v))},0)"><line y1="${TOP}" y2="${BOTTOM}" stroke="#eaeef2"/>` +
      `<line y1="${BOTTOM}" y2="${BOTTOM + 5}" stroke="#57606a"/><text y="${BOTTOM + 18}" text-anchor="middle">${tickLabel(v, xStep, true)}</text></g>`);
  }
  out.push(`</g>`);
  out.push(`<path d="M${LEFT},${TOP}V${BOTTOM}H${RIGHT}" fill="none" stroke="#57606a"/>`);
  text((LEFT + RIGHT) / 2, HEIGHT - 14, "step", ` font-size="13" text-anchor="middle" fill="#1f2328"`);
  out.push(`<text transform="translate(20,${px((TOP + BOTTOM) / 2)}) rotate(-90)" font-size="13" text-anchor="middle" fill="#1f2328">loss (nats per character)</text>`);

  // ---- Reference line, then the data: faint raw underneath, bold smoothed on top. ----
  if (reference !== undefined) {
    const y = Y(reference.value);
    out.push(`<line class="reference" x1="${LEFT}" x2="${RIGHT}" y1="${px(y)}" y2="${px(y)}" stroke="#8c959f" stroke-width="1.25" stroke-dasharray="6 4"/>`);
    const above = y - 18 >= TOP; // near the top edge the label goes under the line instead
    text(RIGHT - 6, above ? y - 6 : y + 15, reference.label, ` font-size="12" text-anchor="end" fill="#57606a"${halo}`);
  }
  const raw = downsampleMinMax(data).map((p) => [X(p.step), Y(p.loss)] as const);
  const smooth = downsampleMean(smoothed).map((p) => [X(p.step), Y(p.loss)] as const);
  const polyline = (pts: readonly (readonly [number, number])[], attrs: string): string =>
    `<polyline ${attrs} fill="none" stroke-linejoin="round" points="${pts.map(([x, y]) => `${px(x)},${px(y)}`).join(" ")}"/>`;
  if (raw.length > 1) out.push(polyline(raw, `class="raw" stroke="${RAW_COLOR}" stroke-opacity="0.45" stroke-width="0.8"`));
  if (smooth.length > 1) out.push(polyline(smooth, `class="smoothed" stroke="${SMOOTH_COLOR}" stroke-width="2.25"`));
  const held = validation.map((p) => [X(p.step), Y(p.loss)] as const);
  if (held.length > 1) out.push(polyline(held, `class="validation" stroke="${VALIDATION_COLOR}" stroke-width="1.75"`));
  for (const [x, y] of held) out.push(`<circle class="validation" cx="${px(x)}" cy="${px(y)}" r="3" fill="${VALIDATION_COLOR}"/>`);
  const last = smooth[smooth.length - 1];
  if (last !== undefined) out.push(`<circle cx="${px(last[0])}" cy="${px(last[1])}" r="3" fill="${SMOOTH_COLOR}"/>`);
  // A third of the way down: the middle is where a reference line lands when there is no data.
  if (data.length === 0) text((LEFT + RIGHT) / 2, TOP + (BOTTOM - TOP) / 3, "no data", ` font-size="16" font-style="italic" text-anchor="middle" fill="#8c959f"`);

  // ---- Legend: of nine spots inside the plot, the first (in reading preference) covering the least. ----
  const lastLoss = smoothed[smoothed.length - 1]?.loss;
  const entries = [
    { label: "loss per step", swatch: `stroke="${RAW_COLOR}" stroke-opacity="0.6" stroke-width="1"` },
    {
      label: `smoothed (factor ${String(beta)})${lastLoss === undefined ? "" : `, last ${lastLoss.toFixed(3)}`}`,
      swatch: `stroke="${SMOOTH_COLOR}" stroke-width="2.25"`,
    },
    ...(validation.length === 0
      ? []
      : [{ label: `validation (mean over held-out text), last ${validation[validation.length - 1]!.loss.toFixed(3)}`, swatch: `stroke="${VALIDATION_COLOR}" stroke-width="1.75"` }]),
  ];
  // 0.6 em per character is a generous average for proportional sans-serif fonts at this size.
  const boxW = 40 + Math.max(...entries.map((e) => e.label.length)) * 6.6;
  const boxH = 12 + entries.length * 18;
  const spots: [number, number][] = [];
  for (const fy of [0, 1, 0.5]) for (const fx of [1, 0, 0.5]) spots.push([LEFT + 10 + fx * (RIGHT - LEFT - 20 - boxW), TOP + 10 + fy * (BOTTOM - TOP - 20 - boxH)]);
  const cost = ([bx, by]: [number, number]): number => {
    const inside = ([x, y]: readonly [number, number]): boolean => x >= bx - 4 && x <= bx + boxW + 4 && y >= by - 4 && y <= by + boxH + 4;
    const refY = reference === undefined ? NaN : Y(reference.value);
    const refHit = refY >= by - 20 && refY <= by + boxH + 20 ? 50 : 0; // the line and its label
    return raw.filter(inside).length + 3 * smooth.filter(inside).length + 3 * held.filter(inside).length + refHit;
  };
  let [lx, ly] = spots[0]!;
  let best = Infinity;
  for (const spot of spots) {
    const c = cost(spot);
    if (c < best) [best, lx, ly] = [c, spot[0], spot[1]];
  }
  out.push(`<g class="legend" font-size="12" fill="#1f2328">`);
  out.push(`<rect x="${px(lx)}" y="${px(ly)}" width="${px(boxW)}" height="${boxH}" rx="4" fill="#ffffff" fill-opacity="0.9" stroke="#d0d7de"/>`);
  entries.forEach((e, i) => {
    const y = ly + 16 + i * 18;
    out.push(`<line x1="${px(lx + 10)}" x2="${px(lx + 30)}" y1="${px(y - 4)}" y2="${px(y - 4)}" ${e.swatch}/>`);
    text(lx + 36, y, e.label);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
