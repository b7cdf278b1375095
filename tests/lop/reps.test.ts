import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { loadScenario } from "../../hardware/sim/scenario.ts";
import { targetMmhg } from "../../shared/plan.ts";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import type { Scenario } from "../../hardware/sim/scenario.ts";
import { runSets, type SetRun } from "../../hardware/sim/bench/reps-harness.ts";

const profile = referenceProfile();
const scenarioPath = (name: string) => new URL(`../../scenarios/${name}`, import.meta.url).pathname;

function regulatedCuff(name: string, repSeconds?: number, change: (s: Scenario) => Scenario = (s) => s) {
  const loaded = loadScenario(scenarioPath(name));
  const scenario = change(repSeconds === undefined ? loaded : { ...loaded, exercise: { ...loaded.exercise, repSeconds } });
  const plant = createPlant(scenario, profile);
  return { plant, target: targetMmhg(scenario.plan.target, plant.lopTrueMmhg)! };
}

/** Share of the planned reps counted over the sets (a rep counted past the plan does not make up for a missed one). */
function countedShare(runs: readonly SetRun[]): number {
  return runs.reduce((a, r) => a + Math.min(r.counted, r.planned), 0) / runs.reduce((a, r) => a + r.planned, 0);
}

describe("reps counted from the cuff pressure", () => {
  it("counts a 30-15-15-15 scheme on a regulated thigh cuff (80 % LOP) and ends each set at the count, no reps in the rests", () => {
    const { plant, target } = regulatedCuff("leg-press-80-lop.json");
    const runs = runSets(plant, profile, target, [30, 15, 15, 15], 30);
    expect(countedShare(runs)).toBeGreaterThanOrEqual(0.98);
    for (const run of runs) {
      expect(run.endedBy).toBe("count");
      // The count is reached during the athlete's last rep, not reps early.
      expect(run.done).toBeGreaterThanOrEqual(run.planned - 1);
      expect(run.phantomInRest).toBe(0);
    }
  });

  it("ends a set by itself within 3 s when the athlete stops short of the plan (to failure), with the reps done counted", () => {
    const { plant, target } = regulatedCuff("arm-50-lop.json");
    const runs = runSets(plant, profile, target, [30, 15], 30, [20, 9]);
    for (const run of runs) {
      expect(run.endedBy).toBe("quiet");
      expect(Math.abs(run.counted - run.done)).toBeLessThanOrEqual(1);
      expect(run.quietDetectedAfterSeconds).not.toBeNull();
      expect(run.quietDetectedAfterSeconds!).toBeLessThanOrEqual(3);
      expect(run.phantomInRest).toBe(0);
    }
  });

  it("at a slow 3 s cadence still ends a stopped set within 3 s of the last rep, and never ends a continuing one", () => {
    const stopped = regulatedCuff("leg-press-80-lop.json", 3);
    for (const run of runSets(stopped.plant, profile, stopped.target, [30, 15, 15], 30, [14, 9, 6])) {
      expect(run.endedBy).toBe("quiet");
      expect(Math.abs(run.counted - run.done)).toBeLessThanOrEqual(1);
      expect(run.quietDetectedAfterSeconds!).toBeLessThanOrEqual(3);
    }
    const going = regulatedCuff("leg-press-80-lop.json", 3);
    for (const run of runSets(going.plant, profile, going.target, [15, 15], 30)) expect(run.endedBy).toBe("count");
  });

  it("counts nothing while a regulated cuff is held without contractions (heart pulsations only)", () => {
    const { plant, target } = regulatedCuff("wide-cuff-arm.json");
    const [hold] = runSets(plant, profile, target, [1], 60, [0]);
    expect(hold!.counted).toBe(0);
    expect(hold!.phantomInRest).toBe(0);
  });

  it("counts fast reps on a wide thigh cuff with a weak pump, where the pressure mostly dips below target (the pump cannot refill between reps)", () => {
    const { plant, target } = regulatedCuff("leg-press-80-lop.json", 1.6, (s) => ({
      ...s,
      cuff: { ...s.cuff, widthCm: 12 },
      hardware: { ...s.hardware, pumpFreeFlowLpm: 2 },
      exercise: { ...s.exercise, contractionSwingMmhg: 22 },
    }));
    const runs = runSets(plant, profile, target, [30, 15, 15, 15], 30);
    expect(countedShare(runs)).toBeGreaterThanOrEqual(0.98);
    for (const run of runs) {
      expect(run.endedBy).toBe("count");
      expect(run.phantomInRest).toBe(0);
    }
  });

  it("through the whole controller, slow 6 s reps on an arm run each set to its planned count (a fixed 5 s wait would end them at the first rep)", async () => {
    const base = loadScenario(scenarioPath("arm-50-lop.json"));
    const plan = base.plan;
    if (!("sets" in plan)) throw new Error("arm-50-lop.json plans sets");
    const result = await runScenario({ ...base, exercise: { ...base.exercise, repSeconds: 6 }, plan: { ...plan, sets: [8, 6] } }, { profile });
    expect(result.reps.map((r) => r.counted)).toEqual([8, 6]);
    expect(result.endReason).toContain("6 reps counted");
  });

  it("through the whole controller, slow 4 and 6 s reps on the narrow thigh cuff run each set to its planned count (the first rep's uneven halves ended sets after one or two reps)", async () => {
    const base = loadScenario(scenarioPath("narrow-cuff-thigh.json"));
    const plan = base.plan;
    if (!("sets" in plan)) throw new Error("narrow-cuff-thigh.json plans sets");
    for (const repSeconds of [4, 6]) {
      const result = await runScenario({ ...base, exercise: { ...base.exercise, repSeconds }, plan: { ...plan, sets: [10, 6] } }, { profile });
      expect(result.reps.map((r) => r.counted)).toEqual([10, 6]);
      expect(result.reps[0]!.done).toBeGreaterThanOrEqual(9);
    }
  });
});
