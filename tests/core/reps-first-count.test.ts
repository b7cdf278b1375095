import { describe, expect, it } from "vitest";
import type { PressureEstimate } from "../../firmware/core/estimator.ts";
import { createRepCounter } from "../../firmware/core/reps/reps.ts";

const SAMPLE_HZ = 100;
const TARGET_MMHG = 150;

function estimateAt(tSeconds: number, mmhg: number): PressureEstimate {
  return { tSeconds, rawMmhg: mmhg, mmhg, slopeMmhgPerSecond: 0, atRail: false, counts: 0, secondaryMmhg: null, secondaryAtRail: false, secondaryCounts: null };
}

/** A half sine of `mmhg` from `fromSeconds` into the set, lasting `seconds`. */
const bump = (mmhg: number, fromSeconds: number, seconds: number) => (into: number) =>
  into >= fromSeconds && into < fromSeconds + seconds ? mmhg * Math.sin((Math.PI * (into - fromSeconds)) / seconds) : 0;

/** The count 2 s after the athlete has done 12 reps of `repSeconds`, each swinging the pressure 10 mmHg, with `extra` on top. */
function countAfter12Reps(repSeconds: number, extra: (intoSeconds: number) => number): number {
  const counter = createRepCounter(SAMPLE_HZ);
  for (let i = 0; i <= Math.round((12 * repSeconds + 2) * SAMPLE_HZ); i++) {
    const into = i / SAMPLE_HZ;
    const rep = into < 12 * repSeconds ? 5 * (1 - Math.cos((2 * Math.PI * into) / repSeconds)) : 0;
    counter.update(100 + into, estimateAt(100 + into, TARGET_MMHG + rep + extra(into)), TARGET_MMHG);
  }
  return counter.reps;
}

describe("the first count of a set", () => {
  it("is taken back when the set's start pushed the pressure up 12 mmHg before the first rep: 12 reps of 4.4 s count 12, not 13", () => {
    expect(countAfter12Reps(4.4, bump(12, 0, 0.6))).toBe(12);
  });

  it("is taken back when a knock dipped the pressure 8 mmHg in the first rep: 12 reps of 6 s count 12, not 13", () => {
    expect(countAfter12Reps(6, bump(-8, 2, 0.6))).toBe(12);
  });

  it("stays when the first rep was the only swing: 12 clean reps of 2, 4.4 and 6 s count 12", () => {
    expect(countAfter12Reps(2, () => 0)).toBe(12);
    expect(countAfter12Reps(4.4, () => 0)).toBe(12);
    expect(countAfter12Reps(6, () => 0)).toBe(12);
  });
});
