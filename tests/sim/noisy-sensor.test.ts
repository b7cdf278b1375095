/** Sensors at the noisy end of the scenario range (3 mmHg) still zero and hold a session, without a false fault. */
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";

describe("a build whose two sensors both have 3 mmHg of noise", () => {
  it("zeroes, holds one set of 6 reps and ends vented with no sensor alarm", async () => {
    const scenario = parseScenario({
      name: "noisy sensors",
      limb: "leg",
      seed: 4,
      hardware: { sensorNoiseMmhg: 3, secondarySensorNoiseMmhg: 3, sensorSpanErrorPercent: 1, secondarySensorSpanErrorPercent: -1 },
      plan: { sets: [6], target: { percentLop: 80 }, lop: 200 },
    });
    // The LOP is one the cuff knows (3 mmHg of noise hides the pulsations a measurement of it would read).
    const result = await runScenario(scenario, { profile: referenceProfile(), lopConfirmed: true });
    expect(result.endReason).toMatch(/plan complete/);
    expect(result.finalState).toBe("vented");
    expect(result.alarms.filter((a) => a.kind.startsWith("sensor"))).toEqual([]);
    expect(result.metrics.exerciseWithin10!).toBeGreaterThan(0.9);
  }, 30_000);
});
