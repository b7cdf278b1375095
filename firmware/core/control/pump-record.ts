/**
 * What this pump does to this cuff, learned from the cuff itself: the rise rate with the pump at
 * full speed and the vent shut, at each pressure (it folds in the cuff's compliance, the pump's
 * back-pressure curve, the hose and the cuff's own leak). The safety rules judge a pump against
 * it: a small pump that levels off against the leak was learned to give little there, a dying
 * pump gives much less than it did. Pure: fed one tick at a time, time as a parameter.
 *
 * The rate is learned over stretches where only the pump works and the limb is still: a
 * least-squares slope of the pressure against the pump's accumulated effort (speed times
 * seconds), skipping the first moments of each stretch, while the hose's own pressure drop
 * builds up between the sensor's side and the cuff. It is kept in pressure bins.
 */
export const PUMP_LEARNING = {
  /** Pressure bins the rates are kept in. */
  binMmhg: 10,
  binCount: 32,
  /** A stretch is judged from this long after the pump starts (the hose's pump side fills within about 0.26 s). */
  settleSeconds: 0.3,
  /**
   * A window closes after this much full-speed time, or once the pressure moved one bin. One cut
   * short by the stretch's end teaches only if it lasted minWindowSeconds and the stretch was a fill
   * (it ran at least one window its whole course): a top-up, started and stopped by a regulator that
   * answers the heartbeats, reads a beat's upstroke as the pump's work (a 0.5 L/min pump on a 9 cm
   * thigh cuff: 5-9 mmHg/s learned where it gives 2-3).
   */
  windowEffortSeconds: 1,
  minWindowSeconds: 0.2,
  /** Each window moves its bin this share of the way to what it saw. */
  weight: 0.3,
  /**
   * A window may raise a bin already learned to at most this many times its rate: a pump never
   * gains strength, while a knock lifts the pressure 10 mmHg in a quarter second as straight as a
   * pump would (66 mmHg/s seen where a 0.5 L/min pump gives 2).
   */
  maxGainOverLearned: 2,
  /**
   * A window whose readings stray from its straight line by more than this (root mean square) saw
   * the limb move (a knock: up to 30 mmHg for a quarter second) and teaches nothing; filtered sensor
   * noise, heartbeats and breathing stay under about 2 mmHg.
   */
  maxResidualMmhg: 3,
  /** Speeds under this are too small to judge (the motor's friction). */
  minSpeed: 0.15,
} as const;

const A = PUMP_LEARNING;

/** One tick as the pump saw it. */
export interface PumpTick {
  t: number;
  /** The filtered reading (NaN when unusable). */
  mmhg: number;
  pump: number;
  vent: number;
  /** The limb is still (no set with contractions): a rise is the pump's doing. */
  still: boolean;
}

/** Least-squares sums of pressure against accumulated effort over one window. */
interface Window {
  startSeconds: number;
  firstMmhg: number;
  effortSeconds: number;
  n: number;
  sumX: number;
  sumY: number;
  sumXX: number;
  sumXY: number;
  sumYY: number;
}

export class PumpRecord {
  /** Full-speed rise per pressure bin (NaN where nothing was seen). */
  private readonly rates = new Float64Array(A.binCount).fill(Number.NaN);
  private stretchSinceSeconds: number | null = null;
  /** This stretch ran a window its whole course: a fill, not a top-up. */
  private fillSeen = false;
  private window: Window | null = null;
  private lastSeconds: number | null = null;

  constructor(private readonly pumpMinDuty = 0.15) {}

  /** The rise `duty` gives at this pressure by what has been learned (flat beyond the pressures seen); null before any. */
  expectedRise(mmhg: number, duty: number): number | null {
    const rate = Number.isFinite(mmhg) ? this.rateAt(mmhg) : null;
    return rate === null ? null : rate * this.speedOf(duty);
  }

  /** The full-speed rise learned at (or next to) this pressure, null where the pump has not been seen working. */
  learnedRateAt(mmhg: number): number | null {
    const bin = binOf(mmhg);
    for (const i of [bin - 1, bin, bin + 1]) if (i >= 0 && i < A.binCount && !Number.isNaN(this.rates[i]!)) return this.rateAt(mmhg);
    return null;
  }

  /** The pump's speed (0..1) at a duty: nothing below the motor's minimum duty. */
  speedOf(duty: number): number {
    return duty <= this.pumpMinDuty ? 0 : Math.min(1, (duty - this.pumpMinDuty) / (1 - this.pumpMinDuty));
  }

  observe(tick: PumpTick): void {
    const dt = this.lastSeconds === null ? 0 : Math.max(0, Math.min(0.2, tick.t - this.lastSeconds));
    this.lastSeconds = tick.t;
    const speed = this.speedOf(tick.pump);
    const pumping = tick.still && Number.isFinite(tick.mmhg) && speed >= A.minSpeed && tick.vent === 0;
    if (!pumping) {
      const w = this.window;
      const lasted = w !== null && tick.t - w.startSeconds >= A.minWindowSeconds - 1e-9;
      this.close(this.fillSeen && lasted);
      this.stretchSinceSeconds = null;
      this.fillSeen = false;
      return;
    }
    this.stretchSinceSeconds ??= tick.t;
    if (tick.t - this.stretchSinceSeconds < A.settleSeconds - 1e-9) return;
    const w = (this.window ??= { startSeconds: tick.t, firstMmhg: tick.mmhg, effortSeconds: 0, n: 0, sumX: 0, sumY: 0, sumXX: 0, sumXY: 0, sumYY: 0 });
    w.effortSeconds += speed * dt;
    const x = w.effortSeconds;
    w.n++;
    w.sumX += x;
    w.sumY += tick.mmhg;
    w.sumXX += x * x;
    w.sumXY += x * tick.mmhg;
    w.sumYY += tick.mmhg * tick.mmhg;
    if (w.effortSeconds >= A.windowEffortSeconds || Math.abs(tick.mmhg - w.firstMmhg) >= A.binMmhg) {
      this.close(true);
      this.fillSeen = true;
    }
  }

  /** Interpolated between the nearest learned bins (flat beyond them); null if none is learned. */
  private rateAt(mmhg: number): number | null {
    const x = Math.max(0, mmhg) / A.binMmhg - 0.5;
    let below = -1;
    let above = -1;
    for (let i = 0; i < A.binCount; i++) {
      if (Number.isNaN(this.rates[i]!)) continue;
      if (i <= x) below = i;
      else if (above < 0) above = i;
    }
    if (below < 0 && above < 0) return null;
    if (below < 0) return this.rates[above]!;
    if (above < 0) return this.rates[below]!;
    const share = (x - below) / (above - below);
    return this.rates[below]! + share * (this.rates[above]! - this.rates[below]!);
  }

  /** Ends the window: its slope, if it teaches, goes to the bin of its mean pressure. */
  private close(teaches: boolean): void {
    const w = this.window;
    this.window = null;
    if (!w || w.n < 3 || !teaches) return;
    const sxx = w.sumXX - (w.sumX * w.sumX) / w.n;
    if (sxx <= 0) return;
    const sxy = w.sumXY - (w.sumX * w.sumY) / w.n;
    const syy = w.sumYY - (w.sumY * w.sumY) / w.n;
    const slope = sxy / sxx;
    if (Math.max(0, syy - slope * sxy) / w.n > A.maxResidualMmhg ** 2) return;
    // A pump that no longer lifts the cuff (levelled off against the leak) is learned as such.
    const bin = binOf(w.sumY / w.n);
    const old = this.rates[bin]!;
    const rate = Math.max(0, slope);
    if (old > 0 && rate > A.maxGainOverLearned * old) return;
    this.rates[bin] = Number.isNaN(old) ? rate : old + A.weight * (rate - old);
  }
}

function binOf(mmhg: number): number {
  return Math.min(A.binCount - 1, Math.max(0, Math.floor(Math.max(0, mmhg) / A.binMmhg)));
}
