/**
 * The oscillometric envelope: pulsation amplitude against cuff pressure, one
 * point per heart-beat-long window, and the occlusion pressure read from it.
 *
 * Past its maximum the envelope falls towards the occlusion pressure, but its
 * last part (about 10 % of the pressure, where only the systolic tip of each beat
 * still opens the artery for a few tens of milliseconds) is lost in the sensor
 * noise. So, as oscillometric blood-pressure monitors do with their
 * characteristic ratios, the LOP is read from where the falling flank crosses
 * fixed shares of the maximum, each scaled by a ratio calibrated against the
 * true LOP over a simulated population (a different seed from the benchmark's;
 * a real device calibrates the same ratios against Doppler).
 */

export interface EnvelopePoint {
  /** Mean cuff pressure over the window. */
  mmhg: number;
  /** Peak-to-peak of the band-passed pulsation over the window. */
  amplitudeMmhg: number;
  tSeconds: number;
}

/**
 * Shares of the maximum where the flank is read. Each crossing alone gives the LOP
 * times lopPerCrossing (mean ratio); the LOP reported is the least-squares
 * combination sum(weight * crossing), less a low-SNR term. Calibrated on population seed 7 (200
 * subjects; the benchmark runs seed 2026): see firmware/lop/README.md.
 */
export const CHARACTERISTIC_RATIOS: readonly { share: number; lopPerCrossing: number; weight: number }[] = [
  { share: 0.15, lopPerCrossing: 1.067, weight: 0.233 },
  { share: 0.2, lopPerCrossing: 1.081, weight: 0.2788 },
  { share: 0.3, lopPerCrossing: 1.105, weight: 0.5895 },
];
/**
 * With a weak pulsation the noise left after debiasing still lifts the low flank and
 * delays the 15 % crossing: it is taken back in proportion to noise floor / maximum
 * (same least-squares fit).
 */
export const LOW_SNR_CORRECTION = 0.0614;

export const ENVELOPE_SETTINGS = {
  /** Centred running median over this many windows: two knocks in five cannot move it. */
  smoothWindows: 5,
  /** A window this far from the median of its neighbours (share of that median, or floor multiples) is a knock. */
  outlierShare: 0.5,
  outlierFloorMultiple: 3,
  outlierShareOfMax: 0.15,
  /** The largest envelope point must stand this far above the noise floor. */
  minMaxOverFloor: 2.5,
} as const;

export interface EnvelopeReading {
  /** The LOP: the weighted combination of the crossings. */
  lopMmhg: number;
  /** Each scaled crossing (their spread says how steadily the pulsations faded). */
  estimatesMmhg: number[];
  /** Pressure where the flank crossed the lowest share, and the highest. */
  lowestCrossingMmhg: number;
  highestCrossingMmhg: number;
  maxAmplitudeMmhg: number;
  maxAtMmhg: number;
  /** Share of the windows from the maximum on that stand out from their neighbours (knocks). */
  outlierShare: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Amplitude with the noise's share removed (noise adds in quadrature to a window's peak-to-peak). */
export function debiased(amplitudeMmhg: number, floorMmhg: number): number {
  return Math.sqrt(Math.max(0, amplitudeMmhg * amplitudeMmhg - floorMmhg * floorMmhg));
}

/** Windows that stand out from their two neighbours either side (Hampel filter); `scaleMmhg` sets the smallest deviation that counts. */
export function outliers(amplitudes: readonly number[], floorMmhg: number, scaleMmhg: number): boolean[] {
  return amplitudes.map((a, i) => {
    const around = [amplitudes[i - 2], amplitudes[i - 1], amplitudes[i + 1], amplitudes[i + 2]].filter((q): q is number => q !== undefined);
    if (around.length < 2) return false;
    const m = median(around);
    const tolerance = Math.max(ENVELOPE_SETTINGS.outlierShare * m, ENVELOPE_SETTINGS.outlierFloorMultiple * floorMmhg, ENVELOPE_SETTINGS.outlierShareOfMax * scaleMmhg);
    return Math.abs(a - m) > tolerance;
  });
}

/** The centred running median; only indices with a full window are defined. */
function smoothed(amplitudes: readonly number[]): (number | null)[] {
  const half = Math.floor(ENVELOPE_SETTINGS.smoothWindows / 2);
  return amplitudes.map((_, i) => (i - half < 0 || i + half >= amplitudes.length ? null : median(amplitudes.slice(i - half, i + half + 1))));
}

/** Index of the smoothed envelope's maximum (-1 before there is one). */
export function peakIndex(points: readonly EnvelopePoint[], floorMmhg: number): number {
  const smooth = smoothed(points.map((p) => debiased(p.amplitudeMmhg, floorMmhg)));
  let top = -1;
  for (let i = 0; i < smooth.length; i++) if (smooth[i] !== null && (top < 0 || smooth[i]! > smooth[top]!)) top = i;
  return top;
}

/**
 * The LOP as the highest share's crossing alone reads it (null before that crossing):
 * available a few beats before the full reading, to bound how far the ramp may go.
 */
export function provisionalLopMmhg(points: readonly EnvelopePoint[], floorMmhg: number): number | null {
  const smooth = smoothed(points.map((p) => debiased(p.amplitudeMmhg, floorMmhg)));
  let top = -1;
  for (let i = 0; i < smooth.length; i++) if (smooth[i] !== null && (top < 0 || smooth[i]! > smooth[top]!)) top = i;
  if (top < 0 || smooth[top]! < ENVELOPE_SETTINGS.minMaxOverFloor * floorMmhg) return null;
  const highest = CHARACTERISTIC_RATIOS[CHARACTERISTIC_RATIOS.length - 1]!;
  const level = highest.share * smooth[top]!;
  for (let i = top + 1; i < smooth.length && smooth[i] !== null; i++) {
    if (smooth[i]! < level) return points[i]!.mmhg * highest.lopPerCrossing;
  }
  return null;
}

/** Where the smoothed flank first falls below each share of the maximum; null until it has crossed them all. */
export function readEnvelope(points: readonly EnvelopePoint[], floorMmhg: number): EnvelopeReading | null {
  const amplitudes = points.map((p) => debiased(p.amplitudeMmhg, floorMmhg));
  const smooth = smoothed(amplitudes);
  let top = -1;
  for (let i = 0; i < smooth.length; i++) if (smooth[i] !== null && (top < 0 || smooth[i]! > smooth[top]!)) top = i;
  if (top < 0) return null;
  const maxAmplitude = smooth[top]!;
  if (maxAmplitude < ENVELOPE_SETTINGS.minMaxOverFloor * floorMmhg) return null;
  const crossings: number[] = [];
  let lastIndex = top;
  for (const { share } of CHARACTERISTIC_RATIOS) {
    const level = share * maxAmplitude;
    let crossing: number | null = null;
    for (let i = top + 1; i < smooth.length && smooth[i] !== null; i++) {
      if (smooth[i]! < level) {
        const above = smooth[i - 1]!;
        const fraction = above > smooth[i]! ? (above - level) / (above - smooth[i]!) : 0;
        crossing = points[i - 1]!.mmhg + fraction * (points[i]!.mmhg - points[i - 1]!.mmhg);
        lastIndex = Math.max(lastIndex, i);
        break;
      }
    }
    if (crossing === null) return null;
    crossings.push(crossing);
  }
  const estimates = crossings.map((c, i) => c * CHARACTERISTIC_RATIOS[i]!.lopPerCrossing);
  // Knocks are counted on the flank down to the last crossing; beyond it lies noise.
  const flank = amplitudes.slice(top, lastIndex + 1);
  const knocks = outliers(flank, floorMmhg, maxAmplitude).filter(Boolean).length;
  return {
    lopMmhg: crossings.reduce((a, c, i) => a + c * CHARACTERISTIC_RATIOS[i]!.weight, 0) - LOW_SNR_CORRECTION * crossings[0]! * (floorMmhg / maxAmplitude),
    estimatesMmhg: estimates,
    lowestCrossingMmhg: crossings[0]!,
    highestCrossingMmhg: crossings[crossings.length - 1]!,
    maxAmplitudeMmhg: maxAmplitude,
    maxAtMmhg: points[top]!.mmhg,
    outlierShare: flank.length ? knocks / flank.length : 0,
  };
}
