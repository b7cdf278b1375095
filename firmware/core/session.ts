/**
 * What a running session remembers, and the pure rules of the plan: which step
 * follows which, and whether a plan fits the caps.
 */
import { capsOf, type Plan, planMode, type Limb } from "../../shared/plan.ts";

export type SessionStep = "lop" | "inflate" | "set" | "rest" | "release" | "deflate";

export interface SetRecord {
  planned: number;
  reps: number;
  seconds: number;
}

export interface SessionRun {
  plan: Plan;
  limb: Limb;
  /** Manual holds are sessions too, ended only by the host or the caps. */
  manual: boolean;
  step: SessionStep;
  stepStartedSeconds: number;
  /** 0-based set (or cycle) being run or next to run. */
  setIndex: number;
  lopMmhg: number | null;
  /** Target of the plan, and the one the current step regulates to. */
  targetMmhg: number | null;
  currentTargetMmhg: number | null;
  restrictionStartedSeconds: number | null;
  sets: SetRecord[];
  exerciseSamples: number;
  exerciseWithin10: number;
  restSamples: number;
  restWithin5: number;
  peakMmhg: number | null;
  /** When the athlete was asked to start the current set (for the set cap). */
  settled: boolean;
  settledSinceSeconds: number | null;
}

export function newSessionRun(plan: Plan, limb: Limb, tSeconds: number, manual = false): SessionRun {
  return {
    plan,
    limb,
    manual,
    step: "inflate",
    stepStartedSeconds: tSeconds,
    setIndex: 0,
    lopMmhg: typeof plan.lop === "number" ? plan.lop : null,
    targetMmhg: null,
    currentTargetMmhg: null,
    restrictionStartedSeconds: null,
    sets: [],
    exerciseSamples: 0,
    exerciseWithin10: 0,
    restSamples: 0,
    restWithin5: 0,
    peakMmhg: null,
    settled: false,
    settledSinceSeconds: null,
  };
}

/** Seconds a plan needs at least (reps at 1.5 s each, every rest and hold). */
export function minimumPlanSeconds(plan: Plan): number {
  switch (planMode(plan)) {
    case "continuous":
      return (plan as Extract<Plan, { mode: "continuous" }>).minutes * 60;
    case "cycle": {
      const p = plan as Extract<Plan, { mode: "cycle" }>;
      return p.cycles * p.holdSeconds + (p.cycles - 1) * p.releaseSeconds;
    }
    default: {
      const p = plan as Extract<Plan, { sets: number[] }>;
      const reps = p.sets.reduce((a, b) => a + b, 0);
      return reps * 1.5 + (p.sets.length - 1) * p.restSeconds;
    }
  }
}

/** Whether a plan can finish within its restriction cap; null when it fits. */
export function planOverCap(plan: Plan, capSeconds: number): string | null {
  const need = minimumPlanSeconds(plan);
  const cap = Math.min(capSeconds, capsOf(plan).restrictionSeconds);
  return need > cap
    ? `the plan needs at least ${Math.round(need)} s of restriction, over the ${Math.round(cap)} s cap`
    : null;
}

/** Number of sets (or cycles; 1 for a continuous hold). */
export function plannedSets(plan: Plan): number {
  switch (planMode(plan)) {
    case "continuous":
      return 1;
    case "cycle":
      return (plan as Extract<Plan, { mode: "cycle" }>).cycles;
    default:
      return (plan as Extract<Plan, { sets: number[] }>).sets.length;
  }
}

/** Planned reps of set `index` (0 for modes without reps). */
export function plannedReps(plan: Plan, index: number): number {
  return planMode(plan) === "sets" ? ((plan as Extract<Plan, { sets: number[] }>).sets[index] ?? 0) : 0;
}

/** Target of cycle `index`, stepping up from the plan's target, never above `limitMmhg`. */
export function cycleTargetMmhg(plan: Plan, baseTargetMmhg: number, index: number, limitMmhg: number): number {
  if (planMode(plan) !== "cycle") return baseTargetMmhg;
  const step = (plan as Extract<Plan, { mode: "cycle" }>).stepMmhg;
  return Math.min(limitMmhg, baseTargetMmhg + step * index);
}
