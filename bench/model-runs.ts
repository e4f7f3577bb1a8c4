// The runs of bench/models.ts, as text and back (test/model-runs.test.ts): a run is a model of
// dsl/ and its settings, "gru/h=256/n=32/T=32/opt=adam/lr=0.002/k=64" (h, n, T: --hidden, --batch,
// --seq; opt, lr, eps: the optimizer; thr: --threads; any other key a dim of the model), runs joined
// by commas.
export const benchModels = ["rnn", "gru", "lstm", "rnn2", "attention"] as const;
export type BenchModel = (typeof benchModels)[number];

export interface Run {
  readonly model: BenchModel;
  readonly hidden?: number;
  readonly batch?: number;
  readonly seq?: number;
  readonly optimizer?: "adagrad" | "adam" | "sgd";
  readonly lr?: number;
  readonly epsilon?: number;
  readonly threads?: number;
  readonly dims?: Readonly<Record<string, number>>;
}

export const modelFile = (m: BenchModel) => (m === "attention" ? "dsl/attention.ts" : `dsl/char-${m}.ts`);

export function parseRuns(option: string, text: string): Run[] {
  return text.split(",").map((spec) => {
    const [model, ...parts] = spec.split("/");
    if (!(benchModels as readonly string[]).includes(model!)) throw new Error(`${option}: ${model} is not one of ${benchModels.join(", ")} (runs look like gru/h=256/n=32/opt=adam/lr=0.002)`);
    const run: { -readonly [K in keyof Run]: Run[K] } = { model: model as BenchModel };
    const dims: Record<string, number> = {};
    for (const part of parts) {
      const [key, value] = part.split("=");
      if (key === "opt") {
        if (value !== "adagrad" && value !== "adam" && value !== "sgd") throw new Error(`${option}: opt=${value} is not adagrad, adam or sgd`);
        run.optimizer = value;
        continue;
      }
      const v = Number(value);
      if (value === undefined || value === "" || !(v > 0)) throw new Error(`${option}: ${part} is not key=positive number`);
      if (key === "h") run.hidden = v;
      else if (key === "n") run.batch = v;
      else if (key === "T") run.seq = v;
      else if (key === "lr") run.lr = v;
      else if (key === "eps") run.epsilon = v;
      else if (key === "thr") run.threads = v;
      else dims[key!] = v;
    }
    if (Object.keys(dims).length > 0) run.dims = dims;
    return run;
  });
}

export function formatRun(r: Run): string {
  const parts: string[] = [r.model];
  if (r.hidden !== undefined) parts.push(`h=${r.hidden}`);
  if (r.batch !== undefined) parts.push(`n=${r.batch}`);
  if (r.seq !== undefined) parts.push(`T=${r.seq}`);
  for (const [k, v] of Object.entries(r.dims ?? {})) parts.push(`${k}=${v}`);
  if (r.optimizer !== undefined) parts.push(`opt=${r.optimizer}`);
  if (r.lr !== undefined) parts.push(`lr=${r.lr}`);
  if (r.epsilon !== undefined) parts.push(`eps=${r.epsilon}`);
  if (r.threads !== undefined) parts.push(`thr=${r.threads}`);
  return parts.join("/");
}

/** A sample as one table-safe line: newlines as ⏎, pipes escaped. */
export const oneLine = (s: string, length = 80) => s.slice(0, length).replaceAll("\n", "⏎").replaceAll("|", "\\|");
