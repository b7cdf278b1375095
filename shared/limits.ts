/**
 * Safety limits every layer agrees on. The firmware supervisor enforces them;
 * schemas use them to refuse out-of-range input before it reaches anything.
 */

/** Normal cuff limit of automated blood-pressure cuffs; never configurable upwards. */
export const HARD_CEILING_MMHG = 300;
/** Targets above this share of limb occlusion pressure are refused. */
export const MAX_TARGET_PERCENT_LOP = 90;
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
