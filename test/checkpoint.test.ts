// The training checkpoint format: bit-exact round trips, deterministic bytes, and a clear refusal
// of anything truncated, corrupted, newer, ill-formed or made for another model.
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  type Checkpoint,
  type CheckpointModel,
  CheckpointError,
  checkpointFormatVersion,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from "../train/checkpoint.js";

const work = mkdtempSync(join(tmpdir(), "shapegrad-checkpoint-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let scratchCount = 0;
const scratch = () => join(work, `case-${scratchCount++}`);

const model: CheckpointModel = { name: "rnn", hash: "abc123", sizes: { n: 1, d: 65, h: 100, v: 65, T: 25 } };

/** A Float64Array holding exactly these bit patterns. */
function fromBits(...bits: bigint[]): Float64Array {
  const a = new Float64Array(bits.length);
  new BigUint64Array(a.buffer).set(bits);
  return a;
}

/** Every awkward value: NaNs with payloads and sign, ±0, denormals, ±Infinity, extremes. */
const awkward = fromBits(
  0x7ff8000000000000n, // quiet NaN
  0x7ff0000000000001n, // signalling NaN
  0xfff8000000000abcn, // negative NaN with a payload
  0x8000000000000000n, // -0
  0x0000000000000000n, // +0
  0x0000000000000001n, // smallest denormal
  0x800fffffffffffffn, // largest negative denormal
  0x7ff0000000000000n, // +Infinity
  0xfff0000000000000n, // -Infinity
  0x7fefffffffffffffn, // largest finite
  0x3ff0000000000000n, // 1
  0x3fb999999999999an, // 0.1
);

function sample(overrides: Partial<Checkpoint> = {}): Checkpoint {
  const ramp = (n: number, scale: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i * scale) * 1e-3);
  return {
    model,
    modelFile: { path: "/models/dsl/char-ünï\"code\".ts", hash: "0123456789abcdef" },
    step: 12_345,
    vocab: 'ab\n"\\\'\t\u0000é€😀\u2028}{',
    options: { lr: 0.1, seqLength: 25, clip: Number.NaN, momentum: -0, limit: Number.POSITIVE_INFINITY, data: "NaN", file: 'in"put\n.txt', sample: true, resume: false },
    params: { U: ramp(20, 0.37), W: awkward, b: new Float64Array(0), V: ramp(9, 1.1), c: ramp(3, 2) },
    optimizer: {
      name: "adagrad",
      scalars: { eps: 1e-8, beta: Number.NaN, top: Number.NEGATIVE_INFINITY, zero: -0 },
      state: { U: ramp(20, 0.5), W: awkward.slice().reverse() },
    },
    carried: { h: ramp(7, 0.9) },
    rng: { data: 4_294_967_295, init: 0, sample: 2 ** 53 - 1 },
    smoothLoss: Number.NaN,
    ...overrides,
  };
}

const bytesOf = (a: Float64Array) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];

function expectBitExact(actual: Record<string, Float64Array> | Readonly<Record<string, Float64Array>>, expected: Readonly<Record<string, Float64Array>>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, a] of Object.entries(expected)) {
    const got = actual[k];
    expect(got).toBeInstanceOf(Float64Array);
    expect(bytesOf(got as Float64Array), k).toEqual(bytesOf(a));
  }
}

/** The same numbers, NaN and -0 included (Object.is). */
function expectSameNumbers(actual: Readonly<Record<string, unknown>>, expected: Readonly<Record<string, unknown>>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [k, v] of Object.entries(expected)) expect(Object.is(actual[k], v), `${k}: ${String(actual[k])} vs ${String(v)}`).toBe(true);
}

function expectSameCheckpoint(actual: Checkpoint, expected: Checkpoint) {
  expect(actual.model).toEqual(expected.model);
  expect(actual.modelFile).toEqual(expected.modelFile);
  expect(Object.keys(actual.model.sizes)).toEqual(Object.keys(expected.model.sizes)); // the model's own order
  expect(actual.step).toBe(expected.step);
  expect(actual.vocab).toBe(expected.vocab);
  expectSameNumbers(actual.options, expected.options);
  expectBitExact(actual.params, expected.params);
  expect(actual.optimizer.name).toBe(expected.optimizer.name);
  expectSameNumbers(actual.optimizer.scalars, expected.optimizer.scalars);
  expectBitExact(actual.optimizer.state, expected.optimizer.state);
  expectBitExact(actual.carried, expected.carried);
  expectSameNumbers(actual.rng, expected.rng);
  expect(Object.is(actual.smoothLoss, expected.smoothLoss)).toBe(true);
}

/** The error decoding `text` raises (failing the test if it decodes). */
function refusal(run: () => unknown): CheckpointError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    const err = e as CheckpointError;
    expect(err.name).toBe("CheckpointError");
    expect(err.message).not.toContain("\n");
    return err;
  }
  throw new Error("expected a CheckpointError, but it decoded");
}

/** A checkpoint file around an arbitrary body, with a correct checksum: for structural checks. */
function withBody(body: unknown, version: number = checkpointFormatVersion): string {
  const bodyText = JSON.stringify(body);
  const checksum = `sha256:${createHash("sha256").update(bodyText).digest("hex")}`;
  return `{"format":"shapegrad-checkpoint","version":${version},"checksum":"${checksum}","body":${bodyText}}\n`;
}

const bodyOf = (text: string) => (JSON.parse(text) as { body: Record<string, unknown> }).body;

describe("round trip", () => {
  it("is bit-exact: NaN payloads, -0, denormals, ±Infinity, any vocab", () => {
    const c = sample();
    const text = encodeCheckpoint(c);
    expectSameCheckpoint(decodeCheckpoint(text, "mem/checkpoint.json"), c);
    // Through the file too.
    const dir = scratch();
    const path = writeCheckpoint(dir, c);
    expect(path).toBe(join(dir, "checkpoint.json"));
    expectSameCheckpoint(readCheckpoint(dir, model), c);
  });

  it("keeps arrays that are views into a larger buffer to their own elements", () => {
    const big = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const c = sample({ carried: { h: big.subarray(2, 5) } });
    expect([...(decodeCheckpoint(encodeCheckpoint(c), "x").carried["h"] ?? [])]).toEqual([3, 4, 5]);
  });

  it("tells the string option \"NaN\" from the number NaN", () => {
    const d = decodeCheckpoint(encodeCheckpoint(sample()), "x");
    expect(d.options["data"]).toBe("NaN");
    expect(d.options["clip"]).toBeNaN();
    expect(Object.is(d.options["momentum"], -0)).toBe(true);
  });

  it("stores an awkward key such as __proto__ as an ordinary key", () => {
    const params = Object.fromEntries([["__proto__", Float64Array.from([7])]]) as Record<string, Float64Array>;
    const d = decodeCheckpoint(encodeCheckpoint(sample({ params })), "x");
    expect(Object.getPrototypeOf(d.params)).toBe(Object.prototype);
    expect(Object.hasOwn(d.params, "__proto__")).toBe(true);
    expect([...(d.params["__proto__"] ?? [])]).toEqual([7]);
  });

  it("refuses to encode what it could not read back", () => {
    for (const bad of [sample({ step: -1 }), sample({ step: 1.5 }), sample({ step: Number.NaN }), sample({ model: { ...model, sizes: { n: 0 } } })]) {
      expect(refusal(() => encodeCheckpoint(bad)).message).toMatch(/^cannot write checkpoint: /);
    }
    const notArray = sample({ params: { U: [1, 2] as unknown as Float64Array } });
    expect(refusal(() => encodeCheckpoint(notArray)).message).toBe("cannot write checkpoint: params.U must be a Float64Array");
  });
});

describe("encoding", () => {
  it("is deterministic: same checkpoint, same bytes, whatever order its keys were made in", () => {
    const c = sample();
    const text = encodeCheckpoint(c);
    expect(encodeCheckpoint(sample())).toBe(text);
    expect(encodeCheckpoint(decodeCheckpoint(text, "x"))).toBe(text);
    const reordered: Checkpoint = {
      smoothLoss: c.smoothLoss,
      rng: Object.fromEntries(Object.entries(c.rng).reverse()),
      carried: c.carried,
      optimizer: { state: Object.fromEntries(Object.entries(c.optimizer.state).reverse()), scalars: Object.fromEntries(Object.entries(c.optimizer.scalars).reverse()), name: c.optimizer.name },
      params: Object.fromEntries(Object.entries(c.params).reverse()),
      options: Object.fromEntries(Object.entries(c.options).reverse()),
      vocab: c.vocab,
      step: c.step,
      ...(c.modelFile && { modelFile: { hash: c.modelFile.hash, path: c.modelFile.path } }),
      model: c.model,
    };
    expect(encodeCheckpoint(reordered)).toBe(text);
  });

  it("is one JSON document with the format marker, version, checksum of the body's text, and body", () => {
    const text = encodeCheckpoint(sample());
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["format", "version", "checksum", "body"]);
    expect(doc["format"]).toBe("shapegrad-checkpoint");
    expect(doc["version"]).toBe(2);
    const bodyText = text.slice(text.indexOf('"body":') + 7, text.trimEnd().length - 1);
    expect(doc["checksum"]).toBe(`sha256:${createHash("sha256").update(bodyText, "utf8").digest("hex")}`);
    // Arrays as little-endian base64 with their length; special numbers as strings.
    const body = doc["body"] as Record<string, Record<string, unknown>>;
    expect(body["params"]?.["W"]).toEqual({ data: Buffer.from(bytesOf(awkward)).toString("base64"), length: awkward.length });
    expect(body["smoothLoss"]).toBe("NaN");
    expect(body["optimizer"]?.["scalars"]).toEqual({ beta: "NaN", eps: 1e-8, top: "-Infinity", zero: "-0" });
    expect(Buffer.from(Float64Array.from([1]).buffer)[7]).toBe(0x3f); // this host is little-endian: bytes as stored
  });
});

describe("damage", () => {
  const c = sample();
  const text = encodeCheckpoint(c);
  const bytes = Buffer.from(text, "utf8");

  it("refuses a truncated checkpoint at any length", () => {
    const emoji = bytes.indexOf(Buffer.from("😀"));
    expect(emoji).toBeGreaterThan(0);
    const lengths = [0, 1, 2, 10, 60, 100, emoji + 1, emoji + 2, Math.floor(bytes.length / 3), Math.floor(bytes.length / 2), bytes.length - 200, bytes.length - 3, bytes.length - 2];
    for (const n of lengths) {
      const cut = bytes.subarray(0, n);
      expect(refusal(() => decodeCheckpoint(cut.toString("utf8"), "dir/checkpoint.json")).message, `cut at ${n}`).toBe(
        "dir/checkpoint.json is not a complete checkpoint (truncated or not JSON)",
      );
      const dir = scratch();
      mkdirSync(dir);
      writeFileSync(join(dir, "checkpoint.json"), cut);
      expect(refusal(() => readCheckpoint(dir)).message, `file cut at ${n}`).toBe(`${join(dir, "checkpoint.json")} is not a complete checkpoint (truncated or not JSON)`);
    }
  });

  it("refuses every single-bit flip, anywhere in the file", () => {
    const kinds = new Map<string, number>();
    let flips = 0;
    for (let pos = 0; pos < bytes.length; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(bytes);
        damaged[pos] = (damaged[pos] ?? 0) ^ (1 << bit);
        const err = refusal(() => decodeCheckpoint(damaged.toString("utf8"), "f.json"));
        expect(err.message.startsWith("f.json ")).toBe(true);
        const kind = /is corrupted|not a complete checkpoint|not a valid checkpoint|not a shapegrad checkpoint|format version/.exec(err.message)?.[0];
        expect(kind, `flip of bit ${bit} at byte ${pos}: ${err.message}`).toBeDefined();
        kinds.set(kind ?? "", (kinds.get(kind ?? "") ?? 0) + 1);
        flips++;
      }
    }
    expect(flips).toBeGreaterThanOrEqual(200 * 8);
    expect(kinds.get("is corrupted")).toBeGreaterThan(0);
    expect(kinds.get("not a complete checkpoint")).toBeGreaterThan(0);
  });

  it("refuses bit flips in the file on disk (a sample of 240 positions across it)", () => {
    const dir = scratch();
    mkdirSync(dir);
    const path = join(dir, "checkpoint.json");
    for (let i = 0; i < 240; i++) {
      const pos = Math.floor((i * bytes.length) / 240);
      const damaged = Buffer.from(bytes);
      damaged[pos] = (damaged[pos] ?? 0) ^ (1 << i % 8);
      writeFileSync(path, damaged);
      expect(refusal(() => readCheckpoint(dir)).message.startsWith(`${path} `), `flip at ${pos}`).toBe(true);
    }
    writeFileSync(path, bytes);
    expectSameCheckpoint(readCheckpoint(dir), c);
  });

  it("names a checksum mismatch as corruption", () => {
    const i = text.indexOf('"vocab":"') + 9;
    const edited = `${text.slice(0, i)}x${text.slice(i + 1)}`;
    expect(refusal(() => decodeCheckpoint(edited, "dir/checkpoint.json")).message).toBe("dir/checkpoint.json is corrupted: its checksum does not match");
  });
});

describe("refusals", () => {
  const text = encodeCheckpoint(sample());

  it("refuses a newer format version", () => {
    const newer = text.replace('"version":2', '"version":3');
    expect(refusal(() => decodeCheckpoint(newer, "dir/checkpoint.json")).message).toBe(
      "dir/checkpoint.json was written by a newer shapegrad (format version 3; this one reads 2)",
    );
    // Whatever else a newer version changed.
    const other = JSON.stringify({ format: "shapegrad-checkpoint", version: 7, payload: [] });
    expect(refusal(() => decodeCheckpoint(other, "x.json")).message).toBe("x.json was written by a newer shapegrad (format version 7; this one reads 2)");
    expect(refusal(() => decodeCheckpoint(withBody(bodyOf(text), 0), "x.json")).message).toBe("x.json has no valid format version (found 0; this shapegrad reads 2)");
  });

  it("reads version 1 (no model file), and refuses a model file in a version 1 body", () => {
    const { modelFile: _file, ...v1 } = sample();
    const body = bodyOf(encodeCheckpoint(v1));
    const decoded = decodeCheckpoint(withBody(body, 1), "x.json");
    expect(decoded.modelFile).toBeUndefined();
    expectSameCheckpoint(decoded, v1);
    expect(refusal(() => decodeCheckpoint(withBody(bodyOf(text), 1), "x.json")).message).toBe('x.json is not a valid checkpoint: body has an unexpected field "modelFile"');
    // Version 2 without a model file (a model given to train() as an object with no file) reads too.
    expect(decodeCheckpoint(encodeCheckpoint(v1), "x.json").modelFile).toBeUndefined();
  });

  it("refuses JSON that is not a checkpoint", () => {
    for (const other of ["null", "[]", '"text"', "{}", JSON.stringify({ format: "other", version: 1 })]) {
      expect(refusal(() => decodeCheckpoint(other, "x.json")).message).toBe('x.json is not a shapegrad checkpoint (it has no "format": "shapegrad-checkpoint" marker)');
    }
    expect(refusal(() => decodeCheckpoint("", "x.json")).message).toBe("x.json is not a complete checkpoint (truncated or not JSON)");
  });

  it("refuses a checkpoint for another model or other sizes, naming both", () => {
    const cases: [CheckpointModel, string][] = [
      [{ ...model, hash: "def456", sizes: { n: 1, d: 65, h: 64, v: 65, T: 25 } }, "model rnn at n=1 d=65 h=64 v=65 T=25 (hash def456)"],
      [{ ...model, sizes: { n: 1, d: 65, h: 100, v: 65 } }, "model rnn at n=1 d=65 h=100 v=65 (hash abc123)"],
      [{ ...model, hash: "abc124" }, "model rnn at n=1 d=65 h=100 v=65 T=25 (hash abc124)"],
      [{ name: "mlp", hash: "abc123", sizes: {} }, "model mlp (hash abc123)"],
    ];
    for (const [expected, description] of cases) {
      expect(refusal(() => decodeCheckpoint(text, "dir/checkpoint.json", expected)).message).toBe(
        `dir/checkpoint.json was made for model rnn at n=1 d=65 h=100 v=65 T=25 (hash abc123), not for ${description}`,
      );
    }
    // The same sizes in another order are the same model.
    expect(decodeCheckpoint(text, "x", { name: "rnn", hash: "abc123", sizes: { T: 25, v: 65, h: 100, d: 65, n: 1 } }).step).toBe(12_345);
  });

  it("refuses missing or ill-typed fields, even under a matching checksum", () => {
    const body = bodyOf(text);
    const params = body["params"] as Record<string, { data: string; length: number }>;
    const W = params["W"] as { data: string; length: number };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...body, step: -1 }, /body\.step must be a non-negative integer/],
      [{ ...body, step: 1.5 }, /body\.step must be a non-negative integer/],
      [{ ...body, step: "1" }, /body\.step must be a non-negative integer/],
      [Object.fromEntries(Object.entries(body).filter(([k]) => k !== "vocab")), /body\.vocab is missing/],
      [{ ...body, extra: 1 }, /body has an unexpected field "extra"/],
      [{ ...body, vocab: 5 }, /body\.vocab must be a string/],
      [{ ...body, smoothLoss: "nan" }, /body\.smoothLoss must be a number/],
      [{ ...body, smoothLoss: null }, /body\.smoothLoss must be a number/],
      [{ ...body, params: { ...params, W: { ...W, length: W.length + 1 } } }, /body\.params\.W\.data holds 96 bytes, not the 104 of 13 float64s/],
      [{ ...body, params: { ...params, W: { ...W, length: -1 } } }, /body\.params\.W\.length must be a non-negative integer/],
      [{ ...body, params: { ...params, W: { ...W, data: `${W.data.slice(0, -4)}!!!!` } } }, /body\.params\.W\.data must be base64/],
      [{ ...body, params: { ...params, W: [1, 2] } }, /body\.params\.W must be an object/],
      [{ ...body, params: [] }, /body\.params must be an object/],
      [{ ...body, model: { name: "rnn", hash: "abc123", sizes: { n: 1 } } }, /body\.model\.sizes must be a list of \[name, size\] pairs/],
      [{ ...body, model: { name: "rnn", hash: "abc123", sizes: [["n", 0]] } }, /size n must be a positive integer/],
      [{ ...body, model: { name: "rnn", hash: "abc123", sizes: [["n", 1], ["n", 2]] } }, /names a size twice/],
      [{ ...body, options: { lr: null } }, /body\.options\.lr must be a string, number or boolean/],
      [{ ...body, rng: { data: true } }, /body\.rng\.data must be a number/],
      [{ ...body, optimizer: { name: "", scalars: {}, state: {} } }, /body\.optimizer\.name must be a non-empty string/],
      [{ ...body, carried: null }, /body\.carried must be an object/],
    ];
    for (const [bad, message] of cases) {
      const err = refusal(() => decodeCheckpoint(withBody(bad), "dir/checkpoint.json"));
      expect(err.message).toMatch(/^dir\/checkpoint\.json is not a valid checkpoint: /);
      expect(err.message).toMatch(message);
    }
    // The helper itself makes acceptable files.
    expect(decodeCheckpoint(withBody(body), "x").step).toBe(12_345);
  });

  it("refuses a body that is not laid out as written", () => {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const pretty = JSON.stringify(doc, null, 2);
    expect(refusal(() => decodeCheckpoint(pretty, "x.json")).message).toMatch(/^x\.json is corrupted: /);
    const malformed = text.replace(/"checksum":"sha256:[0-9a-f]+"/, '"checksum":"md5:00"');
    expect(refusal(() => decodeCheckpoint(malformed, "x.json")).message).toBe("x.json is corrupted: its checksum is missing or malformed");
  });

  it("says there is no checkpoint in a missing directory, or a directory without one", () => {
    const missing = join(work, "does-not-exist");
    expect(refusal(() => readCheckpoint(missing)).message).toBe(`no checkpoint in ${missing}`);
    const empty = scratch();
    mkdirSync(empty);
    expect(refusal(() => readCheckpoint(empty)).message).toBe(`no checkpoint in ${empty}`);
    const file = join(work, "a-file");
    writeFileSync(file, "");
    expect(refusal(() => readCheckpoint(file)).message).toBe(`no checkpoint in ${file}`);
  });
});

describe("writeCheckpoint", () => {
  it("creates the directory and leaves only checkpoint.json behind", () => {
    const dir = join(scratch(), "nested", "run");
    writeCheckpoint(dir, sample());
    writeCheckpoint(dir, sample({ step: 1 }));
    expect(readdirSync(dir)).toEqual(["checkpoint.json"]);
  });

  it("overwrites by replacing the file whole: a reader of the old one still sees all of it", () => {
    const dir = scratch();
    const path = writeCheckpoint(dir, sample({ step: 1 }));
    const before = statSync(path).ino;
    const fd = openSync(path, "r");
    try {
      writeCheckpoint(dir, sample({ step: 2, vocab: "a much longer vocabulary than before".repeat(10) }));
      // The old file, still open, is intact (the new one was renamed over it, not written into it).
      expect(decodeCheckpoint(readFileSync(fd, "utf8"), "old").step).toBe(1);
    } finally {
      closeSync(fd);
    }
    expect(statSync(path).ino).not.toBe(before);
    expect(readCheckpoint(dir).step).toBe(2);
    expect(readdirSync(dir)).toEqual(["checkpoint.json"]);
  });

  it("leaves the previous checkpoint untouched when the new one cannot be encoded", () => {
    const dir = scratch();
    const path = writeCheckpoint(dir, sample({ step: 3 }));
    const old = readFileSync(path, "utf8");
    expect(refusal(() => writeCheckpoint(dir, sample({ step: -3 }))).message).toMatch(/^cannot write checkpoint: step/);
    expect(readFileSync(path, "utf8")).toBe(old);
    expect(readdirSync(dir)).toEqual(["checkpoint.json"]);
  });
});
