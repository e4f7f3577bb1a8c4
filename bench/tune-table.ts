// The parts of bench/tune-defaults.ts that test/tune-table.test.ts checks: reading the grid's
// options and the settings' worst gaps to the best.
export interface Setting { readonly lr: number; readonly epsilon: number; readonly clip: number }

export function numberList(option: string, list: string): number[] {
  return list.split(",").map((x) => {
    const v = Number(x);
    if (x.trim() === "" || !(v > 0)) throw new Error(`${option}: ${x} is not a positive number (a comma-separated list of them is accepted)`);
    return v;
  });
}

/** "lr=0.1/eps=1e-8/clip=5" (each part optional; the rest are Adagrad's defaults: lr 0.1, ε 1e-12, clip 5). */
export function parseSetting(text: string): Setting {
  const s = { lr: 0.1, epsilon: 1e-12, clip: 5 };
  for (const part of text.split("/")) {
    const [key, value] = part.split("=");
    const v = numberList(`--also ${key}`, value ?? "")[0]!;
    if (key === "lr") s.lr = v;
    else if (key === "eps") s.epsilon = v;
    else if (key === "clip") s.clip = v;
    else throw new Error(`--also: ${part} is not lr=x, eps=x or clip=x (joined by /)`);
  }
  return s;
}

export const formatSetting = (s: Setting) => `lr ${s.lr} ε ${s.epsilon.toExponential(0)} clip ${s.clip}`;

interface Measured { readonly text: string; readonly model: string; readonly setting: Setting; readonly atSteps: number; readonly timed?: { readonly val: number } }

/** Each model and setting's largest distance to the best of the model on any text, best first per model (NaN counts as worst). */
export function worstGaps(rows: readonly Measured[]): { model: string; setting: Setting; atSteps: number; timed: number }[] {
  const key = (r: Measured) => `${r.text}\u0000${r.model}`;
  const best = new Map<string, { atSteps: number; timed: number }>();
  for (const r of rows) {
    const b = best.get(key(r)) ?? { atSteps: Infinity, timed: Infinity };
    best.set(key(r), { atSteps: Math.min(b.atSteps, r.atSteps), timed: r.timed ? Math.min(b.timed, r.timed.val) : b.timed });
  }
  const gaps = new Map<string, { model: string; setting: Setting; atSteps: number; timed: number }>();
  for (const r of rows) {
    const name = `${r.model} ${formatSetting(r.setting)}`;
    const g = gaps.get(name) ?? { model: r.model, setting: r.setting, atSteps: -Infinity, timed: -Infinity };
    const d = r.atSteps - best.get(key(r))!.atSteps;
    g.atSteps = Math.max(g.atSteps, Number.isNaN(d) ? Infinity : d);
    if (r.timed) g.timed = Math.max(g.timed, r.timed.val - best.get(key(r))!.timed);
    gaps.set(name, g);
  }
  return [...gaps.values()].sort((a, b) => a.model.localeCompare(b.model) || a.atSteps - b.atSteps);
}

/**
 * The measurements as one table: a row per setting, a column per text and model, each cell the
 * validation loss after the steps, and after the time in parentheses where that was run.
 */
export function pivotTable(rows: readonly Measured[], isDefault: (s: Setting) => boolean): string[] {
  const columns = [...new Set(rows.map((r) => `${r.text} ${r.model}`))];
  const settings = [...new Map(rows.map((r) => [formatSetting(r.setting), r.setting])).values()];
  const cell = (s: Setting, column: string) => {
    const r = rows.find((x) => `${x.text} ${x.model}` === column && formatSetting(x.setting) === formatSetting(s));
    return r ? `${r.atSteps.toFixed(3)}${r.timed ? ` (${r.timed.val.toFixed(3)})` : ""}` : "";
  };
  return [
    `| setting | ${columns.join(" | ")} |`,
    `|---|${columns.map(() => "---:").join("|")}|`,
    ...settings.map((s) => `| ${formatSetting(s)}${isDefault(s) ? " (old default)" : ""} | ${columns.map((c) => cell(s, c)).join(" | ")} |`),
  ];
}
