/**
 * The distal pulse sensor on each board: the direct simulated board, the virtual
 * Firmata board read by johnny-five through Firmata I2C, and the firmware's view.
 */
import { afterEach, describe, expect, it } from "vitest";
import { connectJohnnyFiveBoard } from "../../firmware/board/johnny-five-board.ts";
import type { PressureSample } from "../../firmware/board/board.ts";
import { startFirmware } from "../../firmware/factory.ts";
import { MAX30102 } from "../../hardware/max30102.ts";
import { referenceProfile, type HardwareProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { FIRMATA } from "../../hardware/sim/firmata-protocol.ts";
import type { DistalPulseChip } from "../../hardware/sim/plant.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { SIM_STEP_SECONDS, SimBoard } from "../../hardware/sim/sim-board.ts";
import { VirtualBoard, duplexPair } from "../../hardware/sim/virtual-board.ts";
import { ManualClock } from "../../shared/clock.ts";
import type { FirmwareBody } from "../../shared/protocol/messages.ts";
import { RawHost, flush, runFor } from "./raw-host.ts";
import { TestPlant } from "./test-plant.ts";

const profile = referenceProfile();
const withoutSensor: HardwareProfile = (({ distalPulseSensor: _, ...rest }) => rest)(profile);

/** A chip whose samples count up by one at 100 Hz of plant time: a lost or repeated sample shows as a gap. */
class CountingChip implements DistalPulseChip {
  private emitted = 0;
  constructor(private readonly plant: { timeSeconds: number }) {}
  readFifo(): number[] {
    const due = Math.floor(this.plant.timeSeconds * 100 + 1e-6);
    const out: number[] = [];
    while (this.emitted < due) out.push(100_000 + this.emitted++);
    return out.slice(-MAX30102.fifoDepth);
  }
  latestCounts(): number {
    return 100_000 + this.emitted - 1;
  }
}

function consecutive(values: readonly number[]): boolean {
  return values.every((v, i) => i === 0 || v === values[i - 1]! + 1);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the distal pulse sensor on the direct simulated board", () => {
  /** The pressure samples that carried distal counts. */
  function run(plant: TestPlant, p: HardwareProfile, seconds: number): PressureSample[] {
    const clock = new ManualClock();
    const board = new SimBoard(plant, p, clock);
    const batches: PressureSample[] = [];
    board.onSample((s) => s.distalCounts && batches.push(s));
    for (let i = 0; i < Math.round(seconds / SIM_STEP_SECONDS); i++) {
      clock.advance(SIM_STEP_SECONDS);
      board.advance(SIM_STEP_SECONDS);
    }
    return batches;
  }

  it("delivers every sample of the chip with the pressure samples, in order, 100 a second", () => {
    const plant = new TestPlant();
    plant.distalPulse = new CountingChip(plant);
    const batches = run(plant, profile, 3);
    const counts = batches.flatMap((b) => b.distalCounts!);
    expect(counts.length).toBeGreaterThanOrEqual(299);
    expect(counts[0]).toBe(100_000);
    expect(consecutive(counts)).toBe(true);
    expect(batches.at(-1)!.tSeconds).toBeCloseTo(3, 6);
  });

  it("delivers nothing without a chip clipped on, or on a build whose profile has no sensor", () => {
    expect(run(new TestPlant(), profile, 1)).toEqual([]);
    const plant = new TestPlant();
    plant.distalPulse = new CountingChip(plant);
    expect(run(plant, withoutSensor, 1)).toEqual([]);
  });
});

describe("the distal pulse sensor through Firmata I2C (johnny-five on the virtual board)", () => {
  async function connected(plant: TestPlant) {
    const clock = new ManualClock();
    const [hostEnd, boardEnd] = duplexPair();
    const virtual = new VirtualBoard(boardEnd, { plant, clock, profile });
    cleanups.push(() => virtual.dispose());
    const board = await connectJohnnyFiveBoard({ stream: hostEnd, clock, profile, label: "virtual board" });
    cleanups.push(() => board.close());
    const batches: (readonly number[])[] = [];
    board.onSample((s) => {
      if (s.distalCounts) batches.push(s.distalCounts);
      board.keepAlive();
    });
    return { clock, board, batches };
  }

  it("finds the chip, sets it up, and delivers its samples without a gap while the pressure samples go on", async () => {
    const plant = new TestPlant();
    plant.distalPulse = new CountingChip(plant);
    const { clock, board, batches } = await connected(plant);
    const pressure: number[] = [];
    board.onSample((s) => pressure.push(s.tSeconds));
    await runFor(clock, 2, 0.002);
    expect(board.distalPulseSensor()).toBe("reading");
    const counts = batches.flat();
    expect(counts.length).toBeGreaterThan(180);
    expect(consecutive(counts)).toBe(true);
    // Polled every 40 ms: a few samples per read, never the chip's whole FIFO.
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    expect(pressure.length).toBeGreaterThanOrEqual(195);
  });

  it("with no chip on the bus: says so, delivers nothing, and the pressure samples are untouched", async () => {
    const { clock, board, batches } = await connected(new TestPlant());
    const pressure: number[] = [];
    board.onSample((s) => pressure.push(s.counts));
    await runFor(clock, 1, 0.002);
    expect(board.distalPulseSensor()).toBe("absent");
    expect(batches).toEqual([]);
    expect(pressure.length).toBeGreaterThanOrEqual(95);
  });

  it("the bus lends the host the pulse sensor only: a read of the pressure ADC (0x48) is answered with no bytes", async () => {
    const plant = new TestPlant();
    plant.distalPulse = new CountingChip(plant);
    const clock = new ManualClock();
    const [hostEnd, boardEnd] = duplexPair();
    const virtual = new VirtualBoard(boardEnd, { plant, clock, profile });
    cleanups.push(() => virtual.dispose());
    const host = new RawHost(hostEnd, clock);
    // I2C_REQUEST read once: address, mode READ_ONCE (1 << 3), register 0xFF as two 7-bit halves, 1 byte.
    const readOnce = (address: number, register: number, count: number) => [0xf0, FIRMATA.I2C_REQUEST, address, 1 << 3, register & 0x7f, register >> 7, count, 0, 0xf7];
    host.send([...readOnce(0x48, 0x00, 2), ...readOnce(MAX30102.address, MAX30102.register.partId, 1)]);
    await flush();
    const replies = host.sysex(FIRMATA.I2C_REPLY).map((m) => m.data);
    expect(replies).toEqual([
      [0x48, 0, 0x00, 0],
      [MAX30102.address, 0, 0x7f, 1, MAX30102.partId, 0],
    ]);
  });
});

describe("the firmware hears the distal pulse", () => {
  it("telemetry says the pulse beyond the cuff is present with the cuff vented, on a build with the sensor and a clip on", () => {
    const scenario = parseScenario({ name: "arm with the clip", limb: "arm", seed: 4, hardware: { distalPulseSensor: true }, subject: { distalPerfusionPercent: 2 } });
    const clock = new ManualClock();
    const board = new SimBoard(createPlant(scenario, profile), profile, clock);
    const runtime = startFirmware({ profile, board, clock });
    const telemetry: Extract<FirmwareBody, { type: "telemetry" }>[] = [];
    runtime.subscribe((m) => m.type === "telemetry" && telemetry.push(m));
    for (let i = 0; i < 300; i++) {
      clock.advance(SIM_STEP_SECONDS);
      board.advance(SIM_STEP_SECONDS);
    }
    expect(telemetry.at(-1)!.distalPulse).toBe("present");
    runtime.stop();
  });

  it("and says nothing of it where no clip is on", () => {
    const scenario = parseScenario({ name: "arm without the clip", limb: "arm", seed: 4 });
    const clock = new ManualClock();
    const board = new SimBoard(createPlant(scenario, profile), profile, clock);
    const runtime = startFirmware({ profile, board, clock });
    const telemetry: Extract<FirmwareBody, { type: "telemetry" }>[] = [];
    runtime.subscribe((m) => m.type === "telemetry" && telemetry.push(m));
    for (let i = 0; i < 100; i++) {
      clock.advance(SIM_STEP_SECONDS);
      board.advance(SIM_STEP_SECONDS);
    }
    expect(telemetry.at(-1)!.distalPulse).toBeUndefined();
    runtime.stop();
  });
});
