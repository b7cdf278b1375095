import { describe, expect, it } from "vitest";
import { readFlank, rampBoundMmhg, type EnvelopePoint } from "../../firmware/core/lop/envelope.ts";

/** One point per 2.5 mmHg from 80 mmHg, the amplitude given as a function of pressure (no noise). */
function envelope(amplitudeAt: (mmhg: number) => number, toMmhg = 220): EnvelopePoint[] {
  const points: EnvelopePoint[] = [];
  for (let mmhg = 80, t = 0; mmhg <= toMmhg; mmhg += 2.5, t += 0.9) points.push({ mmhg, amplitudeMmhg: amplitudeAt(mmhg), tSeconds: t });
  return points;
}

/** Rises to 2 mmHg at 130, then falls linearly by 1 % of the maximum per mmHg (70 % at 160, 50 % at 180). */
const flank = (mmhg: number) => (mmhg <= 130 ? 2 * Math.min(1, 0.4 + (mmhg - 80) / 80) : Math.max(0.1, 2 * (1 - (mmhg - 130) / 100)));

describe("reading the envelope's falling flank", () => {
  it("reads nothing until the flank has crossed 50 % of its maximum, then the middle of the flank plus the margin", () => {
    const early = readFlank(envelope(flank, 175), 0.1)!;
    expect(early.lopMmhg).toBeNull();
    // 80 % at 150 mmHg, a few mmHg later through the median smoothing.
    expect(early.boundCrossingMmhg).toBeGreaterThan(148);
    expect(early.boundCrossingMmhg).toBeLessThan(158);
    const reading = readFlank(envelope(flank), 0.1)!;
    expect(reading.maxAmplitudeMmhg).toBeGreaterThan(1.85);
    expect(reading.maxAmplitudeMmhg).toBeLessThan(2.01);
    // Crossings near 170 and 180 mmHg (the median smoothing lags a few mmHg): about 180 + 18 mmHg.
    expect(reading.lopMmhg).toBeGreaterThan(195);
    expect(reading.lopMmhg).toBeLessThan(210);
  });

  it("the ramp's bound never exceeds 1.2 times the 80 % crossing, and sits at the LOP that crossing reads", () => {
    expect(rampBoundMmhg(100)).toBeCloseTo(120, 1);
    expect(rampBoundMmhg(200)).toBeCloseTo(231.9, 0);
    for (const crossing of [60, 100, 150, 200, 280]) expect(rampBoundMmhg(crossing)).toBeLessThanOrEqual(1.2 * crossing);
  });

  it("a dip right after the maximum is not a flank: a weak, still rising envelope is not read from noise", () => {
    // A bump at 90-95 mmHg, a dip to a third of it up to 100, then the real rise and flank.
    const bumpy = (mmhg: number) => (mmhg < 97 ? (mmhg >= 88 ? 0.9 : 0.3) : mmhg < 100 ? 0.3 : flank(mmhg));
    const reading = readFlank(envelope(bumpy), 0.05)!;
    expect(reading.maxAtMmhg).toBeGreaterThan(120);
    expect(reading.lopMmhg).toBeGreaterThan(190);
  });
});
