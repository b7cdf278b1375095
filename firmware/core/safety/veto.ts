/**
 * The veto: whatever the controller proposed, the pump stops at the ceilings and
 * the vent opens above them. Applied every tick, in every state.
 */
import { type Actuation, SAFE_ACTUATION } from "../actuation.ts";
import { highestMmhg, type PressureEstimate } from "../estimator.ts";
import { SAFETY_LIMITS } from "./limits.ts";

export function vetoActuation(proposed: Actuation, estimate: PressureEstimate, ceilingMmhg: number, lopCeilingMmhg: number | null): Actuation {
  // The higher of the two sensors: a drifting or stuck one cannot hide the pressure from the ceilings.
  const pressure = Number.isFinite(estimate.mmhg) ? highestMmhg(estimate) : Number.POSITIVE_INFINITY;
  const limit = lopCeilingMmhg === null ? ceilingMmhg : Math.min(ceilingMmhg, lopCeilingMmhg);
  let { pump, vent } = proposed;
  if (!Number.isFinite(pump) || !Number.isFinite(vent)) return SAFE_ACTUATION;
  pump = Math.min(1, Math.max(0, pump));
  vent = Math.min(1, Math.max(0, vent));
  if (pressure >= limit - SAFETY_LIMITS.pumpStopMarginMmhg) pump = 0;
  if (pressure >= limit) vent = 1;
  return { pump, vent };
}

/** Pressure at which the LOP-derived ceiling stops the pump. */
export function lopCeilingMmhg(lopMmhg: number | null): number | null {
  return lopMmhg === null ? null : SAFETY_LIMITS.lopCeilingFraction * lopMmhg;
}
