/** Which pressure a plan asks for, and whether the limits allow it. Pure. */
import { type Plan, targetMmhg } from "../../shared/plan.ts";
import { cycleTargetMmhg } from "./plan-rules.ts";

export interface TargetLimits {
  ceilingMmhg: number;
  maxPercentLop: number;
}

/** Targets stay this far under the ceiling: the regulator overshoots by a few mmHg and the ceiling is a fault. */
export const TARGET_CEILING_MARGIN_MMHG = 10;

/** The highest target the limits allow with this LOP (none known: the ceiling's margin only). */
export function targetLimitMmhg(limits: TargetLimits, lopMmhg: number | null): number {
  const lopLimit = lopMmhg === null ? Number.POSITIVE_INFINITY : (limits.maxPercentLop / 100) * lopMmhg;
  return Math.min(limits.ceilingMmhg - TARGET_CEILING_MARGIN_MMHG, lopLimit);
}

export type ResolvedTarget = { ok: true; targetMmhg: number; firstTargetMmhg: number } | { ok: false; detail: string };

/** The plan's target in mmHg and the first step's (a cycle plan steps up from it), or why it is refused. */
export function resolveTarget(plan: Plan, lopMmhg: number | null, limits: TargetLimits): ResolvedTarget {
  const target = targetMmhg(plan.target, lopMmhg);
  if (target === null) return { ok: false, detail: "the target is in % of LOP but no LOP is known" };
  const limit = targetLimitMmhg(limits, lopMmhg);
  if (target > limit) {
    const why = lopMmhg !== null && limit < limits.ceilingMmhg ? `${limits.maxPercentLop} % of the ${lopMmhg.toFixed(0)} mmHg LOP` : `the ${limits.ceilingMmhg} mmHg ceiling`;
    return { ok: false, detail: `target ${target.toFixed(0)} mmHg is above ${why}` };
  }
  return { ok: true, targetMmhg: target, firstTargetMmhg: cycleTargetMmhg(plan, target, 0, limit) };
}

