/** Median, 95th percentile and worst of a sample, for the app bench's timings. */
import { quantile } from "../stats.ts";

export interface Spread {
  n: number;
  median: number;
  p95: number;
  max: number;
}

export function summarise(values: readonly number[]): Spread {
  const clean = values.filter(Number.isFinite);
  if (clean.length === 0) return { n: 0, median: Number.NaN, p95: Number.NaN, max: Number.NaN };
  const round = (x: number) => Math.round(x * 10) / 10;
  return { n: clean.length, median: round(quantile(clean, 0.5)), p95: round(quantile(clean, 0.95)), max: round(Math.max(...clean)) };
}
