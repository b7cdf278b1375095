import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant, type SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";

export const profile = referenceProfile();
export const DT = 0.01;

export function cuffFor(input: Omit<ScenarioInput, "name"> & { name?: string }): SimulatedCuff {
  return createPlant(parseScenario({ name: "test", ...input }), profile);
}

/**
 * The middle of the simulated physiology family (hardware/sim/README.md): for tests of the controller
 * and the stack, where a drawn family member's spread is not what is being judged.
 */
export const TYPICAL_PHYSIOLOGY = {
  pulsationAtLopFraction: 0.3,
  arteryStiffnessMmhg: 30,
  supraLopTailPercent: 40,
  lopResidualMmhg: 0,
  respiratorySwingMmhg: 3,
  heartRateVariabilityPercent: 4,
  ectopicBeatsPerMin: 0,
  atrialFibrillation: false,
} as const;

/** A quiet limb: no knocks, no swelling, no muscle-pump drop, no leak, no sensor drift (physics checks). */
export const QUIET = {
  hardware: { leakMmhgPerMin: 0, sensorDriftMmhgPerMin: 0 },
  exercise: { motionArtefactMmhg: 0, swellingMmhg: 0, relaxedDropMmhg: 0 },
} as const;

/** Pump at full until the cuff reaches `mmhg`, then seal; returns the seconds it took. */
export function inflateTo(cuff: SimulatedCuff, mmhg: number, limitSeconds = 120): number {
  const start = cuff.timeSeconds;
  while (cuff.trueMmhg() < mmhg) {
    if (cuff.timeSeconds - start > limitSeconds) throw new Error(`did not reach ${mmhg} mmHg in ${limitSeconds} s`);
    cuff.step(DT, 1, 0);
  }
  return cuff.timeSeconds - start;
}

/** Hold the actuators for `seconds`, calling `each` after every step. */
export function run(cuff: SimulatedCuff, seconds: number, pump: number, vent: number, each?: () => void): void {
  const steps = Math.round(seconds / DT);
  for (let i = 0; i < steps; i++) {
    cuff.step(DT, pump, vent);
    each?.();
  }
}

/** Classic fourth-order Runge-Kutta for dy/dt = f(y) with fixed step, until `stop(y)` or tMax. */
export function rk4Until(f: (y: number) => number, y0: number, h: number, stop: (y: number) => boolean, tMax: number): { t: number; y: number } {
  let y = y0;
  let t = 0;
  while (!stop(y) && t < tMax) {
    const k1 = f(y);
    const k2 = f(y + (h / 2) * k1);
    const k3 = f(y + (h / 2) * k2);
    const k4 = f(y + h * k3);
    y += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    t += h;
  }
  return { t, y };
}
