import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { PHYSIOLOGY_RANGES } from "../../hardware/sim/physiology.ts";
import { loadScenario, parseScenario, ScenarioError } from "../../hardware/sim/scenario.ts";

const SCENARIO_DIR = new URL("../../scenarios/", import.meta.url).pathname;

describe("shipped scenarios", () => {
  const files = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith(".json"));

  it("ships the named scenarios users copy", () => {
    for (const name of ["leg-press-80-lop", "arm-50-lop", "narrow-cuff-thigh", "wide-cuff-arm", "high-bp", "low-bp"]) {
      expect(files).toContain(`${name}.json`);
    }
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  it.each(files)("%s loads and gives a cuff with a plausible LOP", (file) => {
    const scenario = loadScenario(join(SCENARIO_DIR, file));
    const cuff = createPlant(scenario, referenceProfile());
    expect(cuff.lopTrueMmhg).toBeGreaterThan(100);
    expect(cuff.lopTrueMmhg).toBeLessThan(300);
  });

  it("the narrow-cuff thigh needs more pressure than the standard thigh, the wide-cuff arm less than the standard arm", () => {
    const lop = (file: string) => createPlant(loadScenario(join(SCENARIO_DIR, file)), referenceProfile()).lopTrueMmhg;
    expect(lop("narrow-cuff-thigh.json")).toBeGreaterThan(lop("leg-press-80-lop.json") + 30);
    expect(lop("wide-cuff-arm.json")).toBeLessThan(lop("arm-50-lop.json"));
    expect(lop("high-bp.json")).toBeGreaterThan(lop("leg-press-80-lop.json") + 20);
    expect(lop("low-bp.json")).toBeLessThan(lop("arm-50-lop.json") - 10);
  });
});

describe("scenario validation", () => {
  const error = (json: unknown) => {
    try {
      parseScenario(json, "scenario.json");
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  it("names the field that is out of range, with its unit", () => {
    expect(error({ name: "a", hardware: { pumpFreeFlowLpm: 9 } })).toBe("scenario.json: hardware.pumpFreeFlowLpm: must be a number from 0.5 to 6 L/min");
    expect(error({ name: "a", subject: { heartRate: 20 } })).toMatch(/^scenario\.json: subject\.heartRate: must be a number from 40 to 150/);
    expect(error({ name: "a", exercise: { repSeconds: 0.2 } })).toMatch(/^scenario\.json: exercise\.repSeconds: /);
    expect(error({ name: "a", plan: { sets: [30], target: { percentLop: 95 } } })).toBe("scenario.json: plan.target.percentLop: must be at most 90");
  });

  it("refuses unknown keys anywhere instead of falling back to a default", () => {
    expect(error({ name: "a", hardware: { pumpFreeFlowLpmm: 2 } })).toMatch(/^scenario\.json: hardware\.pumpFreeFlowLpmm: unknown key/);
    expect(error({ name: "a", subjects: {} })).toMatch(/^scenario\.json: subjects: unknown key/);
    expect(error({ name: "a", plan: { sets: [30], target: { pct: 80 } } })).toMatch(/^scenario\.json: plan\.target\.pct: unknown key/);
    expect(error({ name: "a", faults: [{ at: 3, kind: "leak", mmhgPerMim: 3 }] })).toMatch(/^scenario\.json: faults\.0\.mmhgPerMim: unknown key/);
  });

  it("refuses wrong types, missing fields, unknown fault kinds and limb-specific ranges", () => {
    expect(error({ seed: 3 })).toBe("scenario.json: name: is required");
    expect(error({ name: "a", subject: { systolic: "120" } })).toMatch(/^scenario\.json: subject\.systolic: must be a number/);
    expect(error({ name: "a", plan: { mode: "walk", minutes: 3, target: { mmhg: 100 } } })).toBe(
      'scenario.json: plan.mode: must be one of "sets", "continuous", "cycle" (or left out)',
    );
    expect(error({ name: "a", limb: "foot" })).toBe('scenario.json: limb: must be one of "arm", "leg"');
    expect(error({ name: "a", faults: [{ at: 3, kind: "sensor-melt" }] })).toMatch(/^scenario\.json: faults\.0\.kind: must be one of .*sensor-stuck/);
    expect(error({ name: "a", faults: [{ kind: "leak" }] })).toBe("scenario.json: faults.0.at: is required");
    expect(error({ name: "a", limb: "arm", subject: { limbCircumferenceCm: 60 } })).toBe(
      'scenario.json: subject.limbCircumferenceCm: must be a number from 20 to 50 cm for limb "arm"',
    );
    expect(error({ name: "a", subject: { systolic: 110, diastolic: 100 } })).toMatch(/^scenario\.json: subject\.diastolic: /);
    expect(error({ name: "a", faults: [{ at: 10, until: 5, kind: "host-silent" }] })).toMatch(/^scenario\.json: faults\.0\.until: /);
  });

  it("fills in the reference hardware and a median adult for the limb", () => {
    const leg = parseScenario({ name: "only a name" });
    expect(leg.limb).toBe("leg");
    expect(leg.cuff.widthCm).toBe(11.5);
    expect(leg.subject.limbCircumferenceCm).toBe(56);
    expect(leg.hardware.pumpFreeFlowLpm).toBe(3);
    expect(leg.hardware.reliefMmhg).toBeLessThan(330);
    expect(leg.plan.target).toEqual({ percentLop: 80 });
    const arm = parseScenario({ name: "arm", limb: "arm", subject: { systolic: 140 } });
    expect(arm.cuff.widthCm).toBe(10);
    expect(arm.subject.limbCircumferenceCm).toBe(31);
    expect(arm.subject.systolic).toBe(140);
    expect(arm.subject.diastolic).toBe(78);
  });

  it("refuses physiology keys outside the family's ranges, naming the key, its range and unit", () => {
    expect(error({ name: "a", subject: { arteryStiffnessMmhg: 5 } })).toBe("scenario.json: subject.arteryStiffnessMmhg: must be a number from 10 to 80 mmHg");
    expect(error({ name: "a", subject: { pulsationAtLopFraction: 0.8 } })).toMatch(/^scenario\.json: subject\.pulsationAtLopFraction: must be a number from 0 to 0\.7/);
    expect(error({ name: "a", subject: { supraLopTailPercent: 200 } })).toBe("scenario.json: subject.supraLopTailPercent: must be a number from 5 to 150 % of the LOP");
    expect(error({ name: "a", subject: { lopResidualMmhg: -120 } })).toBe("scenario.json: subject.lopResidualMmhg: must be a number from -100 to 100 mmHg");
    expect(error({ name: "a", subject: { respiratorySwingMmhg: 20 } })).toMatch(/^scenario\.json: subject\.respiratorySwingMmhg: must be a number from 0 to 15/);
    expect(error({ name: "a", subject: { heartRateVariabilityPercent: -1 } })).toMatch(/^scenario\.json: subject\.heartRateVariabilityPercent: must be a number from 0 to 20/);
    expect(error({ name: "a", subject: { ectopicBeatsPerMin: 40 } })).toMatch(/^scenario\.json: subject\.ectopicBeatsPerMin: must be a number from 0 to 30/);
    expect(error({ name: "a", subject: { atrialFibrillation: "yes" } })).toBe("scenario.json: subject.atrialFibrillation: must be true or false");
    expect(error({ name: "a", subject: { distalPerfusionPercent: 0 } })).toMatch(/^scenario\.json: subject\.distalPerfusionPercent: must be a number from 0\.05 to 20/);
    expect(error({ name: "a", subject: { arteryStifnessMmhg: 30 } })).toMatch(/^scenario\.json: subject\.arteryStifnessMmhg: unknown key/);
  });

  it("draws the physiology a scenario leaves out from its seed, within the ranges; a given key changes no other", () => {
    const keys = Object.keys(PHYSIOLOGY_RANGES) as (keyof typeof PHYSIOLOGY_RANGES)[];
    const drawn = Array.from({ length: 200 }, (_, seed) => parseScenario({ name: "drawn", seed }).subject);
    for (const subject of drawn) {
      for (const key of keys) {
        expect(subject[key]).toBeGreaterThanOrEqual(PHYSIOLOGY_RANGES[key][0]);
        expect(subject[key]).toBeLessThanOrEqual(PHYSIOLOGY_RANGES[key][1]);
      }
    }
    // Spread, not one value: the family is drawn.
    const fractions = drawn.map((s) => s.pulsationAtLopFraction);
    expect(Math.max(...fractions) - Math.min(...fractions)).toBeGreaterThan(0.4);
    expect(drawn.filter((s) => s.ectopicBeatsPerMin > 0).length).toBeGreaterThan(20);
    expect(parseScenario({ name: "again", seed: 17 }).subject).toEqual(parseScenario({ name: "again", seed: 17 }).subject);
    const free = parseScenario({ name: "free", seed: 17 }).subject;
    const pinned = parseScenario({ name: "pinned", seed: 17, subject: { arteryStiffnessMmhg: 55, atrialFibrillation: true } }).subject;
    expect(pinned).toEqual({ ...free, arteryStiffnessMmhg: 55, atrialFibrillation: true });
  });

  it("reports unreadable and non-JSON files by path", () => {
    expect(() => loadScenario("/nonexistent/s.json")).toThrow(/there is no scenario file \/nonexistent\/s\.json/);
  });
});
