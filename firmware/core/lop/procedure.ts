/**
 * The interface of the LOP measurement the controller runs, driven by the controller's tick with time as a parameter.
 */
import type { Limb } from "../../../shared/plan.ts";
import type { PressureEstimate } from "../estimator.ts";
import type { Actuation } from "../actuation.ts";
import type { DistalPulseTrace } from "../distal/trace.ts";

export interface LopOutcome {
  ok: boolean;
  /** The measured LOP, null when the measurement was rejected. */
  mmhg: number | null;
  /** 0..1: how clearly the pulsations vanished. */
  quality: number;
  /** Why it was accepted or rejected, in words a person understands. */
  reason: string;
  durationSeconds: number;
  /** With the distal pulse sensor: how far the cuff's own reading lay from the distal one, when that is a warning. */
  disagreementMmhg?: number;
}

/** What a measurement is doing now, for people watching it. */
export interface LopProgress {
  stage: "filling" | "ramping" | "retreating" | "done";
  /** The pulse beyond the cuff (null without a distal pulse sensor): present, fading, gone, or unreadable. */
  distalPulse: "present" | "fading" | "gone" | "unreadable" | null;
}

export interface LopProcedure {
  /** One tick: the actuation wanted now, and the outcome once finished (the controller then deflates). */
  step(tSeconds: number, estimate: PressureEstimate): { actuation: Actuation; outcome?: LopOutcome };
  progress(): LopProgress;
}

export interface LopOptions {
  startSeconds: number;
  limb: Limb | null;
  /** The procedure never asks for pressure at or above this. */
  ceilingMmhg: number;
  sampleHz: number;
  /** Pump duty below which the motor stalls (hardware profile pump.minDuty; 0.15 when not given). */
  pumpMinDuty?: number;
  /** The distal pulse sensor's monitor, on a build with one: the LOP is then read where the distal pulse disappears. */
  distal?: DistalPulseTrace | null;
}
