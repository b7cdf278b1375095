import { describe, expect, it } from "vitest";
import type { PressureEstimate } from "../../firmware/core/estimator.ts";
import { ActuationSwing } from "../../firmware/core/reps/actuation-swing.ts";
import { createRepCounter } from "../../firmware/core/reps/reps.ts";

const SAMPLE_HZ = 100;
const TARGET_MMHG = 150;

function estimateAt(tSeconds: number, mmhg: number): PressureEstimate {
  return { tSeconds, rawMmhg: mmhg, mmhg, slopeMmhgPerSecond: 0, atRail: false, counts: 0, secondaryMmhg: null, secondaryAtRail: false, secondaryCounts: null };
}

/**
 * A set the regulator holds perfectly flat: the pressure stays within 0.3 mmHg of the target
 * while the pump and vent take out each rep's swing (a sealed cuff would rise `swingMmhg` on each
 * contraction). The rate is the derivative of that swing, negated, plus a steady pump against a leak.
 */
function flatSet(reps: number, repSeconds: number, swingMmhg: number, leakRateMmhgPerSecond: number): number {
  const counter = createRepCounter(SAMPLE_HZ);
  const dt = 1 / SAMPLE_HZ;
  const seconds = reps * repSeconds + 1;
  for (let i = 0; i <= seconds * SAMPLE_HZ; i++) {
    const t = 100 + i * dt;
    const into = i * dt;
    const active = into < reps * repSeconds;
    const swingRate = active ? ((swingMmhg * Math.PI) / repSeconds) * Math.sin((2 * Math.PI * into) / repSeconds) : 0;
    const ripple = 0.3 * Math.sin(2 * Math.PI * 1.3 * into);
    counter.update(t, estimateAt(t, TARGET_MMHG + ripple), TARGET_MMHG, leakRateMmhgPerSecond - swingRate);
  }
  return counter.reps;
}

describe("reps counted while the regulator holds the pressure flat", () => {
  it("counts 3 s reps of a 12 mmHg swing from what the pump and vent did, though the pressure barely moves", () => {
    expect(flatSet(12, 3, 12, 14)).toBeGreaterThanOrEqual(11);
    expect(flatSet(12, 3, 12, 14)).toBeLessThanOrEqual(12);
  });

  it("counts 6 s reps of an 8 mmHg swing the same way", () => {
    const counted = flatSet(6, 6, 8, 0);
    expect(counted).toBeGreaterThanOrEqual(5);
    expect(counted).toBeLessThanOrEqual(6);
  });

  it("counts nothing when neither the pressure nor the actuators swing", () => {
    expect(flatSet(10, 3, 0, 14)).toBe(0);
  });
});

describe("the swing the actuators took out", () => {
  it("follows a rep's swing and forgets a steady rate", () => {
    const swing = new ActuationSwing();
    let steady = 0;
    for (let i = 0; i < 3000; i++) steady = swing.update(0.01, 10, true);
    // A constant 10 mmHg/s settles to a constant offset (the high-pass of a ramp), not a growing one.
    const later = swing.update(0.01, 10, true);
    expect(Math.abs(later - steady)).toBeLessThan(0.05);
    let high = -Infinity;
    let low = Infinity;
    for (let i = 0; i < 1200; i++) {
      const out = swing.update(0.01, 10 + ((10 * Math.PI) / 3) * Math.sin((2 * Math.PI * i * 0.01) / 3), true);
      // The last of four reps, once the start has settled.
      if (i < 900) continue;
      high = Math.max(high, out);
      low = Math.min(low, out);
    }
    // A 10 mmHg swing over 3 s reps keeps nearly all of its size.
    expect(high - low).toBeGreaterThan(8.5);
    expect(high - low).toBeLessThan(11);
  });

  it("leaves out the refill that brings the set back to its target", () => {
    const swing = new ActuationSwing();
    // 2 s of full pump far below the target, then the pressure is near it and the pump stops.
    for (let i = 0; i < 200; i++) expect(swing.update(0.01, 60, false)).toBe(0);
    let largest = 0;
    for (let i = 0; i < 300; i++) largest = Math.max(largest, Math.abs(swing.update(0.01, 0, true)));
    expect(largest).toBe(0);
  });
});
