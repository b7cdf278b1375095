/**
 * The host's commands: the gate says whether the cuff's state admits each one,
 * and only an admitted command changes anything.
 */
import type { Limb, Plan, Target } from "../../shared/plan.ts";
import type { HostMessage } from "../../shared/protocol/messages.ts";
import { ADMITTED, type CommandResult, gateAcknowledge, gateConfigure, gateInflate, type GateView, gateZero, refused } from "./command-gate.ts";
import { requestDeflate } from "./modes/deflate.ts";
import type { ModeHost } from "./modes/host.ts";
import { ZeroMode } from "./modes/idle.ts";
import { enterLop, inflateOrCheckClaim } from "./modes/lop.ts";
import { endSet } from "./modes/plans.ts";
import { changeTarget } from "./modes/session-step.ts";
import { planOverCap } from "./plan-rules.ts";
import type { Session } from "./session.ts";
import { resolveTarget } from "./targets.ts";

/** What the commands use of the controller besides what the modes use. */
export interface CommandHost extends ModeHost {
  gateView(t: number): GateView;
  /** The restriction cap the host configured (a plan may ask for less). */
  readonly restrictionCapLimitSeconds: number;
  newSession(plan: Plan, limb: Limb, t: number, manual: boolean): Session;
  /** Makes `session` the one under way, with no alarms or rule memory of the last one. */
  adopt(session: Session): void;
  acknowledgeFault(t: number): void;
  configure(message: Extract<HostMessage, { type: "configure" }>): void;
}

export function runCommand(host: CommandHost, message: HostMessage, t: number): CommandResult {
  switch (message.type) {
    case "hello":
    case "heartbeat":
    case "status-request":
      return ADMITTED;
    case "deflate":
      requestDeflate(host, t, "deflate-requested", "deflate requested");
      return ADMITTED;
    case "abort":
      requestDeflate(host, t, "aborted", "aborted by the host");
      return ADMITTED;
    case "ack-fault": {
      const gate = gateAcknowledge(host.gateView(t));
      if (gate.ok) host.acknowledgeFault(t);
      return gate;
    }
    case "zero": {
      const gate = gateZero(host.gateView(t));
      if (gate.ok) host.enter(t, new ZeroMode(t), "zero-requested", "zeroing with pump off and vent open");
      return gate;
    }
    case "measure-lop": {
      const gate = gateInflate(host.gateView(t));
      if (gate.ok) enterLop(host, t, message.limb ?? null, false);
      return gate;
    }
    case "start-session":
      return startSession(host, message.plan, message.limb, t);
    case "hold":
      return startHold(host, message.target, t);
    case "set-done":
      return setDone(host, t);
    case "configure": {
      const gate = gateConfigure(host.gateView(t), message);
      if (gate.ok) host.configure(message);
      return gate;
    }
  }
}

function startSession(host: CommandHost, plan: Plan, limb: Limb, t: number): CommandResult {
  const gate = gateInflate(host.gateView(t));
  if (!gate.ok) return gate;
  const overCap = planOverCap(plan, host.restrictionCapLimitSeconds);
  if (overCap) return refused("over-cap", overCap);
  const s = host.newSession(plan, limb, t, false);
  if (s.lopMmhg !== null || "mmhg" in plan.target) {
    const target = resolveTarget(plan, s.lopMmhg, host.limits);
    if (!target.ok) return refused("target-refused", target.detail);
    s.targetMmhg = target.targetMmhg;
    s.currentTargetMmhg = target.firstTargetMmhg;
  }
  host.adopt(s);
  if (s.lopMmhg === null) {
    // The target is resolved once the LOP is measured.
    s.targetMmhg = null;
    s.currentTargetMmhg = null;
    enterLop(host, t, limb, true);
    return ADMITTED;
  }
  if (!host.lop.alreadyConfirms(s.lopMmhg, limb)) host.lop.claim(s.lopMmhg, limb);
  inflateOrCheckClaim(host, t, s);
  return ADMITTED;
}

/** A manual hold at a target: a continuous session without an end of its own; while one holds, a new target. */
function startHold(host: CommandHost, target: Target, t: number): CommandResult {
  const mode = host.mode;
  if (mode.kind === "continuous" && mode.session.manual) {
    const resolved = resolveTarget({ ...mode.session.plan, target }, host.lop.mmhg, host.limits);
    if (!resolved.ok) return refused("target-refused", resolved.detail);
    mode.session.targetMmhg = resolved.targetMmhg;
    changeTarget(mode.session, resolved.targetMmhg);
    return ADMITTED;
  }
  if (host.lop.mmhg === null && !host.lop.benchWithoutLop) {
    return refused("no-lop", "a target needs the limb's LOP: measure it (measure-lop), or give one (configure lopMmhg), which the cuff measures to check");
  }
  const gate = gateInflate(host.gateView(t));
  if (!gate.ok) return gate;
  const plan: Plan = { mode: "continuous", minutes: host.restrictionCapLimitSeconds / 60, target, lop: host.lop.mmhg ?? "measure" };
  const s = host.newSession(plan, host.lop.limb ?? "arm", t, true);
  s.lopMmhg = host.lop.mmhg;
  const resolved = resolveTarget(plan, s.lopMmhg, host.limits);
  if (!resolved.ok) return refused("target-refused", resolved.detail);
  s.targetMmhg = resolved.targetMmhg;
  s.currentTargetMmhg = resolved.firstTargetMmhg;
  host.adopt(s);
  inflateOrCheckClaim(host, t, s);
  return ADMITTED;
}

function setDone(host: CommandHost, t: number): CommandResult {
  const mode = host.mode;
  const setRunning = mode.kind === "continuous" || ((mode.kind === "sets" || mode.kind === "cycle") && mode.stage === "set");
  if (!setRunning) return refused("bad-state", "no set is running");
  endSet(host, mode, t, "set done by the host");
  return ADMITTED;
}
