/**
 * Which audible cue a change of the session calls for: a set starts, ten
 * seconds of rest are left, the session ends. Pure, so it is tested without a
 * browser; alarms sound from the alarm banner.
 */
import type { SessionView } from "../../display/view.ts";

export type Cue = "set-start" | "rest-ending" | "alarm" | "session-end";

export const REST_WARNING_SECONDS = 10;

/** The cues due when the view goes from `before` to `after` (alarms sound from the alarm banner). */
export function cuesBetween(before: SessionView, after: SessionView): Cue[] {
  const cues: Cue[] = [];
  if (after.phase === "set" && (before.phase !== "set" || after.set !== before.set)) cues.push("set-start");
  const restLeft = after.phase === "rest" ? after.remaining : null;
  const restLeftBefore = before.phase === "rest" && before.set === after.set ? before.remaining : null;
  if (restLeft !== null && restLeft <= REST_WARNING_SECONDS && restLeftBefore !== null && restLeftBefore > REST_WARNING_SECONDS) cues.push("rest-ending");
  if (after.ended && !before.ended) cues.push("session-end");
  return cues;
}
