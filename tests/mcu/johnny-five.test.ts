/**
 * The host's real stack against the real image: johnny-five + firmata-io over the
 * simulated AVR's UART, the project's CuffBoard (JohnnyFiveBoard), the cuff
 * controller, and the simulated cuff fed to the ADS1115. All in simulated time.
 */
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import five from "johnny-five";
import { afterEach, expect, it } from "vitest";
import { connectJohnnyFiveBoard, type JohnnyFiveBoard } from "../../firmware/board/johnny-five-board.ts";
import type { GuardEvent, PressureSample } from "../../firmware/board/board.ts";
import { FirmwareRuntime } from "../../firmware/runtime.ts";
import { SimavrBoard, type PressureSource } from "../../hardware/sim/mcu/simavr-board.ts";
import { countsToMmhg, mmhgToCounts, secondaryMmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { TYPICAL_PHYSIOLOGY } from "../sim/helpers.ts";
import { GUARD_SYSEX, GuardReason, GuardState, encodeGuardConfigure } from "../../shared/guard.ts";
import type { FirmwareBody } from "../../shared/protocol/messages.ts";
import { describeMcu, ensureBuilt } from "./setup.ts";
import { createController } from "../../firmware/factory.ts";

const profile = referenceProfile();
const PUMP = 5;
const PWM_MODE = 0x03;

interface FirmataIo {
  isReady: boolean;
  pins: Array<{ supportedModes: number[]; analogChannel: number }>;
  analogPins: number[];
  firmware: { name: string; version: { major: number; minor: number } };
  RESOLUTION: { ADC: number; PWM: number };
  reportVersionTimeoutId?: ReturnType<typeof setTimeout>;
  on(event: string, listener: (value: number) => void): void;
  sysexCommand(message: number[]): void;
  reportAnalogPin(channel: number, enable: 0 | 1): void;
}
const { Firmata } = createRequire(import.meta.url)("firmata-io") as {
  Firmata: new (transport: Duplex, options: { reportVersionTimeout: number }) => FirmataIo;
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function simulated(source: PressureSource): SimavrBoard {
  ensureBuilt();
  const sim = new SimavrBoard({ source, profile });
  closers.push(() => sim.close());
  return sim;
}

async function connect(sim: SimavrBoard): Promise<JohnnyFiveBoard> {
  let board: JohnnyFiveBoard | undefined;
  let error: unknown;
  connectJohnnyFiveBoard({ stream: sim.port, clock: sim.clock, profile, label: "the simulated AVR" }).then(
    (b) => (board = b),
    (e) => (error = e),
  );
  await sim.advanceUntil(() => board !== undefined || error !== undefined, 3);
  if (!board) throw error ?? new Error("no connection within 3 s of simulated time");
  closers.push(() => board!.close());
  return board;
}

function constant(mmhg: number, secondaryMmhg = mmhg): PressureSource {
  return { sensorCounts: () => mmhgToCounts(profile, mmhg), secondarySensorCounts: () => secondaryMmhgToCounts(profile, secondaryMmhg) };
}

function armCuff() {
  return createPlant(parseScenario({ name: "arm, median adult", limb: "arm", seed: 3, subject: TYPICAL_PHYSIOLOGY }), profile);
}

describeMcu("johnny-five and the cuff stack on the simulated ATmega328P", () => {
  it("johnny-five connects over firmata-io and sees the sketch's pins: PWM on D5/D9, a 14-bit A0, the second sensor on A1", async () => {
    const sim = simulated(constant(0));
    const io = new Firmata(sim.port, { reportVersionTimeout: 1000 });
    const board = new five.Board({ io, repl: false, debug: false, sigint: false } as five.BoardOption & { sigint: boolean });
    let ready = false;
    board.on("ready", () => (ready = true));
    closers.push(async () => clearTimeout(io.reportVersionTimeoutId));
    const took = await sim.advanceUntil(() => ready, 2);
    expect(took).not.toBeNull();
    console.log(`johnny-five ready after ${(took! * 1000).toFixed(1)} ms of simulated time`);
    expect(io.firmware.name).toBe("cuff_guard");
    expect(io.analogPins).toEqual([14, 15]);
    expect(io.RESOLUTION.ADC).toBe(2 ** profile.sensor.adcBits - 1);
    for (const pin of [5, 9]) expect(io.pins[pin]!.supportedModes).toContain(PWM_MODE);
    // Before the guard is configured the board holds the pump off whatever johnny-five writes.
    board.pinMode(PUMP, PWM_MODE as five.PinMode);
    board.analogWrite(PUMP, 255);
    await sim.advance(0.02);
    expect(sim.outputs().pumpDuty).toBe(0);
    io.sysexCommand([GUARD_SYSEX, ...encodeGuardConfigure(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg))]);
    await sim.advance(0.005);
    board.analogWrite(PUMP, 200);
    await sim.advance(0.005);
    expect(sim.levels().pump).toBeCloseTo(200 / 255, 9);
  });

  it("the CuffBoard connects, arms the guard with the profile's numbers on both sensors, and samples both every 10 ms", async () => {
    const sim = simulated(constant(120, 123));
    const board = await connect(sim);
    expect(board.guardStatus()).toMatchObject({
      state: GuardState.ARMED,
      deadlineMs: profile.guard.keepAliveDeadlineMs,
      tripCounts: mmhgToCounts(profile, profile.guard.tripMmhg),
      secondaryTripCounts: secondaryMmhgToCounts(profile, profile.guard.tripMmhg),
    });
    expect(sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    const samples: PressureSample[] = [];
    board.onSample((s) => {
      samples.push(s);
      board.keepAlive();
    });
    await sim.advance(0.5);
    expect(samples.length).toBeGreaterThanOrEqual(49);
    expect(samples.length).toBeLessThanOrEqual(50);
    for (const s of samples.slice(1)) expect(countsToMmhg(profile, s.counts)).toBeCloseTo(120, 0);
    // Each sample carries the second sensor's reading of the same window (sent just before the first's).
    for (const s of samples.slice(1)) expect(s.secondaryCounts).toBe(secondaryMmhgToCounts(profile, 123));
    const gaps = samples.slice(1).map((s, i) => s.tSeconds - samples[i]!.tSeconds);
    for (const gap of gaps) expect(gap).toBeCloseTo(0.01, 3);
    expect(board.guardStatus()?.state).toBe(GuardState.ARMED);
  });

  it("the cuff controller holds 150 mmHg on the simulated arm cuff through the real image", async () => {
    const plant = armCuff();
    const sim = simulated(plant);
    const board = await connect(sim);
    const runtime = new FirmwareRuntime(createController(profile, { hostSilence: { policy: "continue", timeoutSeconds: 60 } }), board, sim.clock, profile);
    const telemetry: Array<Extract<FirmwareBody, { type: "telemetry" }>> = [];
    runtime.subscribe((m) => {
      if (m.type === "telemetry") telemetry.push(m);
    });
    runtime.start();
    closers.push(async () => runtime.stop());
    expect(runtime.command({ v: 1, seq: 1, type: "zero", cuff: 0 })).toEqual({ ok: true });
    await sim.advance(2, 0.002);
    // the limb's LOP, as the cuff's own measurement would have given it
    runtime.controller.lop.confirm(plant.lopTrueMmhg, "arm", null);
    expect(runtime.command({ v: 1, seq: 2, type: "hold", cuff: 0, target: { mmhg: 150 } })).toEqual({ ok: true });
    await sim.advance(9, 0.002);
    const trueMmhg: number[] = [];
    await sim.advance(3, 0.002, () => trueMmhg.push(plant.trueMmhg()));
    const mean = trueMmhg.reduce((a, b) => a + b, 0) / trueMmhg.length;
    console.log(`hold 150 mmHg on the real image: true pressure ${Math.min(...trueMmhg).toFixed(1)}..${Math.max(...trueMmhg).toFixed(1)} mmHg, mean ${mean.toFixed(1)}`);
    expect(Math.abs(mean - 150)).toBeLessThan(3);
    expect(Math.max(...trueMmhg.map((p) => Math.abs(p - 150)))).toBeLessThan(150 * 0.05);
    expect(telemetry.at(-1)).toMatchObject({ state: "regulating" });
    expect(board.guardStatus()?.tripCount).toBe(0);
  });

  it("measures the limb occlusion pressure through the real image, within 10 mmHg of the simulated arm's", async () => {
    const plant = armCuff();
    const sim = simulated(plant);
    const board = await connect(sim);
    const runtime = new FirmwareRuntime(createController(profile, { hostSilence: { policy: "continue", timeoutSeconds: 600 } }), board, sim.clock, profile);
    const results: Array<Extract<FirmwareBody, { type: "lop-result" }>> = [];
    runtime.subscribe((m) => {
      if (m.type === "lop-result") results.push(m);
    });
    runtime.start();
    closers.push(async () => runtime.stop());
    runtime.command({ v: 1, seq: 1, type: "zero", cuff: 0 });
    await sim.advance(2, 0.01);
    expect(runtime.command({ v: 1, seq: 2, type: "measure-lop", cuff: 0, limb: "arm" })).toEqual({ ok: true });
    // 10 ms lock-step: one sample per step, as the virtual board steps its plant.
    expect(await sim.advanceUntil(() => results.length > 0, 90, 0.01)).not.toBeNull();
    const [lop] = results;
    console.log(`LOP through the real image: ${lop?.ok ? lop.mmhg : "failed"} mmHg, true ${plant.lopTrueMmhg.toFixed(1)} mmHg`);
    expect(lop).toMatchObject({ ok: true });
    expect(Math.abs(lop!.mmhg! - plant.lopTrueMmhg)).toBeLessThan(10);
  });

  it("a hung control loop stops the keep-alive and the board vents within the deadline", async () => {
    const plant = armCuff();
    const sim = simulated(plant);
    const board = await connect(sim);
    const guard: GuardEvent[] = [];
    board.onGuard((e) => guard.push(e));
    let loopAlive = true;
    let lastKeepAliveAt = 0;
    board.onSample(() => {
      if (!loopAlive) return;
      board.keepAlive();
      lastKeepAliveAt = sim.timeSeconds;
    });
    board.setVent(0);
    board.setPump(1);
    await sim.advance(1);
    expect(sim.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    loopAlive = false;
    expect(await sim.advanceUntil(() => sim.outputs().pumpDuty === 0, 1)).not.toBeNull();
    const ventedAt = sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    const silence = ventedAt - lastKeepAliveAt;
    await sim.advance(0.01);
    console.log(`control loop hung -> pump off and vent open ${(silence * 1000).toFixed(2)} ms after the last keep-alive (deadline ${profile.guard.keepAliveDeadlineMs} ms)`);
    // Keep-alives leave at most ten times a deadline (every 30 ms): the board vents one deadline
    // after the last one that left, so 270-300 ms after the loop's last call (plus 0.5 ms on the wire).
    const deadline = profile.guard.keepAliveDeadlineMs / 1000;
    expect(silence).toBeGreaterThanOrEqual(deadline - deadline / 10 - 0.011);
    expect(silence).toBeLessThanOrEqual(deadline + 0.002);
    expect(sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(guard).toContainEqual({ kind: "tripped", reason: GuardReason.KEEPALIVE_LOST, lastCounts: expect.any(Number), lastSecondaryCounts: expect.any(Number) });
    const peak = plant.trueMmhg();
    await sim.advance(3);
    expect(plant.trueMmhg()).toBeLessThan(peak / 4);
  });

  it("a host that pumps blindly is stopped by the board's own overpressure check", async () => {
    const plant = armCuff();
    const sim = simulated(plant);
    const board = await connect(sim);
    const tripMmhg = 200;
    board.configureGuard(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, tripMmhg));
    board.onSample(() => board.keepAlive());
    board.setVent(0);
    board.setPump(1);
    await sim.advance(0.01);
    expect(sim.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    // The board judges its own reading (sensor noise and the pulse ride on the cuff pressure).
    const tripCounts = mmhgToCounts(profile, tripMmhg);
    let crossedAt: number | null = null;
    let peak = 0;
    const took = await sim.advanceUntil(
      () => {
        if (crossedAt === null && plant.sensorCounts() >= tripCounts) crossedAt = sim.timeSeconds;
        peak = Math.max(peak, plant.trueMmhg());
        return sim.outputs().pumpDuty === 0;
      },
      30,
    );
    expect(took).not.toBeNull();
    expect(crossedAt).not.toBeNull();
    const ventedAt = sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    await sim.advance(0.01);
    console.log(`blind pumping: sensor crossed ${tripMmhg} mmHg, board vented ${((ventedAt - crossedAt!) * 1000).toFixed(1)} ms later, true pressure peaked at ${peak.toFixed(1)} mmHg`);
    expect(ventedAt - crossedAt!).toBeGreaterThan(-0.001);
    expect(ventedAt - crossedAt!).toBeLessThan(0.03);
    expect(peak).toBeLessThan(tripMmhg + 5);
    expect(board.guardStatus()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE });
  });
});
