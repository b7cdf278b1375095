/** Small statistics shared by the benchmark scripts. */

/** Linear-interpolated quantile (q in 0..1); NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** A number to fixed digits, or "-" when there is none (NaN, infinite). */
export const fixedOrDash = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : "-");
