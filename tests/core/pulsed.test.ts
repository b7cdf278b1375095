import { describe, expect, it } from "vitest";
import type { Actuation } from "../../firmware/core/actuation.ts";
import { HoseModel } from "../../firmware/core/control/hose-model.ts";
import { PULSED, PulsedRegulator } from "../../firmware/core/control/pulsed.ts";

const HZ = 100;
const DT = 1 / HZ;
const MIN_DUTY = 0.15;

/**
 * A cuff behind a narrow hose, to first order: the cuff rises `pumpMmhgPerSecond` at full pump and
 * falls `ventMmhgPerSecond` with the vent fully open (less a leak); the reading is the cuff plus the
 * hose's drop at the pump's lagged speed, less a vent drop while it is open.
 */
class LineLimitedCuff {
  cuffMmhg: number;
  private speed = 0;

  constructor(
    fromMmhg: number,
    private readonly hoseDropMmhg: number,
    private readonly pumpMmhgPerSecond = 8,
    private readonly ventMmhgPerSecond = 60,
    private readonly leakMmhgPerSecond = 0.3,
  ) {
    this.cuffMmhg = fromMmhg;
  }

  step(actuation: Actuation): number {
    const target = actuation.pump > MIN_DUTY ? (actuation.pump - MIN_DUTY) / (1 - MIN_DUTY) : 0;
    this.speed += (target - this.speed) * (1 - Math.exp(-DT / 0.08));
    this.cuffMmhg += DT * (this.speed * this.pumpMmhgPerSecond - actuation.vent * this.ventMmhgPerSecond - this.leakMmhgPerSecond);
    return this.reading(actuation);
  }

  reading(actuation: Actuation): number {
    return this.cuffMmhg + this.hoseDropMmhg * this.speed - 0.6 * this.cuffMmhg * actuation.vent;
  }
}

describe("hose model", () => {
  /** Pump at full for `onSeconds`, off for `offSeconds`, repeated; returns the model after `seconds`. */
  function cycle(hoseDropMmhg: number, fromMmhg: number, seconds: number): HoseModel {
    const model = new HoseModel(MIN_DUTY);
    const cuff = new LineLimitedCuff(fromMmhg, hoseDropMmhg);
    let actuation: Actuation = { pump: 0, vent: 0 };
    let reading = cuff.reading(actuation);
    for (let i = 1; i <= seconds * HZ; i++) {
      const t = i * DT;
      actuation = t % 1 < 0.5 ? { pump: 1, vent: 0 } : { pump: 0, vent: 0 };
      model.update(t, DT, reading, actuation.pump, actuation.vent);
      reading = cuff.step(actuation);
    }
    return model;
  }

  it("learns a 40 mmHg drop from the pump's stops and starts in a pressurised cuff, and a wide hose's as none", () => {
    const narrow = cycle(40, 100, 3);
    expect(narrow.mayDropAtLeast(30)).toBe(true);
    expect(narrow.mayDropAtLeast(45)).toBe(false);
    const wide = cycle(1, 100, 3);
    expect(wide.mayDropAtLeast(3)).toBe(false);
  });

  it("filling from empty, the first jump stands in for the drop until steps from a pressurised cuff have measured it", () => {
    // One start from 0 mmHg, after 0.3 s idle: the jump is known, no measurement yet.
    const model = new HoseModel(MIN_DUTY);
    const cuff = new LineLimitedCuff(0, 40);
    let reading = 0;
    for (let i = 1; i <= 0.7 * HZ; i++) {
      const pump = i * DT > 0.3 ? 1 : 0;
      model.update(i * DT, DT, reading, pump, 0);
      reading = cuff.step({ pump, vent: 0 });
    }
    expect(model.mayDropAtLeast(30)).toBe(true);
    expect(new HoseModel(MIN_DUTY).mayDropAtLeast(3)).toBe(false);
  });
});

describe("pulsed regulator", () => {
  /** Runs the regulator on the line-limited cuff; returns the cuff pressures it held from `fromSeconds`. */
  function hold(aimMmhg: number, fromMmhg: number, seconds: number, fromSeconds: number, hoseDropMmhg = 50) {
    const regulator = new PulsedRegulator();
    const cuff = new LineLimitedCuff(fromMmhg, hoseDropMmhg);
    let actuation: Actuation = { pump: 0, vent: 0 };
    let reading = cuff.reading(actuation);
    const held: number[] = [];
    let highestReading = 0;
    for (let i = 1; i <= seconds * HZ; i++) {
      const t = i * DT;
      actuation = regulator.step(t, reading, aimMmhg, 20, 20);
      reading = cuff.step(actuation);
      highestReading = Math.max(highestReading, reading);
      if (t >= fromSeconds) held.push(cuff.cuffMmhg);
    }
    return { held, regulator, highestReading };
  }

  it("brings the cuff behind a hose with a 50 mmHg drop from 60 to 100 mmHg and holds it within 3 % (the reading jumps 50 with each pump pulse)", () => {
    const { held, regulator, highestReading } = hold(100, 60, 40, 20);
    expect(Math.min(...held)).toBeGreaterThan(97);
    expect(Math.max(...held)).toBeLessThan(103);
    expect(highestReading).toBeGreaterThan(130);
    expect(regulator.cuffMmhg!).toBeCloseTo(100, -0.5);
  });

  it("vents a cuff 20 mmHg over its aim down to it without falling 3 % under", () => {
    const { held } = hold(100, 120, 30, 10);
    expect(Math.min(...held)).toBeGreaterThan(97);
    expect(Math.max(...held)).toBeLessThan(103);
  });

  it("leaves the cuff sealed between pulses: every pulse is followed by a sealed read of at least its settling time", () => {
    const regulator = new PulsedRegulator();
    const cuff = new LineLimitedCuff(90, 50);
    let reading = cuff.reading({ pump: 0, vent: 0 });
    let sealedFor = 0;
    let shortestGap = Number.POSITIVE_INFINITY;
    let wasActive = false;
    for (let i = 1; i <= 20 * HZ; i++) {
      const actuation = regulator.step(i * DT, reading, 100, 20, 20);
      const active = actuation.pump > 0 || actuation.vent > 0;
      if (active && !wasActive && i > 1 && sealedFor > 0) shortestGap = Math.min(shortestGap, sealedFor);
      sealedFor = active ? 0 : sealedFor + DT;
      wasActive = active;
      reading = cuff.step(actuation);
    }
    expect(shortestGap).toBeGreaterThanOrEqual(PULSED.settleSeconds + PULSED.readSeconds - 1e-9);
  });
});
