/**
 * Past sessions from their recordings: who, when, which limb, LOP, target, the
 * sets and how the session ended. A recording's header is its first line and
 * its end (summary, session-end) its last lines, so only those are read: a
 * history of long sessions stays quick.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, join } from "node:path";
import { csvField, type HistoryEntry, historyEntryFrom, parseLines, type RecordedObject } from "./history-entry.ts";

export { csvField, type HistoryEntry, historyCsv } from "./history-entry.ts";

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 256 * 1024;

function readSlice(fd: number, start: number, length: number): string {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, start);
  return buffer.subarray(0, read).toString("utf8");
}

/** One recording's entry, or null when the file is not a cuff recording. */
export function readHistoryEntry(path: string): HistoryEntry | null {
  let head: RecordedObject[];
  let tail: RecordedObject[];
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    head = parseLines(readSlice(fd, 0, Math.min(size, HEAD_BYTES)));
    tail = size > HEAD_BYTES ? parseLines(readSlice(fd, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES))) : head;
  } finally {
    closeSync(fd);
  }
  return historyEntryFrom(path, head, tail);
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
