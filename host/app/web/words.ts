/** What the page says about the cuff, in plain words. */
import type { AlarmKind, Phase, StateName } from "../../../shared/protocol/index.ts";

const ALARM_WORDS: Partial<Record<AlarmKind, string>> = {
  overpressure: "Pressure above the safe ceiling",
  "above-lop-ceiling": "Pressure above the limit set from your LOP",
  deviation: "Pressure off target",
  leak: "Air leak",
  "slow-leak": "Slow air leak",
  "sensor-nan": "Pressure sensor fault",
  "sensor-out-of-range": "Pressure sensor reads out of range",
  "sensor-disconnected": "Pressure sensor disconnected",
  "sensor-stuck": "Pressure sensor stuck",
  "sensor-slope": "Pressure sensor jumped",
  "sensor-stale": "Pressure sensor stopped reporting",
  "sensor-drift": "Pressure sensor drifting",
  "sensor-disagreement": "The two pressure sensors disagree",
  "pump-dead": "Pump not working",
  "hose-kink": "Hose kinked or blocked",
  "valve-stuck-closed": "Vent valve stuck closed",
  "cuff-off": "Cuff not on a limb, or burst",
  "target-not-reached": "Target pressure not reached",
  "restriction-cap": "Restriction time limit reached",
  "host-silent": "The cuff lost its app",
  "board-lost": "Lost the cuff's board",
  "guard-tripped": "The board's guard vented the cuff",
  "lop-failed": "LOP measurement failed",
};

export function alarmTitle(kind: string): string {
  return ALARM_WORDS[kind as AlarmKind] ?? kind.replace(/-/g, " ");
}

const STATE_WORDS: Record<StateName, string> = {
  vented: "vented",
  zeroing: "zeroing the sensor",
  lop: "measuring LOP",
  inflating: "inflating",
  regulating: "holding pressure",
  releasing: "releasing",
  deflating: "deflating",
  fault: "fault: pump off, vent open",
};

/** The status line: "vented" whenever the cuff is vented (the tests and screen readers rely on it). */
export function stateWords(state: StateName | null): string {
  return state === null ? "waiting for the cuff" : `Cuff ${STATE_WORDS[state]}`;
}

const PHASE_WORDS: Record<Phase, string> = {
  idle: "Ready",
  zero: "Zeroing - cuff open",
  lop: "Measuring LOP - keep still",
  inflate: "Inflating",
  set: "Set",
  rest: "Rest - cuff stays inflated",
  deflate: "Deflating",
  fault: "Fault - cuff vented",
};

export function phaseWords(phase: Phase): string {
  return PHASE_WORDS[phase];
}

export function clockText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
