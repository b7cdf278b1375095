/** Rules on the pressure reading itself: is it a number, on a rail, possible, moving, drifting. */
import { NoiseGauge } from "../../signal/filters.ts";
import { SAFETY_LIMITS as L } from "../limits.ts";
import type { SafetyInput, SafetyRule } from "../rule.ts";
import { Sustained } from "../rule.ts";
import { halvesGain, SecondsWindow } from "./windows.ts";

export class SensorNanRule implements SafetyRule {
  readonly kind = "sensor-nan";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `the sample is not a number for ${L.nanSeconds} s, or a build with a second sensor gets no second reading for ${L.secondaryMissingSeconds} s`;
  private readonly nan = new Sustained();
  private readonly secondMissing = new Sustained();

  check(input: SafetyInput): string | null {
    const second = input.estimate.secondaryMmhg;
    if (this.nan.check(input.t, !Number.isFinite(input.estimate.rawMmhg), L.nanSeconds)) return "pressure sample is not a number";
    return this.secondMissing.check(input.t, second !== null && !Number.isFinite(second), L.secondaryMissingSeconds) ? "no reading from the second pressure sensor" : null;
  }

  reset(): void {
    this.nan.reset();
    this.secondMissing.reset();
  }
}

export class SensorDisconnectedRule implements SafetyRule {
  readonly kind = "sensor-disconnected";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `either sensor's ADC sits on a rail for ${L.railSeconds} s`;
  private readonly onRail = new Sustained();
  private readonly secondOnRail = new Sustained();

  check(input: SafetyInput): string | null {
    const e = input.estimate;
    if (this.onRail.check(input.t, e.atRail, L.railSeconds)) return `pressure channel reads ${e.counts} counts (a rail): sensor disconnected`;
    return this.secondOnRail.check(input.t, e.secondaryAtRail, L.railSeconds) ? `the second pressure sensor reads ${e.secondaryCounts} counts (a rail): sensor disconnected` : null;
  }

  reset(): void {
    this.onRail.reset();
    this.secondOnRail.reset();
  }
}

export class SensorOutOfRangeRule implements SafetyRule {
  readonly kind = "sensor-out-of-range";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `either sensor reads outside ${L.minPlausibleMmhg}..${L.maxPlausibleMmhg} mmHg (before the sensors are zeroed: from ${L.minPlausibleUnzeroedMmhg}) for ${L.outOfRangeSeconds} s`;
  private readonly outside = new Sustained();
  private readonly secondOutside = new Sustained();

  check(input: SafetyInput): string | null {
    const lowest = input.zeroed ? L.minPlausibleMmhg : L.minPlausibleUnzeroedMmhg;
    const implausible = (p: number | null) => p !== null && Number.isFinite(p) && (p < lowest || p > L.maxPlausibleMmhg);
    const p = input.estimate.rawMmhg;
    if (this.outside.check(input.t, implausible(p), L.outOfRangeSeconds)) return `reading ${p.toFixed(1)} mmHg is not a possible cuff pressure`;
    const second = input.estimate.secondaryMmhg;
    return this.secondOutside.check(input.t, implausible(second), L.outOfRangeSeconds) ? `the second sensor's reading ${second!.toFixed(1)} mmHg is not a possible cuff pressure` : null;
  }

  reset(): void {
    this.outside.reset();
    this.secondOutside.reset();
  }
}

/** A jump no actuator pushed: the reading moves faster than any cuff can through its hose. */
export class SensorSlopeRule implements SafetyRule {
  readonly kind = "sensor-slope";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `reading changes faster than ${L.impossibleSlopeMmhgPerSecond} mmHg/s in a direction no actuator pushed it (within ${L.ventReboundSeconds} s of a vent pulse the hose refilling from the cuff, and of the pump easing the hose draining into it, are not jumps: within the span of the dip or the climb, and past the level before the pulse or the pump's start by ${L.ventReboundMarginMmhg} mmHg, ${L.ventReboundNoiseSds} standard deviations of the sensor's own noise and ${100 * L.reboundOvershootShare} % of the dip or climb: a ringing hose swings past its level by no more than that)`;
  private previousMmhg: number | null = null;
  private previousPump = 0;
  private previousVent = 0;
  /** The reading just before the vent last opened, and the lowest since: the hose refills to about that level once it shuts. */
  private beforeVentMmhg: number | null = null;
  private ventLowMmhg = Number.POSITIVE_INFINITY;
  private ventOpenAtSeconds: number | null = null;
  /** The reading just before the pump last started, the highest since, and when its duty last fell: the hose drains back toward that level. */
  private beforePumpMmhg: number | null = null;
  private pumpHighMmhg = Number.NEGATIVE_INFINITY;
  private pumpEasedAtSeconds: number | null = null;
  /** Mean square of sample-to-sample changes while nothing acted: twice the sensor's noise variance. */
  private noiseSquare: number | null = null;

  check(input: SafetyInput): string | null {
    const previous = this.previousMmhg;
    const p = input.estimate.rawMmhg;
    // What the actuators did on the previous tick moves this tick's reading.
    const pumped = this.previousPump > 0;
    const vented = this.previousVent > 0;
    if (input.proposed.vent > 0) {
      if (!vented && Number.isFinite(p)) {
        this.beforeVentMmhg = p;
        this.ventLowMmhg = p;
      }
      this.ventOpenAtSeconds = input.t;
    }
    if (input.proposed.pump > 0 && !pumped && Number.isFinite(p)) {
      this.beforePumpMmhg = p;
      this.pumpHighMmhg = p;
    }
    if (input.proposed.pump < this.previousPump) this.pumpEasedAtSeconds = input.t;
    if (Number.isFinite(p)) {
      if (vented) this.ventLowMmhg = Math.min(this.ventLowMmhg, p);
      if (pumped) this.pumpHighMmhg = Math.max(this.pumpHighMmhg, p);
    }
    this.previousMmhg = p;
    this.previousPump = input.proposed.pump;
    this.previousVent = input.proposed.vent;
    if (previous === null || !Number.isFinite(previous) || !Number.isFinite(p) || input.dtSeconds <= 0) return null;
    const change = p - previous;
    if (!pumped && !vented && Math.abs(change) < L.noiseStepMaxMmhg) {
      const square = change * change;
      this.noiseSquare = this.noiseSquare === null ? square : this.noiseSquare + L.noiseLearnWeight * (square - this.noiseSquare);
    }
    // A kinked hose answers the actuators violently; the hose-kink rule judges that.
    if ((change > 0 && pumped) || (change < 0 && vented)) return null;
    const sinceVentSeconds = input.t - (this.ventOpenAtSeconds ?? Number.NEGATIVE_INFINITY);
    const noiseSd = Math.sqrt((this.noiseSquare ?? 0) / 2);
    const margin = L.ventReboundMarginMmhg + L.ventReboundNoiseSds * noiseSd;
    // An underdamped hose rings: it overshoots the level it returns to by at most the swing it
    // returns from (a passive ring only loses energy), and swings back.
    const overshoot = (swingMmhg: number) => margin + L.reboundOvershootShare * Math.max(0, swingMmhg);
    const beforeVent = this.beforeVentMmhg ?? Number.NaN;
    const refilling = sinceVentSeconds <= L.ventReboundSeconds && p >= this.ventLowMmhg - margin && p <= beforeVent + overshoot(beforeVent - this.ventLowMmhg);
    const sinceEasedSeconds = input.t - (this.pumpEasedAtSeconds ?? Number.NEGATIVE_INFINITY);
    const beforePump = this.beforePumpMmhg ?? Number.NaN;
    const draining = sinceEasedSeconds <= L.ventReboundSeconds && p <= this.pumpHighMmhg + margin && p >= beforePump - overshoot(this.pumpHighMmhg - beforePump);
    if (refilling || draining) return null;
    return Math.abs(change) / input.dtSeconds > L.impossibleSlopeMmhgPerSecond ? `reading jumped ${Math.abs(change).toFixed(0)} mmHg in one sample` : null;
  }

  reset(): void {
    this.previousMmhg = null;
    this.previousPump = 0;
    this.previousVent = 0;
    this.beforeVentMmhg = null;
    this.ventLowMmhg = Number.POSITIVE_INFINITY;
    this.ventOpenAtSeconds = null;
    this.beforePumpMmhg = null;
    this.pumpHighMmhg = Number.NEGATIVE_INFINITY;
    this.pumpEasedAtSeconds = null;
    this.noiseSquare = null;
  }
}

/**
 * How much of a sensor's sample-to-sample change is its own noise: the share of samples whose counts'
 * second difference reaches stuckNoiseStepCounts, learned while the pump and vent commands hold steady
 * (a change of command bends the pressure within a sample or two). Null before anything is learned.
 */
class CountNoise {
  private readonly last: number[] = [];
  private steadyTicks = 0;
  private previousCommand: string | null = null;
  private share: number | null = null;

  update(counts: number | null, pump: number, vent: number): void {
    const command = `${pump} ${vent}`;
    this.steadyTicks = command === this.previousCommand ? this.steadyTicks + 1 : 0;
    this.previousCommand = command;
    if (counts === null || !Number.isFinite(counts)) {
      this.last.length = 0;
      return;
    }
    this.last.push(counts);
    if (this.last.length > 3) this.last.shift();
    if (this.last.length < 3 || this.steadyTicks < 3) return;
    const [a, b, c] = this.last as [number, number, number];
    const step = Math.abs(a - 2 * b + c) >= L.stuckNoiseStepCounts ? 1 : 0;
    this.share = this.share === null ? step : this.share + L.noiseLearnWeight * (step - this.share);
  }

  get noisy(): boolean {
    return this.share !== null && this.share >= L.stuckNoisyShare;
  }

  reset(): void {
    this.last.length = 0;
    this.steadyTicks = 0;
    this.previousCommand = null;
    this.share = null;
  }
}

/** How long one sensor's counts have not changed, and for how much of that something should have moved them. */
class FrozenCounts {
  private lastCounts: number | null = null;
  private sameCountsSince: number | null = null;
  /** The first sample of this frozen stretch at which something should have moved the reading. */
  private movingSince: number | null = null;

  /** Seconds frozen, and seconds frozen while moving, after this sample. */
  update(t: number, counts: number | null, moving: boolean): { frozenFor: number; movingFor: number } {
    if (counts === null || !Number.isFinite(counts) || counts !== this.lastCounts) {
      this.lastCounts = counts !== null && Number.isFinite(counts) ? counts : null;
      this.sameCountsSince = t;
      this.movingSince = null;
    }
    if (moving) this.movingSince ??= t;
    return {
      frozenFor: this.sameCountsSince === null ? 0 : t - this.sameCountsSince,
      movingFor: this.movingSince === null ? 0 : t - this.movingSince,
    };
  }

  reset(): void {
    this.lastCounts = null;
    this.sameCountsSince = null;
    this.movingSince = null;
  }
}

/**
 * The second sensor's counts stand still while the first sensor sees the pressure move. The first
 * is smoothed over about 0.2 s so that its own noise is not taken for movement; a smoothed reading
 * still catching up with a climb that has just ended (a lag of 0.2 s times its slope) is not
 * movement either.
 */
class SecondFrozen {
  private lastCounts: number | null = null;
  private smoothedFirst: number | null = null;
  /** How far the smoothed reading still had to go when its window started. */
  private catchUpMmhg = 0;
  private startMmhg = Number.NaN;
  private lowMmhg = Number.POSITIVE_INFINITY;
  private highMmhg = Number.NEGATIVE_INFINITY;
  private frozenSince = 0;
  /** The smoothed first reading one smoothing time before its window starts. */
  private smoothedEarlier: number | null = null;
  private windowStarted = false;

  /** How far the smoothed first reading moved while the second's counts stood still, and for how long they have. */
  update(t: number, dtSeconds: number, counts: number | null, firstMmhg: number): { movedMmhg: number; frozenFor: number } {
    if (Number.isFinite(firstMmhg)) {
      const alpha = dtSeconds / (L.secondFrozenSmoothingSeconds + dtSeconds);
      this.smoothedFirst = this.smoothedFirst === null ? firstMmhg : this.smoothedFirst + alpha * (firstMmhg - this.smoothedFirst);
    }
    const first = this.smoothedFirst ?? Number.NaN;
    if (counts === null || !Number.isFinite(counts) || counts !== this.lastCounts || !Number.isFinite(first)) {
      this.lastCounts = counts !== null && Number.isFinite(counts) ? counts : null;
      this.frozenSince = t;
      this.smoothedEarlier = null;
      this.windowStarted = false;
      return { movedMmhg: 0, frozenFor: 0 };
    }
    const frozenFor = t - this.frozenSince;
    // After a swing (a kink probe's dip in a small line and its refill) the smoothed reading is still
    // catching up when the counts settle. Its window starts secondFrozenSettleSmoothings smoothing
    // times later, with what is left of the catching up read from its last smoothing time: an
    // exponential smoothing still has 1 / (e - 1) of what it moved over the last time constant to go.
    const tau = L.secondFrozenSmoothingSeconds;
    if (!this.windowStarted) {
      if (this.smoothedEarlier === null && frozenFor >= (L.secondFrozenSettleSmoothings - 1) * tau - 1e-9) this.smoothedEarlier = first;
      if (this.smoothedEarlier === null || frozenFor < L.secondFrozenSettleSmoothings * tau - 1e-9) return { movedMmhg: 0, frozenFor };
      this.windowStarted = true;
      this.catchUpMmhg = (first - this.smoothedEarlier) / (Math.E - 1);
      this.startMmhg = first;
      this.lowMmhg = first;
      this.highMmhg = first;
      return { movedMmhg: 0, frozenFor };
    }
    // Movement against where the smoothed reading was heading, not where it stood.
    const moved = first - this.startMmhg;
    const beyondCatchUp = this.catchUpMmhg >= 0 ? Math.max(moved - this.catchUpMmhg, -moved) : Math.max(this.catchUpMmhg - moved, moved);
    this.lowMmhg = Math.min(this.lowMmhg, first);
    this.highMmhg = Math.max(this.highMmhg, first);
    return { movedMmhg: Math.min(this.highMmhg - this.lowMmhg, Math.max(0, beyondCatchUp)), frozenFor };
  }

  reset(): void {
    this.lastCounts = null;
    this.smoothedFirst = null;
    this.catchUpMmhg = 0;
    this.smoothedEarlier = null;
    this.windowStarted = false;
  }
}

export class SensorStuckRule implements SafetyRule {
  readonly kind = "sensor-stuck";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `identical samples for ${L.stuckSeconds} s while the pump or vent works or, in a pressurised cuff, while the sensor's own noise moves its counts from sample to sample (their second difference reaching ${L.stuckNoiseStepCounts} counts in over ${100 * L.stuckNoisyShare} % of the samples), or ${L.stuckSealedSeconds} s otherwise in a pressurised cuff; or, in a pressurised cuff, the second sensor's counts standing still for ${L.stuckSeconds} s while the first sensor's reading, from ${L.secondFrozenSettleSmoothings * L.secondFrozenSmoothingSeconds} s after the counts last changed, moves ${L.secondFrozenWhileFirstMovesMmhg} mmHg (or ${L.secondFrozenPerFirstNoise} times the first sensor's own noise, if more)`;
  private readonly first = new FrozenCounts();
  private readonly firstNoise = new CountNoise();
  private readonly second = new SecondFrozen();
  /** The first sensor's own noise: the mean absolute second difference of its raw readings. */
  private readonly firstNoiseGauge = new NoiseGauge(L.secondFrozenNoiseSeconds);

  check(input: SafetyInput): string | null {
    const { t, estimate, proposed } = input;
    this.firstNoiseGauge.add(estimate.rawMmhg, input.dtSeconds);
    // Before the first zero the reading still carries the sensor's own offset (up to 25 mmHg) in a vented cuff.
    const pressurised = input.zeroed && estimate.mmhg > L.pressurisedMmhg;
    // Pump and vent move the pressure within any half second, and a noisy sensor's counts move with
    // every sample: the shorter limit counts from the first such sample of the frozen stretch. A
    // contraction does not: the regulator can hold the pressure within one count through part of a rep.
    const noisy = this.firstNoise.noisy;
    this.firstNoise.update(estimate.counts, proposed.pump, proposed.vent);
    const moving = proposed.pump > L.movingPumpDuty || (pressurised && (noisy || proposed.vent > L.movingVentOpening));
    const { frozenFor, movingFor } = this.first.update(t, estimate.counts, moving);
    const frozen = (movingFor >= L.stuckSeconds && frozenFor >= L.stuckSeconds) || (pressurised && frozenFor >= L.stuckSealedSeconds);
    if (frozen) return `pressure reading frozen at ${estimate.mmhg.toFixed(1)} mmHg for ${frozenFor.toFixed(1)} s`;
    if (estimate.secondaryMmhg === null) return null;
    // The second sensor's 10-bit steps (0.4 mmHg) can stand still through a slow inflation: it is
    // judged against what the first sensor saw meanwhile, in a pressurised cuff (near zero its
    // output may sit at the floor of its ADC).
    if (!pressurised) {
      this.second.reset();
      return null;
    }
    const second = this.second.update(t, input.dtSeconds, estimate.secondaryCounts, estimate.mmhg);
    const firstNoiseMmhg = this.firstNoiseGauge.sdMmhg;
    const movedOver = Math.max(L.secondFrozenWhileFirstMovesMmhg, L.secondFrozenPerFirstNoise * firstNoiseMmhg);
    return second.movedMmhg > movedOver && second.frozenFor >= L.stuckSeconds
      ? `the second sensor's reading stands at ${estimate.secondaryMmhg.toFixed(1)} mmHg while the first sensor's moved ${second.movedMmhg.toFixed(1)} mmHg in ${second.frozenFor.toFixed(1)} s`
      : null;
  }

  reset(): void {
    this.first.reset();
    this.firstNoise.reset();
    this.second.reset();
    this.firstNoiseGauge.reset();
  }
}

/**
 * A drifted sensor: open to the air it reads steadily off zero; holding still near LOP its
 * pulsations fade while the reading stays on target (the true pressure is nearing LOP).
 */
export class SensorDriftRule implements SafetyRule {
  readonly kind = "sensor-drift";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `vent open and pump off for ${L.driftVentedSeconds} s, the reading is steady (and not still falling towards zero) but ${L.driftMinMmhg}-${L.driftMaxMmhg} mmHg away from zero (the cuff is open to the air); or, holding still, the arterial pulsations fade below ${100 * L.fadedPulseRatio} % of the session's first still hold while the reading stays on target (the true pressure is nearing LOP)`;
  private ventedSince: number | null = null;
  private readonly window = new SecondsWindow(L.driftWindowSeconds);

  check(input: SafetyInput): string | null {
    // With a second sensor the disagreement rule judges drift; the pulsations only stand in for it.
    const ratio = input.estimate.secondaryMmhg === null ? input.diagnostics.pulseRatio : null;
    if (ratio !== null && ratio < L.fadedPulseRatio) {
      return `the pulsations in the cuff faded to ${(100 * ratio).toFixed(0)} % of this session's first rest while the reading stayed on target: the sensor is drifting and the cuff is likely near occlusion; venting`;
    }
    const p = input.estimate.mmhg;
    const open = input.proposed.vent >= L.fullVent && input.proposed.pump === 0 && input.state !== "zeroing" && Number.isFinite(p);
    if (!open) {
      this.ventedSince = null;
      this.window.clear();
      return null;
    }
    this.ventedSince ??= input.t;
    const window = this.window.at(input.dtSeconds);
    window.push(p);
    const away = Math.abs(p);
    if (input.t - this.ventedSince < L.driftVentedSeconds || !window.full || away < L.driftMinMmhg || away > L.driftMaxMmhg) return null;
    if (window.spread() >= L.driftSpreadMmhg || (p > 0 && -halvesGain(window) > L.driftFallingMmhg)) return null;
    return `the vented cuff reads ${p.toFixed(1)} mmHg: the sensor has drifted; zero it again`;
  }

  reset(): void {
    this.ventedSince = null;
    this.window.clear();
  }
}

/**
 * Two independent sensors on the same cuff read alike within their combined calibrated error. When
 * they part, one has failed (stuck, drifting, an offset jump, a broken supply) and there is no
 * telling which: vent.
 */
export class SensorDisagreementRule implements SafetyRule {
  readonly kind = "sensor-disagreement";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `the two pressure sensors' readings differ by more than ${L.disagreementMmhg} mmHg on average over ${L.disagreementMeanSeconds} s, for ${L.disagreementSeconds} s (once zeroed)`;
  private readonly differences = new SecondsWindow(L.disagreementMeanSeconds);
  private readonly apart = new Sustained();

  check(input: SafetyInput): string | null {
    const first = input.estimate.mmhg;
    const second = input.estimate.secondaryMmhg;
    if (second === null || !input.zeroed || !Number.isFinite(first) || !Number.isFinite(second)) {
      this.differences.clear();
      this.apart.reset();
      return null;
    }
    const window = this.differences.at(input.dtSeconds);
    // The signed difference: noise averages out over the window, a bias between the sensors does not.
    window.push(first - second);
    const meanMmhg = Math.abs(window.mean);
    if (!this.apart.check(input.t, window.full && meanMmhg > L.disagreementMmhg, L.disagreementSeconds)) return null;
    return `the two pressure sensors disagree by ${meanMmhg.toFixed(0)} mmHg (first ${first.toFixed(0)}, second ${second.toFixed(0)} mmHg): one has failed; venting`;
  }

  reset(): void {
    this.differences.clear();
    this.apart.reset();
  }
}
