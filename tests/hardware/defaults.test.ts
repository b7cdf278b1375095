/**
 * The simulator's defaults are the parts of hardware/bom.json and the reference
 * profile (issue 7, item 8): a scenario that names nothing else simulates the
 * reference build, and the cuff it simulates behaves as the datasheet figures say.
 */
import { describe, expect, it } from "vitest";
import { loadBom, spec } from "../../hardware/bom.ts";
import { countsToMmhg, mmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { SimulatedCuff } from "../../hardware/sim/cuff.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { GUARD_MAX_TRIP_MMHG } from "../../shared/guard.ts";
import { DEFLATED_MMHG, HARD_CEILING_MMHG } from "../../shared/limits.ts";

const bom = loadBom();
const profile = referenceProfile();
const defaults = parseScenario({ name: "x" });

function cuffFor(input: Partial<ScenarioInput> = {}): SimulatedCuff {
  return new SimulatedCuff(parseScenario({ name: "defaults", ...input }), profile);
}

/** Pump at full with the vent closed until the box reads `mmhg`, then hold sealed for half a second. */
function pumpTo(cuff: SimulatedCuff, mmhg: number): void {
  while (cuff.hoseMmhg() < mmhg) {
    cuff.step(0.01, 1, 0);
    if (cuff.timeSeconds > 120) throw new Error(`the cuff never reached ${mmhg} mmHg`);
  }
  cuff.step(0.5, 0, 0);
}

/** Seconds for the true cuff pressure to fall from `fromMmhg` to 15 mmHg with the vent fully open and the pump off. */
function ventSeconds(cuff: SimulatedCuff, fromMmhg: number): number {
  pumpTo(cuff, fromMmhg + 2);
  let start: number | null = null;
  while (cuff.trueMmhg() >= DEFLATED_MMHG) {
    cuff.step(0.005, 0, 1);
    if (start === null && cuff.trueMmhg() <= fromMmhg) start = cuff.timeSeconds;
    if (cuff.timeSeconds > 200) throw new Error("the cuff never deflated");
  }
  return cuff.timeSeconds - start!;
}

/** Counts from the datasheet figures in the BOM: sensor 0.5 V + 10.67 mV/mmHg, ADC +-4.096 V, 14 bits reported. */
function datasheetCounts(mmhg: number): number {
  const volts = spec(bom, "pressure-sensor", "zeroVolts") + mmhg * spec(bom, "pressure-sensor", "voltsPerMmhg");
  return Math.round((volts / spec(bom, "adc", "fullScaleVolts")) * (2 ** profile.sensor.adcBits - 1));
}

describe("the default scenario is the reference build of the BOM", () => {
  it("pump free flow, stall pressure and minimum duty are the BOM pump's", () => {
    const params = cuffFor().params;
    expect(defaults.hardware.pumpFreeFlowLpm).toBe(spec(bom, "pump", "freeFlowLpm"));
    expect(defaults.hardware.pumpStallMmhg).toBe(spec(bom, "pump", "stallMmhg"));
    expect((params.pumpFreeFlowMlPerS * 60) / 1000).toBeCloseTo(spec(bom, "pump", "freeFlowLpm"), 9);
    expect(params.pumpStallMmhg).toBe(spec(bom, "pump", "stallMmhg"));
    expect(params.pumpMinDuty).toBe(spec(bom, "pump", "minDuty"));
    expect(params.pumpMinDuty).toBe(profile.pump.minDuty);
  });

  it("vent orifice, relief pressure, hose and cuff widths are the BOM's", () => {
    expect(defaults.hardware.ventOrificeMm).toBe(spec(bom, "vent-valve", "orificeMm"));
    expect(defaults.hardware.reliefMmhg).toBe(spec(bom, "relief-valve", "crackingMmhg"));
    expect(defaults.hardware.hoseInnerMm).toBe(spec(bom, "hose", "innerDiameterMm"));
    expect(defaults.hardware.hoseLengthM).toBe(spec(bom, "hose", "lengthToCuffM"));
    expect(defaults.limb).toBe("leg");
    expect(defaults.cuff.widthCm).toBe(spec(bom, "thigh-cuff", "widthCm"));
    expect(parseScenario({ name: "x", limb: "arm" }).cuff.widthCm).toBe(spec(bom, "arm-cuff", "widthCm"));
    // The open vent of the simulator is the BOM orifice with a sharp-edged discharge coefficient of 0.6.
    const orificeMm = spec(bom, "vent-valve", "orificeMm");
    expect(cuffFor().params.ventEffectiveAreaMm2).toBeCloseTo(0.6 * Math.PI * (orificeMm / 2) ** 2, 9);
  });

  it("sensor noise and offset come from the profile, not from the scenario", () => {
    expect(defaults.hardware.sensorNoiseMmhg).toBeNull();
    expect(defaults.hardware.sensorOffsetMmhg).toBe(0);
  });
});

describe("the simulated sensor is the profile's sensor", () => {
  it("reports a fresh sample at the profile's 100 Hz and no faster", () => {
    const cuff = cuffFor();
    let changes = 0;
    let last = cuff.sensorCounts();
    for (let i = 0; i < 1000; i++) {
      cuff.step(0.001, 0, 1);
      if (cuff.sensorCounts() !== last) changes++;
      last = cuff.sensorCounts();
    }
    expect(profile.sensor.sampleHz).toBe(100);
    // 0.15 mmHg of noise is about 6 counts: almost every one of the 100 samples differs from the last.
    expect(changes).toBeGreaterThanOrEqual(90);
    expect(changes).toBeLessThanOrEqual(100);
  });

  it("has the profile's noise: 0.15 mmHg standard deviation on a vented cuff", () => {
    const cuff = cuffFor({ hardware: { sensorDriftMmhgPerMin: 0 } });
    const readings: number[] = [];
    for (let i = 0; i < 2000; i++) {
      cuff.step(0.01, 0, 1);
      readings.push(countsToMmhg(profile, cuff.sensorCounts()));
    }
    const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
    const sd = Math.sqrt(readings.reduce((a, b) => a + (b - mean) ** 2, 0) / (readings.length - 1));
    expect(profile.sensor.noiseMmhg).toBe(0.15);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(sd).toBeGreaterThan(0.13);
    expect(sd).toBeLessThan(0.17);
  });

  it("turns pressure into the ADC counts of profile.ts mmhgToCounts and of the datasheet, at 0, 100, 200 and 300 mmHg", () => {
    expect(datasheetCounts(0)).toBe(2000);
    for (const mmhg of [0, 100, 200, 300]) {
      const cuff = cuffFor({ hardware: { sensorNoiseMmhg: 0, sensorDriftMmhgPerMin: 0 } });
      if (mmhg > 0) pumpTo(cuff, mmhg);
      else cuff.step(0.5, 0, 1);
      const seen = cuff.sensorMmhg();
      // With no noise, drift or offset the sensor reads the box pressure of its last sample.
      expect(Math.abs(seen - cuff.hoseMmhg())).toBeLessThan(0.05);
      expect(Math.abs(seen - mmhg)).toBeLessThan(mmhg === 0 ? 0.5 : 6);
      expect(cuff.sensorCounts()).toBe(mmhgToCounts(profile, seen));
      expect(cuff.sensorCounts()).toBe(datasheetCounts(seen));
      expect(Math.abs(countsToMmhg(profile, cuff.sensorCounts()) - seen)).toBeLessThanOrEqual(0.012);
    }
  });
});

describe("the pressure limits of profile and BOM are in order, and the simulated cuff obeys them", () => {
  const relief = spec(bom, "relief-valve", "crackingMmhg");

  it("guard trip above the 300 mmHg ceiling, at or below the relief valve and below 330 mmHg", () => {
    expect(profile.guard.tripMmhg).toBeGreaterThan(HARD_CEILING_MMHG);
    expect(profile.guard.tripMmhg).toBeLessThanOrEqual(relief);
    expect(profile.guard.tripMmhg).toBeLessThan(GUARD_MAX_TRIP_MMHG);
    expect(relief).toBeLessThan(330);
  });

  it("a pump running flat out against a closed vent is held by the relief valve below 330 mmHg", () => {
    const cuff = cuffFor({ limb: "arm" });
    let highest = 0;
    for (let t = 0; t < 60; t += 0.01) {
      cuff.step(0.01, 1, 0);
      highest = Math.max(highest, cuff.trueMmhg(), cuff.hoseMmhg());
    }
    expect(highest).toBeGreaterThan(relief);
    expect(highest).toBeLessThan(relief + 5);
    expect(highest).toBeLessThan(330);
  });

  it("the open vent empties the default thigh cuff from 260 to 15 mmHg within the 5 s aim, and the arm cuff within 10 s", () => {
    const thighSeconds = ventSeconds(cuffFor(), 260);
    const armSeconds = ventSeconds(cuffFor({ limb: "arm" }), 260);
    console.log(`vent fully open, 260 -> 15 mmHg: thigh ${thighSeconds.toFixed(2)} s, arm ${armSeconds.toFixed(2)} s`);
    expect(thighSeconds).toBeLessThanOrEqual(5);
    expect(armSeconds).toBeLessThanOrEqual(10);
    expect(armSeconds).toBeLessThan(thighSeconds);
  });
});
