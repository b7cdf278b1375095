import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  ProfileError,
  REFERENCE_PROFILE_PATH,
  countsToMmhg,
  loadProfile,
  mmhgToCounts,
  parseProfile,
  referenceProfile,
  secondaryCountsToMmhg,
  secondaryMmhgToCounts,
  type HardwareProfile,
} from "../../hardware/profile.ts";
import { checkedProfile } from "../../hardware/firmata-layout.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { VirtualBoard, duplexPair } from "../../hardware/sim/virtual-board.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GUARD_SYSEX, GuardSubcommand, encodeGuardConfigure } from "../../shared/guard.ts";
import { RawHost, flush, runFor } from "../board/raw-host.ts";

const UNO_PROFILE_PATH = REFERENCE_PROFILE_PATH.replace("reference-nano.json", "reference-uno.json");
const nano = referenceProfile();

type Patch = { [key: string]: unknown };
function patched(profile: HardwareProfile, section: keyof HardwareProfile, patch: Patch): unknown {
  const value = profile[section];
  return { ...profile, [section]: typeof value === "object" ? { ...value, ...patch } : patch };
}

describe("reference profiles", () => {
  it("the Nano profile loads with the decided pins, sensor and guard", () => {
    expect(nano.board).toBe("arduino-nano");
    expect(nano.pins).toEqual({ pump: "D5", vent: "D9", pressure: "A0", secondaryPressure: "A1", emergencyButton: "D2" });
    expect(nano.vent.normallyOpen).toBe(true);
    expect(nano.guard).toEqual({ keepAliveDeadlineMs: 300, tripMmhg: 320 });
    expect(checkedProfile(nano)).toEqual(nano);
  });

  it("the Uno profile is the same build on the other board and passes the board's pin checks", () => {
    const uno = loadProfile(UNO_PROFILE_PATH);
    expect(uno.board).toBe("arduino-uno");
    expect(checkedProfile(uno)).toEqual(uno);
    const { name: _n, board: _b, ...unoRest } = uno;
    const { name: _m, board: _c, ...nanoRest } = nano;
    expect(unoRest).toEqual(nanoRest);
  });

  it("the sensing chain resolves 0.025 mmHg per count, twenty times finer than the Nano's own 10-bit ADC", () => {
    const mmhgPerCount = countsToMmhg(nano, 1) - countsToMmhg(nano, 0);
    const nativeMmhgPerCount = 5 / 1023 / nano.sensor.voltsPerMmhg;
    console.log(`resolution: ${mmhgPerCount.toFixed(4)} mmHg/count (ADS1115, 14 bits reported) vs ${nativeMmhgPerCount.toFixed(3)} mmHg/count (Nano 10-bit ADC)`);
    expect(mmhgPerCount).toBeCloseTo(0.0234, 4);
    expect(nativeMmhgPerCount / mmhgPerCount).toBeGreaterThan(19);
    // A 0.3 mmHg pulsation near LOP spans a dozen counts.
    expect(mmhgToCounts(nano, 200.3) - mmhgToCounts(nano, 200)).toBeGreaterThanOrEqual(12);
  });

  it("converts counts and mmHg both ways within half a count over the working range", () => {
    for (const mmhg of [0, 100, 200, 300]) {
      expect(Math.abs(countsToMmhg(nano, mmhgToCounts(nano, mmhg)) - mmhg)).toBeLessThanOrEqual(0.012);
    }
    expect(mmhgToCounts(nano, 0)).toBe(2000);
    expect(mmhgToCounts(nano, nano.guard.tripMmhg)).toBe(15652);
  });
});

describe("the second sensor in the reference profile", () => {
  const second = nano.secondarySensor!;

  it("is a different part on the Nano's own 10-bit ADC, on an analog pin of its own", () => {
    expect(second.part).toMatch(/MPX5050GP/);
    expect(nano.sensor.part).not.toMatch(/MPX5050GP/);
    expect(second.adcBits).toBe(10);
    expect(nano.pins.secondaryPressure).toBe("A1");
    expect(checkedProfile(nano).secondarySensor).toEqual(second);
  });

  it("resolves 0.41 mmHg per count, coarse for pulsations but plenty for a cross-check", () => {
    const mmhgPerCount = secondaryCountsToMmhg(nano, 1)! - secondaryCountsToMmhg(nano, 0)!;
    expect(mmhgPerCount).toBeCloseTo(0.407, 3);
    for (const mmhg of [0, 100, 200, 300]) {
      expect(Math.abs(secondaryCountsToMmhg(nano, secondaryMmhgToCounts(nano, mmhg)!)! - mmhg)).toBeLessThanOrEqual(mmhgPerCount / 2 + 1e-9);
    }
  });

  it("sees the relief valve's and the guard's pressures: 0.2 V at 0 mmHg, full scale above 330 mmHg", () => {
    expect(secondaryMmhgToCounts(nano, 0)).toBe(41);
    expect(secondaryMmhgToCounts(nano, nano.guard.tripMmhg)).toBe(827);
    expect(secondaryMmhgToCounts(nano, 330)).toBe(851);
    expect(secondaryCountsToMmhg(nano, 1023)).toBeGreaterThan(380);
  });

  it("a build without one gives null conversions", () => {
    const { secondarySensor: _s, ...single } = nano;
    const profile = parseProfile({ ...single, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    expect(profile.secondarySensor).toBeUndefined();
    expect(secondaryMmhgToCounts(profile, 100)).toBeNull();
    expect(secondaryCountsToMmhg(profile, 100)).toBeNull();
  });
});

describe("a wrong profile is refused with the field named", () => {
  const refuse = (value: unknown) => {
    try {
      parseProfile(value, "my-build.json");
    } catch (error) {
      expect(error).toBeInstanceOf(ProfileError);
      return (error as Error).message;
    }
    throw new Error("the profile was accepted");
  };

  it("a pump on a pin without PWM", () => {
    expect(refuse(patched(nano, "pins", { pump: "D4" }))).toMatch(/^my-build\.json: pins\.pump: a PWM pin/);
  });

  it("a vent on a pin that does not exist", () => {
    expect(refuse(patched(nano, "pins", { vent: "D14" }))).toMatch(/^my-build\.json: pins\.vent: /);
  });

  it("a pressure channel given as a digital pin", () => {
    expect(refuse(patched(nano, "pins", { pressure: "D3" }))).toMatch(/^my-build\.json: pins\.pressure: an analog pin/);
  });

  it("a sensor slope in millivolts instead of volts per mmHg", () => {
    expect(refuse(patched(nano, "sensor", { voltsPerMmhg: 10.67 }))).toMatch(/^my-build\.json: sensor\.voltsPerMmhg: /);
  });

  it("an ADC full scale in millivolts instead of volts", () => {
    expect(refuse(patched(nano, "sensor", { adcFullScaleVolts: 4096 }))).toMatch(/^my-build\.json: sensor\.adcFullScaleVolts: /);
  });

  it("a keep-alive deadline in seconds instead of milliseconds", () => {
    expect(refuse(patched(nano, "guard", { keepAliveDeadlineMs: 0.3 }))).toMatch(/^my-build\.json: guard\.keepAliveDeadlineMs: /);
  });

  it("a trip pressure in kPa instead of mmHg, or one above the 330 mmHg the board accepts", () => {
    expect(refuse(patched(nano, "guard", { tripMmhg: 42.7 }))).toMatch(/^my-build\.json: guard\.tripMmhg: /);
    expect(refuse(patched(nano, "guard", { tripMmhg: 340 }))).toMatch(/^my-build\.json: guard\.tripMmhg: /);
  });

  it("a normally-closed vent valve", () => {
    expect(refuse(patched(nano, "vent", { normallyOpen: false }))).toBe(
      "my-build.json: vent.normallyOpen: the vent valve must be normally open (unpowered = cuff deflates)",
    );
  });

  it("a misspelt key", () => {
    expect(refuse(patched(nano, "pins", { pumpPin: "D5" }))).toMatch(/^my-build\.json: pins: .*pumpPin/);
  });

  it("pins the board cannot honour: A6 on an Uno, the vent on the pump's pin", () => {
    expect(() => checkedProfile({ ...nano, board: "arduino-uno", pins: { ...nano.pins, pressure: "A6" } }, "uno.json")).toThrow(
      "uno.json: pins.pressure: A6 is not an analog input of the arduino-uno",
    );
    expect(() => checkedProfile(patched(nano, "pins", { vent: "D5" }), "x.json")).toThrow(/^x\.json: pins\.vent: /);
  });

  it("a second sensor without its pin, or a pin without its sensor", () => {
    const { secondarySensor: _s, ...single } = nano;
    expect(refuse(patched(nano, "pins", { secondaryPressure: undefined }))).toBe(
      "my-build.json: pins.secondaryPressure: is required with secondarySensor: the analog pin the second sensor is wired to",
    );
    expect(refuse(single)).toMatch(/^my-build\.json: secondarySensor: is required with pins\.secondaryPressure/);
  });

  it("a second sensor on the first sensor's channel, on a digital pin, or with an 8-bit ADC", () => {
    expect(refuse(patched(nano, "pins", { secondaryPressure: "A0" }))).toMatch(/^my-build\.json: pins\.secondaryPressure: A0 is already the first sensor's channel/);
    expect(refuse(patched(nano, "pins", { secondaryPressure: "D7" }))).toMatch(/^my-build\.json: pins\.secondaryPressure: an analog pin/);
    expect(refuse(patched(nano, "secondarySensor", { adcBits: 8 }))).toMatch(/^my-build\.json: secondarySensor\.adcBits: /);
    expect(refuse(patched(nano, "secondarySensor", { voltsPerMmhg: 12 }))).toMatch(/^my-build\.json: secondarySensor\.voltsPerMmhg: /);
    expect(refuse(patched(nano, "secondarySensor", { sampleHz: 100 }))).toMatch(/^my-build\.json: secondarySensor: .*sampleHz/);
  });

  it("a second sensor on the ADS1115's I2C pins or on an A6 the Uno does not have", () => {
    expect(() => checkedProfile(patched(nano, "pins", { secondaryPressure: "A4" }), "x.json")).toThrow(
      "x.json: pins.secondaryPressure: A4 carries the I2C bus the first sensor's ADS1115 is read on (A4 SDA, A5 SCL)",
    );
    expect(() => checkedProfile({ ...nano, board: "arduino-uno", pins: { ...nano.pins, secondaryPressure: "A6" } }, "uno.json")).toThrow(
      "uno.json: pins.secondaryPressure: A6 is not an analog input of the arduino-uno",
    );
  });

  it("a file that is not JSON, naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "cuff-profile-"));
    const path = join(dir, "broken.json");
    writeFileSync(path, '{ "name": "half');
    expect(() => loadProfile(path)).toThrow(new RegExp(`^${path.replaceAll("/", "\\/")} is not valid JSON`));
  });
});

describe("the Uno profile drives the virtual board", () => {
  const boards: VirtualBoard[] = [];
  afterEach(() => {
    for (const board of boards.splice(0)) board.dispose();
  });

  it("boots safe, reports the sensor at 100 Hz, runs the pump once armed and goes safe when the keep-alives stop", async () => {
    const uno = loadProfile(UNO_PROFILE_PATH);
    const clock = new ManualClock();
    const plant = createPlant(parseScenario({ name: "uno bench", limb: "arm" }), uno);
    const [hostEnd, boardEnd] = duplexPair();
    const board = new VirtualBoard(boardEnd, { plant, clock, profile: uno });
    boards.push(board);
    const host = new RawHost(hostEnd, clock);
    await flush();
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });

    host.send([0xc0, 1]);
    await runFor(clock, 1, 0.01);
    const reports = host.analog(0);
    expect(reports.length).toBeGreaterThanOrEqual(99);
    expect(Math.abs(countsToMmhg(uno, reports.at(-1)!.value))).toBeLessThan(2);

    const pwm = (pin: number, value: number) => [0xe0 | pin, value & 0x7f, (value >> 7) & 0x7f];
    const tripCounts = mmhgToCounts(uno, uno.guard.tripMmhg);
    const keepalive = [0xf0, GUARD_SYSEX, GuardSubcommand.KEEPALIVE, 0xf7];
    host.send([0xf4, 5, 0x03, 0xf4, 9, 0x03, 0xf0, GUARD_SYSEX, ...encodeGuardConfigure(uno.guard.keepAliveDeadlineMs, tripCounts), 0xf7]);
    host.send([...pwm(5, 255), ...pwm(9, 255)]);
    let sinceKeepalive = 0;
    await runFor(clock, 2, 0.01, () => {
      sinceKeepalive += 0.01;
      if (sinceKeepalive >= 0.1) {
        host.send(keepalive);
        sinceKeepalive = 0;
      }
    });
    expect(board.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    const inflatedMmhg = plant.trueMmhg();
    expect(inflatedMmhg).toBeGreaterThan(10);

    await runFor(clock, 0.35, 0.01);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });
});
