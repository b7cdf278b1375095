/**
 * Which host commands the cuff admits in its present state, and why it refuses
 * the others. Pure: the controller asks before it acts, so a refused command
 * changes nothing.
 */
import { DEFLATED_MMHG } from "../../shared/limits.ts";
import type { AlarmKind, HostMessage, NackReason, StateName } from "../../shared/protocol/messages.ts";

export type CommandResult = { ok: true } | { ok: false; reason: NackReason; detail: string };

export const ADMITTED: CommandResult = Object.freeze({ ok: true });

export function refused(reason: NackReason, detail: string): CommandResult {
  return { ok: false, reason, detail };
}

export interface GateView {
  state: StateName;
  /** The latched fault, if any. */
  fault: AlarmKind | null;
  zeroed: boolean;
  /** Seconds of the deflated rest between exercises still to run (0 or less: none). */
  restLeftSeconds: number;
  /** The reading of the last tick, mmHg (NaN before one or when unusable). */
  mmhg: number;
}

const latched = (view: GateView) => refused("fault-latched", `a ${view.fault} fault is latched; acknowledge it first`);

export function gateZero(view: GateView): CommandResult {
  if (view.fault) return latched(view);
  if (view.state !== "vented") return refused("bad-state", `cannot zero while ${view.state}; zeroing needs the cuff vented`);
  return ADMITTED;
}

/** Anything that inflates the cuff (a LOP measurement, a session, a hold) needs a zeroed sensor, a vented cuff and the rest between exercises. */
export function gateInflate(view: GateView): CommandResult {
  if (view.fault) return latched(view);
  if (!view.zeroed) return refused("not-zeroed", "zero the sensor first (pump off, vent open, cuff empty)");
  if (view.state !== "vented") return refused("busy", `the cuff is ${view.state}; deflate first`);
  if (view.restLeftSeconds > 0) return refused("rest-enforced", `rest ${Math.ceil(view.restLeftSeconds)} s more with the cuff deflated before the next exercise`);
  return ADMITTED;
}

export function gateAcknowledge(view: GateView): CommandResult {
  if (view.state !== "fault") return refused("bad-state", "no fault is latched");
  const p = view.mmhg;
  if (!(p < DEFLATED_MMHG)) {
    const reading = Number.isFinite(p) ? `${p.toFixed(0)} mmHg` : "no valid pressure";
    return refused("bad-state", `the cuff still reads ${reading}; it must be deflated below ${DEFLATED_MMHG} mmHg`);
  }
  return ADMITTED;
}

/** Limits (ceilings, caps, a configured LOP) change only with the cuff vented; the host-silence policy any time. */
export function gateConfigure(view: GateView, message: Extract<HostMessage, { type: "configure" }>): CommandResult {
  const changesLimits =
    message.ceilingMmhg !== undefined || message.maxPercentLop !== undefined || message.restrictionCapSeconds !== undefined || message.lopMmhg !== undefined;
  if (changesLimits && view.state !== "vented" && view.state !== "fault") return refused("busy", "limits can change only while the cuff is vented");
  return ADMITTED;
}
