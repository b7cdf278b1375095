/**
 * Scenario files for the simulated cuff (docs/formats.md). Every field
 * but `name` is optional; defaults are the reference hardware of hardware/ and
 * a median adult for the chosen limb. Unknown keys and out-of-range values are
 * refused with an error that names the field. The ranges here are the ranges
 * the product is tuned and checked against.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { LimbSchema, PlanSchema, type Limb, type Plan } from "../../shared/plan.ts";
import { readInputFile } from "../../shared/files.ts";
import { MAX_LOP_MMHG, MIN_LOP_MMHG } from "../../shared/limits.ts";
import { drawPhysiology, PHYSIOLOGY_RANGES, type Physiology } from "./physiology.ts";
import { FAULT_KINDS, type FaultKind } from "./plant.ts";
import {
  REFERENCE_CUFFS,
  REFERENCE_PLUMBING,
  REFERENCE_PUMP,
  REFERENCE_RELIEF_VALVE,
  REFERENCE_SECONDARY_SENSOR,
  REFERENCE_SENSOR,
  REFERENCE_VENT_VALVE,
} from "./reference-parts.ts";

/** A number within [min, max] whose error message carries the range and unit. */
function ranged(min: number, max: number, unit: string) {
  const range = `must be a number from ${min} to ${max}${unit ? ` ${unit}` : ""}`;
  return z.number({ error: (issue) => (issue.input === undefined ? "is required" : range) }).min(min, { error: range }).max(max, { error: range });
}

/** Limb circumference ranges per limb, cm: upper arm and upper thigh of adults, generous at both ends. */
export const CIRCUMFERENCE_RANGE_CM: Record<Limb, readonly [number, number]> = { arm: [20, 50], leg: [35, 80] };

export const SubjectSchema = z.strictObject({
  systolic: ranged(90, 200, "mmHg").optional(),
  diastolic: ranged(40, 130, "mmHg").optional(),
  heartRate: ranged(40, 150, "beats per minute").optional(),
  limbCircumferenceCm: ranged(20, 80, "cm").optional(),
  /** Pins the true LOP instead of deriving it from the physiology and the cuff. */
  lopMmhg: ranged(MIN_LOP_MMHG, MAX_LOP_MMHG, "mmHg").optional(),
  breathsPerMin: ranged(6, 30, "breaths per minute").optional(),
  // The limb as a family (hardware/sim/physiology.ts): each drawn from the seed when left out.
  arteryStiffnessMmhg: ranged(...PHYSIOLOGY_RANGES.arteryStiffnessMmhg, "mmHg").optional(),
  pulsationAtLopFraction: ranged(...PHYSIOLOGY_RANGES.pulsationAtLopFraction, "(share of the largest pulsation)").optional(),
  supraLopTailPercent: ranged(...PHYSIOLOGY_RANGES.supraLopTailPercent, "% of the LOP").optional(),
  lopResidualMmhg: ranged(...PHYSIOLOGY_RANGES.lopResidualMmhg, "mmHg").optional(),
  respiratorySwingMmhg: ranged(...PHYSIOLOGY_RANGES.respiratorySwingMmhg, "mmHg").optional(),
  heartRateVariabilityPercent: ranged(...PHYSIOLOGY_RANGES.heartRateVariabilityPercent, "%").optional(),
  ectopicBeatsPerMin: ranged(...PHYSIOLOGY_RANGES.ectopicBeatsPerMin, "per minute").optional(),
  atrialFibrillation: z.boolean({ error: "must be true or false" }).optional(),
  distalPerfusionPercent: ranged(...PHYSIOLOGY_RANGES.distalPerfusionPercent, "%").optional(),
});

export const CuffSchema = z.strictObject({
  /** Bladder width. */
  widthCm: ranged(4, 15, "cm").optional(),
});

export const HardwareSchema = z.strictObject({
  pumpFreeFlowLpm: ranged(0.5, 6, "L/min").optional(),
  pumpStallMmhg: ranged(250, 1000, "mmHg").optional(),
  /** Pressure loss of the sealed cuff at about 200 mmHg. */
  leakMmhgPerMin: ranged(0, 60, "mmHg/min").optional(),
  /** Sensor noise, one standard deviation (default: the hardware profile's). */
  sensorNoiseMmhg: ranged(0, 3, "mmHg").optional(),
  sensorOffsetMmhg: ranged(-20, 20, "mmHg").optional(),
  sensorDriftMmhgPerMin: ranged(-2, 2, "mmHg/min").optional(),
  /** The sensor's slope error, percent of the reading: what is left after the span check of hardware/CALIBRATION.md (+-1 % at 300 mmHg), or more. */
  sensorSpanErrorPercent: ranged(-1, 1, "%").optional(),
  /** The second sensor's noise, one standard deviation after the board's averaging (default: the hardware profile's). */
  secondarySensorNoiseMmhg: ranged(0, 3, "mmHg").optional(),
  /** The second sensor's own offset before zeroing. */
  secondarySensorOffsetMmhg: ranged(-9, 9, "mmHg").optional(),
  secondarySensorDriftMmhgPerMin: ranged(-2, 2, "mmHg/min").optional(),
  secondarySensorSpanErrorPercent: ranged(-1, 1, "%").optional(),
  /** Equivalent orifice of the fully open vent valve. */
  ventOrificeMm: ranged(0.8, 4, "mm").optional(),
  /** Mechanical relief valve; the BP-cuff standards want it below 330 mmHg. */
  reliefMmhg: ranged(250, 329, "mmHg").optional(),
  /** Hose from the box to the cuff: its volume and its flow resistance. */
  hoseLengthM: ranged(0.2, 5, "m").optional(),
  hoseInnerMm: ranged(2, 8, "mm").optional(),
  /** Manifold, pump head, valve bodies and sensor port. */
  manifoldMl: ranged(2, 100, "mL").optional(),
  /** A MAX30102-class pulse sensor on a fingertip or toe of the cuffed limb (hardware/sim/distal-pulse.ts). */
  distalPulseSensor: z.boolean({ error: "must be true or false" }).optional(),
});

export const ExerciseSchema = z.strictObject({
  /** One repetition, concentric plus eccentric. */
  repSeconds: ranged(1, 6, "s").optional(),
  /** How far a sealed, unregulated cuff at the target pressure rises with each contraction. */
  contractionSwingMmhg: ranged(0, 60, "mmHg").optional(),
  /**
   * How far a sealed cuff at the target falls while the muscle pump empties the veins under it
   * during a set (default: 20 % of the target).
   */
  relaxedDropMmhg: ranged(0, 60, "mmHg").optional(),
  /** How far a sealed cuff at the target rises from the limb swelling after minutes of restriction. */
  swellingMmhg: ranged(0, 30, "mmHg").optional(),
  /** Typical size of the knocks of a moving limb, as seen in a sealed cuff at the target. */
  motionArtefactMmhg: ranged(0, 10, "mmHg").optional(),
});

const faultTiming = {
  /** Simulated seconds from the start of the scenario. */
  at: ranged(0, 86_400, "s"),
  /** The fault clears at this time (default: it never does). */
  until: ranged(0, 86_400, "s").optional(),
};

const plainFault = <K extends FaultKind>(kind: K) => z.strictObject({ kind: z.literal(kind), ...faultTiming });

/** Which pressure sensor a sensor fault hits: 0 the first (regulating) one, 1 the second. */
export const SENSOR_INDEXES = [0, 1] as const;
export type SensorIndex = (typeof SENSOR_INDEXES)[number];
const sensorIndex = {
  sensor: z.literal([0, 1], { error: "must be 0 (the first sensor, the default) or 1 (the second sensor)" }).optional(),
};

export const FaultSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      kind: z.literal("sensor-disconnect"),
      ...faultTiming,
      ...sensorIndex,
      /** 1: the input floats to full scale; 0: it reads 0 counts (default: chosen by the seed). */
      rail: z.union([z.literal(0), z.literal(1)], { error: "must be 0 (reads 0 counts) or 1 (reads full scale)" }).optional(),
    }),
    z.strictObject({ kind: z.literal("sensor-stuck"), ...faultTiming, ...sensorIndex }),
    z.strictObject({ kind: z.literal("sensor-drift"), ...faultTiming, ...sensorIndex, mmhgPerMin: ranged(-120, 120, "mmHg/min").optional() }),
    /** The reading steps by `mmhg` at `at` and stays there (a cracked joint, a knock to the die). */
    z.strictObject({ kind: z.literal("sensor-offset-jump"), ...faultTiming, ...sensorIndex, mmhg: ranged(-300, 300, "mmHg").optional() }),
    /** An extra hole, sized by the loss it causes in a sealed cuff at about 200 mmHg. */
    z.strictObject({ kind: z.literal("leak"), ...faultTiming, mmhgPerMin: ranged(0.5, 2000, "mmHg/min").optional() }),
    plainFault("hose-kink"),
    plainFault("cuff-off"),
    plainFault("valve-stuck-closed"),
    plainFault("valve-stuck-open"),
    plainFault("pump-dead"),
    plainFault("host-silent"),
    plainFault("firmware-hang"),
    plainFault("board-unplugged"),
    plainFault("garbage-on-link"),
  ],
  { error: `must be one of ${FAULT_KINDS.join(", ")}` },
);

/** A name is a label for people: printed in summaries, charts and JSON lines, so short and without control characters. */
export const MAX_SCENARIO_NAME_CHARS = 200;
const NAME_RULE = `must be a non-empty string of at most ${MAX_SCENARIO_NAME_CHARS} characters, without control characters`;

export const ScenarioFileSchema = z.strictObject({
  name: z
    .string({ error: (issue) => (issue.input === undefined ? "is required" : NAME_RULE) })
    .min(1, { error: NAME_RULE })
    .max(MAX_SCENARIO_NAME_CHARS, { error: NAME_RULE })
    .regex(/^[^\p{Cc}]*$/u, { error: NAME_RULE }),
  seed: z
    .int({ error: "must be an integer from 0 to 4294967295" })
    .min(0, { error: "must be an integer from 0 to 4294967295" })
    .max(4_294_967_295, { error: "must be an integer from 0 to 4294967295" })
    .optional(),
  limb: LimbSchema.optional(),
  subject: SubjectSchema.optional(),
  cuff: CuffSchema.optional(),
  hardware: HardwareSchema.optional(),
  plan: PlanSchema.optional(),
  exercise: ExerciseSchema.optional(),
  faults: z.array(FaultSchema).max(64).optional(),
});
export type ScenarioInput = z.input<typeof ScenarioFileSchema>;
export type FaultSpec = z.infer<typeof FaultSchema>;

/** A scenario with every default filled in. */
export interface Scenario {
  name: string;
  seed: number;
  limb: Limb;
  subject: Physiology & {
    systolic: number;
    diastolic: number;
    heartRate: number;
    limbCircumferenceCm: number;
    /** null: derived from physiology and cuff. */
    lopMmhg: number | null;
    breathsPerMin: number;
  };
  cuff: { widthCm: number };
  hardware: {
    pumpFreeFlowLpm: number;
    pumpStallMmhg: number;
    leakMmhgPerMin: number;
    /** null: the hardware profile's sensor noise. */
    sensorNoiseMmhg: number | null;
    sensorOffsetMmhg: number;
    sensorDriftMmhgPerMin: number;
    sensorSpanErrorPercent: number;
    /** null: the hardware profile's second sensor noise. */
    secondarySensorNoiseMmhg: number | null;
    secondarySensorOffsetMmhg: number;
    secondarySensorDriftMmhgPerMin: number;
    secondarySensorSpanErrorPercent: number;
    ventOrificeMm: number;
    reliefMmhg: number;
    hoseLengthM: number;
    hoseInnerMm: number;
    manifoldMl: number;
    distalPulseSensor: boolean;
  };
  plan: Plan;
  /** The file gave its plan (the command line honours it); absent: the default plan. */
  planGiven?: true;
  exercise: {
    repSeconds: number;
    contractionSwingMmhg: number;
    /** null: RELAXED_DROP_SHARE of the target. */
    relaxedDropMmhg: number | null;
    swellingMmhg: number;
    motionArtefactMmhg: number;
  };
  faults: FaultSpec[];
}

/**
 * The median adult per limb: SBP/DBP about 125/78 and resting heart rate
 * 68/min (adult population medians), upper-arm circumference 31 cm and
 * upper-thigh circumference 56 cm (adult anthropometric medians at the cuff
 * site), 14 breaths/min at rest.
 */
export const MEDIAN_SUBJECT: Record<Limb, Omit<Scenario["subject"], "lopMmhg" | keyof Physiology>> = {
  arm: { systolic: 125, diastolic: 78, heartRate: 68, limbCircumferenceCm: 31, breathsPerMin: 14 },
  leg: { systolic: 125, diastolic: 78, heartRate: 68, limbCircumferenceCm: 56, breathsPerMin: 14 },
};

/** BFR practice: legs and narrow cuffs nearer 80 % LOP, arms with wide cuffs nearer 40-50 %. */
export function defaultPlan(limb: Limb): Plan {
  return PlanSchema.parse({ sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: limb === "leg" ? 80 : 50 }, lop: "measure" });
}

/**
 * Exercise defaults (see hardware/sim/limb.ts for how they act):
 * - repSeconds 2: the usual BFR cadence, 1 s concentric and 1 s eccentric.
 * - contractionSwingMmhg 18: the contract's example; Swain et al. 2025 saw peak-to-valley
 *   swings of 18-25 % LOP (about 35-50 mmHg on a thigh) in unregulated cuffs, of which the
 *   contraction itself is about half.
 * - relaxedDropMmhg: 20 % of the target (RELAXED_DROP_SHARE), the other half; unregulated cuffs
 *   spent the set below target (valleys 58-65 % LOP for an 80 % target, peaks 79-90 %): 20 % of an
 *   80 % target puts the valleys near 64 % LOP.
 * - swellingMmhg 6: thigh circumference grows 1-3 % after a BFR exercise; a few mL under the cuff.
 * - motionArtefactMmhg 1.5: knocks of a moving leg seen in published cuff traces, a small share of the swing.
 */
export const DEFAULT_EXERCISE: Scenario["exercise"] = {
  repSeconds: 2,
  contractionSwingMmhg: 18,
  relaxedDropMmhg: null,
  swellingMmhg: 6,
  motionArtefactMmhg: 1.5,
};

/** Default relaxedDropMmhg as a share of the target pressure. */
export const RELAXED_DROP_SHARE = 0.2;

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

type Issue = z.core.$ZodIssue;

/**
 * The issue to report. Inside a union, the branch that fits best: fewest
 * issues, then an unknown key (a typo), then the deepest path.
 */
function bestIssue(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: Issue | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const branch of issue.errors) {
    for (const inner of branch) {
      const candidate = bestIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      const score = -100 * branch.length + (candidate.code === "unrecognized_keys" ? 10 : 0) + candidate.path.length;
      if (score > bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
  }
  return best ?? issue;
}

function describe(issue: Issue): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "?";
    return { field: [...path, key].join("."), message: "unknown key (check its spelling against docs/formats.md)" };
  }
  let message = issue.message;
  if (issue.code === "invalid_union" && "options" in issue && Array.isArray(issue.options)) {
    const options = issue.options.filter((o) => o !== null && o !== undefined).map((o) => JSON.stringify(o));
    message = `must be one of ${options.join(", ")}${issue.options.some((o) => o === null || o === undefined) ? " (or left out)" : ""}`;
  }
  // Plain zod wording for the ranges of shared/plan.ts.
  if (issue.code === "invalid_value" && message.startsWith("Invalid")) message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "too_big" && message.startsWith("Too big")) message = `must be at most ${String(issue.maximum)}`;
  if (issue.code === "too_small" && message.startsWith("Too small")) message = `must be at least ${String(issue.minimum)}`;
  if (issue.code === "invalid_type" && message.endsWith("received undefined")) message = "is required";
  return { field: path.join(".") || "(top level)", message };
}

function fail(source: string, field: string, message: string): never {
  throw new ScenarioError(`${source}: ${field}: ${message}`);
}

/** Validate a parsed JSON value and fill in the defaults. */
export function parseScenario(json: unknown, source = "scenario"): Scenario {
  const result = ScenarioFileSchema.safeParse(json);
  if (!result.success) {
    const { field, message } = describe(bestIssue(result.error.issues[0]!));
    fail(source, field, message);
  }
  const input = result.data;
  const limb = input.limb ?? "leg";
  const median = MEDIAN_SUBJECT[limb];
  const given = stripUndefined(input.subject ?? {});
  const seed = input.seed ?? 1;
  const widthCm = input.cuff?.widthCm ?? (limb === "leg" ? REFERENCE_CUFFS.legWidthCm : REFERENCE_CUFFS.armWidthCm);
  const circumferenceCm = given.limbCircumferenceCm ?? median.limbCircumferenceCm;
  const subject = { ...median, lopMmhg: null as number | null, ...drawPhysiology(seed, limb, circumferenceCm, widthCm), ...given };
  if (subject.diastolic > subject.systolic - 15) {
    fail(source, "subject.diastolic", `must be at least 15 mmHg below systolic (${subject.systolic} mmHg)`);
  }
  const [minCm, maxCm] = CIRCUMFERENCE_RANGE_CM[limb];
  if (subject.limbCircumferenceCm < minCm || subject.limbCircumferenceCm > maxCm) {
    fail(source, "subject.limbCircumferenceCm", `must be a number from ${minCm} to ${maxCm} cm for limb "${limb}"`);
  }
  const faults = input.faults ?? [];
  faults.forEach((fault, index) => {
    if (fault.until !== undefined && fault.until <= fault.at) fail(source, `faults.${index}.until`, `must be later than at (${fault.at} s)`);
  });
  return {
    name: input.name,
    seed,
    limb,
    subject,
    cuff: { widthCm },
    hardware: {
      pumpFreeFlowLpm: REFERENCE_PUMP.freeFlowLpm,
      pumpStallMmhg: REFERENCE_PUMP.stallMmhg,
      /** Reference build: a few mmHg/min, well inside the BP-cuff standards' 10-15 mmHg/min at 300 mmHg. */
      leakMmhgPerMin: 2,
      sensorNoiseMmhg: null,
      sensorOffsetMmhg: 0,
      sensorDriftMmhgPerMin: REFERENCE_SENSOR.driftMmhgPerMin,
      sensorSpanErrorPercent: 0,
      secondarySensorNoiseMmhg: null,
      secondarySensorOffsetMmhg: 0,
      secondarySensorDriftMmhgPerMin: REFERENCE_SECONDARY_SENSOR.driftMmhgPerMin,
      secondarySensorSpanErrorPercent: 0,
      ventOrificeMm: REFERENCE_VENT_VALVE.orificeMm,
      reliefMmhg: REFERENCE_RELIEF_VALVE.crackingMmhg,
      hoseLengthM: REFERENCE_PLUMBING.hoseLengthM,
      hoseInnerMm: REFERENCE_PLUMBING.hoseInnerMm,
      manifoldMl: REFERENCE_PLUMBING.manifoldMl,
      distalPulseSensor: false,
      ...stripUndefined(input.hardware ?? {}),
    },
    plan: input.plan ?? defaultPlan(limb),
    ...(input.plan ? { planGiven: true as const } : {}),
    exercise: { ...DEFAULT_EXERCISE, ...stripUndefined(input.exercise ?? {}) },
    faults: [...faults].sort((a, b) => a.at - b.at),
  };
}

/** Read, parse and validate a scenario file; errors name the file and the field. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readInputFile(fs, path, "scenario");
  } catch (error) {
    throw new ScenarioError((error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(json, path);
}

function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
