/**
 * No host can push the cuff to occlusion: a LOP the firmware did not measure is checked by
 * its own measurement before anything is held on it, a target needs a LOP, and while holding
 * the limb's own evidence of occlusion (the distal pulse, the cuff's pulsation) vents and faults.
 */
import { describe, expect, it } from "vitest";
import type { SafetyInput } from "../../firmware/core/safety/rule.ts";
import { OcclusionRule } from "../../firmware/core/safety/rules/occlusion.ts";
import { firmwareHarness } from "./harness.ts";

type Harness = ReturnType<typeof firmwareHarness>;

/**
 * Runs `seconds`, tracking the longest stretch with the true cuff pressure at or above the true LOP
 * outside the cuff's own LOP measurement, and the highest true pressure held (neither measuring nor deflating).
 */
function runWatching(h: Harness, seconds: number, until?: () => boolean): { longestAboveLopSeconds: number; highestMmhg: number } {
  let stretch = 0;
  let longest = 0;
  let highest = 0;
  h.run(seconds, () => {
    const p = h.plant.trueMmhg();
    if (h.controller.stateName !== "lop" && h.controller.stateName !== "deflating") highest = Math.max(highest, p);
    stretch = p >= h.plant.lopTrueMmhg && h.controller.stateName !== "lop" ? stretch + 0.01 : 0;
    longest = Math.max(longest, stretch);
    return until?.() ?? false;
  });
  return { longestAboveLopSeconds: longest, highestMmhg: highest };
}

describe("a host's LOP is checked by the cuff's own measurement", () => {
  it("configure {lopMmhg: 300}, then hold at 90 % of it, the host then silent: the cuff measures, refuses the claim with a sentence and vents; 270 mmHg is never held", () => {
    const h = firmwareHarness({ seed: 4 });
    h.ready();
    h.send({ type: "configure", cuff: 0, lopMmhg: 300, hostSilence: { policy: "continue", timeoutSeconds: 60 } });
    expect(h.send({ type: "hold", cuff: 0, target: { mmhg: 270 } })[0]).toMatchObject({ type: "ack" });
    h.stopHeartbeats();
    const watched = runWatching(h, 180, () => h.controller.stateName === "vented" && h.events("summary").length > 0);
    const refusal = h.events("state").find((e) => e.cause === "lop-rejected")!;
    expect(refusal.reason).toMatch(/^the cuff measured this limb's LOP at \d+ mmHg, below the claimed 300 mmHg .*the claim is refused/);
    expect(h.events("summary")[0]!.summary).toMatchObject({ ok: false, ending: "lop-failed" });
    expect(h.controller.stateName).toBe("vented");
    expect(watched.highestMmhg).toBeLessThan(15);
    // only the deflation right after the measurement starts near the LOP
    expect(watched.longestAboveLopSeconds).toBeLessThan(1);
    // the limb's own reading is what the cuff now knows, not the claim
    expect(h.controller.lop.mmhg!).toBeLessThan(0.8 * 300);
    expect(h.events("state").map((e) => e.to)).not.toContain("regulating");
  });

  it('start-session with "lop": 300 and a target of 90 %: refused the same way before any inflation to the target', () => {
    const h = firmwareHarness({ seed: 4 });
    h.ready();
    const plan = { mode: "continuous", minutes: 10, target: { percentLop: 90 }, lop: 300 } as const;
    expect(h.send({ type: "start-session", cuff: 0, limb: "leg", plan })[0]).toMatchObject({ type: "ack" });
    const watched = runWatching(h, 180, () => h.events("summary").length > 0 && h.controller.stateName === "vented");
    expect(h.events("phase").map((p) => p.phase)).toEqual(["lop", "deflate"]);
    expect(h.events("summary")[0]!.summary.endReason).toMatch(/below the claimed 300 mmHg/);
    expect(watched.highestMmhg).toBeLessThan(15);
  });

  it("a claim the reading bears out is used as far as the reading goes: the lower of the two", () => {
    for (const offset of [-20, +6]) {
      const h = firmwareHarness({ seed: 4 });
      h.ready();
      const claim = Math.round(h.plant.lopTrueMmhg) + offset;
      h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 1, target: { percentLop: 80 }, lop: claim } });
      h.run(150, () => h.controller.stateName === "regulating");
      const reading = h.events("lop-result")[0]!.mmhg!;
      expect(h.controller.stateName).toBe("regulating");
      expect(h.controller.lop.mmhg).toBeCloseTo(Math.min(claim, reading), 5);
      expect(h.controller.currentTargetMmhg()).toBeCloseTo(0.8 * Math.min(claim, reading), 5);
    }
  });

  it("a claim far below the reading: the deflation after the check passes the claimed LOP without a fault, and the session holds 90 % of the claim", () => {
    const h = firmwareHarness({ seed: 4 });
    h.ready();
    const claim = Math.round(0.6 * h.plant.lopTrueMmhg);
    h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 1, target: { percentLop: 90 }, lop: claim } });
    h.run(150, () => h.controller.stateName === "regulating");
    expect(h.events("alarm")).toEqual([]);
    expect(h.controller.stateName).toBe("regulating");
    expect(h.controller.currentTargetMmhg()).toBeCloseTo(0.9 * claim, 5);
  });

  it("a claim the firmware already confirmed for the limb is not measured again", () => {
    const h = firmwareHarness({ seed: 4 });
    h.ready();
    h.send({ type: "measure-lop", cuff: 0, limb: "leg" });
    h.run(150, () => h.controller.stateName === "vented" && h.events("lop-result").length === 1);
    const measured = h.controller.lop.mmhg!;
    h.run(1);
    h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 1, target: { percentLop: 70 }, lop: measured } });
    h.run(1);
    expect(h.controller.stateName).toBe("inflating");
  });
});

describe("a target needs the limb's LOP", () => {
  it("hold {mmhg: 290} with no LOP known is refused and nothing inflates", () => {
    const h = firmwareHarness();
    h.ready();
    const reply = h.send({ type: "hold", cuff: 0, target: { mmhg: 290 } })[0];
    expect(reply).toMatchObject({ type: "nack", reason: "no-lop" });
    expect((reply as { detail: string }).detail).toMatch(/needs the limb's LOP/);
    h.run(3);
    expect(h.controller.stateName).toBe("vented");
    expect(h.plant.trueMmhg()).toBeLessThan(2);
  });

  it("a target in mmHg over 90 % of the LOP the session measures is refused after the measurement, vented", () => {
    const h = firmwareHarness({ seed: 4 });
    h.ready();
    h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 1, target: { mmhg: 250 }, lop: "measure" } });
    const watched = runWatching(h, 180, () => h.events("summary").length > 0 && h.controller.stateName === "vented");
    expect(h.events("summary")[0]!.summary).toMatchObject({ ending: "target-refused" });
    expect(watched.highestMmhg).toBeLessThan(15);
  });
});

describe("while holding, the limb's evidence of occlusion vents and faults whatever the numbers say", () => {
  it("with the distal pulse sensor: a LOP the cuff holds 20 % too high (a target past the true LOP) faults occlusion within 4 s of reaching the LOP, vented", () => {
    const h = firmwareHarness({ seed: 2, hardware: { distalPulseSensor: true } });
    h.ready();
    // the sensor learns the pulse's size with the cuff empty
    h.run(20);
    h.controller.lop.confirm(1.2 * h.plant.lopTrueMmhg, "leg", null);
    h.send({ type: "hold", cuff: 0, target: { mmhg: Math.floor(0.9 * 1.2 * h.plant.lopTrueMmhg) } });
    let reachedLopAt: number | null = null;
    h.run(60, () => {
      if (reachedLopAt === null && h.plant.trueMmhg() >= h.plant.lopTrueMmhg) reachedLopAt = h.now();
      return h.controller.stateName === "fault";
    });
    const alarm = h.events("alarm").find((a) => a.kind === "occlusion")!;
    expect(alarm.detail).toMatch(/the pulse beyond the cuff has stopped/);
    expect(alarm.t - reachedLopAt!).toBeLessThan(4);
    const ventedFrom = h.now();
    const watched = runWatching(h, 10, () => h.plant.trueMmhg() < 15);
    expect(h.now() - ventedFrom).toBeLessThan(10);
    expect(watched.longestAboveLopSeconds).toBeLessThan(1);
  });

  it("without it: a hold far past the LOP (the LOP taken 35 % high) fades the cuff's pulsation and faults occlusion within 12 s of settling", () => {
    const h = firmwareHarness({ seed: 2 });
    h.ready();
    h.send({ type: "measure-lop", cuff: 0, limb: "leg" });
    h.run(150, () => h.controller.stateName === "vented" && h.events("lop-result").length === 1);
    h.run(61);
    h.controller.lop.confirm(1.35 * h.plant.lopTrueMmhg, "leg", h.controller.lop.envelope);
    h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 5, target: { percentLop: 90 }, lop: h.controller.lop.mmhg! } });
    h.run(60, () => h.controller.stateName === "regulating");
    const settled = h.now();
    h.run(30, () => h.controller.stateName === "fault");
    const alarm = h.events("alarm").find((a) => a.kind === "occlusion")!;
    expect(alarm.detail).toMatch(/arterial pulsation at \d+ mmHg has faded to \d+ % of its largest/);
    expect(alarm.t - settled).toBeLessThan(12);
  });

  it("at 80 and 90 % of the true LOP, on the LOP the cuff measured, five minutes of holding raise no occlusion", () => {
    for (const percentLop of [80, 90]) {
      const h = firmwareHarness({ seed: 6, hardware: { distalPulseSensor: true } });
      h.ready();
      h.run(20);
      h.send({ type: "measure-lop", cuff: 0, limb: "leg" });
      h.run(150, () => h.controller.stateName === "vented" && h.events("lop-result").length === 1);
      h.controller.lop.confirm(h.plant.lopTrueMmhg, "leg", h.controller.lop.envelope);
      h.run(61);
      h.send({ type: "start-session", cuff: 0, limb: "leg", plan: { mode: "continuous", minutes: 5, target: { percentLop }, lop: h.controller.lop.mmhg! } });
      h.run(330, () => h.events("summary").length > 0);
      expect(h.events("alarm").filter((a) => a.kind === "occlusion")).toEqual([]);
      expect(h.events("summary")[0]!.summary).toMatchObject({ ok: true, ending: "completed" });
    }
  });
});

describe("the occlusion rule", () => {
  const input = (t: number, over: Partial<SafetyInput["diagnostics"]> & { state?: SafetyInput["state"] } = {}): SafetyInput => {
    const { state = "regulating", ...diagnostics } = over;
    return {
      t,
      dtSeconds: 0.01,
      estimate: { tSeconds: t, rawMmhg: 180, mmhg: 180, slopeMmhgPerSecond: 0, atRail: false, counts: 9000, secondaryMmhg: null, secondaryAtRail: false, secondaryCounts: null },
      state,
      phase: "set",
      targetMmhg: 180,
      settled: true,
      exercising: false,
      zeroed: true,
      proposed: { pump: 0, vent: 0 },
      ceilingMmhg: 300,
      lopMmhg: 200,
      diagnostics: { kinkProbeDropMmhg: null, kinkProbeCuffDropMmhg: null, ventShutCheckMmhg: null, pulseRatio: null, pulsationShare: null, distalPulseShare: null, repIntervalSeconds: null, pumpRiseMmhgPerSecond: null, ...diagnostics },
    };
  };
  const firstFiring = (build: (t: number) => SafetyInput, seconds: number): number | null => {
    const rule = new OcclusionRule();
    for (let i = 0; i <= seconds * 100; i++) if (rule.check(build(i / 100)) !== null) return i / 100;
    return null;
  };

  it("a distal pulse under 3 % of its size for 2 s fires; at 5 % it does not; in the cuff's own LOP measurement it never does", () => {
    expect(firstFiring((t) => input(t, { distalPulseShare: 0.02 }), 3)).toBeCloseTo(2, 2);
    expect(firstFiring((t) => input(t, { distalPulseShare: 0.05 }), 3)).toBeNull();
    expect(firstFiring((t) => input(t, { distalPulseShare: 0, state: "lop" }), 3)).toBeNull();
    expect(firstFiring((t) => input(t, { distalPulseShare: 0, state: "inflating" }), 3)).toBeCloseTo(2, 2);
  });

  it("a cuff pulsation under 20 % of the envelope's maximum fires at once (it is already a median of 8 s); at 25 % it does not", () => {
    expect(firstFiring((t) => input(t, { pulsationShare: 0.15 }), 1)).toBe(0);
    expect(firstFiring((t) => input(t, { pulsationShare: 0.25 }), 1)).toBeNull();
    expect(firstFiring((t) => input(t, { pulsationShare: 0.1, state: "deflating" }), 1)).toBeNull();
  });
});
