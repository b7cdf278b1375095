/** What a mode may use of the controller that runs it. */
import type { Limb } from "../../../shared/plan.ts";
import type { AlarmKind, SessionEnding, Severity, StateCause } from "../../../shared/protocol/messages.ts";
import type { PressureEstimate, PressureEstimator } from "../estimator.ts";
import type { CoreEvent } from "../events.ts";
import type { LimbLop } from "../limb-lop.ts";
import type { LopProcedure } from "../lop/procedure.ts";
import type { RepCounter } from "../reps/counter.ts";
import type { Session } from "../session.ts";
import type { TargetLimits } from "../targets.ts";
import type { Mode } from "./mode.ts";

export interface ModeHost {
  readonly mode: Mode;
  readonly session: Session | null;
  readonly estimator: PressureEstimator;
  readonly sampleHz: number;
  readonly limits: TargetLimits;
  /** The estimate of the latest tick (null before the first). */
  readonly lastEstimate: PressureEstimate | null;
  /** The sensor is zeroed (pump off, vent open, settled). */
  zeroed: boolean;
  /** The LOP the cuff knows (measured here, or a host's claim) and the limb it is for. */
  readonly lop: LimbLop;
  /** When the last restriction ended: the next exercise waits for the deflated rest. */
  restrictionEndedSeconds: number | null;

  /** Makes `mode` the active mode and reports the state change. */
  enter(t: number, mode: Mode, cause: StateCause, reason: string): void;
  /** The active mode changed its own step (a set to a rest): report the state change. */
  announce(t: number, cause: StateCause, reason: string): void;
  emit(event: CoreEvent): void;
  raise(t: number, kind: AlarmKind, severity: Severity, detail: string): void;
  /** Ends the session: its summary is reported and kept for status. */
  endSession(t: number, ending: SessionEnding, reason: string): void;
  /** Restriction time this session may last. */
  restrictionCapSeconds(session: Session): number;
  createLop(t: number, limb: Limb | null): LopProcedure;
  createRepCounter(): RepCounter;
}
