/** Inflation to the session's target; once it is reached, the plan's first set begins. */
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

  constructor(readonly session: Session) {}

  step(host: ModeHost, input: TickInput): ModeOutput {
    return holdingTick(host, this, input);
  }

  advance(host: ModeHost, input: TickInput): void {
    if (!this.session.hold.settled) return;
    // Restriction counts from the moment the limb is held at the target.
    this.session.restrictionStartedSeconds ??= input.t;
    beginPlan(host, input.t, this.session);
  }

  remainingSeconds(): number | null {
    return null;
  }
}

export function enterInflate(host: ModeHost, t: number, session: Session): void {
  session.stepStartedSeconds = t;
  changeTarget(session, session.currentTargetMmhg!);
  host.enter(t, new InflateMode(session), "inflating", `inflating to ${session.currentTargetMmhg!.toFixed(0)} mmHg`);
  host.emit({ type: "phase", t, phase: "inflate" });
}
