/** A pump commanded hard that does not lift the cuff: dead, a vent stuck open, or a leak larger than the pump. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { holding, inflated, type SafetyInput, type SafetyRule } from "../rule.ts";
import { lineFit, RobustLevel } from "./windows.ts";

export class PumpDeadRule implements SafetyRule {
  readonly kind = "pump-dead";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `pump commanded above ${100 * L.pumpDeadDuty} % with the vent closed, outside sets with contractions (and the first ${L.pumpDeadRestSettleSeconds} s of a rest), and the pressure (the median of ${L.pumpDeadLevelBlocks} means of ${L.pumpDeadBlockSeconds} s, which a knock of the limb does not move) rose in ${L.pumpDeadSeconds} s: less than ${L.pumpDeadStillMmhg} mmHg after rising at least ${L.pumpDeadWasRisingMmhg} mmHg in the ${L.pumpDeadSeconds} s before (or, above ${L.pumpDeadSlackBelowMmhg} mmHg, from the start); or, holding within ${L.pumpDeadSamePressureMmhg} mmHg of where it was, less than ${100 * L.pumpDeadShareOfExpected} % of what this pump was learned to give there when that is over ${L.pumpDeadExpectedMinMmhg} mmHg (and not judged when it is less); below ${L.pumpDeadSlackBelowMmhg} mmHg (the bladder taking up its slack) also a rise over the last ${L.pumpDeadSlackSeconds}-${L.pumpDeadSlackMaxSeconds} s under ${L.pumpDeadSlackMmhgPerSecond} mmHg/s even ${L.pumpDeadSlackSds} standard errors above the line through its 0.1 s means (pump dead, vent stuck open or a large leak)`;
  private readonly level = new RobustLevel(L.pumpDeadBlockSeconds, L.pumpDeadLevelBlocks, 2 * L.pumpDeadSeconds);
  /** The mean pressure of each block, oldest first, for the slack's line; the block being filled. */
  private readonly means: number[] = [];
  private meanSum = 0;
  private meanCount = 0;
  private meanSeconds = 0;
  /** The learned rise at each level's time, oldest first (NaN where none was learned). */
  private readonly expected: number[] = [];
  /** The phase being judged and when it began: the windows never span two, and a rest is judged once the limb has settled. */
  private phase: SafetyInput["phase"] | null = null;
  private phaseSinceSeconds = 0;
  /** The mean pump duty of each level's block, oldest first; the block being filled; how long the pump has run hard. */
  private readonly duties: number[] = [];
  private blockDuty = 0;
  private blockSeconds = 0;
  private pumpingSeconds = 0;

  check(input: SafetyInput): string | null {
    const p = input.estimate.mmhg;
    // In a set each relaxation can pull the pressure down for seconds faster than a working pump
    // refills it, and each contraction lifts it with no pump at all: the rule cannot tell there.
    // A dead pump in a set is caught by the leak rule, and by this one in the next rest.
    const contracting = input.phase === "set" && input.exercising;
    if (input.phase !== this.phase) {
      this.clear();
      this.phase = input.phase;
      this.phaseSinceSeconds = input.t;
    }
    // After a set the limb keeps moving for a moment: the last contraction relaxes.
    const settling = input.phase === "rest" && input.t - this.phaseSinceSeconds < L.pumpDeadRestSettleSeconds;
    if (!inflated(input) || contracting || settling || !Number.isFinite(p)) {
      this.clear();
      return null;
    }
    // The levels are kept whatever the pump does (the window before tells a pump that levelled off
    // from one that stopped); a window is judged once the pump has run hard all through it.
    const pumping = input.proposed.pump >= L.pumpDeadDuty && input.proposed.vent < L.pumpDeadVent;
    this.pumpingSeconds = pumping ? this.pumpingSeconds + input.dtSeconds : 0;
    this.blockDuty += input.proposed.pump * input.dtSeconds;
    this.blockSeconds += input.dtSeconds;
    this.pushMean(p, input.dtSeconds);
    if (!this.level.push(p, input.dtSeconds)) return null;
    this.duties.push(this.blockDuty / Math.max(this.blockSeconds, 1e-9));
    this.blockDuty = 0;
    this.blockSeconds = 0;
    this.expected.push(input.diagnostics.pumpRiseMmhgPerSecond ?? Number.NaN);
    const keep = Math.round((2 * L.pumpDeadSeconds) / L.pumpDeadBlockSeconds) + 1;
    if (this.expected.length > keep) this.expected.shift();
    if (this.duties.length > keep) this.duties.shift();
    if (this.pumpingSeconds < L.pumpDeadSeconds + L.pumpDeadLevelBlocks * L.pumpDeadBlockSeconds - 1e-9) return null;
    const now = this.level.level;
    const rise = now - this.level.levelAgo(L.pumpDeadSeconds);
    if (!Number.isFinite(rise)) return null;
    // While the bladder takes up its slack a small pump on a large cuff lifts the pressure by
    // a quarter of a mmHg/s, which a noisy sensor can read as nothing in the usual window: there a
    // pressure that stops moving after a clear rise is judged in the usual time, any other by the
    // slack's line (a cuff this soft restricts nothing meanwhile).
    if (now < L.pumpDeadSlackBelowMmhg) {
      if (rise < L.pumpDeadStillMmhg && this.wasRising(true)) return dead(rise, L.pumpDeadSeconds);
      return this.slackVerdict();
    }
    // Above the slack a small pump levels off where its flow meets the leak: a slow rise is dead
    // only while holding (a top-up, a refill), where this pump was learned to lift the cuff clearly
    // at about the same pressure (the rate as learned at the window's start). Inflating, the rate
    // changes with the pressure as the bladder stiffens, and is still being learned.
    const back = Math.round(L.pumpDeadSeconds / L.pumpDeadBlockSeconds);
    const rate = this.expected[this.expected.length - 1 - back];
    const samePlace = holding(input) && Math.abs(rise) < L.pumpDeadSamePressureMmhg;
    const expectedRise = samePlace && rate !== undefined && Number.isFinite(rate) ? rate * L.pumpDeadSeconds : null;
    if (expectedRise === null) return rise < L.pumpDeadStillMmhg && this.wasRising() ? dead(rise, L.pumpDeadSeconds) : null;
    if (expectedRise < L.pumpDeadExpectedMinMmhg) return null;
    return rise < L.pumpDeadShareOfExpected * expectedRise ? dead(rise, L.pumpDeadSeconds, expectedRise) : null;
  }

  /**
   * The window before this one rose clearly, or (unless `onlyAfterARise`) this is the first: a pump
   * that stops lifting the cuff from one window to the next has failed, one that levelled off
   * slowly against the leak has not (its inflation or LOP measurement ends on its own).
   */
  private wasRising(onlyAfterARise = false): boolean {
    const back = Math.round(L.pumpDeadSeconds / L.pumpDeadBlockSeconds);
    const before = this.duties.slice(Math.max(0, this.duties.length - 1 - 2 * back), this.duties.length - 1 - back);
    const pumpedBefore = before.length > 0 && before.reduce((a, b) => a + b, 0) / before.length >= L.pumpDeadBeforeDuty;
    const rose = this.level.levelAgo(L.pumpDeadSeconds) - this.level.levelAgo(2 * L.pumpDeadSeconds);
    const roseBefore = pumpedBefore && Number.isFinite(rose) && rose >= L.pumpDeadWasRisingMmhg;
    return onlyAfterARise ? roseBefore : roseBefore || !pumpedBefore || !Number.isFinite(rose);
  }

  /**
   * The line through the block means the pump ran hard for (the last pumpDeadSlackSeconds to
   * pumpDeadSlackMaxSeconds): dead when even its slope's upper bound stays under the slowest healthy
   * fill's half; the window grows while the noise leaves it undecided.
   */
  private slackVerdict(): string | null {
    const blocks = Math.min(this.means.length, Math.floor((this.pumpingSeconds + 1e-9) / L.pumpDeadBlockSeconds));
    const seconds = blocks * L.pumpDeadBlockSeconds;
    if (seconds < L.pumpDeadSlackSeconds - 1e-9) return null;
    const fit = lineFit(this.means.slice(this.means.length - blocks), L.pumpDeadBlockSeconds);
    if (fit.slope + L.pumpDeadSlackSds * fit.slopeError >= L.pumpDeadSlackMmhgPerSecond) return null;
    return dead(fit.slope * seconds, Number(seconds.toFixed(1)));
  }

  private pushMean(mmhg: number, dtSeconds: number): void {
    this.meanSum += mmhg;
    this.meanCount++;
    this.meanSeconds += dtSeconds;
    if (this.meanSeconds < L.pumpDeadBlockSeconds - 1e-9) return;
    this.means.push(this.meanSum / this.meanCount);
    if (this.means.length > Math.round(L.pumpDeadSlackMaxSeconds / L.pumpDeadBlockSeconds)) this.means.shift();
    this.meanSum = 0;
    this.meanCount = 0;
    this.meanSeconds = 0;
  }

  private clear(): void {
    this.level.clear();
    this.means.length = 0;
    this.meanSum = 0;
    this.meanCount = 0;
    this.meanSeconds = 0;
    this.expected.length = 0;
    this.duties.length = 0;
    this.blockDuty = 0;
    this.blockSeconds = 0;
    this.pumpingSeconds = 0;
  }

  reset(): void {
    this.clear();
    this.phase = null;
    this.phaseSinceSeconds = 0;
  }
}

function dead(rise: number, seconds: number, expectedMmhg: number | null = null): string {
  const expected = expectedMmhg === null ? "" : ` (this pump gave ${expectedMmhg.toFixed(0)} mmHg there before)`;
  return `the pump runs but pressure rose ${rise.toFixed(1)} mmHg in ${seconds} s${expected}: pump dead, vent stuck open or a large leak`;
}
