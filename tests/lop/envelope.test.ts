import { describe, expect, it } from "vitest";
import { readEnvelope, type EnvelopePoint } from "../../firmware/core/lop/envelope.ts";

/** One point per 2.5 mmHg from 80 mmHg, the amplitude given as a function of pressure (no noise). */
function envelope(amplitudeAt: (mmhg: number) => number, toMmhg = 200): EnvelopePoint[] {
  const points: EnvelopePoint[] = [];
  for (let mmhg = 80, t = 0; mmhg <= toMmhg; mmhg += 2.5, t += 0.9) points.push({ mmhg, amplitudeMmhg: amplitudeAt(mmhg), tSeconds: t });
  return points;
}

/** A flank that falls linearly from 100 % at `fullUntilMmhg` to 30 % at 170 mmHg, then to 15 % at 176. */
function flank(fullUntilMmhg: number): (mmhg: number) => number {
  return (mmhg) => {
    if (mmhg <= fullUntilMmhg) return 2 * Math.min(1, 0.4 + (mmhg - 80) / 50);
    if (mmhg <= 170) return 2 * (1 - (0.7 * (mmhg - fullUntilMmhg)) / (170 - fullUntilMmhg));
    return Math.max(0, 2 * (0.3 - (0.15 * (mmhg - 170)) / 6));
  };
}

describe("reading the envelope", () => {
  it("reads nothing until the flank has crossed 15 % of its maximum, then about 8 % above that crossing", () => {
    expect(readEnvelope(envelope(flank(120), 175), 0.1, 0.9)).toBeNull();
    const reading = readEnvelope(envelope(flank(120)), 0.1, 0.9)!;
    expect(reading.lowestCrossingMmhg).toBeGreaterThan(174);
    expect(reading.lowestCrossingMmhg).toBeLessThan(179);
    expect(reading.lopMmhg / reading.lowestCrossingMmhg).toBeGreaterThan(1.04);
    expect(reading.lopMmhg / reading.lowestCrossingMmhg).toBeLessThan(1.12);
  });
});
