/**
 * Reps from the cuff pressure during a regulated set. A contraction swells the
 * limb and pushes the cuff pressure above the target until the regulator vents it
 * back, so each rep is a positive pulse of the deviation from target. Heart
 * pulsations are smaller and faster: a low-pass filter, a threshold with
 * hysteresis and a refractory period keep them from counting.
 */
import type { PressureEstimate } from "../controller/estimator.ts";
import { Biquad } from "./filters.ts";
import type { RepCounter } from "./procedure.ts";

export const REP_SETTINGS = {
  /** Reps last about 1-4 s; the heart's fundamental is 0.8-1.8 Hz and its harmonics are removed here. */
  lowPassHz: 1.2,
  /** A rep starts when the deviation climbs above this (mmHg)... */
  onMmhg: 2.5,
  /** ...or above this share of the typical rep peak seen so far, whichever is larger. */
  onShareOfPeak: 0.4,
  /** It ends when the deviation falls back below this share of the start threshold. */
  offShare: 0.4,
  /** No two reps closer than this, nor closer than this share of the typical interval. */
  refractorySeconds: 0.7,
  refractoryShareOfInterval: 0.5,
  /** Contractions have stopped once no rep came for this many typical intervals (at least minIdleSeconds). */
  idleIntervals: 1.3,
  minIdleSeconds: 1.5,
} as const;

class CuffRepCounter implements RepCounter {
  private count = 0;
  private last: number | null = null;
  private readonly intervals: number[] = [];
  private readonly peaks: number[] = [];
  private inRep = false;
  private repPeak = 0;
  private readonly smooth: Biquad;

  constructor(sampleHz: number) {
    this.smooth = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
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

  /** True once contractions have stopped: no rep for idleIntervals typical intervals after the last one. */
  contractionsStopped(tSeconds: number): boolean {
    if (this.last === null) return false;
    const interval = this.meanIntervalSeconds;
    const idle = Math.max(REP_SETTINGS.minIdleSeconds, interval === null ? 2.5 : REP_SETTINGS.idleIntervals * interval);
    return tSeconds - this.last >= idle;
  }

  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number): boolean {
    if (!Number.isFinite(estimate.mmhg) || !Number.isFinite(targetMmhg)) return false;
    const deviation = this.smooth.next(estimate.mmhg - targetMmhg);
    const typicalPeak = this.peaks.length === 0 ? 0 : median(this.peaks);
    const on = Math.max(REP_SETTINGS.onMmhg, REP_SETTINGS.onShareOfPeak * typicalPeak);
    if (this.inRep) {
      this.repPeak = Math.max(this.repPeak, deviation);
      if (deviation < REP_SETTINGS.offShare * on) {
        this.inRep = false;
        this.peaks.push(this.repPeak);
        if (this.peaks.length > 10) this.peaks.shift();
      }
      return false;
    }
    if (deviation <= on) return false;
    const interval = this.meanIntervalSeconds;
    const refractory = Math.max(REP_SETTINGS.refractorySeconds, interval === null ? 0 : REP_SETTINGS.refractoryShareOfInterval * interval);
    if (this.last !== null && tSeconds - this.last < refractory) return false;
    this.inRep = true;
    this.repPeak = deviation;
    if (this.last !== null) {
      this.intervals.push(tSeconds - this.last);
      if (this.intervals.length > 8) this.intervals.shift();
    }
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
