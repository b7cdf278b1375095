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
  /**
   * The distal pulse sensor's infrared samples (raw counts, 0..2^distalPulseSensor.adcBits-1, at its
   * sampleHz) read from the chip since the previous sample, oldest first, the newest taken about this
   * sample's time; absent on a build without the sensor, while the chip does not answer, or when none
   * came in.
   */
  distalCounts?: readonly number[];
}

export type GuardEvent = { kind: "status"; status: GuardStatus } | ({ kind: "tripped" } & GuardTripped);

export interface CuffBoard {
  /** Every fresh pressure sample, as it arrives (judge freshness from these). */
  onSample(listener: (sample: PressureSample) => void): () => void;
  onGuard(listener: (event: GuardEvent) => void): () => void;
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
