/**
 * Text of the live display. Pure functions from a SessionView to lines, so the
 * same text is tested and shown. Colour only where asked for.
 */
import type { SessionSummary } from "../../shared/protocol/index.ts";
import type { CuffEvent } from "../client/client.ts";
import { describeSets, type SessionEnding, type SetRecord } from "../record/session-record.ts";
import { sessionProgress, type SessionView } from "./view.ts";

export interface RenderOptions {
  width: number;
  color: boolean;
}

const ESC = "\x1b[";
const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);
const bold = (o: RenderOptions, t: string) => paint(o.color, "1", t);
const red = (o: RenderOptions, t: string) => paint(o.color, "1;97;41", t);
const yellow = (o: RenderOptions, t: string) => paint(o.color, "33", t);
const green = (o: RenderOptions, t: string) => paint(o.color, "32", t);
const dim = (o: RenderOptions, t: string) => paint(o.color, "2", t);

/** Rounded for display, without a "-0". */
export function wholeMmhg(mmhg: number): string {
  return String(Math.round(mmhg) || 0);
}

export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const PHASE_TITLE: Record<string, string> = {
  idle: "IDLE",
  zero: "ZEROING the sensor (cuff open)",
  lop: "MEASURING limb occlusion pressure - keep still",
  inflate: "INFLATING",
  set: "SET",
  rest: "REST",
  deflate: "DEFLATING",
  fault: "FAULT - cuff vented",
};

function phaseLine(v: SessionView, o: RenderOptions): string {
  const sets = v.plannedSets;
  if (v.phase === "set") {
    const planned = sets?.[v.set - 1];
    const of = sets ? ` of ${sets.length}` : "";
    return bold(o, `SET ${v.set}${of}`) + `   rep ${v.rep}${planned !== undefined ? `/${planned}` : ""}` + dim(o, "   (Enter: set done)");
  }
  if (v.phase === "rest") {
    const left = v.remaining !== null ? `${clock(v.remaining)} left` : "";
    return bold(o, `REST after set ${v.set}`) + `   ${left}   (the cuff stays inflated)`;
  }
  if (v.phase === "fault") return red(o, ` ${PHASE_TITLE.fault} `);
  return bold(o, PHASE_TITLE[v.phase] ?? v.phase.toUpperCase());
}

/** A horizontal scale: the +-10 % band as [ ], the target as |, the pressure as a marker, LOP as L. */
function gauge(v: SessionView, o: RenderOptions, width: number): string {
  const top = Math.max(200, (v.lop ?? 0) * 1.1, (v.target ?? 0) * 1.3, (v.mmhg ?? 0) * 1.05);
  const scale = Math.ceil(top / 50) * 50;
  const cells = Math.max(20, width);
  const at = (mmhg: number) => Math.max(0, Math.min(cells - 1, Math.round((mmhg / scale) * (cells - 1))));
  const row: string[] = Array.from({ length: cells }, () => "-");
  if (v.target !== null) {
    const lo = at(v.target * 0.9);
    const hi = at(v.target * 1.1);
    for (let i = lo; i <= hi; i++) row[i] = "=";
    row[lo] = "[";
    row[hi] = "]";
    row[at(v.target)] = "|";
  }
  if (v.lop !== null) row[at(v.lop)] = "L";
  const marker = v.mmhg !== null ? at(Math.max(0, v.mmhg)) : null;
  let text = "";
  for (let i = 0; i < cells; i++) {
    if (i === marker) text += paint(o.color, pressureColor(v), "#");
    else text += row[i] === "L" ? paint(o.color, "31", "L") : row[i] === "-" ? dim(o, "-") : row[i];
  }
  return `0 ${text} ${scale} mmHg`;
}

function pressureColor(v: SessionView): string {
  if (v.mmhg === null) return "0";
  if (v.lop !== null && v.mmhg >= v.lop) return "1;97;41";
  if (v.target === null) return "1";
  return Math.abs(v.mmhg - v.target) <= v.target * 0.1 ? "1;32" : "1;33";
}

/** Pressure first, then its share of LOP (what BFR is prescribed in), then the target band. */
function pressureLine(v: SessionView, o: RenderOptions): string {
  const p = v.mmhg === null ? "  --" : wholeMmhg(v.mmhg).padStart(4);
  let text = `pressure ${paint(o.color, pressureColor(v), `${p} mmHg`)}`;
  if (v.lop !== null && v.mmhg !== null) {
    text += ` = ${Math.round((Math.max(0, v.mmhg) / v.lop) * 100)} % of LOP ${Math.round(v.lop)}`;
  }
  if (v.target !== null) {
    const lo = Math.round(v.target * 0.9);
    const hi = Math.round(v.target * 1.1);
    const inBand = v.mmhg !== null && v.mmhg >= v.target * 0.9 && v.mmhg <= v.target * 1.1;
    text += `   target ${v.target.toFixed(0)} (${lo}-${hi}) ${inBand ? green(o, "in band") : yellow(o, "OUT of band")}`;
  } else {
    text += "   no target";
  }
  return text;
}

function progressBar(v: SessionView, o: RenderOptions, width: number): string | null {
  const fraction = sessionProgress(v);
  if (fraction === null) return null;
  const cells = Math.max(10, width);
  const filled = Math.round(fraction * cells);
  const elapsed = v.t !== null && v.startT !== null ? `   ${clock(v.t - v.startT)} elapsed` : "";
  return `session ${green(o, "#".repeat(filled))}${dim(o, ".".repeat(cells - filled))} ${String(Math.round(fraction * 100)).padStart(3)} %${elapsed}`;
}

export function alarmText(a: { kind: string; severity: string; detail: string }): string {
  return `${a.severity === "fault" ? "FAULT" : a.severity === "warning" ? "WARNING" : "note"} ${a.kind}: ${a.detail}`;
}

/** Word-wrap plain text to `width` columns. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= width || !line) line = candidate.slice(0, width);
    else {
      out.push(line);
      line = word.slice(0, width);
    }
  }
  if (line) out.push(line);
  return out;
}

/** Cut a line to `width` visible columns, keeping its escape codes (a wrapped line would break the redraw). */
function clip(line: string, width: number): string {
  if (stripAnsi(line).length <= width) return line;
  let visible = 0;
  let out = "";
  for (let i = 0; i < line.length && visible < width; i++) {
    const m = /^\x1b\[[0-9;]*[A-Za-z]/.exec(line.slice(i));
    if (m) {
      out += m[0];
      i += m[0].length - 1;
      continue;
    }
    out += line[i];
    visible++;
  }
  return out + "\x1b[0m";
}

/** The whole live display, one string per terminal line, none wider than the terminal. */
export function renderDashboard(v: SessionView, o: RenderOptions): string[] {
  const width = Math.max(20, Math.min(o.width, 100));
  const lines: string[] = [];
  lines.push(bold(o, v.title.slice(0, width)));
  lines.push(dim(o, "-".repeat(width)));
  const state = v.state ? `state ${v.state}` : "";
  const link = v.link === "reconnecting" ? red(o, " LINK LOST - reconnecting ") + " " : "";
  const left = phaseLine(v, o);
  const right = link + dim(o, state);
  const gap = Math.max(2, width - stripAnsi(left).length - stripAnsi(right).length);
  lines.push(left + " ".repeat(gap) + right);
  lines.push(pressureLine(v, o));
  lines.push(gauge(v, o, width - 12));
  lines.push(dim(o, "  # pressure   [=|=] target +-10 %   L limb occlusion pressure"));
  const bar = progressBar(v, o, width - 30);
  if (bar) lines.push(bar);
  if (v.lastMessage) lines.push(v.lastMessage);
  for (const a of v.alarms) {
    for (const part of wrap(`!! ${alarmText(a)} !!`, width)) lines.push(a.severity === "info" ? yellow(o, part) : red(o, part));
  }
  return lines.map((l) => clip(l, width));
}

const at = (t: number, startT: number | null) => `[${clock(t - (startT ?? t))}]`;

/** One plain line for an event, for output that is not a terminal (null: nothing worth a line). */
export function plainEventLine(v: SessionView, e: CuffEvent): string | null {
  const stamp = at(e.t, v.startT);
  switch (e.type) {
    case "state":
      if (e.to === "zeroing") return `${stamp} zeroing the pressure sensor (pump off, vent open)`;
      if (e.from === "zeroing" || e.to === "fault") return `${stamp} ${e.to === "fault" ? "FAULT, cuff vented: " : ""}${e.reason}`;
      if (e.to === "vented" && e.from === "deflating") return `${stamp} vented: ${e.reason}`;
      return null;
    case "phase": {
      if (e.phase === "set") {
        const reps = e.reps ?? v.plannedSets?.[(e.set ?? 1) - 1];
        return `${stamp} set ${e.set ?? "?"}${v.plannedSets ? ` of ${v.plannedSets.length}` : ""}${reps !== undefined ? `: ${reps} reps` : ""}${v.target !== null ? ` at ${Math.round(v.target)} mmHg` : ""}`;
      }
      if (e.phase === "rest") return `${stamp} rest ${e.seconds ?? v.restSeconds ?? "?"} s, the cuff stays inflated`;
      const words: Record<string, string> = {
        zero: "zeroing the pressure sensor",
        lop: "measuring limb occlusion pressure - keep still",
        inflate: "inflating",
        deflate: "deflating",
        idle: "idle, cuff vented",
        fault: "FAULT: the cuff is vented",
      };
      return `${stamp} ${words[e.phase] ?? e.phase}`;
    }
    case "rep": {
      const planned = v.plannedSets?.[e.set - 1];
      return e.rep % 5 === 0 || e.rep === planned ? `${stamp} set ${e.set} rep ${e.rep}${planned ? `/${planned}` : ""}` : null;
    }
    case "alarm":
      return `${stamp} !! ${alarmText(e)} !!`;
    case "lop-result":
      return e.ok
        ? `${stamp} LOP ${Math.round(e.mmhg ?? 0)} mmHg (quality ${e.quality.toFixed(2)}, ${e.durationSeconds.toFixed(0)} s)`
        : `${stamp} LOP measurement failed: ${e.reason}`;
    case "summary":
      return null;
  }
}

function percent(x: number | null): string {
  return x === null ? "-" : `${(x * 100).toFixed(0)} %`;
}

/** What the host adds to the firmware's summary: how the session ended, and every set it saw. */
export interface SummaryRecord {
  ending: SessionEnding;
  sets: SetRecord[];
}

const HEADLINE: Record<SessionEnding["outcome"], (e: SessionEnding) => string> = {
  completed: () => "Session complete.",
  stopped: () => "Session stopped by the user.",
  fault: (e) => `Session ended by a fault (${e.fault}); the cuff is vented.`,
  "ended-early": (e) => `Session ${e.text}.`,
  failed: (e) => `Session ${e.text}.`,
};

export function renderSummary(s: SessionSummary, record?: SummaryRecord): string[] {
  const lines = [
    record ? HEADLINE[record.ending.outcome](record.ending) : s.ok ? "Session complete." : `Session ended early: ${s.endReason}.`,
    `  end:          ${s.endReason}`,
    `  LOP:          ${s.lopMmhg === null ? "-" : `${Math.round(s.lopMmhg)} mmHg`}`,
    `  target:       ${s.targetMmhg === null ? "-" : `${Math.round(s.targetMmhg)} mmHg`}${s.lopMmhg && s.targetMmhg ? ` (${Math.round((s.targetMmhg / s.lopMmhg) * 100)} % of LOP)` : ""}`,
    `  sets:         ${record ? describeSets(record.sets) : s.sets.map((x) => `${x.reps}/${x.planned}`).join("  ") || "-"}${record?.sets.some((x) => x.planned > 0) ? "  (reps counted/planned)" : ""}`,
    `  restriction:  ${clock(s.restrictionSeconds)} (min:s)`,
    `  in band:      ${percent(s.exerciseWithin10)} of exercise time within +-10 %, ${percent(s.restWithin5)} of rest within +-5 %`,
    `  peak:         ${s.peakMmhg === null ? "-" : `${Math.round(s.peakMmhg)} mmHg`}`,
  ];
  if (s.alarms.length) lines.push(`  alarms:       ${s.alarms.map((a) => `${a.kind} at ${clock(a.t)}`).join(", ")}`);
  return lines;
}
