import { describe, expect, it } from "vitest";
import { EDGE_FRACTION, lopFromPhysiologyMmhg } from "../../hardware/sim/limb.ts";
import { generatePopulation } from "../../hardware/sim/population.ts";
import { createPlant, type SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { airComplianceMlPerMmhg } from "../../hardware/sim/pneumatics.ts";
import { cuffFor, inflateTo, profile, QUIET, run } from "./helpers.ts";

/** Peak-to-peak of the true cuff pressure over 8 s, sealed at `mmhg` (after 2 s to settle). */
function oscillationAt(cuff: SimulatedCuff, mmhg: number): number {
  inflateTo(cuff, mmhg);
  run(cuff, 2, 0, 0);
  let lo = Infinity;
  let hi = -Infinity;
  run(cuff, 8, 0, 0, () => {
    lo = Math.min(lo, cuff.trueMmhg());
    hi = Math.max(hi, cuff.trueMmhg());
  });
  return hi - lo;
}

describe("limb occlusion pressure", () => {
  it("grows with systolic pressure and limb circumference and falls as the cuff widens", () => {
    expect(lopFromPhysiologyMmhg(150, 56, 11.5)).toBeGreaterThan(lopFromPhysiologyMmhg(120, 56, 11.5) + 30);
    expect(lopFromPhysiologyMmhg(125, 65, 11.5)).toBeGreaterThan(lopFromPhysiologyMmhg(125, 50, 11.5) + 15);
    expect(lopFromPhysiologyMmhg(125, 56, 5)).toBeGreaterThan(lopFromPhysiologyMmhg(125, 56, 12) * 1.25);
  });

  it("the median adult needs about 175 mmHg on the arm (10 cm cuff) and 195-200 on the thigh (11.5 cm)", () => {
    expect(cuffFor({ limb: "arm" }).lopTrueMmhg).toBeGreaterThan(165);
    expect(cuffFor({ limb: "arm" }).lopTrueMmhg).toBeLessThan(185);
    expect(cuffFor({ limb: "leg" }).lopTrueMmhg).toBeGreaterThan(188);
    expect(cuffFor({ limb: "leg" }).lopTrueMmhg).toBeLessThan(205);
  });

  it("a pinned lopMmhg wins over physiology", () => {
    expect(cuffFor({ subject: { lopMmhg: 142 } }).lopTrueMmhg).toBe(142);
  });

  function lops(limb: "arm" | "leg", widthsCm: number[]): { mean: number; sd: number; p5: number; p95: number } {
    const values = generatePopulation(2024, 300, { limb, widthsCm, includeUnreachable: true })
      .map((s) => createPlant(s, profile).lopTrueMmhg)
      .sort((a, b) => a - b);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return { mean, sd, p5: values[Math.floor(0.05 * values.length)]!, p95: values[Math.floor(0.95 * values.length)]! };
  }

  it("across the default population, LOPs with 10-12 cm cuffs lie in the published ranges (arm 174 +- 49, 120-282; thigh 195 +- 32, 160-272)", () => {
    const arm = lops("arm", [10, 12]);
    expect(Math.abs(arm.mean - 174)).toBeLessThan(20);
    expect(arm.p5).toBeGreaterThanOrEqual(120);
    expect(arm.p95).toBeLessThanOrEqual(282);
    const thigh = lops("leg", [10, 11.5, 12]);
    expect(Math.abs(thigh.mean - 195)).toBeLessThan(16);
    expect(thigh.p5).toBeGreaterThanOrEqual(155);
    expect(thigh.p95).toBeLessThanOrEqual(272);
  });

  it("5 cm thigh cuffs need far more (published 235 +- 42) than 12 cm ones", () => {
    const narrow = lops("leg", [5]);
    const wide = lops("leg", [12]);
    expect(Math.abs(narrow.mean - 235)).toBeLessThan(42);
    expect(narrow.mean).toBeGreaterThan(wide.mean * 1.25);
  });
});

describe("oscillometric pulses at the cuff", () => {
  const subjects = [
    { label: "median thigh, 11.5 cm", input: { limb: "leg" as const } },
    { label: "median arm, 10 cm", input: { limb: "arm" as const } },
    { label: "thigh, 5 cm cuff", input: { limb: "leg" as const, cuff: { widthCm: 5 } } },
    { label: "slim arm, low blood pressure", input: { limb: "arm" as const, subject: { systolic: 98, diastolic: 60, limbCircumferenceCm: 24 } } },
    { label: "large thigh, high blood pressure", input: { limb: "leg" as const, subject: { systolic: 160, diastolic: 95, limbCircumferenceCm: 66 } } },
  ];

  it.each(subjects)("$label: largest below LOP, falling monotonically above that, under 5 % of the maximum above LOP", ({ input }) => {
    const cuff = cuffFor({ ...input, ...QUIET });
    const lop = cuff.lopTrueMmhg;
    const points: { mmhg: number; amplitude: number }[] = [];
    for (let mmhg = 10; mmhg <= Math.min(lop * 1.3, 315); mmhg += 10) points.push({ mmhg, amplitude: oscillationAt(cuff, mmhg) });
    const max = points.reduce((a, b) => (b.amplitude > a.amplitude ? b : a));
    // Largest with the diastole near closing: 50-75 % of LOP, 1-4 mmHg peak to peak.
    expect(max.mmhg).toBeGreaterThan(0.5 * lop);
    expect(max.mmhg).toBeLessThan(0.75 * lop);
    expect(max.amplitude).toBeGreaterThan(1);
    expect(max.amplitude).toBeLessThan(4);
    const after = points.filter((p) => p.mmhg >= max.mmhg);
    for (let i = 1; i < after.length; i++) expect(after[i]!.amplitude).toBeLessThanOrEqual(after[i - 1]!.amplitude + 0.02);
    for (const p of points.filter((q) => q.mmhg > lop)) expect(p.amplitude).toBeLessThan(0.05 * max.amplitude);
    // Approaching LOP only fractions of a mmHg remain.
    const near = points.filter((p) => p.mmhg > lop - 10 && p.mmhg <= lop);
    for (const p of near) expect(p.amplitude).toBeLessThan(0.7);
    expect(EDGE_FRACTION).toBeLessThan(0.05);
  });

  it("the same arterial pulse gives a smaller pressure swing in a more compliant system (pressure = volume / compliance)", () => {
    const tight = cuffFor({ limb: "arm", hardware: { ...QUIET.hardware, manifoldMl: 5 }, exercise: QUIET.exercise });
    const loose = cuffFor({ limb: "arm", hardware: { ...QUIET.hardware, manifoldMl: 100 }, exercise: QUIET.exercise });
    const compliance = (cuff: SimulatedCuff) => airComplianceMlPerMmhg(cuff.params, 100, true, cuff.params.deadVolumeMl, 0);
    const ratio = oscillationAt(loose, 100) / oscillationAt(tight, 100);
    expect(compliance(loose)).toBeGreaterThan(compliance(tight) * 1.08);
    expect(Math.abs(ratio - compliance(tight) / compliance(loose))).toBeLessThan(0.03);
  });
});
