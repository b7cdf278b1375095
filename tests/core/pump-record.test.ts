import { describe, expect, it } from "vitest";
import { PumpRecord } from "../../firmware/core/control/pump-record.ts";

const DT = 0.01;

/** Feeds `seconds` of ticks at a pump duty, the pressure moving at rate(p) * speed, with `noise` of alternating sign; then a tick with the pump off unless `goOn`. */
function drive(record: PumpRecord, start: { t: number; mmhg: number }, seconds: number, duty: number, rate: (p: number) => number, still = true, noise = 0, goOn = false) {
  let { t, mmhg } = start;
  const speed = record.speedOf(duty);
  for (let i = 0; i < Math.round(seconds / DT); i++) {
    t += DT;
    mmhg += rate(mmhg) * speed * DT;
    record.observe({ t, mmhg: mmhg + (i % 2 ? noise : -noise), pump: duty, vent: 0, still });
  }
  if (goOn) return { t, mmhg };
  record.observe({ t: t + DT, mmhg, pump: 0, vent: 0, still });
  return { t: t + DT, mmhg };
}

describe("the pump's record", () => {
  it("learns a small pump's full-speed rise at each pressure from an inflation at part duty, noise and all", () => {
    const record = new PumpRecord(0.15);
    // 3 mmHg/s at 0 falling to 1.5 at 150: run at duty 0.575 (half speed).
    const pump = (p: number) => 3 * (1 - p / 300);
    drive(record, { t: 0, mmhg: 0 }, 120, 0.575, pump, true, 1.5);
    expect(record.learnedRateAt(30)! / pump(30)).toBeGreaterThan(0.85);
    expect(record.learnedRateAt(30)! / pump(30)).toBeLessThan(1.15);
    expect(record.learnedRateAt(120)! / pump(120)).toBeGreaterThan(0.85);
    expect(record.learnedRateAt(120)! / pump(120)).toBeLessThan(1.15);
    // The rise a duty gives: half speed, half the rate.
    expect(record.expectedRise(120, 0.575)! / (pump(120) / 2)).toBeCloseTo(1, 1);
    // Beyond what the inflation reached nothing is claimed as learned; the rise is taken as the highest seen.
    expect(record.learnedRateAt(250)).toBeNull();
    expect(record.expectedRise(250, 1)).toBeCloseTo(record.expectedRise(175, 1)!, 5);
  });

  it("skips the first 0.3 s of each stretch, where the hose's own drop builds up", () => {
    const record = new PumpRecord(0.15);
    let state = { t: 0, mmhg: 100 };
    for (let i = 0; i < 20; i++) {
      // Each burst starts with a 20 mmHg jump in 0.1 s (a narrow hose), then the cuff rises at 10 mmHg/s.
      state = drive(record, state, 0.1, 1, () => 200, true, 0, true);
      state = drive(record, state, 1.4, 1, () => 10);
      state = { t: state.t + 1, mmhg: state.mmhg - 34 };
    }
    expect(record.learnedRateAt(125)).toBeCloseTo(10, 0);
  });

  it("learns nothing from top-ups shorter than a window, where a heartbeat or a knock lifts the pressure as fast as a pump", () => {
    const record = new PumpRecord(0.15);
    // The inflation: 2 mmHg/s from 100 to 130 mmHg.
    let state = drive(record, { t: 0, mmhg: 100 }, 15, 1, () => 2);
    expect(record.learnedRateAt(115)).toBeCloseTo(2, 1);
    for (let i = 0; i < 20; i++) {
      // A top-up at 110 mmHg whose last quarter second a knock (or a beat's upstroke) lifts at 40 mmHg/s.
      state = drive(record, { t: state.t + 1, mmhg: 110 }, 0.3, 1, () => 2, true, 0, true);
      state = drive(record, state, 0.25, 1, () => 40);
    }
    expect(record.learnedRateAt(115)).toBeCloseTo(2, 1);
  });

  it("learns nothing in a set with contractions, and claims nothing before the pump was seen working", () => {
    const record = new PumpRecord(0.15);
    expect(record.expectedRise(100, 1)).toBeNull();
    drive(record, { t: 0, mmhg: 100 }, 5, 1, () => 50, false);
    expect(record.learnedRateAt(150)).toBeNull();
    expect(record.expectedRise(150, 1)).toBeNull();
    // Under the motor's minimum duty the pump gives nothing.
    drive(record, { t: 10, mmhg: 100 }, 5, 1, () => 8);
    expect(record.expectedRise(120, 0.1)).toBe(0);
  });
});
