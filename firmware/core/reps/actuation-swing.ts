/**
 * What the regulator took out of a rep's swing. A regulator that holds the cuff flat vents
 * on each contraction and pumps on each relaxation, so the air it moved carries the swing
 * the pressure no longer shows. The pressure a sealed cuff would have shown is the
 * pressure less the integral of the rate the pump and vent were driven at. The refill that
 * brings a set back to its target after a rest is no rep (integrated, it makes one swing
 * several times a rep's, which would set the counter's threshold for the whole set), so the
 * integral starts once the pressure has first come near the target. The actuator model's
 * rates are far off in a set, so the integral drifts: it is high-passed (first order) and
 * only its swings are used.
 */
export const ACTUATION_SWING = {
  /** High-pass time constant of the integrated rate: passes reps of up to 6 s, removes the model's drift. */
  highPassSeconds: 3,
} as const;

export class ActuationSwing {
  private addedMmhg = 0;
  private slowMmhg = 0;
  private started = false;

  /**
   * Feed the rate (mmHg/s, positive = pump) the actuators were driven at over the last
   * `dtSeconds`, and whether the pressure is near the target now; returns how much the
   * regulator has added lately (high-passed, mmHg; 0 until the pressure first came near).
   */
  update(dtSeconds: number, rateMmhgPerSecond: number, nearTarget: boolean): number {
    this.started ||= nearTarget;
    if (this.started && Number.isFinite(rateMmhgPerSecond) && dtSeconds > 0) {
      this.addedMmhg += rateMmhgPerSecond * dtSeconds;
      this.slowMmhg += (this.addedMmhg - this.slowMmhg) * Math.min(1, dtSeconds / ACTUATION_SWING.highPassSeconds);
    }
    return this.addedMmhg - this.slowMmhg;
  }
}
