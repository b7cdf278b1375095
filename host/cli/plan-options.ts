/** Turning `cuff session` options into a session plan (shared/plan.ts), with usage errors that say what to write. */
import { HARD_CEILING_MMHG, MAX_RESTRICTION_CAP_SECONDS, MAX_TARGET_PERCENT_LOP, PLAN_RANGES, TARGET_MARGIN_MMHG } from "../../shared/limits.ts";
import {
  type ContinuousPlan,
  type CyclePlan,
  DEFAULT_TARGET_LIMITS,
  type Limb,
  LimbSchema,
  type Plan,
  type PlanMode,
  PlanSchema,
  type SetsPlan,
  type Target,
  TargetSchema,
  targetLimitMmhg,
} from "../../shared/plan.ts";
import { parseDecimal } from "../../shared/decimal.ts";
import { parseNumberOption } from "./command.ts";
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
  mode?: string;
  minutes?: string;
  on?: string;
  off?: string;
  cycles?: string;
}

/** A continuous hold's inflation and settling fit in this much restriction beyond the hold itself. */
const CONTINUOUS_MARGIN_SECONDS = 60;
export const MAX_CONTINUOUS_MINUTES = Math.min(R.continuousMinutes.max, (MAX_RESTRICTION_CAP_SECONDS - CONTINUOUS_MARGIN_SECONDS) / 60);

/** The plan options every command that starts a session takes. */
export const PLAN_OPTIONS = {
  target: { type: "string" },
  sets: { type: "string" },
  rest: { type: "string" },
  mode: { type: "string" },
  minutes: { type: "string" },
  on: { type: "string" },
  off: { type: "string" },
  cycles: { type: "string" },
} as const;

export const PLAN_HELP = `The plan (--mode sets is the default):
  --mode sets|continuous|cycle
                     sets: sets and reps with rests, cuff inflated in the rests;
                     continuous: one hold while walking or cycling; cycle: hold, short release, repeat
  --target 60%       pressure as a percentage of LOP (${R.targetPercentLop.min}-${R.targetPercentLop.max} %), or as --target 150mmHg
                     (default 50 % on an arm, 80 % on a leg; BFR uses 40-80 %: wide cuffs nearer 40 %)
  --sets 30,15,15,15 reps per set (sets; default 30,15,15,15: 75 reps)
  --rest 30          seconds of rest between sets, cuff inflated (sets; default 30)
  --minutes 10       length of the hold (continuous; ${R.continuousMinutes.min}-${MAX_CONTINUOUS_MINUTES} min, required)
  --on 30            seconds of each hold (cycle; ${R.cycleHoldSeconds.min}-${R.cycleHoldSeconds.max}, default 30)
  --off 5            seconds of each short release (cycle; ${R.cycleReleaseSeconds.min}-${R.cycleReleaseSeconds.max}, default 5)
  --cycles 5         number of holds (cycle; ${R.cycles.min}-${R.cycles.max}, default 5); each hold is 10 mmHg above the last`;

/** Default targets: arms with wide cuffs nearer 40-50 % of LOP, legs nearer 80 %. */
export const DEFAULT_TARGET_PERCENT: Record<Limb, number> = { arm: 50, leg: 80 };

const MODE_OPTIONS: Record<PlanMode, readonly (keyof PlanOptionValues)[]> = {
  sets: ["sets", "rest"],
  continuous: ["minutes"],
  cycle: ["on", "off", "cycles"],
};
const MODES = Object.keys(MODE_OPTIONS) as PlanMode[];

function parseMode(text: string | undefined): PlanMode | undefined {
  if (text === undefined) return undefined;
  if ((MODES as string[]).includes(text)) return text as PlanMode;
  throw new UsageError(`--mode must be sets, continuous or cycle, got "${text}"`);
}

/** The mode the options ask for: --mode, else the one their plan options belong to. */
function modeOf(values: PlanOptionValues): PlanMode | undefined {
  const explicit = parseMode(values.mode);
  if (explicit) return explicit;
  const implied = MODES.filter((m) => MODE_OPTIONS[m].some((k) => values[k] !== undefined));
  if (implied.length > 1) throw new UsageError(`${optionNames(values, implied).join(" and ")} belong to different plans; choose one with --mode`);
  return implied[0];
}

function optionNames(values: PlanOptionValues, modes: readonly PlanMode[]): string[] {
  return modes.flatMap((m) => MODE_OPTIONS[m].filter((k) => values[k] !== undefined).map((k) => `--${k}`));
}

/**
 * The plan from the options over a base plan (a scenario file's) or the defaults: 30-15-15-15,
 * 30 s rests. A base plan's mode is kept: options of another mode are refused, never mixed in.
 */
export function planFromOptions(values: PlanOptionValues, limb: Limb, lop: "measure" | number, base: Plan | null): Plan {
  const asked = modeOf(values);
  const baseMode = base?.mode ?? null;
  if (asked && baseMode && asked !== baseMode) {
    throw new UsageError(`the scenario's plan is "${baseMode}", so --mode ${asked} cannot run it: leave out the ${asked} options, or change "plan" in the scenario file`);
  }
  const mode = asked ?? baseMode ?? "sets";
  const wrong = optionNames(values, MODES.filter((m) => m !== mode));
  if (wrong.length) throw new UsageError(`${wrong.join(", ")} ${wrong.length > 1 ? "do" : "does"} not apply to --mode ${mode}`);
  const target = values.target !== undefined ? parseTarget(values.target) : (base?.target ?? { percentLop: DEFAULT_TARGET_PERCENT[limb] });
  const parsed = PlanSchema.safeParse(planCandidate(mode, values, base, target, lop));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`the plan is not valid (${issue.path.join(".")}: ${issue.message})`);
  }
  const chosen = parsed.data.target;
  const limit = typeof lop === "number" ? targetLimitMmhg(DEFAULT_TARGET_LIMITS, lop) : null;
  if (limit !== null && "mmhg" in chosen && chosen.mmhg > limit) {
    throw new UsageError(`the target ${chosen.mmhg} mmHg is above ${MAX_TARGET_PERCENT_LOP} % of the ${lop} mmHg LOP (${Math.floor(limit)} mmHg)`);
  }
  return parsed.data;
}

function planCandidate(mode: PlanMode, values: PlanOptionValues, base: Plan | null, target: Target, lop: "measure" | number): object {
  if (mode === "continuous") {
    const baseHold = base as ContinuousPlan | null;
    const minutes = parseNumberOption("minutes", values.minutes, R.continuousMinutes.min, MAX_CONTINUOUS_MINUTES) ?? baseHold?.minutes;
    if (minutes === undefined) throw new UsageError("--mode continuous needs --minutes N, the length of the hold");
    const caps = baseHold?.caps ?? { restrictionSeconds: Math.min(MAX_RESTRICTION_CAP_SECONDS, minutes * 60 + CONTINUOUS_MARGIN_SECONDS) };
    return { mode, minutes, target, lop, caps };
  }
  if (mode === "cycle") {
    const baseCycle = base as CyclePlan | null;
    return {
      ...(baseCycle ?? {}),
      mode,
      holdSeconds: parseNumberOption("on", values.on, R.cycleHoldSeconds.min, R.cycleHoldSeconds.max) ?? baseCycle?.holdSeconds ?? 30,
      releaseSeconds: parseNumberOption("off", values.off, R.cycleReleaseSeconds.min, R.cycleReleaseSeconds.max) ?? baseCycle?.releaseSeconds ?? 5,
      cycles: parseCount("cycles", values.cycles, R.cycles.min, R.cycles.max) ?? baseCycle?.cycles ?? 5,
      target,
      lop,
    };
  }
  const baseSets = base as SetsPlan | null;
  return {
    ...(baseSets ?? {}),
    mode,
    sets: values.sets !== undefined ? parseSets(values.sets) : (baseSets?.sets ?? [30, 15, 15, 15]),
    restSeconds: values.rest !== undefined ? parseRest(values.rest) : (baseSets?.restSeconds ?? 30),
    target,
    lop,
  };
}

function parseCount(name: string, text: string | undefined, min: number, max: number): number | undefined {
  const value = parseNumberOption(name, text, min, max);
  if (value !== undefined && !Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

export function describePlan(plan: Plan, limb: Limb): string {
  const target = "percentLop" in plan.target ? `${plan.target.percentLop} % LOP` : `${plan.target.mmhg} mmHg`;
  if (plan.mode === "continuous") return `${limb}, ${target}, continuous ${plan.minutes} min`;
  if (plan.mode === "cycle") return `${limb}, ${target}, ${plan.cycles} cycles of ${plan.holdSeconds} s on, ${plan.releaseSeconds} s off`;
  return `${limb}, ${target}, ${plan.sets.join("-")}, rest ${plan.restSeconds} s`;
}
