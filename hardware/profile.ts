/**
 * Hardware profiles: what board, which pins, how the sensor's output maps to
 * mmHg, and the actuator polarities. Data files validated here; the firmware
 * and the simulated board load them.
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { readInputFile } from "../shared/files.ts";
import { GUARD_MAX_DEADLINE_MS, GUARD_MAX_TRIP_MMHG, GUARD_MIN_DEADLINE_MS } from "../shared/guard.ts";

const digitalPin = z.string().regex(/^D([0-9]|1[0-3])$/, 'a digital pin "D0".."D13"');
const pwmPin = z.enum(["D3", "D5", "D6", "D9", "D10", "D11"], { message: 'a PWM pin: "D3", "D5", "D6", "D9", "D10" or "D11"' });
const analogPin = z.string().regex(/^A[0-7]$/, 'an analog pin "A0".."A7"');

/** Labels for people, printed in logs: short and without control characters. */
const label = z.string().min(1).max(200).regex(/^[^\p{Cc}]*$/u, "without control characters");

/** How a sensor's output reaches the counts the board reports. */
const transferFunction = {
  /** Resolution of the value the board reports on the sensor's channel. */
  adcBits: z.int().min(10).max(16),
  /** Volts that the full-scale count stands for. */
  adcFullScaleVolts: z.number().positive().max(6),
  /** Sensor output at 0 mmHg gauge. */
  zeroVolts: z.number().min(0).max(5),
  /** Sensor output slope. */
  voltsPerMmhg: z.number().positive().max(1),
  /** Range the sensor is specified over. */
  rangeMmhg: z.number().min(200).max(1000),
};

export const ProfileSchema = z
  .strictObject({
    name: label,
    board: z.enum(["arduino-nano", "arduino-uno"]),
    pins: z.strictObject({
      /** PWM output to the pump MOSFET gate. */
      pump: pwmPin,
      /** PWM output to the vent valve MOSFET gate (valve powered = closed). */
      vent: pwmPin,
      /** Analog channel that carries the pressure samples. */
      pressure: analogPin,
      /** Analog input the second pressure sensor is wired to, read by the microcontroller's own ADC (with `secondarySensor`). */
      secondaryPressure: analogPin.optional(),
      /** Input that reads the emergency-deflate button (the button itself cuts power). */
      emergencyButton: digitalPin.optional(),
    }),
    pump: z.strictObject({
      /** Below this duty the motor stalls; the controller treats smaller demands as off. */
      minDuty: z.number().min(0).max(0.9),
      /** Output level that runs the pump (true: pin high drives the MOSFET on). */
      activeHigh: z.boolean(),
    }),
    vent: z.strictObject({
      /** The vent valve must be normally open, so power loss deflates the cuff. */
      normallyOpen: z.literal(true, { message: "the vent valve must be normally open (unpowered = cuff deflates)" }),
      activeHigh: z.boolean(),
      /** Whether the vent may be pulsed with PWM for proportional venting. */
      proportional: z.boolean(),
    }),
    sensor: z.strictObject({
      part: label,
      ...transferFunction,
      sampleHz: z.number().min(50).max(1000),
      /** Typical noise, one standard deviation, as reported after filtering on the board. */
      noiseMmhg: z.number().min(0).max(5),
    }),
    /**
     * The second, independent pressure sensor on the cuff line (absent on a build with a single sensor):
     * its own part and ADC, sampled and reported with every sample of the first.
     */
    secondarySensor: z
      .strictObject({
        part: label,
        ...transferFunction,
        /** Typical noise, one standard deviation, as reported after filtering on the board. */
        noiseMmhg: z.number().min(0).max(5),
      })
      .optional(),
    /**
     * The optional distal pulse sensor (a MAX30102-class PPG clip on a finger or toe of the cuffed limb,
     * hardware/README.md): on the board's I2C bus, read through Firmata I2C. Absent: the build reads LOP
     * from the cuff alone. Present but not plugged in: the board finds no chip and the cuff reads alone.
     */
    distalPulseSensor: z
      .strictObject({
        part: label,
        /** 7-bit I2C address. */
        i2cAddress: z.int().min(0x08).max(0x77),
        /** Samples per second the chip is set to (its own clock). */
        sampleHz: z.union([z.literal(50), z.literal(100), z.literal(200), z.literal(400)], { message: "must be 50, 100, 200 or 400" }),
        /** Resolution of its samples. */
        adcBits: z.int().min(12).max(20),
      })
      .optional(),
    guard: z.strictObject({
      keepAliveDeadlineMs: z.int().min(GUARD_MIN_DEADLINE_MS).max(GUARD_MAX_DEADLINE_MS),
      tripMmhg: z.number().min(100).max(GUARD_MAX_TRIP_MMHG),
    }),
  })
  .superRefine((profile, ctx) => {
    const { pressure, secondaryPressure } = profile.pins;
    if (profile.secondarySensor && secondaryPressure === undefined) {
      ctx.addIssue({ code: "custom", path: ["pins", "secondaryPressure"], message: "is required with secondarySensor: the analog pin the second sensor is wired to" });
    }
    if (!profile.secondarySensor && secondaryPressure !== undefined) {
      ctx.addIssue({ code: "custom", path: ["secondarySensor"], message: "is required with pins.secondaryPressure: the second sensor's part and transfer function" });
    }
    if (secondaryPressure !== undefined && secondaryPressure === pressure) {
      ctx.addIssue({ code: "custom", path: ["pins", "secondaryPressure"], message: `${secondaryPressure} is already the first sensor's channel (pins.pressure)` });
    }
  });
export type HardwareProfile = z.infer<typeof ProfileSchema>;

export class ProfileError extends Error {
  override name = "ProfileError";
}

/** Validate a parsed profile; the error names the field at fault. */
export function parseProfile(value: unknown, source = "profile"): HardwareProfile {
  const result = ProfileSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join(".") || "(top level)";
    throw new ProfileError(`${source}: ${field}: ${issue.message}`);
  }
  return result.data;
}

export function loadProfile(path: string): HardwareProfile {
  let text: string;
  try {
    text = readInputFile(fs, path, "hardware profile");
  } catch (error) {
    throw new ProfileError((error as Error).message);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseProfile(json, path);
}

export const REFERENCE_PROFILE_PATH = fileURLToPath(new URL("./profiles/reference-nano.json", import.meta.url));

export function referenceProfile(): HardwareProfile {
  return loadProfile(REFERENCE_PROFILE_PATH);
}

/** What turns a pressure into counts: the part's transfer function and the ADC that reads it. */
export type SensorTransfer = Pick<HardwareProfile["sensor"], "adcBits" | "adcFullScaleVolts" | "zeroVolts" | "voltsPerMmhg">;

/** Sensor conversions, shared by the firmware (counts -> mmHg) and the simulator (mmHg -> counts). */
export function transferFullScale(sensor: SensorTransfer): number {
  return 2 ** sensor.adcBits - 1;
}

export function transferMmhgToCounts(sensor: SensorTransfer, mmhg: number): number {
  const volts = sensor.zeroVolts + mmhg * sensor.voltsPerMmhg;
  const counts = Math.round((volts / sensor.adcFullScaleVolts) * transferFullScale(sensor));
  return Math.max(0, Math.min(transferFullScale(sensor), counts));
}

export function transferCountsToMmhg(sensor: SensorTransfer, counts: number): number {
  const volts = (counts / transferFullScale(sensor)) * sensor.adcFullScaleVolts;
  return (volts - sensor.zeroVolts) / sensor.voltsPerMmhg;
}

/** The first (regulating) sensor. */
export function countsFullScale(profile: HardwareProfile): number {
  return transferFullScale(profile.sensor);
}

export function mmhgToCounts(profile: HardwareProfile, mmhg: number): number {
  return transferMmhgToCounts(profile.sensor, mmhg);
}

export function countsToMmhg(profile: HardwareProfile, counts: number): number {
  return transferCountsToMmhg(profile.sensor, counts);
}

/** The second sensor, or null on a build without one. */
export function secondaryMmhgToCounts(profile: HardwareProfile, mmhg: number): number | null {
  return profile.secondarySensor ? transferMmhgToCounts(profile.secondarySensor, mmhg) : null;
}

export function secondaryCountsToMmhg(profile: HardwareProfile, counts: number): number | null {
  return profile.secondarySensor ? transferCountsToMmhg(profile.secondarySensor, counts) : null;
}

export function pinNumber(pin: string): number {
  return Number(pin.slice(1));
}
