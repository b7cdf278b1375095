/**
 * Host <-> link <-> controller <-> simulated board and cuff, in-process, in
 * virtual time: the firmware's sim stack with the real host client.
 */
import { describe, expect, it, vi } from "vitest";
import { parseScenario } from "../../hardware/sim/scenario.ts";
import { ManualClock } from "../../shared/clock.ts";
import { GuardState } from "../../shared/guard.ts";
import { createSimStack, type SimStack } from "../../hardware/sim/sim-stack.ts";
import { CuffClient, type CuffEvent } from "../../host/client/client.ts";
import { planFromOptions } from "../../host/cli/plan-options.ts";
import { runSession } from "../../host/session/runner.ts";
import { SimulatedAthlete } from "../../hardware/sim/athlete.ts";
import type { TelemetryMessage } from "../../shared/protocol/index.ts";
import { duplexConnector } from "../../host/client/stream-port.ts";

interface Rig {
  clock: ManualClock;
  stack: SimStack;
  client: CuffClient;
  athlete: SimulatedAthlete;
  telemetry: TelemetryMessage[];
  events: CuffEvent[];
}

async function rig(cable = { plugged: true }): Promise<Rig> {
  const clock = new ManualClock();
  const stack = createSimStack({ clock, scenario: parseScenario({ name: "whole stack", seed: 3, limb: "leg", subject: { lopMmhg: 195 } }) });
  let first = true;
  const connect = async () => {
    if (first) {
      first = false;
      return stack.hostStream;
    }
    if (!cable.plugged) throw new Error("there is no serial port at /dev/ttyACM0");
    return stack.replugLink();
  };
  const client = await drive(stack, CuffClient.open({ connect: duplexConnector(connect), clock, instance: "whole-stack" }), 10);
  const athlete = new SimulatedAthlete(client, stack.plant, clock, () => 0.5);
  const telemetry: TelemetryMessage[] = [];
  const events: CuffEvent[] = [];
  client.telemetry$.subscribe((m) => telemetry.push(m));
  client.events$.subscribe((e) => events.push(e));
  return { clock, stack, client, athlete, telemetry, events };
}

/** Advance the sim until the promise settles (virtual time only). */
async function drive<T>(stack: SimStack, promise: Promise<T>, limitSeconds: number): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  for (let t = 0; t < limitSeconds && !settled; t += 0.1) await stack.advance(0.1);
  if (!settled) throw new Error(`not settled within ${limitSeconds} simulated seconds`);
  return tracked;
}

async function driveUntil(stack: SimStack, test: () => boolean, limitSeconds: number): Promise<void> {
  for (let t = 0; t < limitSeconds && !test(); t += 0.05) await stack.advance(0.05);
  if (!test()) throw new Error(`condition not met within ${limitSeconds} simulated seconds`);
}

async function teardown(r: Rig): Promise<void> {
  r.athlete.dispose();
  await r.client.close();
  await r.stack.close();
}

const plan = planFromOptions({}, "leg", 195, null);

describe("whole stack, in-process", () => {
  it("runs a full 30-15-15-15 session, holds through the rests, and ends vented", async () => {
    const r = await rig();
    const summary = await drive(r.stack, runSession({ client: r.client, clock: r.clock, limb: "leg", plan }), 600);
    expect(summary.ok).toBe(true);
    expect(summary.sets.map((s) => s.planned)).toEqual([30, 15, 15, 15]);
    expect(summary.targetMmhg).toBeCloseTo(156, 0);
    const phases = r.events.filter((e) => e.type === "phase").map((e) => (e.type === "phase" ? `${e.phase}${e.set ?? ""}` : ""));
    expect(phases).toEqual(["lop", "deflate", "inflate", "set1", "rest1", "set2", "rest2", "set3", "rest3", "set4", "deflate"]);
    // rests hold the pressure: within +-5 % of the target for nearly every frame
    const rest = r.telemetry.filter((m) => m.phase === "rest");
    const held = rest.filter((m) => Math.abs(m.mmhg - summary.targetMmhg!) <= 0.05 * summary.targetMmhg!).length / rest.length;
    expect(rest.length).toBeGreaterThan(3 * 30 * 19);
    expect(held).toBeGreaterThan(0.97);
    // outside the cuff's own LOP measurement (which checks the given 195 mmHg), never at or above LOP
    expect(Math.max(...r.telemetry.filter((m) => m.phase !== "lop").map((m) => m.mmhg))).toBeLessThan(195);
    expect(r.client.state).toBe("vented");
    expect(r.stack.plant.trueMmhg()).toBeLessThan(15);
    await teardown(r);
  });

  it("host killed mid-set: the firmware's host-silence policy vents the cuff within about 2 s", async () => {
    const r = await rig();
    void runSession({ client: r.client, clock: r.clock, limb: "leg", plan }).catch(() => undefined);
    await driveUntil(r.stack, () => r.events.some((e) => e.type === "phase" && e.phase === "set" && e.set === 2), 300);
    await r.stack.advance(5);
    expect(r.stack.plant.trueMmhg()).toBeGreaterThan(120);
    const killedAt = r.clock.nowSeconds();
    // the host process dies: no deflate, no goodbye, heartbeats stop
    r.athlete.dispose();
    await r.client.close();
    let ventStartedAt: number | null = null;
    for (let i = 0; i < 200 && r.stack.plant.trueMmhg() >= 15; i++) {
      await r.stack.advance(0.05);
      if (ventStartedAt === null && r.stack.controller.stateName !== "regulating") ventStartedAt = r.clock.nowSeconds();
    }
    expect(ventStartedAt).not.toBeNull();
    const silenceSeconds = ventStartedAt! - killedAt;
    // 2 s after the last heartbeat, which went out up to 0.5 s before the kill
    expect(silenceSeconds).toBeGreaterThanOrEqual(1.45);
    expect(silenceSeconds).toBeLessThanOrEqual(2.1);
    expect(r.stack.plant.trueMmhg()).toBeLessThan(15);
    console.log(`host killed mid-set: venting began ${silenceSeconds.toFixed(2)} s later, below 15 mmHg ${(r.clock.nowSeconds() - killedAt).toFixed(2)} s later`);
    await r.stack.close();
  });

  it("with --host-silence continue, a host killed mid-set leaves the cuff to finish on its own and vent", async () => {
    const r = await rig();
    void runSession({ client: r.client, clock: r.clock, limb: "leg", plan, hostSilence: { policy: "continue", timeoutSeconds: 2 } }).catch(() => undefined);
    await driveUntil(r.stack, () => r.events.some((e) => e.type === "phase" && e.phase === "set" && e.set === 2), 300);
    await r.stack.advance(3);
    r.athlete.dispose();
    await r.client.close();
    await r.stack.advance(6);
    // still holding the pressure well after the 2 s silence
    expect(r.stack.plant.trueMmhg()).toBeGreaterThan(120);
    for (let i = 0; i < 1200 && r.stack.controller.stateName !== "vented"; i++) await r.stack.advance(0.5);
    expect(r.stack.controller.stateName).toBe("vented");
    expect(r.stack.plant.trueMmhg()).toBeLessThan(20);
    await r.stack.close();
  });

  it("cable pulled and re-plugged: reconnects, resynchronises, and a command whose ack was lost runs once", async () => {
    const r = await rig();
    const done = runSession({ client: r.client, clock: r.clock, limb: "leg", plan });
    done.catch(() => undefined);
    await driveUntil(r.stack, () => r.events.some((e) => e.type === "phase" && e.phase === "set" && e.set === 2), 300);
    await r.stack.advance(3);
    r.athlete.dispose(); // the person taps "set done" by hand below
    const runtime = r.stack.runtime;
    const original = runtime.command.bind(runtime);
    let pulled = false;
    // the firmware executes "set done", then the cable is pulled before its ack goes out
    const executed = vi.spyOn(runtime, "command").mockImplementation((message) => {
      const result = original(message);
      if (message.type === "set-done" && !pulled) {
        pulled = true;
        r.stack.unplugLink();
      }
      return result;
    });
    const statuses: string[] = [];
    r.client.status$.subscribe((s) => statuses.push(`${s.state}/${s.phase}/set ${s.set}`));
    const connections: string[] = [];
    r.client.connection$.subscribe((c) => connections.push(c));
    const setDone = r.client.setDone();
    await drive(r.stack, setDone, 15);
    expect(pulled).toBe(true);
    expect(connections).toEqual(["connected", "reconnecting", "connected"]);
    expect(executed.mock.calls.filter(([m]) => m.type === "set-done")).toHaveLength(1);
    expect(statuses.at(-1)).toMatch(/^regulating\/rest\/set \d$/);
    // the session goes on from where it was: rest 2, then sets 3 and 4 in full
    const athlete = new SimulatedAthlete(r.client, r.stack.plant, r.clock, () => 0.5);
    const summary = await drive(r.stack, done, 400);
    athlete.dispose();
    expect(summary.ok).toBe(true);
    expect(summary.sets.map((s) => s.planned)).toEqual([30, 15, 15, 15]);
    const after = r.events.filter((e) => e.type === "phase").map((e) => (e.type === "phase" ? `${e.phase}${e.set ?? ""}` : ""));
    expect(after.slice(-5)).toEqual(["rest2", "set3", "rest3", "set4", "deflate"]);
    expect(r.stack.plant.trueMmhg()).toBeLessThan(15);
    await r.client.close();
    await r.stack.close();
  });

  it("cable out for 6 s mid-set: the firmware vents on host silence, and the host learns the outcome on reconnecting", async () => {
    const cable = { plugged: true };
    const r = await rig(cable);
    const done = runSession({ client: r.client, clock: r.clock, limb: "leg", plan });
    done.catch(() => undefined);
    await driveUntil(r.stack, () => r.events.some((e) => e.type === "phase" && e.phase === "set" && e.set === 2), 300);
    await r.stack.advance(3);
    cable.plugged = false;
    r.stack.unplugLink();
    const pulledAt = r.clock.nowSeconds();
    await r.stack.advance(6);
    // no host for 6 s: the cuff has vented by itself
    expect(r.stack.plant.trueMmhg()).toBeLessThan(20);
    cable.plugged = true;
    const summary = await drive(r.stack, done, 30);
    expect(summary.ok).toBe(false);
    expect(summary.endReason).toMatch(/host/);
    expect(summary.alarms.map((a) => a.kind)).toContain("host-silent");
    expect(r.client.connected).toBe(true);
    expect(r.clock.nowSeconds() - pulledAt).toBeLessThan(6 + 4.5); // reconnect backoff caps at 4 s
    await teardown(r);
  });

  it("firmware hangs mid-set: the board's guard vents the cuff, and the host shows the link lost", async () => {
    const r = await rig();
    const done = runSession({ client: r.client, clock: r.clock, limb: "leg", plan });
    done.catch(() => undefined);
    await driveUntil(r.stack, () => r.events.some((e) => e.type === "phase" && e.phase === "set" && e.set === 2), 300);
    await r.stack.advance(3);
    const connection: string[] = [];
    r.client.connection$.subscribe((c) => connection.push(c));
    const hungAt = r.clock.nowSeconds();
    r.stack.runtime.hang();
    let ventingAt: number | null = null;
    for (let i = 0; i < 400 && r.stack.plant.trueMmhg() >= 15; i++) {
      await r.stack.advance(0.025);
      if (ventingAt === null && r.stack.board.guardStatus().state === GuardState.TRIPPED) ventingAt = r.clock.nowSeconds();
    }
    expect(r.stack.plant.trueMmhg()).toBeLessThan(15);
    // the guard's keep-alive deadline, not any software, ended the inflation
    expect(ventingAt).not.toBeNull();
    expect(ventingAt! - hungAt).toBeLessThanOrEqual(0.5);
    await r.stack.advance(2);
    expect(connection).toContain("reconnecting");
    console.log(`firmware hung mid-set: guard acted ${ventingAt === null ? "?" : (ventingAt - hungAt).toFixed(3)} s later; cuff below 15 mmHg ${(r.clock.nowSeconds() - 2 - hungAt).toFixed(2)} s later; host saw the link lost`);
    r.athlete.dispose();
    await r.client.close();
    await r.stack.close();
  });
});
