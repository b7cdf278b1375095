import { describe, expect, it } from "vitest";
import type { Actuation } from "../../firmware/core/actuation.ts";
import { HuntingGuard } from "../../firmware/core/control/hunting.ts";
import { Prng } from "../../hardware/sim/prng.ts";

const HZ = 100;
const DT = 1 / HZ;
const TARGET = 120;

/** Runs the guard over `seconds` of a pressure wave and the actuation a regulator would choose against it; returns the gain scale at the end. */
function run(
  guard: HuntingGuard,
  seconds: number,
  fromSeconds: number,
  pressureAt: (t: number) => number,
  actuationAt: (t: number, mmhg: number) => Actuation,
  regulating = true,
): number {
  let scale = guard.gainScale;
  for (let i = 1; i <= seconds * HZ; i++) {
    const t = fromSeconds + i * DT;
    const mmhg = pressureAt(t);
    scale = guard.update(DT, mmhg, TARGET, actuationAt(t, mmhg), regulating);
  }
  return scale;
}

/** What a regulator does against a reading: pump below the target, vent above. */
const chasing = (_t: number, mmhg: number): Actuation => (mmhg < TARGET ? { pump: 1, vent: 0 } : { pump: 0, vent: 0.2 });
const sealed = (): Actuation => ({ pump: 0, vent: 0 });

describe("the hunting guard", () => {
  it("cuts the loop gain when the regulator swings the reading 6 mmHg at 2 Hz", () => {
    const guard = new HuntingGuard(HZ);
    const scale = run(guard, 5, 0, (t) => TARGET + 6 * Math.sin(2 * Math.PI * 2 * t), chasing);
    expect(scale).toBeLessThan(0.5);
    expect(scale).toBeGreaterThanOrEqual(0.2);
  });

  it("gives the gain back slowly once the hunting stops: under 0.6 after 30 s, over 0.9 after 5 minutes", () => {
    const guard = new HuntingGuard(HZ);
    run(guard, 5, 0, (t) => TARGET + 6 * Math.sin(2 * Math.PI * 2 * t), chasing);
    expect(run(guard, 30, 5, () => TARGET, chasing)).toBeLessThan(0.6);
    expect(run(guard, 270, 35, () => TARGET, chasing)).toBeGreaterThan(0.9);
  });

  it("leaves the gain alone for the same swings when a top-up or the kink probe made them, not the loop", () => {
    const guard = new HuntingGuard(HZ);
    expect(run(guard, 5, 0, (t) => TARGET + 6 * Math.sin(2 * Math.PI * 2 * t), chasing, false)).toBe(1);
  });

  it("leaves the gain alone for reps of 1.2 s swinging the pressure 20 mmHg", () => {
    const guard = new HuntingGuard(HZ);
    expect(run(guard, 60, 0, (t) => TARGET + 10 * Math.sin((2 * Math.PI * t) / 1.2), chasing)).toBe(1);
  });

  it("leaves the gain alone for a sensor with 3 mmHg of noise the regulator chatters on", () => {
    const guard = new HuntingGuard(HZ);
    const noise = new Prng(7);
    expect(run(guard, 120, 0, () => TARGET + 3 * noise.gaussian(), chasing)).toBeGreaterThan(0.95);
  });

  it("leaves the gain alone for a sealed cuff pulsing 6 mmHg at 150 beats a minute", () => {
    const guard = new HuntingGuard(HZ);
    expect(run(guard, 60, 0, (t) => TARGET + 6 * Math.sin(2 * Math.PI * 2.5 * t), sealed)).toBe(1);
  });
});
