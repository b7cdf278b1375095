/**
 * A seeded population of realistic scenarios (arm and thigh, cuffs 5-12 cm,
 * adults with normal to high blood pressure, real pumps, leaks and sensors),
 * for the LOP and regulation benchmarks: tune for all of them, never for one file.
 */
import { MAX_LOP_MMHG } from "../../shared/limits.ts";
import type { Limb } from "../../shared/plan.ts";
import { trueLopMmhg } from "./physiology.ts";
import { Prng } from "./prng.ts";
import { parseScenario, type Scenario, type ScenarioInput } from "./scenario.ts";

export interface PopulationOptions {
  /** Only this limb (default: arm and leg alternately). */
  limb?: Limb;
  /** Cuff widths to draw from (default: the common BFR widths per limb, 5-12 cm). */
  widthsCm?: readonly number[];
  /**
   * Keep subjects whose LOP is above the 300 mmHg ceiling (the product must refuse
   * them). Default false: such draws are replaced, so every subject can be trained.
   */
  includeUnreachable?: boolean;
}

/** Elastic bands and narrow cuffs (5 cm), mid cuffs (7.5 cm), standard arm (10) and thigh (11.5-12) cuffs. */
export const COMMON_WIDTHS_CM: Record<Limb, readonly number[]> = { arm: [5, 7.5, 10, 12], leg: [5, 7.5, 10, 11.5, 12] };

/**
 * Draw `count` scenarios from one seed. Distributions (adults who train):
 * systolic 125 +- 15 clipped to 100-170 mmHg; diastolic follows systolic
 * (78 + 0.45 * (SBP - 125) +- 6); heart rate 70 +- 12 clipped to 50-110/min;
 * upper-arm circumference 31 +- 4 cm (22-45), upper-thigh 56 +- 6 cm (42-75);
 * pump free flow 2-4 L/min; leaks 0-8 mmHg/min, mostly small; sensor noise
 * 0.1-0.6 mmHg, offset 0 +- 3 mmHg, drift +-0.1 mmHg/min, the second sensor the same
 * with 0.2-0.6 mmHg of noise (from a stream of its own, so the rest of every draw is
 * as it was before the second sensor); contraction swings
 * 12-26 mmHg on a thigh and 8-18 on an arm at the target; targets 60-80 % LOP on a
 * thigh, 40-60 % on an arm; the 30-15-15-15 scheme with 30-60 s rests. The family's physiology
 * keys (physiology.ts: artery, pulsation at LOP, breathing, heart rhythm, LOP residual) are left
 * out, so each scenario draws them from its own seed.
 */
export function generatePopulation(seed: number, count: number, options: PopulationOptions = {}): Scenario[] {
  const rng = new Prng(seed, 11);
  const secondRng = new Prng(seed, 33);
  const out: Scenario[] = [];
  for (let i = 0; out.length < count; i++) {
    const input = drawScenario(rng, i, options.limb ?? (i % 2 === 0 ? "leg" : "arm"), options.widthsCm, seed);
    input.hardware = { ...input.hardware, ...drawSecondSensor(secondRng) };
    const scenario = parseScenario(input, input.name);
    if (!options.includeUnreachable && trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm) > MAX_LOP_MMHG) continue;
    out.push(scenario);
  }
  return out;
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The second sensor of one subject's build: its own noise, offset and drift. */
function drawSecondSensor(rng: Prng): NonNullable<ScenarioInput["hardware"]> {
  return {
    secondarySensorNoiseMmhg: round(rng.uniform(0.2, 0.6), 2),
    secondarySensorOffsetMmhg: round(rng.clippedNormal(0, 3, -9, 9), 2),
    secondarySensorDriftMmhgPerMin: round(rng.uniform(-0.1, 0.1), 3),
  };
}

function drawScenario(rng: Prng, index: number, limb: Limb, widthsCm: readonly number[] | undefined, seed: number): ScenarioInput & { name: string } {
  const widths = widthsCm ?? COMMON_WIDTHS_CM[limb];
  const widthCm = widths[Math.floor(rng.next() * widths.length)]!;
  const systolic = round(rng.clippedNormal(125, 15, 100, 170));
  const diastolic = round(Math.min(systolic - 20, rng.clippedNormal(78 + 0.45 * (systolic - 125), 6, 55, 105)));
  const heartRate = round(rng.clippedNormal(70, 12, 50, 110));
  const limbCircumferenceCm = round(limb === "arm" ? rng.clippedNormal(31, 4, 22, 45) : rng.clippedNormal(56, 6, 42, 75));
  const leg = limb === "leg";
  const percentLop = Math.round(leg ? rng.uniform(60, 80) : rng.uniform(40, 60));
  return {
    name: `population ${seed} #${index}: ${limb}, ${widthCm} cm cuff, ${systolic}/${diastolic}, ${limbCircumferenceCm} cm, ${percentLop} % LOP`,
    seed: Math.floor(rng.next() * 4_294_967_295),
    limb,
    subject: { systolic, diastolic, heartRate, limbCircumferenceCm, breathsPerMin: round(rng.uniform(10, 18)) },
    cuff: { widthCm },
    hardware: {
      pumpFreeFlowLpm: round(rng.uniform(2, 4), 2),
      // Most builds are tight; a few have a loose fitting.
      leakMmhgPerMin: round(8 * rng.next() ** 2, 2),
      sensorNoiseMmhg: round(rng.uniform(0.1, 0.6), 2),
      sensorOffsetMmhg: round(rng.clippedNormal(0, 3, -10, 10), 2),
      sensorDriftMmhgPerMin: round(rng.uniform(-0.1, 0.1), 3),
    },
    plan: { sets: [30, 15, 15, 15], restSeconds: Math.round(rng.uniform(30, 60)), target: { percentLop }, lop: "measure" },
    exercise: {
      repSeconds: round(rng.uniform(1.5, 3), 2),
      contractionSwingMmhg: round(leg ? rng.uniform(12, 26) : rng.uniform(8, 18)),
      swellingMmhg: round(rng.uniform(2, 10)),
      motionArtefactMmhg: round(rng.uniform(0.5, 3), 2),
    },
  };
}
