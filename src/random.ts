// One small, documented PRNG so that every run is reproducible from its seed, in any runtime:
// mulberry32 (Tommy Ettinger, public domain), a 32-bit state advanced by a Weyl sequence and mixed
// by two multiply-xorshift rounds. Its 2^32 period is plenty for initializing weights and sampling.
import { sizeOf, type DimOf, type SizeArg, type SizeLiteral } from "./dims.js";
import { makeMat, type Mat } from "./mat.js";

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** The state, to save in a checkpoint and resume with `rng(seed, state)`. */
  readonly state: number;
}

/** A mulberry32 generator. The same seed always yields the same sequence. */
export function rng(seed: number, state: number = seed >>> 0): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng: the seed must be a finite number, got ${seed}`);
  let s = state >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    uniform,
    normal() {
      // 1 − u keeps the logarithm's argument in (0, 1].
      const u = 1 - uniform();
      const v = uniform();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    get state() {
      return s;
    },
  };
}

/** A `rows × cols` matrix of normal draws times `std` (min-char-rnn initializes with std 0.01). */
export function randn<const R extends SizeArg, const C extends SizeArg>(
  rows: SizeLiteral<R>,
  cols: SizeLiteral<C>,
  random: Rng,
  std = 1,
): Mat<DimOf<R>, DimOf<C>> {
  const r = sizeOf("randn (rows)", rows as SizeArg);
  const c = sizeOf("randn (cols)", cols as SizeArg);
  const data = new Float64Array(r.size * c.size);
  for (let i = 0; i < data.length; i++) data[i] = std * random.normal();
  return makeMat(r.dim as DimOf<R>, c.dim as DimOf<C>, r.size, c.size, data);
}

/** A `rows × cols` matrix of uniform draws in [low, high). */
export function randu<const R extends SizeArg, const C extends SizeArg>(
  rows: SizeLiteral<R>,
  cols: SizeLiteral<C>,
  random: Rng,
  low = 0,
  high = 1,
): Mat<DimOf<R>, DimOf<C>> {
  const r = sizeOf("randu (rows)", rows as SizeArg);
  const c = sizeOf("randu (cols)", cols as SizeArg);
  const data = new Float64Array(r.size * c.size);
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * random.uniform();
  return makeMat(r.dim as DimOf<R>, c.dim as DimOf<C>, r.size, c.size, data);
}
