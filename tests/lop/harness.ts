/**
 * Closed loop for the LOP procedure and the rep counter against the simulated
 * cuff, in virtual time: the plant's sensor counts go through the controller's
 * PressureEstimator at the sensor's rate, and the actuation goes back to the plant.
 * Shared by tests/lop and bench/lop-bench.ts.
 */
import { PressureEstimator, type PressureEstimate } from "../../firmware/controller/estimator.ts";
import { initialRegulatorState, LearnedActuators, regulate } from "../../firmware/controller/regulator.ts";
import type { Actuation } from "../../firmware/controller/supervisor.ts";
import { createLopProcedure } from "../../firmware/lop/measure.ts";
import type { LopOutcome } from "../../firmware/lop/procedure.ts";
import { createRepCounter } from "../../firmware/lop/reps.ts";
import type { HardwareProfile } from "../../hardware/profile.ts";
import type { SimulatedCuff } from "../../hardware/sim/cuff.ts";
import type { Limb } from "../../shared/plan.ts";

/** Fully deflated: the next measurement may start (blood-pressure cuff standards). */
const DEFLATED_MMHG = 15;

export interface LopRun {
  outcome: LopOutcome;
  lopTrueMmhg: number;
  /** Measured minus true, null when rejected. */
  errorMmhg: number | null;
  /** Seconds the true cuff pressure spent at or above the true LOP, deflation included. */
  secondsAboveLop: number;
  /** Highest true cuff pressure and highest pressure the procedure could have seen. */
  peakTrueMmhg: number;
  peakEstimateMmhg: number;
}

export interface LopRunOptions {
  limb: Limb | null;
  ceilingMmhg?: number;
  /** Disturb the estimate stream the procedure sees (e.g. to inject pressure jumps); mmHg added at time t. */
  disturbMmhg?: (tSeconds: number) => number;
}

/** Zero the estimator with the cuff vented and settled (the controller's zeroing, simplified). */
export function zeroEstimator(plant: SimulatedCuff, profile: HardwareProfile, estimator: PressureEstimator): void {
  const dt = 1 / profile.sensor.sampleHz;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < 100; i++) {
    plant.step(dt, 0, 1);
    if (i >= 50) {
      sum += estimator.uncalibrated(plant.sensorCounts());
      n++;
    }
  }
  estimator.setZeroOffset(sum / n);
}

/** Vent until deflated, then let the limb rest; returns seconds spent at or above `lopMmhg`. */
export function deflate(plant: SimulatedCuff, profile: HardwareProfile, lopMmhg: number, restSeconds = 0): number {
  const dt = 1 / profile.sensor.sampleHz;
  let above = 0;
  let guard = 0;
  while (plant.trueMmhg() > DEFLATED_MMHG && guard++ < 60 * profile.sensor.sampleHz) {
    plant.step(dt, 0, 1);
    if (plant.trueMmhg() >= lopMmhg) above += dt;
  }
  for (let t = 0; t < restSeconds; t += dt) plant.step(dt, 0, 1);
  return above;
}

/** One LOP measurement from a deflated cuff, then the deflation the controller would do. */
export function runLop(plant: SimulatedCuff, profile: HardwareProfile, options: LopRunOptions): LopRun {
  const dt = 1 / profile.sensor.sampleHz;
  const estimator = new PressureEstimator(profile);
  zeroEstimator(plant, profile, estimator);
  const lopTrue = plant.lopTrueMmhg;
  const start = plant.timeSeconds;
  const procedure = createLopProcedure({
    startSeconds: start,
    limb: options.limb,
    ceilingMmhg: options.ceilingMmhg ?? 300,
    sampleHz: profile.sensor.sampleHz,
  });
  let above = 0;
  let peakTrue = 0;
  let peakEstimate = 0;
  let outcome: LopOutcome | undefined;
  let actuation: Actuation = { pump: 0, vent: 1 };
  while (!outcome) {
    const t = plant.timeSeconds;
    const raw = estimator.update(t, plant.sensorCounts());
    const extra = options.disturbMmhg?.(t - start) ?? 0;
    const estimate: PressureEstimate = extra === 0 ? raw : { ...raw, rawMmhg: raw.rawMmhg + extra, mmhg: raw.mmhg + extra };
    peakEstimate = Math.max(peakEstimate, estimate.mmhg);
    const result = procedure.step(t, estimate);
    actuation = result.actuation;
    outcome = result.outcome;
    if (outcome) break;
    plant.step(dt, actuation.pump, actuation.vent);
    peakTrue = Math.max(peakTrue, plant.trueMmhg());
    if (plant.trueMmhg() >= lopTrue) above += dt;
  }
  above += deflate(plant, profile, lopTrue);
  return {
    outcome,
    lopTrueMmhg: lopTrue,
    errorMmhg: outcome.ok && outcome.mmhg !== null ? outcome.mmhg - lopTrue : null,
    secondsAboveLop: above,
    peakTrueMmhg: peakTrue,
    peakEstimateMmhg: peakEstimate,
  };
}

export interface SetRun {
  planned: number;
  /** Reps the simulated athlete completed and reps the counter saw. */
  done: number;
  counted: number;
  /** Reps counted during the rest that follows the set (feeding the counter on). */
  phantomInRest: number;
  /** Seconds from the athlete's last rep to contractionsStopped(). */
  setEndDetectedAfterSeconds: number | null;
}

/**
 * Sets with rests on a cuff held at `targetMmhg` by the controller's regulator.
 * A fresh counter per set (as the controller does) is fed through the set and
 * the rest after it: reps counted in the rest are phantoms.
 */
export function runSets(plant: SimulatedCuff, profile: HardwareProfile, targetMmhg: number, sets: readonly number[], restSeconds: number): SetRun[] {
  const dt = 1 / profile.sensor.sampleHz;
  const estimator = new PressureEstimator(profile);
  zeroEstimator(plant, profile, estimator);
  const actuators = new LearnedActuators();
  let regulator = initialRegulatorState();
  let estimate = estimator.update(plant.timeSeconds, plant.sensorCounts());
  const tick = (): void => {
    const result = regulate(regulator, targetMmhg, estimate.mmhg, dt, actuators);
    regulator = result.state;
    const { pump, vent } = result.actuation;
    if (pump > 0 && vent === 0) actuators.observePump(estimate.mmhg, pump, estimate.slopeMmhgPerSecond);
    if (vent > 0 && pump === 0) actuators.observeVent(estimate.mmhg, vent, estimate.slopeMmhgPerSecond);
    plant.step(dt, pump, vent);
    estimate = estimator.update(plant.timeSeconds, plant.sensorCounts());
  };
  // Inflate and settle on the target before the first set.
  for (let t = 0; t < 60 && Math.abs(estimate.mmhg - targetMmhg) > 2; t += dt) tick();
  for (let t = 0; t < 5; t += dt) tick();

  const runs: SetRun[] = [];
  for (const planned of sets) {
    const counter = createRepCounter(profile.sensor.sampleHz);
    plant.beginSet(planned);
    let lastRepDoneAt: number | null = null;
    let doneBefore = 0;
    let stoppedAt: number | null = null;
    let countedAtSetEnd = 0;
    const setEnd = plant.timeSeconds + 2 * planned * 6 + 10;
    // The set: until the athlete has done every rep, then the rest.
    while (plant.timeSeconds < setEnd) {
      tick();
      counter.update(plant.timeSeconds, estimate, targetMmhg);
      if (plant.repsDone() > doneBefore) {
        doneBefore = plant.repsDone();
        lastRepDoneAt = plant.timeSeconds;
      }
      if (doneBefore >= planned) break;
    }
    countedAtSetEnd = counter.reps;
    const restEnd = plant.timeSeconds + restSeconds;
    while (plant.timeSeconds < restEnd) {
      tick();
      counter.update(plant.timeSeconds, estimate, targetMmhg);
      if (stoppedAt === null && counter.contractionsStopped?.(plant.timeSeconds)) stoppedAt = plant.timeSeconds;
    }
    plant.endSet();
    runs.push({
      planned,
      done: doneBefore,
      counted: countedAtSetEnd,
      phantomInRest: counter.reps - countedAtSetEnd,
      setEndDetectedAfterSeconds: stoppedAt === null || lastRepDoneAt === null ? null : stoppedAt - lastRepDoneAt,
    });
  }
  return runs;
}
