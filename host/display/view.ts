/**
 * What the live display shows, folded from the link's telemetry and events.
 * Pure: (view, message) -> view.
 */
import type { Limb, Plan } from "../../shared/plan.ts";
import type { AlarmKind, Phase, Severity, StateName, TelemetryMessage } from "../../shared/protocol/index.ts";
import type { CuffEvent } from "../client/client.ts";

export interface AlarmLine {
  t: number;
  kind: AlarmKind;
  severity: Severity;
  detail: string;
}

export interface SessionView {
  title: string;
  limb: Limb | null;
  /** Planned reps per set, when the plan is a sets plan. */
  plannedSets: number[] | null;
  restSeconds: number | null;
  t: number | null;
  startT: number | null;
  mmhg: number | null;
  target: number | null;
  lop: number | null;
  state: StateName | null;
  phase: Phase;
  set: number;
  rep: number;
  /** Seconds left in a rest (from telemetry). */
  remaining: number | null;
  pump: number;
  vent: number;
  alarms: AlarmLine[];
  link: "connected" | "reconnecting";
  lastMessage: string | null;
  ended: boolean;
  /** Progress as last computed in a set or rest, kept through faults and the end. */
  progress: number | null;
}

/** Seconds a rep is assumed to take for the progress bar (the cadence of the reference scenarios). */
export const NOMINAL_REP_SECONDS = 2;

export function initialView(title: string, limb: Limb | null, plan: Plan | null): SessionView {
  const sets = plan?.mode === "sets" ? plan.sets : null;
  const rest = plan?.mode === "sets" ? plan.restSeconds : null;
  return {
    title,
    limb,
    plannedSets: sets,
    restSeconds: rest,
    t: null,
    startT: null,
    mmhg: null,
    target: null,
    lop: null,
    state: null,
    phase: "idle",
    set: 0,
    rep: 0,
    remaining: null,
    pump: 0,
    vent: 1,
    alarms: [],
    link: "connected",
    lastMessage: null,
    ended: false,
    progress: null,
  };
}

export function foldTelemetry(view: SessionView, m: TelemetryMessage): SessionView {
  return withProgress({
    ...view,
    t: m.t,
    startT: view.startT ?? m.t,
    mmhg: m.mmhg,
    target: m.target,
    lop: m.lop ?? view.lop,
    state: m.state,
    phase: m.phase,
    set: m.set ?? view.set,
    rep: m.rep ?? view.rep,
    remaining: m.remaining ?? null,
    pump: m.pump,
    vent: m.vent,
  });
}

export function foldEvent(view: SessionView, e: CuffEvent): SessionView {
  const next: SessionView = { ...view, t: e.t, startT: view.startT ?? e.t };
  switch (e.type) {
    case "state":
      next.state = e.to;
      next.phase = e.phase;
      break;
    case "phase":
      next.phase = e.phase;
      if (e.set !== undefined) next.set = e.set;
      if (e.phase === "set") next.rep = 0;
      if (e.phase === "rest") next.remaining = e.seconds ?? view.restSeconds;
      break;
    case "rep":
      next.set = e.set;
      next.rep = e.rep;
      break;
    case "alarm":
      next.alarms = [...view.alarms, { t: e.t, kind: e.kind, severity: e.severity, detail: e.detail }].slice(-4);
      break;
    case "lop-result":
      if (e.ok && e.mmhg !== null) next.lop = e.mmhg;
      next.lastMessage = e.ok ? `LOP measured: ${Math.round(e.mmhg ?? 0)} mmHg` : `LOP measurement failed: ${e.reason}`;
      break;
    case "summary":
      next.ended = true;
      if (e.summary.lopMmhg !== null) next.lop = e.summary.lopMmhg;
      // a session ended by the host (deflate) may still report ok: full only when every set ran
      if (e.summary.ok && view.plannedSets && e.summary.sets.length >= view.plannedSets.length) next.progress = 1;
      return next;
  }
  return withProgress(next);
}

function withProgress(view: SessionView): SessionView {
  const now = progressNow(view);
  return now === null ? view : { ...view, progress: now };
}

/** Fraction of the planned session done, by nominal time of sets and rests (kept where it stopped after a fault). */
export function sessionProgress(view: SessionView): number | null {
  if (!view.plannedSets) return null;
  return view.progress ?? 0;
}

/** Progress from the set and rest now under way; null outside them. */
function progressNow(view: SessionView): number | null {
  const sets = view.plannedSets;
  if (!sets || view.ended) return null;
  const rest = view.restSeconds ?? 0;
  const total = sets.reduce((sum, reps) => sum + reps * NOMINAL_REP_SECONDS, 0) + rest * (sets.length - 1);
  if (total <= 0) return null;
  const k = Math.min(view.set, sets.length);
  const repsBefore = (n: number) => sets.slice(0, n).reduce((sum, reps) => sum + reps, 0) * NOMINAL_REP_SECONDS;
  let done: number;
  if (view.phase === "set" && k >= 1) done = repsBefore(k - 1) + (k - 1) * rest + Math.min(view.rep, sets[k - 1]!) * NOMINAL_REP_SECONDS;
  else if (view.phase === "rest" && k >= 1) done = repsBefore(k) + (k - 1) * rest + Math.max(0, rest - (view.remaining ?? rest));
  else return null;
  return Math.min(1, done / total);
}
