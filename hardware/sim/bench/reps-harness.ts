/**
 * Closed loop for the rep counter against the simulated cuff, in virtual time: the
 * plant's sensor counts go through the controller's PressureEstimator at the
 * sensor's rate, a cuff held by the controller's regulator, the counter fed as the
 * controller feeds it. Shared by tests/lop/reps.test.ts and bench/reps-bench.ts.
 */
import { PressureEstimator } from "../../../firmware/core/estimator.ts";
import { initialRegulatorState, LearnedActuators, regulate } from "../../../firmware/core/control/regulator.ts";
import { createRepCounter } from "../../../firmware/core/reps/reps.ts";
import type { HardwareProfile } from "../../profile.ts";
import type { SimulatedCuff } from "../cuff.ts";

/** Zero the estimator with the cuff vented and settled (the controller's zeroing, simplified). */
function zeroEstimator(plant: SimulatedCuff, profile: HardwareProfile, estimator: PressureEstimator): void {
  const dt = 1 / profile.sensor.sampleHz;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < 100; i++) {
    plant.step(dt, 0, 1);
    if (i >= 50) {
      sum += estimator.uncalibrated(plant.sensorCounts(), null).primary;
      n++;
    }
  }
  estimator.setZeroOffsets(sum / n, null);
}

export interface SetRun {
  planned: number;
  /** Reps the simulated athlete completed, and reps counted when the set ended. */
  done: number;
  counted: number;
  /** How the set ended, as the controller ends it: the planned count reached, or contractions stopped. */
  endedBy: "count" | "quiet" | "timeout";
  /** Seconds from the athlete's last rep to the end of the set (negative: ended before the athlete finished). */
  setEndAfterLastRepSeconds: number | null;
  /** Seconds from the athlete's last contraction (the last rep, or the stop at the count) to contractionsStopped() turning true. */
  quietDetectedAfterSeconds: number | null;
  /**
   * Reps counted in the rest after the set (the counter fed on) beyond those the athlete began:
   * a rep the end of the set cut short is real, counting it late is not a phantom.
   */
  phantomInRest: number;
}

/**
 * Sets with rests on a cuff held at `targetMmhg` by the controller's regulator.
 * A fresh counter per set (as the controller does); the set ends as the
 * controller ends it (the planned count reached, or contractions stopped), and
 * the counter is fed on through the rest: reps counted there are phantoms.
 */
export function runSets(
  plant: SimulatedCuff,
  profile: HardwareProfile,
  targetMmhg: number,
  sets: readonly number[],
  restSeconds: number,
  /** Reps the athlete manages per set, when fewer than planned (to failure); the set must then end by itself. */
  athleteReps?: readonly number[],
): SetRun[] {
  const dt = 1 / profile.sensor.sampleHz;
  const estimator = new PressureEstimator(profile);
  zeroEstimator(plant, profile, estimator);
  const actuators = new LearnedActuators();
  let regulator = initialRegulatorState();
  let estimate = estimator.update(plant.timeSeconds, plant.sensorCounts());
  let rateMmhgPerSecond = 0;
  const tick = (): void => {
    const result = regulate(regulator, targetMmhg, estimate.mmhg, dt, actuators);
    regulator = result.state;
    const { pump, vent } = result.actuation;
    rateMmhgPerSecond = pump * actuators.pumpRateAt(estimate.mmhg) - vent * actuators.ventRateAt(estimate.mmhg);
    if (pump > 0 && vent === 0) actuators.observePump(estimate.mmhg, pump, estimate.slopeMmhgPerSecond);
    if (vent > 0 && pump === 0) actuators.observeVent(estimate.mmhg, vent, estimate.slopeMmhgPerSecond);
    plant.step(dt, pump, vent);
    estimate = estimator.update(plant.timeSeconds, plant.sensorCounts());
  };
  // Inflate and settle on the target before the first set.
  for (let t = 0; t < 60 && Math.abs(estimate.mmhg - targetMmhg) > 2; t += dt) tick();
  for (let t = 0; t < 5; t += dt) tick();

  const runs: SetRun[] = [];
  for (const [index, planned] of sets.entries()) {
    const counter = createRepCounter(profile.sensor.sampleHz);
    plant.beginSet(athleteReps?.[index] ?? planned);
    let lastRepDoneAt: number | null = null;
    let done = 0;
    let quietAt: number | null = null;
    let endedBy: SetRun["endedBy"] = "timeout";
    const cap = plant.timeSeconds + planned * 8 + 10;
    const watch = (): void => {
      if (plant.repsDone() > done) {
        done = plant.repsDone();
        lastRepDoneAt = plant.timeSeconds;
      }
    };
    while (plant.timeSeconds < cap) {
      tick();
      counter.update(plant.timeSeconds, estimate, targetMmhg, rateMmhgPerSecond);
      watch();
      if (counter.reps >= planned) {
        endedBy = "count";
        break;
      }
      if (counter.contractionsStopped?.(plant.timeSeconds)) {
        endedBy = "quiet";
        break;
      }
    }
    const endedAt = plant.timeSeconds;
    const counted = counter.reps;
    // Reps follow each other without a pause: until the athlete is done, the next one has begun.
    const begun = Math.min(athleteReps?.[index] ?? planned, done + 1);
    // Told to stop (or done): the athlete's last contraction ends here.
    plant.endSet();
    const lastContraction = endedBy === "count" ? endedAt : lastRepDoneAt;
    if (endedBy === "quiet") quietAt = endedAt;
    const restEnd = plant.timeSeconds + restSeconds;
    while (plant.timeSeconds < restEnd) {
      tick();
      counter.update(plant.timeSeconds, estimate, targetMmhg, rateMmhgPerSecond);
      watch();
      if (quietAt === null && counter.contractionsStopped?.(plant.timeSeconds)) quietAt = plant.timeSeconds;
    }
    runs.push({
      planned,
      done,
      counted,
      endedBy,
      setEndAfterLastRepSeconds: lastRepDoneAt === null ? null : endedAt - lastRepDoneAt,
      quietDetectedAfterSeconds: quietAt === null || lastContraction === null ? null : quietAt - lastContraction,
      phantomInRest: Math.max(0, counter.reps - Math.max(counted, begun)),
    });
  }
  return runs;
}
