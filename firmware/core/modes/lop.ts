/** Limb occlusion pressure, measured on its own or as a session's first step. */
import type { Limb } from "../../../shared/plan.ts";
import { SAFE_ACTUATION } from "../actuation.ts";
import type { LopProcedure, LopProgress } from "../lop/procedure.ts";
import { resolveTarget } from "../targets.ts";
import { enterDeflate, requestDeflate } from "./deflate.ts";
import type { ModeHost } from "./host.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";

export class LopMode implements ModeBase {
  readonly kind = "lop";
  readonly state = "lop";
  readonly phase = "lop";

  constructor(
    private readonly procedure: LopProcedure,
    /** The measurement is the first step of the session under way. */
    readonly forSession: boolean,
    readonly limb: Limb | null,
  ) {}

  /** What the measurement is doing now, for telemetry. */
  progress(): LopProgress {
    return this.procedure.progress();
  }

  step(host: ModeHost, { t, estimate }: TickInput): ModeOutput {
    const { actuation, outcome } = this.procedure.step(t, estimate);
    if (!outcome) return { actuation };
    host.emit({ type: "lop-result", t, ok: outcome.ok, mmhg: outcome.mmhg, quality: outcome.quality, reason: outcome.reason, durationSeconds: outcome.durationSeconds });
    // The distal reading stands, but the cuff's own disagreed: the user is told, not only in the result's reason.
    if (outcome.disagreementMmhg !== undefined) host.raise(t, "lop-disagreement", "warning", outcome.reason);
    const measured = outcome.ok ? outcome.mmhg : null;
    if (measured !== null) {
      host.lop.mmhg = measured;
      host.lop.limb = this.limb;
    } else {
      host.raise(t, "lop-failed", "warning", outcome.reason);
    }
    const session = host.session;
    if (this.forSession && session) {
      if (measured === null) {
        requestDeflate(host, t, "lop-rejected", `LOP measurement rejected: ${outcome.reason}`);
        return { actuation: SAFE_ACTUATION };
      }
      session.lopMmhg = measured;
      const target = resolveTarget(session.plan, measured, host.limits);
      if (!target.ok) {
        requestDeflate(host, t, "target-refused", target.detail);
        return { actuation: SAFE_ACTUATION };
      }
      session.targetMmhg = target.targetMmhg;
      session.currentTargetMmhg = target.firstTargetMmhg;
      // Deflate fully between the measurement and the session: the limb gets its blood back first.
      enterDeflate(host, t, "lop-measured", "LOP measured; deflating before the session", true);
      return { actuation: SAFE_ACTUATION };
    }
    enterDeflate(host, t, outcome.ok ? "lop-measured" : "lop-rejected", outcome.ok ? "LOP measured" : "LOP measurement rejected");
    return { actuation: SAFE_ACTUATION };
  }
}

export function enterLop(host: ModeHost, t: number, limb: Limb | null, forSession: boolean): void {
  host.enter(t, new LopMode(host.createLop(t, limb), forSession, limb), "lop-requested", "measuring limb occlusion pressure");
  host.emit({ type: "phase", t, phase: "lop" });
}
