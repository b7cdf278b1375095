/**
 * The one small interface between the cuff controller and the I/O board.
 * Real hardware (johnny-five over firmata-io), the virtual Firmata board and
 * the direct simulated board all implement it.
 */
import type { GuardStatus, GuardTripped } from "../../shared/guard.ts";

export interface PressureSample {
  /** Board-side time of the sample, seconds on the controller's clock. */
  tSeconds: number;
  /** Raw value on the pressure channel, 0..2^adcBits-1 (see the hardware profile). */
  counts: number;
  /**
   * Raw value of the second, independent sensor taken with this sample, 0..2^secondarySensor.adcBits-1.
   * null when the profile has no second sensor, or when the board sent no second reading since the
   * previous sample: on a build with a second sensor a null is a missing reading, not a zero.
   */
  secondaryCounts: number | null;
}

/** Raw samples of the distal pulse sensor (hardware profile distalPulseSensor), as the board read them from the chip. */
export interface DistalPulseBatch {
  /** Board-side time of the newest sample, seconds on the controller's clock. */
  tSeconds: number;
  /** Raw ADC counts (0..2^distalPulseSensor.adcBits-1), oldest first, one per sample period of the chip. */
  counts: number[];
}

export type GuardEvent = { kind: "status"; status: GuardStatus } | ({ kind: "tripped" } & GuardTripped);

export interface CuffBoard {
  /** Every fresh pressure sample, as it arrives (judge freshness from these). */
  onSample(listener: (sample: PressureSample) => void): () => void;
  onGuard(listener: (event: GuardEvent) => void): () => void;
  /** Every batch of distal pulse samples, as read from the chip; never called on a build without one, or while the chip does not answer. */
  onDistalPulse(listener: (batch: DistalPulseBatch) => void): () => void;
  /** The link to the board died (cable pulled, port closed). */
  onLost(listener: (reason: string) => void): () => void;
  /** Pump duty 0..1 (0 = off). */
  setPump(duty: number): void;
  /** Vent opening 0..1 (1 = fully open = deflating). */
  setVent(opening: number): void;
  /** Sent from inside the control loop, never from a free-running timer. */
  keepAlive(): void;
  /**
   * Arms the guard. `secondaryTripCounts` is the second sensor's threshold in its own counts;
   * left out, the board keeps its compiled-in maximum (330 mmHg) on that sensor.
   */
  configureGuard(deadlineMs: number, tripCounts: number, secondaryTripCounts?: number): void;
  clearGuard(): void;
  queryGuard(): void;
  close(): Promise<void>;
}
