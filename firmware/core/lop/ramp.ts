/**
 * The LOP ramp's pump control: the pressure follows a reference that climbs at a
 * set rate (mmHg/s), with a slow loop (about 0.06 Hz) so the pump adds nothing in
 * the pulse band. The rise per unit of pump speed differs a hundredfold between a
 * narrow arm cuff and a wide thigh cuff and grows as the bladder stiffens, so it is
 * learned on the way. Pure: time is a parameter.
 */

/** Pressure error gain (1/s), its integral (1/s^2), and how fast the pump gain is learned. */
const RAMP_KP = 0.4;
const RAMP_KI = 0.04;
const GAIN_LEARN_SECONDS = 3;
/** Window of the pressure trend (longer than a slow heart beat, so pulsations average out). */
const TREND_SECONDS = 2;
/** Gain before anything is learned: mmHg/s at full pump speed. */
const INITIAL_GAIN = 20;

export class PressureRamp {
  private speed = 0;
  private gain = INITIAL_GAIN;
  private referenceMmhg = 0;
  private integralRate = 0;
  private fullRateMmhgPerSecond: number | null = null;
  private readonly speedHistory: { t: number; speed: number }[] = [];
  private readonly trend: { t: number; mmhg: number }[] = [];

  constructor(private readonly dtSeconds: number) {}

  /** Every sample: the filtered pressure, for the trend the gain is learned from. */
  observe(tSeconds: number, mmhg: number): void {
    this.trend.push({ t: tSeconds, mmhg });
    while (this.trend.length > 0 && tSeconds - this.trend[0]!.t > TREND_SECONDS) this.trend.shift();
  }

  /** During the fast fill at full duty: how fast this cuff rises (the first guess of the gain). */
  observeFill(mmhg: number): void {
    if (mmhg > 15) this.fullRateMmhgPerSecond = Math.max(1, this.trendSlope());
  }

  /** The ramp begins (or begins again after a retreat) at this pressure. */
  start(tSeconds: number, mmhg: number, fresh: boolean): void {
    if (fresh) this.gain = this.fullRateMmhgPerSecond ?? INITIAL_GAIN;
    this.referenceMmhg = mmhg;
    this.speed = 0;
    this.speedHistory.length = 0;
    if (!fresh) {
      this.trend.length = 0;
      this.trend.push({ t: tSeconds, mmhg });
    }
  }

  /** Pump speed (0..1) that keeps the slow-filtered pressure on the reference climbing at `rateMmhgPerSecond`. */
  next(tSeconds: number, slowMmhg: number, rateMmhgPerSecond: number): number {
    this.referenceMmhg += rateMmhgPerSecond * this.dtSeconds;
    const error = this.referenceMmhg - slowMmhg;
    this.integralRate = Math.min(rateMmhgPerSecond, Math.max(-rateMmhgPerSecond, this.integralRate + RAMP_KI * error * this.dtSeconds));
    this.speedHistory.push({ t: tSeconds, speed: this.speed });
    while (this.speedHistory.length > 0 && tSeconds - this.speedHistory[0]!.t > TREND_SECONDS) this.speedHistory.shift();
    const meanSpeed = this.speedHistory.reduce((a, b) => a + b.speed, 0) / this.speedHistory.length;
    if (meanSpeed > 0.03 && this.trend.length > 0 && tSeconds - this.trend[0]!.t > 0.9 * TREND_SECONDS) {
      const observed = Math.max(0.5, this.trendSlope() / meanSpeed);
      this.gain += (this.dtSeconds / GAIN_LEARN_SECONDS) * (observed - this.gain);
    }
    this.speed = Math.min(1, Math.max(0, (rateMmhgPerSecond + RAMP_KP * error + this.integralRate) / this.gain));
    return this.speed;
  }

  /** Least-squares slope of the last 2 s of filtered pressure, mmHg/s. */
  trendSlope(): number {
    const n = this.trend.length;
    if (n < 3) return 0;
    let st = 0;
    let sp = 0;
    for (const s of this.trend) {
      st += s.t;
      sp += s.mmhg;
    }
    const mt = st / n;
    const mp = sp / n;
    let num = 0;
    let den = 0;
    for (const s of this.trend) {
      num += (s.t - mt) * (s.mmhg - mp);
      den += (s.t - mt) ** 2;
    }
    return den > 0 ? num / den : 0;
  }
}
