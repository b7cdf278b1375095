/**
 * Reads what `cuff plot` draws: a session recording (JSON lines from
 * --record) or a bench trace (CSV, docs/formats.md), into one shape.
 */
import * as fs from "node:fs";
import { parseDecimal } from "../../shared/decimal.ts";
import { readInputFile } from "../../shared/files.ts";
import { basename } from "node:path";

export interface PlotPoint {
  t: number;
  mmhg: number;
  target: number | null;
  phase: string;
  set: number | null;
}

export interface PlotData {
  title: string;
  /** What the pressure line is ("cuff pressure", "true cuff pressure"). */
  pressureLabel: string;
  points: PlotPoint[];
  lopMmhg: number | null;
  limb: string | null;
  alarms: { t: number; kind: string }[];
  summary: { ok: boolean; endReason: string } | null;
  /** How the session ended, for people ("completed", "stopped by the user", "fault: leak"); null for traces. */
  ended: string | null;
  /** Planned and counted reps per set number, when the recording says. */
  setReps: Record<number, { planned: number; counted: number }>;
}

export class PlotInputError extends Error {
  override name = "PlotInputError";
}

const TRACE_COLUMNS = ["t", "cuff_mmhg", "sensor_mmhg", "target_mmhg", "pump", "vent", "state", "phase"];

export function loadPlotData(path: string): PlotData {
  let text: string;
  try {
    text = readInputFile(fs, path, "recording or trace");
  } catch (error) {
    throw new PlotInputError((error as Error).message);
  }
  const first = text.slice(0, text.indexOf("\n") >>> 0).trim();
  if (first.startsWith("t,")) return parseTrace(text, path);
  if (first.startsWith("{")) return parseRecording(text, path);
  throw new PlotInputError(`${path} is neither a session recording (JSON lines from --record) nor a bench trace (CSV from cuff bench --trace)`);
}

export function parseTrace(text: string, path: string): PlotData {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(",");
  const col = (name: string) => header.indexOf(name);
  const missing = TRACE_COLUMNS.filter((c) => col(c) < 0);
  if (missing.length) throw new PlotInputError(`${path} is a CSV without the trace columns ${missing.join(", ")}`);
  const points: PlotPoint[] = [];
  let set = 0;
  let lastPhase = "";
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(",");
    // an unreadable time or pressure stays NaN: host/plot/checks.ts counts and leaves it out
    const t = parseDecimal(cells[col("t")] ?? "") ?? Number.NaN;
    const mmhg = parseDecimal(cells[col("cuff_mmhg")] ?? "") ?? Number.NaN;
    const target = parseDecimal(cells[col("target_mmhg")] ?? "");
    const phase = cells[col("phase")] ?? "idle";
    if (phase === "set" && lastPhase !== "set") set++;
    lastPhase = phase;
    points.push({ t, mmhg, target, phase, set: phase === "set" || phase === "rest" ? set : null });
  }
  if (points.length === 0) throw new PlotInputError(`${path} has a trace header but no rows`);
  return { title: basename(path), pressureLabel: "cuff pressure (simulated, true)", points, lopMmhg: null, limb: null, alarms: [], summary: null, ended: null, setReps: {} };
}

export function parseRecording(text: string, path: string): PlotData {
  const points: PlotPoint[] = [];
  const alarms: PlotData["alarms"] = [];
  let lop: number | null = null;
  let limb: string | null = null;
  let summary: PlotData["summary"] = null;
  let title = basename(path);
  let bad = 0;
  const setReps: PlotData["setReps"] = {};
  let ended: string | null = null;
  let interrupted = false;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      bad++; // the last line of a recording cut short by a crash
      continue;
    }
    switch (m.type) {
      case "recording":
        limb = typeof m.limb === "string" ? m.limb : null;
        if (typeof m.startedAt === "string") title = `${basename(path)} - ${m.startedAt.slice(0, 16).replace("T", " ")} UTC`;
        break;
      case "telemetry":
        if (typeof m.t === "number" && typeof m.mmhg === "number") {
          points.push({
            t: m.t,
            mmhg: m.mmhg,
            target: typeof m.target === "number" ? m.target : null,
            phase: String(m.phase ?? "idle"),
            set: typeof m.set === "number" && m.set > 0 ? m.set : null,
          });
          if (typeof m.lop === "number") lop = m.lop;
        }
        break;
      case "lop-result":
        if (m.ok === true && typeof m.mmhg === "number") lop = m.mmhg;
        break;
      case "phase":
        if (m.phase === "set" && typeof m.set === "number" && typeof m.reps === "number" && m.reps > 0) setReps[m.set] = { planned: m.reps, counted: 0 };
        break;
      case "rep": {
        const set = typeof m.set === "number" ? setReps[m.set] : undefined;
        if (set && typeof m.rep === "number") set.counted = Math.max(set.counted, m.rep);
        break;
      }
      case "host":
        if (typeof m.note === "string" && m.note.startsWith("interrupted")) interrupted = true;
        break;
      case "session-end":
        if (typeof m.text === "string") ended = m.text;
        break;
      case "alarm":
        if (typeof m.t === "number") alarms.push({ t: m.t, kind: String(m.kind) });
        break;
      case "summary": {
        const s = m.summary as { ok?: boolean; endReason?: string; lopMmhg?: number | null } | undefined;
        if (s) {
          summary = { ok: s.ok === true, endReason: String(s.endReason ?? "") };
          if (typeof s.lopMmhg === "number") lop = s.lopMmhg;
        }
        break;
      }
    }
  }
  if (points.length === 0) {
    throw new PlotInputError(bad > 0 && points.length === 0 ? `${path} is not a session recording (no JSON lines)` : `${path} has no telemetry to draw`);
  }
  // recordings from before the session-end line: judged from what they hold
  ended ??= interrupted ? "stopped by the user" : summary ? (summary.ok ? "completed" : `ended early: ${summary.endReason}`) : "no end recorded (cut short)";
  return { title, pressureLabel: "cuff pressure", points, lopMmhg: lop, limb, alarms, summary, ended, setReps };
}
