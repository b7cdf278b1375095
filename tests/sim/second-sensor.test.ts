/**
 * The simulated second pressure sensor: its own noise, offset, resolution and
 * faults, the scenario keys that set them, and every sensor fault on either
 * sensor reaching the board's sample (and only that sensor's reading).
 */
import { describe, expect, it } from "vitest";
import type { PressureSample } from "../../firmware/board/board.ts";
import { countsToMmhg, mmhgToCounts, parseProfile, secondaryCountsToMmhg, secondaryMmhgToCounts, transferFullScale } from "../../hardware/profile.ts";
import { createPlant, type SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { parseScenario, ScenarioError, type FaultSpec, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { SENSOR_FAULT_KINDS } from "../../hardware/sim/sensor.ts";
import { SimBoard } from "../../hardware/sim/sim-board.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GuardReason } from "../../shared/guard.ts";
import { cuffFor, inflateTo, profile, QUIET, run } from "./helpers.ts";

const secondSensor = profile.secondarySensor!;
const mmhgPerCount2 = secondaryCountsToMmhg(profile, 1)! - secondaryCountsToMmhg(profile, 0)!;
const secondMmhg = (cuff: SimulatedCuff) => secondaryCountsToMmhg(profile, cuff.secondarySensorCounts()!)!;
const firstMmhg = (cuff: SimulatedCuff) => countsToMmhg(profile, cuff.sensorCounts());

function stats(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, sd: Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length) };
}

/** A sealed, still thigh cuff at about 150 mmHg, sampled for `seconds`: both readings minus the true (hose) pressure. */
function sealedReadings(input: Partial<ScenarioInput>, seconds = 60): { first: number[]; second: number[]; counts2: number[] } {
  const cuff = cuffFor({ limb: "leg", seed: 11, ...QUIET, ...input, hardware: { ...QUIET.hardware, secondarySensorDriftMmhgPerMin: 0, ...input.hardware } });
  inflateTo(cuff, 150);
  run(cuff, 5, 0, 0);
  const first: number[] = [];
  const second: number[] = [];
  const counts2: number[] = [];
  run(cuff, seconds, 0, 0, () => {
    first.push(firstMmhg(cuff) - cuff.hoseMmhg());
    second.push(secondMmhg(cuff) - cuff.hoseMmhg());
    counts2.push(cuff.secondarySensorCounts()!);
  });
  return { first, second, counts2 };
}

describe("the second sensor's statistics", () => {
  it("by default: no offset, the profile's 0.3 mmHg noise plus its 10-bit steps, independent of the first sensor", () => {
    const { first, second, counts2 } = sealedReadings({});
    const s2 = stats(second);
    const expectedSd = Math.sqrt(secondSensor.noiseMmhg ** 2 + mmhgPerCount2 ** 2 / 12);
    console.log(`second sensor at 150 mmHg: mean error ${s2.mean.toFixed(3)} mmHg, SD ${s2.sd.toFixed(3)} mmHg (expected ${expectedSd.toFixed(3)}), ${mmhgPerCount2.toFixed(3)} mmHg per count`);
    expect(Math.abs(s2.mean)).toBeLessThan(0.1);
    expect(s2.sd).toBeGreaterThan(0.85 * expectedSd);
    expect(s2.sd).toBeLessThan(1.15 * expectedSd);
    // Every reading is a whole 10-bit count of its own ADC.
    for (const c of counts2) expect(Number.isInteger(c) && c >= 0 && c <= 1023).toBe(true);
    const distinct = new Set(second.map((v) => Math.round((v + 1000) / mmhgPerCount2)));
    expect(distinct.size).toBeLessThan(12);
    // Its noise is its own: no correlation with the first sensor's.
    const m1 = stats(first).mean;
    const covariance = first.reduce((a, v, i) => a + (v - m1) * (second[i]! - s2.mean), 0) / first.length;
    const correlation = covariance / (stats(first).sd * s2.sd);
    expect(Math.abs(correlation)).toBeLessThan(0.1);
  });

  it("takes its own noise and offset from the scenario, leaving the first sensor alone", () => {
    const quiet = sealedReadings({ hardware: { secondarySensorNoiseMmhg: 0 } });
    const noisy = sealedReadings({ hardware: { secondarySensorNoiseMmhg: 1, secondarySensorOffsetMmhg: -7.5 } });
    expect(stats(quiet.second).sd).toBeLessThan(0.2);
    expect(stats(noisy.second).sd).toBeGreaterThan(0.9);
    expect(stats(noisy.second).sd).toBeLessThan(1.15);
    expect(stats(noisy.second).mean).toBeCloseTo(-7.5, 0);
    // The first sensor reads bit for bit the same whatever the second one does.
    expect(noisy.first).toEqual(quiet.first);
  });

  it("each sensor's span error scales its own reading: +1 % reads 2 mmHg high at 200 mmHg, -1 % 2 mmHg low", () => {
    const cuff = cuffFor({
      limb: "leg",
      seed: 3,
      ...QUIET,
      hardware: { ...QUIET.hardware, sensorNoiseMmhg: 0, secondarySensorNoiseMmhg: 0, secondarySensorDriftMmhgPerMin: 0, sensorSpanErrorPercent: -1, secondarySensorSpanErrorPercent: 1 },
    });
    inflateTo(cuff, 200);
    run(cuff, 3, 0, 0);
    const port = cuff.hoseMmhg();
    expect(secondMmhg(cuff) - port).toBeCloseTo(0.01 * port, 0);
    expect(firstMmhg(cuff) - port).toBeCloseTo(-0.01 * port, 0);
  });

  it("drifts at its own secondarySensorDriftMmhgPerMin", () => {
    const cuff = cuffFor({ limb: "leg", seed: 3, ...QUIET, hardware: { ...QUIET.hardware, secondarySensorNoiseMmhg: 0, secondarySensorDriftMmhgPerMin: 2 } });
    inflateTo(cuff, 120);
    run(cuff, 120 - cuff.timeSeconds, 0, 0);
    expect(secondMmhg(cuff) - cuff.hoseMmhg()).toBeCloseTo(4, 0);
    expect(Math.abs(firstMmhg(cuff) - cuff.hoseMmhg())).toBeLessThan(1);
  });

  it("the first sensor reads the same as on a build without a second sensor", () => {
    const { secondarySensor: _s, ...rest } = profile;
    const single = parseProfile({ ...rest, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    const scenario = parseScenario({ name: "same", limb: "arm", seed: 5 });
    const a = createPlant(scenario, profile);
    const b = createPlant(scenario, single);
    for (let i = 0; i < 800; i++) {
      a.step(0.01, i < 600 ? 1 : 0, 0);
      b.step(0.01, i < 600 ? 1 : 0, 0);
      expect(a.sensorCounts()).toBe(b.sensorCounts());
    }
    expect(b.secondarySensorCounts()).toBeNull();
  });
});

describe("scenario keys and faults of the second sensor", () => {
  const error = (json: unknown): string => {
    try {
      parseScenario(json, "s.json");
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      return (e as Error).message;
    }
    throw new Error("accepted");
  };

  it("refuses a sensor index other than 0 or 1, clearly", () => {
    for (const sensor of [2, -1, "1", 0.5, null]) {
      expect(error({ name: "a", faults: [{ kind: "sensor-stuck", at: 3, sensor }] })).toBe(
        "s.json: faults.0.sensor: must be 0 (the first sensor, the default) or 1 (the second sensor)",
      );
    }
    expect(error({ name: "a", faults: [{ kind: "sensor-drift", at: 3, sensor: 3, mmhgPerMin: -5 }] })).toMatch(/^s\.json: faults\.0\.sensor: must be 0/);
    // Only the sensor faults have a sensor.
    expect(error({ name: "a", faults: [{ kind: "leak", at: 3, sensor: 1 }] })).toMatch(/^s\.json: faults\.0\.sensor: unknown key/);
  });

  it("names the second sensor's keys and the offset jump's size with their ranges", () => {
    expect(error({ name: "a", hardware: { secondarySensorNoiseMmhg: 4 } })).toBe("s.json: hardware.secondarySensorNoiseMmhg: must be a number from 0 to 3 mmHg");
    expect(error({ name: "a", hardware: { secondarySensorOffsetMmhg: -25 } })).toBe("s.json: hardware.secondarySensorOffsetMmhg: must be a number from -9 to 9 mmHg");
    expect(error({ name: "a", hardware: { secondarySensorDriftMmhgPerMin: 3 } })).toBe("s.json: hardware.secondarySensorDriftMmhgPerMin: must be a number from -2 to 2 mmHg/min");
    expect(error({ name: "a", hardware: { secondarySensorSpanErrorPercent: 5 } })).toBe("s.json: hardware.secondarySensorSpanErrorPercent: must be a number from -1 to 1 %");
    expect(error({ name: "a", hardware: { sensor2NoiseMmhg: 0.5 } })).toMatch(/^s\.json: hardware\.sensor2NoiseMmhg: unknown key/);
    expect(error({ name: "a", faults: [{ kind: "sensor-offset-jump", at: 1, mmhg: 400 }] })).toBe("s.json: faults.0.mmhg: must be a number from -300 to 300 mmHg");
  });

  it("fills in the second sensor's defaults: the profile's noise, no offset or span error, the reference drift", () => {
    const s = parseScenario({ name: "defaults" });
    expect(s.hardware).toMatchObject({
      secondarySensorNoiseMmhg: null,
      secondarySensorOffsetMmhg: 0,
      secondarySensorDriftMmhgPerMin: 0.05,
      secondarySensorSpanErrorPercent: 0,
      sensorSpanErrorPercent: 0,
    });
    const faults = parseScenario({ name: "f", faults: [{ kind: "sensor-stuck", at: 2, sensor: 1 }, { kind: "sensor-stuck", at: 3 }] }).faults;
    expect(faults.map((f) => (f as { sensor?: number }).sensor)).toEqual([1, undefined]);
  });

  it("a fault on the second sensor of a build without one is refused, in the scenario and when injected", () => {
    const { secondarySensor: _s, ...rest } = profile;
    const single = parseProfile({ ...rest, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    const scenario = parseScenario({ name: "one sensor", faults: [{ kind: "leak", at: 1 }, { kind: "sensor-drift", at: 5, sensor: 1 }] });
    expect(() => createPlant(scenario, single)).toThrow(/^one sensor: faults\.1\.sensor: the hardware profile ".*" has no second sensor$/);
    const plant = createPlant(parseScenario({ name: "ok" }), single);
    expect(() => plant.injectFault("sensor-stuck", { sensor: 1 })).toThrow(/^injectFault sensor-stuck: sensor: the hardware profile .* has no second sensor/);
    expect(() => plant.injectFault("sensor-stuck", { sensor: 4 })).toThrow(/^injectFault sensor-stuck: sensor: must be 0/);
    expect(plant.activeFaults()).toEqual([]);
  });
});

/** A thigh cuff inflating through the direct simulated board, with a fault at 4 s; the board's samples and guard trips. */
function boardSamples(fault: FaultSpec, seconds = 8): { samples: PressureSample[]; cuff: SimulatedCuff; trips: number[] } {
  const scenario = parseScenario({ name: "fault on a board", limb: "leg", seed: 9, ...QUIET, faults: [fault] });
  const cuff = createPlant(scenario, profile);
  const clock = new ManualClock();
  const board = new SimBoard(cuff, profile, clock);
  const samples: PressureSample[] = [];
  const trips: number[] = [];
  board.onSample((s) => samples.push(s));
  board.onGuard((e) => e.kind === "tripped" && trips.push(e.reason));
  // The guard armed at the reference thresholds and fed every sample; the pump runs at 60 %.
  board.configureGuard(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg), secondaryMmhgToCounts(profile, profile.guard.tripMmhg)!);
  for (let i = 0; i < seconds * 100; i++) {
    clock.advance(0.01);
    board.setPump(0.6);
    board.setVent(0);
    board.keepAlive();
    board.advance(0.01);
  }
  return { samples, cuff, trips };
}

describe("each sensor fault on each sensor reaches the board's sample, on that sensor only", () => {
  const before = (samples: PressureSample[]) => samples.filter((s) => s.tSeconds < 4);
  const after = (samples: PressureSample[]) => samples.filter((s) => s.tSeconds >= 4.02);
  const mmhgOf = (s: PressureSample, sensor: 0 | 1) => (sensor === 0 ? countsToMmhg(profile, s.counts) : secondaryCountsToMmhg(profile, s.secondaryCounts!)!);
  const fullScale = [transferFullScale(profile.sensor), transferFullScale(secondSensor)];

  for (const sensor of [0, 1] as const) {
    const other = sensor === 0 ? 1 : 0;
    const countsOf = (s: PressureSample, which: 0 | 1) => (which === 0 ? s.counts : s.secondaryCounts!);

    it(`sensor-disconnect on sensor ${sensor}: its reading sits on the rail, the other keeps reading the cuff; full scale trips the guard`, () => {
      for (const rail of [0, 1] as const) {
        const { samples, cuff, trips } = boardSamples({ kind: "sensor-disconnect", at: 4, sensor, rail });
        for (const s of after(samples)) expect(countsOf(s, sensor)).toBe(rail === 1 ? fullScale[sensor] : 0);
        expect(Math.abs(mmhgOf(samples.at(-1)!, other) - cuff.hoseMmhg())).toBeLessThan(1.5);
        if (rail === 1) {
          // A floating input reads full scale, above the guard's threshold: the board vents on its own.
          expect(trips).toEqual([sensor === 0 ? GuardReason.OVERPRESSURE : GuardReason.OVERPRESSURE_SECONDARY]);
          expect(cuff.trueMmhg()).toBeLessThan(15);
        } else {
          expect(trips).toEqual([]);
          expect(mmhgOf(samples.at(-1)!, other)).toBeGreaterThan(mmhgOf(after(samples)[0]!, other) + 10);
        }
      }
    });

    it(`sensor-stuck on sensor ${sensor}: its reading freezes while the other rises with the cuff`, () => {
      const { samples } = boardSamples({ kind: "sensor-stuck", at: 4, sensor });
      const frozen = countsOf(after(samples)[0]!, sensor);
      for (const s of after(samples)) expect(countsOf(s, sensor)).toBe(frozen);
      expect(new Set(before(samples).slice(-100).map((s) => countsOf(s, sensor))).size).toBeGreaterThan(10);
      const tail = after(samples);
      expect(mmhgOf(tail.at(-1)!, other)).toBeGreaterThan(mmhgOf(tail[0]!, other) + 10);
    });

    it(`sensor-drift on sensor ${sensor}: the two readings part at mmhgPerMin`, () => {
      const { samples } = boardSamples({ kind: "sensor-drift", at: 4, sensor, mmhgPerMin: -30 }, 14);
      const gap = (s: PressureSample) => mmhgOf(s, sensor) - mmhgOf(s, other);
      const mean = (xs: PressureSample[]) => xs.reduce((a, s) => a + gap(s), 0) / xs.length;
      const start = mean(samples.filter((s) => s.tSeconds > 3 && s.tSeconds < 4));
      const end = mean(samples.filter((s) => s.tSeconds > 13 && s.tSeconds < 14));
      // 10 s at -30 mmHg/min: 5 mmHg apart, within the 10-bit sensor's steps.
      expect(end - start).toBeGreaterThan(-5.6);
      expect(end - start).toBeLessThan(-4.4);
    });

    it(`sensor-offset-jump on sensor ${sensor}: its reading steps by mmhg in one sample, the other does not`, () => {
      const { samples } = boardSamples({ kind: "sensor-offset-jump", at: 4, sensor, mmhg: 25 });
      const i = samples.findIndex((s) => s.tSeconds >= 4 - 1e-9);
      const step = (which: 0 | 1) => mmhgOf(samples[i + 1]!, which) - mmhgOf(samples[i - 1]!, which);
      expect(step(sensor)).toBeGreaterThan(22);
      expect(Math.abs(step(other))).toBeLessThan(3);
    });
  }

  it("covers every sensor fault kind", () => {
    expect([...SENSOR_FAULT_KINDS]).toEqual(["sensor-disconnect", "sensor-stuck", "sensor-drift", "sensor-offset-jump"]);
  });

  it("the sample carries null for the second reading on a build without a second sensor", () => {
    const { secondarySensor: _s, ...rest } = profile;
    const single = parseProfile({ ...rest, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    const clock = new ManualClock();
    const board = new SimBoard(createPlant(parseScenario({ name: "single" }), single), single, clock);
    const samples: PressureSample[] = [];
    board.onSample((s) => samples.push(s));
    clock.advance(0.01);
    board.advance(0.01);
    expect(samples).toEqual([{ tSeconds: 0.01, counts: expect.any(Number), secondaryCounts: null }]);
  });
});
