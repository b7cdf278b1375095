/**
 * Healthy hardware at the edges of the scenario ranges: narrow and long hoses, tiny manifolds,
 * small pumps, big contractions. No fault is injected, so the session must end without one, and
 * the cuff must really be empty when the controller says it is.
 */
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { runScenario, type TraceRow } from "../../hardware/sim/bench/run-scenario.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { DEFLATED_MMHG } from "../../shared/limits.ts";

const profile = referenceProfile();

function scenario(input: Omit<ScenarioInput, "name">) {
  return parseScenario({ name: "range edge", seed: 5, ...input });
}

async function run(input: Omit<ScenarioInput, "name">, onTrace?: (row: TraceRow) => void) {
  return runScenario(scenario(input), { profile, lopConfirmed: true, maxSimSeconds: 600, ...(onTrace ? { onTrace } : {}) });
}

/** A session of the range sweep (bench/range-draw.ts), as drawn: every key of its scenario given. */
async function runDrawn(input: Omit<ScenarioInput, "name">) {
  return runScenario(parseScenario({ name: "range sweep draw", ...input }), { profile, lopConfirmed: true, maxSimSeconds: 600 });
}

describe("the deflation behind a narrow hose", () => {
  it("goes on until the cuff is empty, although the open vent empties the sensor's side of the hose at once", async () => {
    // 3.2 m of 2.7 mm hose, a 46 mL manifold and a 3.7 mm vent: with the vent open the sensor reads
    // 2 mmHg while the cuff behind the hose still holds 180.
    let cuffWhenVented: number | null = null;
    let deflating = false;
    const result = await run(
      {
        limb: "leg",
        subject: { limbCircumferenceCm: 46, systolic: 130 },
        cuff: { widthCm: 13.7 },
        hardware: { pumpFreeFlowLpm: 1.7, hoseLengthM: 3.2, hoseInnerMm: 2.7, manifoldMl: 46, ventOrificeMm: 3.7 },
        exercise: { repSeconds: 2, contractionSwingMmhg: 10 },
        plan: { sets: [5], restSeconds: 20, target: { percentLop: 60 }, lop: 190 },
      },
      (row) => {
        if (row.phase === "deflate") deflating = true;
        if (deflating && row.state === "vented" && cuffWhenVented === null) cuffWhenVented = row.cuffMmhg;
      },
    );
    expect(result.finalState).toBe("vented");
    expect(result.endReason).toMatch(/plan complete/);
    expect(cuffWhenVented).not.toBeNull();
    expect(cuffWhenVented!).toBeLessThan(DEFLATED_MMHG + 3);
  });
});

describe("a narrow hose is not a kink", () => {
  it("3.5 m of 2 mm hose: a climb judged from the level before a dip still teaches the hose's jump from its lowest, no hose-kink alarm in the inflation", async () => {
    const result = await runDrawn({
      seed: 1410700,
      limb: "arm",
      subject: { systolic: 119, diastolic: 83, heartRate: 150, limbCircumferenceCm: 36.4, breathsPerMin: 24, arteryStiffnessMmhg: 29, pulsationAtLopFraction: 0.26, supraLopTailPercent: 31, lopResidualMmhg: 5.7, respiratorySwingMmhg: 3.7, heartRateVariabilityPercent: 4.1, ectopicBeatsPerMin: 0.2, atrialFibrillation: false, distalPerfusionPercent: 0.82 },
      cuff: { widthCm: 14.4 },
      hardware: {
        pumpFreeFlowLpm: 5.38, pumpStallMmhg: 839.37, leakMmhgPerMin: 1.05, ventOrificeMm: 3.26, reliefMmhg: 329, hoseLengthM: 3.52, hoseInnerMm: 2, manifoldMl: 49,
        sensorNoiseMmhg: 1.4, sensorOffsetMmhg: -15.45, sensorDriftMmhgPerMin: 0, sensorSpanErrorPercent: 0.73,
        secondarySensorNoiseMmhg: 2.35, secondarySensorOffsetMmhg: 8.28, secondarySensorDriftMmhgPerMin: 0.1, secondarySensorSpanErrorPercent: -0.54,
      },
      exercise: { repSeconds: 5.6, contractionSwingMmhg: 7.9, relaxedDropMmhg: 12.6, swellingMmhg: 15.5, motionArtefactMmhg: 5.1 },
      plan: { sets: [15], restSeconds: 57, target: { percentLop: 67 }, lop: 165 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.finalState).toBe("vented");
  });

  it("3 m of 2.1 mm hose, a 6 L/min pump and a sensor with 2.4 mmHg of noise: the first start's climb is not cut short and taught as a 10 mmHg jump, no hose-kink alarm", async () => {
    const result = await runDrawn({
      seed: 5253856,
      limb: "arm",
      subject: { systolic: 191, diastolic: 108, heartRate: 40, limbCircumferenceCm: 39.8, breathsPerMin: 15, arteryStiffnessMmhg: 42, pulsationAtLopFraction: 0.2, supraLopTailPercent: 28, lopResidualMmhg: -5, respiratorySwingMmhg: 2.2, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.98 },
      cuff: { widthCm: 8.4 },
      hardware: {
        pumpFreeFlowLpm: 6, pumpStallMmhg: 338.12, leakMmhgPerMin: 10.66, ventOrificeMm: 3.65, reliefMmhg: 288.69, hoseLengthM: 3.05, hoseInnerMm: 2.1, manifoldMl: 57.09,
        sensorNoiseMmhg: 2.39, sensorOffsetMmhg: -5.07, sensorDriftMmhgPerMin: -0.04, sensorSpanErrorPercent: 0.85,
        secondarySensorNoiseMmhg: 2.27, secondarySensorOffsetMmhg: 7.63, secondarySensorDriftMmhgPerMin: 0.1, secondarySensorSpanErrorPercent: -0.33,
      },
      exercise: { repSeconds: 3.5, contractionSwingMmhg: 46.2, relaxedDropMmhg: 0.4, swellingMmhg: 7.9, motionArtefactMmhg: 3.8 },
      plan: { sets: [25, 13, 13, 13], restSeconds: 53, target: { percentLop: 57 }, lop: 215 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("the pump's first start jumps the reading by the hose's own drop (2 mm hose, 4.9 L/min): no hose-kink alarm through a whole session", async () => {
    const result = await run({
      limb: "leg",
      subject: { limbCircumferenceCm: 55, systolic: 110 },
      cuff: { widthCm: 9 },
      hardware: { pumpFreeFlowLpm: 4.86, pumpStallMmhg: 989, sensorNoiseMmhg: 2.2, hoseLengthM: 2.3, hoseInnerMm: 2, manifoldMl: 34, ventOrificeMm: 1.3 },
      exercise: { repSeconds: 3, contractionSwingMmhg: 20 },
      plan: { sets: [6, 5], restSeconds: 20, target: { percentLop: 50 }, lop: 205 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("a vent pulse in a set through 2.4 m of 2 mm hose, the pump restarting the tick the vent shuts: the climb back counts from the level before the pulse, no hose-kink alarm", async () => {
    // The pump idled at a duty too low to count before the pulse; the reading dipped 35 mmHg and
    // climbed back 37 mmHg within 0.07 s, to 2 mmHg over where it was.
    const result = await run({
      seed: 1436488,
      limb: "leg",
      subject: { systolic: 103, diastolic: 88, heartRate: 127, limbCircumferenceCm: 55.6, breathsPerMin: 20, arteryStiffnessMmhg: 51, pulsationAtLopFraction: 0.32, supraLopTailPercent: 65, lopResidualMmhg: -28.7, respiratorySwingMmhg: 3, heartRateVariabilityPercent: 4.3, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.92 },
      cuff: { widthCm: 12.6 },
      hardware: {
        pumpFreeFlowLpm: 4.91, pumpStallMmhg: 723.12, leakMmhgPerMin: 16.3, sensorNoiseMmhg: 2.79, sensorOffsetMmhg: -11.54, sensorDriftMmhgPerMin: 0, sensorSpanErrorPercent: 0.49,
        secondarySensorNoiseMmhg: 0, secondarySensorOffsetMmhg: 5.13, secondarySensorDriftMmhgPerMin: 0.1, secondarySensorSpanErrorPercent: -0.51,
        ventOrificeMm: 3.51, reliefMmhg: 255.4, hoseLengthM: 2.39, hoseInnerMm: 2, manifoldMl: 14.5, distalPulseSensor: false,
      },
      exercise: { repSeconds: 2.2, contractionSwingMmhg: 45.4, relaxedDropMmhg: 39.4, swellingMmhg: 11.8, motionArtefactMmhg: 5.7 },
      plan: { mode: "sets", sets: [16, 8, 8, 8], restSeconds: 36, countReps: true, target: { percentLop: 71 }, lop: 151 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("top-ups in a rest through 1.75 m of 2.1 mm hose with a 5.6 L/min pump: no hose-kink alarm", async () => {
    const result = await run({
      limb: "arm",
      subject: { limbCircumferenceCm: 42, systolic: 140 },
      cuff: { widthCm: 8.6 },
      hardware: { pumpFreeFlowLpm: 5.57, pumpStallMmhg: 569, sensorNoiseMmhg: 2.3, hoseLengthM: 1.75, hoseInnerMm: 2.1, manifoldMl: 53, ventOrificeMm: 4, leakMmhgPerMin: 57 },
      exercise: { repSeconds: 3.9, contractionSwingMmhg: 10 },
      plan: { sets: [6, 5], restSeconds: 30, target: { percentLop: 77 }, lop: 205 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a short hose ringing after a vent pulse is not a sensor jump", () => {
  it("0.2 m of 2.8 mm hose and a 2 mL manifold: a vent pulse's 56 mmHg dip rings back 33 mmHg past the level, and no sensor-slope alarm", async () => {
    // The air in the hose and the box rings like a mass on a spring: it swings past the level it
    // returns to by more than half the dip, never by more than the whole dip.
    const result = await run({
      seed: 3,
      limb: "arm",
      subject: { systolic: 171, diastolic: 122, heartRate: 91, limbCircumferenceCm: 26.6, breathsPerMin: 12 },
      cuff: { widthCm: 13.9 },
      hardware: { pumpFreeFlowLpm: 6, pumpStallMmhg: 344, leakMmhgPerMin: 44.4, sensorNoiseMmhg: 0, sensorOffsetMmhg: 20, secondarySensorNoiseMmhg: 2.67, secondarySensorOffsetMmhg: -5.52, ventOrificeMm: 3.92, reliefMmhg: 329, hoseLengthM: 0.2, hoseInnerMm: 2.79, manifoldMl: 2 },
      exercise: { repSeconds: 3.3, contractionSwingMmhg: 53.9, relaxedDropMmhg: 17.6, swellingMmhg: 4.8, motionArtefactMmhg: 0.8 },
      plan: { sets: [5, 5, 5], restSeconds: 85, target: { percentLop: 40 }, lop: 176 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("sensor-slope");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a weak pulsation in a noisy hold is not occlusion", () => {
  it("a 10.8 cm arm cuff held at 43 % of its measured LOP (half the true one), pulse pressure 15 mmHg: its small, wandering pulsation is not judged against the LOP measurement's envelope, no occlusion alarm", async () => {
    const result = await runDrawn({
      seed: 6806595,
      limb: "arm",
      subject: { systolic: 117, diastolic: 102, heartRate: 73, limbCircumferenceCm: 20, breathsPerMin: 13, arteryStiffnessMmhg: 24, pulsationAtLopFraction: 0.41, supraLopTailPercent: 52, lopResidualMmhg: 4.3, respiratorySwingMmhg: 1.6, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 2.24 },
      cuff: { widthCm: 10.8 },
      hardware: {
        pumpFreeFlowLpm: 2.21, pumpStallMmhg: 791.01, leakMmhgPerMin: 32.93, ventOrificeMm: 1.96, reliefMmhg: 258.85, hoseLengthM: 4.12, hoseInnerMm: 6.96, manifoldMl: 75.83,
        sensorNoiseMmhg: 0.11, sensorOffsetMmhg: -6.12, sensorDriftMmhgPerMin: 0.05, sensorSpanErrorPercent: -0.96,
        secondarySensorNoiseMmhg: 0.68, secondarySensorOffsetMmhg: -5.68, secondarySensorDriftMmhgPerMin: -0.09, secondarySensorSpanErrorPercent: 0.07,
      },
      exercise: { repSeconds: 5.9, contractionSwingMmhg: 0, relaxedDropMmhg: 37.8, swellingMmhg: 28.6, motionArtefactMmhg: 5.6 },
      plan: { sets: [22, 11, 11, 11], restSeconds: 64, target: { percentLop: 43 }, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("occlusion");
    expect(result.finalState).toBe("vented");
  });

  it("a 7.2 cm leg cuff behind 1.5 m of 2.2 mm hose, a 15 mmHg pulse pressure at 143 bpm, a very quiet sensor: an envelope peaking at 0.2 mmHg is refused as too weak, not read as an LOP of 104 against a true 266", async () => {
    const result = await runDrawn({
      seed: 4186617,
      limb: "leg",
      subject: { systolic: 105, diastolic: 90, heartRate: 143, limbCircumferenceCm: 58.3, breathsPerMin: 21, arteryStiffnessMmhg: 25, pulsationAtLopFraction: 0.42, supraLopTailPercent: 48, lopResidualMmhg: 14, respiratorySwingMmhg: 4.1, heartRateVariabilityPercent: 3.9, ectopicBeatsPerMin: 1.9, atrialFibrillation: false, distalPerfusionPercent: 3.92 },
      cuff: { widthCm: 7.2 },
      hardware: {
        pumpFreeFlowLpm: 2.47, pumpStallMmhg: 430.51, leakMmhgPerMin: 9.9, ventOrificeMm: 0.82, reliefMmhg: 254.22, hoseLengthM: 1.54, hoseInnerMm: 2.2, manifoldMl: 57.69,
        sensorNoiseMmhg: 0.08, sensorOffsetMmhg: 6.46, sensorDriftMmhgPerMin: 0.09, sensorSpanErrorPercent: 0.08,
        secondarySensorNoiseMmhg: 2.54, secondarySensorOffsetMmhg: -9, secondarySensorDriftMmhgPerMin: -0.04, secondarySensorSpanErrorPercent: 1,
      },
      exercise: { repSeconds: 2.1, contractionSwingMmhg: 57.2, relaxedDropMmhg: 0, swellingMmhg: 22, motionArtefactMmhg: 5.6 },
      plan: { sets: [7, 5, 5], restSeconds: 74, target: { percentLop: 64 }, lop: "measure" },
    });
    expect(result.lopMeasuredMmhg).toBeNull();
    expect(result.endReason).toMatch(/pulsations too weak to read/);
    expect(result.finalState).not.toBe("fault");
  });

  it("a 6.5 cm arm cuff at 68 % of its LOP, whose largest pulsation stood barely over the hold's noise: no occlusion alarm in the rest", async () => {
    // The largest pulsation the measurement passed over was 0.9 mmHg, the noise floor the hold reads
    // above 15 Hz 0.7 mmHg: a fifth of that pulsation lies under the floor, and the rest's windows
    // read as no pulsation at all.
    const result = await run({
      seed: 1497809,
      limb: "arm",
      subject: { systolic: 141, diastolic: 124, heartRate: 144, limbCircumferenceCm: 30, breathsPerMin: 15, arteryStiffnessMmhg: 44, pulsationAtLopFraction: 0.34, supraLopTailPercent: 36, lopResidualMmhg: -4.1, respiratorySwingMmhg: 2.8, heartRateVariabilityPercent: 5.5, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 0.73 },
      cuff: { widthCm: 6.5 },
      hardware: {
        pumpFreeFlowLpm: 5.78, pumpStallMmhg: 250, leakMmhgPerMin: 39.97, sensorNoiseMmhg: 0, sensorOffsetMmhg: -12.07, sensorDriftMmhgPerMin: 0.03, sensorSpanErrorPercent: 0.66,
        secondarySensorNoiseMmhg: 0.21, secondarySensorOffsetMmhg: 0.05, secondarySensorDriftMmhgPerMin: 0.07, secondarySensorSpanErrorPercent: -0.55,
        ventOrificeMm: 0.8, reliefMmhg: 250, hoseLengthM: 4, hoseInnerMm: 2.9, manifoldMl: 60.74, distalPulseSensor: false,
      },
      exercise: { repSeconds: 1.7, contractionSwingMmhg: 41.2, relaxedDropMmhg: 26.7, swellingMmhg: 29.3, motionArtefactMmhg: 5 },
      plan: { mode: "sets", sets: [7, 5], restSeconds: 82, countReps: true, target: { percentLop: 68 }, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("occlusion");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("the slowest healthy pump is not dead", () => {
  it("a 0.5 L/min pump filling a 15 cm cuff round an 80 cm thigh, read by a sensor with 3 mmHg of noise: no pump-dead alarm while the bladder takes up its slack", async () => {
    // The pump lifts the cuff about 0.24 mmHg/s under 30 mmHg, 1.4 mmHg in 6 s.
    const result = await run({
      seed: 3,
      limb: "leg",
      subject: { limbCircumferenceCm: 80, systolic: 130 },
      cuff: { widthCm: 15 },
      hardware: { pumpFreeFlowLpm: 0.5, pumpStallMmhg: 500, leakMmhgPerMin: 20, sensorNoiseMmhg: 3, hoseLengthM: 5, hoseInnerMm: 6, manifoldMl: 40, ventOrificeMm: 2 },
      exercise: { repSeconds: 3, contractionSwingMmhg: 20 },
      plan: { sets: [5], restSeconds: 20, target: { percentLop: 40 }, lop: 250 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("pump-dead");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a quiet sensor in a set is not stuck", () => {
  it("a noiseless second sensor holding one count between beats while the first, with 3 mmHg of noise, wanders 3 mmHg: no sensor-stuck alarm in a slow LOP measurement", async () => {
    const result = await runDrawn({
      seed: 2123615,
      limb: "leg",
      subject: { systolic: 140, diastolic: 85, heartRate: 73, limbCircumferenceCm: 80, breathsPerMin: 22, arteryStiffnessMmhg: 32, pulsationAtLopFraction: 0.3, supraLopTailPercent: 57, lopResidualMmhg: 34.7, respiratorySwingMmhg: 4.6, heartRateVariabilityPercent: 2.6, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 0.6 },
      cuff: { widthCm: 14.5 },
      hardware: {
        pumpFreeFlowLpm: 0.64, pumpStallMmhg: 250.53, leakMmhgPerMin: 11.89, ventOrificeMm: 2.91, reliefMmhg: 256.4, hoseLengthM: 3.92, hoseInnerMm: 4.98, manifoldMl: 92.07,
        sensorNoiseMmhg: 2.98, sensorOffsetMmhg: 7.05, sensorDriftMmhgPerMin: -0.05, sensorSpanErrorPercent: 0.2,
        secondarySensorNoiseMmhg: 0, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: -0.1, secondarySensorSpanErrorPercent: 0.63,
      },
      exercise: { repSeconds: 3.3, contractionSwingMmhg: 31.8, relaxedDropMmhg: 21.1, swellingMmhg: 10.2, motionArtefactMmhg: 2.3 },
      plan: { sets: [18], restSeconds: 26, target: { percentLop: 70 }, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("sensor-stuck");
    expect(result.finalState).not.toBe("fault");
  });

  it("a noiseless sensor on a 12 cm thigh cuff at 44 % LOP, 5.5 s reps of a 4 mmHg swing: the regulator holds the pressure within one count for half a second, and no sensor-stuck alarm", async () => {
    const result = await run({
      seed: 5,
      limb: "leg",
      subject: { limbCircumferenceCm: 66.6, systolic: 94, diastolic: 47, heartRate: 42 },
      cuff: { widthCm: 12 },
      hardware: { pumpFreeFlowLpm: 5.6, pumpStallMmhg: 1000, leakMmhgPerMin: 14, sensorNoiseMmhg: 0, hoseLengthM: 4.8, hoseInnerMm: 6.6, manifoldMl: 21, ventOrificeMm: 3.8 },
      exercise: { repSeconds: 5.5, contractionSwingMmhg: 4, relaxedDropMmhg: 7.7, swellingMmhg: 6.9, motionArtefactMmhg: 6.2 },
      plan: { sets: [30, 15], restSeconds: 60, target: { percentLop: 44 }, lop: 160 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("sensor-stuck");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a small pump refilling a cuff after a set is not dead", () => {
  // The pump's record must not take the limb's own movement during a short top-up for the pump's
  // work: a rest's refill then rises far slower than the record claims, and reads as a dead pump.
  it("a 0.5 L/min pump on a 9 cm thigh cuff at 66 bpm, topped up between beats in the rests: no pump-dead alarm", async () => {
    const result = await run({
      seed: 1,
      limb: "leg",
      subject: { limbCircumferenceCm: 71.4, heartRate: 66 },
      cuff: { widthCm: 9 },
      hardware: { pumpFreeFlowLpm: 0.5, pumpStallMmhg: 289, leakMmhgPerMin: 0, sensorNoiseMmhg: 2.1, hoseLengthM: 1.8, hoseInnerMm: 2.7, manifoldMl: 84, ventOrificeMm: 2.55 },
      exercise: { repSeconds: 2.8, contractionSwingMmhg: 53, relaxedDropMmhg: 15, swellingMmhg: 11.6, motionArtefactMmhg: 7.8 },
      plan: { sets: [28, 14, 14, 14], restSeconds: 79, target: { percentLop: 60 }, lop: 288 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("pump-dead");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("a 0.52 L/min pump on a 15 cm thigh cuff knocked by 7.6 mmHg: no pump-dead alarm in the rests", async () => {
    const result = await run({
      seed: 6,
      limb: "leg",
      subject: { limbCircumferenceCm: 67.3 },
      cuff: { widthCm: 15 },
      hardware: { pumpFreeFlowLpm: 0.52, pumpStallMmhg: 896, leakMmhgPerMin: 23, sensorNoiseMmhg: 0.34, hoseLengthM: 0.2, hoseInnerMm: 6.1, manifoldMl: 21, ventOrificeMm: 2.3 },
      exercise: { repSeconds: 5.4, contractionSwingMmhg: 57, relaxedDropMmhg: 0, swellingMmhg: 28.5, motionArtefactMmhg: 7.6 },
      plan: { sets: [30, 15, 15], restSeconds: 36, target: { percentLop: 65 }, lop: 222 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("pump-dead");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a knock behind a long narrow hose is not a dead pump", () => {
  it("a 1.16 L/min pump measuring the LOP through 5 m of 2.3 mm hose, the limb knocked at 155 mmHg: no pump-dead alarm", async () => {
    // The hose spreads the knock over half a second at the sensor, which a five-block median did not reject.
    const result = await runScenario(
      parseScenario({
        name: "knock behind a long hose",
        seed: 2634493,
        limb: "leg",
        subject: { systolic: 145, diastolic: 56, heartRate: 52, limbCircumferenceCm: 59.9, breathsPerMin: 21, arteryStiffnessMmhg: 29, pulsationAtLopFraction: 0.39, supraLopTailPercent: 65, lopResidualMmhg: -12.3, respiratorySwingMmhg: 3.9, heartRateVariabilityPercent: 2.8, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.17 },
        cuff: { widthCm: 10.1 },
        hardware: {
          pumpFreeFlowLpm: 1.16, pumpStallMmhg: 250, leakMmhgPerMin: 34.5, ventOrificeMm: 0.8, reliefMmhg: 261.29, hoseLengthM: 5, hoseInnerMm: 2.31, manifoldMl: 76.41,
          sensorNoiseMmhg: 0.3, sensorOffsetMmhg: -20, sensorDriftMmhgPerMin: 0.04, sensorSpanErrorPercent: -0.69,
          secondarySensorNoiseMmhg: 1.93, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: -0.04, secondarySensorSpanErrorPercent: 0.42,
        },
        exercise: { repSeconds: 5.4, contractionSwingMmhg: 47, relaxedDropMmhg: 11.3, swellingMmhg: 7.3, motionArtefactMmhg: 10 },
        plan: { sets: [20, 10, 10], restSeconds: 79, target: { percentLop: 45 }, lop: "measure" },
      }),
      { profile, lopConfirmed: true, maxSimSeconds: 600 },
    );
    expect(result.alarms.map((a) => a.kind)).not.toContain("pump-dead");
    expect(result.finalState).not.toBe("fault");
  });
});

describe("a knock in a set is not a kinked hose", () => {
  it("an 8.3 cm arm cuff dented 22 mmHg by a knock springs back 39 mmHg within 0.1 s while a 2.7 L/min pump runs: no hose-kink alarm", async () => {
    const result = await runDrawn({
      seed: 4299514,
      limb: "arm",
      subject: { systolic: 163, diastolic: 54, heartRate: 69, limbCircumferenceCm: 39.3, breathsPerMin: 6, arteryStiffnessMmhg: 41, pulsationAtLopFraction: 0.33, supraLopTailPercent: 15, lopResidualMmhg: -2, respiratorySwingMmhg: 2.7, heartRateVariabilityPercent: 4.3, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 2.97 },
      cuff: { widthCm: 8.3 },
      hardware: {
        pumpFreeFlowLpm: 2.69, pumpStallMmhg: 250, leakMmhgPerMin: 11.64, ventOrificeMm: 2.75, reliefMmhg: 319.64, hoseLengthM: 1.62, hoseInnerMm: 7.27, manifoldMl: 33.53,
        sensorNoiseMmhg: 3, sensorOffsetMmhg: 7.76, sensorDriftMmhgPerMin: 0, sensorSpanErrorPercent: -0.69,
        secondarySensorNoiseMmhg: 2.56, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: 0.03, secondarySensorSpanErrorPercent: -0.03,
      },
      exercise: { repSeconds: 2.6, contractionSwingMmhg: 60, relaxedDropMmhg: 0.3, swellingMmhg: 22.8, motionArtefactMmhg: 9.2 },
      plan: { sets: [16, 8, 8], restSeconds: 80, target: { percentLop: 78 }, lop: 209 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a small cuff behind a large vent is not a kinked hose", () => {
  it("a 4.1 cm leg cuff whose kink probes lose 0-4 mmHg loses 10.4 to one (a beat under it): the probe repeats, no hose-kink alarm", async () => {
    const result = await runDrawn({
      seed: 4653838,
      limb: "leg",
      subject: { systolic: 196, diastolic: 73, heartRate: 80, limbCircumferenceCm: 49.4, breathsPerMin: 24, arteryStiffnessMmhg: 31, pulsationAtLopFraction: 0.24, supraLopTailPercent: 27, lopResidualMmhg: -36.3, respiratorySwingMmhg: 3.6, heartRateVariabilityPercent: 5.3, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.29 },
      cuff: { widthCm: 4.1 },
      hardware: {
        pumpFreeFlowLpm: 4.9, pumpStallMmhg: 944.16, leakMmhgPerMin: 3.67, ventOrificeMm: 3.28, reliefMmhg: 258.44, hoseLengthM: 1.28, hoseInnerMm: 3.17, manifoldMl: 43.51,
        sensorNoiseMmhg: 0.46, sensorOffsetMmhg: 0.31, sensorDriftMmhgPerMin: -0.1, sensorSpanErrorPercent: -0.1,
        secondarySensorNoiseMmhg: 0.96, secondarySensorOffsetMmhg: 4.16, secondarySensorDriftMmhgPerMin: 0.03, secondarySensorSpanErrorPercent: 0.94,
      },
      exercise: { repSeconds: 4.7, contractionSwingMmhg: 45.8, relaxedDropMmhg: 60, swellingMmhg: 29.5, motionArtefactMmhg: 4.9 },
      plan: { sets: [27, 14, 14, 14], restSeconds: 57, target: { percentLop: 40 }, lop: 254 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("a 4.2 cm arm cuff behind a 4 mm vent empties from 50 to 10 mmHg within 0.1 s at the end, and holds 4-6 mmHg with the vent shut: not a kinked hose", async () => {
    const result = await runDrawn({
      seed: 4823994,
      limb: "arm",
      subject: { systolic: 200, diastolic: 55, heartRate: 100, limbCircumferenceCm: 27.8, breathsPerMin: 11, arteryStiffnessMmhg: 26, pulsationAtLopFraction: 0.19, supraLopTailPercent: 51, lopResidualMmhg: 6.2, respiratorySwingMmhg: 2.7, heartRateVariabilityPercent: 7.2, ectopicBeatsPerMin: 1.4, atrialFibrillation: false, distalPerfusionPercent: 1.49 },
      cuff: { widthCm: 4.2 },
      hardware: {
        pumpFreeFlowLpm: 5.64, pumpStallMmhg: 278.78, leakMmhgPerMin: 43.43, ventOrificeMm: 4, reliefMmhg: 257.74, hoseLengthM: 0.2, hoseInnerMm: 8, manifoldMl: 90.39,
        sensorNoiseMmhg: 1.44, sensorOffsetMmhg: -20, sensorDriftMmhgPerMin: -0.1, sensorSpanErrorPercent: 0.82,
        secondarySensorNoiseMmhg: 2.26, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: 0.02, secondarySensorSpanErrorPercent: 0.17,
      },
      exercise: { repSeconds: 3.1, contractionSwingMmhg: 45.9, relaxedDropMmhg: 30, swellingMmhg: 21.5, motionArtefactMmhg: 6.8 },
      plan: { sets: [21, 11, 11], restSeconds: 66, target: { percentLop: 77 }, lop: 237 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.finalState).toBe("vented");
    expect(result.metrics.deflateSeconds!).toBeLessThan(3);
  });

  it("a 4.5 cm arm cuff behind a 3.5 mm vent and a 2 mL manifold loses 8-11 mmHg to each kink probe itself: no hose-kink alarm in its holds", async () => {
    const result = await run({
      seed: 4,
      limb: "arm",
      subject: { limbCircumferenceCm: 20, systolic: 150 },
      cuff: { widthCm: 4.5 },
      hardware: { pumpFreeFlowLpm: 4.9, sensorNoiseMmhg: 0.3, hoseLengthM: 0.5, hoseInnerMm: 8, manifoldMl: 2, ventOrificeMm: 3.5, leakMmhgPerMin: 3 },
      exercise: { repSeconds: 2, contractionSwingMmhg: 13 },
      plan: { sets: [10, 8], restSeconds: 30, target: { percentLop: 70 }, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("hose-kink");
    expect(result.finalState).toBe("vented");
  });
});

describe("the slowest vent against a contraction after the set", () => {
  it("a 15 cm arm cuff behind a 0.8 mm vent, 57 mmHg contractions still coming after the counter ended the set: no valve-stuck-closed", async () => {
    const result = await runDrawn({
      seed: 5838036,
      limb: "arm",
      subject: { systolic: 170, diastolic: 107, heartRate: 79, limbCircumferenceCm: 39.6, breathsPerMin: 24, arteryStiffnessMmhg: 19, pulsationAtLopFraction: 0.29, supraLopTailPercent: 29, lopResidualMmhg: 0.1, respiratorySwingMmhg: 3.5, heartRateVariabilityPercent: 3.3, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.47 },
      cuff: { widthCm: 15 },
      hardware: {
        pumpFreeFlowLpm: 5.52, pumpStallMmhg: 341.42, leakMmhgPerMin: 47.65, ventOrificeMm: 0.8, reliefMmhg: 284.68, hoseLengthM: 2.31, hoseInnerMm: 7.85, manifoldMl: 18.24,
        sensorNoiseMmhg: 0.23, sensorOffsetMmhg: -6.24, sensorDriftMmhgPerMin: 0.02, sensorSpanErrorPercent: 0.61,
        secondarySensorNoiseMmhg: 0, secondarySensorOffsetMmhg: -5.4, secondarySensorDriftMmhgPerMin: 0.1, secondarySensorSpanErrorPercent: 0.96,
      },
      exercise: { repSeconds: 4.2, contractionSwingMmhg: 57, relaxedDropMmhg: 57.1, swellingMmhg: 26.1, motionArtefactMmhg: 2.6 },
      plan: { sets: [26, 13], restSeconds: 20, target: { percentLop: 41 }, lop: 175 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("valve-stuck-closed");
    expect(result.finalState).toBe("vented");
  });
});

describe("the set's last contraction against the slowest vent", () => {
  it("a 13.8 cm arm cuff behind a 0.8 mm vent: the last rep's 58 mmHg contraction rises against the open vent as the plan ends, and the deflation that follows is judged on its own, no valve-stuck-closed", async () => {
    const result = await runDrawn({
      seed: 6321300,
      limb: "arm",
      subject: { systolic: 178, diastolic: 68, heartRate: 56, limbCircumferenceCm: 41.4, breathsPerMin: 9, arteryStiffnessMmhg: 35, pulsationAtLopFraction: 0.36, supraLopTailPercent: 45, lopResidualMmhg: -0.7, respiratorySwingMmhg: 2.3, heartRateVariabilityPercent: 4.2, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 0.63 },
      cuff: { widthCm: 13.8 },
      hardware: {
        pumpFreeFlowLpm: 5.85, pumpStallMmhg: 934.29, leakMmhgPerMin: 22.17, ventOrificeMm: 0.8, reliefMmhg: 308.91, hoseLengthM: 1.29, hoseInnerMm: 6.93, manifoldMl: 95.69,
        sensorNoiseMmhg: 0.42, sensorOffsetMmhg: -16.32, sensorDriftMmhgPerMin: 0.09, sensorSpanErrorPercent: 0.35,
        secondarySensorNoiseMmhg: 0.83, secondarySensorOffsetMmhg: -2.35, secondarySensorDriftMmhgPerMin: 0.09, secondarySensorSpanErrorPercent: -0.72,
      },
      exercise: { repSeconds: 2.5, contractionSwingMmhg: 58.5, relaxedDropMmhg: 34.8, swellingMmhg: 24.8, motionArtefactMmhg: 5.6 },
      plan: { sets: [24], restSeconds: 55, target: { percentLop: 40 }, lop: 183 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("valve-stuck-closed");
    expect(result.finalState).toBe("vented");
  });
});

describe("a large cuff still emptying through the slowest vent after the session", () => {
  it("a 15 cm leg cuff behind a 0.83 mm vent still falls 0.8 mmHg/s at 10 mmHg once vented: no sensor-drift", async () => {
    const result = await runDrawn({
      seed: 11305407,
      limb: "leg",
      subject: { systolic: 106, diastolic: 91, heartRate: 150, limbCircumferenceCm: 45.4, breathsPerMin: 8, arteryStiffnessMmhg: 30, pulsationAtLopFraction: 0.23, supraLopTailPercent: 54, lopResidualMmhg: -4.2, respiratorySwingMmhg: 3, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 3.09 },
      cuff: { widthCm: 15 },
      hardware: {
        pumpFreeFlowLpm: 0.5, pumpStallMmhg: 732.57, leakMmhgPerMin: 11.59, ventOrificeMm: 0.83, reliefMmhg: 329, hoseLengthM: 1.7, hoseInnerMm: 4.25, manifoldMl: 32.3,
        sensorNoiseMmhg: 0, sensorOffsetMmhg: 8.02, sensorDriftMmhgPerMin: 0.08, sensorSpanErrorPercent: 0.32,
        secondarySensorNoiseMmhg: 1.11, secondarySensorOffsetMmhg: -2.76, secondarySensorDriftMmhgPerMin: 0.01, secondarySensorSpanErrorPercent: -0.83,
      },
      exercise: { repSeconds: 3.7, contractionSwingMmhg: 53.2, relaxedDropMmhg: 60, swellingMmhg: 5.7, motionArtefactMmhg: 6.1 },
      plan: { sets: [16, 8], restSeconds: 27, target: {"percentLop": 42}, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("sensor-drift");
    expect(result.finalState).toBe("vented");
  });
});

describe("contractions in the deflation after the last set", () => {
  it("a 13.4 cm leg cuff behind a 0.8 mm vent: a contraction after the plan's last count lifts the deflating cuff 6 mmHg, no valve-stuck-closed", async () => {
    const result = await runDrawn({
      seed: 9083615,
      limb: "leg",
      subject: { systolic: 140, diastolic: 68, heartRate: 109, limbCircumferenceCm: 74.6, breathsPerMin: 26, arteryStiffnessMmhg: 15, pulsationAtLopFraction: 0.27, supraLopTailPercent: 59, lopResidualMmhg: 20.2, respiratorySwingMmhg: 3.8, heartRateVariabilityPercent: 6.1, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 2.25 },
      cuff: { widthCm: 13.4 },
      hardware: {
        pumpFreeFlowLpm: 4.07, pumpStallMmhg: 531.61, leakMmhgPerMin: 41.27, ventOrificeMm: 0.8, reliefMmhg: 321.76, hoseLengthM: 5, hoseInnerMm: 5.11, manifoldMl: 53.96,
        sensorNoiseMmhg: 1.5, sensorOffsetMmhg: 19.47, sensorDriftMmhgPerMin: 0.04, sensorSpanErrorPercent: -0.6,
        secondarySensorNoiseMmhg: 1.3, secondarySensorOffsetMmhg: 9, secondarySensorDriftMmhgPerMin: -0.03, secondarySensorSpanErrorPercent: 0.47,
      },
      exercise: { repSeconds: 5.6, contractionSwingMmhg: 38.8, relaxedDropMmhg: 54, swellingMmhg: 30, motionArtefactMmhg: 8.3 },
      plan: { sets: [30, 15], restSeconds: 57, target: { percentLop: 59 }, lop: "measure" },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("valve-stuck-closed");
    expect(result.finalState).toBe("vented");
  });
});

describe("a pump too small for its cuff", () => {
  it("a 5.4 L/min pump stalling at 250 mmHg on a 5.3 cm arm cuff at 135 mmHg, the rest swinging 110-139 mmHg as the limb settles: warned, no leak fault", async () => {
    const result = await runDrawn({
      seed: 3745184,
      limb: "arm",
      subject: { systolic: 118, diastolic: 103, heartRate: 84, limbCircumferenceCm: 20, breathsPerMin: 19, arteryStiffnessMmhg: 32, pulsationAtLopFraction: 0.35, supraLopTailPercent: 39, lopResidualMmhg: 3.5, respiratorySwingMmhg: 2.7, heartRateVariabilityPercent: 2.7, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 1.95 },
      cuff: { widthCm: 5.3 },
      hardware: {
        pumpFreeFlowLpm: 5.39, pumpStallMmhg: 250, leakMmhgPerMin: 13.63, ventOrificeMm: 4, reliefMmhg: 304.74, hoseLengthM: 2.79, hoseInnerMm: 6.16, manifoldMl: 29.06,
        sensorNoiseMmhg: 3, sensorOffsetMmhg: 20, sensorDriftMmhgPerMin: 0.09, sensorSpanErrorPercent: -0.59,
        secondarySensorNoiseMmhg: 2.82, secondarySensorOffsetMmhg: -8.82, secondarySensorDriftMmhgPerMin: 0, secondarySensorSpanErrorPercent: 0.08,
      },
      exercise: { repSeconds: 2.9, contractionSwingMmhg: 9.6, relaxedDropMmhg: 30.1, swellingMmhg: 30, motionArtefactMmhg: 1.4 },
      plan: { sets: [22, 11, 11, 11], restSeconds: 87, target: { percentLop: 74 }, lop: 183 },
    });
    expect(result.alarms.map((a) => a.kind)).not.toContain("leak");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("a 1.87 L/min pump on a 5 cm leg cuff leaking 59 mmHg/min at 183 mmHg, read by a 3 mmHg sensor, holds its rests: the leak is told, no leak fault", async () => {
    const result = await runScenario(
      parseScenario({
        name: "marginal pump in a rest",
        seed: 4305402,
        limb: "leg",
        subject: { systolic: 194, diastolic: 86, heartRate: 133, limbCircumferenceCm: 44.3, breathsPerMin: 12, arteryStiffnessMmhg: 46, pulsationAtLopFraction: 0.23, supraLopTailPercent: 44, lopResidualMmhg: 10.6, respiratorySwingMmhg: 3.5, heartRateVariabilityPercent: 3.8, ectopicBeatsPerMin: 0.5, atrialFibrillation: false, distalPerfusionPercent: 3.91 },
        cuff: { widthCm: 5 },
        hardware: {
          pumpFreeFlowLpm: 1.87, pumpStallMmhg: 863.93, leakMmhgPerMin: 58.91, ventOrificeMm: 3.95, reliefMmhg: 278.99, hoseLengthM: 3.49, hoseInnerMm: 6.42, manifoldMl: 21.14,
          sensorNoiseMmhg: 3, sensorOffsetMmhg: 9.49, sensorDriftMmhgPerMin: -0.05, sensorSpanErrorPercent: 1,
          secondarySensorNoiseMmhg: 0.54, secondarySensorOffsetMmhg: 7.17, secondarySensorDriftMmhgPerMin: 0.03, secondarySensorSpanErrorPercent: 0.75,
        },
        exercise: { repSeconds: 2.5, contractionSwingMmhg: 33, relaxedDropMmhg: 0, swellingMmhg: 10.4, motionArtefactMmhg: 9.9 },
        plan: { sets: [16, 8, 8], restSeconds: 54, target: { percentLop: 70 }, lop: 262 },
      }),
      { profile, lopConfirmed: true, maxSimSeconds: 600 },
    );
    // Corrections started on this sensor's noise would waste the pump and leave the cuff 6 mmHg short.
    expect(result.metrics.restWithin3!).toBeGreaterThan(0.9);
    expect(result.alarms.map((a) => a.kind)).toContain("slow-leak");
    expect(result.alarms.map((a) => a.kind)).not.toContain("leak");
    expect(result.endReason).toMatch(/plan complete/);
  });

  it("holds what a 0.5 L/min pump reaches on an 80 cm thigh leaking 60 mmHg/min, says so, and never faults", async () => {
    let highestCuffMmhg = 0;
    const result = await run(
      {
        limb: "leg",
        subject: { limbCircumferenceCm: 80 },
        cuff: { widthCm: 15 },
        hardware: { pumpFreeFlowLpm: 0.5, leakMmhgPerMin: 60 },
        plan: { sets: [15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: 200 },
      },
      (row) => {
        highestCuffMmhg = Math.max(highestCuffMmhg, row.cuffMmhg);
      },
    );
    const warning = result.alarms.find((a) => a.kind === "pump-too-small");
    expect(warning, "a pump-too-small warning").toBeDefined();
    // Still climbing 10 s before the inflation's 180 s limit: the session holds a little under the 131 mmHg it reached.
    expect(warning!.t).toBeGreaterThan(165);
    expect(warning!.t).toBeLessThan(172);
    expect(warning!.detail).toMatch(/short of the 160 mmHg target.*holds 1[23]\d mmHg instead/);
    expect(result.alarms.map((a) => a.kind)).not.toContain("target-not-reached");
    expect(result.finalState).toBe("vented");
    expect(result.endReason).toMatch(/plan complete/);
    expect(result.targetMmhg).toBeGreaterThan(0.6 * 160);
    expect(result.targetMmhg).toBeLessThan(160);
    expect(highestCuffMmhg).toBeLessThan(160);
  });
});

describe("faults after a levelled inflation", () => {
  // The session holds 127 mmHg of a 160 mmHg target from about 171 s (the test above); the fault comes at 185 s.
  const levelled = (kind: "sensor-stuck" | "cuff-off" | "host-silent") => ({
    limb: "leg" as const,
    subject: { limbCircumferenceCm: 80 },
    cuff: { widthCm: 15 },
    hardware: { pumpFreeFlowLpm: 0.5, leakMmhgPerMin: 60 },
    plan: { sets: [15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: 200 },
    faults: [{ at: 185, kind }],
  });

  it.each([
    ["sensor-stuck", 1],
    ["cuff-off", 5],
    ["host-silent", 10],
  ] as const)("%s: pump off, vent open within %d s", async (kind, withinSeconds) => {
    const result = await run(levelled(kind));
    expect(result.alarms.map((a) => a.kind)).toContain("pump-too-small");
    const timing = result.faults.find((f) => f.kind === kind)!;
    expect(timing.alarmKinds.length, "an alarm was raised").toBeGreaterThan(0);
    expect(timing.toSafeSeconds).not.toBeNull();
    expect(timing.toSafeSeconds!).toBeLessThanOrEqual(withinSeconds);
    expect(["fault", "vented"]).toContain(result.finalState);
  });
});

/** 3.1 m of 2.8 mm hose with a 6 L/min pump on a 9.2 cm leg cuff: the line's reading stands 50 mmHg over the cuff at full flow. */
const LINE_LIMITED: ScenarioInput = {
        name: "line-limited",
        seed: 3846100,
        limb: "leg",
        subject: { systolic: 160, diastolic: 90, heartRate: 117, limbCircumferenceCm: 38.8, breathsPerMin: 28, arteryStiffnessMmhg: 47, pulsationAtLopFraction: 0.24, supraLopTailPercent: 59, lopResidualMmhg: 5.9, respiratorySwingMmhg: 2.6, heartRateVariabilityPercent: 5.5, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 0.82 },
        cuff: { widthCm: 9.2 },
        hardware: {
          pumpFreeFlowLpm: 6, pumpStallMmhg: 648.96, leakMmhgPerMin: 30.8, ventOrificeMm: 3.89, reliefMmhg: 270.69, hoseLengthM: 3.07, hoseInnerMm: 2.78, manifoldMl: 11.75,
          sensorNoiseMmhg: 3, sensorOffsetMmhg: -12.55, sensorDriftMmhgPerMin: -0.08, sensorSpanErrorPercent: 0.6,
          secondarySensorNoiseMmhg: 0.72, secondarySensorOffsetMmhg: 4.66, secondarySensorDriftMmhgPerMin: 0, secondarySensorSpanErrorPercent: -0.95,
        },
        exercise: { repSeconds: 2.5, contractionSwingMmhg: 41.9, relaxedDropMmhg: 7, swellingMmhg: 5.9, motionArtefactMmhg: 1.6 },
        plan: { sets: [7, 5], restSeconds: 47, target: { percentLop: 40 }, lop: 194 },
      };

describe("the second sensor beside a small line", () => {
  it("a kink probe's 48 mmHg dip in 2.5 m of 2.7 mm hose and a 2 mL manifold, refilled: the noiseless second sensor standing on one count while the first settles is not stuck", async () => {
    const result = await runScenario(
      parseScenario({
        name: "second sensor after a probe dip",
        seed: 3626194,
        limb: "leg",
        subject: { systolic: 90, diastolic: 75, heartRate: 134, limbCircumferenceCm: 63.3, breathsPerMin: 15, arteryStiffnessMmhg: 38, pulsationAtLopFraction: 0.38, supraLopTailPercent: 63, lopResidualMmhg: -6.1, respiratorySwingMmhg: 2.8, heartRateVariabilityPercent: 1, ectopicBeatsPerMin: 0.3, atrialFibrillation: false, distalPerfusionPercent: 1.93 },
        cuff: { widthCm: 6.9 },
        hardware: {
          pumpFreeFlowLpm: 1.07, pumpStallMmhg: 523.94, leakMmhgPerMin: 30.48, ventOrificeMm: 4, reliefMmhg: 282.98, hoseLengthM: 2.49, hoseInnerMm: 2.74, manifoldMl: 2,
          sensorNoiseMmhg: 0.99, sensorOffsetMmhg: -18.08, sensorDriftMmhgPerMin: 0.09, sensorSpanErrorPercent: 0.24,
          secondarySensorNoiseMmhg: 0, secondarySensorOffsetMmhg: 0.94, secondarySensorDriftMmhgPerMin: -0.01, secondarySensorSpanErrorPercent: 0.55,
        },
        exercise: { repSeconds: 1.6, contractionSwingMmhg: 16.1, relaxedDropMmhg: 49.4, swellingMmhg: 7.2, motionArtefactMmhg: 0.8 },
        plan: { sets: [11, 6, 6], restSeconds: 48, target: { percentLop: 46 }, lop: 277 },
      }),
      { profile, lopConfirmed: true },
    );
    expect(result.alarms.map((a) => a.kind)).not.toContain("sensor-stuck");
    expect(result.endReason).toMatch(/plan complete/);
  });
});

describe("a hose that limits the line", () => {
  it("3.1 m of 2.8 mm hose and a 6 L/min pump on a 9.2 cm cuff, target 78 mmHg: the reading jumps 50 mmHg with the pump, the inflation fills the cuff by pulses read sealed to within 5 % of its target, no target-not-reached", async () => {
    let highestCuffMmhg = 0;
    let firstSetCuffMmhg: number | null = null;
    const result = await runScenario(
      parseScenario(LINE_LIMITED),
      {
        profile,
        lopConfirmed: true,
        maxSimSeconds: 600,
        onTrace: (row) => {
          if (row.phase === "set" && firstSetCuffMmhg === null) firstSetCuffMmhg = row.cuffMmhg;
          if (row.phase !== "lop") highestCuffMmhg = Math.max(highestCuffMmhg, row.cuffMmhg);
        },
      },
    );
    expect(result.finalState).toBe("vented");
    expect(result.alarms.map((a) => a.kind)).not.toContain("target-not-reached");
    // The set starts on a cuff within 5 % of the target (the old chatter left it 10-20 % short until the inflation's limit).
    expect(Math.abs(firstSetCuffMmhg! - result.targetMmhg!)).toBeLessThan(0.05 * result.targetMmhg!);
    expect(highestCuffMmhg).toBeLessThan(0.75 * result.lopTrueMmhg);
  });

  it("faults during the pulsed inflation end pump off, vent open: a stuck sensor within 0.5 s, a vent stuck shut within 20 s below 75 % of the LOP, a dead pump at the inflation's limit with the cuff empty", async () => {
    const scenario = parseScenario(LINE_LIMITED);
    const inject = async (kind: "sensor-stuck" | "valve-stuck-closed" | "pump-dead") => {
      let highestCuffMmhg = 0;
      const result = await runScenario(scenario, {
        profile,
        lopConfirmed: true,
        maxSimSeconds: 400,
        faultOnPhase: { kind, phase: "inflate", afterSeconds: 1 },
        onTrace: (row) => (highestCuffMmhg = Math.max(highestCuffMmhg, row.cuffMmhg)),
      });
      return { result, timing: result.faults[0]!, highestCuffMmhg };
    };
    const stuck = await inject("sensor-stuck");
    expect(stuck.result.finalState).toBe("fault");
    expect(stuck.timing.toSafeSeconds!).toBeLessThan(0.5);
    const shut = await inject("valve-stuck-closed");
    expect(shut.timing.alarmKinds).toContain("valve-stuck-closed");
    expect(shut.timing.toSafeSeconds!).toBeLessThan(20);
    expect(shut.highestCuffMmhg).toBeLessThan(0.75 * shut.result.lopTrueMmhg);
    // Pulses never run the pump long enough for the pump-dead rule: the inflation's time limit names it, the cuff never filled.
    const dead = await inject("pump-dead");
    expect(dead.timing.alarmKinds).toContain("target-not-reached");
    expect(dead.timing.toSafeSeconds!).toBeLessThan(181);
    expect(dead.highestCuffMmhg).toBeLessThan(20);
  });
});

describe("a regulator hunting behind a narrow hose", () => {
  it("does not count its own swings as reps: 1.2 m of 2.3 mm hose and a 62 mL manifold, 26 and 13 reps of 4.3 s", async () => {
    // The pump and vent move the 62 mL behind the hose many times faster than the cuff: at the
    // cuff's loop gain the reading swings 10-15 mmHg a few times a second, which the count took
    // for reps (26 counted when the athlete had done 14).
    const result = await run({
      limb: "arm",
      subject: { limbCircumferenceCm: 32, systolic: 196, diastolic: 85, heartRate: 130 },
      cuff: { widthCm: 15 },
      hardware: { pumpFreeFlowLpm: 3.8, sensorNoiseMmhg: 0.7, hoseLengthM: 1.18, hoseInnerMm: 2.28, manifoldMl: 62.5, ventOrificeMm: 3.2, leakMmhgPerMin: 49 },
      exercise: { repSeconds: 4.3, contractionSwingMmhg: 53.6, relaxedDropMmhg: 60, swellingMmhg: 25.5, motionArtefactMmhg: 10 },
      plan: { sets: [26, 13], restSeconds: 55, target: { percentLop: 63 }, lop: 201 },
    });
    expect(result.endReason).toMatch(/plan complete/);
    for (const set of result.reps) {
      expect(set.counted).toBeLessThanOrEqual(set.done + 1);
      expect(set.done + 1).toBeGreaterThanOrEqual(set.planned);
    }
  });
});
