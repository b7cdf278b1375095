/**
 * The oscillometric envelope: pulsation amplitude against cuff pressure, one
 * point per heart-beat-long window, and the occlusion pressure read from it.
 *
 * Past its maximum the envelope falls, but not to nothing at the LOP: the artery
 * under the cuff's proximal edge still pulses there, by a share of the maximum that
 * differs from person to person (the characteristic ratio of oscillometric
 * blood-pressure monitors). So, as those monitors do, the LOP is read from where the
 * falling flank crosses fixed shares of its maximum (60 % and 50 %), scaled by
 * ratios calibrated against the true LOP over the tuning part of the simulated
 * family (bench/lop-family.ts; a real device calibrates them against Doppler).
 * Where the pulsation stands at the LOP is not in the envelope's shape: that spread
 * is the limit of reading LOP through the cuff (README.md).
 */

export interface EnvelopePoint {
  /** Mean cuff pressure over the window. */
  mmhg: number;
  /** Peak-to-peak of the band-passed pulsation over the window. */
  amplitudeMmhg: number;
  tSeconds: number;
}

/**
 * The reading: LOP = 0.076 P60 + 0.909 P50 + 18.5 mmHg, where Pnn is the pressure at which the
 * smoothed falling flank crosses nn % of its maximum: the LOP lies a roughly fixed transmural
 * margin above the middle of the flank. Least squares over single passes of 800 members of the
 * tuning family (docs/tuning.md): error SD 9.7 mmHg there, 10.1 on the held-out family. Other
 * crossings (95-15 %), the rising flank, the maximum's pressure and size, the heart-beat interval
 * and the noise took the SD down by at most 0.5 mmHg on the tuning part and no more on the
 * held-out one; scaling the crossings without the offset read wide pulse pressures 8-10 mmHg
 * low and narrow ones 5-8 high.
 */
export const FLANK_READING = {
  shares: [0.6, 0.5],
  weights: [0.076, 0.909],
  offsetMmhg: 18.5,
  /**
   * Where the flank fades too slowly to reach 50 % within the ramp's bound, the LOP is read from
   * the lowest of the 60, 70 and 80 % crossings alone (same fit, one crossing each).
   */
  upper: [
    { share: 0.6, ratio: 1.013, offsetMmhg: 18.6 },
    { share: 0.7, ratio: 1.0227, offsetMmhg: 22.0 },
    { share: 0.8, ratio: 1.0205, offsetMmhg: 27.8 },
  ],
} as const;

/**
 * The ramp's bound: with at most 70 % of the maximum left at the LOP (the most the simulated
 * family has, more than blood-pressure monitors see at systolic), the flank crosses 80 % below
 * the LOP; over the held-out family's edges 99 % of single passes crossed it by the LOP (70 %:
 * by 1.06 times it, which let passes reach 1.5 times the LOP). A ramp goes no further than the
 * LOP that crossing reads, and never past BOUND_MAX_RATIO times the crossing.
 */
export const BOUND_SHARE = 0.8;
export const BOUND_MAX_RATIO = 1.2;
/**
 * The ramp's time above the LOP is counted from where the flank crosses 75 %: with 0.7 left at the
 * LOP it lies just below it, and for a typical limb (0.3 left) well below, leaving the flank time
 * to reach 50 % (counted from the 80 % crossing, 7 s made a typical arm read from the upper flank;
 * from 70 %, noise put the crossing above the LOP and 9 s meant 11 s above it).
 */
export const TIME_BOUND_SHARE = 0.75;

/** Highest pressure a ramp may reach once the flank has crossed BOUND_SHARE at `crossingMmhg`. */
export function rampBoundMmhg(crossingMmhg: number): number {
  const fromCrossing = FLANK_READING.upper[FLANK_READING.upper.length - 1]!;
  return Math.min(BOUND_MAX_RATIO * crossingMmhg, fromCrossing.ratio * crossingMmhg + fromCrossing.offsetMmhg);
}

/**
 * The flank is read from 6 % above the maximum's pressure on: a dip right after a maximum is
 * noise on a weak, still rising envelope (a subject at 240 mmHg read 99 from a dip at 90 mmHg
 * after a 0.8 mmHg maximum at 87). Real flanks crossed 70 % at least 6 % above the maximum in
 * 99 % of the held-out passes (the edges: 97 %), and 50 % at least 11 %.
 */
export const FLANK_START_SHARE = 0.06;

export const ENVELOPE_SETTINGS = {
  /** Centred running median over this many windows: two knocks in five cannot move it. */
  smoothWindows: 7,
  /** A window this far from the median of its neighbours (share of that median, or floor multiples) is a knock. */
  outlierShare: 0.5,
  outlierFloorMultiple: 3,
  outlierShareOfMax: 0.15,
  /** The largest envelope point must stand this far above the noise floor... */
  minMaxOverFloor: 2,
  /**
   * ...and be at least this large (mmHg peak to peak): cuffs show 1-3 mmHg near the envelope's
   * maximum; behind a long narrow hose a weak pulse leaves a few tenths, which a very quiet sensor
   * still lets stand over its noise but whose shape is breathing and beat-to-beat scatter.
   */
  minMaxMmhg: 0.4,
  /**
   * A window more than this much above the median of its neighbours (share of that median,
   * noise-floor multiples, share of the envelope's maximum, whichever is largest) is a knock
   * spike and is replaced by that median: 1.7 times its neighbours, and well clear of the noise,
   * so a knock near the top cannot lift the maximum while readings without motion barely move.
   */
  spikeOverNeighbours: 0.7,
  /** A window this much (share of the lowest point the flank had reached) above that lowest point is movement (regrowth). */
  regrowthOverLowest: 1,
  spikeFloorMultiple: 3,
  spikeShareOfMax: 0.3,
} as const;

export interface FlankReading {
  /** The LOP, once the flank has crossed every share of FLANK_READING (null before). */
  lopMmhg: number | null;
  /** The LOP from the upper crossings alone (null before the 80 % crossing). */
  upperLopMmhg: number | null;
  /** Where the flank crossed BOUND_SHARE of its maximum (null before): see rampBoundMmhg. */
  boundCrossingMmhg: number | null;
  /** Where it crossed TIME_BOUND_SHARE (null before): the ramp's time above the LOP counts from here. */
  timeBoundCrossingMmhg: number | null;
  maxAmplitudeMmhg: number;
  maxAtMmhg: number;
  /** Share of the flank windows, from the maximum to the last crossing, that stand out from their neighbours (knocks). */
  outlierShare: number;
  /** Pressure of the first window past the maximum that grew back far above the lowest the flank had reached (movement), if any. */
  regrowthAtMmhg: number | null;
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

/**
 * Debiased amplitudes with knock spikes taken out: a window standing far above the median
 * of its two neighbours either side takes that median. On a steep flank two knocked
 * windows in five do move the running median (results 10-20 mmHg off in the knock runs).
 */
function amplitudesOf(points: readonly EnvelopePoint[], floorMmhg: number): number[] {
  const raw = points.map((p) => debiased(p.amplitudeMmhg, floorMmhg));
  const scale = Math.max(0, ...smoothed(raw).map((v) => v ?? 0));
  return raw.map((a, i) => {
    const around = [raw[i - 2], raw[i - 1], raw[i + 1], raw[i + 2]].filter((q): q is number => q !== undefined);
    if (around.length < 2) return a;
    const m = median(around);
    const tolerance = Math.max(ENVELOPE_SETTINGS.spikeOverNeighbours * m, ENVELOPE_SETTINGS.spikeFloorMultiple * floorMmhg, ENVELOPE_SETTINGS.spikeShareOfMax * scale);
    return a - m > tolerance ? m : a;
  });
}

/** Index of the largest defined smoothed value (-1 before there is one). */
function topIndex(smooth: readonly (number | null)[]): number {
  let top = -1;
  for (let i = 0; i < smooth.length; i++) if (smooth[i] !== null && (top < 0 || smooth[i]! > smooth[top]!)) top = i;
  return top;
}

/** Index of the smoothed envelope's maximum (-1 before there is one). */
export function peakIndex(points: readonly EnvelopePoint[], floorMmhg: number): number {
  return topIndex(smoothed(amplitudesOf(points, floorMmhg)));
}

export interface Plateau {
  lowMmhg: number;
  highMmhg: number;
}

/** Pressures either side of the maximum over which the smoothed envelope stays above `share` of it (a flat top has no sharp peak). */
export function plateauMmhg(points: readonly EnvelopePoint[], floorMmhg: number, share: number): Plateau | null {
  const smooth = smoothed(amplitudesOf(points, floorMmhg));
  const top = topIndex(smooth);
  if (top < 0) return null;
  const level = share * smooth[top]!;
  let lo = top;
  let hi = top;
  while (lo > 0 && smooth[lo - 1] !== null && smooth[lo - 1]! >= level) lo--;
  while (hi < smooth.length - 1 && smooth[hi + 1] !== null && smooth[hi + 1]! >= level) hi++;
  return { lowMmhg: points[lo]!.mmhg, highMmhg: points[hi]!.mmhg };
}

/**
 * A falling flank does not grow back: a window far above the lowest the smoothed flank has
 * reached before it is movement. A held jump (tensed limb) lifts two or three windows in a
 * row, which neither the spike test nor the running median can take out.
 */
function regrowth(points: readonly EnvelopePoint[], amplitudes: readonly number[], smooth: readonly (number | null)[], top: number, floorMmhg: number): number | null {
  let lowest = smooth[top]!;
  for (let i = top + 1; i < amplitudes.length; i++) {
    const before = smooth[i - 1];
    if (before !== null && before !== undefined) lowest = Math.min(lowest, before);
    const tolerance = Math.max(ENVELOPE_SETTINGS.regrowthOverLowest * lowest, ENVELOPE_SETTINGS.spikeFloorMultiple * floorMmhg, ENVELOPE_SETTINGS.spikeShareOfMax * smooth[top]!);
    if (amplitudes[i]! - lowest > tolerance) return points[i]!.mmhg;
  }
  return null;
}

/**
 * Where the smoothed flank first falls below `level` from FLANK_START_SHARE above the maximum's
 * pressure on (interpolated pressure, and the first index below), or null.
 */
function crossingBelow(points: readonly EnvelopePoint[], smooth: readonly (number | null)[], top: number, level: number): { mmhg: number; index: number } | null {
  const from = points[top]!.mmhg * (1 + FLANK_START_SHARE);
  for (let i = top + 1; i < smooth.length && smooth[i] !== null; i++) {
    if (points[i]!.mmhg < from || smooth[i]! >= level) continue;
    const above = smooth[i - 1]!;
    if (above < level) return { mmhg: points[i]!.mmhg, index: i };
    const fraction = above > smooth[i]! ? (above - level) / (above - smooth[i]!) : 0;
    return { mmhg: points[i - 1]!.mmhg + fraction * (points[i]!.mmhg - points[i - 1]!.mmhg), index: i };
  }
  return null;
}

/**
 * Where the smoothed flank has crossed the shares of its maximum so far, and the LOP they read.
 * Null before the envelope has a maximum. The caller judges whether the maximum stands high
 * enough above the noise (ENVELOPE_SETTINGS.minMaxOverFloor) for the reading to count.
 */
export function readFlank(points: readonly EnvelopePoint[], floorMmhg: number): FlankReading | null {
  const amplitudes = amplitudesOf(points, floorMmhg);
  const smooth = smoothed(amplitudes);
  const top = topIndex(smooth);
  if (top < 0 || smooth[top]! <= 0) return null;
  const maxAmplitude = smooth[top]!;
  const at = (share: number) => crossingBelow(points, smooth, top, share * maxAmplitude);
  const bound = at(BOUND_SHARE);
  const crossings = FLANK_READING.shares.map(at);
  const complete = crossings.every((c) => c !== null);
  let upper: number | null = null;
  for (const { share, ratio, offsetMmhg } of FLANK_READING.upper) {
    const c = at(share);
    if (c !== null) {
      upper = ratio * c.mmhg + offsetMmhg;
      break;
    }
  }
  // Knocks are counted on the flank down to the last crossing reached; beyond it lies the tail.
  const lastIndex = Math.max(top, ...[bound, ...crossings].map((c) => c?.index ?? top));
  const flank = amplitudes.slice(top, lastIndex + 1);
  const knocks = outliers(flank, floorMmhg, maxAmplitude).filter(Boolean).length;
  return {
    lopMmhg: complete ? crossings.reduce<number>((sum, c, i) => sum + c!.mmhg * FLANK_READING.weights[i]!, FLANK_READING.offsetMmhg) : null,
    upperLopMmhg: upper,
    boundCrossingMmhg: bound?.mmhg ?? null,
    timeBoundCrossingMmhg: at(TIME_BOUND_SHARE)?.mmhg ?? null,
    maxAmplitudeMmhg: maxAmplitude,
    maxAtMmhg: points[top]!.mmhg,
    outlierShare: flank.length ? knocks / flank.length : 0,
    regrowthAtMmhg: regrowth(points, amplitudes, smooth, top, floorMmhg),
  };
}

/**
 * A held jump (a limb tensed for a second or two) moves the pressure itself: the mean pressure of
 * the windows it falls in leaves the ramp. Index of the first window at or above `fromMmhg` whose
 * mean lies more than `offMmhg` off the line through its two neighbours (-1 if none).
 */
export function heldJumpIndex(windows: readonly EnvelopePoint[], fromMmhg: number, offMmhg: number): number {
  for (let i = 1; i + 1 < windows.length; i++) {
    const w = windows[i]!;
    if (w.mmhg >= fromMmhg && Math.abs(w.mmhg - (windows[i - 1]!.mmhg + windows[i + 1]!.mmhg) / 2) > offMmhg) return i;
  }
  return -1;
}
