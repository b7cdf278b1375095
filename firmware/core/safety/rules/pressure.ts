/** Rules on the cuff pressure against its limits and its target. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { highestMmhg } from "../../estimator.ts";
import { holding, Sustained, type SafetyInput, type SafetyRule } from "../rule.ts";

export class OverpressureRule implements SafetyRule {
  readonly kind = "overpressure";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = "either sensor reads at or above the ceiling (300 mmHg or lower if configured)";
  private readonly over = new Sustained();

  check(input: SafetyInput): string | null {
    const p = highestMmhg(input.estimate);
    return this.over.check(input.t, p >= input.ceilingMmhg, L.overpressureSeconds)
      ? `pressure ${p.toFixed(0)} mmHg reached the ${input.ceilingMmhg} mmHg ceiling`
      : null;
  }

  reset(): void {
    this.over.reset();
  }
}

/** Outside the LOP measurement (which must cross it), the cuff never holds at or above the LOP. */
export class AboveLopRule implements SafetyRule {
  readonly kind = "above-lop-ceiling";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `either sensor reads at or above the measured LOP for ${L.aboveLopSeconds} s`;
  private readonly above = new Sustained();

  check(input: SafetyInput): string | null {
    const lop = input.lopMmhg;
    // The LOP measurement must cross the LOP; a deflation (vent open, pump off) only passes back down through it.
    if (lop === null || input.state === "lop" || input.state === "deflating") return null;
    const p = highestMmhg(input.estimate);
    return this.above.check(input.t, p >= lop, L.aboveLopSeconds) ? `pressure ${p.toFixed(0)} mmHg at or above the LOP of ${lop.toFixed(0)} mmHg` : null;
  }

  reset(): void {
    this.above.reset();
  }
}

export class CuffOffRule implements SafetyRule {
  readonly kind = "cuff-off";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `pressure collapses below ${L.cuffOffMmhg} mmHg for ${L.cuffOffSeconds} s while the cuff should be inflated and the vent is closed`;
  private readonly collapsed = new Sustained();

  check(input: SafetyInput): string | null {
    if (!holding(input) || input.state !== "regulating") return null;
    const collapsed = input.settled && input.estimate.mmhg < L.cuffOffMmhg && input.proposed.vent < L.shutVent;
    return this.collapsed.check(input.t, collapsed, L.cuffOffSeconds) ? "cuff pressure collapsed: the cuff is off the limb or has burst" : null;
  }

  reset(): void {
    this.collapsed.reset();
  }
}

export class DeviationRule implements SafetyRule {
  readonly kind = "deviation";
  readonly severity = "warning";
  readonly latches = false;
  readonly description = `pressure more than ${L.deviationMmhg} mmHg from target for over ${L.deviationSeconds} s while holding`;
  private readonly off = new Sustained();

  check(input: SafetyInput): string | null {
    const target = input.targetMmhg;
    const off = holding(input) && input.settled && Math.abs(input.estimate.mmhg - target!) > L.deviationMmhg;
    // "Over" the time: one sample past it.
    return this.off.check(input.t, off, L.deviationSeconds + 0.01)
      ? `pressure ${input.estimate.mmhg.toFixed(0)} mmHg is more than ${L.deviationMmhg} mmHg from the ${target!.toFixed(0)} mmHg target`
      : null;
  }

  reset(): void {
    this.off.reset();
  }
}
