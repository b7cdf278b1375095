/**
 * Hunting: the loop swinging the pressure on its own. The sensor reads the line inside
 * the box; behind a narrow hose, the pump and vent move that line's small volume many
 * times faster than the cuff they were learned on, so the loop's gain, right for the
 * cuff, is several times too high for what the sensor sees: the reading swings up with
 * each pump burst and down with each vent opening a few times a second while the cuff
 * barely follows. A limb swings the pressure once per rep (reps of 1.2 s and longer: a
 * half cycle of 0.6 s or more). So half cycles of the pressure shorter than that, of a few
 * percent of the target, several in a row, each with the pump or vent at work, are the
 * loop's own (a sealed cuff's pulse or knock has no actuator in it): each cuts the loop's
 * gain a step, and a spell without them gives it back slowly. Only the loop's own half
 * cycles count: a still hold's top-ups and bleeds (a burst on a small cuff overshoots
 * whatever the gain) and the kink probe's pulses are no evidence. Kept for the session: the
 * hose does not change between sets.
 */
import type { Actuation } from "../actuation.ts";
import { Biquad } from "../signal/filters.ts";

export const HUNTING = {
  /** The pressure is followed low-passed: hunting (1-3 Hz) passes, a noisy sensor's scatter does not. */
  lowPassHz: 4,
  /** A half cycle this short is not a rep's (reps of 1.2 s and longer). */
  fastHalfCycleSeconds: 0.45,
  /** A half cycle swings at least this much (mmHg, and share of the target). */
  minSwingMmhg: 4,
  minSwingShareOfTarget: 0.03,
  /** Fast half cycles in a row, the pump or vent at work in each, before the gain is cut (one or two can be a knock). */
  fastHalfCyclesToCut: 4,
  /** Each further one multiplies the gain by this. */
  cutFactor: 0.85,
  /** The gain is never cut below this share of the designed one. */
  floorScale: 0.2,
  /** Without hunting the gain recovers towards the designed one with this time constant. */
  recoverySeconds: 120,
} as const;

export class HuntingGuard {
  /** The share of the designed loop gain to use now. */
  gainScale = 1;
  private readonly smooth: Biquad;
  /** The half cycle under way: rising or falling, its extreme so far, its length and whether the pump or vent worked in it. */
  private rising = true;
  private extremeMmhg = Number.NaN;
  private seconds = 0;
  /** Seconds since the extreme was last renewed (the pressure turned there if it is confirmed). */
  private sinceExtremeSeconds = 0;
  private acted = false;
  private fastInARow = 0;
  private secondsSinceFast = Infinity;

  constructor(sampleHz: number) {
    this.smooth = Biquad.lowPass(HUNTING.lowPassHz, sampleHz);
  }

  /**
   * Feed the pressure now, the target and the actuation chosen over the last `dtSeconds`, and
   * whether the loop chose it (not a sealed hold's top-up or a diagnostic's pulse, whose swings
   * are no sign of hunting and break the half cycle being followed); returns the gain scale for
   * the next step.
   */
  update(dtSeconds: number, mmhg: number, targetMmhg: number, actuation: Actuation, regulating: boolean): number {
    if (!(dtSeconds > 0)) return this.gainScale;
    const smoothMmhg = this.smooth.next(Number.isFinite(mmhg) ? mmhg : targetMmhg);
    this.secondsSinceFast += dtSeconds;
    if (this.secondsSinceFast > 2 * HUNTING.fastHalfCycleSeconds) this.gainScale += (1 - this.gainScale) * Math.min(1, dtSeconds / HUNTING.recoverySeconds);
    if (!regulating || !Number.isFinite(mmhg)) {
      this.extremeMmhg = Number.NaN;
      this.fastInARow = 0;
      return this.gainScale;
    }
    if (Number.isNaN(this.extremeMmhg)) {
      this.extremeMmhg = smoothMmhg;
      this.seconds = 0;
      this.sinceExtremeSeconds = 0;
      this.acted = false;
      return this.gainScale;
    }
    this.seconds += dtSeconds;
    this.sinceExtremeSeconds += dtSeconds;
    this.acted ||= actuation.pump > 0 || actuation.vent > 0;
    const swingMmhg = Math.max(HUNTING.minSwingMmhg, HUNTING.minSwingShareOfTarget * targetMmhg);
    if (this.rising ? smoothMmhg >= this.extremeMmhg : smoothMmhg <= this.extremeMmhg) {
      this.extremeMmhg = smoothMmhg;
      this.sinceExtremeSeconds = 0;
    } else if (Math.abs(smoothMmhg - this.extremeMmhg) >= swingMmhg) {
      this.turn(smoothMmhg);
    }
    return this.gainScale;
  }

  /** The half cycle ended at its extreme; the next starts there, going the other way. */
  private turn(smoothMmhg: number): void {
    const halfSeconds = this.seconds - this.sinceExtremeSeconds;
    if (halfSeconds <= HUNTING.fastHalfCycleSeconds && this.acted) {
      this.fastInARow++;
      this.secondsSinceFast = 0;
      if (this.fastInARow >= HUNTING.fastHalfCyclesToCut) this.gainScale = Math.max(HUNTING.floorScale, this.gainScale * HUNTING.cutFactor);
    } else {
      this.fastInARow = 0;
    }
    this.rising = !this.rising;
    this.extremeMmhg = smoothMmhg;
    this.seconds = this.sinceExtremeSeconds;
    this.sinceExtremeSeconds = 0;
    this.acted = false;
  }
}
