import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPlant, type SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { loadScenario } from "../../hardware/sim/scenario.ts";
import { cuffFor, DT, inflateTo, profile, QUIET, run } from "./helpers.ts";

const SCENARIOS = new URL("../../scenarios/", import.meta.url).pathname;

interface Metrics {
  within10: number;
  within5Rest: number;
  peakPercentLop: number;
  valleyPercentLop: number;
}

/** Inflate to the plan's target, seal, and do the plan's sets and rests with the cuff untouched (a non-regulating cuff). */
function unregulatedSession(cuff: SimulatedCuff, sets: number[], restSeconds: number): Metrics {
  const target = cuff.calibrationMmhg;
  inflateTo(cuff, target);
  run(cuff, 3, 0, 0);
  let exercise = 0;
  let within10 = 0;
  let rest = 0;
  let within5 = 0;
  let peak = 0;
  let valley = Infinity;
  sets.forEach((reps, index) => {
    cuff.beginSet(reps);
    while (cuff.repsDone() < reps) {
      cuff.step(DT, 0, 0);
      const p = cuff.trueMmhg();
      exercise++;
      if (Math.abs(p - target) <= 0.1 * target) within10++;
      peak = Math.max(peak, p);
      valley = Math.min(valley, p);
    }
    cuff.endSet();
    if (index < sets.length - 1) {
      run(cuff, restSeconds, 0, 0, () => {
        rest++;
        if (Math.abs(cuff.trueMmhg() - target) <= 0.05 * target) within5++;
      });
    }
  });
  const lop = cuff.lopTrueMmhg;
  return { within10: within10 / exercise, within5Rest: within5 / rest, peakPercentLop: (100 * peak) / lop, valleyPercentLop: (100 * valley) / lop };
}

describe("exercise under a sealed, unregulated cuff", () => {
  it("on the 80 %-LOP leg-press protocol it spends less than half the exercise time within +-10 % of target, like SmartCuffs/Suji/SAGA", () => {
    const scenario = loadScenario(join(SCENARIOS, "leg-press-80-lop.json"));
    const m = unregulatedSession(createPlant(scenario, profile), [30, 15, 15, 15], 30);
    expect(m.within10).toBeLessThan(0.5);
    expect(m.within10).toBeGreaterThan(0.1);
    // Swain et al. 2025: valleys 58-65 % LOP, peaks 79-90 %, rests never within +-5 %.
    expect(m.valleyPercentLop).toBeGreaterThan(55);
    expect(m.valleyPercentLop).toBeLessThan(70);
    expect(m.peakPercentLop).toBeGreaterThan(78);
    expect(m.peakPercentLop).toBeLessThan(95);
    expect(m.within5Rest).toBeLessThan(0.25);
  });

  it("with the default exercise, thigh cuffs of the whole width range stay under half the time within +-10 %", () => {
    for (const widthCm of [5, 7.5, 10, 12]) {
      const m = unregulatedSession(cuffFor({ limb: "leg", cuff: { widthCm }, seed: 3 }), [30, 15, 15, 15], 30);
      expect(m.within10).toBeLessThan(0.5);
    }
  });
});

describe("repetitions", () => {
  it("a sealed cuff at the target rises by contractionSwingMmhg with each contraction", () => {
    for (const swing of [10, 18, 30]) {
      const cuff = cuffFor({ limb: "leg", seed: 5, ...QUIET, exercise: { ...QUIET.exercise, contractionSwingMmhg: swing } });
      inflateTo(cuff, cuff.calibrationMmhg);
      run(cuff, 3, 0, 0);
      const base = cuff.trueMmhg();
      cuff.beginSet(20);
      const peaks: number[] = [];
      let rep = 0;
      let peak = 0;
      while (cuff.repsDone() < 20) {
        cuff.step(DT, 0, 0);
        if (cuff.repsDone() !== rep) {
          peaks.push(peak - base);
          rep = cuff.repsDone();
          peak = 0;
        }
        peak = Math.max(peak, cuff.trueMmhg());
      }
      const mean = peaks.reduce((a, b) => a + b, 0) / peaks.length;
      // Pulses add about a mmHg on top; rep strength varies 15 % from rep to rep.
      expect(Math.abs(mean - swing)).toBeLessThan(0.1 * swing + 1.5);
      expect(Math.max(...peaks) - Math.min(...peaks)).toBeGreaterThan(0.1 * swing);
    }
  });

  it("counts reps at the scenario's cadence and stops by itself after the last", () => {
    const cuff = cuffFor({ exercise: { repSeconds: 2.5 } });
    cuff.beginSet(12);
    run(cuff, 7.4, 0, 1);
    expect(cuff.repsDone()).toBe(2);
    run(cuff, 30 - 7.4 + 0.05, 0, 1);
    expect(cuff.repsDone()).toBe(12);
    run(cuff, 10, 0, 1);
    expect(cuff.repsDone()).toBe(12);
    expect(cuff.limb.exercising()).toBe(false);
  });

  it("endSet stops the athlete mid-set", () => {
    const cuff = cuffFor({});
    cuff.beginSet(30);
    run(cuff, 9.1, 0, 1);
    cuff.endSet();
    run(cuff, 20, 0, 1);
    expect(cuff.repsDone()).toBe(4);
  });

  it("minutes of restriction swell the limb: a sealed cuff creeps up by about swellingMmhg", () => {
    const cuff = cuffFor({ limb: "leg", ...QUIET, exercise: { ...QUIET.exercise, swellingMmhg: 8 } });
    inflateTo(cuff, cuff.calibrationMmhg);
    const start = cuff.trueMmhg();
    run(cuff, 600, 0, 0);
    expect(cuff.trueMmhg() - start).toBeGreaterThan(6);
    expect(cuff.trueMmhg() - start).toBeLessThan(10);
  });

  it("a moving limb knocks the cuff: short bumps of a few mmHg, far more often during a set than at rest", () => {
    /** Knock events in 60 s: excursions of the pressure away from the same cuff without knocks. */
    const knocks = (exercising: boolean) => {
      const make = (motionArtefactMmhg: number) =>
        cuffFor({ limb: "leg", seed: 8, ...QUIET, exercise: { ...QUIET.exercise, contractionSwingMmhg: 0, motionArtefactMmhg } });
      const [knocked, calm] = [make(3), make(0)];
      for (const cuff of [knocked, calm]) {
        inflateTo(cuff, cuff.calibrationMmhg);
        if (exercising) cuff.beginSet(100);
      }
      let events = 0;
      let inside = false;
      let largest = 0;
      for (let i = 0; i < 6000; i++) {
        knocked.step(DT, 0, 0);
        calm.step(DT, 0, 0);
        const away = Math.abs(knocked.trueMmhg() - calm.trueMmhg());
        largest = Math.max(largest, away);
        if (away > 0.5 && !inside) events++;
        inside = away > 0.5;
      }
      return { events, largest };
    };
    const set = knocks(true);
    const rest = knocks(false);
    expect(set.events).toBeGreaterThan(15);
    expect(set.largest).toBeGreaterThan(3);
    expect(set.largest).toBeLessThan(15);
    expect(rest.events).toBeLessThan(set.events / 4);
  });
});
