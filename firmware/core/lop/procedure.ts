/**
 * The interface of the LOP measurement the controller runs, driven by the controller's tick with time as a parameter.
 */
import type { Limb } from "../../../shared/plan.ts";
import type { PressureEstimate } from "../estimator.ts";
import type { Actuation } from "../actuation.ts";

export interface LopOutcome {
  ok: boolean;
  /** The measured LOP, null when the measurement was rejected. */
  mmhg: number | null;
  /** 0..1: how clearly the pulsations vanished. */
  quality: number;
  /** Why it was accepted or rejected, in words a person understands. */
  reason: string;
  durationSeconds: number;
}

export interface LopProcedure {
  /** One tick: the actuation wanted now, and the outcome once finished (the controller then deflates). */
  step(tSeconds: number, estimate: PressureEstimate): { actuation: Actuation; outcome?: LopOutcome };
}

export interface LopOptions {
  startSeconds: number;
  limb: Limb | null;
  /** The procedure never asks for pressure at or above this. */
  ceilingMmhg: number;
  sampleHz: number;
  /** Pump duty below which the motor stalls (hardware profile pump.minDuty; 0.15 when not given). */
  pumpMinDuty?: number;
}
