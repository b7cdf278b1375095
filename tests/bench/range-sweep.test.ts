import { describe, expect, it } from "vitest";
import { summariseSweep, sweepRow } from "../../bench/range-sweep.ts";
import type { BenchResult } from "../../hardware/sim/bench/run-scenario.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";

const scenario = parseScenario({ name: "sweep row", seed: 1, limb: "leg", exercise: { repSeconds: 2, contractionSwingMmhg: 12 } });

/** A finished session with these sets (planned, counted by the cuff, done by the athlete when the set ended). */
function result(reps: BenchResult["reps"]): BenchResult {
  return {
    name: "sweep row",
    lopTrueMmhg: 200,
    lopMeasuredMmhg: 200,
    lopReason: null,
    targetMmhg: 160,
    finalState: "vented",
    alarms: [],
    simSeconds: 300,
    wallSeconds: 1,
    metrics: { exerciseWithin5: null, exerciseWithin10: null, restWithin3: null, restWithin5: null, peakPercentLop: null, valleyPercentLop: null, secondsAboveLop: 0, lopSecondsAboveLop: 0, inflateSeconds: 10, deflateSeconds: 3, exerciseSeconds: 120, restSeconds: 60 },
    outcome: "completed",
    endReason: "plan complete",
    reps,
    faults: [],
  };
}

describe("the range sweep's rep figures", () => {
  it("a set that ends as its last rep relaxes is whole: the rep under way counts as done", () => {
    const row = sweepRow(0, scenario, result([{ planned: 15, counted: 15, done: 14 }]));
    expect(row.counted).toBe(15);
    expect(row.setsEndedEarly).toBe(0);
    expect(row.overCounted).toBe(0);
  });

  it("a count that runs ahead ends the set early, and its reps beyond the athlete's are not counted", () => {
    // The cuff counted 30 while the athlete had done 12 (and was in the 13th).
    const row = sweepRow(0, scenario, result([{ planned: 30, counted: 30, done: 12 }]));
    expect(row.counted).toBe(13);
    expect(row.setsEndedEarly).toBe(1);
    expect(row.overCounted).toBe(17);
  });

  it("a count that falls short while the athlete goes on to the end is a set whole but reps missed", () => {
    const row = sweepRow(0, scenario, result([{ planned: 20, counted: 16, done: 20 }]));
    expect(row.counted).toBe(16);
    expect(row.setsEndedEarly).toBe(0);
  });

  it("a set stopped short (contractions taken for stopped) with reps still to do is ended early", () => {
    const row = sweepRow(0, scenario, result([{ planned: 20, counted: 6, done: 6 }]));
    expect(row.setsEndedEarly).toBe(1);
    expect(row.counted).toBe(6);
  });

  it("sums over sessions: shares of planned reps and of sets, and the reps counted ahead", () => {
    const rows = [
      sweepRow(0, scenario, result([{ planned: 15, counted: 15, done: 14 }, { planned: 15, counted: 15, done: 5 }])),
      sweepRow(1, scenario, result([{ planned: 10, counted: 8, done: 10 }])),
    ];
    const summary = summariseSweep(rows);
    expect(summary.countableRepsCountedShare).toBeCloseTo((15 + 6 + 8) / 40, 6);
    expect(summary.countableSetsEndedEarlyShare).toBeCloseTo(1 / 3, 6);
    expect(summary.countableOverCounted).toBe(9);
  });
});
