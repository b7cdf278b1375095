import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { FAULT_KINDS, type FaultKind } from "../../hardware/sim/plant.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import { FirmwareLopBench, measureLopOnce, type Disturbance } from "../../hardware/sim/bench/lop-run.ts";

const profile = referenceProfile();

/** A typical artery and heart (the middle of the family), so a test judges the procedure, not the family's spread. */
const typical = { pulsationAtLopFraction: 0.3, arteryStiffnessMmhg: 30, supraLopTailPercent: 40, lopResidualMmhg: 0, respiratorySwingMmhg: 3, heartRateVariabilityPercent: 4, ectopicBeatsPerMin: 0, atrialFibrillation: false };

/** Through the shipped firmware: zero, then "measure-lop", followed to the end of the deflation. */
function measure(input: Omit<ScenarioInput, "name">, options: { disturbance?: Disturbance; ceilingMmhg?: number } = {}) {
  const scenario = parseScenario({ name: "lop test", ...input, subject: { ...typical, ...input.subject } });
  return measureLopOnce(scenario, profile, options);
}

/** The limb tensed from `fromSeconds` to `toSeconds` into the measurement: `mmhg` on the reading, 0.1 s edges. */
const tensing = (fromSeconds: number, toSeconds: number, mmhg: number) => (t: number) =>
  mmhg * Math.max(0, Math.min(1, (t - fromSeconds) / 0.1, (toSeconds - t) / 0.1));

/** A median arm at 72 bpm without the simulator's own knocks. */
const quietArm = (seed: number) => ({ seed, limb: "arm" as const, subject: { heartRate: 72 }, exercise: { motionArtefactMmhg: 0 } });

describe("LOP from the cuff signal, through the firmware", () => {
  it("measures a typical arm and thigh within 10 mmHg, in under 40 s, barely above the LOP", () => {
    for (const limb of ["arm", "leg"] as const) {
      const run = measure({ seed: 3, limb, subject: { heartRate: 72 }, exercise: { motionArtefactMmhg: 0 } });
      expect(run.outcome.ok, run.outcome.reason).toBe(true);
      expect(Math.abs(run.errorMmhg!)).toBeLessThan(10);
      expect(run.outcome.durationSeconds).toBeLessThan(40);
      expect(run.secondsAboveLop).toBeLessThan(3);
      expect(run.outcome.reason).toMatch(/^read (where the pulsations fell to 60 and 50 % of their largest|from the upper flank)/);
      expect(run.endState).toBe("vented");
    }
  });

  it("reads wide (165/65) and narrow (110/92) pulse pressures within 18 mmHg", () => {
    for (const [limb, systolic, diastolic] of [["leg", 165, 65], ["arm", 110, 92]] as const) {
      const run = measure({ seed: 5, limb, subject: { systolic, diastolic, heartRate: 65 }, hardware: { sensorNoiseMmhg: 0.3 }, exercise: { motionArtefactMmhg: 0 } });
      expect(run.outcome.ok, run.outcome.reason).toBe(true);
      expect(Math.abs(run.errorMmhg!)).toBeLessThan(18);
    }
  });

  it("reads a fast heart (145 bpm) within 10 mmHg: the band widens for its harmonics", () => {
    const run = measure({ seed: 4, limb: "arm", subject: { heartRate: 145 }, exercise: { motionArtefactMmhg: 0 } });
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(10);
  });

  it("measures a narrow (5 cm) arm cuff, whose LOP is far higher, within 10 mmHg", () => {
    const run = measure({ seed: 5, limb: "arm", cuff: { widthCm: 5 }, subject: { heartRate: 95 }, exercise: { motionArtefactMmhg: 0 } });
    expect(run.lopTrueMmhg).toBeGreaterThan(200);
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(10);
  });

  it("rejects a measurement spoiled by movement and says so, rather than report a wrong number", () => {
    // The limb is bumped and tensed every few seconds (pressure jumps of 6-12 mmHg).
    const disturbance = (t: number) => {
      const phase = t % 6;
      return t > 8 && phase < 1 ? (phase < 0.5 ? 10 : 6) : 0;
    };
    const run = measure({ seed: 6, limb: "leg" }, { disturbance });
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.mmhg).toBeNull();
    expect(run.outcome.reason).toMatch(/movement during the measurement/);
    expect(run.endState).toBe("vented");
  });

  it("shrugs off one knock on the way up (its beats are left out) and still reads the LOP within 8 mmHg", () => {
    // A 6 mmHg bump for 0.2 s about 8 s in, far below the envelope's falling flank.
    const bump = (t: number) => (t > 8 && t < 8.2 ? 6 * Math.sin((Math.PI * (t - 8)) / 0.2) : 0);
    const run = measure(quietArm(3), { disturbance: bump });
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(run.outcome.reason).not.toMatch(/measured again/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(8);
  });

  it("measures again after a knock on the falling flank instead of rejecting, within 8 mmHg, still never at the LOP for long", () => {
    const quiet = measure(quietArm(3));
    // The same 6 mmHg bump, six seconds before the quiet run read its LOP: on the falling flank.
    const at = quiet.outcome.durationSeconds - 6;
    const bump = (t: number) => (t > at && t < at + 0.2 ? 6 * Math.sin((Math.PI * (t - at)) / 0.2) : 0);
    const run = measure(quietArm(3), { disturbance: bump });
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(8);
    expect(run.outcome.durationSeconds).toBeLessThan(60);
    expect(run.secondsAboveLop).toBeLessThan(3);
  });

  it("measures again when a held jump moves the pressure itself (+4 mmHg held 1.2 s as the flank begins): within 8 mmHg", () => {
    const quiet = measure(quietArm(3));
    const at = quiet.outcome.durationSeconds - 10;
    const run = measure(quietArm(3), { disturbance: tensing(at, at + 1.3, 4) });
    expect(run.outcome.ok, run.outcome.reason).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(8);
  });

  it("rejects a limb tensed again during the second pass instead of reading through it", () => {
    const quiet = measure(quietArm(4));
    const at = quiet.outcome.durationSeconds - 5;
    const tensed = tensing(at, at + 1.3, 4);
    const run = measure(quietArm(4), { disturbance: (t) => tensed(t) + tensed(t - 14) + tensed(t - 24) });
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.reason).toMatch(/movement during the measurement/);
  });

  it("ends a signal too weak to read early, with a sentence that says so, never climbing to the ceiling (noise 1 mmHg, a stiff artery and a narrow pulse pressure)", () => {
    const run = measure({ seed: 7, limb: "arm", cuff: { widthCm: 12 }, subject: { systolic: 100, diastolic: 82, heartRate: 50, limbCircumferenceCm: 25, arteryStiffnessMmhg: 80 }, hardware: { sensorNoiseMmhg: 1 }, exercise: { motionArtefactMmhg: 0 } });
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.reason).toMatch(/^(pulsations too weak to read|no pulsation stood out from the sensor noise)/);
    expect(run.outcome.reason).toMatch(/cuff sits snugly/);
    expect(run.peakOverLop).toBeLessThan(1.25);
    expect(run.secondsAboveLop).toBeLessThan(8);
    expect(run.outcome.durationSeconds).toBeLessThan(45);
  });

  it("never asks for pressure at the ceiling: a LOP above it is refused, not measured", () => {
    const run = measure({ seed: 7, limb: "leg", cuff: { widthCm: 5 }, subject: { systolic: 165, diastolic: 95, limbCircumferenceCm: 70, pulsationAtLopFraction: 0.1 } }, { ceilingMmhg: 220 });
    expect(run.lopTrueMmhg).toBeGreaterThan(220);
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.reason).toMatch(/ceiling/);
    expect(run.peakTrueMmhg).toBeLessThan(220);
  });

  it("agrees with itself: three repeats on one subject, 30 s apart, lie within 10 mmHg", () => {
    const bench = new FirmwareLopBench(parseScenario({ name: "repeats", seed: 8, limb: "arm", subject: typical }), profile);
    bench.zero();
    const values: number[] = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) bench.rest(30);
      const run = bench.measure("arm");
      expect(run.outcome.ok, run.outcome.reason).toBe(true);
      values.push(run.outcome.mmhg!);
    }
    bench.close();
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(10);
  });
});

describe("a safe ramp on hard subjects: at most 10 s above the true LOP, never above 1.3 times it", () => {
  // Members of the family at the edges of their ranges, each where one thing makes reading hard.
  const hard: { label: string; input: Omit<ScenarioInput, "name"> }[] = [
    { label: "70 % of the maximum left at the LOP, a long tail", input: { seed: 11, limb: "leg", subject: { pulsationAtLopFraction: 0.7, supraLopTailPercent: 150, arteryStiffnessMmhg: 30 } } },
    { label: "70 % left, the stiffest artery, a short tail asked", input: { seed: 12, limb: "arm", subject: { pulsationAtLopFraction: 0.7, supraLopTailPercent: 5, arteryStiffnessMmhg: 80 } } },
    { label: "weak pulsations in a 1 mmHg sensor", input: { seed: 13, limb: "arm", cuff: { widthCm: 13 }, subject: { systolic: 105, diastolic: 85, limbCircumferenceCm: 24, pulsationAtLopFraction: 0.5 }, hardware: { sensorNoiseMmhg: 1 } } },
    { label: "atrial fibrillation at 130 bpm", input: { seed: 14, limb: "leg", subject: { heartRate: 130, atrialFibrillation: true, pulsationAtLopFraction: 0.5 } } },
    { label: "30 premature beats a minute and 15 mmHg breathing swings", input: { seed: 15, limb: "arm", subject: { ectopicBeatsPerMin: 30, respiratorySwingMmhg: 15, heartRateVariabilityPercent: 20 } } },
    { label: "a 90 mmHg pulse pressure at 40 bpm on a 4 cm cuff", input: { seed: 16, limb: "arm", cuff: { widthCm: 4 }, subject: { systolic: 180, diastolic: 90, heartRate: 40, pulsationAtLopFraction: 0.6 } } },
    { label: "knocks of 4 mmHg and a 0.8 L/min pump on a large thigh", input: { seed: 17, limb: "leg", cuff: { widthCm: 15 }, subject: { limbCircumferenceCm: 75, pulsationAtLopFraction: 0.6 }, hardware: { pumpFreeFlowLpm: 0.8 }, exercise: { motionArtefactMmhg: 4 } } },
  ];

  it.each(hard)("$label", ({ input }) => {
    const scenario = parseScenario({ name: "hard", ...input });
    const run = measureLopOnce(scenario, profile);
    expect(run.lopTrueMmhg).toBeLessThanOrEqual(300);
    expect(run.secondsAboveLop).toBeLessThanOrEqual(10);
    expect(run.peakOverLop).toBeLessThanOrEqual(1.3);
    // Ended deflated: vented, or in a fault the supervisor raised (pump off, vent open).
    expect(["vented", "fault"]).toContain(run.endState);
    // A result, when given, is the flank's reading (the family's spread at its edges: within 40 mmHg); otherwise a reason.
    if (run.outcome.ok) expect(Math.abs(run.errorMmhg!)).toBeLessThan(40);
    else expect(run.outcome.reason.length).toBeGreaterThan(20);
  });
  it("counts time above the LOP over every pass even when no flank reached 75 %: a second measurement measured twice stays within 10 s", () => {
    // A narrow leg cuff with a slow-fading envelope and knocks of 3.7 mmHg: the second measurement's
    // first pass is spoiled by movement after its flank crossed 80 %, and the pass that follows climbs again.
    const scenario = parseScenario({
      name: "two passes, no 75 % crossing", seed: 951000000, limb: "leg",
      subject: { systolic: 109, diastolic: 87, heartRate: 56, limbCircumferenceCm: 51.5, breathsPerMin: 18, arteryStiffnessMmhg: 49, pulsationAtLopFraction: 0.61, supraLopTailPercent: 106, lopResidualMmhg: 23.8, respiratorySwingMmhg: 9.6, heartRateVariabilityPercent: 0.8, ectopicBeatsPerMin: 17, atrialFibrillation: false },
      cuff: { widthCm: 9.3 },
      hardware: { pumpFreeFlowLpm: 4.01, leakMmhgPerMin: 18.9, sensorNoiseMmhg: 0.35, sensorOffsetMmhg: -2.5, sensorDriftMmhgPerMin: 0.05, secondarySensorDriftMmhgPerMin: 0.05 },
      exercise: { swellingMmhg: 6, motionArtefactMmhg: 3.71 },
    });
    const bench = new FirmwareLopBench(scenario, profile);
    bench.zero();
    const first = bench.measure("leg");
    bench.rest(30);
    const second = bench.measure("leg");
    bench.close();
    for (const run of [first, second]) {
      expect(run.secondsAboveLop).toBeLessThanOrEqual(10);
      expect(run.peakOverLop).toBeLessThanOrEqual(1.3);
      expect(run.endState).toBe("vented");
    }
    expect(second.secondsAboveLop).toBeGreaterThan(0);
  });
});

describe("LOP through the whole controller", () => {
  const armSession = parseScenario({
    name: "arm, LOP measured",
    seed: 20,
    limb: "arm",
    subject: typical,
    plan: { sets: [5], restSeconds: 30, target: { percentLop: 50 }, lop: "measure" },
  });

  it("gives up a ramp whose pressure stops rising (hose kinked): pump off, vent open within 12 s, the hose named, the session ended in the hose-kink fault", async () => {
    const result = await runScenario(armSession, { profile, faultOnPhase: { kind: "hose-kink", phase: "lop", afterSeconds: 12 } });
    const kink = result.faults.find((f) => f.kind === "hose-kink")!;
    expect(kink.toSafeSeconds).not.toBeNull();
    expect(kink.toSafeSeconds!).toBeLessThan(12);
    expect(result.lopMeasuredMmhg).toBeNull();
    expect(result.alarms.map((a) => a.kind)).toContain("hose-kink");
    expect(result.finalState).toBe("fault");
  });

  // Faults during the ramp (20 s in): each ends pump off, vent open, within 12 s of the fault,
  // except those the cuff rides through or cannot see there (a slow leak or drift in a 30 s ramp).
  const RIDDEN_THROUGH_IN_A_RAMP: FaultKind[] = ["garbage-on-link", "leak", "sensor-drift"];
  // A reading stepping 20 mmHg low reads as a lower pressure, not as a broken sensor: one sensor alone
  // sees it only once vented. Comparing the second sensor with it is what catches it sooner.
  const SLOW_WITH_ONE_SENSOR: FaultKind[] = ["sensor-offset-jump"];
  for (const kind of FAULT_KINDS) {
    it(`${kind} during the LOP ramp ends safe`, async () => {
      const result = await runScenario(armSession, { profile, faultOnPhase: { kind, phase: "lop", afterSeconds: 20 } });
      const timing = result.faults.find((f) => f.kind === kind)!;
      expect(timing, "the fault was injected").toBeDefined();
      if (RIDDEN_THROUGH_IN_A_RAMP.includes(kind)) {
        expect(result.finalState).toBe("vented");
        return;
      }
      if (SLOW_WITH_ONE_SENSOR.includes(kind)) {
        expect(timing.toSafeSeconds).not.toBeNull();
        expect(result.metrics.secondsAboveLop).toBeLessThan(3);
        return;
      }
      expect(timing.alarmKinds.length, "an alarm was raised").toBeGreaterThan(0);
      expect(timing.toSafeSeconds).not.toBeNull();
      expect(timing.toSafeSeconds!).toBeLessThan(12);
    });
  }
});
