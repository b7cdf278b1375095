/**
 * Reading session recordings (JSON lines: a header, telemetry and events, the
 * firmware's summary) in the page: pure functions over text, so they are
 * tested without a browser.
 */

export interface RecordingSummary {
  file: string;
  startedAt: string;
  person: string | null;
  limb: string | null;
  lopMmhg: number | null;
  targetMmhg: number | null;
  /** Counted/planned reps per set, "30/30 15/15". */
  sets: string;
  /** completed, stopped, fault: KIND, ... or "unfinished" without a summary. */
  ending: string;
}

function lines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut by the byte range, or by a crash mid-write
    }
  }
  return out;
}

type Loose = Record<string, unknown>;

/** The header of `head` and the last summary of `tail` (or of `head` for a short file); null if it is not a recording. */
export function summariseRecording(file: string, head: string, tail: string): RecordingSummary | null {
  const headLines = lines(head) as Loose[];
  const header = headLines[0];
  if (!header || header.type !== "recording") return null;
  const all = [...headLines, ...(lines(tail) as Loose[])];
  const summaryLine = all.filter((l) => l.type === "summary").pop();
  const summary = (summaryLine?.summary ?? null) as Loose | null;
  const sets = Array.isArray(summary?.sets) ? (summary.sets as { reps: number; planned: number }[]).map((s) => `${s.reps}/${s.planned}`).join(" ") : "";
  const ending = summary ? String(summary.ending ?? (summary.ok ? "completed" : "ended early")) + (summary.fault ? `: ${String(summary.fault)}` : "") : "unfinished";
  const round = (x: unknown) => (typeof x === "number" ? Math.round(x) : null);
  return {
    file,
    startedAt: String(header.startedAt ?? ""),
    person: typeof header.person === "string" ? header.person : null,
    limb: typeof header.limb === "string" ? header.limb : null,
    lopMmhg: round(summary?.lopMmhg),
    targetMmhg: round(summary?.targetMmhg),
    sets,
    ending,
  };
}

/** The pressure trace of a whole recording. */
export function* tracePoints(text: string): Generator<{ t: number; mmhg: number; target: number | null; lop: number | null }> {
  let lop: number | null = null;
  for (const line of text.split("\n")) {
    if (!line.startsWith('{"v"') || !line.includes('"telemetry"')) continue;
    let m: Loose;
    try {
      m = JSON.parse(line) as Loose;
    } catch {
      continue;
    }
    if (m.type !== "telemetry" || typeof m.t !== "number" || typeof m.mmhg !== "number") continue;
    if (typeof m.lop === "number") lop = m.lop;
    yield { t: m.t, mmhg: m.mmhg, target: typeof m.target === "number" ? m.target : null, lop };
  }
}

const CSV_COLUMNS = ["date", "person", "limb", "lop_mmhg", "target_mmhg", "sets", "ended", "file"] as const;

function csvField(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per session, newest first as given. */
export function sessionsCsv(sessions: readonly RecordingSummary[]): string {
  const rows = sessions.map((s) => [s.startedAt, s.person, s.limb, s.lopMmhg, s.targetMmhg, s.sets, s.ending, s.file].map(csvField).join(","));
  return [CSV_COLUMNS.join(","), ...rows].join("\n") + "\n";
}
