/** The physical bound of regulation in a set: what no controller on a given pump and vent can beat. */
import { describe, expect, it } from "vitest";
import { bestShareWithinBand, smallestHalfBandMmhg } from "../../firmware/core/control/bound.ts";

/** The median thigh: 159 mmHg target, the reference pump adds 17.7 mmHg/s there, a vent far faster. */
const thigh = { targetMmhg: 159, repSeconds: 2, pumpRateMmhgPerSecond: 17.7, ventRateMmhgPerSecond: 120 };

describe("the smallest band any controller could hold through steady reps", () => {
  it("is nothing when the pump and vent outrun the contraction, and grows with the swing when the pump cannot", () => {
    expect(smallestHalfBandMmhg({ ...thigh, swingMmhg: 10 })).toBe(0);
    const bands = [20, 25, 30].map((swingMmhg) => smallestHalfBandMmhg({ ...thigh, swingMmhg }));
    expect(bands[0]).toBeGreaterThan(0);
    expect(bands[1]).toBeGreaterThan(bands[0]!);
    expect(bands[2]).toBeGreaterThan(bands[1]!);
    // Never worse than a sealed cuff centred on the target: half the swing.
    expect(bands[2]).toBeLessThan(15);
  });

  it("is unbounded for a pump with no authority left at the target", () => {
    expect(smallestHalfBandMmhg({ ...thigh, swingMmhg: 20, pumpRateMmhgPerSecond: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("the best share of a set within a band", () => {
  const set = { ...thigh, swingMmhg: 30, relaxedDropMmhg: 30, reps: 10, emptyingReps: 1.5 };

  it("is all of it for a wide band, less for a narrow one, and less again for a weaker pump", () => {
    expect(bestShareWithinBand({ ...set, halfBandMmhg: 40 })).toBeCloseTo(1, 6);
    const at5 = bestShareWithinBand({ ...set, halfBandMmhg: 0.05 * 159 });
    expect(at5).toBeLessThan(1);
    expect(at5).toBeGreaterThan(0.3);
    expect(bestShareWithinBand({ ...set, halfBandMmhg: 0.05 * 159, pumpRateMmhgPerSecond: 8 })).toBeLessThan(at5);
  });
});
