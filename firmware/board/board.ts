/**
 * The one small interface between the cuff controller and the I/O board.
 * Real hardware (johnny-five over firmata-io), the virtual Firmata board and
 * the direct simulated board all implement it.
 */
import type { GuardReasonValue, GuardStatus } from "../../shared/guard.ts";

export interface PressureSample {
  /** Board-side time of the sample, seconds on the controller's clock. */
  tSeconds: number;
  /** Raw value on the pressure channel, 0..2^adcBits-1 (see the hardware profile). */
  counts: number;
}

export type GuardEvent =
  | { kind: "status"; status: GuardStatus }
  | { kind: "tripped"; reason: GuardReasonValue; lastCounts: number };

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
  configureGuard(deadlineMs: number, tripCounts: number): void;
  clearGuard(): void;
  queryGuard(): void;
  close(): Promise<void>;
}
