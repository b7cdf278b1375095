/**
 * Reps from the cuff pressure during a regulated set. A contraction swells the
 * limb and pushes the pressure up until the regulator vents it; as the muscle
 * relaxes the limb shrinks and the pressure dips until the pump refills. So each
 * rep is one slow cycle of the deviation from target (rise, then dip), at the
 * rep cadence (0.3-0.7 Hz). The deviation is band-passed around that cadence
 * (heart pulsations at 0.8-1.8 Hz are cut by a fourth-order low-pass), and a rep
 * is counted when the cycle rises through +h (after the set starts, or after
 * having dipped below -h since the last rep: hysteresis), no sooner than a refractory time after the last one. h follows
 * the size of the reps seen (a share of their median swing, never below a floor
 * set above the heart pulsations and sensor noise left after the filter).
 */
import type { PressureEstimate } from "../controller/estimator.ts";
import { Biquad } from "./filters.ts";
import type { RepCounter } from "./procedure.ts";

export const REP_SETTINGS = {
  /** Cycle band: reps of 1.2-6 s pass; heart pulsations (from 0.8 Hz) and breathing drift do not. */
  lowPassHz: 0.8,
  highPassHz: 0.12,
  /** Hysteresis floor (mmHg): heart pulsations and noise left after the filter stay within +-0.5 at a held target. */
  minThresholdMmhg: 0.6,
  /** Hysteresis as a share of the median swing of the reps so far. */
  thresholdShareOfSwing: 0.25,
  /** No two reps closer than this, nor closer than this share of the typical interval. */
  refractorySeconds: 0.8,
  refractoryShareOfInterval: 0.55,
  /** Contractions have stopped once no rep came for this many typical intervals (at least minIdleSeconds). */
  idleIntervals: 1.3,
  minIdleSeconds: 1.5,
} as const;

class CuffRepCounter implements RepCounter {
  private count = 0;
  private last: number | null = null;
  private readonly intervals: number[] = [];
  private readonly swings: number[] = [];
  private readonly low1: Biquad;
  private readonly low2: Biquad;
  private readonly high: Biquad;
  /** Schmitt trigger: the first rise counts; after a rep, the cycle must dip below -h before the next. */
  private armed = true;
  private cycleMax = 0;
  private cycleMin = 0;

  constructor(sampleHz: number) {
    this.low1 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.low2 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.high = Biquad.highPass(REP_SETTINGS.highPassHz, sampleHz);
  }

  get reps(): number {
    return this.count;
  }

  get lastRepSeconds(): number | null {
    return this.last;
  }

  get meanIntervalSeconds(): number | null {
    return this.intervals.length === 0 ? null : median(this.intervals);
  }

  contractionsStopped(tSeconds: number): boolean {
    if (this.last === null) return false;
    const interval = this.meanIntervalSeconds;
    const idle = Math.max(REP_SETTINGS.minIdleSeconds, interval === null ? 2.5 : REP_SETTINGS.idleIntervals * interval);
    return tSeconds - this.last >= idle;
  }

  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number): boolean {
    if (!Number.isFinite(estimate.mmhg) || !Number.isFinite(targetMmhg)) return false;
    const cycle = this.high.next(this.low2.next(this.low1.next(estimate.mmhg - targetMmhg)));
    const h = Math.max(REP_SETTINGS.minThresholdMmhg, REP_SETTINGS.thresholdShareOfSwing * (this.swings.length ? median(this.swings) : 0));
    this.cycleMax = Math.max(this.cycleMax, cycle);
    this.cycleMin = Math.min(this.cycleMin, cycle);
    if (!this.armed) {
      if (cycle < -h) this.armed = true;
      return false;
    }
    if (cycle <= h) return false;
    const interval = this.meanIntervalSeconds;
    const refractory = Math.max(REP_SETTINGS.refractorySeconds, interval === null ? 0 : REP_SETTINGS.refractoryShareOfInterval * interval);
    if (this.last !== null && tSeconds - this.last < refractory) return false;
    this.armed = false;
    if (this.last !== null) {
      this.intervals.push(tSeconds - this.last);
      if (this.intervals.length > 8) this.intervals.shift();
    }
    this.swings.push(this.cycleMax - this.cycleMin);
    if (this.swings.length > 8) this.swings.shift();
    this.cycleMax = cycle;
    this.cycleMin = cycle;
    this.last = tSeconds;
    this.count++;
    return true;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** sampleHz: the rate update() is fed at (the controller's 100 Hz). */
export function createRepCounter(sampleHz = 100): RepCounter {
  return new CuffRepCounter(sampleHz);
}
