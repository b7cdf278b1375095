/**
 * Safety limits every layer agrees on. The firmware supervisor enforces them;
 * schemas use them to refuse out-of-range input before it reaches anything.
 */

/** Normal cuff limit of automated blood-pressure cuffs; never configurable upwards. */
export const HARD_CEILING_MMHG = 300;
/**
 * Targets stay this far under the ceiling: the regulator overshoots by a few
 * mmHg and a contraction lifts the cuff, and the ceiling is a fault.
 */
export const TARGET_MARGIN_MMHG = 10;
/** The highest target in mmHg anything accepts: 290 mmHg. */
export const MAX_TARGET_MMHG = HARD_CEILING_MMHG - TARGET_MARGIN_MMHG;
/** Below this a target restricts nothing a cuff can hold steadily. */
export const MIN_TARGET_MMHG = 10;
/** Targets above this share of limb occlusion pressure are refused. */
export const MAX_TARGET_PERCENT_LOP = 90;
export const MIN_TARGET_PERCENT_LOP = 10;
/** Restriction per exercise: 10 min by default (BFR guidelines: 5-10 min). */
export const DEFAULT_RESTRICTION_CAP_SECONDS = 600;
/** Restriction per exercise can never be configured above 20 min. */
export const MAX_RESTRICTION_CAP_SECONDS = 1200;
/** Minimum deflated rest before the cuff may be inflated again after an exercise. */
export const DEFAULT_REST_BETWEEN_EXERCISES_SECONDS = 60;
/** Default host-silence timeout during a session. */
export const DEFAULT_HOST_SILENCE_SECONDS = 2;
/** Final deflation counts as done below this pressure (blood-pressure cuff standards). */
export const DEFLATED_MMHG = 15;
/** Plausible LOP range for any adult limb and cuff width. */
export const MIN_LOP_MMHG = 50;
export const MAX_LOP_MMHG = 300;

/** An inclusive range of a plan field, in the unit its name carries. */
export interface PlanRange {
  readonly min: number;
  readonly max: number;
}

/** Sets in a sets plan and cycles in a cycle plan: a session summary lists each in one frame. */
const MAX_SETS_OR_CYCLES = 12;

/**
 * The ranges of every number in a session plan: the plan schema (cuff link,
 * scenario files) and the command line's options are built from this one table.
 */
export const PLAN_RANGES = {
  targetPercentLop: { min: MIN_TARGET_PERCENT_LOP, max: MAX_TARGET_PERCENT_LOP },
  targetMmhg: { min: MIN_TARGET_MMHG, max: MAX_TARGET_MMHG },
  lopMmhg: { min: MIN_LOP_MMHG, max: MAX_LOP_MMHG },
  setCount: { min: 1, max: MAX_SETS_OR_CYCLES },
  repsPerSet: { min: 1, max: 200 },
  restSeconds: { min: 0, max: 300 },
  continuousMinutes: { min: 0.5, max: MAX_RESTRICTION_CAP_SECONDS / 60 },
  cycles: { min: 1, max: MAX_SETS_OR_CYCLES },
  cycleHoldSeconds: { min: 5, max: 120 },
  cycleReleaseSeconds: { min: 2, max: 60 },
  cycleReleaseMmhg: { min: 0, max: 100 },
  cycleStepMmhg: { min: 0, max: 40 },
  restrictionCapSeconds: { min: 10, max: MAX_RESTRICTION_CAP_SECONDS },
  setCapSeconds: { min: 5, max: 600 },
} as const satisfies Record<string, PlanRange>;
