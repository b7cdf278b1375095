import { describe, expect, it } from "vitest";
import { SIM_STEP_SECONDS, SimBoard } from "../../hardware/sim/sim-board.ts";
import type { GuardEvent, PressureSample } from "../../firmware/board/board.ts";
import { mmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { VirtualBoard, duplexPair } from "../../hardware/sim/virtual-board.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GUARD_SYSEX, GuardReason, GuardState, GuardSubcommand, encodeGuardConfigure } from "../../shared/guard.ts";
import { RawHost, flush } from "./raw-host.ts";
import { TestPlant } from "./test-plant.ts";
import { startFirmware } from "../../firmware/factory.ts";
import type { FirmwareBody } from "../../shared/protocol/messages.ts";

const profile = referenceProfile();
const tripCounts = mmhgToCounts(profile, profile.guard.tripMmhg);

function simBoard(plant = new TestPlant()) {
  const clock = new ManualClock();
  const board = new SimBoard(plant, profile, clock);
  const samples: PressureSample[] = [];
  const guard: GuardEvent[] = [];
  const lost: string[] = [];
  board.onSample((s) => samples.push(s));
  board.onGuard((e) => guard.push(e));
  board.onLost((r) => lost.push(r));
  const run = (seconds: number, each?: () => void) => {
    const steps = Math.round(seconds / SIM_STEP_SECONDS);
    for (let i = 0; i < steps; i++) {
      clock.advance(SIM_STEP_SECONDS);
      board.advance(SIM_STEP_SECONDS);
      each?.();
    }
  };
  return { clock, board, plant, samples, guard, lost, run };
}

describe("direct simulated board", () => {
  it("reports exactly the counts the virtual Firmata board reports, for the same cuff and the same commands", async () => {
    const SAMPLES = 1200;
    const scenario = parseScenario({ name: "same cuff twice", seed: 11, limb: "arm" });
    const direct = simBoard(createPlant(scenario, profile) as unknown as TestPlant);

    const clock = new ManualClock();
    const [hostEnd, boardEnd] = duplexPair();
    const virtual = new VirtualBoard(boardEnd, { plant: createPlant(scenario, profile), clock, profile });
    const host = new RawHost(hostEnd, clock);
    const pwm = (pin: number, v: number) => [0xe0 | pin, v & 0x7f, v >> 7];
    const guardMsg = (...p: number[]) => [0xf0, GUARD_SYSEX, ...p, 0xf7];

    // Same script on both: arm, inflate hard for 6 s, hold 2 s, vent 4 s; keep-alive every sample.
    const demand = (t: number) => (t < 6 ? { pump: 1, vent: 0 } : t < 8 ? { pump: 0, vent: 0 } : { pump: 0, vent: 1 });
    host.send([0xf4, 5, 3, 0xf4, 9, 3, 0xc0, 1, ...guardMsg(...encodeGuardConfigure(300, tripCounts))]);
    direct.board.configureGuard(300, tripCounts);
    const command = (t: number) => {
      const d = demand(t);
      host.send([...pwm(5, Math.round(d.pump * 255)), ...pwm(9, Math.round((1 - d.vent) * 255)), ...guardMsg(GuardSubcommand.KEEPALIVE)]);
      direct.board.setPump(d.pump);
      direct.board.setVent(d.vent);
      direct.board.keepAlive();
    };
    command(0);
    await flush();
    for (let i = 1; i <= SAMPLES; i++) {
      // advance() adds 10 ms exactly as the board's own timers do, so both land on the same instants.
      clock.advance(SIM_STEP_SECONDS);
      await flush();
      direct.run(SIM_STEP_SECONDS);
      command(clock.nowSeconds());
      await flush();
    }
    virtual.dispose();
    const viaFirmata = host.analog(0).map((m) => m.value);
    const viaDirect = direct.samples.map((s) => s.counts);
    expect(viaFirmata).toHaveLength(SAMPLES);
    expect(viaDirect).toEqual(viaFirmata);
    // And it was a real inflation of an arm cuff: over 120 mmHg after 6 s of pump, vented after.
    expect(viaDirect[599]!).toBeGreaterThan(mmhgToCounts(profile, 120));
    expect(viaDirect[SAMPLES - 1]!).toBeLessThan(mmhgToCounts(profile, 15));
  });

  it("vents exactly at the keep-alive deadline and tells the host once", () => {
    const { board, plant, guard, run } = simBoard();
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    board.setPump(1);
    board.keepAlive();
    run(0.2, () => board.keepAlive());
    const lastKeepAlive = 0.2;
    run(0.6);
    let t = 0;
    const pumpedUntil = plant.steps.reduce((end, s) => ((t += s.dt), s.pumpDuty > 0 ? t : end), 0);
    expect(pumpedUntil).toBeCloseTo(lastKeepAlive + 0.3, 9);
    expect(guard.filter((e) => e.kind === "tripped")).toEqual([{ kind: "tripped", reason: GuardReason.KEEPALIVE_LOST, lastCounts: expect.any(Number), lastSecondaryCounts: expect.any(Number) }]);
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
  });

  it("splits the physics step when the deadline falls inside a sample period", () => {
    const { board, clock, plant, run } = simBoard();
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    board.setPump(1);
    run(0.1);
    // A keep-alive from a timer 4 ms into a period: the deadline lands at 0.404 s.
    clock.advanceTo(0.104);
    board.keepAlive();
    clock.advanceTo(0.11);
    board.advance(0.01);
    run(0.5);
    let t = 0;
    const pumpedUntil = plant.steps.reduce((end, s) => ((t += s.dt), s.pumpDuty > 0 ? t : end), 0);
    expect(pumpedUntil).toBeCloseTo(0.404, 9);
  });

  it("trips at 320 mmHg on its own reading when the vent is stuck shut and the pump keeps running", () => {
    const scenario = parseScenario({ name: "stuck vent", limb: "leg", faults: [{ at: 0, kind: "valve-stuck-closed" }] });
    const plant = createPlant(scenario, profile);
    const { board, guard, run } = simBoard(plant as unknown as TestPlant);
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    board.setPump(1);
    let peak = 0;
    run(60, () => {
      board.keepAlive();
      board.setPump(1);
      peak = Math.max(peak, plant.trueMmhg());
    });
    const trip = guard.find((e) => e.kind === "tripped");
    expect(trip).toMatchObject({ reason: GuardReason.OVERPRESSURE });
    expect((trip as { lastCounts: number }).lastCounts).toBeGreaterThanOrEqual(tripCounts);
    expect(board.effectiveActuation().pump).toBe(0);
    expect(peak).toBeLessThan(profile.guard.tripMmhg + 5);
  });

  it("unplug: power lost (pump off, vent open), onLost once, no more samples, the cuff deflates", () => {
    const { board, plant, samples, lost, run } = simBoard(new TestPlant({ startMmhg: 200 }));
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    run(0.1, () => board.keepAlive());
    const count = samples.length;
    board.unplug();
    board.setVent(0);
    board.setPump(1);
    run(5);
    expect(lost).toEqual(["the board was unplugged"]);
    expect(samples).toHaveLength(count);
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
    expect(plant.trueMmhg()).toBeLessThan(15);
  });

  it("stopSampling (a hung loop): the controller gets no samples, so no keep-alives, and the guard vents", () => {
    const { board, samples, run } = simBoard();
    board.onSample(() => board.keepAlive());
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    board.setPump(1);
    run(0.5);
    expect(board.guardStatus().state).toBe(GuardState.ARMED);
    board.stopSampling();
    const count = samples.length;
    run(0.31);
    expect(samples).toHaveLength(count);
    expect(board.guardStatus()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.KEEPALIVE_LOST });
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
  });

  it("boots SAFE, ignores writes until configured, and a reset forgets everything", () => {
    const { board, run } = simBoard();
    board.setPump(1);
    board.setVent(0);
    run(0.1);
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
    board.configureGuard(300, tripCounts);
    board.setPump(0.6);
    expect(board.effectiveActuation().pump).toBeCloseTo(153 / 255, 9);
    board.reset();
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
    expect(board.guardStatus()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP });
  });

  it("refuses a profile whose vent shares the pump's pin, naming the field", () => {
    const bad = { ...profile, pins: { ...profile.pins, vent: profile.pins.pump } };
    expect(() => new SimBoard(new TestPlant(), bad, new ManualClock())).toThrow(/hardware profile: pins\.vent: D5 is already the pump pin/);
  });

  it("close() vents the cuff", async () => {
    const { board } = simBoard();
    board.configureGuard(300, tripCounts);
    board.setVent(0);
    board.setPump(1);
    await board.close();
    expect(board.effectiveActuation()).toEqual({ pump: 0, vent: 1 });
  });
});

describe("the firmware on the direct simulated board: an overpressure only the second sensor sees", () => {
  it("the guard vents at the next sample, the firmware faults and says which sensor, the first sensor reading normal", () => {
    const plant = createPlant(parseScenario({ name: "arm at 150 mmHg", limb: "arm", seed: 5 }), profile);
    const { clock, board, run } = simBoard(plant as unknown as TestPlant);
    const runtime = startFirmware({ profile, board, clock, hostSilence: { policy: "continue", timeoutSeconds: 600 } });
    const events: FirmwareBody[] = [];
    runtime.subscribe((m) => events.push(m));
    run(0.5);
    expect(runtime.command({ v: 1, seq: 1, type: "zero", cuff: 0 })).toEqual({ ok: true });
    run(3);
    // the limb's LOP, as the cuff's own measurement would have given it
    runtime.controller.lop.confirm(plant.lopTrueMmhg, "arm", null);
    expect(runtime.command({ v: 1, seq: 2, type: "hold", cuff: 0, target: { mmhg: 150 } })).toEqual({ ok: true });
    run(15);
    expect(Math.abs(plant.trueMmhg() - 150)).toBeLessThan(8);
    expect(board.guardStatus().state).toBe(GuardState.ARMED);
    // The second sensor alone steps 180 mmHg up, past the 320 mmHg trip; the first reads the cuff.
    plant.injectFault("sensor-offset-jump", { sensor: 1, mmhg: 180 });
    const faultAt = clock.nowSeconds();
    let safeAt: number | null = null;
    run(0.05, () => {
      const { pump, vent } = board.effectiveActuation();
      if (safeAt === null && pump === 0 && vent === 1) safeAt = clock.nowSeconds();
    });
    expect(safeAt).not.toBeNull();
    console.log(`second sensor overpressure on the direct simulated board: safe after ${((safeAt! - faultAt) * 1000).toFixed(0)} ms`);
    expect(safeAt! - faultAt).toBeLessThanOrEqual(SIM_STEP_SECONDS + 1e-9);
    expect(board.guardStatus()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE_SECONDARY });
    expect(board.guardStatus().lastCounts).toBeLessThan(tripCounts);
    const alarm = events.find((e) => e.type === "alarm" && e.kind === "guard-tripped");
    expect(alarm).toMatchObject({ detail: expect.stringMatching(/second pressure sensor/) });
    runtime.stop();
  });
});
