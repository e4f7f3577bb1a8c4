// The training checkpoint of the character-level RNN trainer: everything needed to resume a run
// exactly where it stopped (parameters, optimizer state, carried recurrent state, generator states,
// the smoothed loss), in one JSON file:
//
//   {"format":"shapegrad-checkpoint","version":2,"checksum":"sha256:<hex>","body":{...}}
//
// Version 2 adds `modelFile` (the model's file and a hash of its text, so that `sample` can load
// the model and refuse a file that changed since) and carries every state of the model under its
// name (version 1, written when only the RNN trained, carried `h`). Both versions are read.
//
// The checksum is the SHA-256 of the body's text exactly as it appears in the file (its UTF-8
// bytes), so the reader verifies the bytes it was given, never a re-serialization of what it parsed.
// The body is canonical (object keys sorted, no whitespace, each value one way), so the same
// checkpoint always encodes to the same bytes. Float64Arrays are stored bit-exactly (NaN payloads,
// -0 and denormals included) as base64 of their little-endian bytes, with their length; numbers that
// JSON cannot hold (NaN, ±Infinity, -0) are stored as the strings "NaN", "Infinity", "-Infinity",
// "-0". Model sizes are kept in the model's own order (n, d, h, v, T), as [name, size] pairs.
//
// Decoding runs nothing but JSON.parse and checks every field's type, shape and range; each refusal
// is a CheckpointError of one line naming the file.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../codegen/write-atomic.js";

export const checkpointFormatVersion = 2;

const formatMarker = "shapegrad-checkpoint";
const fileName = "checkpoint.json";

export class CheckpointError extends Error {
  override readonly name = "CheckpointError";
}

export interface CheckpointModel {
  readonly name: string;
  readonly hash: string;
  readonly sizes: Readonly<Record<string, number>>;
}

/** The file a model was declared in, and the SHA-256 of its text (16 hex digits). */
export interface ModelFile {
  readonly path: string;
  readonly hash: string;
}

export interface Checkpoint {
  /** Which model, at which sizes, it was made for. */
  readonly model: CheckpointModel;
  /** Where the model was declared (absent in version 1 checkpoints, which were all of dsl/char-rnn.ts). */
  readonly modelFile?: ModelFile;
  /** Training steps completed. */
  readonly step: number;
  /** The characters, in index order (any Unicode, newlines, quotes). */
  readonly vocab: string;
  /** The training options used. */
  readonly options: Readonly<Record<string, string | number | boolean>>;
  readonly params: Readonly<Record<string, Float64Array>>;
  readonly optimizer: {
    readonly name: string;
    readonly scalars: Readonly<Record<string, number>>;
    readonly state: Readonly<Record<string, Float64Array>>;
  };
  /** Recurrent state carried between steps, by state name, and the streams' positions. */
  readonly carried: Readonly<Record<string, Float64Array>>;
  /** Generator states. */
  readonly rng: Readonly<Record<string, number>>;
  readonly smoothLoss: number;
}

/** "model rnn at n=1 d=65 h=100 v=65 T=25 (hash abc123)" */
export function describeCheckpointModel(m: CheckpointModel): string {
  const sizes = Object.entries(m.sizes).map(([k, v]) => `${k}=${v}`).join(" ");
  return `model ${m.name}${sizes === "" ? "" : ` at ${sizes}`} (hash ${m.hash})`;
}

// ---------------------------------------------------------------------------------------------
// Encoding

type Canonical = string | number | boolean | readonly Canonical[] | { readonly [key: string]: Canonical };

/** JSON with object keys in sorted (UTF-16 code unit) order and no whitespace. */
function canonicalJson(v: Canonical): string {
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v) || Object.is(v, -0)) throw new Error(`internal: ${String(v)} is not a JSON number`);
    return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${(v as readonly Canonical[]).map(canonicalJson).join(",")}]`;
  const o = v as { readonly [key: string]: Canonical };
  const keys = Object.keys(o).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k] as Canonical)}`).join(",")}}`;
}

const specialNumbers: ReadonlyMap<string, number> = new Map([
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["-0", -0],
]);

/** A number as JSON holds it: itself if JSON can, else "NaN", "Infinity", "-Infinity" or "-0". */
function encodeNumber(x: number): number | string {
  if (Object.is(x, -0)) return "-0";
  return Number.isFinite(x) ? x : String(x);
}

const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** The array's little-endian bytes, copied bit for bit (a NaN's payload included). */
function littleEndianBytes(a: Float64Array): Uint8Array {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  if (!littleEndian) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
  return bytes;
}

function encodeArray(a: Float64Array): Canonical {
  return { data: Buffer.from(littleEndianBytes(a)).toString("base64"), length: a.length };
}

function encodeFailure(what: string): CheckpointError {
  return new CheckpointError(`cannot write checkpoint: ${what}`);
}

function checkedEntries<T>(record: Readonly<Record<string, T>>, where: string, check: (v: unknown, at: string) => void): [string, T][] {
  if (typeof record !== "object" || record === null) throw encodeFailure(`${where} must be an object`);
  const entries = Object.entries(record);
  for (const [k, v] of entries) check(v, `${where}.${k}`);
  return entries;
}

const checkArray = (v: unknown, at: string) => {
  if (!(v instanceof Float64Array)) throw encodeFailure(`${at} must be a Float64Array`);
};
const checkNumber = (v: unknown, at: string) => {
  if (typeof v !== "number") throw encodeFailure(`${at} must be a number`);
};

function encodeArrays(record: Readonly<Record<string, Float64Array>>, where: string): Canonical {
  return Object.fromEntries(checkedEntries(record, where, checkArray).map(([k, a]) => [k, encodeArray(a)]));
}

function encodeNumbers(record: Readonly<Record<string, number>>, where: string): Canonical {
  return Object.fromEntries(checkedEntries(record, where, checkNumber).map(([k, x]) => [k, encodeNumber(x)]));
}

function encodeBody(c: Checkpoint): string {
  const { model, optimizer } = c;
  if (typeof model !== "object" || model === null) throw encodeFailure("model must be an object");
  if (typeof model.name !== "string" || model.name === "") throw encodeFailure("model.name must be a non-empty string");
  if (typeof model.hash !== "string") throw encodeFailure("model.hash must be a string");
  const sizes = checkedEntries(model.sizes, "model.sizes", (v, at) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw encodeFailure(`${at} must be a positive integer (got ${String(v)})`);
  });
  if (typeof c.step !== "number" || !Number.isSafeInteger(c.step) || c.step < 0) throw encodeFailure(`step must be a non-negative integer (got ${String(c.step)})`);
  if (typeof c.vocab !== "string") throw encodeFailure("vocab must be a string");
  if (typeof c.smoothLoss !== "number") throw encodeFailure("smoothLoss must be a number");
  if (typeof optimizer !== "object" || optimizer === null) throw encodeFailure("optimizer must be an object");
  if (typeof optimizer.name !== "string" || optimizer.name === "") throw encodeFailure("optimizer.name must be a non-empty string");
  const options = checkedEntries(c.options, "options", (v, at) => {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw encodeFailure(`${at} must be a string, number or boolean`);
  });
  if (c.modelFile !== undefined && (typeof c.modelFile.path !== "string" || typeof c.modelFile.hash !== "string")) throw encodeFailure("modelFile must hold a path and a hash");
  const body: Canonical = {
    model: { name: model.name, hash: model.hash, sizes: sizes.map(([k, v]) => [k, v]) },
    ...(c.modelFile !== undefined && { modelFile: { path: c.modelFile.path, hash: c.modelFile.hash } }),
    step: c.step,
    vocab: c.vocab,
    // An option may be a string, so a number JSON cannot hold is wrapped: {"number": "NaN"}.
    options: Object.fromEntries(
      options.map(([k, v]) => {
        if (typeof v !== "number") return [k, v];
        const e = encodeNumber(v);
        return [k, typeof e === "number" ? e : { number: e }];
      }),
    ),
    params: encodeArrays(c.params, "params"),
    optimizer: { name: optimizer.name, scalars: encodeNumbers(optimizer.scalars, "optimizer.scalars"), state: encodeArrays(optimizer.state, "optimizer.state") },
    carried: encodeArrays(c.carried, "carried"),
    rng: encodeNumbers(c.rng, "rng"),
    smoothLoss: encodeNumber(c.smoothLoss),
  };
  return canonicalJson(body);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** Everything before the body's text: fixed for a given checksum, so the reader can find the body. */
function envelopePrefix(checksum: string, version = checkpointFormatVersion): string {
  return `{"format":${JSON.stringify(formatMarker)},"version":${version},"checksum":${JSON.stringify(checksum)},"body":`;
}

/** The checkpoint as text. Deterministic: the same checkpoint gives the same bytes. */
export function encodeCheckpoint(c: Checkpoint): string {
  const body = encodeBody(c);
  return `${envelopePrefix(`sha256:${sha256(body)}`)}${body}}\n`;
}

// ---------------------------------------------------------------------------------------------
// Decoding

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decodes one checkpoint's text; `source` (a path) names it in errors. */
export function decodeCheckpoint(text: string, source: string, expected?: CheckpointModel): Checkpoint {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CheckpointError(`${source} is not a complete checkpoint (truncated or not JSON)`);
  }
  if (!isObject(doc) || doc["format"] !== formatMarker) throw new CheckpointError(`${source} is not a shapegrad checkpoint (it has no "format": "${formatMarker}" marker)`);
  const version = doc["version"];
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw new CheckpointError(`${source} has no valid format version (found ${JSON.stringify(version) ?? "none"}; this shapegrad reads ${checkpointFormatVersion})`);
  }
  if (version > checkpointFormatVersion) {
    throw new CheckpointError(`${source} was written by a newer shapegrad (format version ${version}; this one reads ${checkpointFormatVersion})`);
  }
  const checksum = doc["checksum"];
  if (typeof checksum !== "string" || !/^sha256:[0-9a-f]{64}$/.test(checksum)) throw new CheckpointError(`${source} is corrupted: its checksum is missing or malformed`);

  // The body's text as it appears in the file: between the fixed envelope prefix and the closing
  // brace. Anything else around it is not what shapegrad writes.
  const prefix = envelopePrefix(checksum, version);
  const trimmed = text.replace(/[ \t\r\n]+$/, "");
  if (!trimmed.startsWith(prefix) || !trimmed.endsWith("}") || trimmed.length < prefix.length + 1) {
    throw new CheckpointError(`${source} is corrupted: its envelope is not laid out as shapegrad writes checkpoints`);
  }
  const bodyText = trimmed.slice(prefix.length, -1);
  if (`sha256:${sha256(bodyText)}` !== checksum) throw new CheckpointError(`${source} is corrupted: its checksum does not match`);

  const checkpoint = decodeBody(doc["body"], source, version);
  if (expected !== undefined) expectModel(checkpoint, expected, source);
  return checkpoint;
}

/** Refuses a checkpoint made for another model or other sizes, naming both. */
export function expectModel(checkpoint: Checkpoint, expected: CheckpointModel, source: string): void {
  if (!sameModel(checkpoint.model, expected)) {
    throw new CheckpointError(`${source} was made for ${describeCheckpointModel(checkpoint.model)}, not for ${describeCheckpointModel(expected)}`);
  }
}

function sameModel(a: CheckpointModel, b: CheckpointModel): boolean {
  const as = Object.entries(a.sizes);
  const bs = Object.entries(b.sizes);
  return a.name === b.name && a.hash === b.hash && as.length === bs.length && as.every(([k, v]) => Object.hasOwn(b.sizes, k) && b.sizes[k] === v);
}

/** Structural validation of a parsed body, field by field. */
function decodeBody(body: unknown, source: string, version: number): Checkpoint {
  const invalid = (what: string) => new CheckpointError(`${source} is not a valid checkpoint: ${what}`);

  const object = (v: unknown, at: string, fields?: readonly string[]): { [key: string]: Json } => {
    if (!isObject(v)) throw invalid(`${at} must be an object`);
    if (fields !== undefined) {
      for (const f of fields) if (!Object.hasOwn(v, f)) throw invalid(`${at}.${f} is missing`);
      for (const k of Object.keys(v)) if (!fields.includes(k)) throw invalid(`${at} has an unexpected field ${JSON.stringify(k)}`);
    }
    return v;
  };
  const string = (v: unknown, at: string, nonEmpty = false): string => {
    if (typeof v !== "string" || (nonEmpty && v === "")) throw invalid(`${at} must be a ${nonEmpty ? "non-empty " : ""}string`);
    return v;
  };
  const number = (v: unknown, at: string): number => {
    if (typeof v === "number") return v;
    const special = typeof v === "string" ? specialNumbers.get(v) : undefined;
    if (special === undefined) throw invalid(`${at} must be a number (or "NaN", "Infinity", "-Infinity", "-0")`);
    return special;
  };
  const array = (v: unknown, at: string): Float64Array => {
    const o = object(v, at, ["data", "length"]);
    const length = o["length"];
    const data = o["data"];
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) throw invalid(`${at}.length must be a non-negative integer`);
    if (typeof data !== "string" || data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) throw invalid(`${at}.data must be base64`);
    const bytes = Buffer.from(data, "base64");
    if (bytes.length !== length * 8) throw invalid(`${at}.data holds ${bytes.length} bytes, not the ${length * 8} of ${length} float64s`);
    if (bytes.toString("base64") !== data) throw invalid(`${at}.data is not canonical base64`);
    const own = new Uint8Array(length * 8);
    own.set(bytes);
    if (!littleEndian) for (let i = 0; i < own.length; i += 8) own.subarray(i, i + 8).reverse();
    return new Float64Array(own.buffer);
  };
  const recordOf = <T>(v: unknown, at: string, each: (x: unknown, at: string) => T): Record<string, T> =>
    Object.fromEntries(Object.entries(object(v, at)).map(([k, x]) => [k, each(x, `${at}.${k}`)]));

  const fields = ["carried", "model", "optimizer", "options", "params", "rng", "smoothLoss", "step", "vocab"];
  // Version 2 may name the model's file (a model given to train() as an object may have none).
  const b = object(body, "body", version >= 2 && isObject(body) && Object.hasOwn(body, "modelFile") ? [...fields, "modelFile"].sort() : fields);
  let modelFile: ModelFile | undefined;
  if (b["modelFile"] !== undefined) {
    const f = object(b["modelFile"], "body.modelFile", ["hash", "path"]);
    modelFile = { path: string(f["path"], "body.modelFile.path", true), hash: string(f["hash"], "body.modelFile.hash", true) };
  }

  const m = object(b["model"], "body.model", ["hash", "name", "sizes"]);
  const sizePairs = m["sizes"];
  if (!Array.isArray(sizePairs)) throw invalid("body.model.sizes must be a list of [name, size] pairs");
  const sizes: [string, number][] = sizePairs.map((pair, i) => {
    const at = `body.model.sizes[${i}]`;
    if (!Array.isArray(pair) || pair.length !== 2) throw invalid(`${at} must be a [name, size] pair`);
    const [k, v] = pair;
    const name = string(k, `${at}[0]`, true);
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw invalid(`${at}: size ${name} must be a positive integer`);
    return [name, v];
  });
  if (new Set(sizes.map(([k]) => k)).size !== sizes.length) throw invalid("body.model.sizes names a size twice");
  const model: CheckpointModel = { name: string(m["name"], "body.model.name", true), hash: string(m["hash"], "body.model.hash"), sizes: Object.fromEntries(sizes) };

  const step = b["step"];
  if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) throw invalid("body.step must be a non-negative integer");

  const options = recordOf(b["options"], "body.options", (v, at): string | number | boolean => {
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
    if (isObject(v) && Object.keys(v).length === 1 && typeof v["number"] === "string") return number(v["number"], at);
    throw invalid(`${at} must be a string, number or boolean`);
  });

  const o = object(b["optimizer"], "body.optimizer", ["name", "scalars", "state"]);
  return {
    model,
    ...(modelFile !== undefined && { modelFile }),
    step,
    vocab: string(b["vocab"], "body.vocab"),
    options,
    params: recordOf(b["params"], "body.params", array),
    optimizer: { name: string(o["name"], "body.optimizer.name", true), scalars: recordOf(o["scalars"], "body.optimizer.scalars", number), state: recordOf(o["state"], "body.optimizer.state", array) },
    carried: recordOf(b["carried"], "body.carried", array),
    rng: recordOf(b["rng"], "body.rng", number),
    smoothLoss: number(b["smoothLoss"], "body.smoothLoss"),
  };
}

// ---------------------------------------------------------------------------------------------
// Files

/** Atomically writes <dir>/checkpoint.json (creating dir if needed); returns its path. */
export function writeCheckpoint(dir: string, c: Checkpoint): string {
  const path = join(dir, fileName);
  const text = encodeCheckpoint(c); // before touching the disk: a bad checkpoint leaves the old one
  writeFileAtomic(path, text);
  return path;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads <dir>/checkpoint.json; with `expected`, refuses one made for another model or sizes. */
export function readCheckpoint(dir: string, expected?: CheckpointModel): Checkpoint {
  const path = join(dir, fileName);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new CheckpointError(`no checkpoint in ${dir}`);
    throw new CheckpointError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new CheckpointError(`${path} is not a complete checkpoint (truncated or not JSON)`);
  }
  return decodeCheckpoint(text, path, expected);
}
