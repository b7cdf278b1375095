/** Rules on the air path: hose, vent valve, pump and leaks. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { holding, inflated, type SafetyInput, type SafetyRule } from "../rule.ts";
import { halvesGain, SecondsWindow } from "./windows.ts";

export class ValveStuckClosedRule implements SafetyRule {
  readonly kind = "valve-stuck-closed";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `vent commanded fully open for ${L.valveFallSeconds} s and the pressure fell less than ${L.valveFallMmhg} mmHg`;
  private windowStart: { t: number; mmhg: number } | null = null;

  check(input: SafetyInput): string | null {
    const p = input.estimate.mmhg;
    const venting = input.proposed.vent >= L.fullVent && input.proposed.pump === 0 && p > L.valveJudgedAboveMmhg;
    if (!venting) {
      this.windowStart = null;
      return null;
    }
    this.windowStart ??= { t: input.t, mmhg: p };
    const fall = this.windowStart.mmhg - p;
    if (input.t - this.windowStart.t < L.valveFallSeconds - 1e-9) return null;
    if (fall >= L.valveFallMmhg) {
      // Falling as it should: the next window starts here.
      this.windowStart = { t: input.t, mmhg: p };
      return null;
    }
    return `vent valve does not open: pressure stays at ${p.toFixed(0)} mmHg; press the emergency deflate`;
  }

  reset(): void {
    this.windowStart = null;
  }
}

export class PumpDeadRule implements SafetyRule {
  readonly kind = "pump-dead";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `pump commanded above ${100 * L.pumpDeadDuty} % with the vent closed, outside sets with contractions, and the pressure (means over ${L.pumpDeadMeanSeconds} s) rose less than ${L.pumpDeadStillMmhg} mmHg in ${L.pumpDeadSeconds} s, or below ${L.pumpDeadSlackBelowMmhg} mmHg less than ${L.pumpDeadSlackRiseMmhg} mmHg in ${L.pumpDeadSlackSeconds} s, or above it less than ${L.pumpDeadRiseMmhg} mmHg in ${L.pumpDeadSeconds} s where the same pump's earlier rises say it should still rise ${L.pumpDeadExpectedShare}x that (pump dead, vent stuck open or a large leak)`;
  private readonly mean = new SecondsWindow(L.pumpDeadMeanSeconds);
  private readonly window = new SecondsWindow(L.pumpDeadSeconds);
  private readonly slack = new SecondsWindow(L.pumpDeadSlackSeconds);
  /** Least-squares sums of (pressure, rise over pumpDeadSeconds) while this pump worked above the slack. */
  private fit = { n: 0, sumP: 0, sumR: 0, sumPP: 0, sumPR: 0 };
  private sinceFitSeconds = 0;

  check(input: SafetyInput): string | null {
    const p = input.estimate.mmhg;
    // In a set each relaxation can pull the pressure down for seconds faster than a working pump
    // refills it, and each contraction lifts it with no pump at all: the rule cannot tell there.
    // A dead pump in a set is caught by the leak rule, and by this one in the next rest.
    const contracting = input.phase === "set" && input.exercising;
    const pumping = inflated(input) && !contracting && input.proposed.pump >= L.pumpDeadDuty && input.proposed.vent < L.pumpDeadVent && Number.isFinite(p);
    if (!pumping) {
      this.clearWindows();
      if (!inflated(input)) this.clearFit();
      return null;
    }
    // Means over a short window: a sensor with 3 mmHg of noise moves single samples by more than a slow pump does.
    const mean = this.mean.at(input.dtSeconds);
    mean.push(p);
    const smoothed = mean.mean;
    const window = this.window.at(input.dtSeconds);
    const slack = this.slack.at(input.dtSeconds);
    const rise = window.full ? smoothed - window.oldest : Number.POSITIVE_INFINITY;
    const slowRise = slack.full ? smoothed - slack.oldest : Number.POSITIVE_INFINITY;
    window.push(smoothed);
    slack.push(smoothed);
    // While the bladder takes up its slack a small pump on a large cuff lifts the pressure by
    // under 0.5 mmHg/s: there a pressure that does not move at all is judged in the usual time,
    // a slow one over the longer window.
    if (smoothed < L.pumpDeadSlackBelowMmhg) {
      if (rise < L.pumpDeadStillMmhg) return this.dead(rise, L.pumpDeadSeconds);
      return slowRise < L.pumpDeadSlackRiseMmhg ? this.dead(slowRise, L.pumpDeadSlackSeconds) : null;
    }
    if (!Number.isFinite(rise)) return null;
    // Above the slack a small pump levels off where its flow meets the leak: a slow rise is dead
    // only where this pump's own earlier rises say it should still rise clearly.
    const expected = this.expectedRise(smoothed);
    this.learn(smoothed, rise, input.dtSeconds);
    if (rise < L.pumpDeadStillMmhg && (expected === null || expected > L.pumpDeadStillMmhg * L.pumpDeadExpectedShare)) return this.dead(rise, L.pumpDeadSeconds);
    return rise < L.pumpDeadRiseMmhg && expected !== null && expected > L.pumpDeadRiseMmhg * L.pumpDeadExpectedShare ? this.dead(rise, L.pumpDeadSeconds) : null;
  }

  private dead(rise: number, seconds: number): string {
    return `the pump runs but pressure rose ${rise.toFixed(1)} mmHg in ${seconds} s: pump dead, vent stuck open or a large leak`;
  }

  /** The rise this pump gave at this pressure, from a straight line through its earlier rises (null before enough of them). */
  private expectedRise(mmhg: number): number | null {
    const f = this.fit;
    if (f.n < L.pumpDeadFitPoints) return null;
    const spread = f.sumPP - (f.sumP * f.sumP) / f.n;
    if (spread < L.pumpDeadFitSpreadMmhg ** 2 * f.n) return f.sumR / f.n;
    const slope = (f.sumPR - (f.sumP * f.sumR) / f.n) / spread;
    return f.sumR / f.n + slope * (mmhg - f.sumP / f.n);
  }

  private learn(mmhg: number, rise: number, dtSeconds: number): void {
    this.sinceFitSeconds += dtSeconds;
    if (this.sinceFitSeconds < L.pumpDeadFitEverySeconds) return;
    this.sinceFitSeconds = 0;
    const f = this.fit;
    f.n++;
    f.sumP += mmhg;
    f.sumR += rise;
    f.sumPP += mmhg * mmhg;
    f.sumPR += mmhg * rise;
  }

  private clearWindows(): void {
    this.mean.clear();
    this.window.clear();
    this.slack.clear();
  }

  private clearFit(): void {
    this.fit = { n: 0, sumP: 0, sumR: 0, sumPP: 0, sumPR: 0 };
    this.sinceFitSeconds = 0;
  }

  reset(): void {
    this.clearWindows();
    this.clearFit();
  }
}

export class LeakRule implements SafetyRule {
  readonly kind = "leak";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `holding, the pump runs hard on average for ${L.leakSeconds} s and the mean pressure stays short (rests: ${100 * L.leakRestDuty} % duty, ${L.leakRestShortMmhg} mmHg short; sets: ${100 * L.leakSetDuty} % duty, ${100 * L.leakSetShortShare} % short) and still falling: the window's second half ${L.leakFallingMmhg} mmHg below its first`;
  private readonly duties = new SecondsWindow(L.leakSeconds);
  private readonly pressures = new SecondsWindow(L.leakSeconds);
  /** The phase the windows were gathered in: they never span two. */
  private phase: SafetyInput["phase"] | null = null;

  check(input: SafetyInput): string | null {
    const duties = this.duties.at(input.dtSeconds);
    const pressures = this.pressures.at(input.dtSeconds);
    const target = input.targetMmhg;
    if (!holding(input) || !input.settled || target === null || this.phase !== input.phase) {
      duties.clear();
      pressures.clear();
      this.phase = input.phase;
      return null;
    }
    duties.push(input.proposed.pump);
    pressures.push(input.estimate.mmhg);
    if (!duties.full) return null;
    const pump = duties.mean;
    const shortMmhg = target - pressures.mean;
    // Contractions make the pump work hard in a healthy cuff: a set needs a clearer sign.
    const leaking = input.phase === "set" ? pump > L.leakSetDuty && shortMmhg > L.leakSetShortShare * target : pump > L.leakRestDuty && shortMmhg > L.leakRestShortMmhg;
    if (!leaking) return null;
    // A small pump refilling a large cuff after a set is as busy and as short, but gaining; a pump
    // too small for the contractions or for the cuff's own leak holds it short but steady (a
    // warning: the pump-too-small rule). A dead pump, or a leak it cannot follow, lets it keep falling.
    return halvesGain(pressures) < -L.leakFallingMmhg
      ? `leak: the pump ran ${(pump * 100).toFixed(0)} % of the last ${L.leakSeconds} s and pressure is still ${shortMmhg.toFixed(0)} mmHg short, not recovering (a leak, or a pump too small for this cuff)`
      : null;
  }

  reset(): void {
    this.duties.clear();
    this.pressures.clear();
    this.phase = null;
  }
}

/** Sums of one idle stretch for a least-squares slope; times relative to the stretch's start. */
interface IdleStretch {
  startSeconds: number;
  /** Seconds from the stretch's first sample to its latest. */
  firstSeconds: number;
  spanSeconds: number;
  n: number;
  sumT: number;
  sumP: number;
  sumTT: number;
  sumTP: number;
}

export class SlowLeakRule implements SafetyRule {
  readonly kind = "slow-leak";
  readonly severity = "warning";
  readonly latches = false;
  readonly description = `resting or holding still at the target, the sealed cuff (pump and vent idle for ${L.slowLeakIdleSeconds} s, from ${L.slowLeakSettleSeconds} s into the rest) loses more than ${L.slowLeakMmhgPerMin} mmHg/min (pooled slope over ${L.slowLeakPooledSeconds} s of idle time)`;
  private phase: SafetyInput["phase"] | null = null;
  private phaseSinceSeconds = 0;
  private idleSince: number | null = null;
  private stretches: IdleStretch[] = [];

  check(input: SafetyInput): string | null {
    const { t } = input;
    if (this.phase !== input.phase) {
      this.phase = input.phase;
      this.phaseSinceSeconds = t;
    }
    // The limb keeps settling for several seconds after a set; judge the cuff after that.
    const still = input.phase === "rest" || (input.phase === "set" && !input.exercising);
    const p = input.estimate.mmhg;
    const resting = still && input.state === "regulating" && input.settled && Number.isFinite(p) && t - this.phaseSinceSeconds >= L.slowLeakSettleSeconds;
    if (!resting) {
      this.stretches = [];
      this.idleSince = null;
      return null;
    }
    // Only once both have been idle for a while: the hose and bladder equalise after each pulse.
    const idle = input.proposed.pump === 0 && input.proposed.vent === 0;
    if (!idle) {
      this.idleSince = null;
      return null;
    }
    this.idleSince ??= t;
    if (t - this.idleSince < L.slowLeakIdleSeconds) return null;
    // Pooled least-squares slope within idle stretches: heartbeats average out over several
    // beats, and the top-ups between stretches do not count.
    const start = this.idleSince;
    let stretch = this.stretches.at(-1);
    if (!stretch || stretch.startSeconds !== start) {
      stretch = { startSeconds: start, firstSeconds: t, spanSeconds: 0, n: 0, sumT: 0, sumP: 0, sumTT: 0, sumTP: 0 };
      this.stretches.push(stretch);
    }
    const x = t - start;
    stretch.spanSeconds = t - stretch.firstSeconds;
    stretch.n += 1;
    stretch.sumT += x;
    stretch.sumP += p;
    stretch.sumTT += x * x;
    stretch.sumTP += x * p;
    while (this.stretches.length > 1 && t - this.stretches[0]!.startSeconds > L.slowLeakWindowSeconds) this.stretches.shift();
    let sxx = 0;
    let sxp = 0;
    let pooledSeconds = 0;
    for (const s of this.stretches) {
      if (s.n < 2) continue;
      sxx += s.sumTT - (s.sumT * s.sumT) / s.n;
      sxp += s.sumTP - (s.sumT * s.sumP) / s.n;
      pooledSeconds += s.spanSeconds;
    }
    if (pooledSeconds < L.slowLeakPooledSeconds || sxx <= 0) return null;
    const lossPerMinute = (-sxp / sxx) * 60;
    return lossPerMinute > L.slowLeakMmhgPerMin ? `slow leak: the sealed cuff loses about ${lossPerMinute.toFixed(0)} mmHg/min; check the hose and fittings` : null;
  }

  reset(): void {
    this.phase = null;
    this.phaseSinceSeconds = 0;
    this.idleSince = null;
    this.stretches = [];
  }
}

/** An inflation that never reaches its target: a pump too small, a large leak, or the hose alone answering. */
export class InflationStalledRule implements SafetyRule {
  readonly kind = "target-not-reached";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `inflating for ${L.inflationMaxSeconds} s without reaching the target`;
  private inflatingSince: number | null = null;

  check(input: SafetyInput): string | null {
    if (input.state !== "inflating") {
      this.inflatingSince = null;
      return null;
    }
    this.inflatingSince ??= input.t;
    if (input.t - this.inflatingSince < L.inflationMaxSeconds) return null;
    return `the cuff did not reach its ${input.targetMmhg?.toFixed(0) ?? "target"} mmHg target in ${L.inflationMaxSeconds} s: a pump too small for this cuff, a large leak, or a kinked hose`;
  }

  reset(): void {
    this.inflatingSince = null;
  }
}
