/** A pump too small for the contractions it sees: told to the user at the first set it shows in, not a fault. */
import { SAFETY_LIMITS as L } from "../limits.ts";
import { holding, type SafetyInput, type SafetyRule } from "../rule.ts";
import { halvesGain, SecondsWindow } from "./windows.ts";

export class PumpTooSmallRule implements SafetyRule {
  readonly kind = "pump-too-small";
  readonly severity = "warning";
  readonly latches = false;
  readonly description = `holding, the pump runs hard on average for ${L.leakSeconds} s and the cuff stays short of its target on average, without falling further (sets with contractions: ${100 * L.leakSetDuty} % duty, ${100 * L.pumpTooSmallShortShare} % short; otherwise ${100 * L.leakRestDuty} % duty, ${L.leakRestShortMmhg} mmHg short): the pump cannot refill what the contractions or the cuff's own leak take (raised once a session)`;
  private readonly duties = new SecondsWindow(L.leakSeconds);
  private readonly pressures = new SecondsWindow(L.leakSeconds);
  /** Told once: the pump stays the same size for the rest of the session. */
  private told = false;
  /** The phase the windows were gathered in: they never span two. */
  private phase: SafetyInput["phase"] | null = null;

  check(input: SafetyInput): string | null {
    const duties = this.duties.at(input.dtSeconds);
    const pressures = this.pressures.at(input.dtSeconds);
    const target = input.targetMmhg;
    if (this.told || !holding(input) || !input.settled || target === null || !Number.isFinite(input.estimate.mmhg) || this.phase !== input.phase) {
      this.phase = input.phase;
      duties.clear();
      pressures.clear();
      return null;
    }
    duties.push(input.proposed.pump);
    pressures.push(input.estimate.mmhg);
    if (!duties.full) return null;
    const shortMmhg = target - pressures.mean;
    const contracting = input.phase === "set" && input.exercising;
    const short = contracting ? duties.mean > L.leakSetDuty && shortMmhg > L.pumpTooSmallShortShare * target : duties.mean > L.leakRestDuty && shortMmhg > L.leakRestShortMmhg;
    if (!short || halvesGain(pressures) < -L.leakFallingMmhg) return null;
    this.told = true;
    return `the pump is too small for ${contracting ? "these contractions" : "this cuff's leak at this target"}: it runs ${(100 * duties.mean).toFixed(0)} % of the time and the cuff still averages ${shortMmhg.toFixed(0)} mmHg under its ${target.toFixed(0)} mmHg target; a larger pump, or slower reps, holds it`;
  }

  reset(): void {
    this.duties.clear();
    this.pressures.clear();
    this.told = false;
    this.phase = null;
  }
}
