/**
 * The session plan: one schema used by the command line, the cuff link and
 * scenario files.
 */
import { z } from "zod";
import {
  DEFAULT_RESTRICTION_CAP_SECONDS,
  HARD_CEILING_MMHG,
  MAX_LOP_MMHG,
  MAX_RESTRICTION_CAP_SECONDS,
  MAX_TARGET_PERCENT_LOP,
  MIN_LOP_MMHG,
} from "./limits.ts";

/** Sets in a sets plan and cycles in a cycle plan: a session summary lists each in one frame. */
export const MAX_SETS = 12;

export const LimbSchema = z.enum(["arm", "leg"]);
export type Limb = z.infer<typeof LimbSchema>;

export const TargetSchema = z.union([
  z.strictObject({ percentLop: z.number().min(10).max(MAX_TARGET_PERCENT_LOP) }),
  z.strictObject({ mmhg: z.number().min(10).max(HARD_CEILING_MMHG) }),
]);
export type Target = z.infer<typeof TargetSchema>;

/** "measure" or an LOP measured elsewhere, in mmHg. */
export const LopSourceSchema = z.union([z.literal("measure"), z.number().min(MIN_LOP_MMHG).max(MAX_LOP_MMHG)]);
export type LopSource = z.infer<typeof LopSourceSchema>;

export const CapsSchema = z.strictObject({
  /** Inflated time for the whole exercise, rests included. */
  restrictionSeconds: z.number().min(10).max(MAX_RESTRICTION_CAP_SECONDS).default(DEFAULT_RESTRICTION_CAP_SECONDS),
  /** A set that is never ended by reps or by the host ends here. */
  setSeconds: z.number().min(5).max(600).default(180),
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
  sets: z.array(z.int().min(1).max(200)).min(1).max(MAX_SETS),
  restSeconds: z.number().min(0).max(300).default(30),
  /** End a set by itself at the rep count seen in the cuff signal. */
  countReps: z.boolean().default(true),
  ...common,
});

/** Continuous restriction while walking or cycling. */
export const ContinuousPlanSchema = z.strictObject({
  mode: z.literal("continuous"),
  minutes: z.number().min(0.5).max(MAX_RESTRICTION_CAP_SECONDS / 60),
  ...common,
});

/** KAATSU-style cycles: inflate and hold, release briefly, step the pressure up. */
export const CyclePlanSchema = z.strictObject({
  mode: z.literal("cycle"),
  cycles: z.int().min(1).max(MAX_SETS).default(5),
  holdSeconds: z.number().min(5).max(120).default(30),
  releaseSeconds: z.number().min(2).max(60).default(5),
  /** Pressure held during the short release. */
  releaseMmhg: z.number().min(0).max(100).default(20),
  /** Each cycle's target rises by this much over the previous one (clamped to the ceiling). */
  stepMmhg: z.number().min(0).max(40).default(10),
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

export function capsOf(plan: Plan): Caps {
  return plan.caps ?? CapsSchema.parse({});
}
