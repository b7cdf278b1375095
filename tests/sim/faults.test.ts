import { describe, expect, it } from "vitest";
import { countsFullScale, countsToMmhg } from "../../hardware/profile.ts";
import type { SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { LINK_FAULT_KINDS, PHYSICAL_FAULT_KINDS } from "../../hardware/sim/plant.ts";
import type { FaultSpec } from "../../hardware/sim/scenario.ts";
import { cuffFor, inflateTo, profile, QUIET, run } from "./helpers.ts";

/** A thigh cuff at 150 mmHg with a fault scheduled 1 s later. */
function faulted(fault: FaultSpec | null, seed = 4): SimulatedCuff {
  const cuff = cuffFor({ limb: "leg", seed, ...QUIET, faults: fault ? [fault] : [] });
  return cuff;
}

const sensorMmhg = (cuff: SimulatedCuff) => countsToMmhg(profile, cuff.sensorCounts());

describe("faults act where they physically are", () => {
  it("every fault kind of CONTRACTS.md is accepted in a scenario and shows in activeFaults() from its time on", () => {
    for (const kind of [...PHYSICAL_FAULT_KINDS, ...LINK_FAULT_KINDS]) {
      const cuff = faulted({ kind, at: 2 } as FaultSpec);
      run(cuff, 1.99, 0, 1);
      expect(cuff.activeFaults()).toEqual([]);
      run(cuff, 0.02, 0, 1);
      expect(cuff.activeFaults()).toEqual([kind]);
    }
  });

  it("sensor-disconnect: the reading jumps to a rail (0 counts or full scale) whatever the cuff does", () => {
    for (const rail of [0, 1] as const) {
      const cuff = faulted({ kind: "sensor-disconnect", at: 0, rail });
      run(cuff, 5, 1, 0);
      expect(cuff.trueMmhg()).toBeGreaterThan(20);
      expect(cuff.sensorCounts()).toBe(rail === 1 ? countsFullScale(profile) : 0);
    }
  });

  it("sensor-stuck: the reading freezes while the cuff keeps inflating", () => {
    const cuff = faulted({ kind: "sensor-stuck", at: 3 });
    run(cuff, 3, 1, 0);
    const frozen = cuff.sensorCounts();
    run(cuff, 5, 1, 0);
    expect(cuff.trueMmhg()).toBeGreaterThan(sensorMmhg(cuff) + 20);
    expect(cuff.sensorCounts()).toBe(frozen);
  });

  it("sensor-drift: the reading walks away from the true pressure at mmhgPerMin", () => {
    const cuff = faulted({ kind: "sensor-drift", at: 0, mmhgPerMin: 30 });
    inflateTo(cuff, 120);
    const t0 = cuff.timeSeconds;
    run(cuff, 60, 0, 0);
    expect(sensorMmhg(cuff) - cuff.trueMmhg()).toBeCloseTo((30 * cuff.timeSeconds) / 60, 0);
    expect(cuff.timeSeconds - t0).toBeCloseTo(60, 6);
  });

  it("leak: a sealed cuff at 200 mmHg loses about mmhgPerMin more", () => {
    const loss = (fault: FaultSpec | null) => {
      const cuff = faulted(fault);
      inflateTo(cuff, 200);
      run(cuff, 2, 0, 0);
      const start = cuff.trueMmhg();
      run(cuff, 10, 0, 0);
      return ((start - cuff.trueMmhg()) / 10) * 60;
    };
    expect(loss({ kind: "leak", at: 0, mmhgPerMin: 40 }) - loss(null)).toBeGreaterThan(34);
    expect(loss({ kind: "leak", at: 0, mmhgPerMin: 40 }) - loss(null)).toBeLessThan(46);
  });

  it("hose-kink: the cuff keeps its pressure; pump and vent only move the hose side, which the sensor sees", () => {
    const flat = cuffFor({ limb: "leg", ...QUIET });
    inflateTo(flat, 150);
    const kinked = cuffFor({ limb: "leg", ...QUIET, faults: [{ kind: "hose-kink", at: flat.timeSeconds + 0.5 }] });
    inflateTo(kinked, 150);
    // Means over a heart beat or two: the cuff pulsates by 2-3 mmHg at this pressure.
    const meanOver = (seconds: number, pump: number, vent: number) => {
      let sum = 0;
      let n = 0;
      run(kinked, seconds, pump, vent, () => {
        sum += kinked.trueMmhg();
        n++;
      });
      return sum / n;
    };
    const held = meanOver(2, 0, 0);
    run(kinked, 3, 1, 0);
    expect(Math.abs(meanOver(2, 1, 0) - held)).toBeLessThan(2);
    expect(sensorMmhg(kinked)).toBeGreaterThan(300);
    run(kinked, 3, 0, 1);
    expect(Math.abs(meanOver(2, 0, 1) - held)).toBeLessThan(2);
    expect(sensorMmhg(kinked)).toBeLessThan(3);
  });

  it("cuff-off: nothing holds pressure, the pump cannot build any and an inflated cuff empties within a second", () => {
    const cuff = faulted({ kind: "cuff-off", at: 0 });
    run(cuff, 20, 1, 0);
    expect(cuff.trueMmhg()).toBeLessThan(2);
    const burst = cuffFor({ limb: "leg", ...QUIET });
    inflateTo(burst, 180);
    burst.injectFault("cuff-off");
    run(burst, 1, 0, 0);
    expect(burst.trueMmhg()).toBeLessThan(5);
  });

  it("valve-stuck-closed: commanding the vent open does not deflate", () => {
    const cuff = faulted({ kind: "valve-stuck-closed", at: 0 });
    inflateTo(cuff, 150);
    run(cuff, 10, 0, 1);
    expect(cuff.trueMmhg()).toBeGreaterThan(145);
  });

  it("valve-stuck-open: the pump at full cannot get past the open vent", () => {
    const cuff = faulted({ kind: "valve-stuck-open", at: 0 });
    run(cuff, 30, 1, 0);
    expect(cuff.trueMmhg()).toBeLessThan(15);
  });

  it("pump-dead: a commanded pump moves no air", () => {
    const cuff = faulted({ kind: "pump-dead", at: 0 });
    run(cuff, 10, 1, 0);
    expect(cuff.trueMmhg()).toBeLessThan(1);
    expect(cuff.pumpSpeed()).toBe(0);
  });

  it("a fault with `until` clears by itself and the physics carries on", () => {
    const cuff = faulted({ kind: "pump-dead", at: 0, until: 5 });
    run(cuff, 5, 1, 0);
    expect(cuff.trueMmhg()).toBeLessThan(1);
    run(cuff, 5, 1, 0);
    expect(cuff.activeFaults()).toEqual([]);
    expect(cuff.trueMmhg()).toBeGreaterThan(20);
  });

  it("link faults change no physics; they are listed with their times for the bench harness", () => {
    const trace = (faults: FaultSpec[]) => {
      const cuff = cuffFor({ limb: "leg", seed: 12, faults });
      const out: number[] = [];
      run(cuff, 20, 1, 0, () => out.push(cuff.sensorCounts()));
      return { out, cuff };
    };
    const links: FaultSpec[] = [
      { kind: "host-silent", at: 3, until: 8 },
      { kind: "garbage-on-link", at: 5 },
      { kind: "firmware-hang", at: 9 },
      { kind: "board-unplugged", at: 12 },
    ];
    const faultedRun = trace(links);
    expect(faultedRun.out).toEqual(trace([]).out);
    expect(faultedRun.cuff.scheduledLinkFaults()).toEqual([
      { kind: "host-silent", at: 3, until: 8 },
      { kind: "garbage-on-link", at: 5, until: null },
      { kind: "firmware-hang", at: 9, until: null },
      { kind: "board-unplugged", at: 12, until: null },
    ]);
    expect([...faultedRun.cuff.activeFaults()].sort()).toEqual(["board-unplugged", "firmware-hang", "garbage-on-link"]);
  });

  it("a fault injected now acts now", () => {
    const cuff = cuffFor({ limb: "arm", ...QUIET });
    inflateTo(cuff, 100);
    cuff.injectFault("valve-stuck-open");
    run(cuff, 3, 0, 0);
    expect(cuff.trueMmhg()).toBeLessThan(15);
    expect(cuff.activeFaults()).toEqual(["valve-stuck-open"]);
  });

  it("a bad injected fault is refused with the key named, and changes nothing", () => {
    const cuff = cuffFor({ limb: "arm", ...QUIET });
    inflateTo(cuff, 100);
    expect(() => cuff.injectFault("leak", { mmhgPerMin: Number.NaN })).toThrow(/injectFault leak: mmhgPerMin: must be a number/);
    expect(() => cuff.injectFault("leak", { mmhgPerMinute: 5 })).toThrow(/injectFault leak: mmhgPerMinute: unknown key/);
    expect(() => cuff.injectFault("pump-dead", { until: 1 })).toThrow(/until: must be later than now/);
    expect(cuff.activeFaults()).toEqual([]);
    const before = cuff.trueMmhg();
    run(cuff, 1, 0, 0);
    expect(Math.abs(cuff.trueMmhg() - before)).toBeLessThan(3);
    cuff.injectFault("leak", { mmhgPerMin: 1000, until: cuff.timeSeconds + 2 });
    run(cuff, 3, 0, 0);
    expect(cuff.activeFaults()).toEqual([]);
    expect(cuff.trueMmhg()).toBeLessThan(before - 10);
  });
});

describe("determinism", () => {
  const record = (seed: number) => {
    const cuff = cuffFor({ limb: "leg", seed, faults: [{ kind: "sensor-disconnect", at: 50 }] });
    const out: number[] = [];
    run(cuff, 10, 1, 0, () => out.push(cuff.sensorCounts()));
    cuff.beginSet(10);
    run(cuff, 45, 0, 0, () => out.push(cuff.sensorCounts()));
    return out;
  };

  it("the same scenario and seed give the same readings, sample for sample", () => {
    expect(record(77)).toEqual(record(77));
  });

  it("another seed gives other noise, pulses and reps", () => {
    const a = record(77);
    const b = record(78);
    expect(a.filter((x, i) => x !== b[i]).length).toBeGreaterThan(a.length / 2);
  });
});

describe("sensor", () => {
  it("reports 100 Hz samples of the profile's transfer function, with offset, noise and quantisation", () => {
    const cuff = cuffFor({ limb: "arm", seed: 2, hardware: { sensorOffsetMmhg: 4, sensorNoiseMmhg: 0.5, sensorDriftMmhgPerMin: 0 } });
    inflateTo(cuff, 120);
    const errors: number[] = [];
    let changes = 0;
    let last = cuff.sensorCounts();
    for (let i = 0; i < 2000; i++) {
      cuff.step(0.001, 0, 0);
      if (cuff.sensorCounts() !== last) changes++;
      last = cuff.sensorCounts();
      if (i % 10 === 9) errors.push(sensorMmhg(cuff) - cuff.trueMmhg());
    }
    // 2 s of 1 ms steps: at most 200 new samples.
    expect(changes).toBeLessThanOrEqual(201);
    expect(changes).toBeGreaterThan(150);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, b) => a + (b - mean) ** 2, 0) / errors.length);
    expect(mean).toBeCloseTo(4, 0);
    expect(sd).toBeGreaterThan(0.4);
    expect(sd).toBeLessThan(0.7);
  });

  it("the reference sensor reads 0 mmHg at 2000 counts and rails at full scale near 337 mmHg", () => {
    const cuff = cuffFor({ hardware: { sensorNoiseMmhg: 0, sensorOffsetMmhg: 0, sensorDriftMmhgPerMin: 0 } });
    run(cuff, 2, 0, 1);
    expect(Math.abs(cuff.sensorCounts() - 2000)).toBeLessThanOrEqual(1);
    expect(countsToMmhg(profile, countsFullScale(profile))).toBeCloseTo(337, 0);
  });
});
