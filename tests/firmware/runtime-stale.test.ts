/**
 * The runtime's stale-sample check on a computer that can hold the program up: a check
 * that runs late (the process was not running) waits for the samples queued meanwhile,
 * while a board that really goes silent still faults, vented, within about a quarter of a second.
 */
import { describe, expect, it } from "vitest";
import { referenceProfile } from "../../hardware/profile.ts";
import type { CuffBoard, PressureSample } from "../../firmware/board/board.ts";
import { createController } from "../../firmware/factory.ts";
import { FirmwareRuntime } from "../../firmware/runtime.ts";
import type { Cancellable, Clock } from "../../shared/clock.ts";

/** Wall time a test moves; timers fire on time while the process runs, late after a hold-up. */
class HoldUpClock implements Clock {
  private now = 0;
  private timers: { due: number; callback: () => void; cancelled: boolean }[] = [];

  nowSeconds(): number {
    return this.now;
  }

  schedule(delaySeconds: number, callback: () => void): Cancellable {
    const timer = { due: this.now + delaySeconds, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** The process runs until `t`: each timer fires at its due time. */
  runTo(t: number): void {
    for (;;) {
      const next = this.next(t);
      if (!next) break;
      this.now = Math.max(this.now, next.due);
      next.callback();
    }
    this.now = t;
  }

  /** The process does not run for `seconds`; then the timers that fell due fire, late, before any input. */
  holdUp(seconds: number): void {
    this.now += seconds;
    for (;;) {
      const next = this.next(this.now);
      if (!next) break;
      next.callback();
    }
  }

  private next(limit: number) {
    this.timers = this.timers.filter((t) => !t.cancelled);
    const due = this.timers.filter((t) => t.due <= limit + 1e-9).sort((a, b) => a.due - b.due)[0];
    if (due) due.cancelled = true;
    return due;
  }
}

function rig() {
  const profile = referenceProfile();
  const clock = new HoldUpClock();
  const listeners = new Set<(s: PressureSample) => void>();
  const outputs = { pump: 0, vent: 1 };
  const board: CuffBoard = {
    onSample: (l) => (listeners.add(l), () => listeners.delete(l)),
    onGuard: () => () => undefined,
    onLost: () => () => undefined,
    setPump: (d) => void (outputs.pump = d),
    setVent: (o) => void (outputs.vent = o),
    keepAlive: () => undefined,
    configureGuard: () => undefined,
    clearGuard: () => undefined,
    queryGuard: () => undefined,
    close: async () => undefined,
  };
  const runtime = new FirmwareRuntime(createController(profile), board, clock, profile);
  runtime.start();
  const stale: number[] = [];
  const alarms: string[] = [];
  runtime.subscribe((m) => {
    if (m.type === "alarm") alarms.push(`${m.kind}: ${m.detail}`);
    if (m.type === "alarm" && m.kind === "sensor-stale") stale.push(clock.nowSeconds());
  });
  // the zero reading of each sensor, as the board's ADC reports it
  const zeroOf = (s: { zeroVolts: number; adcFullScaleVolts: number; adcBits: number }) => Math.round((s.zeroVolts / s.adcFullScaleVolts) * (2 ** s.adcBits - 1));
  const zeroCounts = zeroOf(profile.sensor);
  const secondaryCounts = profile.secondarySensor ? zeroOf(profile.secondarySensor) : null;
  const sample = () => {
    for (const l of listeners) l({ tSeconds: clock.nowSeconds(), counts: zeroCounts, secondaryCounts });
  };
  /** The board samples every 10 ms until `t`, the process running. */
  const samplesTo = (t: number) => {
    for (let s = Math.round(clock.nowSeconds() * 100) + 1; s <= Math.round(t * 100); s++) {
      clock.runTo(s / 100);
      sample();
    }
  };
  return { clock, runtime, outputs, stale, alarms, sample, samplesTo };
}

describe("the stale-sample check", () => {
  it("a process held up 0.5 s with samples queued behind its timers does not fault", () => {
    const r = rig();
    r.samplesTo(1);
    r.clock.holdUp(0.5);
    // the 50 samples the board sent meanwhile, read once the due timers have run
    for (let i = 0; i < 50; i++) r.sample();
    r.samplesTo(2);
    expect(r.alarms).toEqual([]);
    expect(r.runtime.controller.stateName).not.toBe("fault");
  });

  it("a board that goes silent faults within 0.28 s (before the board's own 300 ms guard), pump off and vent open", () => {
    const r = rig();
    r.samplesTo(1);
    r.clock.runTo(1.5);
    expect(r.stale).toHaveLength(1);
    expect(r.stale[0]! - 1).toBeGreaterThan(0.25);
    expect(r.stale[0]! - 1).toBeLessThanOrEqual(0.28);
    expect(r.outputs).toEqual({ pump: 0, vent: 1 });
  });

  it("a board that went silent while the process was held up faults at the first check after it", () => {
    const r = rig();
    r.samplesTo(1);
    r.clock.holdUp(0.5);
    expect(r.stale).toEqual([]);
    r.clock.runTo(2);
    expect(r.stale).toHaveLength(1);
    // judged on the next check, 20 ms after the process runs again
    expect(r.stale[0]! - 1.5).toBeLessThanOrEqual(0.03);
    expect(r.outputs).toEqual({ pump: 0, vent: 1 });
  });
});
