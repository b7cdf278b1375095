/**
 * Healthy sessions drawn evenly over the ranges a scenario file may ask for
 * (hardware/sim/scenario.ts), not over the population model's typical subjects. Every
 * numeric field the schema has is drawn uniformly over its whole range, and each one
 * lands on an end of its range in `edgeShare` of the draws, so the corners are tried.
 *
 * What is not drawn over the whole schema range, and why:
 * - sensor drift is a healthy part's, +-0.1 mmHg/min (bench/sensor-agreement.ts): the schema's
 *   +-2 mmHg/min is a failing part, which the two sensors' disagreement rule exists to catch;
 * - the family's physiology keys (artery, pulsation at LOP, heart rhythm, LOP residual) are
 *   left to the scenario's seed, which draws them as the simulator's population of people;
 * - targets are 40-80 % LOP on either limb (BRIEF.md's training range), the plan is sets of
 *   5-30 counted reps with 20-90 s rests (the training schemes); the LOP is measured by the
 *   cuff in every other session and given (the true value) in the rest, so that sessions whose
 *   measurement is refused (a noisy sensor hides the pulsations) still judge the regulation;
 * - a subject whose true LOP is over the 300 mmHg the product accepts is drawn again.
 * No fault is injected: whatever ends such a session in a fault is a false alarm.
 */
import { MAX_LOP_MMHG, MIN_LOP_MMHG } from "../shared/limits.ts";
import { CIRCUMFERENCE_RANGE_CM, parseScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { trueLopMmhg } from "../hardware/sim/physiology.ts";
import { Prng } from "../hardware/sim/prng.ts";

/** Share of draws that put a field on one end of its range. */
export const EDGE_SHARE = 0.1;

export const RANGE_SWEEP_RANGES = {
  subject: { systolic: [90, 200], diastolic: [40, 130], heartRate: [40, 150], breathsPerMin: [6, 30] },
  cuff: { widthCm: [4, 15] },
  hardware: {
    pumpFreeFlowLpm: [0.5, 6],
    pumpStallMmhg: [250, 1000],
    leakMmhgPerMin: [0, 60],
    sensorNoiseMmhg: [0, 3],
    sensorOffsetMmhg: [-20, 20],
    sensorDriftMmhgPerMin: [-0.1, 0.1],
    sensorSpanErrorPercent: [-1, 1],
    secondarySensorNoiseMmhg: [0, 3],
    secondarySensorOffsetMmhg: [-9, 9],
    secondarySensorDriftMmhgPerMin: [-0.1, 0.1],
    secondarySensorSpanErrorPercent: [-1, 1],
    ventOrificeMm: [0.8, 4],
    reliefMmhg: [250, 329],
    hoseLengthM: [0.2, 5],
    hoseInnerMm: [2, 8],
    manifoldMl: [2, 100],
  },
  exercise: { repSeconds: [1, 6], contractionSwingMmhg: [0, 60], relaxedDropMmhg: [0, 60], swellingMmhg: [0, 30], motionArtefactMmhg: [0, 10] },
  plan: { targetPercentLop: [40, 80], repsPerSet: [5, 30], sets: [1, 4], restSeconds: [20, 90] },
} as const satisfies Record<string, Record<string, readonly [number, number]>>;

type Ranges = Record<string, readonly [number, number]>;

export class RangeDraw {
  private readonly rng: Prng;

  constructor(readonly seed: number) {
    this.rng = new Prng(seed, 21);
  }

  /** A value over [min, max], on an end of it in EDGE_SHARE of the draws. */
  private value([min, max]: readonly [number, number], digits: number): number {
    const r = this.rng.next();
    if (r < EDGE_SHARE / 2) return min;
    if (r < EDGE_SHARE) return max;
    return Number(this.rng.uniform(min, max).toFixed(digits));
  }

  private group(ranges: Ranges, digits = 2): Record<string, number> {
    return Object.fromEntries(Object.entries(ranges).map(([key, range]) => [key, this.value(range, digits)]));
  }

  /** The index-th healthy session (drawn again while its true LOP is out of the product's range). */
  next(index: number): Scenario {
    for (;;) {
      const scenario = this.draw(index);
      if (trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm) <= MAX_LOP_MMHG) return scenario;
    }
  }

  private draw(index: number): Scenario {
    const R = RANGE_SWEEP_RANGES;
    const limb = this.rng.next() < 0.5 ? "arm" : "leg";
    const subject = this.group(R.subject, 0);
    subject.diastolic = Math.min(subject.diastolic!, subject.systolic! - 15);
    subject.limbCircumferenceCm = this.value(CIRCUMFERENCE_RANGE_CM[limb], 1);
    const plan = this.group(R.plan, 0);
    const sets = Array.from({ length: plan.sets! }, (_, i) => (i === 0 ? plan.repsPerSet! : Math.max(5, Math.round(plan.repsPerSet! / 2))));
    const lop = index % 2 === 0 ? "measure" : null;
    const scenario = parseScenario({
      name: `range sweep ${this.seed} #${index}`,
      seed: (this.seed * 100_003 + index * 7919) % 4_294_967_296,
      limb,
      subject,
      cuff: this.group(R.cuff, 1),
      hardware: this.group(R.hardware),
      exercise: this.group(R.exercise, 1),
      plan: { mode: "sets", sets, restSeconds: plan.restSeconds, countReps: true, target: { percentLop: plan.targetPercentLop }, lop: "measure" },
    });
    if (lop !== null) return scenario;
    const lopMmhg = Math.round(trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm));
    return { ...scenario, plan: { ...scenario.plan, lop: Math.min(MAX_LOP_MMHG, Math.max(MIN_LOP_MMHG, lopMmhg)) } };
  }
}

/** `count` healthy sessions of one seed. */
export function drawRangeSweep(seed: number, count: number): Scenario[] {
  const draw = new RangeDraw(seed);
  return Array.from({ length: count }, (_, i) => draw.next(i));
}
