/** A kinked hose: only the hose answers the actuators, the cuff is cut off behind it, still inflated. */
import { DEFLATED_MMHG } from "../../../../shared/limits.ts";
import { SAFETY_LIMITS as L } from "../limits.ts";
import type { SafetyInput, SafetyRule } from "../rule.ts";
import { kinkedProbeDropMmhg } from "../../diagnostics/kink-probe.ts";
import { InflationRaceWatch } from "./inflation-race.ts";
import { SecondsWindow } from "./windows.ts";

/**
 * Fast climbs with the pump on. The sensor sits on the pump's side of the hose: each time the pump
 * starts, the reading jumps by the hose's own pressure drop at the pump's flow (up to about 270 mmHg
 * for 5 m of 2 mm hose on a 6 L/min pump) and then follows the cuff. A kinked hose never stops
 * climbing: the pump fills the hose alone. So a climb counts against the largest jump this hose has
 * shown (learned from the first pump start on), not against time.
 */
class ClimbWatch {
  /** Readings of the last kinkClimbStartSeconds: the climb is measured from their lowest... */
  private readonly recent = new SecondsWindow(L.kinkClimbStartSeconds);
  /** ...or, when that lowest is a dip, from the median of the kinkClimbBeforeSeconds before them. */
  private readonly before = new SecondsWindow(L.kinkClimbStartSeconds + L.kinkClimbBeforeSeconds);
  /** A climb under way: from where it is judged, and from its lowest (what a levelled climb teaches of the hose). */
  private climb: { fromMmhg: number; lowMmhg: number; quietSeconds: number; riseMmhg: number; riseFromLowMmhg: number } | null = null;
  /** The hose's jump at the pump's full flow (null before the first full start has shown it). */
  private hoseJumpMmhg: number | null = null;
  /** A full-duty start being measured: the reading at the start and kinkJumpSeconds later. */
  private start: { t: number; fromMmhg: number; atJumpMmhg: number | null } | null = null;
  private pumpWasOn = false;
  /** The reading just before the vent last opened, and when it last shut. */
  private beforeVentMmhg: number | null = null;
  private ventShutSeconds = Number.NEGATIVE_INFINITY;
  private ventWasOpen = false;
  /** Since the pump last stopped, the reading climbed above its lowest: a cuff behind the hose refills it. */
  private refilled = false;
  private lowSincePumpOffMmhg = Number.POSITIVE_INFINITY;
  private pumpWasOff = true;
  /** How long, since the pump last stopped, the pump and vent have both been off. */
  private pumpOffSeconds = 0;

  /** The climb allowed before it is a kink. */
  get allowanceMmhg(): number {
    return this.hoseJumpMmhg === null ? L.kinkFirstClimbMmhg : Math.max(L.kinkClimbFloorMmhg, L.kinkClimbShareOfJump * this.hoseJumpMmhg);
  }

  /** One tick; true when the reading has climbed past the allowance. */
  update(input: SafetyInput): boolean {
    const { t, estimate, proposed } = input;
    const p = estimate.mmhg;
    if (!Number.isFinite(p)) return false;
    const recent = this.recent.at(input.dtSeconds);
    const ventOpen = proposed.vent > 0;
    if (ventOpen && !this.ventWasOpen) this.beforeVentMmhg = p;
    const ventShut = !ventOpen && this.ventWasOpen;
    if (ventShut) this.ventShutSeconds = t;
    this.ventWasOpen = ventOpen;
    const sinceShut = t - this.ventShutSeconds;
    // With the pump off, the lowest reading since it stopped or the vent last shut; a climb above it
    // is the cuff refilling the hose. Only what follows the vent's last pulse tells of that pulse,
    // even when the pump starts as the vent shuts (then nothing is seen of it).
    const pumpOff = proposed.pump <= L.kinkPumpDuty;
    if ((pumpOff && !this.pumpWasOff) || ventShut) {
      this.lowSincePumpOffMmhg = p;
      this.refilled = false;
      this.pumpOffSeconds = 0;
    }
    this.pumpWasOff = pumpOff;
    if (pumpOff) {
      if (!ventOpen) this.pumpOffSeconds += input.dtSeconds;
      this.lowSincePumpOffMmhg = Math.min(this.lowSincePumpOffMmhg, p);
      if (p - this.lowSincePumpOffMmhg >= L.kinkRefillMmhg) this.refilled = true;
    }
    // The hose is learned before the first set: a kink later must not teach it.
    if (input.state === "lop" || input.state === "inflating") this.measureJump(t, p, proposed.pump, ventOpen);
    else this.start = null;
    const climbing = proposed.pump > L.kinkPumpDuty && estimate.slopeMmhgPerSecond > L.kinkSlopeMmhgPerSecond;
    if (climbing && this.climb === null) {
      // An open vent empties a narrow hose's pump side, which the cuff refills as the vent closes: the
      // reading climbs while the pump is still off. A climb that follows such a refill counts from the
      // level before the vent opened. Behind a kink nothing refills the hose.
      // When the pump restarts too soon after the vent to show a refill either way, the climb gets
      // the benefit of the doubt; a kink there is left to the kink probe and the deflation's check.
      // A knock that dents the cuff and lets it spring back climbs fast from the dent: the climb counts
      // from the level before it (a kinked hose climbs far past that level too).
      const low = Math.min(p, lowest(recent));
      let from = Math.max(low, olderMedian(this.before.at(input.dtSeconds), recent.length));
      const unseen = this.pumpOffSeconds < L.kinkRefillSeconds;
      if ((this.refilled || unseen) && sinceShut <= L.ventReboundSeconds && this.beforeVentMmhg !== null) from = Math.max(from, this.beforeVentMmhg);
      this.climb = { fromMmhg: from, lowMmhg: low, quietSeconds: 0, riseMmhg: 0, riseFromLowMmhg: 0 };
    }
    recent.push(p);
    this.before.at(input.dtSeconds).push(p);
    const climb = this.climb;
    if (climb === null) return false;
    climb.riseMmhg = Math.max(climb.riseMmhg, p - climb.fromMmhg);
    climb.riseFromLowMmhg = Math.max(climb.riseFromLowMmhg, p - climb.lowMmhg);
    // A climb goes on until the reading has levelled off, not merely slowed under the climb's slope
    // for a moment (a noisy sensor's slope dips while a narrow hose's line is still filling).
    const levelled = proposed.pump <= L.kinkPumpDuty || estimate.slopeMmhgPerSecond < L.kinkLevelledMmhgPerSecond;
    if (!levelled) climb.quietSeconds = 0;
    else climb.quietSeconds += input.dtSeconds;
    if (climb.riseMmhg > this.allowanceMmhg) return true;
    if (climb.quietSeconds >= L.kinkClimbEndSeconds - 1e-9) {
      // Levelled off with the pump still running: the hose's own drop, not a kink.
      if (proposed.pump >= L.kinkJumpLearnDuty && (input.state === "lop" || input.state === "inflating")) this.hoseJumpMmhg = Math.max(this.hoseJumpMmhg ?? 0, climb.riseFromLowMmhg);
      this.climb = null;
    }
    return false;
  }

  /**
   * The hose's jump at full flow, from a full-duty start out of rest: the rise over the first
   * kinkJumpSeconds less the rise over the next as long (the cuff's own climb).
   */
  private measureJump(t: number, p: number, pump: number, ventOpen: boolean): void {
    const full = pump >= L.kinkFullDuty && !ventOpen;
    if (full && !this.pumpWasOn) this.start = { t, fromMmhg: p, atJumpMmhg: null };
    this.pumpWasOn = pump > L.kinkPumpDuty;
    const start = this.start;
    if (start === null) return;
    if (!full) {
      this.start = null;
      return;
    }
    if (start.atJumpMmhg === null && t - start.t >= L.kinkJumpSeconds - 1e-9) start.atJumpMmhg = p;
    if (start.atJumpMmhg !== null && t - start.t >= 2 * L.kinkJumpSeconds - 1e-9) {
      const jump = start.atJumpMmhg - start.fromMmhg - (p - start.atJumpMmhg);
      this.hoseJumpMmhg = Math.max(this.hoseJumpMmhg ?? 0, jump);
      this.start = null;
    }
  }

  reset(): void {
    this.recent.clear();
    this.climb = null;
    this.hoseJumpMmhg = null;
    this.refilled = false;
    this.start = null;
    this.pumpWasOn = false;
    this.beforeVentMmhg = null;
    this.ventShutSeconds = Number.NEGATIVE_INFINITY;
    this.ventWasOpen = false;
  }
}

/** The median of a window's readings but its newest `skip`; -Infinity when there are none. */
function olderMedian(window: ReturnType<SecondsWindow["at"]>, skip: number): number {
  const older = [...window.values()].slice(0, Math.max(0, window.length - skip)).sort((a, b) => a - b);
  if (older.length === 0) return Number.NEGATIVE_INFINITY;
  const mid = Math.floor(older.length / 2);
  return older.length % 2 ? older[mid]! : (older[mid - 1]! + older[mid]!) / 2;
}

function lowest(window: ReturnType<SecondsWindow["at"]>): number {
  let low = Number.POSITIVE_INFINITY;
  for (const v of window.values()) low = Math.min(low, v);
  return low;
}

export class HoseKinkRule implements SafetyRule {
  readonly kind = "hose-kink";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `with the pump on the reading climbs faster than ${L.kinkSlopeMmhgPerSecond} mmHg/s and further than the hose's own jump allows (${L.kinkClimbShareOfJump}x the largest jump it made with the pump running, at least ${L.kinkClimbFloorMmhg} mmHg; ${L.kinkFirstClimbMmhg} mmHg before one), a 10 ms vent probe drops the reading (means before and after) by more than ${L.kinkProbeDropMmhg} mmHg and ${L.kinkProbeOverCuffDrop}x what this cuff lost to it before, and it stays there (twice in a row), or at full duty in the inflation the reading races ${L.kinkRaceRatio}x faster than it was filling and stays up, or a full vent empties it from over ${L.fastDeflationFromMmhg} to under ${DEFLATED_MMHG} mmHg in under ${L.fastestDeflationSeconds} s (in the deflation: and it stays under ${L.kinkEmptiedHoseMmhg} mmHg with the vent shut) (only the hose answers: the cuff is cut off)`;
  private readonly climbs = new ClimbWatch();
  private readonly inflationRace = new InflationRaceWatch();
  /** When a full vent began from over fastDeflationFromMmhg, while it stays open. */
  private fullVentFromSeconds: number | null = null;

  check(input: SafetyInput): string | null {
    const { t, estimate, proposed, diagnostics } = input;
    const probeDrop = diagnostics.kinkProbeDropMmhg;
    const probed = probeDrop !== null && probeDrop > kinkedProbeDropMmhg(diagnostics.kinkProbeCuffDropMmhg);
    const racing = this.climbs.update(input);
    const outpaced = this.inflationRace.update(input);
    // Outside the deflation, a full vent that empties the reading faster than a cuff can is the
    // hose alone; the deflation judges that itself with the vent shut (diagnostics.ventShutCheckMmhg).
    const p = estimate.mmhg;
    const venting = input.state !== "deflating" && input.state !== "fault" && proposed.vent >= L.fullVent && proposed.pump === 0 && Number.isFinite(p);
    if (!venting) this.fullVentFromSeconds = null;
    else if (this.fullVentFromSeconds === null && p > L.fastDeflationFromMmhg) this.fullVentFromSeconds = t;
    const emptiedAtOnce = venting && this.fullVentFromSeconds !== null && p < DEFLATED_MMHG && t - this.fullVentFromSeconds < L.fastestDeflationSeconds;
    const cutOff = diagnostics.ventShutCheckMmhg !== null && diagnostics.ventShutCheckMmhg < L.kinkEmptiedHoseMmhg;
    return probed || racing || outpaced || emptiedAtOnce || cutOff ? "hose kinked or blocked: the cuff may stay inflated, remove it or press the emergency deflate" : null;
  }

  reset(): void {
    this.climbs.reset();
    this.inflationRace.reset();
    this.fullVentFromSeconds = null;
  }
}
