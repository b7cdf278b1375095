/**
 * What the cuff knows of the limb's occlusion pressure, and how it knows it. A LOP
 * the firmware measured itself is known; any other (a host's claim, a Doppler
 * figure, a profile's) is a claim, checked against the firmware's own measurement
 * on the first inflation that would use it. Pure.
 */
import type { Limb } from "../../shared/plan.ts";

export const LOP_CLAIM = {
  /**
   * A claim this far above the firmware's own reading (a share of it plus a margin), the reading's
   * own scatter, is taken as agreeing; further above, it is refused. An agreeing claim is used only
   * as far as the reading goes: the lower of the two is the LOP.
   */
  toleranceShare: 0.05,
  toleranceMmhg: 5,
  /** A claim this close to the LOP already known for the same limb is that LOP (a host repeating the firmware's own figure). */
  sameMmhg: 0.5,
} as const;

/** The largest arterial pulsation the cuff saw on its way over the limb's LOP, and where. */
export interface PulsationEnvelope {
  maxPulsationMmhg: number;
  maxAtMmhg: number;
}

export class LimbLop {
  mmhg: number | null = null;
  limb: Limb | null = null;
  /** Measured by this firmware, or a claim its own measurement confirmed. */
  verified = false;
  /** From the measurement that confirmed it; null when the pulsations were too weak to keep. */
  envelope: PulsationEnvelope | null = null;

  constructor(
    /**
     * Bench acceptance on a mock limb (chosen where the firmware is started, never over the link):
     * with no limb there is no LOP, and holds go up to the ceiling's limit without one.
     */
    readonly onBench = false,
  ) {}

  /** A target may be held without a LOP: only on the bench, before any is known. */
  get benchWithoutLop(): boolean {
    return this.onBench && this.mmhg === null;
  }

  /** A host's figure: used only once the firmware's own measurement confirms it. */
  claim(mmhg: number, limb: Limb | null): void {
    this.mmhg = mmhg;
    this.limb = limb;
    this.verified = false;
    this.envelope = null;
  }

  /** The firmware's own reading (or a claim it confirmed) for this limb. */
  confirm(mmhg: number, limb: Limb | null, envelope: PulsationEnvelope | null): void {
    this.mmhg = mmhg;
    this.limb = limb;
    this.verified = true;
    this.envelope = envelope;
  }

  forget(): void {
    this.mmhg = null;
    this.verified = false;
    this.envelope = null;
  }

  /** The claim is the LOP already confirmed for this limb. */
  alreadyConfirms(claimMmhg: number, limb: Limb | null): boolean {
    return this.verified && this.mmhg !== null && this.limb === limb && Math.abs(this.mmhg - claimMmhg) <= LOP_CLAIM.sameMmhg;
  }
}

/** Why a claim is refused against the firmware's own reading, or null when the reading bears it out. */
export function claimRefusal(claimMmhg: number, measuredMmhg: number): string | null {
  const highest = measuredMmhg * (1 + LOP_CLAIM.toleranceShare) + LOP_CLAIM.toleranceMmhg;
  if (claimMmhg <= highest) return null;
  return (
    `the cuff measured this limb's LOP at ${measuredMmhg.toFixed(0)} mmHg, below the claimed ${claimMmhg.toFixed(0)} mmHg ` +
    `(claims up to ${highest.toFixed(0)} mmHg agree with it): the claim is refused; use the measured LOP or check the figure`
  );
}
