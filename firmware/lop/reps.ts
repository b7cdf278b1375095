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
  /** Reps of 1.2-6 s pass; heart pulsations (0.8-1.8 Hz) are cut by a fourth-order low-pass. */
  lowPassHz: Number(process.env.REP_LP ?? 0.8),
  /** A rep starts when the deviation climbs above this (mmHg): heart and noise stay under 0.45 at a held target. */
  minOnMmhg: Number(process.env.REP_ON ?? 0.5),
  /** ...or above this share of the median peak of the reps so far, whichever is larger. */
  onShareOfPeak: Number(process.env.REP_SHARE ?? 0.35),
  /** It ends when the deviation falls back below this share of the start threshold. */
  offShare: 0.5,
  /**
   * A contraction pushes the pressure above target for about half a rep and lets go;
   * the limb refilling with blood after a set lifts it for many seconds. Excursions
   * longer than this (or than this share of the typical interval) are not reps.
   */
  maxExcursionSeconds: Number(process.env.REP_MAXEX ?? 2.2),
  maxExcursionShareOfInterval: 0.9,
  /** The relaxation dip that completes a rep: below -max(minDip, share of the typical peak), within this long after the excursion. */
  minDipMmhg: Number(process.env.REP_DIP ?? 0.3),
  dipShareOfPeak: Number(process.env.REP_DIPSHARE ?? 0.3),
  dipWithinSeconds: 1.0,
  dipWithinShareOfInterval: 0.5,
  /** No two reps closer than this, nor closer than this share of the typical interval. */
  refractorySeconds: 0.8,
  refractoryShareOfInterval: 0.55,
  /** Contractions have stopped once no rep came for this many typical intervals (at least minIdleSeconds). */
  idleIntervals: Number(process.env.REP_IDLE ?? 1.3),
  minIdleSeconds: 1.5,
  /** Quiet: over the last quietIntervals intervals the cycle swung less than this share of a typical rep peak. */
  quietIntervals: 0.8,
  quietShareOfPeak: Number(process.env.REP_QUIET ?? 0.5),
  /** The veins refilling after a set lift the pressure over ~12 s: removed from the activity. */
  activityHighPassHz: 0.3,
  activityMemorySeconds: 8,
  /** Before the second rep the cadence is unknown: wait for the slowest one (6 s reps, counted at the same phase). */
  idleBeforeCadenceSeconds: 6.5,
} as const;

class CuffRepCounter implements RepCounter {
  private count_ = 0;
  private last: number | null = null;
  private readonly intervals: number[] = [];
  private readonly peaks: number[] = [];
  private readonly low1: Biquad;
  private readonly low2: Biquad;
  /** The excursion above target being followed: when it started and its peak. */
  private excursionStart: number | null = null;
  private excursionPeak = 0;
  /** An excursion that qualified, waiting for its relaxation dip. */
  private pending: { peak: number; deadline: number } | null = null;
  /** Recent size of the cycle (deviation with the slow refill of the veins removed), for contractionsStopped. */
  private readonly activityFilter: Biquad;
  private readonly activity: { t: number; swing: number }[] = [];

  constructor(sampleHz: number) {
    this.low1 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.low2 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.activityFilter = Biquad.highPass(REP_SETTINGS.activityHighPassHz, sampleHz);
  }

  get reps(): number {
    return this.count_;
  }

  get lastRepSeconds(): number | null {
    return this.last;
  }

  get meanIntervalSeconds(): number | null {
    return this.intervals.length === 0 ? null : median(this.intervals);
  }

  /**
   * No rep for a little longer than the cadence, and the limb is quiet: over the last
   * interval the pressure has not swung by anything like a rep (so one missed rep in a
   * continuing set does not end it).
   */
  contractionsStopped(tSeconds: number): boolean {
    if (this.last === null) return false;
    const interval = this.meanIntervalSeconds;
    const idle = Math.max(REP_SETTINGS.minIdleSeconds, interval === null ? REP_SETTINGS.idleBeforeCadenceSeconds : REP_SETTINGS.idleIntervals * interval);
    if (tSeconds - this.last < idle) return false;
    const since = tSeconds - REP_SETTINGS.quietIntervals * (interval ?? REP_SETTINGS.idleBeforeCadenceSeconds / REP_SETTINGS.idleIntervals);
    let swing = 0;
    for (const a of this.activity) if (a.t >= since) swing = Math.max(swing, a.swing);
    return swing < REP_SETTINGS.quietShareOfPeak * (this.peaks.length ? median(this.peaks) : REP_SETTINGS.minOnMmhg);
  }

  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number): boolean {
    if (!Number.isFinite(estimate.mmhg) || !Number.isFinite(targetMmhg)) return false;
    const deviation = this.low2.next(this.low1.next(estimate.mmhg - targetMmhg));
    const hpDev = this.activityFilter.next(deviation);
    const swing = process.env.REP_ACT === "pos" ? Math.max(0, deviation) : process.env.REP_ACT === "hppos" ? Math.max(0, hpDev) : Math.abs(hpDev);
    this.activity.push({ t: tSeconds, swing });
    while (this.activity.length > 0 && tSeconds - this.activity[0]!.t > REP_SETTINGS.activityMemorySeconds) this.activity.shift();
    const typicalPeak = this.peaks.length ? median(this.peaks) : 0;
    const on = Math.max(REP_SETTINGS.minOnMmhg, REP_SETTINGS.onShareOfPeak * typicalPeak);
    if (this.pending !== null) {
      // A contraction ends in a dip: the limb shrinks faster than the pump refills.
      const dip = Math.max(REP_SETTINGS.minDipMmhg, REP_SETTINGS.dipShareOfPeak * typicalPeak);
      if (deviation < -dip) return this.count(tSeconds);
      if (tSeconds > this.pending.deadline || deviation > on) this.pending = null;
      if (this.pending !== null) return false;
    }
    if (this.excursionStart === null) {
      if (deviation > on) {
        this.excursionStart = tSeconds;
        this.excursionPeak = deviation;
      }
      return false;
    }
    this.excursionPeak = Math.max(this.excursionPeak, deviation);
    if (deviation >= REP_SETTINGS.offShare * on) return false;
    // The excursion is over: a rep if it was as brief as a contraction and the dip follows.
    const started = this.excursionStart;
    this.excursionStart = null;
    const interval = this.meanIntervalSeconds;
    const longest = Math.max(REP_SETTINGS.maxExcursionSeconds, interval === null ? 0 : REP_SETTINGS.maxExcursionShareOfInterval * interval);
    if (tSeconds - started > longest) return false;
    this.pending = { peak: this.excursionPeak, deadline: tSeconds + Math.max(REP_SETTINGS.dipWithinSeconds, interval === null ? 0 : REP_SETTINGS.dipWithinShareOfInterval * interval) };
    return false;
  }

  private count(tSeconds: number): boolean {
    const peak = this.pending!.peak;
    this.pending = null;
    const interval = this.meanIntervalSeconds;
    const refractory = Math.max(REP_SETTINGS.refractorySeconds, interval === null ? 0 : REP_SETTINGS.refractoryShareOfInterval * interval);
    if (this.last !== null && tSeconds - this.last < refractory) return false;
    if (this.last !== null) {
      this.intervals.push(tSeconds - this.last);
      if (this.intervals.length > 8) this.intervals.shift();
    }
    this.peaks.push(peak);
    if (this.peaks.length > 8) this.peaks.shift();
    this.last = tSeconds;
    this.count_++;
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
