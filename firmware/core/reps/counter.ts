/** The interface of the rep counter the controller runs in each set, driven by its tick with time as a parameter. */
import type { PressureEstimate } from "../estimator.ts";

export interface RepCounter {
  /**
   * Feed every sample of a set; returns true when a new rep was recognised on this sample.
   * `rateMmhgPerSecond`: the rate the pump and vent were driven at since the last sample
   * (positive = pump, as the regulator's actuator model puts it); 0 where unknown.
   */
  update(tSeconds: number, estimate: PressureEstimate, targetMmhg: number, rateMmhgPerSecond?: number): boolean;
  readonly reps: number;
  readonly lastRepSeconds: number | null;
  /** Typical seconds between reps seen so far in this set (null before two reps). */
  readonly meanIntervalSeconds: number | null;
  /** True once contractions have stopped: no rep for a little longer than the typical interval since the last one. */
  contractionsStopped(tSeconds: number): boolean;
}
