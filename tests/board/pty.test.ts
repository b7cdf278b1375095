/**
 * The virtual board behind a real pseudo-terminal, reached through serialport's
 * native binding exactly like a board on /dev/ttyUSB0. Real pty I/O has latency,
 * so virtual time advances in small steps with short real waits between them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { countsToMmhg, mmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { SOCAT_MISSING, socatAvailable, startVirtualBoardOnPty, type PtyBoard } from "../../hardware/sim/pty.ts";
import { connectJohnnyFiveBoard, type JohnnyFiveBoard } from "../../firmware/board/johnny-five-board.ts";
import type { PressureSample } from "../../firmware/board/board.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GuardReason, GuardState, type GuardReasonValue } from "../../shared/guard.ts";
import { TestPlant } from "./test-plant.ts";

const profile = referenceProfile();
const haveSocat = socatAvailable();
if (!haveSocat) {
  if (process.env.CI === "true") throw new Error(`pty tests need socat on CI: ${SOCAT_MISSING}`);
  console.warn(`\n*** SKIPPING the pty tests: ${SOCAT_MISSING} ***\n`);
}

const realWait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait (really) until a condition holds, bounded. */
async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting on the pty");
    await realWait(1);
  }
}

/**
 * Lock-step over real I/O: advance virtual time one sampling interval, then wait
 * for that interval's sample to cross the pty before moving on, so the host's
 * replies (keep-alives) are never starved by a busy machine.
 */
async function samplesFor(clock: ManualClock, samples: readonly PressureSample[], seconds: number): Promise<void> {
  const ticks = Math.round(seconds / 0.01);
  for (let i = 0; i < ticks; i++) {
    const seen = samples.length;
    clock.advance(0.01);
    await until(() => samples.length > seen);
  }
}

/** Advance virtual time finely without waiting for I/O (for what the board does on its own). */
async function boardOnlyFor(clock: ManualClock, seconds: number, each: () => void): Promise<void> {
  const end = clock.nowSeconds() + seconds;
  while (clock.nowSeconds() < end - 1e-12) {
    clock.advanceTo(Math.min(end, clock.nowSeconds() + 0.001));
    each();
  }
}

let pty: PtyBoard | null = null;
let host: JohnnyFiveBoard | null = null;
afterEach(async () => {
  await host?.close();
  await pty?.close();
  host = null;
  pty = null;
});

describe.skipIf(!haveSocat)("virtual board on a pty, real serialport binding", () => {
  it("johnny-five connects by path, reads the pressure pin and drives pump and vent of the simulated cuff", async () => {
    const clock = new ManualClock();
    const plant = createPlant(parseScenario({ name: "arm cuff on a pty", limb: "arm", seed: 5 }), profile);
    pty = await startVirtualBoardOnPty({ plant, clock, profile });
    expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
    // The board announced itself before anyone listened; the host asks again after 50 ms.
    host = await connectJohnnyFiveBoard({ path: pty.path, clock, profile, reportVersionTimeoutMs: 50, connectTimeoutSeconds: 5 });
    expect(host.guardStatus()).toMatchObject({ state: GuardState.ARMED, deadlineMs: profile.guard.keepAliveDeadlineMs });
    const board = host;
    const samples: PressureSample[] = [];
    board.onSample((s) => {
      samples.push(s);
      board.keepAlive();
    });
    await samplesFor(clock, samples, 0.1);
    expect(samples).toHaveLength(10);
    expect(samples.at(-1)!.counts).toBe(plant.sensorCounts());

    board.setVent(0);
    board.setPump(1);
    await until(() => pty!.board.outputs().pumpDuty === 1 && pty!.board.outputs().ventOpening === 0);
    await samplesFor(clock, samples, 3);
    expect(plant.trueMmhg()).toBeGreaterThan(30);
    expect(samples.at(-1)!.counts).toBe(plant.sensorCounts());
    expect(countsToMmhg(profile, samples.at(-1)!.counts)).toBeCloseTo(plant.sensorMmhg(), 1);
    expect(pty.board.guardStatus().state).toBe(GuardState.ARMED);

    board.setPump(0);
    board.setVent(1);
    await until(() => pty!.board.outputs().ventOpening === 1 && pty!.board.outputs().pumpDuty === 0);
  });

  it("the guard vents on the board's own clock when the host goes silent, and over the threshold", async () => {
    const clock = new ManualClock();
    const plant = new TestPlant({ startMmhg: 0 });
    pty = await startVirtualBoardOnPty({ plant, clock, profile });
    host = await connectJohnnyFiveBoard({ path: pty.path, clock, profile, reportVersionTimeoutMs: 50, connectTimeoutSeconds: 5 });
    const trips: GuardReasonValue[] = [];
    host.onGuard((e) => e.kind === "tripped" && trips.push(e.reason));
    // The keep-alive goes first: once the pump runs, the board has seen it.
    host.keepAlive();
    host.setVent(0);
    host.setPump(1);
    await until(() => pty!.board.outputs().pumpDuty === 1);
    const t0 = clock.nowSeconds();
    let ventedAt: number | null = null;
    await boardOnlyFor(clock, 0.4, () => {
      if (ventedAt === null && pty!.board.outputs().pumpDuty === 0) ventedAt = clock.nowSeconds();
    });
    expect(ventedAt! - t0).toBeCloseTo(profile.guard.keepAliveDeadlineMs / 1000, 6);
    await until(() => trips.length === 1);
    expect(trips[0]).toBe(GuardReason.KEEPALIVE_LOST);
    expect(host.guardStatus()?.state).toBe(GuardState.TRIPPED);

    host.clearGuard();
    await until(() => host!.guardStatus()?.state === GuardState.ARMED);
    plant.pressureMmhg = profile.guard.tripMmhg + 5;
    const t1 = clock.nowSeconds();
    let trippedAt: number | null = null;
    await boardOnlyFor(clock, 0.02, () => {
      if (trippedAt === null && pty!.board.guardStatus().state === GuardState.TRIPPED) trippedAt = clock.nowSeconds();
    });
    expect(trippedAt! - t1).toBeLessThanOrEqual(0.01 + 1e-9);
    await until(() => trips.length === 2);
    expect(trips[1]).toBe(GuardReason.OVERPRESSURE);
    expect(pty.board.guardStatus().lastCounts).toBeGreaterThanOrEqual(mmhgToCounts(profile, profile.guard.tripMmhg));
  });

  it("unplugging the board: samples stop, and the host's next write reports the lost link", async () => {
    const clock = new ManualClock();
    pty = await startVirtualBoardOnPty({ plant: new TestPlant(), clock, profile });
    host = await connectJohnnyFiveBoard({ path: pty.path, clock, profile, reportVersionTimeoutMs: 50, connectTimeoutSeconds: 5 });
    const board = host;
    const samples: PressureSample[] = [];
    board.onSample((s) => {
      samples.push(s);
      board.keepAlive();
    });
    const lost: string[] = [];
    board.onLost((reason) => lost.push(reason));
    await samplesFor(clock, samples, 0.05);
    pty.board.unplug();
    const count = samples.length;
    clock.advance(0.1);
    await realWait(20);
    expect(samples.length).toBe(count);
    // The device is gone; reading a hung-up pty only sees silence, so the loss shows on
    // the next write: what a controller sends once it sees the samples go stale.
    await until(() => {
      board.setPump(0);
      board.setVent(1);
      return lost.length > 0;
    });
    expect(lost[0]).toContain(pty.path);
  });
});
