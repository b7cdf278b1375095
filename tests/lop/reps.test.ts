import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { loadScenario } from "../../hardware/sim/scenario.ts";
import { targetMmhg } from "../../shared/plan.ts";
import { runSets } from "./harness.ts";

const profile = referenceProfile();

describe("reps counted from the cuff pressure", () => {
  it("counts a 30-15-15-15 scheme on a regulated thigh cuff within 98 %, no phantoms in the rests, set end within 3 s", () => {
    const scenario = loadScenario(new URL("../../scenarios/low-bp.json", import.meta.url).pathname);
    const plant = createPlant(scenario, profile);
    const target = targetMmhg(scenario.plan.target, plant.lopTrueMmhg)!;
    const runs = runSets(plant, profile, target, [30, 15, 15, 15], 30);
    const done = runs.reduce((a, r) => a + r.done, 0);
    const counted = runs.reduce((a, r) => a + Math.min(r.counted, r.done), 0);
    expect(done).toBe(75);
    expect(counted / done).toBeGreaterThanOrEqual(0.98);
    for (const run of runs) {
      expect(run.counted).toBeLessThanOrEqual(run.done);
      expect(run.phantomInRest).toBe(0);
      expect(run.setEndDetectedAfterSeconds).not.toBeNull();
      expect(run.setEndDetectedAfterSeconds!).toBeLessThanOrEqual(3);
    }
  });

  it("counts nothing while a regulated cuff is held without contractions (heart pulsations only)", () => {
    const scenario = loadScenario(new URL("../../scenarios/arm-50-lop.json", import.meta.url).pathname);
    const plant = createPlant(scenario, profile);
    const [hold] = runSets(plant, profile, 0.5 * plant.lopTrueMmhg, [0], 60);
    expect(hold!.counted).toBe(0);
    expect(hold!.phantomInRest).toBe(0);
  });
});
