import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  REFERENCE_PROFILE_PATH,
  countsToMmhg,
  mmhgToCounts,
  parseProfile,
  referenceProfile,
  secondaryCountsToMmhg,
  secondaryMmhgToCounts,
  type HardwareProfile,
} from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import type { CuffPlant } from "../../hardware/sim/plant.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { VirtualBoard, duplexPair } from "../../hardware/sim/virtual-board.ts";
import { BoardConnectError, JohnnyFiveBoard, connectJohnnyFiveBoard } from "../../firmware/board/johnny-five-board.ts";
import type { GuardEvent, PressureSample } from "../../firmware/board/board.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GuardReason, GuardState } from "../../shared/guard.ts";
import { flush, runFor } from "./raw-host.ts";
import { TestPlant } from "./test-plant.ts";

const profile = referenceProfile();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connected<P extends CuffPlant = TestPlant>(options: { startMmhg?: number; profile?: HardwareProfile; plant?: P } = {}) {
  const clock = new ManualClock();
  const plant = (options.plant ?? new TestPlant({ startMmhg: options.startMmhg ?? 0 })) as P;
  const [hostEnd, boardEnd] = duplexPair();
  const virtual = new VirtualBoard(boardEnd, { plant, clock, profile: options.profile ?? profile });
  cleanups.push(() => virtual.dispose());
  const board = await connectJohnnyFiveBoard({ stream: hostEnd, clock, profile: options.profile ?? profile, label: "virtual board" });
  cleanups.push(() => board.close());
  const samples: PressureSample[] = [];
  const guard: GuardEvent[] = [];
  const lost: string[] = [];
  board.onSample((s) => samples.push(s));
  board.onGuard((e) => guard.push(e));
  board.onLost((r) => lost.push(r));
  return { clock, plant, virtual, board, samples, guard, lost };
}

/** The controller's part: keep-alive from inside the sample loop. */
function keepAliveOnEverySample(board: JohnnyFiveBoard): void {
  board.onSample(() => board.keepAlive());
}

describe("johnny-five + firmata-io over an in-process Duplex", () => {
  it("connects, arms the guard with the profile's deadline and trip pressure, and leaves the cuff vented", async () => {
    const { board, virtual } = await connected();
    expect(board.guardStatus()).toMatchObject({
      state: GuardState.ARMED,
      deadlineMs: profile.guard.keepAliveDeadlineMs,
      tripCounts: mmhgToCounts(profile, profile.guard.tripMmhg),
    });
    expect(virtual.guardStatus().state).toBe(GuardState.ARMED);
    expect(virtual.samplingIntervalMs).toBe(10);
    expect(virtual.isReportingAnalog(0)).toBe(true);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("reads the pressure pin: samples every 10 ms carrying the plant's ADC counts", async () => {
    const { board, clock, plant, samples } = await connected({ startMmhg: 120 });
    keepAliveOnEverySample(board);
    await runFor(clock, 0.2, 0.002);
    expect(samples.length).toBeGreaterThanOrEqual(19);
    expect(samples.length).toBeLessThanOrEqual(20);
    const last = samples.at(-1)!;
    expect(last.counts).toBe(plant.sensorCounts());
    expect(countsToMmhg(profile, last.counts)).toBeCloseTo(plant.trueMmhg(), 0);
    const gaps = samples.slice(1).map((s, i) => s.tSeconds - samples[i]!.tSeconds);
    for (const gap of gaps) expect(gap).toBeCloseTo(0.01, 6);
  });

  it("arms the second sensor's threshold too, and every sample carries the second reading of the same moment", async () => {
    const { board, clock, plant, samples, virtual } = await connected({ startMmhg: 120 });
    plant.secondaryOffsetMmhg = -3;
    expect(board.guardStatus()?.secondaryTripCounts).toBe(secondaryMmhgToCounts(profile, profile.guard.tripMmhg));
    expect(virtual.isReportingAnalog(1)).toBe(true);
    keepAliveOnEverySample(board);
    await runFor(clock, 0.2, 0.002);
    expect(samples.length).toBeGreaterThanOrEqual(19);
    for (const s of samples) expect(s.secondaryCounts).not.toBeNull();
    expect(samples.at(-1)!.secondaryCounts).toBe(plant.secondarySensorCounts());
    expect(secondaryCountsToMmhg(profile, samples.at(-1)!.secondaryCounts!)!).toBeCloseTo(plant.trueMmhg() - 3, 0);
  });

  it("a profile without a second sensor gets null second readings and asks for no second channel", async () => {
    const { secondarySensor: _s, ...rest } = profile;
    const single = parseProfile({ ...rest, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    const { board, clock, samples, virtual } = await connected({ startMmhg: 50, profile: single });
    keepAliveOnEverySample(board);
    await runFor(clock, 0.05, 0.002);
    expect(virtual.isReportingAnalog(1)).toBe(false);
    expect(samples.length).toBeGreaterThan(3);
    for (const s of samples) expect(s.secondaryCounts).toBeNull();
  });

  it("drives pump and vent of the simulated arm cuff: it inflates with the vent shut and deflates when it opens", async () => {
    const plant = createPlant(parseScenario({ name: "arm cuff", limb: "arm", seed: 3 }), profile);
    const { board, clock, virtual, samples } = await connected({ plant });
    keepAliveOnEverySample(board);
    board.setVent(0);
    board.setPump(1);
    await flush();
    expect(virtual.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    await runFor(clock, 6, 0.005);
    const inflated = plant.trueMmhg();
    expect(inflated).toBeGreaterThan(100);
    // What the host reads is what the simulated sensor gives: the same counts, the sensor's mmHg to
    // the ADC's resolution; while pumping the hose side reads a few mmHg above the bladder.
    expect(samples.at(-1)!.counts).toBe(plant.sensorCounts());
    expect(countsToMmhg(profile, samples.at(-1)!.counts)).toBeCloseTo(plant.sensorMmhg(), 1);
    expect(Math.abs(countsToMmhg(profile, samples.at(-1)!.counts) - inflated)).toBeLessThan(5);
    board.setPump(0.5);
    await flush();
    expect(virtual.outputs().pumpDuty).toBeCloseTo(128 / 255, 9);
    board.setPump(0);
    board.setVent(1);
    await runFor(clock, 5, 0.005);
    expect(plant.trueMmhg()).toBeLessThan(15);
    expect(countsToMmhg(profile, samples.at(-1)!.counts)).toBeLessThan(15);
    expect(virtual.guardStatus().state).toBe(GuardState.ARMED);
  });

  it("without keep-alives the guard vents within its deadline and the host hears TRIPPED", async () => {
    const { board, clock, virtual, guard } = await connected();
    board.setVent(0);
    board.setPump(1);
    board.keepAlive();
    await flush();
    const t0 = clock.nowSeconds();
    let ventedAt: number | null = null;
    await runFor(clock, 0.5, 0.001, () => {
      if (ventedAt === null && virtual.outputs().pumpDuty === 0) ventedAt = clock.nowSeconds();
    });
    expect(ventedAt! - t0).toBeLessThanOrEqual(profile.guard.keepAliveDeadlineMs / 1000 + 1e-6);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(guard).toContainEqual({ kind: "tripped", reason: GuardReason.KEEPALIVE_LOST, lastCounts: expect.any(Number), lastSecondaryCounts: expect.any(Number) });
    // After CLEAR the host must write the outputs again: the board forgot them.
    board.clearGuard();
    await flush();
    expect(board.guardStatus()?.state).toBe(GuardState.ARMED);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("judges freshness from raw analog events: samples stop when the board is unplugged, and onLost fires", async () => {
    const { board, clock, virtual, samples, lost } = await connected();
    keepAliveOnEverySample(board);
    await runFor(clock, 0.1, 0.002);
    const before = samples.length;
    expect(before).toBeGreaterThan(5);
    virtual.unplug();
    await runFor(clock, 0.5, 0.01);
    expect(samples.length).toBe(before);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(/virtual board/);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("notices a board reset: restores pin setup and reporting, and reports the guard SAFE", async () => {
    const { board, clock, virtual, samples, guard } = await connected();
    keepAliveOnEverySample(board);
    board.setVent(0);
    board.setPump(1);
    await runFor(clock, 0.05, 0.005);
    virtual.reset();
    await flush();
    expect(guard.at(-1)).toEqual({ kind: "status", status: expect.objectContaining({ state: GuardState.SAFE, reason: GuardReason.POWER_UP }) });
    expect(virtual.isReportingAnalog(0)).toBe(true);
    const count = samples.length;
    await runFor(clock, 0.1, 0.005);
    // 100 Hz again (10 periods in 0.1 s, give or take the one on the boundary).
    expect(samples.length - count).toBeGreaterThanOrEqual(10);
    expect(samples.length - count).toBeLessThanOrEqual(11);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    // The controller decides to re-arm; then its outputs count again.
    board.configureGuard(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg));
    board.setVent(0);
    board.setPump(1);
    await flush();
    expect(virtual.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
  });

  it("close() vents the cuff before letting go", async () => {
    const { board, clock, virtual } = await connected();
    keepAliveOnEverySample(board);
    board.setVent(0);
    board.setPump(1);
    await runFor(clock, 0.05, 0.005);
    expect(virtual.outputs().pumpDuty).toBe(1);
    await board.close();
    await flush();
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("maps an active-low pump and vent through the profile's polarity", async () => {
    const activeLow = { ...profile, pump: { ...profile.pump, activeHigh: false }, vent: { ...profile.vent, activeHigh: false } };
    const { board, clock, virtual } = await connected({ profile: activeLow });
    keepAliveOnEverySample(board);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    board.setPump(0.25);
    board.setVent(0);
    await runFor(clock, 0.02, 0.005);
    expect(virtual.outputs().pumpDuty).toBeCloseTo(64 / 255, 9);
    expect(virtual.outputs().ventOpening).toBe(0);
  });
});

describe("hardware profile through the board", () => {
  const reference = JSON.parse(readFileSync(REFERENCE_PROFILE_PATH, "utf8"));

  it("the shipped reference profile loads and drives the virtual board", async () => {
    const { board, virtual, clock, plant } = await connected({ profile: reference });
    keepAliveOnEverySample(board);
    board.setVent(0);
    board.setPump(1);
    await runFor(clock, 0.5, 0.005);
    expect(virtual.profile.name).toMatch(/reference build/);
    expect(plant.trueMmhg()).toBeGreaterThan(3);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ["a pump on a pin without PWM", { ...reference, pins: { ...reference.pins, pump: "D4" } }, /pins\.pump: a PWM pin/],
    ["a pressure pin that is not analog", { ...reference, pins: { ...reference.pins, pressure: "D3" } }, /pins\.pressure: an analog pin/],
    ["A7 on an Uno", { ...reference, board: "arduino-uno", pins: { ...reference.pins, pressure: "A7" } }, /pins\.pressure: A7 is not an analog input of the arduino-uno/],
    ["vent on the pump's pin", { ...reference, pins: { ...reference.pins, vent: "D5" } }, /pins\.vent: D5 is already the pump pin/],
    ["a trip pressure in kPa", { ...reference, guard: { ...reference.guard, tripMmhg: 42 } }, /guard\.tripMmhg/],
    ["a deadline in seconds", { ...reference, guard: { ...reference.guard, keepAliveDeadlineMs: 0.3 } }, /guard\.keepAliveDeadlineMs/],
    ["a normally-closed vent", { ...reference, vent: { ...reference.vent, normallyOpen: false } }, /vent\.normallyOpen: the vent valve must be normally open/],
    ["a misspelt field", { ...reference, sensor: { ...reference.sensor, voltPerMmhg: 0.01 } }, /sensor: Unrecognized key: "voltPerMmhg"/],
  ];
  for (const [what, value, message] of bad) {
    it(`refuses ${what}, naming the field, before touching the link`, async () => {
      const [hostEnd, boardEnd] = duplexPair();
      const written: Buffer[] = [];
      boardEnd.on("data", (chunk: Buffer) => written.push(chunk));
      await expect(connectJohnnyFiveBoard({ stream: hostEnd, profile: value as HardwareProfile, clock: new ManualClock() })).rejects.toThrow(message);
      expect(() => new VirtualBoard(boardEnd, { plant: new TestPlant(), clock: new ManualClock(), profile: value as HardwareProfile })).toThrow(message);
      await flush();
      expect(written).toEqual([]);
      hostEnd.destroy();
    });
  }
});

describe("connection errors are one clear sentence", () => {
  it("a path that does not exist: no such serial port", async () => {
    await expect(connectJohnnyFiveBoard({ path: "/dev/ttyNOPE9", clock: new ManualClock() })).rejects.toThrow(
      new BoardConnectError("no such serial port /dev/ttyNOPE9"),
    );
  });

  it("something that is not a Firmata board: no Firmata reply within N s (virtual time)", async () => {
    const clock = new ManualClock();
    const [hostEnd, deviceEnd] = duplexPair();
    // A device that answers everything with text, like a GPS or a modem.
    deviceEnd.on("data", () => deviceEnd.write("$GPGGA,123519,4807.038,N*47\r\n"));
    const connecting = connectJohnnyFiveBoard({ stream: hostEnd, clock, label: "/dev/ttyUSB7", connectTimeoutSeconds: 4 });
    let error: unknown = null;
    connecting.catch((e) => (error = e));
    await runFor(clock, 3.9, 0.1);
    expect(error).toBeNull();
    await runFor(clock, 0.2, 0.1);
    expect(error).toBeInstanceOf(BoardConnectError);
    expect((error as Error).message).toBe("no Firmata reply from /dev/ttyUSB7 within 4 s");
    expect(hostEnd.destroyed).toBe(true);
  });

  it("a Firmata board without the guard (stock StandardFirmata) is refused", async () => {
    const clock = new ManualClock();
    const [hostEnd, boardEnd] = duplexPair();
    const virtual = new VirtualBoard(boardEnd, { plant: new TestPlant(), clock, profile });
    cleanups.push(() => virtual.dispose());
    // Drop the guard sysex on the way to the board, as a sketch without it would ignore it.
    const original = boardEnd.listeners("data")[0] as (chunk: Buffer) => void;
    boardEnd.removeAllListeners("data");
    boardEnd.on("data", (chunk: Buffer) => original(Buffer.from(stripGuard([...chunk]))));
    const connecting = connectJohnnyFiveBoard({ stream: hostEnd, clock, label: "/dev/ttyACM0", connectTimeoutSeconds: 3 });
    let error: unknown = null;
    connecting.catch((e) => (error = e));
    await runFor(clock, 3.1, 0.05);
    expect((error as Error).message).toMatch(/^the Firmata board at \/dev\/ttyACM0 did not answer the guard within 3 s/);
    expect(virtual.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });
});

function stripGuard(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0xf0 && bytes[i + 1] === 0x0c) {
      while (i < bytes.length && bytes[i] !== 0xf7) i++;
      continue;
    }
    out.push(bytes[i]!);
  }
  return out;
}
