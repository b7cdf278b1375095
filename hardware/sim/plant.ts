/**
 * What the rest of the project sees of the simulated cuff. The physics
 * (pneumatics, limb, sensor, faults) lives behind this; time only moves in step().
 */

export const PHYSICAL_FAULT_KINDS = [
  "sensor-disconnect",
  "sensor-stuck",
  "sensor-drift",
  "sensor-offset-jump",
  "leak",
  "hose-kink",
  "cuff-off",
  "valve-stuck-closed",
  "valve-stuck-open",
  "pump-dead",
] as const;
/** Faults of the link and the processes: acted out by the bench harness, not by the physics. */
export const LINK_FAULT_KINDS = ["host-silent", "firmware-hang", "board-unplugged", "garbage-on-link"] as const;
export const FAULT_KINDS = [...PHYSICAL_FAULT_KINDS, ...LINK_FAULT_KINDS] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The distal pulse sensor's chip as a board reads it (hardware/sim/distal-pulse.ts). */
export interface DistalPulseChip {
  /** The unread samples, oldest first (at most the chip's FIFO depth; older ones are lost). */
  readFifo(): number[];
  /** The newest sample, raw counts. */
  latestCounts(): number;
}

export interface CuffPlant {
  /** Simulated seconds since the start of the scenario. */
  readonly timeSeconds: number;
  /** The subject's true limb occlusion pressure for this cuff, mmHg. */
  readonly lopTrueMmhg: number;
  /**
   * Advance the physics by dtSeconds with the given actuator commands
   * (pump duty 0..1, vent opening 0..1 where 1 is fully open).
   */
  step(dtSeconds: number, pumpDuty: number, ventOpening: number): void;
  /** True gauge pressure in the cuff bladder now, mmHg. */
  trueMmhg(): number;
  /** What the board's ADC reads on the pressure channel now (raw counts, per the hardware profile). */
  sensorCounts(): number;
  /** What the board reads on its second sensor's channel now (raw counts, per the profile's secondarySensor); null on a build without one. */
  secondarySensorCounts(): number | null;
  /** The distal pulse sensor clipped to the limb (scenario hardware.distalPulseSensor); null without one. */
  readonly distalPulse: DistalPulseChip | null;
  /** The athlete starts a set: `reps` repetitions at the scenario's cadence, from now. */
  beginSet(reps: number): void;
  /** The athlete stops (set done or aborted). */
  endSet(): void;
  /** Repetitions completed in the current set so far (ground truth for rep counting). */
  repsDone(): number;
  /** Inject a fault now (in addition to those scheduled by the scenario). */
  injectFault(kind: FaultKind, params?: Record<string, number>): void;
  /** Faults active now, physical and link. */
  activeFaults(): readonly FaultKind[];
}
