/**
 * Every field of the hardware profile reaches the parts that use it: a build
 * that samples at 50 Hz and whose pump stalls below 30 % duty runs a whole
 * session (zero, LOP, sets with reps counted, deflation) as the reference does.
 */
import { describe, expect, it } from "vitest";
import { runScenario } from "../../hardware/sim/bench/run-scenario.ts";
import { type HardwareProfile, referenceProfile } from "../../hardware/profile.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";

const reference = referenceProfile();
const slowBuild: HardwareProfile = { ...reference, sensor: { ...reference.sensor, sampleHz: 50 }, pump: { ...reference.pump, minDuty: 0.3 } };

describe("profile fields reach every part", () => {
  it("at 50 Hz with a 30 % minimum pump duty: the LOP is measured, every rep counted, the pump never asked below its minimum", async () => {
    const scenario = parseScenario({
      name: "thigh, 50 Hz board, stiff pump",
      seed: 11,
      limb: "leg",
      subject: { systolic: 125, diastolic: 78, heartRate: 68, limbCircumferenceCm: 56 },
      plan: { sets: [12, 8], restSeconds: 30, target: { percentLop: 70 }, lop: "measure" },
    });
    const duties: number[] = [];
    let rows = 0;
    let unchanged = 0;
    let previous: number | null = null;
    const result = await runScenario(scenario, {
      profile: slowBuild,
      onTrace: (row) => {
        if (row.pump > 0) duties.push(row.pump);
        rows++;
        if (row.sensorMmhg !== null && row.sensorMmhg === previous) unchanged++;
        previous = row.sensorMmhg;
      },
    });
    expect(result.finalState).toBe("vented");
    expect(result.lopMeasuredMmhg).not.toBeNull();
    expect(Math.abs(result.lopMeasuredMmhg! - result.lopTrueMmhg)).toBeLessThan(10);
    expect(result.reps.map((r) => r.counted)).toEqual([12, 8]);
    expect(result.alarms.filter((a) => a.kind !== "deviation")).toEqual([]);
    // The pump's PWM is 8 bits: the smallest duty above its minimum is within 1/255 of it.
    expect(Math.min(...duties)).toBeGreaterThanOrEqual(0.3 - 1 / 255);
    // The trace has a row per 10 ms; the board reads the sensor every 20 ms, so half the rows repeat the last reading.
    expect(unchanged / rows).toBeGreaterThan(0.45);
  });
});
