/** The pure rules of a session plan: how many sets, how many reps, which target, whether it fits the caps. */
import { capsOf, type Plan } from "../../shared/plan.ts";

/** Reps take at least this long: a plan is judged against its caps with reps this fast. */
const FASTEST_REP_SECONDS = 1.5;

/** Seconds a plan needs at least (reps at the fastest cadence, every rest and hold). */
export function minimumPlanSeconds(plan: Plan): number {
  switch (plan.mode) {
    case "continuous":
      return plan.minutes * 60;
    case "cycle":
      return plan.cycles * plan.holdSeconds + (plan.cycles - 1) * plan.releaseSeconds;
    case "sets":
      return plan.sets.reduce((a, b) => a + b, 0) * FASTEST_REP_SECONDS + (plan.sets.length - 1) * plan.restSeconds;
  }
}

/** Why a plan cannot finish within its restriction cap, or null when it fits. */
export function planOverCap(plan: Plan, capSeconds: number): string | null {
  const need = minimumPlanSeconds(plan);
  const cap = Math.min(capSeconds, capsOf(plan).restrictionSeconds);
  return need > cap ? `the plan needs at least ${Math.round(need)} s of restriction, over the ${Math.round(cap)} s cap` : null;
}

/** Number of sets (or cycles; 1 for a continuous hold). */
export function plannedSets(plan: Plan): number {
  switch (plan.mode) {
    case "continuous":
      return 1;
    case "cycle":
      return plan.cycles;
    case "sets":
      return plan.sets.length;
  }
}

/** Planned reps of set `index` (0-based; 0 for modes without reps). */
export function plannedReps(plan: Plan, index: number): number {
  return plan.mode === "sets" ? (plan.sets[index] ?? 0) : 0;
}

/** Target of cycle `index` (0-based), stepping up from the plan's target, never above `limitMmhg`. */
export function cycleTargetMmhg(plan: Plan, baseTargetMmhg: number, index: number, limitMmhg: number): number {
  if (plan.mode !== "cycle") return baseTargetMmhg;
  return Math.min(limitMmhg, baseTargetMmhg + plan.stepMmhg * index);
}
