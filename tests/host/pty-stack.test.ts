/**
 * Whole stack over a real pseudo-terminal: host client on serialport's native
 * binding <-> pty <-> link server <-> controller <-> simulated cuff. Virtual time
 * advances in lock-step with the real I/O: each 50 ms step waits (really, at
 * most 0.5 s) for that step's telemetry frame to cross the pty.
 */
import { afterEach, describe, expect, it } from "vitest";
import { SOCAT_MISSING, socatAvailable } from "../../hardware/sim/pty.ts";
import { CuffClient, type CuffEvent } from "../../host/client/client.ts";
import { serialConnector } from "../../host/client/transport.ts";
import { planFromOptions } from "../../host/cli/plan-options.ts";
import { runSession } from "../../host/session/runner.ts";
import { SimulatedAthlete } from "../../hardware/sim/athlete.ts";
import type { TelemetryMessage } from "../../shared/protocol/index.ts";
import { startPtyStack, type PtyStack } from "../../hardware/sim/pty-stack.ts";

const haveSocat = socatAvailable();
if (!haveSocat && process.env.CI === "true") throw new Error(`pty tests need socat on CI: ${SOCAT_MISSING}`);

const STEP_SECONDS = 0.05;

async function lockStep<T>(rig: PtyStack, lastFrameT: () => number, promise: Promise<T>, limitSeconds: number): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  const end = rig.clock.nowSeconds() + limitSeconds;
  while (!settled && rig.clock.nowSeconds() < end) {
    await rig.stack.advance(STEP_SECONDS);
    const due = rig.clock.nowSeconds() - STEP_SECONDS - 1e-6;
    const deadline = performance.now() + 500;
    while (lastFrameT() < due && performance.now() < deadline && !settled) await new Promise<void>((r) => setImmediate(r));
  }
  if (!settled) throw new Error(`not settled within ${limitSeconds} simulated seconds`);
  return tracked;
}

let rig: PtyStack | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

describe.skipIf(!haveSocat)("whole stack over a real pty", () => {
  it("a full 30-15-15-15 session runs, holds through the rests and ends vented", async () => {
    rig = await startPtyStack();
    const r = rig;
    let lastT = -1;
    const wallStart = performance.now();
    const client = await lockStep(r, () => Number.NEGATIVE_INFINITY, CuffClient.open({ connect: serialConnector(r.hostPath), clock: r.clock, label: r.hostPath }), 5);
    const telemetry: TelemetryMessage[] = [];
    const events: CuffEvent[] = [];
    client.telemetry$.subscribe((m) => {
      lastT = m.t;
      telemetry.push(m);
    });
    client.events$.subscribe((e) => events.push(e));
    const athlete = new SimulatedAthlete(client, r.stack.plant, r.clock, () => 0.5);
    const plan = planFromOptions({}, "leg", 195, null);
    const summary = await lockStep(r, () => lastT, runSession({ client, clock: r.clock, limb: "leg", plan }), 600);
    athlete.dispose();
    expect(summary.ok).toBe(true);
    const phases = events.filter((e) => e.type === "phase").map((e) => (e.type === "phase" ? `${e.phase}${e.set ?? ""}` : ""));
    expect(phases).toEqual(["lop", "deflate", "inflate", "set1", "rest1", "set2", "rest2", "set3", "rest3", "set4", "deflate"]);
    const rest = telemetry.filter((m) => m.phase === "rest");
    const held = rest.filter((m) => Math.abs(m.mmhg - summary.targetMmhg!) <= 0.05 * summary.targetMmhg!).length / rest.length;
    expect(held).toBeGreaterThan(0.97);
    expect(client.state).toBe("vented");
    expect(r.stack.plant.trueMmhg()).toBeLessThan(20);
    // every 50 ms frame crossed the pty: 20 Hz over the whole session, none lost
    const span = telemetry.at(-1)!.t - telemetry[0]!.t;
    expect(telemetry.length).toBeGreaterThanOrEqual(Math.floor(span * 20 * 0.99));
    console.log(`pty whole stack: ${span.toFixed(0)} simulated s, ${telemetry.length} frames, ${((performance.now() - wallStart) / 1000).toFixed(1)} s wall`);
    await client.close();
  });
});
