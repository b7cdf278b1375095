/** Turning `cuff session` options into a session plan (shared/plan.ts), with usage errors that say what to write. */
import { MAX_LOP_MMHG, MAX_RESTRICTION_CAP_SECONDS, MAX_TARGET_PERCENT_LOP, MIN_LOP_MMHG } from "../../shared/limits.ts";
import {
  type ContinuousPlan,
  type CyclePlan,
  type Limb,
  LimbSchema,
  type Plan,
  planMode,
  PlanSchema,
  type SetsPlan,
  type Target,
  TargetSchema,
} from "../../shared/plan.ts";
import { parseNumberOption } from "./command.ts";
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
  mode?: string;
  minutes?: string;
  on?: string;
  off?: string;
  cycles?: string;
}

/** A continuous hold's inflation and settling fit in this much restriction beyond the hold itself. */
const CONTINUOUS_MARGIN_SECONDS = 60;
export const MAX_CONTINUOUS_MINUTES = (MAX_RESTRICTION_CAP_SECONDS - CONTINUOUS_MARGIN_SECONDS) / 60;

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
  --target 60%       pressure as a percentage of LOP (10-90 %), or as --target 150mmHg
                     (default 50 % on an arm, 80 % on a leg; BFR uses 40-80 %: wide cuffs nearer 40 %)
  --sets 30,15,15,15 reps per set (sets; default 30,15,15,15: 75 reps)
  --rest 30          seconds of rest between sets, cuff inflated (sets; default 30)
  --minutes 10       length of the hold (continuous; 0.5-${MAX_CONTINUOUS_MINUTES} min, required)
  --on 30            seconds of each hold (cycle; 5-120, default 30)
  --off 5            seconds of each short release (cycle; 2-60, default 5)
  --cycles 5         number of holds (cycle; 1-12, default 5); each hold is 10 mmHg above the last`;

/** Default targets: arms with wide cuffs nearer 40-50 % of LOP, legs nearer 80 %. */
export const DEFAULT_TARGET_PERCENT: Record<Limb, number> = { arm: 50, leg: 80 };

const MODE_OPTIONS: Record<PlanMode, readonly (keyof PlanOptionValues)[]> = {
  sets: ["sets", "rest"],
  continuous: ["minutes"],
  cycle: ["on", "off", "cycles"],
};

type PlanMode = "sets" | "continuous" | "cycle";

function parseMode(text: string | undefined): PlanMode | undefined {
  if (text === undefined) return undefined;
  if (text === "sets" || text === "continuous" || text === "cycle") return text;
  throw new UsageError(`--mode must be sets, continuous or cycle, got "${text}"`);
}

/** The mode the options ask for: --mode, else the one their plan options belong to. */
function modeOf(values: PlanOptionValues): PlanMode | undefined {
  const explicit = parseMode(values.mode);
  if (explicit) return explicit;
  const implied = (Object.keys(MODE_OPTIONS) as PlanMode[]).filter((m) => MODE_OPTIONS[m].some((k) => values[k] !== undefined));
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
  const baseMode = base ? planMode(base) : null;
  if (asked && baseMode && asked !== baseMode) {
    throw new UsageError(`the scenario's plan is "${baseMode}", so --mode ${asked} cannot run it: leave out the ${asked} options, or change "plan" in the scenario file`);
  }
  const mode = asked ?? baseMode ?? "sets";
  const wrong = optionNames(values, (Object.keys(MODE_OPTIONS) as PlanMode[]).filter((m) => m !== mode));
  if (wrong.length) throw new UsageError(`${wrong.join(", ")} ${wrong.length > 1 ? "do" : "does"} not apply to --mode ${mode}`);
  const target = values.target !== undefined ? parseTarget(values.target) : (base?.target ?? { percentLop: DEFAULT_TARGET_PERCENT[limb] });
  const candidate = planCandidate(mode, values, base, target, lop);
  const parsed = PlanSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`the plan is not valid (${issue.path.join(".")}: ${issue.message})`);
  }
  return parsed.data;
}

function planCandidate(mode: PlanMode, values: PlanOptionValues, base: Plan | null, target: Target, lop: "measure" | number): object {
  if (mode === "continuous") {
    const baseHold = base as ContinuousPlan | null;
    const minutes = parseNumberOption("minutes", values.minutes, 0.5, MAX_CONTINUOUS_MINUTES) ?? baseHold?.minutes;
    if (minutes === undefined) throw new UsageError("--mode continuous needs --minutes N, the length of the hold");
    const caps = baseHold?.caps ?? { restrictionSeconds: Math.min(MAX_RESTRICTION_CAP_SECONDS, minutes * 60 + CONTINUOUS_MARGIN_SECONDS) };
    return { mode, minutes, target, lop, caps };
  }
  if (mode === "cycle") {
    const baseCycle = base as CyclePlan | null;
    return {
      ...(baseCycle ?? {}),
      mode,
      holdSeconds: parseNumberOption("on", values.on, 5, 120) ?? baseCycle?.holdSeconds ?? 30,
      releaseSeconds: parseNumberOption("off", values.off, 2, 60) ?? baseCycle?.releaseSeconds ?? 5,
      cycles: parseCount("cycles", values.cycles, 1, 12) ?? baseCycle?.cycles ?? 5,
      target,
      lop,
    };
  }
  const baseSets = base as SetsPlan | null;
  return {
    ...(baseSets ?? {}),
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
  const p = plan as Extract<Plan, { sets: number[] }>;
  return `${limb}, ${target}, ${p.sets.join("-")}, rest ${p.restSeconds} s`;
}
