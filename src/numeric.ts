// shapegrad's one measure of how far an array is from a reference: the largest difference, relative
// to the reference's largest entry (not entry by entry, so tiny reference entries cannot blow it up).

/** max|a_i − b_i| / max|b_i|; max|a_i − b_i| itself when b is all zeros. NaN anywhere gives NaN. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`relativeError: lengths differ (${a.length} vs ${b.length})`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
