import { describe, expect, it } from "vitest";
import { lopResidualSdMmhg, predictedLopMmhg, trueLopMmhg } from "../../hardware/sim/physiology.ts";
import { generatePopulation } from "../../hardware/sim/population.ts";
import { Prng } from "../../hardware/sim/prng.ts";
import type { SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { airComplianceMlPerMmhg } from "../../hardware/sim/pneumatics.ts";
import { cuffFor, inflateTo, QUIET, run } from "./helpers.ts";

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

/** Mean, SD and 5th/95th percentiles of the true LOPs of a population drawn with these cuffs. */
function lops(limb: "arm" | "leg", widthsCm: number[]): { mean: number; sd: number; p5: number; p95: number } {
  const values = generatePopulation(2024, 400, { limb, widthsCm, includeUnreachable: true })
    .map((s) => trueLopMmhg(s.limb, s.subject, s.cuff.widthCm))
    .sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, sd, p5: values[Math.floor(0.05 * values.length)]!, p95: values[Math.floor(0.95 * values.length)]! };
}

/** R^2 of LOP regressed on the given predictors (thigh circumference and/or systolic), thighs drawn as the population draws them. */
function explainedShare(cuffWidthCm: number, predictors: ("circumference" | "systolic")[]): number {
  const rng = new Prng(5, 1);
  const rows: { circumference: number; systolic: number; lop: number }[] = [];
  for (let i = 0; i < 4000; i++) {
    const circumference = rng.clippedNormal(56, 6, 42, 75);
    const systolic = rng.clippedNormal(125, 15, 100, 170);
    const residual = rng.clippedNormal(0, 1, -2.5, 2.5) * lopResidualSdMmhg("leg", circumference, cuffWidthCm);
    const lop = trueLopMmhg("leg", { systolic, limbCircumferenceCm: circumference, lopMmhg: null, lopResidualMmhg: residual }, cuffWidthCm);
    rows.push({ circumference, systolic, lop });
  }
  // Least squares with an intercept (normal equations, at most three unknowns).
  const x = rows.map((r) => [1, ...predictors.map((p) => r[p])]);
  const k = x[0]!.length;
  const a = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => x.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const b = Array.from({ length: k }, (_, i) => x.reduce((s, row, n) => s + row[i]! * rows[n]!.lop, 0));
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const f = a[j]![i]! / a[i]![i]!;
      for (let c = i; c < k; c++) a[j]![c]! -= f * a[i]![c]!;
      b[j]! -= f * b[i]!;
    }
  }
  const beta = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) beta[i] = (b[i]! - a[i]!.slice(i + 1).reduce((s, v, c) => s + v * beta[i + 1 + c]!, 0)) / a[i]![i]!;
  const mean = rows.reduce((s, r) => s + r.lop, 0) / rows.length;
  const total = rows.reduce((s, r) => s + (r.lop - mean) ** 2, 0);
  const left = rows.reduce((s, r, n) => s + (r.lop - x[n]!.reduce((t, v, i) => t + v * beta[i]!, 0)) ** 2, 0);
  return 1 - left / total;
}

describe("limb occlusion pressure", () => {
  it("grows with systolic pressure (0.3 mmHg per mmHg at every width) and limb circumference, and falls as the cuff widens", () => {
    for (const width of [5, 11.5, 15]) expect(predictedLopMmhg("leg", 150, 56, width) - predictedLopMmhg("leg", 120, 56, width)).toBeCloseTo(9, 5);
    expect(predictedLopMmhg("leg", 125, 65, 11.5)).toBeGreaterThan(predictedLopMmhg("leg", 125, 50, 11.5) + 25);
    expect(predictedLopMmhg("leg", 125, 56, 5)).toBeGreaterThan(predictedLopMmhg("leg", 125, 56, 12) * 1.4);
    // The cuff width x circumference interaction: a narrow cuff feels the limb's size far more.
    const perCm = (width: number) => (predictedLopMmhg("leg", 125, 62, width) - predictedLopMmhg("leg", 125, 50, width)) / 12;
    expect(perCm(11)).toBeGreaterThan(1.7 * perCm(15));
  });

  it("never needs less than systolic pressure plus 5 mmHg", () => {
    expect(trueLopMmhg("arm", { systolic: 190, limbCircumferenceCm: 22, lopMmhg: null, lopResidualMmhg: -60 }, 15)).toBe(195);
  });

  it("the median adult needs about 175 mmHg on the arm (10 cm cuff) and 195-200 on the thigh (11.5 cm), before the subject's own residual", () => {
    expect(predictedLopMmhg("arm", 125, 31, 10)).toBeGreaterThan(165);
    expect(predictedLopMmhg("arm", 125, 31, 10)).toBeLessThan(185);
    expect(predictedLopMmhg("leg", 125, 56, 11.5)).toBeGreaterThan(188);
    expect(predictedLopMmhg("leg", 125, 56, 11.5)).toBeLessThan(205);
  });

  it("a pinned lopMmhg wins over physiology and the residual", () => {
    expect(cuffFor({ subject: { lopMmhg: 142, lopResidualMmhg: 40 } }).lopTrueMmhg).toBe(142);
  });

  it("a given residual moves the LOP by exactly that much", () => {
    const at = (lopResidualMmhg: number) => cuffFor({ limb: "leg", subject: { lopResidualMmhg } }).lopTrueMmhg;
    expect(at(12) - at(-8)).toBeCloseTo(20, 5);
  });

  it("across the population, LOPs with 10-12 cm cuffs lie in the published ranges (arm 174 +- 49, 120-282; thigh 195 +- 32, 160-272)", () => {
    const arm = lops("arm", [10, 12]);
    expect(Math.abs(arm.mean - 174)).toBeLessThan(20);
    expect(arm.p5).toBeGreaterThanOrEqual(120);
    expect(arm.p95).toBeLessThanOrEqual(282);
    const thigh = lops("leg", [10, 11.5, 12]);
    expect(Math.abs(thigh.mean - 195)).toBeLessThan(16);
    expect(thigh.sd).toBeGreaterThan(16);
    expect(thigh.sd).toBeLessThan(40);
    expect(thigh.p5).toBeGreaterThanOrEqual(155);
    expect(thigh.p95).toBeLessThanOrEqual(272);
  });

  it("5 cm thigh cuffs need far more than wide ones: between the published means (235 Loenneke 2012, 337 Spitz 2024), 1.5-1.8 times a 13.5 cm cuff (published 235 vs 144: 1.63)", () => {
    const narrow = lops("leg", [5]);
    const wide = lops("leg", [13.5]);
    expect(narrow.mean).toBeGreaterThan(235);
    expect(narrow.mean).toBeLessThan(337);
    expect(narrow.sd).toBeGreaterThan(35);
    expect(narrow.mean / wide.mean).toBeGreaterThan(1.5);
    expect(narrow.mean / wide.mean).toBeLessThan(1.8);
    expect(Math.abs(wide.sd - 17)).toBeLessThan(6);
  });

  it("about a third to a half of LOP's variance is not predictable from thigh size and systolic pressure; the thigh explains less and systolic more as the cuff widens (Wedig 2024, 2025)", () => {
    const shares = [11, 13, 18].map((width) => ({
      both: explainedShare(width, ["circumference", "systolic"]),
      uniqueCircumference: explainedShare(width, ["circumference", "systolic"]) - explainedShare(width, ["systolic"]),
      uniqueSystolic: explainedShare(width, ["circumference", "systolic"]) - explainedShare(width, ["circumference"]),
    }));
    for (const s of shares) {
      expect(s.both).toBeGreaterThan(0.45);
      expect(s.both).toBeLessThan(0.7);
    }
    // Wedig 2024, 18 cm cuff: R^2 0.54.
    expect(Math.abs(shares[2]!.both - 0.54)).toBeLessThan(0.08);
    expect(shares[0]!.uniqueCircumference).toBeGreaterThan(shares[1]!.uniqueCircumference);
    expect(shares[1]!.uniqueCircumference).toBeGreaterThan(shares[2]!.uniqueCircumference);
    expect(shares[0]!.uniqueSystolic).toBeLessThan(shares[1]!.uniqueSystolic);
    expect(shares[1]!.uniqueSystolic).toBeLessThan(shares[2]!.uniqueSystolic);
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

  /** A steady heart: no breathing swing, variability or premature beats (the envelope itself is checked). */
  const steady = { respiratorySwingMmhg: 0, heartRateVariabilityPercent: 0, ectopicBeatsPerMin: 0, atrialFibrillation: false };

  /** Peak-to-peak at held pressures from 30 % to 160 % of the LOP, rising. */
  function envelope(cuff: SimulatedCuff): { share: number; mmhg: number; amplitude: number }[] {
    const lop = cuff.lopTrueMmhg;
    const points: { share: number; mmhg: number; amplitude: number }[] = [];
    for (let tenths = 3; tenths <= 16 && (tenths / 10) * lop <= 300; tenths++) points.push({ share: tenths / 10, mmhg: (tenths / 10) * lop, amplitude: oscillationAt(cuff, (tenths / 10) * lop) });
    return points;
  }

  it.each(subjects)("$label, the drawn family member: largest well below LOP, 0.5-4 mmHg, falling monotonically above that, gone by the end of the tail", ({ input }) => {
    const cuff = cuffFor({ ...input, ...QUIET, subject: { ...input.subject, ...steady } });
    const lop = cuff.lopTrueMmhg;
    const points = envelope(cuff);
    const max = points.reduce((a, b) => (b.amplitude > a.amplitude ? b : a));
    expect(max.mmhg).toBeGreaterThan(0.5 * lop);
    expect(max.mmhg).toBeLessThan(0.95 * lop);
    expect(max.amplitude).toBeGreaterThan(0.5);
    expect(max.amplitude).toBeLessThan(4);
    const after = points.filter((p) => p.mmhg >= max.mmhg);
    for (let i = 1; i < after.length; i++) expect(after[i]!.amplitude).toBeLessThanOrEqual(after[i - 1]!.amplitude + 0.03);
    const tailEnd = lop * (1 + cuff.limb.artery.tailPercent / 100);
    for (const p of points.filter((q) => q.mmhg > tailEnd + 5)) expect(p.amplitude).toBeLessThan(0.05 * max.amplitude);
  });

  const members = [
    { label: "no edge pulsation, compliant artery", subject: { pulsationAtLopFraction: 0, arteryStiffnessMmhg: 10 } },
    { label: "a third at LOP, median stiffness, 40 % tail", subject: { pulsationAtLopFraction: 0.35, arteryStiffnessMmhg: 30, supraLopTailPercent: 40 } },
    { label: "the most the range allows: 0.7 at LOP, stiffest artery, shortest tail asked", subject: { pulsationAtLopFraction: 0.7, arteryStiffnessMmhg: 80, supraLopTailPercent: 5 } },
    { label: "half at LOP on an arm, compliant artery, long tail", limb: "arm" as const, subject: { pulsationAtLopFraction: 0.5, arteryStiffnessMmhg: 12, supraLopTailPercent: 120 } },
  ];

  it.each(members)("$label: the pulsation at the true LOP is the share asked for (within 0.07), and it fades by the end of its tail", ({ limb, subject }) => {
    const cuff = cuffFor({ limb: limb ?? "leg", ...QUIET, subject: { ...subject, ...steady } });
    const lop = cuff.lopTrueMmhg;
    const points = envelope(cuff);
    const max = Math.max(...points.map((p) => p.amplitude));
    const atLop = points.find((p) => p.share === 1)!.amplitude;
    expect(Math.abs(atLop / max - subject.pulsationAtLopFraction)).toBeLessThan(0.07);
    // A share the tail asked for cannot give lengthens the tail, never the other way.
    expect(cuff.limb.artery.tailPercent).toBeGreaterThanOrEqual(subject.supraLopTailPercent ?? 0);
    const tailEnd = lop * (1 + cuff.limb.artery.tailPercent / 100);
    for (const p of points.filter((q) => q.mmhg > tailEnd + 5)) expect(p.amplitude).toBeLessThan(0.05 * max);
  });

  it("a stiffer artery gives smaller pulsations (Babbs 2012)", () => {
    const largest = (arteryStiffnessMmhg: number) => {
      const cuff = cuffFor({ limb: "arm", ...QUIET, subject: { ...steady, arteryStiffnessMmhg, pulsationAtLopFraction: 0.3 } });
      return Math.max(...envelope(cuff).map((p) => p.amplitude));
    };
    expect(largest(60)).toBeLessThan(0.8 * largest(20));
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
