/**
 * Past sessions from their recordings: who, when, which limb, LOP, target, the
 * sets and how the session ended. A recording's header is its first line and
 * its end (summary, session-end) its last lines, so only those are read: a
 * history of long sessions stays quick.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, join } from "node:path";
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

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 256 * 1024;

function readSlice(fd: number, start: number, length: number): string {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, start);
  return buffer.subarray(0, read).toString("utf8");
}

function parseLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
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

/** One recording's entry, or null when the file is not a cuff recording. */
export function readHistoryEntry(path: string): HistoryEntry | null {
  let head: Record<string, unknown>[];
  let tail: Record<string, unknown>[];
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    head = parseLines(readSlice(fd, 0, Math.min(size, HEAD_BYTES)));
    tail = size > HEAD_BYTES ? parseLines(readSlice(fd, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES))) : head;
  } finally {
    closeSync(fd);
  }
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
    file: path,
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

/** Every recording in a folder, newest first; files that are not recordings are skipped. */
export function readHistory(folder: string): HistoryEntry[] {
  let names: string[];
  try {
    names = readdirSync(folder).filter((n) => n.endsWith(".jsonl"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const entries = names.map((n) => readHistoryEntry(join(folder, n))).filter((e): e is HistoryEntry => e !== null);
  return entries.sort((a, b) => (b.startedAt ?? "").localeCompare(a.startedAt ?? "") || basename(b.file).localeCompare(basename(a.file)));
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

export const SAMPLE_HEADER = "t,mmhg,target_mmhg,state,phase,pump,vent,set,rep\n";
const SAMPLE_FIELDS = ["t", "mmhg", "target", "state", "phase", "pump", "vent", "set", "rep"] as const;

/** One recording line as a CSV row of SAMPLE_HEADER, or null when it is not telemetry. */
export function sampleRow(line: string): string | null {
  if (!line.includes('"telemetry"')) return null;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (m.type !== "telemetry") return null;
  return SAMPLE_FIELDS.map((f) => csvField((m[f] as string | number | null | undefined) ?? null)).join(",") + "\n";
}
