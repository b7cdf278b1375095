/**
 * A hose kinked while the cuff inflates: the pump, running flat out, suddenly fills the hose's
 * pump side alone, several times faster than it was filling the cuff a moment before, and the
 * reading stays up once the pump eases off (nothing flows on into the cuff). A cuff filling at
 * full duty climbs ever more slowly as the pump nears its stall, or a little faster as its
 * bladder tightens; a knock dents the reading and it springs back to where it was, and the fill
 * goes on at its own pace.
 */
import { SAFETY_LIMITS as L } from "../limits.ts";
import type { SafetyInput } from "../rule.ts";
import { SecondsWindow } from "./windows.ts";

export class InflationRaceWatch {
  private readonly readings = new SecondsWindow(L.kinkRaceBaselineSeconds + L.kinkRaceRecentSeconds + 0.1);
  /** A race seen: when, the reading then, how far it had climbed, the fill's pace before it, and whether the pump stayed at full duty since. */
  private suspect: { t: number; mmhg: number; riseMmhg: number; paceMmhgPerSecond: number; stillFull: boolean } | null = null;

  /** One tick; true once a race has held its level for kinkRaceConfirmSeconds. */
  update(input: SafetyInput): boolean {
    const { t, proposed, dtSeconds } = input;
    const p = input.estimate.mmhg;
    const full = input.state === "inflating" && proposed.pump >= L.kinkFullDuty && proposed.vent === 0 && Number.isFinite(p);
    const suspect = this.suspect;
    if (suspect) suspect.stillFull &&= full;
    if (suspect && Number.isFinite(p) && t - suspect.t >= L.kinkRaceConfirmSeconds - 1e-9) {
      this.suspect = null;
      // The pump at full duty all along: the hose alone goes on racing. Eased off at the target: the reading stays up.
      const raced = suspect.stillFull && p - suspect.mmhg >= L.kinkRaceRatio * suspect.paceMmhgPerSecond * (t - suspect.t);
      const held = !suspect.stillFull && p >= suspect.mmhg - L.kinkRaceFallBackShare * suspect.riseMmhg;
      if (raced || held) return true;
    }
    const readings = this.readings.at(dtSeconds);
    if (!full) {
      readings.clear();
      return false;
    }
    readings.push(p);
    if (this.suspect || !readings.full) return false;
    const recentBack = Math.round(L.kinkRaceRecentSeconds / dtSeconds);
    const recentFrom = readings.ago(recentBack);
    // The climb counts from the highest reading just before the recent stretch: a knock's dent does not.
    let before = recentFrom;
    for (let back = recentBack + 1; back <= 3 * recentBack; back++) before = Math.max(before, readings.ago(back));
    const rise = p - before;
    const pace = Math.max(0, (recentFrom - readings.oldest) / (readings.length - 1 - recentBack) / dtSeconds);
    if (p >= L.kinkRaceFromMmhg && rise >= L.kinkRaceRiseMmhg && rise / L.kinkRaceRecentSeconds > L.kinkRaceRatio * pace) {
      this.suspect = { t, mmhg: p, riseMmhg: rise, paceMmhgPerSecond: pace, stillFull: true };
    }
    return false;
  }

  reset(): void {
    this.readings.clear();
    this.suspect = null;
  }
}
