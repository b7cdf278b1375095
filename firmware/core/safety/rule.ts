/**
 * A safety rule: a named check over what the controller measured and proposed on
 * one tick, with its own state. Rules are data: the supervisor runs the table.
 */
import type { AlarmKind, Phase, Severity, StateName } from "../../../shared/protocol/messages.ts";
import type { Actuation } from "../actuation.ts";
import type { PressureEstimate } from "../estimator.ts";

/** Measurements the active mode makes for the safety rules, on the ticks it makes them. */
export interface ModeDiagnostics {
  /** How far the reading fell after the kink probe's vent pulse, on the tick it was judged. */
  kinkProbeDropMmhg: number | null;
  /** What this cuff lost to the same pulse at the same pressure by its earlier probes this session, on the tick the drop is judged (null before one). */
  kinkProbeCuffDropMmhg: number | null;
  /** The mean reading while the vent was shut for a moment because it emptied faster than a cuff can (deflation). */
  ventShutCheckMmhg: number | null;
  /** Arterial pulsations now as a share of the session's first still hold (judged about once a second while holding still near LOP). */
  pulseRatio: number | null;
  /** What is left of the cuff's arterial pulsation past the envelope's maximum, as a share of it (judged while the limb is still; null otherwise). */
  pulsationShare: number | null;
  /** The distal pulse (a fingertip or toe sensor beyond the cuff) as a share of its size with the cuff empty (null without the sensor). */
  distalPulseShare: number | null;
  /** In a set with contractions, the typical seconds between reps the rep counter has seen (null before two reps, and outside sets). */
  repIntervalSeconds: number | null;
}

/** What the rules are told beyond the reading: the mode's measurements and what the controller has learned of the pump. */
export interface Diagnostics extends ModeDiagnostics {
  /**
   * The rise the proposed pump duty gives at this pressure by what the controller learned of this
   * pump on this cuff (mmHg/s, the cuff's own leak included); null before the pump was seen working.
   */
  pumpRiseMmhgPerSecond: number | null;
}

export const NO_DIAGNOSTICS: ModeDiagnostics = Object.freeze({
  kinkProbeDropMmhg: null,
  kinkProbeCuffDropMmhg: null,
  ventShutCheckMmhg: null,
  pulseRatio: null,
  pulsationShare: null,
  distalPulseShare: null,
  repIntervalSeconds: null,
});

export interface SafetyInput {
  t: number;
  dtSeconds: number;
  estimate: PressureEstimate;
  state: StateName;
  phase: Phase;
  targetMmhg: number | null;
  /** The controller settled on the target at least once in this hold. */
  settled: boolean;
  /** A set with contractions is under way (sets plans); continuous and cycle holds are still. */
  exercising: boolean;
  /** The sensor has been zeroed since boot or its last fault. */
  zeroed: boolean;
  /** What the pump and vent will do this tick: the active mode's proposal after the ceilings' veto. */
  proposed: Actuation;
  ceilingMmhg: number;
  lopMmhg: number | null;
  diagnostics: Diagnostics;
}

export interface SafetyRule {
  readonly kind: AlarmKind;
  readonly severity: Severity;
  /** Faults latch the cuff vented until acknowledged; warnings are reported and let the plan continue. */
  readonly latches: boolean;
  /** What the rule watches, for people reading the table. */
  readonly description: string;
  /** The alarm's detail when the rule is true on this tick, else null. */
  check(input: SafetyInput): string | null;
  /** Forget everything seen (a new session, an acknowledged fault). */
  reset(): void;
}

/** The cuff is holding a target (regulating or releasing). */
export const holding = (input: SafetyInput): boolean =>
  (input.state === "regulating" || input.state === "releasing") && input.targetMmhg !== null;

/** The cuff may hold pressure: not vented, faulted or zeroing. */
export const inflated = (input: SafetyInput): boolean => input.state !== "vented" && input.state !== "fault" && input.state !== "zeroing";

/** True once a condition has held continuously for a time. */
export class Sustained {
  private since: number | null = null;

  check(t: number, condition: boolean, seconds: number): boolean {
    if (!condition) {
      this.since = null;
      return false;
    }
    this.since ??= t;
    return t - this.since >= seconds - 1e-9;
  }

  reset(): void {
    this.since = null;
  }
}
