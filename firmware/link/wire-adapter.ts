/**
 * The controller's snapshot and events as cuff link messages: numbers rounded to
 * what the link carries, pressures clamped and texts cut to the schema's limits.
 */
import { MAX_SETS } from "../../shared/plan.ts";
import { type FirmwareBody, LINK_LIMITS, type SessionSummary } from "../../shared/protocol/messages.ts";
import type { CuffSnapshot } from "../core/controller.ts";
import type { DistalPulseTrace } from "../core/distal/trace.ts";
import type { CoreEvent, SessionReport } from "../core/events.ts";
import type { Mode } from "../core/modes/mode.ts";

type Telemetry = Extract<FirmwareBody, { type: "telemetry" }>;
type Status = Extract<FirmwareBody, { type: "status" }>;

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));
const clampMmhg = (mmhg: number) => Math.max(LINK_LIMITS.minMmhg, Math.min(LINK_LIMITS.maxMmhg, mmhg));
const reason = (text: string) => text.slice(0, LINK_LIMITS.reasonChars);
const detail = (text: string) => text.slice(0, LINK_LIMITS.detailChars);

export function telemetryMessage(s: CuffSnapshot, cuff: number): Telemetry {
  return {
    type: "telemetry",
    cuff,
    t: round(s.t, 3),
    mmhg: round(s.mmhg === null ? 0 : clampMmhg(s.mmhg), 2),
    target: roundOrNull(s.targetMmhg, 1),
    state: s.state,
    phase: s.phase,
    pump: round(s.actuation.pump, 3),
    vent: round(s.actuation.vent, 3),
    lop: roundOrNull(s.lopMmhg, 1),
    ...(s.secondaryMmhg !== null && Number.isFinite(s.secondaryMmhg) ? { secondaryMmhg: round(clampMmhg(s.secondaryMmhg), 2) } : {}),
    ...(s.set !== null ? { set: s.set, rep: s.rep } : {}),
    ...(s.remainingSeconds !== null ? { remaining: round(s.remainingSeconds, 1) } : {}),
  };
}

/**
 * What telemetry adds while a LOP measurement runs (its step) and on a build with a distal pulse
 * sensor that is sending (the pulse beyond the cuff): present, fading, gone or unreadable.
 */
export function distalTelemetry(mode: Mode, distal: DistalPulseTrace | null, t: number): Pick<Telemetry, "lopStep" | "distalPulse"> {
  const progress = mode.kind === "lop" ? mode.progress() : null;
  const lopStep = progress && progress.stage !== "done" ? { lopStep: progress.stage } : {};
  if (!distal || distal.latestSeconds === null) return lopStep;
  return { ...lopStep, distalPulse: progress?.distalPulse ?? distal.status(t).state };
}

export function statusMessage(s: CuffSnapshot, cuff: number, ref: number): Status {
  return {
    type: "status",
    ref,
    cuff,
    t: round(s.t, 3),
    state: s.state,
    phase: s.phase,
    zeroed: s.zeroed,
    lop: s.lopMmhg,
    target: s.targetMmhg,
    limb: s.limb,
    plan: s.plan,
    set: s.set ?? 0,
    rep: s.rep,
    activeAlarms: s.activeAlarms.slice(0, LINK_LIMITS.activeAlarms),
    hostSilence: s.hostSilence,
    lastSummary: s.lastSummary === null ? null : summaryOf(s.lastSummary),
  };
}

export function summaryOf(report: SessionReport): SessionSummary {
  return {
    ok: report.ok,
    ending: report.ending,
    ...(report.fault !== null ? { fault: report.fault } : {}),
    endReason: reason(report.endReason),
    lopMmhg: roundOrNull(report.lopMmhg, 1),
    targetMmhg: roundOrNull(report.targetMmhg, 1),
    sets: report.sets.slice(0, MAX_SETS).map((set) => ({ ...set, seconds: round(set.seconds, 2) })),
    restrictionSeconds: round(report.restrictionSeconds, 1),
    exerciseWithin10: roundOrNull(report.exerciseWithin10, 4),
    restWithin5: roundOrNull(report.restWithin5, 4),
    peakMmhg: roundOrNull(report.peakMmhg, 1),
    alarms: report.alarms.slice(0, LINK_LIMITS.summaryAlarms).map((a) => ({ t: round(a.t, 2), kind: a.kind })),
  };
}

export function eventMessage(event: CoreEvent, cuff: number): FirmwareBody {
  const t = round(event.t, 3);
  switch (event.type) {
    case "state":
      return { type: "state", cuff, t, from: event.from, to: event.to, phase: event.phase, cause: event.cause, reason: reason(event.reason) };
    case "phase": {
      const { type, phase, set, reps, seconds } = event;
      return { type, cuff, t, phase, ...(set !== undefined ? { set } : {}), ...(reps !== undefined ? { reps } : {}), ...(seconds !== undefined ? { seconds } : {}) };
    }
    case "rep":
      return { type: "rep", cuff, t, set: event.set, rep: event.rep };
    case "alarm":
      return { type: "alarm", cuff, t, kind: event.kind, severity: event.severity, detail: detail(event.detail) };
    case "lop-result":
      return {
        type: "lop-result",
        cuff,
        t,
        ok: event.ok,
        mmhg: roundOrNull(event.mmhg, 1),
        quality: round(Math.min(1, Math.max(0, event.quality)), 3),
        reason: reason(event.reason),
        durationSeconds: round(event.durationSeconds, 2),
      };
    case "summary":
      return { type: "summary", cuff, t, summary: summaryOf(event.summary) };
  }
}
