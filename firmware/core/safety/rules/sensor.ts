/** Rules on the pressure reading itself: is it a number, on a rail, possible, moving, drifting. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import type { SafetyInput, SafetyRule } from "../rule.ts";
import { Sustained } from "../rule.ts";
import { SecondsWindow } from "./windows.ts";

export class SensorNanRule implements SafetyRule {
  readonly kind = "sensor-nan";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `the sample is not a number for ${L.nanSeconds} s`;
  private readonly nan = new Sustained();

  check(input: SafetyInput): string | null {
    return this.nan.check(input.t, !Number.isFinite(input.estimate.rawMmhg), L.nanSeconds) ? "pressure sample is not a number" : null;
  }

  reset(): void {
    this.nan.reset();
  }
}

export class SensorDisconnectedRule implements SafetyRule {
  readonly kind = "sensor-disconnected";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `the ADC sits on a rail for ${L.railSeconds} s`;
  private readonly onRail = new Sustained();

  check(input: SafetyInput): string | null {
    return this.onRail.check(input.t, input.estimate.atRail, L.railSeconds)
      ? `pressure channel reads ${input.estimate.counts} counts (a rail): sensor disconnected`
      : null;
  }

  reset(): void {
    this.onRail.reset();
  }
}

export class SensorOutOfRangeRule implements SafetyRule {
  readonly kind = "sensor-out-of-range";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `reading outside ${L.minPlausibleMmhg}..${L.maxPlausibleMmhg} mmHg (before the sensor is zeroed: from ${L.minPlausibleUnzeroedMmhg}) for ${L.outOfRangeSeconds} s`;
  private readonly outside = new Sustained();

  check(input: SafetyInput): string | null {
    const p = input.estimate.rawMmhg;
    const lowest = input.zeroed ? L.minPlausibleMmhg : L.minPlausibleUnzeroedMmhg;
    const out = Number.isFinite(p) && (p < lowest || p > L.maxPlausibleMmhg);
    return this.outside.check(input.t, out, L.outOfRangeSeconds) ? `reading ${p.toFixed(1)} mmHg is not a possible cuff pressure` : null;
  }

  reset(): void {
    this.outside.reset();
  }
}

/** A jump no actuator pushed: the reading moves faster than any cuff can through its hose. */
export class SensorSlopeRule implements SafetyRule {
  readonly kind = "sensor-slope";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `reading changes faster than ${L.impossibleSlopeMmhgPerSecond} mmHg/s in a direction no actuator pushed it`;
  private previousMmhg: number | null = null;
  private previousPump = 0;
  private previousVent = 0;
  /** The reading just before the vent last opened: the level the hose refills to once it shuts. */
  private beforeVentMmhg: number | null = null;
  private ventOpenAtSeconds: number | null = null;

  check(input: SafetyInput): string | null {
    const previous = this.previousMmhg;
    const p = input.estimate.rawMmhg;
    // What the actuators did on the previous tick moves this tick's reading.
    const pumped = this.previousPump > 0;
    const vented = this.previousVent > 0;
    if (input.proposed.vent > 0) {
      if (!vented && Number.isFinite(p)) this.beforeVentMmhg = p;
      this.ventOpenAtSeconds = input.t;
    }
    this.previousMmhg = p;
    this.previousPump = input.proposed.pump;
    this.previousVent = input.proposed.vent;
    if (previous === null || !Number.isFinite(previous) || !Number.isFinite(p) || input.dtSeconds <= 0) return null;
    const change = p - previous;
    // A kinked hose answers the actuators violently; the hose-kink rule judges that.
    if ((change > 0 && pumped) || (change < 0 && vented)) return null;
    const sinceVentSeconds = input.t - (this.ventOpenAtSeconds ?? Number.NEGATIVE_INFINITY);
    const refilling = change > 0 && sinceVentSeconds <= L.ventReboundSeconds && p <= (this.beforeVentMmhg ?? Number.NEGATIVE_INFINITY) + L.ventReboundMarginMmhg;
    if (refilling) return null;
    return Math.abs(change) / input.dtSeconds > L.impossibleSlopeMmhgPerSecond ? `reading jumped ${Math.abs(change).toFixed(0)} mmHg in one sample` : null;
  }

  reset(): void {
    this.previousMmhg = null;
    this.previousPump = 0;
    this.previousVent = 0;
    this.beforeVentMmhg = null;
    this.ventOpenAtSeconds = null;
  }
}

export class SensorStuckRule implements SafetyRule {
  readonly kind = "sensor-stuck";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `identical samples for ${L.stuckSeconds} s while the pump or vent works or the limb contracts, or ${L.stuckSealedSeconds} s while the sealed, still cuff is pressurised`;
  private lastCounts: number | null = null;
  private sameCountsSince: number | null = null;
  /** The first sample of this frozen stretch at which something should have moved the reading. */
  private movingSince: number | null = null;

  check(input: SafetyInput): string | null {
    const { t, estimate, proposed } = input;
    const counts = estimate.counts;
    if (!Number.isFinite(counts) || counts !== this.lastCounts) {
      this.lastCounts = Number.isFinite(counts) ? counts : null;
      this.sameCountsSince = t;
      this.movingSince = null;
    }
    const pressurised = estimate.mmhg > L.pressurisedMmhg;
    const moving = proposed.pump > L.movingPumpDuty || (pressurised && (input.exercising || proposed.vent > L.movingVentOpening));
    if (moving) this.movingSince ??= t;
    const frozenFor = this.sameCountsSince === null ? 0 : t - this.sameCountsSince;
    const movingFor = this.movingSince === null ? 0 : t - this.movingSince;
    const frozen = (movingFor >= L.stuckSeconds && frozenFor >= L.stuckSeconds) || (pressurised && frozenFor >= L.stuckSealedSeconds);
    return frozen ? `pressure reading frozen at ${estimate.mmhg.toFixed(1)} mmHg for ${frozenFor.toFixed(1)} s` : null;
  }

  reset(): void {
    this.lastCounts = null;
    this.sameCountsSince = null;
    this.movingSince = null;
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
  readonly description = `vent open and pump off for ${L.driftVentedSeconds} s, the reading is steady but ${L.driftMinMmhg}-${L.driftMaxMmhg} mmHg away from zero (the cuff is open to the air); or, holding still, the arterial pulsations fade below ${100 * L.fadedPulseRatio} % of the session's first still hold while the reading stays on target (the true pressure is nearing LOP)`;
  private ventedSince: number | null = null;
  private readonly window = new SecondsWindow(L.driftWindowSeconds);

  check(input: SafetyInput): string | null {
    const ratio = input.diagnostics.pulseRatio;
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
    return window.spread() < L.driftSpreadMmhg ? `the vented cuff reads ${p.toFixed(1)} mmHg: the sensor has drifted; zero it again` : null;
  }

  reset(): void {
    this.ventedSince = null;
    this.window.clear();
  }
}
