/**
 * Hoses kinked on hardware drawn over the scenario ranges (bench/fault-sweep.ts), where the
 * reference session's probe would not see them: a pump too weak to race past 400 mmHg/s, a sensor
 * with 2.6 mmHg of noise. Each must be named, with the pump off and the vent open, in bounded time.
 */
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import type { Phase } from "../../shared/protocol/messages.ts";

async function kinked(input: Omit<ScenarioInput, "name">, phase: Phase, afterSeconds: number) {
  const scenario = parseScenario({ name: "fault sweep draw", ...input });
  return runScenario(scenario, { profile: referenceProfile(), lopConfirmed: true, maxSimSeconds: 600, faultOnPhase: { kind: "hose-kink", phase, afterSeconds } });
}

describe("a kinked hose on hardware nobody picked", () => {
  it("kinked 5 s into the inflation of a 5 cm arm cuff by a 1.63 L/min pump: the reading races from 75 to 130 mmHg in 0.3 s, and the kink is named within 1 s", async () => {
    const result = await kinked(
      {
        seed: 4250584,
        limb: "arm",
        subject: { systolic: 96, diastolic: 81, heartRate: 40, limbCircumferenceCm: 39.5, breathsPerMin: 22, arteryStiffnessMmhg: 25, pulsationAtLopFraction: 0.41, supraLopTailPercent: 36, lopResidualMmhg: 11.4, respiratorySwingMmhg: 2, heartRateVariabilityPercent: 7.9, ectopicBeatsPerMin: 0.2, atrialFibrillation: false, distalPerfusionPercent: 3.26 },
        cuff: { widthCm: 5 },
        hardware: { pumpFreeFlowLpm: 1.63, pumpStallMmhg: 587.72, leakMmhgPerMin: 32.88, sensorNoiseMmhg: 0.82, sensorOffsetMmhg: -0.59, sensorDriftMmhgPerMin: 0.03, sensorSpanErrorPercent: -0.72, secondarySensorNoiseMmhg: 0.18, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: -0.1, secondarySensorSpanErrorPercent: 0.87, ventOrificeMm: 0.94, reliefMmhg: 282.04, hoseLengthM: 0.31, hoseInnerMm: 2.91, manifoldMl: 86.26, distalPulseSensor: false },
        exercise: { repSeconds: 3.4, contractionSwingMmhg: 37.9, relaxedDropMmhg: 59.8, swellingMmhg: 24.8, motionArtefactMmhg: 1.9 },
        plan: { mode: "sets", sets: [10, 5, 5], restSeconds: 25, countReps: true, target: { percentLop: 57 }, lop: 243 },
      },
      "inflate",
      5.01,
    );
    expect(result.endReason).toBe("fault: hose-kink");
    const timing = result.faults[0]!;
    expect(timing.alarmKinds[0]).toBe("hose-kink");
    expect(timing.toSafeSeconds).not.toBeNull();
    expect(timing.toSafeSeconds!).toBeLessThan(1);
  });

  it("kinked 2.3 s into a rest behind 5 m of 5.6 mm hose, read by a sensor with 2.6 mmHg of noise: the probe reads its drop from means, and the kink is named within 45 s", async () => {
    const result = await kinked(
      {
        seed: 8130894,
        limb: "leg",
        subject: { systolic: 199, diastolic: 90, heartRate: 90, limbCircumferenceCm: 35, breathsPerMin: 7, arteryStiffnessMmhg: 24, pulsationAtLopFraction: 0.3, supraLopTailPercent: 41, lopResidualMmhg: -1.8, respiratorySwingMmhg: 4.3, heartRateVariabilityPercent: 4.7, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 2.39 },
        cuff: { widthCm: 7.5 },
        hardware: { pumpFreeFlowLpm: 5.32, pumpStallMmhg: 720.27, leakMmhgPerMin: 4.26, sensorNoiseMmhg: 2.61, sensorOffsetMmhg: 12.68, sensorDriftMmhgPerMin: 0, sensorSpanErrorPercent: -0.28, secondarySensorNoiseMmhg: 0.96, secondarySensorOffsetMmhg: 4.34, secondarySensorDriftMmhgPerMin: -0.04, secondarySensorSpanErrorPercent: 0.58, ventOrificeMm: 3.01, reliefMmhg: 312.7, hoseLengthM: 5, hoseInnerMm: 5.59, manifoldMl: 16.22, distalPulseSensor: false },
        exercise: { repSeconds: 5.3, contractionSwingMmhg: 23.4, relaxedDropMmhg: 50.3, swellingMmhg: 11.8, motionArtefactMmhg: 5.7 },
        plan: { mode: "sets", sets: [13, 7], restSeconds: 51, countReps: true, target: { percentLop: 41 }, lop: 204 },
      },
      "rest",
      2.28,
    );
    expect(result.endReason).toBe("fault: hose-kink");
    const timing = result.faults[0]!;
    expect(timing.toSafeSeconds).not.toBeNull();
    expect(timing.toSafeSeconds!).toBeLessThan(45);
  });
});
