import { describe, expect, it } from "vitest";
import { INFLATION_LEVEL, InflationLevel } from "../../firmware/core/control/inflation-level.ts";

const DT = 0.01;
const LIMIT_SECONDS = 180;

/** Feeds `pressureAt(t)` every 10 ms from 0 to `untilSeconds`; the first verdict and when it came. */
function firstVerdict(pressureAt: (t: number) => number, targetMmhg: number, untilSeconds = LIMIT_SECONDS) {
  const level = new InflationLevel(0, LIMIT_SECONDS);
  const verdicts = [];
  for (let i = 0; i * DT <= untilSeconds; i++) {
    const t = i * DT;
    const verdict = level.update(t, pressureAt(t), targetMmhg);
    if (verdict) verdicts.push({ t, ...verdict });
  }
  return verdicts;
}

describe("where an inflation levels off short of its target", () => {
  it("a cuff that fills at 1 mmHg/s and levels at 120 of 160 mmHg: held at 116.4 mmHg, 20 s after its last rise", () => {
    const verdicts = firstVerdict((t) => Math.min(120, t), 160);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.reason).toBe("levelled");
    // The last rise of 2.4 mmHg (1.5 % of 160) above the highest counted ends by 120 s.
    expect(verdicts[0]!.t).toBeGreaterThan(137);
    expect(verdicts[0]!.t).toBeLessThan(141);
    expect(verdicts[0]!.levelMmhg).toBeCloseTo(120, 0);
    expect(verdicts[0]!.holdMmhg).toBeCloseTo(116.4, 1);
  });

  it("a pump still climbing (0.7 mmHg/s) 10 s before the inflation's limit: held just under what it reached, at 170 s", () => {
    const verdicts = firstVerdict((t) => 0.7 * t, 160);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.reason).toBe("time");
    expect(verdicts[0]!.t).toBeCloseTo(LIMIT_SECONDS - INFLATION_LEVEL.beforeLimitSeconds, 1);
    expect(verdicts[0]!.levelMmhg).toBeCloseTo(0.7 * 169, 0);
    expect(verdicts[0]!.holdMmhg).toBeLessThan(verdicts[0]!.levelMmhg);
  });

  it("a level under 60 % of the target (80 of 160 mmHg) is never held: the inflation runs on to its limit", () => {
    expect(firstVerdict((t) => Math.min(80, 2 * t), 160)).toHaveLength(0);
  });

  it("judges nothing in the first 45 s, however flat: a cuff's slack fills slowly", () => {
    const verdicts = firstVerdict((t) => (t < 5 ? 30 * t : 150), 160);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.t).toBeCloseTo(INFLATION_LEVEL.fromSeconds, 1);
  });

  it("gives one verdict on a noisy level (+-3 mmHg), at the noise's mean, not its peaks", () => {
    const noise = (t: number) => 3 * Math.sin(t * 37.1) * Math.cos(t * 11.3);
    const verdicts = firstVerdict((t) => Math.min(130, 1.2 * t) + noise(t), 160);
    expect(verdicts).toHaveLength(1);
    expect(Math.abs(verdicts[0]!.levelMmhg - 130)).toBeLessThan(1.5);
  });

  it("holds nothing when the reading keeps reaching the target (a hose-limited regulator chattering 60-106 of 103 mmHg): the inflation runs to its limit", () => {
    const chatter = (t: number) => (t < 40 ? 2 * t : 83 + 23 * Math.sin(t * 1.7));
    expect(firstVerdict(chatter, 103)).toHaveLength(0);
  });

  it("reads an unusable sample as nothing", () => {
    const verdicts = firstVerdict((t) => (Math.floor(t * 10) % 7 === 0 ? Number.NaN : Math.min(120, t)), 160);
    expect(verdicts).toHaveLength(1);
    expect(verdicts[0]!.levelMmhg).toBeCloseTo(120, 0);
  });
});
