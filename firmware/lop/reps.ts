/**
 * Reps from the cuff pressure during a regulated set. A contraction swells the
 * limb and pushes the pressure above target until the regulator vents it; as the
 * muscle relaxes the limb shrinks and the pressure dips below target until the
 * pump refills. The deviation from target is low-passed (fourth order at 0.8 Hz:
 * heart pulsations at 0.8-1.8 Hz are cut, reps of 1.2-6 s pass), and a rep is an
 * excursion above +h (h: a floor above what heart and noise leave, or a share of
 * the typical rep's peak) that is as brief as a contraction and is followed by
 * the relaxation dip below target. The dip tells a contraction from the slow
 * rise of the veins refilling after a set; a refractory time keeps one rep from
 * counting twice.
 */
import type { PressureEstimate } from "../controller/estimator.ts";
import { Biquad } from "./filters.ts";
import type { RepCounter } from "./procedure.ts";

export const REP_SETTINGS = {
  /** Reps of 1.2-6 s pass; heart pulsations (0.8-1.8 Hz) are cut by a fourth-order low-pass. */
  lowPassHz: 0.8,
  /** A rep starts when the deviation climbs above this (mmHg): heart and noise stay under 0.45 at a held target. */
  minOnMmhg: 0.5,
  /** ...or above this share of the median peak of the reps so far, whichever is larger. */
  onShareOfPeak: 0.35,
  /** It ends when the deviation falls back below this share of the start threshold. */
  offShare: 0.5,
  /**
   * A contraction pushes the pressure above target for about half a rep and lets go;
   * the limb refilling with blood after a set lifts it for many seconds. Excursions
   * longer than this (or than this share of the typical interval) are not reps.
   */
  maxExcursionSeconds: 2.2,
  maxExcursionShareOfInterval: 0.9,
  /** The relaxation dip that completes a rep: below -max(minDip, share of the typical peak), within this long after the excursion. */
  minDipMmhg: 0.3,
  dipShareOfPeak: 0.3,
  dipWithinSeconds: 1.0,
  dipWithinShareOfInterval: 0.5,
  /** No two reps closer than this, nor closer than this share of the typical interval. */
  refractorySeconds: 0.8,
  refractoryShareOfInterval: 0.55,
  /** Contractions have stopped once no rep came for this many typical intervals (at least minIdleSeconds). */
  idleIntervals: 1.1,
  minIdleSeconds: 1.5,
  /** Quiet: over the last quietIntervals intervals the cycle rose by less than this share of a typical rep peak. */
  quietIntervals: 0.6,
  quietShareOfPeak: 0.4,
  /** The veins refilling after a set lift the pressure over ~12 s: removed from the activity. */
  activityHighPassHz: 0.3,
  activityMemorySeconds: 8,
  /**
   * Once the cadence is settled (this many intervals seen), contractions have stopped when the next
   * rise is overdue: none began within one interval plus riseLateSeconds of the last rep's rise
   * (any rise above the start threshold counts, so a rep missed for want of its dip still holds
   * the set open). At least minIdleAfterRepSeconds after the last rep.
   */
  cadenceIntervalsForDeadline: 3,
  riseLateSeconds: 0.6,
  minIdleAfterRepSeconds: 1.2,
  /** Before the second rep the cadence is unknown: wait for the slowest one (6 s reps, counted at the same phase). */
  idleBeforeCadenceSeconds: 6.5,
} as const;

class CuffRepCounter implements RepCounter {
  private repCount = 0;
  private last: number | null = null;
  private readonly intervals: number[] = [];
  private readonly peaks: number[] = [];
  private readonly low1: Biquad;
  private readonly low2: Biquad;
  /** The excursion above target being followed: when it started and its peak. */
  private excursionStart: number | null = null;
  private excursionPeak = 0;
  /** An excursion that qualified, waiting for its relaxation dip. */
  private pending: { peak: number; deadline: number; startSeconds: number } | null = null;
  /** Seconds from the start of a rep's rise to its count (the relaxation dip), recent reps. */
  private readonly leads: number[] = [];
  /** When the deviation last climbed above the start threshold (a rise, counted or not). */
  private lastRiseStartSeconds: number | null = null;
  /** Recent rises of the cycle (deviation with the slow refill of the veins removed), for contractionsStopped. */
  private readonly activityFilter: Biquad;
  private readonly activity: { t: number; swing: number }[] = [];

  constructor(sampleHz: number) {
    this.low1 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.low2 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.activityFilter = Biquad.highPass(REP_SETTINGS.activityHighPassHz, sampleHz);
  }

  get reps(): number {
    return this.repCount;
  }

  get lastRepSeconds(): number | null {
    return this.last;
  }

  get meanIntervalSeconds(): number | null {
    return this.intervals.length === 0 ? null : median(this.intervals);
  }

  /**
   * The next rise is overdue (once the cadence is settled), or: no rep for a little longer
   * than the cadence and the limb is quiet, over the last interval the pressure has not risen
   * by anything like a contraction (so one missed rep in a continuing set does not end it).
   */
  contractionsStopped(tSeconds: number): boolean {
    if (this.last === null) return false;
    return this.nextRiseOverdue(tSeconds) || this.quietSinceLastRep(tSeconds, this.last);
  }

  /**
   * A rep is counted at its relaxation dip, late in its cycle; the next contraction's rise
   * starts about one interval after this one's. Waiting for that rise, not for the next
   * count, ends a stopped set about one rep earlier (within 3 s of the last rep at 3 s reps).
   */
  private nextRiseOverdue(tSeconds: number): boolean {
    const interval = this.meanIntervalSeconds;
    if (this.last === null || interval === null || this.intervals.length < REP_SETTINGS.cadenceIntervalsForDeadline) return false;
    if (tSeconds - this.last < REP_SETTINGS.minIdleAfterRepSeconds) return false;
    const lastRise = Math.max(this.last - median(this.leads), this.lastRiseStartSeconds ?? -Infinity);
    return tSeconds - lastRise >= interval + REP_SETTINGS.riseLateSeconds;
  }

  private quietSinceLastRep(tSeconds: number, last: number): boolean {
    const interval = this.meanIntervalSeconds;
    const idle = Math.max(REP_SETTINGS.minIdleSeconds, interval === null ? REP_SETTINGS.idleBeforeCadenceSeconds : REP_SETTINGS.idleIntervals * interval);
    if (tSeconds - last < idle) return false;
    const since = tSeconds - REP_SETTINGS.quietIntervals * (interval ?? REP_SETTINGS.idleBeforeCadenceSeconds / REP_SETTINGS.idleIntervals);
    let swing = 0;
    for (const a of this.activity) if (a.t >= since) swing = Math.max(swing, a.swing);
    return swing < REP_SETTINGS.quietShareOfPeak * (this.peaks.length ? median(this.peaks) : REP_SETTINGS.minOnMmhg);
  }

  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number): boolean {
    if (!Number.isFinite(estimate.mmhg) || !Number.isFinite(targetMmhg)) return false;
    const deviation = this.low2.next(this.low1.next(estimate.mmhg - targetMmhg));
    const swing = Math.max(0, this.activityFilter.next(deviation));
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
        this.lastRiseStartSeconds = tSeconds;
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
    this.pending = { startSeconds: started, peak: this.excursionPeak, deadline: tSeconds + Math.max(REP_SETTINGS.dipWithinSeconds, interval === null ? 0 : REP_SETTINGS.dipWithinShareOfInterval * interval) };
    return false;
  }

  private count(tSeconds: number): boolean {
    const { peak, startSeconds } = this.pending!;
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
    this.leads.push(tSeconds - startSeconds);
    if (this.leads.length > 8) this.leads.shift();
    this.last = tSeconds;
    this.repCount++;
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
