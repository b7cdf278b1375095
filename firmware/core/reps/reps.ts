/**
 * Reps from the cuff pressure during a regulated set: two signals counted side by side
 * (swing-counter.ts), held to the cadence both signals repeat at (cadence.ts).
 *
 * The signals are the deviation of the pressure from the target, and the pressure a sealed
 * cuff would have shown (the deviation less what the regulator added, see actuation-swing.ts).
 * Where the regulator holds the pressure flat, the first keeps too little swing to count and
 * the second carries it; where the actuator model is far off, the second mis-scales and the
 * first counts. The set's count is the larger of the two, and the signal ahead speaks for the
 * cadence of the counts.
 *
 * The swings alone miscount in two ways: a slow rep can swing a signal twice (the regulator
 * vents the rise, then refills the fall, and its actuator model errs differently on each), and
 * a small swing can be lost under knocks and the regulator's hunting. The signal's own
 * repetition holds through both, so where either signal repeats clearly the counters take its
 * interval (the shorter of the two, and not far longer than the counts' own: too long an
 * interval would hold real reps back): a count
 * needs most of that interval since the last, and no signal counts more reps than that
 * interval fits into the set's time. The count shown never goes back: counts taken back are
 * held until the reps catch up.
 */
import type { PressureEstimate } from "../estimator.ts";
import { ActuationSwing } from "./actuation-swing.ts";
import { CadenceEstimate } from "./cadence.ts";
import type { RepCounter } from "./counter.ts";
import { REP_SETTINGS, SwingCounter } from "./swing-counter.ts";

export { REP_SETTINGS };

/** A signal repeats clearly when its correlation at the interval is at least this. */
export const CLEAR_REPETITION = 0.5;
/** A cadence longer than this many of the counts' own typical interval is not used. */
export const CADENCE_OVER_COUNTED_INTERVALS = 1.7;

class CuffRepCounter implements RepCounter {
  private readonly pressure: SwingCounter;
  private readonly sealed: SwingCounter;
  private readonly actuation: ActuationSwing;
  private readonly pressureCadence: CadenceEstimate;
  private readonly sealedCadence: CadenceEstimate;
  private previousSeconds: number | null = null;
  private startSeconds: number | null = null;
  private repCount = 0;

  constructor(sampleHz: number) {
    this.pressure = new SwingCounter(sampleHz, REP_SETTINGS);
    this.sealed = new SwingCounter(sampleHz, REP_SETTINGS.sealed);
    this.actuation = new ActuationSwing();
    this.pressureCadence = new CadenceEstimate(sampleHz);
    this.sealedCadence = new CadenceEstimate(sampleHz);
  }

  get reps(): number {
    return this.repCount;
  }

  private get leading(): SwingCounter {
    return this.sealed.reps > this.pressure.reps ? this.sealed : this.pressure;
  }

  get lastRepSeconds(): number | null {
    const times = [this.pressure.lastRepSeconds, this.sealed.lastRepSeconds].filter((t): t is number => t !== null);
    return times.length ? Math.max(...times) : null;
  }

  get meanIntervalSeconds(): number | null {
    return this.leading.meanIntervalSeconds;
  }

  contractionsStopped(tSeconds: number): boolean {
    const pressureStopped = this.pressure.contractionsStopped(tSeconds);
    const sealedStopped = this.sealed.contractionsStopped(tSeconds);
    return this.leading === this.sealed ? sealedStopped : pressureStopped;
  }

  /**
   * The shorter interval of the two signals that repeat clearly, and moved more than the smallest
   * swing that is a rep on that signal (a steady ripple of the regulator or the heart repeats as
   * clearly as reps do); null where neither does.
   */
  private cadenceSeconds(): number | null {
    const clear = [
      { cadence: this.pressureCadence, minSwingMmhg: REP_SETTINGS.minSwingMmhg },
      { cadence: this.sealedCadence, minSwingMmhg: REP_SETTINGS.sealed.minSwingMmhg },
    ]
      .filter(({ cadence: c, minSwingMmhg }) => c.periodSeconds !== null && c.strength >= CLEAR_REPETITION && c.rangeMmhg >= minSwingMmhg)
      .map(({ cadence }) => cadence);
    if (!clear.length) return null;
    const period = Math.min(...clear.map((c) => c.periodSeconds!));
    // Far longer than the counts' own interval: the signals look alike only every second rep or so.
    const counted = this.leading.meanIntervalSeconds;
    return counted !== null && period > CADENCE_OVER_COUNTED_INTERVALS * counted ? null : period;
  }

  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number, rateMmhgPerSecond = 0): boolean {
    if (!Number.isFinite(estimate.mmhg) || !Number.isFinite(targetMmhg)) return false;
    const dtSeconds = this.previousSeconds === null ? 0 : tSeconds - this.previousSeconds;
    this.previousSeconds = tSeconds;
    this.startSeconds ??= tSeconds;
    const deviation = estimate.mmhg - targetMmhg;
    const addedMmhg = this.actuation.update(dtSeconds, rateMmhgPerSecond, Math.abs(deviation) <= REP_SETTINGS.nearTargetFraction * targetMmhg);
    const cadence = this.cadenceSeconds();
    this.pressure.cadenceSeconds = cadence;
    this.sealed.cadenceSeconds = cadence;
    this.pressure.feed(tSeconds, deviation);
    this.sealed.feed(tSeconds, deviation - addedMmhg);
    this.pressureCadence.feed(tSeconds, this.pressure.lowPassedMmhg);
    this.sealedCadence.feed(tSeconds, this.sealed.lowPassedMmhg);
    if (cadence !== null) {
      // The rep under way counts (+1); the interval is taken a little short, as the estimate errs by a few percent.
      const most = Math.floor((tSeconds - this.startSeconds) / (cadence * (1 - REP_SETTINGS.cadenceCapShortShare))) + 1;
      this.pressure.capReps(most);
      this.sealed.capReps(most);
    }
    const reps = Math.max(this.repCount, this.pressure.reps, this.sealed.reps);
    if (reps === this.repCount) return false;
    this.repCount = reps;
    return true;
  }
}

/** sampleHz: the rate update() is fed at (the controller's 100 Hz). */
export function createRepCounter(sampleHz: number): RepCounter {
  return new CuffRepCounter(sampleHz);
}
