/**
 * Occlusion is a fact the limb shows, not a number the cuff is told: while the cuff
 * holds or inflates (outside its own LOP measurement, which must cross the LOP), the
 * distal pulse vanishing, or the cuff's own pulsation fading far down the flank past
 * the LOP, vents and faults whatever the target and the LOP say.
 */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { Sustained, type SafetyInput, type SafetyRule } from "../rule.ts";

const WATCHED = new Set(["inflating", "regulating", "releasing"]);

export class OcclusionRule implements SafetyRule {
  readonly kind = "occlusion";
  readonly severity = "fault";
  readonly latches = true;
  readonly description =
    `holding or inflating, the distal pulse under ${100 * L.occludedDistalShare} % of its size with the cuff empty for ${L.occludedDistalSeconds} s, ` +
    `or the cuff's pulsation in a still hold at ${100 * L.occlusionJudgedFromLopFraction} % of the LOP or more under ${100 * L.occludedPulsationShare} % of the largest the LOP measurement passed over (judged where that share stands above the sensor's noise): the limb is occluded`;
  private readonly distalGone = new Sustained();

  check(input: SafetyInput): string | null {
    if (!WATCHED.has(input.state)) {
      this.distalGone.reset();
      return null;
    }
    const p = input.estimate.mmhg;
    const distal = input.diagnostics.distalPulseShare;
    if (this.distalGone.check(input.t, distal !== null && distal < L.occludedDistalShare, L.occludedDistalSeconds)) {
      return `the pulse beyond the cuff has stopped at ${p.toFixed(0)} mmHg (${(100 * distal!).toFixed(0)} % of its size with the cuff empty): the limb is occluded`;
    }
    const share = input.diagnostics.pulsationShare;
    if (share !== null && share < L.occludedPulsationShare) {
      return `the cuff's arterial pulsation at ${p.toFixed(0)} mmHg has faded to ${(100 * share).toFixed(0)} % of its largest: the limb is occluded`;
    }
    return null;
  }

  reset(): void {
    this.distalGone.reset();
  }
}
