/** Rules on the air path: the vent valve, slow leaks, an inflation that never arrives. */
import { NoiseGauge } from "../../signal/filters.ts";
import { SAFETY_LIMITS as L } from "../limits.ts";
import type { SafetyInput, SafetyRule } from "../rule.ts";

/** Means of a short block of readings: the fall over a window is read from them, not from two noisy samples. */
class BlockMean {
  private sum = 0;
  private count = 0;
  private seconds = 0;
  /** The latest full block's mean (NaN before one). */
  mean = Number.NaN;

  push(mmhg: number, dtSeconds: number, blockSeconds: number): void {
    this.sum += mmhg;
    this.count++;
    this.seconds += dtSeconds;
    if (this.seconds < blockSeconds - 1e-9) return;
    this.mean = this.sum / this.count;
    this.sum = 0;
    this.count = 0;
    this.seconds = 0;
  }

  clear(): void {
    this.sum = 0;
    this.count = 0;
    this.seconds = 0;
    this.mean = Number.NaN;
  }
}

export class ValveStuckClosedRule implements SafetyRule {
  readonly kind = "valve-stuck-closed";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `vent commanded fully open above ${L.valveJudgedAboveMmhg} mmHg for ${L.valveFallSeconds} s (in a set with contractions and the first ${L.valveRestAsSetSeconds} s of the rest or deflation after it, ${L.valveFallShareOfRep} of the reps' interval, at least ${L.valveFallSeconds} s, or ${L.valveFallSetSeconds} s before the counter knows it) and the pressure (means over ${L.valveBlockSeconds} s) fell less than ${L.valveFallMmhg} mmHg; or deflating for ${L.deflationMaxSeconds} s and still above ${L.valveJudgedAboveMmhg} mmHg`;
  private readonly block = new BlockMean();
  private windowStart: { t: number; mmhg: number } | null = null;
  private deflatingSince: number | null = null;
  private phase: SafetyInput["phase"] | null = null;
  /** When the limb last contracted (a set's tick), null before any. */
  private exercisedAtSeconds: number | null = null;

  check(input: SafetyInput): string | null {
    const p = input.estimate.mmhg;
    if (input.exercising) this.exercisedAtSeconds = input.t;
    // A window never spans two phases: each judges the fall by its own window (a set's last
    // contraction, still rising against a small vent, is not the deflation's first second).
    if (input.phase !== this.phase) {
      this.phase = input.phase;
      this.windowStart = null;
      this.block.clear();
    }
    if (input.state !== "deflating") this.deflatingSince = null;
    else this.deflatingSince ??= input.t;
    if (this.deflatingSince !== null && input.t - this.deflatingSince >= L.deflationMaxSeconds && p > L.valveJudgedAboveMmhg) return stuck(p);
    const venting = input.proposed.vent >= L.fullVent && input.proposed.pump === 0 && p > L.valveJudgedAboveMmhg;
    if (!venting) {
      this.windowStart = null;
      this.block.clear();
      return null;
    }
    this.block.push(p, input.dtSeconds, L.valveBlockSeconds);
    const level = this.block.mean;
    if (Number.isNaN(level)) return null;
    this.windowStart ??= { t: input.t, mmhg: level };
    // A contraction can lift the cuff faster than a small vent empties it for up to half a rep:
    // the set's own cadence once the rep counter knows it, else the slowest rep's (6 s).
    const interval = input.diagnostics.repIntervalSeconds;
    // The first seconds of a rest, or of a deflation straight after a set, are judged like the set
    // before it: an athlete may still be contracting after a set the rep counter ended.
    const sinceExercise = this.exercisedAtSeconds === null ? Number.POSITIVE_INFINITY : input.t - this.exercisedAtSeconds;
    const afterSet = (input.phase === "rest" || input.phase === "deflate") && sinceExercise < L.valveRestAsSetSeconds;
    const contracting = (input.phase === "set" && input.exercising) || afterSet;
    const seconds = !contracting ? L.valveFallSeconds : interval === null ? L.valveFallSetSeconds : Math.max(L.valveFallSeconds, L.valveFallShareOfRep * interval);
    if (input.t - this.windowStart.t < seconds - 1e-9) return null;
    if (this.windowStart.mmhg - level >= L.valveFallMmhg) {
      // Falling as it should: the next window starts here.
      this.windowStart = { t: input.t, mmhg: level };
      return null;
    }
    return stuck(p);
  }

  reset(): void {
    this.windowStart = null;
    this.phase = null;
    this.exercisedAtSeconds = null;
    this.block.clear();
    this.deflatingSince = null;
  }
}

function stuck(mmhg: number): string {
  return `vent valve does not open: pressure stays at ${mmhg.toFixed(0)} mmHg; press the emergency deflate`;
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
  readonly description = `resting or holding still at the target, the sealed cuff (pump and vent idle for ${L.slowLeakIdleSeconds} s, from ${L.slowLeakSettleSeconds} s into the rest) loses more than ${L.slowLeakMmhgPerMin} mmHg/min (pooled slope over ${L.slowLeakPooledSeconds} s of idle time, less ${L.slowLeakStandardErrors} standard errors of the sensor's own noise)`;
  private phase: SafetyInput["phase"] | null = null;
  private phaseSinceSeconds = 0;
  private idleSince: number | null = null;
  private stretches: IdleStretch[] = [];
  private readonly noise = new NoiseGauge(L.slowLeakNoiseSeconds);

  check(input: SafetyInput): string | null {
    const { t } = input;
    this.noise.add(input.estimate.rawMmhg, input.dtSeconds);
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
    // The sensor's white noise leaves the slope a standard error of its SD over sqrt(sxx) (the
    // control filter's smoothing and the correlation it adds cancel): a noisy sensor's short sealed
    // stretches give a slope too uncertain to tell a leak by.
    const standardErrorPerMinute = (this.noise.sdMmhg / Math.sqrt(sxx)) * 60;
    return lossPerMinute - L.slowLeakStandardErrors * standardErrorPerMinute > L.slowLeakMmhgPerMin
      ? `slow leak: the sealed cuff loses about ${lossPerMinute.toFixed(0)} mmHg/min; check the hose and fittings`
      : null;
  }

  reset(): void {
    this.phase = null;
    this.phaseSinceSeconds = 0;
    this.idleSince = null;
    this.stretches = [];
    this.noise.reset();
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
