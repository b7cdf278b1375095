/** Deflation: from any state, until the cuff reads empty; then the session ends (or, after its LOP, inflates). */
import { DEFLATED_MMHG } from "../../../shared/limits.ts";
import type { SessionEnding, StateCause } from "../../../shared/protocol/messages.ts";
import { SAFE_ACTUATION, SEALED } from "../actuation.ts";
import { SAFETY_LIMITS } from "../safety/limits.ts";
import { NO_DIAGNOSTICS } from "../safety/rule.ts";
import type { ModeHost } from "./host.ts";
import { VentedMode } from "./idle.ts";
import { enterInflate } from "./inflate.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";

export const DEFLATING = {
  /** The cuff counts as vented this far below the deflated threshold, so sensor noise and offset cannot cut it short... */
  ventedMarginMmhg: 5,
  /** ...held for this long with the vent open... */
  confirmSeconds: 0.3,
  /**
   * ...and then with the vent shut for this long: the sensor sits on the pump's side of the hose,
   * which an open vent can empty while the cuff behind a narrow hose is still full (5 m of 2 mm
   * hose refills from the cuff within about 0.3 s of the vent shutting).
   */
  ventShutCheckSeconds: 0.3,
} as const;

/** How a session that deflates for this cause ends. */
const ENDING: Partial<Record<StateCause, SessionEnding>> = {
  "plan-complete": "completed",
  "deflate-requested": "stopped",
  aborted: "aborted",
  "host-silent": "host-silent",
  "restriction-cap": "restriction-cap",
  "lop-rejected": "lop-failed",
  "target-refused": "target-refused",
};

export function sessionEnding(cause: StateCause): SessionEnding {
  return ENDING[cause] ?? "stopped";
}

/**
 * Vent until the reading stays under the deflated threshold, with the vent open and then with it
 * shut for a moment: the sensor reads the pump's side of the hose, which an open vent empties faster
 * than a narrow hose lets the cuff follow. A hose that refills while the vent is shut has a cuff
 * behind it still inflated: venting goes on. A reading that fell from over 50 mmHg to under the
 * threshold faster than any cuff vents and stays there with the vent shut is the hose alone, cut off
 * from a cuff still inflated behind a kink, which the hose-kink rule names.
 */
export class DeflateMode implements ModeBase {
  readonly kind = "deflating";
  readonly state = "deflating";
  readonly phase = "deflate";
  private belowSince: number | null = null;
  private shutSince: number | null = null;
  /** The readings with the vent shut, summed: their mean is what the shut check reports. */
  private shutSum = 0;
  private shutCount = 0;
  /** The reading fell too fast for a cuff: the check with the vent shut decides between a narrow hose and a kink. */
  private tooFast = false;

  constructor(
    readonly cause: StateCause,
    readonly reason: string,
    /** Deflating between the session's LOP and its inflation: the session goes on afterwards. */
    private readonly thenInflate: boolean,
    /** The last time the reading stood above fastDeflationFromMmhg. */
    private aboveFastFromSeconds: number | null,
  ) {}

  step(host: ModeHost, { t, estimate }: TickInput): ModeOutput {
    const p = Number.isFinite(estimate.mmhg) ? estimate.mmhg : Number.POSITIVE_INFINITY;
    if (this.shutSince !== null) {
      this.shutSum += p;
      this.shutCount++;
      if (p < DEFLATED_MMHG && t - this.shutSince < DEFLATING.ventShutCheckSeconds) return { actuation: SEALED };
      const shutMeanMmhg = this.shutSum / this.shutCount;
      this.shutSince = null;
      this.belowSince = null;
      this.aboveFastFromSeconds = null;
      const tooFast = this.tooFast;
      this.tooFast = false;
      // Stayed empty with the vent shut: deflated (or, after a too-fast fall, the hose-kink rule's verdict).
      if (p < DEFLATED_MMHG && !tooFast) this.finish(host, t);
      return { actuation: SAFE_ACTUATION, diagnostics: tooFast ? { ...NO_DIAGNOSTICS, ventShutCheckMmhg: shutMeanMmhg } : NO_DIAGNOSTICS };
    }
    if (p > SAFETY_LIMITS.fastDeflationFromMmhg) this.aboveFastFromSeconds = t;
    if (p < DEFLATED_MMHG - DEFLATING.ventedMarginMmhg) {
      const tooFast = this.aboveFastFromSeconds !== null && t - this.aboveFastFromSeconds < SAFETY_LIMITS.fastestDeflationSeconds;
      this.belowSince ??= t;
      if (tooFast || t - this.belowSince >= DEFLATING.confirmSeconds) {
        this.tooFast = tooFast;
        this.shutSince = t;
        this.shutSum = 0;
        this.shutCount = 0;
        return { actuation: SEALED };
      }
    } else {
      this.belowSince = null;
    }
    return { actuation: SAFE_ACTUATION };
  }

  private finish(host: ModeHost, t: number): void {
    const session = host.session;
    if (session && this.thenInflate) {
      enterInflate(host, t, session);
      return;
    }
    if (session) host.endSession(t, sessionEnding(this.cause), this.reason);
    host.enter(t, new VentedMode(), this.cause, this.reason);
  }
}

/** Starts deflating. `thenInflate`: the session's LOP is measured and its inflation follows. */
export function enterDeflate(host: ModeHost, t: number, cause: StateCause, reason: string, thenInflate = false): void {
  const session = host.session;
  if (session) {
    if (session.restrictionStartedSeconds !== null || host.mode.kind === "inflating") host.restrictionEndedSeconds = t;
    if (!thenInflate) session.restrictionStartedSeconds ??= session.stepStartedSeconds;
    session.stepStartedSeconds = t;
  }
  const from = host.lastEstimate?.mmhg ?? 0;
  host.enter(t, new DeflateMode(cause, reason, thenInflate, from > SAFETY_LIMITS.fastDeflationFromMmhg ? t : null), cause, reason);
  host.emit({ type: "phase", t, phase: "deflate" });
}

/** Deflate from any state; a latched fault stays latched (its state is already vented). */
export function requestDeflate(host: ModeHost, t: number, cause: StateCause, reason: string): void {
  const kind = host.mode.kind;
  if (kind === "fault") return;
  if (kind === "vented" || kind === "zeroing") {
    if (kind === "zeroing") host.enter(t, new VentedMode(), cause, reason);
    if (host.session) host.endSession(t, sessionEnding(cause), reason);
    return;
  }
  enterDeflate(host, t, cause, reason);
}
