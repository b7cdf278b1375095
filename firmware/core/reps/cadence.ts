/**
 * The set's cadence from the shape of the signal itself, not from the counts. Reps repeat
 * one movement, so the low-passed deviation repeats at the rep interval whatever its shape:
 * a slow rep that swings the pressure twice, or a swing a little above the noise, still
 * repeats once a rep. The autocorrelation of the last windowSeconds (the mean and a straight
 * line through the window taken out, so a refill or swelling does not dominate it) peaks at
 * the rep interval; its height says how much of the signal repeats. The first lag whose
 * correlation comes near the highest peak is the interval (twice the interval correlates as
 * well, and must not be taken for it), or a third or a half of it where those peak too.
 */
export const CADENCE = {
  /** Rate the low-passed signal is kept at: reps of 1.2 s are 12 samples long. */
  keptHz: 10,
  /** Seconds of signal correlated: two of the slowest reps and a half. */
  windowSeconds: 15,
  /** Intervals looked for: reps of 1-6.5 s. */
  shortestSeconds: 1,
  longestSeconds: 6.5,
  /** The interval is the first peak within this share of the highest one... */
  nearHighestShare: 0.6,
  /**
   * ...unless a third or a half of it is a peak correlating this share of its own: fast reps
   * that the regulator's pump bursts or the knocks make alike only every second or third time.
   */
  fundamentalShare: 0.3,
  /** Seconds between estimates. */
  everySeconds: 0.5,
} as const;

export class CadenceEstimate {
  private readonly kept: number[] = [];
  private readonly keepEvery: number;
  private sampleCount = 0;
  private lastEstimateSeconds = -Infinity;
  /** The rep interval (s) and the correlation at it (0-1); null before the window holds two short intervals, or where nothing repeats. */
  periodSeconds: number | null = null;
  strength = 0;
  /** How far the signal moved over the window (highest less lowest, mmHg). */
  rangeMmhg = 0;

  constructor(sampleHz: number) {
    this.keepEvery = Math.max(1, Math.round(sampleHz / CADENCE.keptHz));
  }

  /** Feed one sample of the low-passed signal (mmHg). */
  feed(tSeconds: number, mmhg: number): void {
    if (this.sampleCount++ % this.keepEvery !== 0) return;
    this.kept.push(mmhg);
    if (this.kept.length > CADENCE.windowSeconds * CADENCE.keptHz) this.kept.shift();
    if (tSeconds - this.lastEstimateSeconds < CADENCE.everySeconds) return;
    this.lastEstimateSeconds = tSeconds;
    this.estimate();
  }

  private estimate(): void {
    const n = this.kept.length;
    const shortest = Math.round(CADENCE.shortestSeconds * CADENCE.keptHz);
    const longest = Math.min(Math.round(CADENCE.longestSeconds * CADENCE.keptHz), Math.floor(n / 2));
    if (longest <= shortest + 1) return;
    this.rangeMmhg = Math.max(...this.kept) - Math.min(...this.kept);
    const x = detrended(this.kept);
    const r: number[] = [];
    for (let lag = 0; lag <= longest + 1; lag++) r.push(lag < shortest - 1 ? 0 : correlation(x, lag));
    let highest = 0;
    for (let lag = shortest; lag <= longest; lag++) if (isPeak(r, lag)) highest = Math.max(highest, r[lag]!);
    if (highest <= 0) {
      this.periodSeconds = null;
      this.strength = 0;
      return;
    }
    for (let lag = shortest; lag <= longest; lag++) {
      if (!isPeak(r, lag) || r[lag]! < CADENCE.nearHighestShare * highest) continue;
      const chosen = fundamentalOf(r, lag, shortest);
      // A parabola through the peak and its neighbours places it between samples.
      const [a, b, c] = [r[chosen - 1]!, r[chosen]!, r[chosen + 1]!];
      const denominator = a - 2 * b + c;
      const offset = denominator < 0 ? (0.5 * (a - c)) / denominator : 0;
      this.periodSeconds = (chosen + offset) / CADENCE.keptHz;
      this.strength = r[lag]!;
      return;
    }
  }
}

/** A peak at a third or a half of `lag` (a sample either side) that correlates fundamentalShare of the lag's own, or the lag. */
function fundamentalOf(r: readonly number[], lag: number, shortest: number): number {
  const share = CADENCE.fundamentalShare;
  for (const k of [3, 2]) {
    const centre = Math.round(lag / k);
    if (centre < shortest) continue;
    for (const l of [centre - 1, centre, centre + 1]) if (l >= shortest && isPeak(r, l) && r[l]! >= share * r[lag]!) return l;
  }
  return lag;
}

function isPeak(r: readonly number[], lag: number): boolean {
  return r[lag]! > 0 && r[lag]! >= r[lag - 1]! && r[lag]! >= r[lag + 1]!;
}

/** The samples less their mean and the straight line through them (least squares). */
function detrended(values: readonly number[]): number[] {
  const n = values.length;
  const meanI = (n - 1) / 2;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (i - meanI) * (values[i]! - mean);
    sxx += (i - meanI) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return values.map((v, i) => v - mean - slope * (i - meanI));
}

/** Normalised correlation of the series with itself `lag` samples later, over their overlap. */
function correlation(x: readonly number[], lag: number): number {
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i + lag < x.length; i++) {
    sxy += x[i]! * x[i + lag]!;
    sxx += x[i]! ** 2;
    syy += x[i + lag]! ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}
