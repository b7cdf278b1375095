/** Which pressure a plan asks for, and whether the limits allow it. Pure. */
import { TARGET_MARGIN_MMHG } from "../../shared/limits.ts";
import { type Plan, type TargetLimits, targetLimitMmhg, targetMmhg } from "../../shared/plan.ts";
import { cycleTargetMmhg } from "./plan-rules.ts";

export { type TargetLimits, targetLimitMmhg };

export type ResolvedTarget = { ok: true; targetMmhg: number; firstTargetMmhg: number } | { ok: false; detail: string };

/** The plan's target in mmHg and the first step's (a cycle plan steps up from it), or why it is refused. */
export function resolveTarget(plan: Plan, lopMmhg: number | null, limits: TargetLimits): ResolvedTarget {
  const target = targetMmhg(plan.target, lopMmhg);
  if (target === null) return { ok: false, detail: "the target is in % of LOP but no LOP is known" };
  const limit = targetLimitMmhg(limits, lopMmhg);
  if (target > limit) {
    const byLop = lopMmhg !== null && limit < limits.ceilingMmhg - TARGET_MARGIN_MMHG;
    const why = byLop
      ? `${limits.maxPercentLop} % of the ${lopMmhg.toFixed(0)} mmHg LOP`
      : `the ${limit.toFixed(0)} mmHg limit, ${TARGET_MARGIN_MMHG} mmHg under the ${limits.ceilingMmhg} mmHg ceiling`;
    return { ok: false, detail: `target ${target.toFixed(0)} mmHg is above ${why}` };
  }
  return { ok: true, targetMmhg: target, firstTargetMmhg: cycleTargetMmhg(plan, target, 0, limit) };
}

