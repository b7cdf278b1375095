import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BOM_PATH, BomError, budgetTotalUsd, loadBom, parseBom, partById, spec } from "../../hardware/bom.ts";
import { countsToMmhg, countsFullScale, referenceProfile, secondaryCountsToMmhg } from "../../hardware/profile.ts";
import {
  REFERENCE_CHECK_VALVE,
  REFERENCE_CUFFS,
  REFERENCE_PLUMBING,
  REFERENCE_PUMP,
  REFERENCE_RELIEF_VALVE,
  REFERENCE_VENT_VALVE,
} from "../../hardware/sim/reference-parts.ts";
import { GUARD_MAX_TRIP_MMHG } from "../../shared/guard.ts";
import { HARD_CEILING_MMHG } from "../../shared/limits.ts";

const rawBom = JSON.parse(readFileSync(BOM_PATH, "utf8")) as {
  budgetUsd: number;
  parts: Array<{ id: string; category: string; quantity: number; packSize: number; packPriceUsd: number }>;
};
const bom = loadBom();
const profile = referenceProfile();

describe("bill of materials: cost", () => {
  it("adds up, from the file itself, to at most 65 USD for everything but the cuffs, the bench gauge and the options", () => {
    let cents = 0;
    for (const part of rawBom.parts) {
      if (part.category === "cuff" || part.category === "tool" || part.category === "option") continue;
      cents += Math.ceil(part.quantity / part.packSize) * Math.round(part.packPriceUsd * 100);
    }
    const totalUsd = cents / 100;
    console.log(`BOM total (electronics, power, pneumatics, assembly): ${totalUsd.toFixed(2)} USD`);
    // 60 USD for the one-sensor build; issue 18 allows up to 65 for the second, independent sensor.
    expect(rawBom.budgetUsd).toBe(65);
    expect(totalUsd).toBeLessThanOrEqual(65);
    expect(budgetTotalUsd(bom)).toBe(totalUsd);
  });

  it("buys whole packs: two MOSFETs from a pack of five cost the whole pack", () => {
    const mosfet = rawBom.parts.find((p) => p.id === "mosfet")!;
    const single = parseBom({ ...rawBom, parts: [{ ...bom.parts.find((p) => p.id === "mosfet")!, quantity: 2 }] });
    expect(budgetTotalUsd(single)).toBe(mosfet.packPriceUsd);
  });

  it("lists the three safety parts of the hardware layer and both cuffs", () => {
    const ids = bom.parts.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining(["vent-valve", "relief-valve", "emergency-button", "fuse", "flyback-diode", "mosfet"]));
    expect(spec(bom, "thigh-cuff", "widthCm")).toBe(11.5);
    expect(spec(bom, "arm-cuff", "widthCm")).toBe(10);
  });
});

describe("bill of materials: schema", () => {
  const base = JSON.parse(readFileSync(BOM_PATH, "utf8")) as { parts: Array<Record<string, unknown>> };
  const withPart = (index: number, patch: Record<string, unknown>) => ({
    ...base,
    parts: base.parts.map((p, i) => (i === index ? { ...p, ...patch } : p)),
  });

  it("refuses a negative price and names the field", () => {
    expect(() => parseBom(withPart(0, { packPriceUsd: -4 }))).toThrow(/parts\.0\.packPriceUsd/);
  });

  it("refuses a duplicate part id", () => {
    expect(() => parseBom(withPart(1, { id: base.parts[0]!.id }))).toThrow(/parts\.1\.id: duplicate part id "mcu-board"/);
  });

  it("refuses a quantity that does not match its designators", () => {
    expect(() => parseBom(withPart(3, { quantity: 3 }))).toThrow(/parts\.3\.designators: 3 pieces need 3 designators/);
  });

  it("refuses an unknown key (a typo must not pass silently)", () => {
    expect(() => parseBom(withPart(0, { packPrice: 4 }))).toThrow(BomError);
  });

  it("asks for a spec that is missing instead of guessing it", () => {
    expect(() => spec(bom, "pump", "flowLpm")).toThrow(/part "pump" has no spec "flowLpm"/);
  });
});

describe("bill of materials agrees with the simulator and the profile", () => {
  it("pump, valves, hose and cuffs carry the simulator's reference figures", () => {
    expect(spec(bom, "pump", "freeFlowLpm")).toBe(REFERENCE_PUMP.freeFlowLpm);
    expect(spec(bom, "pump", "stallMmhg")).toBe(REFERENCE_PUMP.stallMmhg);
    expect(spec(bom, "pump", "minDuty")).toBe(REFERENCE_PUMP.minDuty);
    expect(spec(bom, "vent-valve", "orificeMm")).toBe(REFERENCE_VENT_VALVE.orificeMm);
    expect(spec(bom, "relief-valve", "crackingMmhg")).toBe(REFERENCE_RELIEF_VALVE.crackingMmhg);
    expect(spec(bom, "check-valve", "crackingMmhg")).toBe(REFERENCE_CHECK_VALVE.crackingMmhg);
    expect(spec(bom, "hose", "innerDiameterMm")).toBe(REFERENCE_PLUMBING.hoseInnerMm);
    expect(spec(bom, "hose", "lengthToCuffM")).toBe(REFERENCE_PLUMBING.hoseLengthM);
    expect(spec(bom, "thigh-cuff", "widthCm")).toBe(REFERENCE_CUFFS.legWidthCm);
    expect(spec(bom, "arm-cuff", "widthCm")).toBe(REFERENCE_CUFFS.armWidthCm);
  });

  it("the second sensor is another part than the first, and its figures match the profile's secondarySensor", () => {
    const second = profile.secondarySensor!;
    expect(partById(bom, "second-pressure-sensor").part).toMatch(/MPX5050GP/);
    expect(partById(bom, "pressure-sensor").part).not.toMatch(/MPX5050/);
    expect(spec(bom, "second-pressure-sensor", "zeroVolts")).toBe(second.zeroVolts);
    expect(spec(bom, "second-pressure-sensor", "voltsPerMmhg")).toBe(second.voltsPerMmhg);
    expect(spec(bom, "second-pressure-sensor", "rangeMmhg")).toBe(second.rangeMmhg);
    // Read by the Nano's own ADC against its 5 V, as the profile says, and it too sees past the guard's ceiling.
    expect(second.adcBits).toBe(10);
    expect(second.adcFullScaleVolts).toBe(5);
    expect(secondaryCountsToMmhg(profile, 1023)!).toBeGreaterThan(GUARD_MAX_TRIP_MMHG);
    // Each sensor on a tee of its own.
    expect(partById(bom, "tee").designators).toEqual(["T1", "T2", "T3", "T4"]);
  });

  it("sensor, ADC and pump figures match the reference profile", () => {
    expect(spec(bom, "pressure-sensor", "zeroVolts")).toBe(profile.sensor.zeroVolts);
    expect(spec(bom, "pressure-sensor", "voltsPerMmhg")).toBe(profile.sensor.voltsPerMmhg);
    expect(spec(bom, "pressure-sensor", "rangeMmhg")).toBe(profile.sensor.rangeMmhg);
    expect(spec(bom, "adc", "fullScaleVolts")).toBe(profile.sensor.adcFullScaleVolts);
    expect(spec(bom, "adc", "bits")).toBeGreaterThanOrEqual(profile.sensor.adcBits);
    // The ADC must deliver a fresh conversion for every sample the board reports.
    expect(spec(bom, "adc", "dataRateSps")).toBeGreaterThanOrEqual(profile.sensor.sampleHz);
    expect(spec(bom, "pump", "minDuty")).toBe(profile.pump.minDuty);
    expect(profile.vent.normallyOpen).toBe(spec(bom, "vent-valve", "normallyOpen") === 1);
  });

  it("orders the pressure limits: ceiling < relief <= 330 < ADC clip, and relief far below pump stall", () => {
    const relief = spec(bom, "relief-valve", "crackingMmhg");
    const adcClipMmhg = countsToMmhg(profile, countsFullScale(profile));
    expect(relief).toBeGreaterThan(HARD_CEILING_MMHG);
    expect(relief).toBeLessThan(GUARD_MAX_TRIP_MMHG);
    expect(profile.guard.tripMmhg).toBeGreaterThan(HARD_CEILING_MMHG);
    // The guard and the firmware must still see the pressure at which the relief valve opens.
    expect(adcClipMmhg).toBeGreaterThan(GUARD_MAX_TRIP_MMHG);
    expect(adcClipMmhg).toBeCloseTo(337.1, 1);
    expect(spec(bom, "pump", "stallMmhg")).toBeGreaterThan(relief * 1.5);
  });
});
