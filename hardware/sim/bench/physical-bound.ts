/**
 * The physical bound of a simulated session (firmware/core/control/bound.ts) from the
 * simulator's own physics: the pump's and the vent's rates at the target through the
 * hose, the cuff's compliance there, the leak, and the limb's contraction and venous
 * emptying. What no controller on this hardware and limb could beat.
 */
import { bestShareWithinBand, type BoundInput, smallestHalfBandMmhg } from "../../../firmware/core/control/bound.ts";
import type { HardwareProfile } from "../../profile.ts";
import { pneumaticParamsFor } from "../cuff.ts";
import { EMPTYING_REPS } from "../limb.ts";
import { airComplianceMlPerMmhg, hoseFlowMlPerS, orificeFlowMlPerS, type PneumaticParams, pumpFlowMlPerS } from "../pneumatics.ts";
import { RELAXED_DROP_SHARE, type Scenario } from "../scenario.ts";

export interface SessionBound {
  /** The smallest +-band any controller could hold through steady reps, mmHg. */
  halfBandMmhg: number;
  /** The largest share of a set's time within +-5 % of the target any controller could reach. */
  within5Share: number;
  /** ...and within +-10 %. */
  within10Share: number;
  pumpRateMmhgPerSecond: number;
  ventRateMmhgPerSecond: number;
}

/** The steady flow q where f(box pressure) = q, with the box at cuff +- the hose's drop for q (bisection). */
function throughHose(params: PneumaticParams, cuffMmhg: number, sign: 1 | -1, flowAt: (boxMmhg: number) => number): number {
  let low = 0;
  let high = Math.max(0, flowAt(cuffMmhg));
  for (let i = 0; i < 40; i++) {
    const q = (low + high) / 2;
    // The box pressure that pushes q through the hose (towards the cuff for the pump, away for the vent).
    let lo = 0;
    let hi = 400;
    for (let j = 0; j < 40; j++) {
      const drop = (lo + hi) / 2;
      if (Math.abs(hoseFlowMlPerS(params, cuffMmhg + sign * drop, cuffMmhg)) < q) lo = drop;
      else hi = drop;
    }
    if (flowAt(cuffMmhg + sign * hi) >= q) low = q;
    else high = q;
  }
  return low;
}

export function physicalBound(scenario: Scenario, profile: HardwareProfile, targetMmhg: number, repsInSet: number): SessionBound {
  const params = pneumaticParamsFor(scenario, profile);
  const compliance = airComplianceMlPerMmhg(params, targetMmhg, true, params.deadVolumeMl, 0);
  const leakMlPerS = orificeFlowMlPerS(params.leakEffectiveAreaMm2, targetMmhg, 0);
  const pumpMlPerS = throughHose(params, targetMmhg, 1, (box) => pumpFlowMlPerS(params, 1, box)) - leakMlPerS;
  const ventMlPerS = throughHose(params, targetMmhg, -1, (box) => orificeFlowMlPerS(params.ventEffectiveAreaMm2, Math.max(0, box), 0)) + leakMlPerS;
  const ex = scenario.exercise;
  const input: BoundInput = {
    targetMmhg,
    swingMmhg: ex.contractionSwingMmhg,
    repSeconds: ex.repSeconds,
    pumpRateMmhgPerSecond: pumpMlPerS / compliance,
    ventRateMmhgPerSecond: ventMlPerS / compliance,
  };
  const set = { ...input, relaxedDropMmhg: Math.min(ex.relaxedDropMmhg ?? RELAXED_DROP_SHARE * targetMmhg, targetMmhg - 1), reps: repsInSet, emptyingReps: EMPTYING_REPS };
  return {
    halfBandMmhg: smallestHalfBandMmhg(input),
    within5Share: bestShareWithinBand({ ...set, halfBandMmhg: 0.05 * targetMmhg }),
    within10Share: bestShareWithinBand({ ...set, halfBandMmhg: 0.1 * targetMmhg }),
    pumpRateMmhgPerSecond: input.pumpRateMmhgPerSecond,
    ventRateMmhgPerSecond: input.ventRateMmhgPerSecond,
  };
}
