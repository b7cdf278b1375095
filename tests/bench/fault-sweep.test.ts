import { describe, expect, it } from "vitest";
import { drawFault, faultRow, summariseFaults } from "../../bench/fault-sweep.ts";
import { drawRangeSweep } from "../../bench/range-draw.ts";
import type { BenchResult, FaultTiming } from "../../hardware/sim/bench/run-scenario.ts";
import { FAULT_KINDS } from "../../hardware/sim/plant.ts";
import { FaultSchema, parseScenario } from "../../hardware/sim/scenario.ts";

const scenario = parseScenario({ name: "fault row", seed: 1, limb: "leg" });

/** A session with one fault at 40 s: how it ended, and what the fault's timing saw. */
function result(outcome: string, timing: Partial<FaultTiming> & Pick<FaultTiming, "kind">): BenchResult {
  return {
    name: "fault row",
    lopTrueMmhg: 200,
    lopMeasuredMmhg: 200,
    lopReason: null,
    targetMmhg: 160,
    finalState: outcome === "finished" ? "vented" : "fault",
    alarms: [],
    simSeconds: 120,
    wallSeconds: 1,
    metrics: { exerciseWithin5: null, exerciseWithin10: null, restWithin3: null, restWithin5: null, peakPercentLop: null, valleyPercentLop: null, secondsAboveLop: 0, lopSecondsAboveLop: 0, inflateSeconds: 10, deflateSeconds: 3, exerciseSeconds: 60, restSeconds: 30 },
    outcome,
    endReason: outcome === "finished" ? "plan complete" : `fault: ${timing.kind}`,
    reps: [],
    faults: [{ at: 40, toSafeSeconds: null, toDeflatedSeconds: null, alarmKinds: [], peakMmhgAfter: 150, secondsAboveLopAfter: 0, secondsAboveLopUntilSafe: 0, ...timing }],
  };
}

describe("the fault sweep", () => {
  it("a kinked hose the session never named is a problem even though the plan completed", () => {
    const row = faultRow(0, scenario, { kind: "hose-kink", phase: "rest", afterSeconds: 2 }, result("finished", { kind: "hose-kink", toSafeSeconds: 0 }));
    expect(row.injected).toBe(true);
    expect(row.endedSafe).toBe(false);
    expect(row.problem).toMatch(/not ended safe/);
  });

  it("a kink named and vented 4.2 s after it struck is handled; its time to safe is kept", () => {
    const row = faultRow(0, scenario, { kind: "hose-kink", phase: "rest", afterSeconds: 2 }, result("fault", { kind: "hose-kink", toSafeSeconds: 4.2, alarmKinds: ["hose-kink"] }));
    expect(row.problem).toBeNull();
    expect(row.toSafeSeconds).toBe(4.2);
    expect(summariseFaults([row]).find((s) => s.kind === "hose-kink")).toMatchObject({ injected: 1, endedSafe: 1, toSafeMedian: 4.2, problems: 0 });
  });

  it("a small leak the pump makes up for may ride through; a second at or above the true LOP after a fault, before the outputs are safe, is a problem", () => {
    const rode = faultRow(0, scenario, { kind: "leak", phase: "set", afterSeconds: 2, params: { mmhgPerMin: 5 } }, result("finished", { kind: "leak", toSafeSeconds: 0 }));
    expect(rode.problem).toBeNull();
    const over = faultRow(0, scenario, { kind: "leak", phase: "set", afterSeconds: 2 }, result("finished", { kind: "leak", toSafeSeconds: 0, secondsAboveLopAfter: 1.5, secondsAboveLopUntilSafe: 1.5 }));
    expect(over.problem).toMatch(/1\.50 s at or above the true LOP/);
    // A cuff trapped behind a kink, named and vented at once, that the limb pushes over its LOP afterwards.
    const trapped = faultRow(0, scenario, { kind: "hose-kink", phase: "rest", afterSeconds: 2 }, result("fault", { kind: "hose-kink", toSafeSeconds: 5.9, alarmKinds: ["hose-kink"], secondsAboveLopAfter: 24.7, secondsAboveLopUntilSafe: 0 }));
    expect(trapped.problem).toBeNull();
  });

  it("a fault due after the session ended was never injected and counts for nothing", () => {
    const row = faultRow(0, scenario, { kind: "pump-dead", phase: "rest", afterSeconds: 9 }, result("finished", { kind: "pump-dead", at: 130 }));
    expect(row.injected).toBe(false);
    expect(row.problem).toBeNull();
  });

  it("draws every kind in turn, in a phase the session enters, with parameters a scenario file may give", () => {
    const sessions = drawRangeSweep(41, 28);
    const faults = sessions.map((s, i) => drawFault(41, i, s));
    expect(faults.map((f) => f.kind)).toEqual([...FAULT_KINDS, ...FAULT_KINDS]);
    for (const [i, f] of faults.entries()) {
      if (f.phase === "lop") expect(sessions[i]!.plan.lop).toBe("measure");
      expect(f.afterSeconds).toBeGreaterThanOrEqual(0.5);
      expect(f.afterSeconds).toBeLessThanOrEqual(10);
      expect(FaultSchema.safeParse({ kind: f.kind, at: 0, ...f.params }).success).toBe(true);
    }
    expect(drawFault(41, 3, sessions[3]!)).toEqual(faults[3]);
  });
});
