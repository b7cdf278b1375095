/**
 * The session plan: one schema used by the command line, the cuff link and
 * scenario files.
 */
import { z } from "zod";
import {
  DEFAULT_RESTRICTION_CAP_SECONDS,
  HARD_CEILING_MMHG,
  MAX_TARGET_PERCENT_LOP,
  PLAN_RANGES,
  type PlanRange,
  TARGET_MARGIN_MMHG,
} from "./limits.ts";

const R = PLAN_RANGES;
const within = (range: PlanRange) => z.number().min(range.min).max(range.max);
const wholeWithin = (range: PlanRange) => z.int().min(range.min).max(range.max);

/** Sets in a sets plan and cycles in a cycle plan (shared/limits.ts). */
export const MAX_SETS = R.setCount.max;

export const LimbSchema = z.enum(["arm", "leg"]);
export type Limb = z.infer<typeof LimbSchema>;

export const TargetSchema = z.union([
  z.strictObject({ percentLop: within(R.targetPercentLop) }),
  z.strictObject({ mmhg: within(R.targetMmhg) }),
]);
export type Target = z.infer<typeof TargetSchema>;

/** "measure" or an LOP measured elsewhere, in mmHg. */
export const LopSourceSchema = z.union([z.literal("measure"), within(R.lopMmhg)]);
export type LopSource = z.infer<typeof LopSourceSchema>;

export const CapsSchema = z.strictObject({
  /** Inflated time for the whole exercise, rests included. */
  restrictionSeconds: within(R.restrictionCapSeconds).default(DEFAULT_RESTRICTION_CAP_SECONDS),
  /** A set that is never ended by reps or by the host ends here. */
  setSeconds: within(R.setCapSeconds).default(180),
});
export type Caps = z.infer<typeof CapsSchema>;

const common = {
  target: TargetSchema,
  lop: LopSourceSchema.default("measure"),
  caps: CapsSchema.optional(),
};

/** Sets and reps with rests that keep the cuff inflated (30-15-15-15 and the like). */
export const SetsPlanSchema = z.strictObject({
  /** Optional in files and messages; always present once parsed. */
  mode: z.literal("sets").default("sets"),
  sets: z.array(wholeWithin(R.repsPerSet)).min(R.setCount.min).max(R.setCount.max),
  restSeconds: within(R.restSeconds).default(30),
  /** End a set by itself at the rep count seen in the cuff signal. */
  countReps: z.boolean().default(true),
  ...common,
});

/** Continuous restriction while walking or cycling. */
export const ContinuousPlanSchema = z.strictObject({
  mode: z.literal("continuous"),
  minutes: within(R.continuousMinutes),
  ...common,
});

/** KAATSU-style cycles: inflate and hold, release briefly, step the pressure up. */
export const CyclePlanSchema = z.strictObject({
  mode: z.literal("cycle"),
  cycles: wholeWithin(R.cycles).default(5),
  holdSeconds: within(R.cycleHoldSeconds).default(30),
  releaseSeconds: within(R.cycleReleaseSeconds).default(5),
  /** Pressure held during the short release. */
  releaseMmhg: within(R.cycleReleaseMmhg).default(20),
  /** Each cycle's target rises by this much over the previous one (clamped to the ceiling). */
  stepMmhg: within(R.cycleStepMmhg).default(10),
  ...common,
});

export const PlanSchema = z.discriminatedUnion("mode", [SetsPlanSchema, ContinuousPlanSchema, CyclePlanSchema]);
export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;
export type SetsPlan = z.infer<typeof SetsPlanSchema>;
export type ContinuousPlan = z.infer<typeof ContinuousPlanSchema>;
export type CyclePlan = z.infer<typeof CyclePlanSchema>;
export type PlanMode = Plan["mode"];

/** Target in mmHg for a plan, once the LOP is known. */
export function targetMmhg(target: Target, lopMmhg: number | null): number | null {
  if ("mmhg" in target) return target.mmhg;
  return lopMmhg === null ? null : (target.percentLop / 100) * lopMmhg;
}

/** What bounds a target: the ceiling (configurable downwards) and the share of LOP allowed. */
export interface TargetLimits {
  ceilingMmhg: number;
  maxPercentLop: number;
}

export const DEFAULT_TARGET_LIMITS: TargetLimits = { ceilingMmhg: HARD_CEILING_MMHG, maxPercentLop: MAX_TARGET_PERCENT_LOP };

/**
 * The highest target the limits allow with this LOP (none known: the
 * ceiling's margin only). The firmware holds no higher, and the command line
 * refuses a plan above it before it reaches the cuff.
 */
export function targetLimitMmhg(limits: TargetLimits, lopMmhg: number | null): number {
  const lopLimit = lopMmhg === null ? Number.POSITIVE_INFINITY : (limits.maxPercentLop / 100) * lopMmhg;
  return Math.min(limits.ceilingMmhg - TARGET_MARGIN_MMHG, lopLimit);
}

export function capsOf(plan: Plan): Caps {
  return plan.caps ?? CapsSchema.parse({});
}
