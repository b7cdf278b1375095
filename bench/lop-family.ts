/**
 * The fixed split of the simulated limb family for the LOP estimator: the part it
 * is tuned on and the part it is judged on, which tuning never sees. The held-out
 * part spans the full ranges a scenario file may ask for (hardware/sim/scenario.ts),
 * edges included; the tuning part is a narrower, typical family drawn from other
 * seeds. Changing either is changing the benchmark: tests/bench/lop-family.test.ts
 * pins them.
 */
import type { Limb } from "../shared/plan.ts";
import { trueLopMmhg } from "../hardware/sim/physiology.ts";
import { Prng } from "../hardware/sim/prng.ts";
import { parseScenario, type Scenario } from "../hardware/sim/scenario.ts";

type Range = readonly [number, number];

export interface FamilyPart {
  name: string;
  /** Population seeds of this part (a subject's draws come from its seed and its index). */
  seeds: readonly number[];
  systolic: Range;
  /** Pulse pressure (systolic - diastolic), kept within the schema's diastolic range. */
  pulsePressure: Range;
  heartRate: Range;
  breathsPerMin: Range;
  circumferenceCm: Record<Limb, Range>;
  cuffWidthCm: Range;
  /** The family's physiology keys drawn uniformly over these ranges; null: left out, so the simulator draws them from its priors. */
  physiology: PhysiologyRanges | null;
  sensorNoiseMmhg: Range;
  sensorOffsetMmhg: Range;
  pumpFreeFlowLpm: Range;
  leakMmhgPerMin: Range;
  motionArtefactMmhg: Range;
}

export interface PhysiologyRanges {
  arteryStiffnessMmhg: Range;
  pulsationAtLopFraction: Range;
  supraLopTailPercent: Range;
  respiratorySwingMmhg: Range;
  heartRateVariabilityPercent: Range;
  ectopicBeatsPerMin: Range;
  /** Share of subjects with any premature beats. */
  ectopicShare: number;
  /** Share of subjects in atrial fibrillation. */
  atrialFibrillationShare: number;
}

/** The true LOP of every member is at most this (a subject above is drawn again). */
export const MAX_TRUE_LOP_MMHG = 270;

/** What the LOP estimator is tuned on: typical adults, a typical artery and heart, a decent sensor. */
export const TUNING: FamilyPart = {
  name: "tuning",
  seeds: Array.from({ length: 20 }, (_, i) => 1 + i),
  systolic: [100, 170],
  pulsePressure: [30, 70],
  heartRate: [50, 110],
  breathsPerMin: [8, 20],
  circumferenceCm: { arm: [22, 45], leg: [42, 75] },
  cuffWidthCm: [5, 13],
  physiology: {
    arteryStiffnessMmhg: [15, 50],
    pulsationAtLopFraction: [0, 0.5],
    supraLopTailPercent: [15, 80],
    respiratorySwingMmhg: [1, 5],
    heartRateVariabilityPercent: [1, 8],
    ectopicBeatsPerMin: [0.1, 2],
    ectopicShare: 0.3,
    atrialFibrillationShare: 0,
  },
  sensorNoiseMmhg: [0.05, 0.6],
  sensorOffsetMmhg: [-10, 10],
  pumpFreeFlowLpm: [1.5, 6],
  leakMmhgPerMin: [0, 10],
  motionArtefactMmhg: [0, 2],
};

/** The full ranges a scenario file may ask for, for the subject, the cuff and the hardware the LOP depends on. */
const FULL_RANGES = {
  systolic: [90, 200],
  pulsePressure: [15, 90],
  heartRate: [40, 150],
  breathsPerMin: [6, 30],
  circumferenceCm: { arm: [20, 50], leg: [35, 80] },
  cuffWidthCm: [4, 15],
  sensorNoiseMmhg: [0, 1],
  sensorOffsetMmhg: [-15, 15],
  pumpFreeFlowLpm: [0.5, 6],
  leakMmhgPerMin: [0, 60],
  motionArtefactMmhg: [0, 4],
} as const;

/**
 * What it is judged on, part one: the scenario schema's full ranges for the subject and the cuff
 * (systolic 90-200, pulse pressure 15-90, heart rate 40-150, every limb size, cuffs 4-15 cm),
 * sensors up to 1 mmHg of noise, pumps from 0.5 L/min, leaks to 60 mmHg/min, knocks to 4 mmHg;
 * the physiology keys left to the simulator's priors (hardware/sim/README.md), so 2 % of the
 * subjects are in atrial fibrillation and a quarter have premature beats. Never seen in tuning:
 * these seeds, every range beyond TUNING's, atrial fibrillation.
 */
export const HELD_OUT: FamilyPart = {
  name: "held-out",
  seeds: Array.from({ length: 10 }, (_, i) => 9001 + i),
  ...FULL_RANGES,
  physiology: null,
};

/**
 * Part two, the edges: the same full ranges, and every physiology key drawn uniformly over its
 * whole scenario range (stiffness 10-80, pulsation at LOP 0-0.7, tails 5-150 %, breathing swings
 * to 15 mmHg, heart-rate variability to 20 %, premature beats to 30 a minute in 40 % of the
 * subjects, atrial fibrillation in 20 %): a wider family than any population.
 */
export const HELD_OUT_EDGES: FamilyPart = {
  name: "held-out edges",
  seeds: Array.from({ length: 10 }, (_, i) => 9501 + i),
  ...FULL_RANGES,
  physiology: {
    arteryStiffnessMmhg: [10, 80],
    pulsationAtLopFraction: [0, 0.7],
    supraLopTailPercent: [5, 150],
    respiratorySwingMmhg: [0, 15],
    heartRateVariabilityPercent: [0, 20],
    ectopicBeatsPerMin: [0.1, 30],
    ectopicShare: 0.4,
    atrialFibrillationShare: 0.2,
  },
};

/** `count` members of a part, spread over its seeds in turn (member i from seed seeds[i % seeds.length]). */
export function drawFamily(part: FamilyPart, count: number): Scenario[] {
  const streams = part.seeds.map((seed) => ({ seed, rng: new Prng(seed, 31), index: 0 }));
  const out: Scenario[] = [];
  for (let i = 0; out.length < count; i++) {
    const stream = streams[i % streams.length]!;
    const scenario = drawMember(part, stream.rng, stream.seed, stream.index++);
    if (trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm) <= MAX_TRUE_LOP_MMHG) out.push(scenario);
  }
  return out;
}

function drawMember(part: FamilyPart, rng: Prng, seed: number, index: number): Scenario {
  const u = ([min, max]: Range, digits = 1) => Number(rng.uniform(min, max).toFixed(digits));
  const limb: Limb = rng.next() < 0.5 ? "arm" : "leg";
  const systolic = u(part.systolic, 0);
  const diastolic = Math.min(130, Math.max(40, systolic - u(part.pulsePressure, 0)));
  const widthCm = u(part.cuffWidthCm);
  const physiology = part.physiology && {
    arteryStiffnessMmhg: u(part.physiology.arteryStiffnessMmhg, 0),
    pulsationAtLopFraction: u(part.physiology.pulsationAtLopFraction, 2),
    supraLopTailPercent: u(part.physiology.supraLopTailPercent, 0),
    respiratorySwingMmhg: u(part.physiology.respiratorySwingMmhg),
    heartRateVariabilityPercent: u(part.physiology.heartRateVariabilityPercent),
    ectopicBeatsPerMin: rng.next() < part.physiology.ectopicShare ? u(part.physiology.ectopicBeatsPerMin) : 0,
    atrialFibrillation: rng.next() < part.physiology.atrialFibrillationShare,
  };
  return parseScenario(
    {
      name: `${part.name} seed ${seed} #${index}: ${limb}, ${widthCm} cm cuff`,
      seed: seed * 100_000 + index,
      limb,
      subject: {
        systolic,
        diastolic: Math.min(diastolic, systolic - 15),
        heartRate: u(part.heartRate, 0),
        limbCircumferenceCm: u(part.circumferenceCm[limb]),
        breathsPerMin: u(part.breathsPerMin, 0),
        ...physiology,
      },
      cuff: { widthCm },
      hardware: {
        sensorNoiseMmhg: u(part.sensorNoiseMmhg, 2),
        sensorOffsetMmhg: u(part.sensorOffsetMmhg),
        pumpFreeFlowLpm: u(part.pumpFreeFlowLpm, 2),
        leakMmhgPerMin: u(part.leakMmhgPerMin),
      },
      exercise: { motionArtefactMmhg: u(part.motionArtefactMmhg, 2) },
    },
    `${part.name} seed ${seed} #${index}`,
  );
}
