/**
 * Interfaces of the LOP measurement and rep counting that the controller runs.
 * Both are driven by the controller's tick with time as a parameter.
 */
import type { Limb } from "../../../shared/plan.ts";
import type { PressureEstimate } from "../estimator.ts";
import type { Actuation } from "../safety/supervisor.ts";

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

export interface RepCounter {
  /** Feed every sample of a set; returns true when a new rep was recognised on this sample. */
  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number): boolean;
  readonly reps: number;
  readonly lastRepSeconds: number | null;
  /** Typical seconds between reps seen so far in this set (null before two reps). */
  readonly meanIntervalSeconds: number | null;
  /** True once contractions have stopped: no rep for a little longer than the typical interval since the last one. */
  contractionsStopped?(tSeconds: number): boolean;
}
