/**
 * LOP with the distal pulse sensor, through the shipped firmware on the simulated
 * board: the distal reading, the cuff's cross-check, cold fingers, movement on
 * the clip, a clip off the skin or on the wrong limb, and the ramp's bounds.
 */
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { measureLopOnce, type Disturbance, type FirmwareLopRun } from "../../hardware/sim/bench/lop-run.ts";

const profile = referenceProfile();

/** A typical artery and heart, a quiet limb, and the clip on a warm finger (perfusion 3 %). */
const typical = { pulsationAtLopFraction: 0.3, arteryStiffnessMmhg: 30, supraLopTailPercent: 40, lopResidualMmhg: 0, respiratorySwingMmhg: 3, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false, distalPerfusionPercent: 3 };

function measure(input: Omit<ScenarioInput, "name">, options: { distalDisturbance?: Disturbance; distalOnOtherLimb?: boolean } = {}): FirmwareLopRun {
  const scenario = parseScenario({
    name: "distal lop test",
    exercise: { motionArtefactMmhg: 0 },
    ...input,
    hardware: { ...input.hardware, distalPulseSensor: true },
    subject: { ...typical, ...input.subject },
  });
  return measureLopOnce(scenario, profile, options);
}

/** The hand shaken (the clip's light swinging by `counts`) from `from` to `to` seconds into the measurement. */
const shaking = (from: number, to: number, counts: number): Disturbance => (t) => (t > from && t < to ? counts * Math.sin(2 * Math.PI * 1.7 * t) : 0);

function withinBounds(run: FirmwareLopRun): void {
  // The whole sentence reaches the user: the link carries 200 characters of a reason.
  expect(run.outcome.reason.length).toBeLessThan(200);
  expect(run.secondsAboveLop).toBeLessThanOrEqual(10);
  expect(run.peakOverLop).toBeLessThanOrEqual(1.3);
  expect(run.endState).toBe("vented");
}

describe("LOP where the distal pulse disappears", () => {
  it("reads a typical arm and thigh within 4 mmHg, cross-checked against the cuff's own reading, a few seconds above the LOP at most", () => {
    for (const limb of ["arm", "leg"] as const) {
      const run = measure({ seed: 3, limb, subject: { heartRate: 72 } });
      expect(run.outcome.ok, run.outcome.reason).toBe(true);
      expect(Math.abs(run.errorMmhg!)).toBeLessThanOrEqual(4);
      expect(run.outcome.reason).toMatch(/^read where the distal pulse disappears: \d+ mmHg \(\d+ beats fading from \d+\); the cuff's own reading: \d+ mmHg$/);
      expect(run.secondsAboveLop).toBeLessThan(5);
      withinBounds(run);
    }
  });

  it("reads a narrow (5 cm) arm cuff, whose LOP is far above systolic, within 4 mmHg", () => {
    const run = measure({ seed: 5, limb: "arm", cuff: { widthCm: 5 }, subject: { heartRate: 95, distalPerfusionPercent: 2 } });
    expect(run.lopTrueMmhg).toBeGreaterThan(200);
    expect(Math.abs(run.errorMmhg!)).toBeLessThanOrEqual(4);
  });

  it("reads a cool finger (perfusion 0.4 %) and atrial fibrillation within 4 mmHg", () => {
    expect(Math.abs(measure({ seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 0.4 } }).errorMmhg!)).toBeLessThanOrEqual(4);
    expect(Math.abs(measure({ seed: 8, limb: "leg", subject: { atrialFibrillation: true, heartRate: 100, distalPerfusionPercent: 2 } }).errorMmhg!)).toBeLessThanOrEqual(4);
  });

  it("cold fingers (perfusion 0.1 %): the cuff's own reading, saying the distal pulse is too weak to read", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72, distalPerfusionPercent: 0.1 } });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^the distal pulse is too weak to read \(cold fingers or a loose clip: warm the hand or foot, reseat the clip\); the cuff's own reading instead: \d+ mmHg$/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(15);
    withinBounds(run);
  });

  it("a weak pulse that vanishes before the fade can be read: the ramp goes on past the loss until the cuff reads, and says so", () => {
    const run = measure({
      seed: 2000005,
      limb: "leg",
      cuff: { widthCm: 6.6 },
      subject: { systolic: 114, diastolic: 82, heartRate: 83, limbCircumferenceCm: 60.6, breathsPerMin: 15, arteryStiffnessMmhg: 34, pulsationAtLopFraction: 0.4, supraLopTailPercent: 36, lopResidualMmhg: -30.4, respiratorySwingMmhg: 3.9, heartRateVariabilityPercent: 1.1, distalPerfusionPercent: 0.6 },
      hardware: { pumpFreeFlowLpm: 3.34, leakMmhgPerMin: 2, sensorNoiseMmhg: 0.53, sensorOffsetMmhg: 5.8 },
      exercise: { motionArtefactMmhg: 0.14 },
    });
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(run.outcome.reason).toMatch(/^the distal pulse vanished too abruptly to be read \(a weak pulse or cold fingers\); the cuff's own reading instead: \d+ mmHg/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(15);
    withinBounds(run);
  });

  it("a hand moved for a few seconds while the pulse was still full is left out: the distal reading stands", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72 } }, { distalDisturbance: shaking(8, 14, 6000) });
    expect(run.outcome.reason).toMatch(/^read where the distal pulse disappears/);
    withinBounds(run);
    expect(Math.abs(run.errorMmhg!)).toBeLessThanOrEqual(4);
  });

  it("a hand shaken through the whole measurement: the cuff's own reading, saying movement spoiled the distal one", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72 } }, { distalDisturbance: shaking(3, 90, 8000) });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^movement on the distal pulse sensor spoiled its reading: keep the hand or foot still; the cuff's own reading instead: \d+ mmHg/);
    withinBounds(run);
  });

  it("the clip slips off the finger mid-ramp: the cuff's own reading, saying the sensor sees no skin", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72 } }, { distalDisturbance: (t) => (t > 10 ? -118_000 : 0) });
    expect(run.outcome.reason).toMatch(/^the distal pulse sensor sees no skin \(the clip is off the finger or toe\); the cuff's own reading instead: \d+ mmHg/);
    withinBounds(run);
  });

  it("the clip on the other hand: its pulse never fades, the ramp stops at the cuff's own bound and says so", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72 } }, { distalOnOtherLimb: true });
    expect(run.outcome.reason).toMatch(/^the distal pulse did not fade while the cuff's did \(is the clip on the cuffed limb\?\); the cuff's own reading instead: \d+ mmHg/);
    withinBounds(run);
  });

  it("a deep, slow breath (15 mmHg at 8 a minute) on a slow heart (55 bpm) fools the distal reading; the cuff's own disagrees, and the user is told", () => {
    const run = measure({ seed: 7, limb: "arm", subject: { respiratorySwingMmhg: 15, breathsPerMin: 8, heartRate: 55, distalPerfusionPercent: 2 } });
    expect(run.outcome.reason).toMatch(/^read where the distal pulse disappears: \d+ mmHg .*, but the cuff's own reads \d+, \d+ higher: check the clip is on the cuffed limb and the cuff snug; measure again if unsure$/);
    expect(run.alarms).toContain("lop-disagreement");
    withinBounds(run);
  });

  it("stops on evidence at the edges of the family: never more than 10 s above the true LOP, nor above 1.3 times it", () => {
    const edges: Omit<ScenarioInput, "name">[] = [
      { seed: 6, limb: "arm", subject: { heartRate: 40, distalPerfusionPercent: 2 } },
      { seed: 4, limb: "leg", subject: { heartRate: 145, distalPerfusionPercent: 2 } },
      { seed: 9, limb: "leg", subject: { heartRate: 60, distalPerfusionPercent: 20 } },
      { seed: 9, limb: "leg", subject: { heartRate: 60, distalPerfusionPercent: 0.3 } },
      { seed: 9, limb: "leg", subject: { heartRate: 60 }, hardware: { sensorNoiseMmhg: 1 } },
      { seed: 10, limb: "arm", subject: { heartRate: 70, pulsationAtLopFraction: 0.7, supraLopTailPercent: 150, arteryStiffnessMmhg: 80 } },
      { seed: 10, limb: "arm", subject: { heartRate: 70, pulsationAtLopFraction: 0, arteryStiffnessMmhg: 10 }, exercise: { motionArtefactMmhg: 4 } },
    ];
    for (const input of edges) {
      const run = measure(input);
      expect(run.outcome.ok, `${JSON.stringify(input)}: ${run.outcome.reason}`).toBe(true);
      withinBounds(run);
    }
  });
});
