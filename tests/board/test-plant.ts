/**
 * A small, honest stand-in for the simulated cuff until hardware/sim/cuff.ts lands:
 * a sealed, compliant volume filled by a pump whose flow falls linearly with
 * back-pressure and emptied by a vent orifice (flow ~ opening * sqrt(pressure)).
 */
import { mmhgToCounts, referenceProfile, secondaryMmhgToCounts, type HardwareProfile } from "../../hardware/profile.ts";
import type { CuffPlant, DistalPulseChip, FaultKind } from "../../hardware/sim/plant.ts";

export interface TestPlantOptions {
  profile?: HardwareProfile;
  /** Pump flow at zero back-pressure and full duty, mL/s. */
  pumpFreeFlowMlPerS?: number;
  /** Back-pressure at which the pump stalls, mmHg. */
  pumpStallMmhg?: number;
  /** Volume added per mmHg, mL/mmHg (cuff on a limb, roughly). */
  complianceMlPerMmhg?: number;
  /** Vent flow at opening 1 and 100 mmHg, mL/s. */
  ventFlowAt100MlPerS?: number;
  startMmhg?: number;
}

export class TestPlant implements CuffPlant {
  readonly lopTrueMmhg = 180;
  /** A distal pulse chip a test clips on (none by default). */
  distalPulse: DistalPulseChip | null = null;
  timeSeconds = 0;
  pressureMmhg: number;
  /** What the second sensor reads above the first (a test sets it to show a second sensor's own overpressure). */
  secondaryOffsetMmhg = 0;
  /** Every step as called, for assertions about what the board applied. */
  readonly steps: Array<{ dt: number; pumpDuty: number; ventOpening: number }> = [];
  /** The sensor's counts after each step, by plant time. */
  readonly trace: Array<{ timeSeconds: number; counts: number }> = [];
  private readonly profile: HardwareProfile;
  private readonly freeFlow: number;
  private readonly stall: number;
  private readonly compliance: number;
  private readonly ventK: number;
  private readonly faults: FaultKind[] = [];

  constructor(options: TestPlantOptions = {}) {
    this.profile = options.profile ?? referenceProfile();
    this.freeFlow = options.pumpFreeFlowMlPerS ?? 30;
    this.stall = options.pumpStallMmhg ?? 450;
    this.compliance = options.complianceMlPerMmhg ?? 2;
    this.ventK = (options.ventFlowAt100MlPerS ?? 120) / Math.sqrt(100);
    this.pressureMmhg = options.startMmhg ?? 0;
  }

  step(dtSeconds: number, pumpDuty: number, ventOpening: number): void {
    this.steps.push({ dt: dtSeconds, pumpDuty, ventOpening });
    // Sub-step so the orifice law stays stable at large dt.
    const n = Math.max(1, Math.ceil(dtSeconds / 0.001));
    const h = dtSeconds / n;
    for (let i = 0; i < n; i++) {
      const p = Math.max(0, this.pressureMmhg);
      const inflow = this.freeFlow * pumpDuty * Math.max(0, 1 - p / this.stall);
      const outflow = this.ventK * ventOpening * Math.sqrt(p);
      this.pressureMmhg = Math.max(0, p + ((inflow - outflow) * h) / this.compliance);
    }
    this.timeSeconds += dtSeconds;
    this.trace.push({ timeSeconds: this.timeSeconds, counts: this.sensorCounts() });
  }

  /** What the sensor read at plant time t (the last step ending at or before t). */
  countsAt(t: number): number | undefined {
    for (let i = this.trace.length - 1; i >= 0; i--) {
      if (this.trace[i]!.timeSeconds <= t + 1e-9) return this.trace[i]!.counts;
    }
    return undefined;
  }

  trueMmhg(): number {
    return this.pressureMmhg;
  }

  sensorCounts(): number {
    return mmhgToCounts(this.profile, this.pressureMmhg);
  }

  secondarySensorCounts(): number | null {
    return secondaryMmhgToCounts(this.profile, this.pressureMmhg + this.secondaryOffsetMmhg);
  }

  beginSet(): void {}
  endSet(): void {}
  repsDone(): number {
    return 0;
  }
  injectFault(kind: FaultKind): void {
    this.faults.push(kind);
  }
  activeFaults(): readonly FaultKind[] {
    return this.faults;
  }
}
