/** Turning `cuff session` options into a session plan (shared/plan.ts), with usage errors that say what to write. */
import { MAX_LOP_MMHG, MAX_TARGET_PERCENT_LOP, MIN_LOP_MMHG } from "../../shared/limits.ts";
import { type Limb, LimbSchema, type Plan, PlanSchema, type Target, TargetSchema } from "../../shared/plan.ts";
import { UsageError } from "./errors.ts";

export function parseLimb(text: string | undefined, fallback: Limb): Limb {
  if (text === undefined) return fallback;
  const parsed = LimbSchema.safeParse(text);
  if (!parsed.success) throw new UsageError(`--limb must be arm or leg, got "${text}"`);
  return parsed.data;
}

/** "60%" (of LOP) or "150mmHg". A bare number is refused: the two readings are too far apart to guess. */
export function parseTarget(text: string): Target {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%|mmhg)\s*$/i.exec(text);
  if (!m) throw new UsageError(`--target must be a percentage of LOP like 60% or a pressure like 150mmHg, got "${text}"`);
  const value = Number(m[1]);
  const target = m[2] === "%" ? { percentLop: value } : { mmhg: value };
  const parsed = TargetSchema.safeParse(target);
  if (!parsed.success) {
    throw new UsageError(
      m[2] === "%"
        ? `--target ${text} is outside 10-${MAX_TARGET_PERCENT_LOP} % of LOP (BFR uses 40-80 %)`
        : `--target ${text} is outside 10-300 mmHg`,
    );
  }
  return parsed.data;
}

export function parseSets(text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  const reps = parts.map(Number);
  if (parts.length === 0 || reps.some((r) => !Number.isInteger(r) || r < 1 || r > 200) || reps.length > 12) {
    throw new UsageError(`--sets must be 1 to 12 rep counts separated by commas, like 30,15,15,15, got "${text}"`);
  }
  return reps;
}

export function parseRest(text: string): number {
  const value = Number(text.replace(/s$/, ""));
  if (!Number.isFinite(value) || value < 0 || value > 300) throw new UsageError(`--rest must be seconds from 0 to 300, got "${text}"`);
  return value;
}

/** "measure", "auto" (the profile's recent LOP, else measure) or an LOP in mmHg. */
export type LopChoice = "measure" | "auto" | number;

export function parseLop(text: string | undefined): LopChoice {
  if (text === undefined || text === "auto") return "auto";
  if (text === "measure") return "measure";
  const value = Number(text.replace(/mmhg$/i, ""));
  if (!Number.isFinite(value) || value < MIN_LOP_MMHG || value > MAX_LOP_MMHG) {
    throw new UsageError(`--lop must be measure, auto, or an LOP from ${MIN_LOP_MMHG} to ${MAX_LOP_MMHG} mmHg, got "${text}"`);
  }
  return value;
}

/** Virtual seconds per wall second; "max" runs as fast as the machine can. */
export function parseSpeed(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (text === "max") return Number.POSITIVE_INFINITY;
  const value = Number(text.replace(/x$/, ""));
  if (!Number.isFinite(value) || value < 0.1 || value > 10000) {
    throw new UsageError(`--speed must be a factor from 0.1 to 10000 (1 = real time) or max, got "${text}"`);
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
  return parsed.data;
}

export function describePlan(plan: Plan, limb: Limb): string {
  const target = "percentLop" in plan.target ? `${plan.target.percentLop} % LOP` : `${plan.target.mmhg} mmHg`;
  if (plan.mode !== "sets") return `${limb}, ${target}, ${plan.mode}`;
  return `${limb}, ${target}, ${plan.sets.join("-")}, rest ${plan.restSeconds} s`;
}
