import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { FAULT_KINDS, type FaultKind } from "../../hardware/sim/plant.ts";
import { generatePopulation } from "../../hardware/sim/population.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import { weakReadingsAgree } from "../../firmware/core/lop/measure.ts";
import { runLop } from "../../hardware/sim/bench/lop-harness.ts";

const profile = referenceProfile();

/** The limb tensed from `fromSeconds` to `toSeconds` into the measurement: `mmhg` on the reading, 0.1 s edges. */
const tensing = (fromSeconds: number, toSeconds: number, mmhg: number) => (t: number) =>
  mmhg * Math.max(0, Math.min(1, (t - fromSeconds) / 0.1, (toSeconds - t) / 0.1));

/** A median arm at 72 bpm without the simulator's own knocks, measured with `disturbMmhg` on the reading. */
function measureDisturbedArm(seed: number, disturbMmhg: (t: number) => number) {
  const scenario = parseScenario({ name: "disturbed arm", seed, limb: "arm", subject: { heartRate: 72 }, exercise: { motionArtefactMmhg: 0 } });
  return runLop(createPlant(scenario, profile), profile, { limb: "arm", disturbMmhg });
}

function measure(input: Omit<ScenarioInput, "name">, ceilingMmhg = 300) {
  const scenario = parseScenario({ name: "lop test", ...input });
  const plant = createPlant(scenario, profile);
  return runLop(plant, profile, { limb: scenario.limb, ceilingMmhg });
}

describe("LOP from the cuff signal", () => {
  it("measures a wide pulse pressure (165/65 on a thigh, 110/55 on an arm) within 6 mmHg, where it gave up short of the LOP", () => {
    for (const [limb, systolic, diastolic, seed] of [["leg", 165, 65, 3], ["arm", 110, 55, 1]] as const) {
      const run = measure({ seed, limb, subject: { systolic, diastolic, heartRate: 65 }, hardware: { sensorNoiseMmhg: 0.3 } });
      expect(run.outcome.ok, run.outcome.reason).toBe(true);
      expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
      expect(run.secondsAboveLop).toBeLessThan(3);
    }
  });

  it("measures a median arm within 6 mmHg, in under 45 s, barely above the LOP", () => {
    const run = measure({ seed: 3, limb: "arm", subject: { heartRate: 72 } });
    expect(run.outcome.ok).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
    expect(run.outcome.durationSeconds).toBeLessThan(45);
    expect(run.secondsAboveLop).toBeLessThan(2);
    expect(run.outcome.quality).toBeGreaterThan(0.2);
  });

  it("measures a thigh with a slow heart and a noisy sensor within 8 mmHg", () => {
    const run = measure({ seed: 4, limb: "leg", subject: { heartRate: 52, systolic: 140, diastolic: 85 }, hardware: { sensorNoiseMmhg: 0.5 } });
    expect(run.outcome.ok).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(8);
  });

  it("measures a narrow (5 cm) arm cuff, whose LOP is far higher, within 8 mmHg", () => {
    const run = measure({ seed: 5, limb: "arm", cuff: { widthCm: 5 }, subject: { heartRate: 95 } });
    expect(run.lopTrueMmhg).toBeGreaterThan(200);
    expect(run.outcome.ok).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(8);
  });

  it("rejects a measurement spoiled by movement and says so, rather than report a wrong number", () => {
    // The limb is bumped and tensed every few seconds (pressure jumps of 6-12 mmHg).
    const disturb = (t: number) => {
      const phase = t % 6;
      return t > 8 && phase < 1 ? (phase < 0.5 ? 10 : 6) : 0;
    };
    const scenario = parseScenario({ name: "moving", seed: 6, limb: "leg" });
    const run = runLop(createPlant(scenario, profile), profile, { limb: "leg", disturbMmhg: disturb });
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.mmhg).toBeNull();
    expect(run.outcome.reason).toMatch(/movement during the measurement/);
  });

  it("shrugs off one knock on the way up (its beats are left out) and still reads the LOP within 6 mmHg", () => {
    // A 6 mmHg bump for 0.2 s about 8 s in, far below the envelope's falling flank.
    const bump = (t: number) => (t > 8 && t < 8.2 ? 6 * Math.sin((Math.PI * (t - 8)) / 0.2) : 0);
    const scenario = parseScenario({ name: "one knock", seed: 3, limb: "arm", subject: { heartRate: 72 } });
    const run = runLop(createPlant(scenario, profile), profile, { limb: "arm", disturbMmhg: bump });
    expect(run.outcome.ok).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
  });

  it("measures again after a knock on the falling flank instead of rejecting, and still reads the LOP within 6 mmHg", () => {
    // The same 6 mmHg bump, now about 25 s in, where the pulsations are already fading.
    const bump = (t: number) => (t > 24.7 && t < 24.9 ? 6 * Math.sin((Math.PI * (t - 24.7)) / 0.2) : 0);
    const scenario = parseScenario({ name: "flank knock", seed: 3, limb: "arm", subject: { heartRate: 72 } });
    const run = runLop(createPlant(scenario, profile), profile, { limb: "arm", disturbMmhg: bump });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/measured again/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
    expect(run.outcome.durationSeconds).toBeLessThan(60);
    expect(run.secondsAboveLop).toBeLessThan(2);
  });

  it("rejects pulsations that grow back on the falling flank (a tensed limb) instead of reading the LOP 13 mmHg too high", () => {
    // A knock on the way up (tolerated), then the limb is tensed: +3 mmHg held for 1 s at 24 s, where the
    // pulsations (2.1 mmHg at most) have faded to 0.4 mmHg. The held jump lifts three windows in a row to
    // 2-3 mmHg, which the running median cannot take out: this run used to be accepted 13.5 mmHg too high.
    const bump = (t: number) => (t > 8 && t < 8.2 ? 6 * Math.sin((Math.PI * (t - 8)) / 0.2) : 0);
    const tensed = tensing(24, 25.1, 3);
    const run = measureDisturbedArm(4, (t) => bump(t) + tensed(t));
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.mmhg).toBeNull();
    expect(run.outcome.reason).toMatch(/movement during the measurement: the pulsations grew back at 16\d mmHg after fading/);
  });

  it("measures again after the same tensing when it is the limb's first movement, and reads the LOP within 5 mmHg", () => {
    const run = measureDisturbedArm(4, tensing(24, 25.1, 3));
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(5);
    expect(run.outcome.durationSeconds).toBeLessThan(60);
  });

  it("takes single knock spikes out of the falling flank: two short tensings 7 s apart still read within 6 mmHg (was 10.5 mmHg off)", () => {
    const tensed = tensing(20, 21.1, 3);
    const run = measureDisturbedArm(3, (t) => tensed(t) + tensed(t - 7));
    expect(run.outcome.ok).toBe(true);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
  });

  it("measures again when a held jump moves the pressure itself (+4 mmHg held 1.2 s at 18 s): within 3 mmHg, where it read 11.6 mmHg high", () => {
    // The tensing shifts the mean pressure of the windows it falls in off the ramp by more than 3 mmHg.
    const run = measureDisturbedArm(3, tensing(18, 19.3, 4));
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(3);
    expect(run.outcome.durationSeconds).toBeLessThan(60);
  });

  // A weak pulsation (arm, 12 cm cuff, pulse pressure 24 mmHg, 50 bpm: at most 1.4-1.5 mmHg) in a
  // sensor with 0.5-0.55 mmHg of noise, no movement: one pass alone read these 13 and 42 mmHg too high.
  const weakArm = (seed: number, sensorNoiseMmhg: number, cuffWidthCm = 12) => ({
    seed,
    limb: "arm" as const,
    cuff: { widthCm: cuffWidthCm },
    subject: { systolic: 100, diastolic: 76, heartRate: 50, limbCircumferenceCm: 25 },
    hardware: { sensorNoiseMmhg },
    exercise: { motionArtefactMmhg: 0 },
  });
  const weakNoisy = (seed: number, sensorNoiseMmhg: number, cuffWidthCm = 12) => measure(weakArm(seed, sensorNoiseMmhg, cuffWidthCm));

  it("reads weak pulsations in a noisy sensor again until the readings agree: within 5 mmHg where the first pass read 10 mmHg low", () => {
    const run = weakNoisy(58, 0.5);
    expect(run.outcome.ok).toBe(true);
    const first = /^weak pulsations read (?:twice|three times) \((\d+)[ ,]/.exec(run.outcome.reason);
    expect(first).not.toBeNull();
    expect(Math.abs(Number(first![1]) - run.lopTrueMmhg)).toBeGreaterThan(9.5);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(5);
    expect(run.outcome.durationSeconds).toBeLessThan(60);
    expect(run.peakTrueMmhg).toBeLessThan(run.lopTrueMmhg + 25);
  });

  it("reads a moderately weak pulsation (about 6 noise floors) twice, the second time over the lower flank only: about 9 s more, the cuff kept above the envelope's maximum", () => {
    const thigh = (sensorNoiseMmhg: number) => ({
      seed: 1,
      limb: "leg" as const,
      cuff: { widthCm: 11.5 },
      subject: { systolic: 125, diastolic: 80, heartRate: 65 },
      hardware: { sensorNoiseMmhg },
      exercise: { motionArtefactMmhg: 0 },
    });
    const quiet = measure(thigh(0.2));
    const plant = createPlant(parseScenario({ name: "thigh, moderately noisy sensor", ...thigh(0.4) }), profile);
    const trueMmhg: number[] = [];
    const run = runLop(plant, profile, {
      limb: "leg",
      disturbMmhg: () => {
        trueMmhg.push(plant.trueMmhg());
        return 0;
      },
    });
    expect(quiet.outcome.reason).toMatch(/^pulsations faded out/);
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^weak pulsations read twice \(\d+ and \d+ mmHg\)/);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(3);
    expect(run.outcome.durationSeconds - quiet.outcome.durationSeconds).toBeLessThan(12);
    const maximumAtMmhg = Number(/largest [\d.]+ mmHg at (\d+) mmHg/.exec(run.outcome.reason)![1]);
    // From the end of the first pass (the pressure 5 mmHg below its running peak) to the end.
    const firstPassEnd = trueMmhg.findIndex((p, i) => p < Math.max(...trueMmhg.slice(0, i + 1)) - 5);
    expect(firstPassEnd).toBeGreaterThan(0);
    expect(Math.min(...trueMmhg.slice(firstPassEnd))).toBeGreaterThan(maximumAtMmhg + 20);
  });

  it("rejects weak pulsations whose two passes disagree by 20 mmHg when no time is left for a third, instead of reporting either", () => {
    // The 12 cm cuff's weak subject under a 5 cm cuff, with a noisier sensor still.
    const run = weakNoisy(9, 0.6, 5);
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.mmhg).toBeNull();
    const readings = /^pulsations too weak: two passes read (\d+) and (\d+) mmHg$/.exec(run.outcome.reason);
    expect(readings).not.toBeNull();
    expect(Math.abs(Number(readings![1]) - Number(readings![2]))).toBeGreaterThan(15);
    expect(run.outcome.durationSeconds).toBeGreaterThan(75);
    expect(run.outcome.durationSeconds).toBeLessThan(80);
  });

  it("reports weak readings only when they agree: two within 10 mmHg, three within 20 mmHg (166, 142 and 149 mmHg rejected; one reading never)", () => {
    expect(weakReadingsAgree([140, 149])).toBe(true);
    expect(weakReadingsAgree([140, 151])).toBe(false);
    expect(weakReadingsAgree([136, 156, 150])).toBe(true);
    expect(weakReadingsAgree([166, 142, 149])).toBe(false);
    expect(weakReadingsAgree([140])).toBe(false);
  });

  it("rejects pulsations too weak to read once they have faded, instead of ramping on to 1.9 times the envelope's peak (185 mmHg for an LOP of 133)", () => {
    const run = weakNoisy(100, 0.55);
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.reason).toMatch(/^pulsations too weak to read: the largest, [\d.]+ mmHg at \d+ mmHg, stood 2\.\d\d times the sensor noise \(2\.5 needed\)/);
    expect(run.peakTrueMmhg).toBeLessThan(run.lopTrueMmhg + 15);
    expect(run.secondsAboveLop).toBeLessThan(3);
    expect(run.outcome.durationSeconds).toBeLessThan(25);
  });

  it("finishes a weak reading's second pass begun after a movement retry on a narrow cuff (population 12 #179, 5 cm arm cuff): a result within 5 mmHg after 100 s, where the old 100 s timeout rejected it", () => {
    const subject = generatePopulation(12, 200)[179]!;
    const run = runLop(createPlant(subject, profile), profile, { limb: subject.limb });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement.*weak pulsations read twice/);
    expect(run.outcome.durationSeconds).toBeGreaterThan(100);
    expect(run.outcome.durationSeconds).toBeLessThan(120);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(5);
    expect(run.secondsAboveLop).toBeLessThan(5);
  });

  it("ramps on past noise at the foot of the ramp instead of calling it a faded weak pulsation (population 7 #88, 5 cm thigh cuff, 0.6 mmHg of noise): a result within 6 mmHg, not a rejection 12 s in", () => {
    const subject = generatePopulation(7, 200)[88]!;
    const run = runLop(createPlant(subject, profile), profile, { limb: subject.limb });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.durationSeconds).toBeGreaterThan(30);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(6);
  });

  it("reports a moderately weak reading read once when a movement retry has left no time to read it again (population 7 #118, 5 cm thigh cuff): within 5 mmHg, not rejected", () => {
    const subject = generatePopulation(7, 200)[118]!;
    const run = runLop(createPlant(subject, profile), profile, { limb: subject.limb });
    expect(run.outcome.ok).toBe(true);
    expect(run.outcome.reason).toMatch(/^measured again from \d+ mmHg after movement .*; read once \(no time left to read it again, the largest pulsation [67]\.\d times the noise\)/);
    expect(run.outcome.durationSeconds).toBeGreaterThan(75);
    expect(Math.abs(run.errorMmhg!)).toBeLessThan(5);
  });

  // The weak arm above, LOP measured first through the whole controller: it reads the pulsations twice, the second pass from about 27 s.
  const weakArmSession = parseScenario({
    name: "weak pulsation, LOP measured",
    ...weakArm(32, 0.5),
    plan: { sets: [5], restSeconds: 30, target: { percentLop: 50 }, lop: "measure" },
  });

  it("re-reads a weak pulsation through the whole controller without the sensor check taking the retreat for a broken sensor", async () => {
    // Fully open, the vent holds the sensor's box 20-30 mmHg below the bladder; shutting it at once
    // made the reading jump back in one sample and ended 12 of 80 measured sessions in a sensor fault.
    const result = await runScenario(weakArmSession, { profile });
    expect(result.lopReason).toMatch(/^weak pulsations read twice/);
    expect(result.alarms.map((a) => a.kind)).toEqual([]);
    expect(result.lopMeasuredMmhg).not.toBeNull();
    expect(Math.abs(result.lopMeasuredMmhg! - result.lopTrueMmhg)).toBeLessThan(10);
    expect(result.finalState).toBe("vented");
  });

  it("gives up a pass whose pressure stops rising (hose kinked during the second pass): pump off, vent open within 12 s, the hose named, the session ended in the hose-kink fault", async () => {
    // Before, the ramp sat with the pump idle until the 100 s timeout: safe 45 s after the kink.
    const result = await runScenario(weakArmSession, { profile, faultOnPhase: { kind: "hose-kink", phase: "lop", afterSeconds: 33 } });
    const kink = result.faults.find((f) => f.kind === "hose-kink")!;
    expect(kink.toSafeSeconds).not.toBeNull();
    expect(kink.toSafeSeconds!).toBeLessThan(12);
    expect(result.lopMeasuredMmhg).toBeNull();
    expect(result.alarms.find((a) => a.kind === "lop-failed")?.detail).toMatch(/stopped rising .* hose may be kinked/);
    // The vent empties the hose alone (51 mmHg to nothing in 0.03 s) and, shut for 0.3 s, the hose stays empty: the cuff behind the kink may still be inflated, and the user is told so.
    expect(result.alarms.find((a) => a.kind === "hose-kink")?.detail).toMatch(/cuff may stay inflated/);
    expect(result.finalState).toBe("fault");
  });

  it("a hose kinked as the inflation nears its target (the regulator pumping and venting the hose alone) ends in a fault within 3 minutes, the kink named", async () => {
    const justAfterLop = parseScenario({ name: "kink after the LOP", ...weakArm(21, 0.5), plan: { sets: [5], restSeconds: 30, target: { percentLop: 50 }, lop: "measure" } });
    const result = await runScenario(justAfterLop, { profile, faultOnPhase: { kind: "hose-kink", phase: "lop", afterSeconds: 33 } });
    const kink = result.faults.find((f) => f.kind === "hose-kink")!;
    expect(kink.toSafeSeconds).not.toBeNull();
    expect(kink.toSafeSeconds!).toBeLessThan(185);
    expect(result.alarms.find((a) => a.kind === "target-not-reached")?.detail).toMatch(/kinked hose/);
    expect(result.finalState).toBe("fault");
  });

  // Faults during the second pass (33 s in): each ends pump off, vent open, within 12 s of the fault,
  // except those the cuff rides through or cannot see there (a slow leak or drift in a 30 s pass).
  const RIDDEN_THROUGH_IN_A_PASS: FaultKind[] = ["garbage-on-link", "leak", "sensor-drift"];
  // A reading stepping 20 mmHg low reads as a lower pressure, not as a broken sensor: one sensor alone
  // sees it only once vented (18 s here). Comparing the second sensor with it is what catches it sooner.
  const SLOW_WITH_ONE_SENSOR: FaultKind[] = ["sensor-offset-jump"];
  for (const kind of FAULT_KINDS) {
    it(`${kind} during a weak pulsation's second pass ends safe`, async () => {
      const result = await runScenario(weakArmSession, { profile, faultOnPhase: { kind, phase: "lop", afterSeconds: 33 } });
      const timing = result.faults.find((f) => f.kind === kind)!;
      expect(timing, "the fault was injected").toBeDefined();
      if (RIDDEN_THROUGH_IN_A_PASS.includes(kind)) {
        expect(result.finalState).toBe("vented");
        return;
      }
      if (SLOW_WITH_ONE_SENSOR.includes(kind)) {
        expect(timing.toSafeSeconds).not.toBeNull();
        expect(result.metrics.secondsAboveLop).toBe(0);
        return;
      }
      expect(timing.alarmKinds.length, "an alarm was raised").toBeGreaterThan(0);
      expect(timing.toSafeSeconds).not.toBeNull();
      expect(timing.toSafeSeconds!).toBeLessThan(12);
    });
  }

  it("never asks for pressure at the ceiling: a LOP above it is refused, not measured", () => {
    const run = measure({ seed: 7, limb: "leg", cuff: { widthCm: 5 }, subject: { systolic: 165, diastolic: 95, limbCircumferenceCm: 70 } }, 220);
    expect(run.lopTrueMmhg).toBeGreaterThan(220);
    expect(run.outcome.ok).toBe(false);
    expect(run.outcome.reason).toMatch(/ceiling/);
    expect(run.peakEstimateMmhg).toBeLessThan(220);
    expect(run.peakTrueMmhg).toBeLessThan(220);
  });

  it("agrees with itself: three repeats on one subject lie within 10 mmHg", () => {
    const scenario = parseScenario({ name: "repeats", seed: 8, limb: "arm" });
    const plant = createPlant(scenario, profile);
    const values: number[] = [];
    for (let i = 0; i < 3; i++) {
      const run = runLop(plant, profile, { limb: "arm" });
      expect(run.outcome.ok).toBe(true);
      values.push(run.outcome.mmhg!);
      for (let t = 0; t < 30; t += 0.01) plant.step(0.01, 0, 1);
    }
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(10);
  });
});
