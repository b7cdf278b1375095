/**
 * The oscillometric envelope: pulsation amplitude against cuff pressure, one
 * point per heart-beat-long window, and the pressure where it runs out.
 *
 * Past its maximum the envelope falls to nothing at the occlusion pressure.
 * Its last few percent drown in sensor noise, so the vanishing point is found
 * by fitting the falling flank above the noise and extending the fit to zero
 * amplitude. Knocks of a moving limb spoil single windows; they are found as
 * outliers against their neighbours and left out of the fit.
 */

export interface EnvelopePoint {
  /** Mean cuff pressure over the window. */
  mmhg: number;
  /** Peak-to-peak of the band-passed pulsation over the window. */
  amplitudeMmhg: number;
  tSeconds: number;
}

export const ENVELOPE_SETTINGS = {
  /** The flank is fitted between these shares of the largest amplitude... */
  fitLowShare: 0.12,
  fitHighShare: 0.6,
  /** ...and never closer to the noise floor than this multiple of it. */
  fitFloorMultiple: 2.5,
  /** A window this far from the median of its neighbours (share of that median, or floor multiples) is a knock. */
  outlierShare: 0.45,
  outlierFloorMultiple: 3,
  minFitPoints: 4,
} as const;

export interface FlankFit {
  /** Pressure where the fitted flank reaches zero amplitude. */
  zeroMmhg: number;
  /** Amplitude lost per mmHg (positive on a falling flank). */
  fallPerMmhg: number;
  points: number;
  /** Share of the flank windows left out as knocks. */
  outlierShare: number;
  /** 1 - residual variance / amplitude variance over the fitted points. */
  r2: number;
  /** Lowest amplitude used: below it the envelope is noise. */
  lowAmplitudeMmhg: number;
  maxAmplitudeMmhg: number;
  maxAtMmhg: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Windows that stand out from their two neighbours either side (Hampel filter). */
export function outliers(points: readonly EnvelopePoint[], floorMmhg: number): boolean[] {
  return points.map((p, i) => {
    const around = [points[i - 2], points[i - 1], points[i + 1], points[i + 2]].filter((q): q is EnvelopePoint => q !== undefined);
    if (around.length < 2) return false;
    const m = median(around.map((q) => q.amplitudeMmhg));
    const tolerance = Math.max(ENVELOPE_SETTINGS.outlierShare * m, ENVELOPE_SETTINGS.outlierFloorMultiple * floorMmhg);
    return Math.abs(p.amplitudeMmhg - m) > tolerance;
  });
}

/** Index of the envelope's maximum, judged on a median of three so one knock cannot set it. */
export function maximumIndex(points: readonly EnvelopePoint[]): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 1; i + 1 < points.length; i++) {
    const v = median([points[i - 1]!.amplitudeMmhg, points[i]!.amplitudeMmhg, points[i + 1]!.amplitudeMmhg]);
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Fit the falling flank; null until it has enough points below half the maximum. */
export function fitFlank(points: readonly EnvelopePoint[], floorMmhg: number): FlankFit | null {
  const top = maximumIndex(points);
  if (top < 0) return null;
  const maxAmplitude = median([points[top - 1]!.amplitudeMmhg, points[top]!.amplitudeMmhg, points[top + 1]!.amplitudeMmhg]);
  const low = Math.max(ENVELOPE_SETTINGS.fitLowShare * maxAmplitude, ENVELOPE_SETTINGS.fitFloorMultiple * floorMmhg);
  const high = ENVELOPE_SETTINGS.fitHighShare * maxAmplitude;
  if (low >= high) return null;
  const flank = points.slice(top);
  const knocks = outliers(flank, floorMmhg);
  const used = flank.filter((p, i) => !knocks[i] && p.amplitudeMmhg >= low && p.amplitudeMmhg <= high);
  if (used.length < ENVELOPE_SETTINGS.minFitPoints) return null;
  const n = used.length;
  const mp = used.reduce((a, p) => a + p.mmhg, 0) / n;
  const ma = used.reduce((a, p) => a + p.amplitudeMmhg, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of used) {
    sxy += (p.mmhg - mp) * (p.amplitudeMmhg - ma);
    sxx += (p.mmhg - mp) ** 2;
    syy += (p.amplitudeMmhg - ma) ** 2;
  }
  if (sxx <= 0 || sxy >= 0) return null;
  const slope = sxy / sxx;
  const zero = mp - ma / slope;
  const residual = syy - (sxy * sxy) / sxx;
  return {
    zeroMmhg: zero,
    fallPerMmhg: -slope,
    points: n,
    outlierShare: knocks.filter(Boolean).length / flank.length,
    r2: syy > 0 ? 1 - residual / syy : 0,
    lowAmplitudeMmhg: low,
    maxAmplitudeMmhg: maxAmplitude,
    maxAtMmhg: points[top]!.mmhg,
  };
}
