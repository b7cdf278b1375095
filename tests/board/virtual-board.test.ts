import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { mmhgToCounts, referenceProfile, secondaryMmhgToCounts } from "../../hardware/profile.ts";
import { VirtualBoard, duplexPair } from "../../hardware/sim/virtual-board.ts";
import { ManualClock } from "../../shared/clock.ts";
import {
  GUARD_SYSEX,
  GuardReason,
  GuardState,
  GuardSubcommand,
  decodeGuardStatus,
  decodeGuardTripped,
  encodeGuardConfigure,
} from "../../shared/guard.ts";
import { RawHost, flush, runFor } from "./raw-host.ts";
import { TestPlant, type TestPlantOptions } from "./test-plant.ts";

const profile = referenceProfile();
const PUMP = 5;
const VENT = 9;
const tripCounts = mmhgToCounts(profile, profile.guard.tripMmhg);

const boards: VirtualBoard[] = [];
afterEach(() => {
  for (const board of boards.splice(0)) board.dispose();
});

function setup(plantOptions: TestPlantOptions = {}) {
  const clock = new ManualClock();
  const plant = new TestPlant(plantOptions);
  const [hostEnd, boardEnd] = duplexPair();
  const board = new VirtualBoard(boardEnd, { plant, clock, profile });
  boards.push(board);
  const host = new RawHost(hostEnd, clock);
  return { clock, plant, board, host };
}

const guardMsg = (...payload: number[]) => [0xf0, GUARD_SYSEX, ...payload, 0xf7];
const configure = (deadlineMs = 300, counts = tripCounts) => guardMsg(...encodeGuardConfigure(deadlineMs, counts));
const KEEPALIVE = guardMsg(GuardSubcommand.KEEPALIVE);
const CLEAR = guardMsg(GuardSubcommand.CLEAR);
const pwm = (pin: number, value: number) => [0xe0 | pin, value & 0x7f, (value >> 7) & 0x7f];
const PWM_MODE = [0xf4, PUMP, 0x03, 0xf4, VENT, 0x03];
const REPORT_PRESSURE = [0xc0, 1];

function statuses(host: RawHost) {
  return host.sysex(GUARD_SYSEX).flatMap((m) => {
    const s = decodeGuardStatus(m.data);
    return s ? [{ ...s, t: m.t }] : [];
  });
}
function trips(host: RawHost) {
  return host.sysex(GUARD_SYSEX).flatMap((m) => {
    const s = decodeGuardTripped(m.data);
    return s ? [{ ...s, t: m.t }] : [];
  });
}

/** Arm the guard and run the pump flat out against a closed vent. */
async function inflating(plantOptions: TestPlantOptions = {}) {
  const s = setup(plantOptions);
  s.host.send([...PWM_MODE, ...configure(), ...pwm(PUMP, 255), ...pwm(VENT, 255)]);
  await flush();
  return s;
}

describe("virtual board: Firmata", () => {
  it("announces its version and firmware at boot and answers the queries", async () => {
    const { host } = setup();
    await flush();
    expect(host.messages[0]).toMatchObject({ kind: "version", major: 2, minor: 6 });
    const firmware = host.sysex(0x79)[0]!;
    const name = Buffer.from(firmware.data.slice(2).filter((_, i) => i % 2 === 0)).toString();
    expect(name).toBe("CuffGuardFirmata (virtual)");

    host.send([0xf9, 0xf0, 0x6b, 0xf7, 0xf0, 0x69, 0xf7]);
    await flush();
    expect(host.messages.filter((m) => m.kind === "version")).toHaveLength(2);
    // Capability of pin 14 (A0, the pressure sensor): analog at the profile's 14 bits.
    const caps = host.sysex(0x6c)[0]!.data;
    const perPin: number[][] = [];
    let current: number[] = [];
    for (const b of caps) {
      if (b === 0x7f) {
        perPin.push(current);
        current = [];
      } else current.push(b);
    }
    expect(perPin).toHaveLength(22);
    expect(perPin[0]).toEqual([]);
    expect(perPin[PUMP]).toEqual([0, 1, 1, 1, 0x0b, 1, 3, 8]);
    expect(perPin[14]).toEqual([0, 1, 1, 1, 0x0b, 1, 2, 14]);
    expect(perPin[15]).toEqual([0, 1, 1, 1, 0x0b, 1, 2, 10]);
    expect(perPin[21]).toEqual([2, 10]);
    const mapping = host.sysex(0x6a)[0]!.data;
    expect(mapping.slice(13, 22)).toEqual([0x7f, 0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("reports the pressure channel every sampling interval with the plant's ADC counts", async () => {
    const { host, clock, plant } = setup({ startMmhg: 150 });
    host.send(REPORT_PRESSURE);
    await flush();
    await runFor(clock, 0.1);
    const reports = host.analog(0);
    expect(reports).toHaveLength(10);
    expect(reports.at(-1)!.value).toBe(plant.sensorCounts());
    expect(reports.at(-1)!.value).toBe(mmhgToCounts(profile, plant.trueMmhg()));
    // 150 mmHg on the reference sensor: (0.5 V + 1.6 V) / 4.096 V of 14 bits.
    expect(reports[0]!.value).toBeGreaterThan(8000);

    host.send([0xf0, 0x7a, 20, 0, 0xf7]);
    await flush();
    await runFor(clock, 0.2);
    expect(host.analog(0).length - 10).toBeGreaterThanOrEqual(9);
    expect(host.analog(0).length - 10).toBeLessThanOrEqual(10);

    host.send([0xc0, 0]);
    await flush();
    const count = host.analog(0).length;
    await runFor(clock, 0.1);
    expect(host.analog(0).length).toBe(count);
  });

  it("drives the pump and the normally-open vent through the profile's polarity once armed", async () => {
    const { host, clock, plant, board } = await inflating();
    expect(board.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    for (let i = 0; i < 10; i++) {
      host.send(KEEPALIVE);
      await runFor(clock, 0.1, 0.01);
    }
    // 1 s of full pump into a sealed volume: the plant saw it and the pressure rose.
    expect(plant.trueMmhg()).toBeGreaterThan(10);
    expect(plant.steps.every((s) => s.pumpDuty === 1 && s.ventOpening === 0)).toBe(true);
    host.send([...pwm(PUMP, 64), ...pwm(VENT, 0), ...KEEPALIVE]);
    await flush();
    expect(board.outputs().pumpDuty).toBeCloseTo(64 / 255, 9);
    expect(board.outputs().ventOpening).toBe(1);
  });
});

describe("virtual board: writes", () => {
  it("accepts PWM by EXTENDED_ANALOG, digital pins by SET_DIGITAL_PIN_VALUE and ports, and answers PIN_STATE_QUERY", async () => {
    const { host, board } = await inflating();
    host.send([0xf0, 0x6f, PUMP, 100 & 0x7f, 100 >> 7, 0xf7, 0xf0, 0x6d, PUMP, 0xf7]);
    await flush();
    expect(board.outputs().pumpDuty).toBeCloseTo(100 / 255, 9);
    const state = host.sysex(0x6e).at(-1)!.data;
    expect(state).toEqual([PUMP, 0x03, 100, 0]);

    // The vent as a plain digital output: HIGH powers (closes) it, LOW lets it open.
    host.send([0xf4, VENT, 0x01, 0xf5, VENT, 1]);
    await flush();
    expect(board.outputs().ventOpening).toBe(0);
    host.send([0x90 | (VENT >> 3), 0x00, 0x00]);
    await flush();
    expect(board.outputs().ventOpening).toBe(1);
    host.send([0x90 | (VENT >> 3), 1 << (VENT & 7), 0x00]);
    await flush();
    expect(board.outputs().ventOpening).toBe(0);
    // A pin switched back to input no longer drives its valve: it opens.
    host.send([0xf4, VENT, 0x00]);
    await flush();
    expect(board.outputs().ventOpening).toBe(1);
  });
});

describe("virtual board: guard", () => {
  it("boots vented and holds the outputs safe against writes until configured", async () => {
    const { host, clock, plant, board } = setup();
    host.send([...PWM_MODE, ...pwm(PUMP, 255), ...pwm(VENT, 255), 0xf0, 0x6f, PUMP, 0x7f, 0x01, 0xf7, 0xf5, PUMP, 1]);
    await flush();
    await runFor(clock, 0.5, 0.01);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(board.guardStatus()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP });
    expect(plant.steps.every((s) => s.pumpDuty === 0 && s.ventOpening === 1)).toBe(true);
    expect(plant.trueMmhg()).toBe(0);
  });

  it("with the keep-alive stopped, vents exactly at the deadline (300 ms of simulated time)", async () => {
    const { host, clock, plant, board } = await inflating();
    for (let i = 0; i < 5; i++) {
      host.send(KEEPALIVE);
      await runFor(clock, 0.1, 0.01);
    }
    host.send(KEEPALIVE);
    await flush();
    const lastKeepAlive = clock.nowSeconds();
    let ventedAt: number | null = null;
    await runFor(clock, 0.5, 0.001, () => {
      if (ventedAt === null && board.outputs().pumpDuty === 0) ventedAt = clock.nowSeconds();
    });
    expect(ventedAt).not.toBeNull();
    expect(ventedAt! - lastKeepAlive).toBeCloseTo(0.3, 6);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    const trip = trips(host)[0]!;
    expect(trip.reason).toBe(GuardReason.KEEPALIVE_LOST);
    expect(trip.t - lastKeepAlive).toBeCloseTo(0.3, 6);
    // The plant ran the pump right up to the trip instant and vented after it.
    let t = 0;
    const pumpedUntil = plant.steps.reduce((end, s) => ((t += s.dt), s.pumpDuty > 0 ? t : end), 0);
    expect(pumpedUntil - lastKeepAlive).toBeCloseTo(0.3, 6);
  });

  it("keeps running and trips on silence when the host end closes (host crash, board still powered)", async () => {
    const { host, clock, board } = await inflating();
    host.stream.destroy();
    await flush();
    await runFor(clock, 0.29, 0.01);
    expect(board.outputs().pumpDuty).toBe(1);
    await runFor(clock, 0.02, 0.001);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(board.guardStatus()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.KEEPALIVE_LOST });
  });

  it("trips on its own reading above the threshold within one sample, while the host keeps asking for pump", async () => {
    const { host, clock, plant, board } = await inflating({ pumpFreeFlowMlPerS: 400, complianceMlPerMmhg: 0.5, pumpStallMmhg: 600 });
    host.send(REPORT_PRESSURE);
    let crossedAt: number | null = null;
    for (let i = 0; i < 200 && trips(host).length === 0; i++) {
      host.send([...pwm(PUMP, 255), ...KEEPALIVE]);
      await runFor(clock, 0.01, 0.001, () => {
        if (crossedAt === null && plant.sensorCounts() >= tripCounts) crossedAt = clock.nowSeconds();
      });
    }
    const trip = trips(host)[0]!;
    expect(trip.reason).toBe(GuardReason.OVERPRESSURE);
    expect(trip.lastCounts).toBeGreaterThanOrEqual(tripCounts);
    expect(crossedAt).not.toBeNull();
    expect(trip.t - crossedAt!).toBeGreaterThanOrEqual(0);
    expect(trip.t - crossedAt!).toBeLessThanOrEqual(0.01 + 1e-9);
    const before = host.analog(0).filter((r) => r.t < trip.t);
    expect(before.at(-1)!.value).toBeLessThan(tripCounts);
    host.send([...pwm(PUMP, 255), ...KEEPALIVE]);
    await runFor(clock, 0.5, 0.01);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(plant.trueMmhg()).toBeLessThan(profile.guard.tripMmhg);
  });

  it("trips unarmed, with no host message at all, when the cuff is already over 330 mmHg at boot", async () => {
    const { host, clock, board } = setup({ startMmhg: 340, ventFlowAt100MlPerS: 0 });
    await runFor(clock, 0.05, 0.001);
    const trip = trips(host)[0]!;
    expect(trip).toMatchObject({ reason: GuardReason.OVERPRESSURE });
    expect(trip.t).toBeCloseTo(0.01, 6);
    expect(board.guardStatus().state).toBe(GuardState.TRIPPED);
  });

  it("checks its reading at the sensor rate even when the host slows reporting to 2 s", async () => {
    const { host, clock, plant, board } = await inflating({ ventFlowAt100MlPerS: 0 });
    host.send([0xf0, 0x7a, 2000 & 0x7f, 2000 >> 7, 0xf7, ...REPORT_PRESSURE, ...KEEPALIVE]);
    await runFor(clock, 0.1, 0.01);
    host.send(KEEPALIVE);
    await flush();
    plant.pressureMmhg = 335;
    const t0 = clock.nowSeconds();
    await runFor(clock, 0.02, 0.001);
    expect(trips(host)[0]!.t - t0).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(board.outputs().pumpDuty).toBe(0);
    // Only the report already scheduled under the old 10 ms interval went out.
    expect(host.analog(0).length).toBeLessThanOrEqual(1);
  });

  it("refuses CLEAR while still over the threshold and ignores writes while TRIPPED", async () => {
    // A vent that cannot vent: the cuff stays over the threshold after the trip.
    const { host, clock, plant, board } = await inflating({ startMmhg: 325, ventFlowAt100MlPerS: 0 });
    host.send(KEEPALIVE);
    await runFor(clock, 0.02, 0.001);
    expect(trips(host)).toHaveLength(1);
    host.send([...CLEAR, ...pwm(PUMP, 255), ...pwm(VENT, 255)]);
    await runFor(clock, 0.02, 0.001);
    expect(statuses(host).at(-1)).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE });
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });

    plant.pressureMmhg = 200;
    await runFor(clock, 0.02, 0.001);
    host.send(CLEAR);
    await runFor(clock, 0.002, 0.001);
    expect(statuses(host).at(-1)).toMatchObject({ state: GuardState.ARMED, deadlineMs: 300, tripCount: 1 });
    // Writes made while tripped were forgotten.
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("unplugging cuts power: outputs safe at once, the host sees the link end, the cuff deflates", async () => {
    const { host, clock, plant, board } = await inflating({ startMmhg: 200 });
    host.send(KEEPALIVE);
    await runFor(clock, 0.05, 0.01);
    board.unplug();
    await flush();
    expect(host.ended).toBe(true);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    await runFor(clock, 5, 0.01);
    expect(plant.trueMmhg()).toBeLessThan(15);
  });

  it("a reset returns to SAFE, vents, and announces the firmware again", async () => {
    const { host, board } = await inflating();
    const versions = host.messages.filter((m) => m.kind === "version").length;
    board.reset();
    await flush();
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(board.guardStatus()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP });
    expect(host.messages.filter((m) => m.kind === "version")).toHaveLength(versions + 1);
    expect(board.isReportingAnalog(0)).toBe(false);
  });
});

describe("virtual board: bad bytes", () => {
  /** Bytes that cannot form a write: no output-writing status bytes, no guard or extended-analog sysex ids. */
  const WRITE_STATUS = (b: number) => (b >= 0x90 && b <= 0x9f) || (b >= 0xe0 && b <= 0xef) || b === 0xf4 || b === 0xf5 || b === 0xff;
  const harmless = fc.integer({ min: 0, max: 255 }).filter((b) => !WRITE_STATUS(b) && b !== GUARD_SYSEX && b !== 0x6f);

  it("random garbage never crashes the board nor changes its outputs or guard state", async () => {
    const { host, clock, board, plant } = await inflating();
    host.send([...pwm(PUMP, 128), ...pwm(VENT, 200)]);
    await flush();
    const outputs = board.outputs();
    expect(outputs.pumpDuty).toBeCloseTo(128 / 255, 9);
    await fc.assert(
      fc.asyncProperty(fc.array(harmless, { minLength: 1, maxLength: 300 }), async (garbage) => {
        host.send([...garbage, 0xf7, ...KEEPALIVE]);
        await runFor(clock, 0.01, 0.01);
        expect(board.outputs()).toEqual(outputs);
        expect(board.guardStatus().state).toBe(GuardState.ARMED);
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(plant.steps.at(-1)).toMatchObject({ pumpDuty: outputs.pumpDuty, ventOpening: outputs.ventOpening });
  });

  it("truncated and oversized messages are dropped whole, not completed by what follows", async () => {
    const { host, clock, board } = await inflating();
    const before = board.outputs();
    const truncated = [
      [0xe0 | PUMP, 0x00], // analog write missing its second byte ...
      [0xf9], // ... interrupted by a version query
      [0xf0, 0x6f, PUMP, 0x00], // extended analog without END_SYSEX ...
      [0xf0, GUARD_SYSEX, GuardSubcommand.STATUS_QUERY, 0xf7], // ... interrupted by another sysex
      [0xf0, 0x6f, PUMP, ...new Array(80).fill(0), 0xf7], // longer than the sketch's sysex buffer
      [0xf0, 0x6f, 0xf7], // extended analog with no pin
      [0xf4, 40, 0x03], // pin mode for a pin the Nano lacks
      [0xf4, 14, 0x03], // PWM mode on A0, which has no PWM
      [0xf0, GUARD_SYSEX, GuardSubcommand.CONFIGURE, 0x10, 0xf7], // configure missing bytes
      [0xf0, 0x7a, 0x05, 0xf7], // sampling interval missing a byte
      [0xf7, 0x00, 0x7f, 0x12], // stray end and data bytes
      [0xc0 | 9, 1], // report for an analog channel the Nano lacks
    ].flat();
    host.send([...truncated, ...KEEPALIVE]);
    await runFor(clock, 0.05, 0.01);
    expect(board.outputs()).toEqual(before);
    expect(board.guardStatus()).toMatchObject({ state: GuardState.ARMED, deadlineMs: 300, tripCounts });
    expect(board.samplingIntervalMs).toBe(10);
    expect(board.isReportingAnalog(9)).toBe(false);
    // The interrupting messages were still answered.
    expect(statuses(host)).toHaveLength(2);
    expect(host.messages.filter((m) => m.kind === "version")).toHaveLength(2);
  });
});

describe("virtual board: the second pressure sensor", () => {
  const secondaryTripCounts = secondaryMmhgToCounts(profile, profile.guard.tripMmhg)!;

  it("offers A1 as a 10-bit analog input and reports it on channel 1 just before channel 0, every sample", async () => {
    const { host, clock, plant } = setup({ startMmhg: 120 });
    plant.secondaryOffsetMmhg = 4;
    host.send([0xc1, 1, 0xc0, 1]);
    await runFor(clock, 0.2, 0.01);
    const first = host.analog(0);
    const second = host.analog(1);
    expect(second.length).toBe(first.length);
    expect(second.at(-1)!.value).toBe(plant.secondarySensorCounts());
    expect(second.at(-1)!.value).toBe(secondaryMmhgToCounts(profile, plant.trueMmhg() + 4));
    // The second reading of a sample is on the wire before the first's.
    for (const [i, r] of first.entries()) expect(second[i]!.t).toBeLessThanOrEqual(r.t);
    host.send([0xf0, 0x6b, 0xf7]);
    await runFor(clock, 0.01, 0.01);
    const capabilities = host.sysex(0x6c).at(-1)!.data;
    const perPin: number[][] = [[]];
    for (const byte of capabilities) {
      if (byte === 0x7f) perPin.push([]);
      else perPin.at(-1)!.push(byte);
    }
    // The analog mode and its resolution close each pin's list (the virtual board offers digital modes too).
    expect(perPin[15]!.slice(-2)).toEqual([0x02, profile.secondarySensor!.adcBits]);
    expect(perPin[14]!.slice(-2)).toEqual([0x02, profile.sensor.adcBits]);
  });

  it("vents on an overpressure only the second sensor sees, within one sample, with no host message", async () => {
    const { host, clock, plant, board } = await inflating();
    host.send(guardMsg(...encodeGuardConfigure(300, tripCounts, secondaryTripCounts)));
    host.send([...pwm(PUMP, 255), ...KEEPALIVE]);
    await runFor(clock, 0.05, 0.01);
    expect(board.outputs().pumpDuty).toBe(1);
    const atMmhg = plant.trueMmhg();
    plant.secondaryOffsetMmhg = profile.guard.tripMmhg + 5 - atMmhg;
    const stepAt = clock.nowSeconds();
    await runFor(clock, 0.02, 0.001);
    const [trip] = trips(host);
    expect(trip?.reason).toBe(GuardReason.OVERPRESSURE_SECONDARY);
    expect(trip!.t - stepAt).toBeLessThanOrEqual(0.01 + 1e-9);
    expect(trip!.lastCounts).toBeLessThan(tripCounts);
    expect(trip!.lastSecondaryCounts!).toBeGreaterThanOrEqual(secondaryTripCounts);
    expect(board.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });
});
