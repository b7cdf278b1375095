import { describe, expect, it } from "vitest";
import { ADMITTED, gateAcknowledge, gateConfigure, gateInflate, gateZero, type GateView } from "../../firmware/core/command-gate.ts";
import { cycleTargetMmhg, minimumPlanSeconds, plannedReps, plannedSets, planOverCap } from "../../firmware/core/plan-rules.ts";
import { resolveTarget, targetLimitMmhg } from "../../firmware/core/targets.ts";
import { type Plan, PlanSchema } from "../../shared/plan.ts";

const sets = PlanSchema.parse({ sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: 200 });
const continuous = PlanSchema.parse({ mode: "continuous", minutes: 8, target: { mmhg: 120 } });
const cycle = PlanSchema.parse({ mode: "cycle", cycles: 5, holdSeconds: 30, releaseSeconds: 5, stepMmhg: 10, target: { mmhg: 150 } });
const limits = { ceilingMmhg: 300, maxPercentLop: 90 };

describe("plan rules", () => {
  it("a parsed plan always names its mode", () => {
    expect(sets.mode).toBe("sets");
  });

  it("the shortest a plan can take: reps at 1.5 s with every rest, the whole hold, every cycle and release", () => {
    expect(minimumPlanSeconds(sets)).toBe(75 * 1.5 + 3 * 30);
    expect(minimumPlanSeconds(continuous)).toBe(480);
    expect(minimumPlanSeconds(cycle)).toBe(5 * 30 + 4 * 5);
  });

  it("a plan longer than its restriction cap is refused with both durations", () => {
    expect(planOverCap(continuous, 600)).toBeNull();
    expect(planOverCap(continuous, 300)).toMatch(/480 s.*300 s cap/);
  });

  it("sets and reps per mode", () => {
    expect([plannedSets(sets), plannedSets(continuous), plannedSets(cycle)]).toEqual([4, 1, 5]);
    expect([plannedReps(sets, 0), plannedReps(sets, 3), plannedReps(sets, 4), plannedReps(cycle, 0)]).toEqual([30, 15, 0, 0]);
  });

  it("cycles step the target up and never past the limit; other plans keep theirs", () => {
    expect([0, 1, 2, 3, 4].map((i) => cycleTargetMmhg(cycle, 150, i, 175))).toEqual([150, 160, 170, 175, 175]);
    expect(cycleTargetMmhg(sets, 160, 3, 175)).toBe(160);
  });
});

describe("targets", () => {
  it("a share of the LOP becomes mmHg; over 90 % of it is refused, naming the LOP", () => {
    expect(resolveTarget(sets, 200, limits)).toEqual({ ok: true, targetMmhg: 160, firstTargetMmhg: 160 });
    const over = { ...sets, target: { mmhg: 185 } } as Plan;
    const refused = resolveTarget(over, 200, limits);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.detail).toMatch(/above 90 % of the 200 mmHg LOP/);
  });

  it("without an LOP a share cannot be resolved, and an mmHg target stays 10 mmHg under the ceiling", () => {
    expect(resolveTarget(sets, null, limits).ok).toBe(false);
    expect(targetLimitMmhg(limits, null)).toBe(290);
    expect(resolveTarget(continuous, null, limits)).toMatchObject({ ok: true, targetMmhg: 120 });
    const high = { ...continuous, target: { mmhg: 295 } } as Plan;
    const refused = resolveTarget(high, null, limits);
    expect(!refused.ok && refused.detail).toMatch(/above the 290 mmHg limit, 10 mmHg under the 300 mmHg ceiling/);
  });

  it("a lowered ceiling lowers the limit with or without an LOP", () => {
    expect(targetLimitMmhg({ ceilingMmhg: 150, maxPercentLop: 90 }, 250)).toBe(140);
  });
});

describe("command gate", () => {
  const ready: GateView = { state: "vented", fault: null, zeroed: true, restLeftSeconds: 0, mmhg: 1 };

  it("admits zeroing and inflating a ready, vented cuff", () => {
    expect(gateZero(ready)).toBe(ADMITTED);
    expect(gateInflate(ready)).toBe(ADMITTED);
  });

  it("a latched fault refuses both, naming the fault", () => {
    const faulted = { ...ready, state: "fault" as const, fault: "leak" as const };
    expect(gateZero(faulted)).toMatchObject({ ok: false, reason: "fault-latched" });
    expect(gateInflate(faulted)).toMatchObject({ ok: false, reason: "fault-latched", detail: expect.stringContaining("leak") });
  });

  it("inflating needs a zeroed sensor, a vented cuff and the rest between exercises", () => {
    expect(gateInflate({ ...ready, zeroed: false })).toMatchObject({ reason: "not-zeroed" });
    expect(gateInflate({ ...ready, state: "regulating" })).toMatchObject({ reason: "busy" });
    expect(gateInflate({ ...ready, restLeftSeconds: 12.2 })).toMatchObject({ reason: "rest-enforced", detail: expect.stringContaining("13 s") });
    expect(gateZero({ ...ready, state: "deflating" })).toMatchObject({ reason: "bad-state" });
  });

  it("a fault is acknowledged only with the cuff deflated", () => {
    const faulted = { ...ready, state: "fault" as const, fault: "leak" as const };
    expect(gateAcknowledge({ ...faulted, mmhg: 40 })).toMatchObject({ ok: false, reason: "bad-state", detail: expect.stringContaining("40 mmHg") });
    expect(gateAcknowledge({ ...faulted, mmhg: Number.NaN })).toMatchObject({ ok: false, detail: expect.stringContaining("no valid pressure") });
    expect(gateAcknowledge({ ...faulted, mmhg: 3 })).toBe(ADMITTED);
    expect(gateAcknowledge(ready)).toMatchObject({ reason: "bad-state" });
  });

  it("limits change only while vented; the host-silence policy any time", () => {
    const holding = { ...ready, state: "regulating" as const };
    expect(gateConfigure(holding, { v: 1, seq: 1, type: "configure", cuff: 0, ceilingMmhg: 200 })).toMatchObject({ reason: "busy" });
    expect(gateConfigure(holding, { v: 1, seq: 1, type: "configure", cuff: 0, hostSilence: { policy: "continue", timeoutSeconds: 10 } })).toBe(ADMITTED);
  });
});
