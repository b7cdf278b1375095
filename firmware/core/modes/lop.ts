/**
 * Limb occlusion pressure, measured on its own or as a session's first step. A
 * session on a host's LOP claim starts with this measurement too: a claim the limb's
 * own reading does not bear out is refused with a sentence; one it does is taken as
 * far as the reading goes (the lower of the two).
 */
import type { Limb } from "../../../shared/plan.ts";
import { SAFE_ACTUATION } from "../actuation.ts";
import { OcclusionMonitor } from "../diagnostics/occlusion-monitor.ts";
import { claimRefusal } from "../limb-lop.ts";
import type { LopOutcome, LopProcedure, LopProgress } from "../lop/procedure.ts";
import type { Session } from "../session.ts";
import { resolveTarget } from "../targets.ts";
import { enterDeflate, requestDeflate } from "./deflate.ts";
import type { ModeHost } from "./host.ts";
import { enterInflate } from "./inflate.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";

export class LopMode implements ModeBase {
  readonly kind = "lop";
  readonly state = "lop";
  readonly phase = "lop";
  /** The pulsation envelope of this measurement, which later holds judge their pulsation against. */
  private readonly pulsation: OcclusionMonitor;

  constructor(
    private readonly procedure: LopProcedure,
    /** The measurement is the first step of the session under way. */
    readonly forSession: boolean,
    readonly limb: Limb | null,
    sampleHz: number,
  ) {
    this.pulsation = new OcclusionMonitor(sampleHz);
  }

  /** What the measurement is doing now, for telemetry. */
  progress(): LopProgress {
    return this.procedure.progress();
  }

  step(host: ModeHost, { t, estimate }: TickInput): ModeOutput {
    const { actuation, outcome } = this.procedure.step(t, estimate);
    this.pulsation.update(t, estimate.rawMmhg, estimate.mmhg, !outcome);
    if (!outcome) return { actuation };
    host.emit({ type: "lop-result", t, ok: outcome.ok, mmhg: outcome.mmhg, quality: outcome.quality, reason: outcome.reason, durationSeconds: outcome.durationSeconds });
    // The distal reading stands, but the cuff's own disagreed: the user is told, not only in the result's reason.
    if (outcome.disagreementMmhg !== undefined) host.raise(t, "lop-disagreement", "warning", outcome.reason);
    const session = this.forSession ? host.session : null;
    const claim = session?.claimedLopMmhg ?? null;
    const measured = outcome.ok ? outcome.mmhg : null;
    if (measured !== null) {
      // A claim can only lower the LOP the cuff works to, never raise it past the limb's own reading.
      const agreed = claim !== null && claimRefusal(claim, measured) === null;
      host.lop.confirm(agreed ? Math.min(claim, measured) : measured, this.limb, this.pulsation.envelope());
    } else {
      host.raise(t, "lop-failed", "warning", outcome.reason);
      if (claim !== null) host.lop.forget();
    }
    if (session) {
      this.continueSession(host, t, session, claim, outcome);
      return { actuation: SAFE_ACTUATION };
    }
    enterDeflate(host, t, outcome.ok ? "lop-measured" : "lop-rejected", outcome.ok ? "LOP measured" : "LOP measurement rejected");
    return { actuation: SAFE_ACTUATION };
  }

  private continueSession(host: ModeHost, t: number, session: Session, claim: number | null, outcome: LopOutcome): void {
    if (outcome.mmhg === null || !outcome.ok) {
      const why = claim === null ? "LOP measurement rejected" : `the claimed LOP of ${claim.toFixed(0)} mmHg could not be checked`;
      requestDeflate(host, t, "lop-rejected", `${why}: ${outcome.reason}`);
      return;
    }
    const refusal = claim === null ? null : claimRefusal(claim, outcome.mmhg);
    if (refusal !== null) {
      host.raise(t, "lop-failed", "warning", refusal);
      requestDeflate(host, t, "lop-rejected", refusal);
      return;
    }
    session.lopMmhg = host.lop.mmhg;
    const target = resolveTarget(session.plan, session.lopMmhg, host.limits);
    if (!target.ok) {
      requestDeflate(host, t, "target-refused", target.detail);
      return;
    }
    session.targetMmhg = target.targetMmhg;
    session.currentTargetMmhg = target.firstTargetMmhg;
    // Deflate fully between the measurement and the session: the limb gets its blood back first.
    const reason =
      claim === null
        ? "LOP measured; deflating before the session"
        : `the measured ${outcome.mmhg.toFixed(0)} mmHg bears out the claimed LOP of ${claim.toFixed(0)} mmHg; the session works to ${session.lopMmhg!.toFixed(0)} mmHg; deflating first`;
    enterDeflate(host, t, "lop-measured", reason, true);
  }
}

export function enterLop(host: ModeHost, t: number, limb: Limb | null, forSession: boolean): void {
  host.enter(t, new LopMode(host.createLop(t, limb), forSession, limb, host.sampleHz), "lop-requested", "measuring limb occlusion pressure");
  host.emit({ type: "phase", t, phase: "lop" });
}

/** A session inflates on a LOP the firmware confirmed; on a host's claim, its first step is the firmware's own measurement. */
export function inflateOrCheckClaim(host: ModeHost, t: number, session: Session): void {
  if (host.lop.verified || host.lop.benchWithoutLop) {
    enterInflate(host, t, session);
    return;
  }
  session.claimedLopMmhg = session.lopMmhg;
  enterLop(host, t, host.lop.limb, true);
}
