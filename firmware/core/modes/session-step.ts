/** The tick every mode that holds a session's target shares: caps, peak, settling, then the mode, then regulation. */
import { SAFE_ACTUATION } from "../actuation.ts";
import type { Session } from "../session.ts";
import { requestDeflate } from "./deflate.ts";
import type { HoldStyle } from "./holding.ts";
import type { ModeHost } from "./host.ts";
import { isHoldingMode, type ModeOutput, type TickInput } from "./mode.ts";

export interface HoldingStep {
  readonly session: Session;
  readonly style: HoldStyle;
  /** The mode's own rules for this tick (sets, rests, holds); it may hand over to another mode. */
  advance(host: ModeHost, input: TickInput, targetMmhg: number): void;
}

export function holdingTick(host: ModeHost, mode: HoldingStep, input: TickInput): ModeOutput {
  const { t, estimate } = input;
  const s = mode.session;
  const target = s.currentTargetMmhg!;
  const p = estimate.mmhg;
  const cap = host.restrictionCapSeconds(s);
  if (s.restrictionStartedSeconds !== null && t - s.restrictionStartedSeconds >= cap) {
    host.raise(t, "restriction-cap", "warning", `restriction time reached its ${Math.round(cap)} s cap`);
    requestDeflate(host, t, "restriction-cap", "restriction time cap reached");
    return { actuation: SAFE_ACTUATION };
  }
  if (Number.isFinite(p)) s.peakMmhg = Math.max(s.peakMmhg ?? p, p);
  s.hold.track(t, s.hold.cuffMmhg(p), target);
  mode.advance(host, input, target);
  const active = host.mode;
  if (!isHoldingMode(active) || active.session !== s) return { actuation: SAFE_ACTUATION };
  const output = s.hold.step(t, estimate, input.dtSeconds, s.currentTargetMmhg!, active.style, s.lopMmhg, host.lop.envelope);
  const inSet = active.kind === "sets" && active.stage === "set";
  return inSet ? { ...output, diagnostics: { ...output.diagnostics, repIntervalSeconds: s.repCounter?.meanIntervalSeconds ?? null } } : output;
}

/** The session's step now regulates to a new target, approached afresh. */
export function changeTarget(session: Session, targetMmhg: number): void {
  session.hold.retarget();
  session.currentTargetMmhg = targetMmhg;
}
