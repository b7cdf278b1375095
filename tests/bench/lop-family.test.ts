import { describe, expect, it } from "vitest";
import { drawFamily, HELD_OUT, HELD_OUT_EDGES, MAX_TRUE_LOP_MMHG, TUNING } from "../../bench/lop-family.ts";
import { PHYSIOLOGY_RANGES, trueLopMmhg } from "../../hardware/sim/physiology.ts";

describe("the LOP benchmark's split of the simulated family", () => {
  it("is fixed: tuning on seeds 1-20 and narrower ranges, held out on seeds 9001-9010 and 9501-9510 over the full ranges", () => {
    expect(TUNING.seeds).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(HELD_OUT.seeds).toEqual(Array.from({ length: 10 }, (_, i) => 9001 + i));
    expect(HELD_OUT_EDGES.seeds).toEqual(Array.from({ length: 10 }, (_, i) => 9501 + i));
    expect(TUNING.physiology).toEqual({
      arteryStiffnessMmhg: [15, 50],
      pulsationAtLopFraction: [0, 0.5],
      supraLopTailPercent: [15, 80],
      respiratorySwingMmhg: [1, 5],
      heartRateVariabilityPercent: [1, 8],
      ectopicBeatsPerMin: [0.1, 2],
      ectopicShare: 0.3,
      atrialFibrillationShare: 0,
    });
    expect([TUNING.systolic, TUNING.heartRate, TUNING.sensorNoiseMmhg, TUNING.cuffWidthCm]).toEqual([[100, 170], [50, 110], [0.05, 0.6], [5, 13]]);
    // The held-out parts span what a scenario file may ask for.
    for (const part of [HELD_OUT, HELD_OUT_EDGES]) {
      expect([part.systolic, part.heartRate, part.cuffWidthCm, part.sensorNoiseMmhg, part.pumpFreeFlowLpm, part.leakMmhgPerMin]).toEqual([[90, 200], [40, 150], [4, 15], [0, 1], [0.5, 6], [0, 60]]);
    }
    expect(HELD_OUT.physiology).toBeNull();
    const edges = HELD_OUT_EDGES.physiology!;
    for (const key of ["arteryStiffnessMmhg", "pulsationAtLopFraction", "supraLopTailPercent", "respiratorySwingMmhg", "heartRateVariabilityPercent"] as const) {
      expect(edges[key]).toEqual(PHYSIOLOGY_RANGES[key]);
    }
    expect(edges.atrialFibrillationShare).toBeGreaterThan(0);
    expect(MAX_TRUE_LOP_MMHG).toBe(270);
  });

  it("draws the same members every time, none above 270 mmHg, the held-out ones beyond the tuning ranges", () => {
    const names = (part: typeof TUNING) => drawFamily(part, 30).map((s) => s.name);
    expect(names(HELD_OUT)).toEqual(names(HELD_OUT));
    const tuning = drawFamily(TUNING, 200);
    const edges = drawFamily(HELD_OUT_EDGES, 200);
    for (const s of [...tuning, ...edges]) expect(trueLopMmhg(s.limb, s.subject, s.cuff.widthCm)).toBeLessThanOrEqual(MAX_TRUE_LOP_MMHG);
    expect(tuning.every((s) => !s.subject.atrialFibrillation && s.subject.pulsationAtLopFraction <= 0.5)).toBe(true);
    expect(edges.some((s) => s.subject.atrialFibrillation)).toBe(true);
    expect(edges.some((s) => s.subject.pulsationAtLopFraction > 0.6)).toBe(true);
    expect(edges.some((s) => s.subject.heartRate > 130)).toBe(true);
    // No seed is shared: a held-out subject never appears in tuning.
    const tuningSeeds = new Set(tuning.map((s) => s.seed));
    expect(drawFamily(HELD_OUT, 200).some((s) => tuningSeeds.has(s.seed))).toBe(false);
  });
});
