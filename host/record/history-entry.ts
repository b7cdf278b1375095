/**
 * A past session as the history and the CSV export show it, from the first and
 * last lines of its recording: pure, so the command line (reading the file) and
 * the browser app (fetching byte ranges of it) tell a session alike.
 */
import { describeSets, endingFromSummary, type SetRecord } from "./session-record.ts";

export interface HistoryEntry {
  file: string;
  startedAt: string | null;
  person: string | null;
  limb: string | null;
  mode: string | null;
  lopMmhg: number | null;
  targetMmhg: number | null;
  sets: SetRecord[];
  restrictionSeconds: number | null;
  exerciseWithin10: number | null;
  peakMmhg: number | null;
  outcome: string;
  ended: string;
}

export type RecordedObject = Record<string, unknown>;

/** JSON objects of a slice of a recording; lines cut by the slice's edges are left out. */
export function parseLines(text: string): RecordedObject[] {
  const out: RecordedObject[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the slice's edge, or by a crash
    }
  }
  return out;
}

function last<T>(items: T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i]!)) return items[i];
  return undefined;
}

/** The entry of a recording from its first lines (`head`) and last lines (`tail`); null when it is not a cuff recording. */
export function historyEntryFrom(file: string, head: RecordedObject[], tail: RecordedObject[]): HistoryEntry | null {
  const header = head[0];
  if (!header || header.type !== "recording") return null;
  const plan = header.plan as { mode?: string } | null;
  const summaryEvent = last(tail, (m) => m.type === "summary");
  const summary = (summaryEvent?.summary ?? null) as {
    ok: boolean;
    endReason: string;
    lopMmhg: number | null;
    targetMmhg: number | null;
    sets: { planned: number; reps: number; seconds: number }[];
    restrictionSeconds: number;
    exerciseWithin10: number | null;
    peakMmhg: number | null;
  } | null;
  const end = last(tail, (m) => m.type === "session-end") as { outcome: string; text: string; sets: SetRecord[] } | undefined;
  const interrupted = tail.some((m) => m.type === "host" && typeof m.note === "string" && m.note.startsWith("interrupted"));
  const fallback = interrupted ? { outcome: "stopped", text: "stopped by the user" } : summary ? endingFromSummary(summary) : { outcome: "unknown", text: "no end recorded (cut short)" };
  return {
    file,
    startedAt: typeof header.startedAt === "string" ? header.startedAt : null,
    person: typeof header.person === "string" ? header.person : null,
    limb: typeof header.limb === "string" ? header.limb : null,
    mode: plan ? (plan.mode ?? "sets") : null,
    lopMmhg: summary?.lopMmhg ?? null,
    targetMmhg: summary?.targetMmhg ?? null,
    sets: end?.sets ?? summary?.sets.map((s, i) => ({ set: i + 1, ...s, complete: s.planned === 0 || s.reps >= s.planned })) ?? [],
    restrictionSeconds: summary?.restrictionSeconds ?? null,
    exerciseWithin10: summary?.exerciseWithin10 ?? null,
    peakMmhg: summary?.peakMmhg ?? null,
    outcome: end?.outcome ?? fallback.outcome,
    ended: end?.text ?? fallback.text,
  };
}


const CSV_COLUMNS = [
  "started_at",
  "person",
  "limb",
  "mode",
  "lop_mmhg",
  "target_mmhg",
  "sets",
  "reps_counted",
  "reps_planned",
  "restriction_seconds",
  "exercise_within_10",
  "peak_mmhg",
  "outcome",
  "ended",
  "file",
] as const;

export function csvField(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV row per session, with a header line. */
export function historyCsv(entries: HistoryEntry[]): string {
  const rows = entries.map((e) =>
    [
      e.startedAt,
      e.person,
      e.limb,
      e.mode,
      e.lopMmhg,
      e.targetMmhg,
      describeSets(e.sets),
      e.sets.reduce((n, s) => n + s.reps, 0),
      e.sets.reduce((n, s) => n + s.planned, 0),
      e.restrictionSeconds,
      e.exerciseWithin10,
      e.peakMmhg,
      e.outcome,
      e.ended,
      e.file,
    ]
      .map(csvField)
      .join(","),
  );
  return [CSV_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

