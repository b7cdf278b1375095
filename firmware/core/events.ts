/**
 * What the controller reports as it happens, in its own terms (unrounded, full
 * text). The link's wire adapter shapes these into cuff link messages.
 */
import type { Limb, Plan } from "../../shared/plan.ts";
import type { AlarmKind, Phase, SessionEnding, Severity, StateCause, StateName } from "../../shared/protocol/messages.ts";
import type { Actuation } from "./actuation.ts";
import type { HostSilencePolicy } from "./host-silence.ts";

export interface SetRecord {
  planned: number;
  reps: number;
  seconds: number;
}

export interface SessionReport {
  ok: boolean;
  ending: SessionEnding;
  fault: AlarmKind | null;
  endReason: string;
  lopMmhg: number | null;
  targetMmhg: number | null;
  sets: SetRecord[];
  restrictionSeconds: number;
  /** Shares of set and rest time within 10 % and 5 % of the target (null without any). */
  exerciseWithin10: number | null;
  restWithin5: number | null;
  peakMmhg: number | null;
  /** The first time each kind of alarm was raised in the session. */
  alarms: { t: number; kind: AlarmKind }[];
}

export type CoreEvent =
  | { type: "state"; t: number; from: StateName; to: StateName; phase: Phase; cause: StateCause; reason: string }
  | { type: "phase"; t: number; phase: Phase; set?: number; reps?: number; seconds?: number }
  | { type: "rep"; t: number; set: number; rep: number }
  | { type: "alarm"; t: number; kind: AlarmKind; severity: Severity; detail: string }
  | { type: "lop-result"; t: number; ok: boolean; mmhg: number | null; quality: number; reason: string; durationSeconds: number }
  | { type: "summary"; t: number; summary: SessionReport };

/** Everything telemetry and status report, from one reading of the controller's state. */
export interface CuffSnapshot {
  t: number;
  /** The filtered, calibrated pressure (null before the first usable sample). */
  mmhg: number | null;
  /** The second sensor's zeroed reading (null on a build without one; NaN when it is missing). */
  secondaryMmhg: number | null;
  targetMmhg: number | null;
  state: StateName;
  phase: Phase;
  actuation: Actuation;
  lopMmhg: number | null;
  zeroed: boolean;
  limb: Limb | null;
  plan: Plan | null;
  /** Sets begun in the session (in a rest, the set just done); null outside a session. */
  set: number | null;
  rep: number;
  remainingSeconds: number | null;
  activeAlarms: AlarmKind[];
  hostSilence: HostSilencePolicy;
  lastSummary: SessionReport | null;
}
