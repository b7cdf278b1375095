/** Turning `cuff session` options into a session plan (shared/plan.ts), with usage errors that say what to write. */
import { HARD_CEILING_MMHG, MAX_TARGET_PERCENT_LOP, PLAN_RANGES, TARGET_MARGIN_MMHG } from "../../shared/limits.ts";
import { DEFAULT_TARGET_LIMITS, type Limb, LimbSchema, type Plan, PlanSchema, type Target, TargetSchema, targetLimitMmhg } from "../../shared/plan.ts";
import { parseDecimal } from "../../shared/decimal.ts";
import { UsageError } from "./errors.ts";

export function parseLimb(text: string | undefined, fallback: Limb): Limb {
  if (text === undefined) return fallback;
  const parsed = LimbSchema.safeParse(text);
  if (!parsed.success) throw new UsageError(`--limb must be arm or leg, got "${text}"`);
  return parsed.data;
}

const R = PLAN_RANGES;

/** "60%" (of LOP) or "150mmHg". A bare number is refused: the two readings are too far apart to guess. */
export function parseTarget(text: string): Target {
  const m = /^\s*([^%a-z\s]+)\s*(%|mmhg)\s*$/i.exec(text);
  const value = m ? parseDecimal(m[1]!) : null;
  if (!m || value === null) throw new UsageError(`--target must be a percentage of LOP like 60% or a pressure like 150mmHg, got "${text}"`);
  if (m[2] === "%") {
    if (value < R.targetPercentLop.min || value > R.targetPercentLop.max) {
      throw new UsageError(`--target ${text} is outside ${R.targetPercentLop.min}-${R.targetPercentLop.max} % of LOP (BFR uses 40-80 %)`);
    }
    return TargetSchema.parse({ percentLop: value });
  }
  if (value > R.targetMmhg.max) {
    throw new UsageError(
      `--target ${text} is above ${R.targetMmhg.max} mmHg, the highest target: targets stay ${TARGET_MARGIN_MMHG} mmHg under the ${HARD_CEILING_MMHG} mmHg ceiling`,
    );
  }
  if (value < R.targetMmhg.min) throw new UsageError(`--target ${text} is below ${R.targetMmhg.min} mmHg, the lowest target`);
  return TargetSchema.parse({ mmhg: value });
}

export function parseSets(text: string): number[] {
  const reps = text.split(",").map((part) => parseDecimal(part));
  const fits = (r: number | null) => r !== null && Number.isInteger(r) && r >= R.repsPerSet.min && r <= R.repsPerSet.max;
  if (reps.length < R.setCount.min || reps.length > R.setCount.max || !reps.every(fits)) {
    throw new UsageError(
      `--sets must be ${R.setCount.min} to ${R.setCount.max} rep counts of ${R.repsPerSet.min}-${R.repsPerSet.max} separated by commas, like 30,15,15,15, got "${text}"`,
    );
  }
  return reps as number[];
}

export function parseRest(text: string): number {
  const value = parseDecimal(text.replace(/s$/, ""));
  if (value === null || value < R.restSeconds.min || value > R.restSeconds.max) {
    throw new UsageError(`--rest must be a decimal number of seconds from ${R.restSeconds.min} to ${R.restSeconds.max}, got "${text}"`);
  }
  return value;
}

/** "measure", "auto" (the profile's recent LOP, else measure) or an LOP in mmHg. */
export type LopChoice = "measure" | "auto" | number;

export function parseLop(text: string | undefined): LopChoice {
  if (text === undefined || text === "auto") return "auto";
  if (text === "measure") return "measure";
  const value = parseDecimal(text.replace(/\s*mmhg$/i, ""));
  if (value === null || value < R.lopMmhg.min || value > R.lopMmhg.max) {
    throw new UsageError(`--lop must be measure, auto, or an LOP from ${R.lopMmhg.min} to ${R.lopMmhg.max} mmHg as a decimal number, got "${text}"`);
  }
  return value;
}

/** Virtual seconds per wall second; "max" runs as fast as the machine can. */
export function parseSpeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (text === "max") return Number.POSITIVE_INFINITY;
  const value = parseDecimal(text.replace(/x$/, ""));
  if (value === null || value < 0.1 || value > 10000) {
    throw new UsageError(`--speed must be a decimal factor from 0.1 to 10000 (1 = real time) or max, got "${text}"`);
  }
  return value;
}

export interface PlanOptionValues {
  target?: string;
  sets?: string;
  rest?: string;
}

/** Default targets: BRIEF.md section 1 (arms with wide cuffs nearer 40-50 %, legs nearer 80 %). */
export const DEFAULT_TARGET_PERCENT: Record<Limb, number> = { arm: 50, leg: 80 };

/** The plan from the options over a base plan (a scenario's) or the defaults: 30-15-15-15, 30 s rests. */
export function planFromOptions(values: PlanOptionValues, limb: Limb, lop: "measure" | number, base: Plan | null): Plan {
  const baseSets = base?.mode === "sets" ? base : null;
  const candidate = {
    sets: values.sets !== undefined ? parseSets(values.sets) : (baseSets?.sets ?? [30, 15, 15, 15]),
    restSeconds: values.rest !== undefined ? parseRest(values.rest) : (baseSets?.restSeconds ?? 30),
    target: values.target !== undefined ? parseTarget(values.target) : (base?.target ?? { percentLop: DEFAULT_TARGET_PERCENT[limb] }),
    lop,
  };
  const parsed = PlanSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`the plan is not valid (${issue.path.join(".")}: ${issue.message})`);
  }
  const target = parsed.data.target;
  const limit = typeof lop === "number" ? targetLimitMmhg(DEFAULT_TARGET_LIMITS, lop) : null;
  if (limit !== null && "mmhg" in target && target.mmhg > limit) {
    throw new UsageError(`the target ${target.mmhg} mmHg is above ${MAX_TARGET_PERCENT_LOP} % of the ${lop} mmHg LOP (${Math.floor(limit)} mmHg)`);
  }
  return parsed.data;
}

export function describePlan(plan: Plan, limb: Limb): string {
  const target = "percentLop" in plan.target ? `${plan.target.percentLop} % LOP` : `${plan.target.mmhg} mmHg`;
  if (plan.mode !== "sets") return `${limb}, ${target}, ${plan.mode}`;
  return `${limb}, ${target}, ${plan.sets.join("-")}, rest ${plan.restSeconds} s`;
}
