/**
 * The controller runs one mode at a time: each mode is an object that proposes
 * the tick's actuation and hands over to the next mode at its boundary. The
 * active mode (with the session it belongs to) is the single source of the
 * cuff's state, phase and set number.
 */
import type { Phase, StateCause, StateName } from "../../../shared/protocol/messages.ts";
import type { Actuation } from "../actuation.ts";
import type { PressureEstimate } from "../estimator.ts";
import type { ModeDiagnostics } from "../safety/rule.ts";
import type { ContinuousMode, CycleMode, SetsMode } from "./plans.ts";
import type { DeflateMode } from "./deflate.ts";
import type { FaultMode, VentedMode, ZeroMode } from "./idle.ts";
import type { InflateMode } from "./inflate.ts";
import type { LopMode } from "./lop.ts";
import type { ModeHost } from "./host.ts";

export interface TickInput {
  t: number;
  dtSeconds: number;
  estimate: PressureEstimate;
}

export interface ModeOutput {
  actuation: Actuation;
  diagnostics?: ModeDiagnostics;
}

export interface ModeBase {
  readonly state: StateName;
  readonly phase: Phase;
  step(host: ModeHost, input: TickInput): ModeOutput;
}

export type Mode = VentedMode | ZeroMode | LopMode | InflateMode | SetsMode | ContinuousMode | CycleMode | DeflateMode | FaultMode;

/** The modes that regulate a session's target. */
export type HoldingMode = InflateMode | SetsMode | ContinuousMode | CycleMode;

export function isHoldingMode(mode: Mode): mode is HoldingMode {
  return mode.kind === "inflating" || mode.kind === "sets" || mode.kind === "continuous" || mode.kind === "cycle";
}

export type { StateCause };
