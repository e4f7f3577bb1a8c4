// The text a character model trains on: read, checked, and turned into indices over a vocabulary
// of its distinct characters (sorted by code point, so the same text always gives the same one).
import { existsSync, readFileSync, statSync } from "node:fs";

export class TrainingInputError extends Error {
  override readonly name = "TrainingInputError";
}

export interface Corpus {
  readonly vocab: string;
  /** The text as vocabulary indices. */
  readonly indices: Int32Array;
}

export function corpusFromText(text: string, source: string): Corpus {
  const chars = Array.from(text);
  if (chars.length === 0) throw new TrainingInputError(`${source} is empty`);
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  if (vocab.length < 2) throw new TrainingInputError(`${source} has only one distinct character ("${vocab[0]}"): there is nothing to predict`);
  const index = new Map(vocab.map((c, i) => [c, i]));
  return { vocab: vocab.join(""), indices: Int32Array.from(chars, (c) => index.get(c)!) };
}

/** Reads a UTF-8 text file, refusing what cannot be trained on with one clear line. */
export function readCorpus(file: string): Corpus {
  if (!existsSync(file)) throw new TrainingInputError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new TrainingInputError(`${file}: not a file`);
  const bytes = readFileSync(file);
  // A NUL byte or invalid UTF-8 means this is not text.
  if (bytes.includes(0)) throw new TrainingInputError(`${file} looks binary (it holds NUL bytes); give a UTF-8 text file`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new TrainingInputError(`${file} is not valid UTF-8 text`);
  }
  return corpusFromText(text, file);
}

/** Vocabulary indices for text in `vocab`; a character outside it is an error naming it. */
export function encode(text: string, vocab: string, what: string): number[] {
  const index = new Map(Array.from(vocab).map((c, i) => [c, i]));
  return Array.from(text, (c) => {
    const i = index.get(c);
    if (i === undefined) throw new TrainingInputError(`${what}: the character ${JSON.stringify(c)} is not in the model's vocabulary`);
    return i;
  });
}
