/**
 * What a session's record says about it, beyond the firmware's summary: how it
 * ended (completed, stopped by the user, a fault and its kind, ended early, the
 * link failed) and every set with its counted and planned reps, the set a fault
 * cut short included. Pure: events in, records out.
 */
import type { SessionSummary } from "../../shared/protocol/index.ts";
import type { CuffEvent } from "../client/client.ts";

export type Outcome = "completed" | "stopped" | "fault" | "ended-early" | "failed";

export interface SessionEnding {
  outcome: Outcome;
  /** The alarm kind of a fault, else null. */
  fault: string | null;
  /** One phrase for people: "completed", "stopped by the user", "fault: sensor-stuck", ... */
  text: string;
}

export interface SetRecord {
  /** 1-based set (or hold, or cycle). */
  set: number;
  /** Planned reps (0 for holds). */
  planned: number;
  /** Reps the cuff counted. */
  reps: number;
  seconds: number;
  /** The set ran its course: its reps reached, or its hold lasted the planned time. */
  complete: boolean;
}

/** From the firmware's summary; recordings made before it said `ending` are read from endReason. */
export function endingFromSummary(summary: Pick<SessionSummary, "ok" | "endReason"> & { ending?: string; fault?: string | null }): SessionEnding {
  const ending = summary.ending ?? (summary.ok ? "completed" : summary.endReason.startsWith("fault: ") ? "fault" : "ended early");
  if (ending === "completed") return { outcome: "completed", fault: null, text: "completed" };
  if (ending === "stopped") return STOPPED_BY_USER;
  if (ending === "fault") {
    const kind = summary.fault ?? /^fault: ([a-z-]+)/.exec(summary.endReason)?.[1] ?? "unknown";
    return { outcome: "fault", fault: kind, text: `fault: ${kind}` };
  }
  return { outcome: "ended-early", fault: null, text: `ended early: ${summary.endReason}` };
}

export const STOPPED_BY_USER: SessionEnding = { outcome: "stopped", fault: null, text: "stopped by the user" };

export function linkFailed(message: string): SessionEnding {
  return { outcome: "failed", fault: null, text: `failed: ${message}` };
}

interface OpenSet {
  set: number;
  planned: number;
  plannedSeconds: number | null;
  startT: number;
  reps: number;
}

/** Folds the cuff's events into the sets as they happened. */
export class SetTally {
  private readonly done: SetRecord[] = [];
  private open: OpenSet | null = null;
  private lastT = 0;

  fold(event: CuffEvent): void {
    this.lastT = event.t;
    if (event.type === "phase") {
      this.close(event.t);
      if (event.phase === "set") {
        this.open = { set: event.set ?? this.done.length + 1, planned: event.reps ?? 0, plannedSeconds: event.reps === undefined ? (event.seconds ?? null) : null, startT: event.t, reps: 0 };
      }
    } else if (event.type === "rep" && this.open && event.set === this.open.set) {
      this.open.reps = Math.max(this.open.reps, event.rep);
    } else if (event.type === "summary" || (event.type === "state" && event.to === "fault")) {
      this.close(event.t);
    }
  }

  /** The sets so far; one still running is closed at the last event's time. */
  sets(): SetRecord[] {
    return this.open ? [...this.done, closed(this.open, this.lastT)] : [...this.done];
  }

  private close(t: number): void {
    if (!this.open) return;
    this.done.push(closed(this.open, t));
    this.open = null;
  }
}

function closed(s: OpenSet, t: number): SetRecord {
  const seconds = Math.round((t - s.startT) * 100) / 100;
  const complete = s.planned > 0 ? s.reps >= s.planned : s.plannedSeconds !== null && seconds >= s.plannedSeconds - 0.5;
  return { set: s.set, planned: s.planned, reps: s.reps, seconds, complete };
}

/**
 * The firmware's sets, then any the host saw that the firmware's summary leaves out (the set a
 * fault ended, which the firmware does not list).
 */
export function mergeSets(firmware: SessionSummary["sets"] | null, tally: SetRecord[]): SetRecord[] {
  if (!firmware) return tally;
  const fromFirmware = firmware.map((s, i): SetRecord => {
    const seen = tally[i];
    const complete = s.planned > 0 ? s.reps >= s.planned : (seen?.complete ?? true);
    return { set: i + 1, planned: s.planned, reps: s.reps, seconds: s.seconds, complete };
  });
  return [...fromFirmware, ...tally.slice(firmware.length)];
}

/** "30/30 15/15 9/15 (cut short)": counted over planned reps per set. */
export function describeSets(sets: SetRecord[]): string {
  if (sets.length === 0) return "-";
  return sets
    .map((s) => (s.planned > 0 ? `${s.reps}/${s.planned}` : `${Math.round(s.seconds)} s`) + (s.complete ? "" : " (cut short)"))
    .join("  ");
}
