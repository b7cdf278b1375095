/**
 * Recordings read in the page: a session's history entry from the first and
 * last bytes of its file (the same reading as `cuff history`), and the
 * pressure trace of a whole recording. Pure functions over text.
 */
import { type HistoryEntry, historyEntryFrom, parseLines } from "../../record/history-entry.ts";

/** The entry of a recording from its first bytes and, for a long file, its last bytes. */
export function entryFromSlices(file: string, head: string, tail: string | null): HistoryEntry | null {
  const headLines = parseLines(head);
  return historyEntryFrom(file, headLines, tail === null ? headLines : parseLines(tail));
}

/** The pressure trace of a whole recording. */
export function* tracePoints(text: string): Generator<{ t: number; mmhg: number; target: number | null; lop: number | null }> {
  let lop: number | null = null;
  for (const line of text.split("\n")) {
    if (!line.includes('"telemetry"')) continue;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (m.type !== "telemetry" || typeof m.t !== "number" || typeof m.mmhg !== "number") continue;
    if (typeof m.lop === "number") lop = m.lop;
    yield { t: m.t, mmhg: m.mmhg, target: typeof m.target === "number" ? m.target : null, lop };
  }
}
