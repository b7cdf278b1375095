/** Inflation to the session's target; once it is reached, the plan's first set begins. */
import { InflationLevel } from "../control/inflation-level.ts";
import { SAFETY_LIMITS } from "../safety/limits.ts";
import type { Session } from "../session.ts";
import type { HoldStyle } from "./holding.ts";
import type { ModeHost } from "./host.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";
import { beginPlan } from "./plans.ts";
import { changeTarget, holdingTick } from "./session-step.ts";

export class InflateMode implements ModeBase {
  readonly kind = "inflating";
  readonly state = "inflating";
  readonly phase = "inflate";
  readonly style: HoldStyle = { still: false, biased: false, exercising: false };

  /** Where the inflation levels off short of its target, if it does. */
  private readonly level: InflationLevel;

  constructor(
    readonly session: Session,
    startedSeconds: number,
  ) {
    this.level = new InflationLevel(startedSeconds, SAFETY_LIMITS.inflationMaxSeconds);
  }

  step(host: ModeHost, input: TickInput): ModeOutput {
    return holdingTick(host, this, input);
  }

  advance(host: ModeHost, input: TickInput, targetMmhg: number): void {
    if (!this.session.hold.settled) {
      this.holdWhatThePumpReaches(host, input, targetMmhg);
      return;
    }
    // Restriction counts from the moment the limb is held at the target.
    this.session.restrictionStartedSeconds ??= input.t;
    beginPlan(host, input.t, this.session);
  }

  /**
   * A pump that levels off short of the target (or is still climbing as the inflation's time
   * runs out) at a useful pressure: the session holds a little under what it reached, and the
   * user is told, rather than the session ending in a fault.
   */
  private holdWhatThePumpReaches(host: ModeHost, input: TickInput, targetMmhg: number): void {
    const verdict = this.level.update(input.t, input.estimate.mmhg, targetMmhg);
    if (verdict === null) return;
    const s = this.session;
    const how = verdict.reason === "levelled" ? "levels off" : "is still short near the inflation's 3-minute limit";
    host.raise(
      input.t,
      "pump-too-small",
      "warning",
      `the pump ${how} at ${verdict.levelMmhg.toFixed(0)} mmHg, short of the ${targetMmhg.toFixed(0)} mmHg target: a pump too small for this cuff, or a leak; the session holds ${verdict.holdMmhg.toFixed(0)} mmHg instead (a larger pump, or a narrower cuff, reaches the target)`,
    );
    s.targetMmhg = Math.min(s.targetMmhg ?? verdict.holdMmhg, verdict.holdMmhg);
    changeTarget(s, Math.min(targetMmhg, verdict.holdMmhg));
  }

  remainingSeconds(): number | null {
    return null;
  }
}

export function enterInflate(host: ModeHost, t: number, session: Session): void {
  session.stepStartedSeconds = t;
  changeTarget(session, session.currentTargetMmhg!);
  host.enter(t, new InflateMode(session, t), "inflating", `inflating to ${session.currentTargetMmhg!.toFixed(0)} mmHg`);
  host.emit({ type: "phase", t, phase: "inflate" });
}
