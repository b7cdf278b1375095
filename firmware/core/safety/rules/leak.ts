/** A leak the pump cannot follow, a dead pump or a vent stuck open, while the cuff holds its target. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { holding, type SafetyInput, type SafetyRule } from "../rule.ts";
import { halvesGain, lineFit, RobustLevel, SecondsWindow } from "./windows.ts";

/**
 * Holding, the cuff has fallen short with the pump working. From then on the rule counts what the
 * pump should have put in (what the controller learned this pump gives at each pressure) against
 * what the cuff gained: a limb can take some of it back (the veins a set empties, a relaxing
 * contraction), a leak, a dead pump or an open vent take it all, and more. Any vent opening ends
 * the count: the regulator found the cuff too full.
 */
export class LeakRule implements SafetyRule {
  readonly kind = "leak";
  readonly severity = "fault";
  readonly latches = true;
  readonly description = `holding, the cuff short of its target (sets with contractions: ${100 * L.leakSetShortShare} %; otherwise ${L.leakRestShortMmhg} mmHg) with the pump working: once the pump has put in more than the cuff gained by over ${L.leakTakeawaySetMmhg} mmHg in a set with contractions or ${L.leakTakeawayStillMmhg} mmHg otherwise (by what the controller learned this pump gives), with the pump running hard on average over the last ${L.leakSeconds} s (sets: ${100 * L.leakSetDuty} %, otherwise ${100 * L.leakRestDuty} %) and the cuff not gaining over them (holding still: the second half under the first by ${L.leakFallingMmhg} mmHg, or by the readings' scatter about their line if more)`;
  private readonly duties = new SecondsWindow(L.leakSeconds);
  private readonly pressures = new SecondsWindow(L.leakSeconds);
  private readonly level = new RobustLevel(L.pumpDeadBlockSeconds, L.pumpDeadBlocks, L.pumpDeadBlockSeconds);
  /** The phase the windows were gathered in: they never span two. */
  private phase: SafetyInput["phase"] | null = null;
  /** Since the cuff fell short with the pump working: the level then, the rise the pump should have given, and how long it has been back on target. */
  private episode: { fromMmhg: number; pumpedMmhg: number; backSeconds: number } | null = null;

  check(input: SafetyInput): string | null {
    const duties = this.duties.at(input.dtSeconds);
    const pressures = this.pressures.at(input.dtSeconds);
    const target = input.targetMmhg;
    const p = input.estimate.mmhg;
    if (!holding(input) || !input.settled || target === null || !Number.isFinite(p) || this.phase !== input.phase) {
      this.reset();
      this.phase = input.phase;
      return null;
    }
    duties.push(input.proposed.pump);
    pressures.push(p);
    this.level.push(p, input.dtSeconds);
    const contracting = input.phase === "set" && input.exercising;
    const shortBy = contracting ? L.leakSetShortShare * target : L.leakRestShortMmhg;
    const short = target - p > shortBy;
    const level = this.level.level;
    if (input.proposed.vent > 0) this.episode = null;
    else if (this.episode === null) {
      if (short && input.proposed.pump >= L.leakEpisodeDuty && Number.isFinite(level)) this.episode = { fromMmhg: level, pumpedMmhg: 0, backSeconds: 0 };
    } else {
      this.episode.pumpedMmhg += (input.diagnostics.pumpRiseMmhgPerSecond ?? 0) * input.dtSeconds;
      this.episode.backSeconds = short ? 0 : this.episode.backSeconds + input.dtSeconds;
      if (this.episode.backSeconds >= L.leakBackSeconds) this.episode = null;
    }
    const episode = this.episode;
    if (!duties.full || episode === null) return null;
    const pump = duties.mean;
    const shortMmhg = target - pressures.mean;
    const working = contracting ? pump > L.leakSetDuty && shortMmhg > shortBy : pump > L.leakRestDuty && shortMmhg > shortBy;
    const lostMmhg = episode.pumpedMmhg - (level - episode.fromMmhg);
    const takeaway = contracting ? L.leakTakeawaySetMmhg : L.leakTakeawayStillMmhg;
    // Holding still, a pump too small for the cuff's own leak holds it short but steady (the
    // pump-too-small warning): a leak beyond the pump, a dead pump or an open vent let it fall,
    // further than the window's own swings (beats and a settling limb on a small cuff) explain.
    const gain = halvesGain(pressures);
    if (!working || lostMmhg <= takeaway || gain > 0) return null;
    if (!contracting && gain > -Math.max(L.leakFallingMmhg, lineFit([...pressures.values()], input.dtSeconds).residualSd)) return null;
    return `leak: the pump put in ${episode.pumpedMmhg.toFixed(0)} mmHg by what it was learned to give and the cuff is ${shortMmhg.toFixed(0)} mmHg short and not recovering: a leak the pump cannot follow, a dead pump or a vent stuck open`;
  }

  reset(): void {
    this.duties.clear();
    this.pressures.clear();
    this.level.clear();
    this.phase = null;
    this.episode = null;
  }
}
