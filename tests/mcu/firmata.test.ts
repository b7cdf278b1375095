/** The Firmata subset of the image, byte by byte, on the simulated AVR. */
import { afterEach, expect, it } from "vitest";
import { mmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { GuardState, encodeGuardConfigure } from "../../shared/guard.ts";
import { describeMcu, RawRig } from "./setup.ts";

const profile = referenceProfile();
const [INPUT, OUTPUT, ANALOG, PWM, PULLUP] = [0x00, 0x01, 0x02, 0x03, 0x0b];
const PUMP = 5;
const VENT = 9;

const rigs: RawRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function boot(mmhg = 100): Promise<RawRig> {
  const rig = await RawRig.booted({ sensorCounts: () => mmhgToCounts(profile, mmhg) });
  rigs.push(rig);
  return rig;
}

async function armedRig(): Promise<RawRig> {
  const rig = await boot();
  rig.configure(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg));
  await rig.sim.advance(0.005);
  expect(rig.statuses().at(-1)?.state).toBe(GuardState.ARMED);
  return rig;
}

async function reply(rig: RawRig, id: number, ...query: number[]): Promise<number[]> {
  const before = rig.sysex(id).length;
  rig.send(0xf0, ...query, 0xf7);
  await rig.sim.advanceUntil(() => rig.sysex(id).length > before, 0.05);
  return rig.sysex(id)[before]!.data;
}

describeMcu("Firmata on the simulated ATmega328P", () => {
  it("answers the capability, analog-mapping and firmware queries with the board's pins", async () => {
    const rig = await boot();
    const capabilities = await reply(rig, 0x6c, 0x6b);
    const perPin: number[][] = [];
    let current: number[] = [];
    for (const byte of capabilities) {
      if (byte === 0x7f) {
        perPin.push(current);
        current = [];
      } else current.push(byte);
    }
    expect(perPin).toHaveLength(20);
    expect(perPin[2]).toEqual([INPUT, 1, PULLUP, 1]);
    expect(perPin[PUMP]).toEqual([INPUT, 1, OUTPUT, 1, PWM, 8]);
    expect(perPin[VENT]).toEqual([INPUT, 1, OUTPUT, 1, PWM, 8]);
    expect(perPin[14]).toEqual([ANALOG, profile.sensor.adcBits]);
    // A1 is the second sensor on the ATmega's own 10-bit ADC.
    expect(perPin[15]).toEqual([ANALOG, profile.secondarySensor!.adcBits]);
    // D0/D1 carry the link, A4/A5 the ADS1115; nothing else is offered.
    expect(perPin.filter((modes) => modes.length > 0)).toHaveLength(5);
    const mapping = await reply(rig, 0x6a, 0x69);
    expect(mapping).toEqual(Array.from({ length: 20 }, (_, pin) => (pin === 14 ? 0 : pin === 15 ? 1 : 0x7f)));
    const firmware = await reply(rig, 0x79, 0x79);
    const name = String.fromCharCode(...firmware.slice(2).filter((_, i) => i % 2 === 0));
    expect(firmware.slice(0, 2)).toEqual([1, 0]);
    expect(name).toBe("cuff_guard");
  });

  it("answers PIN_STATE with the mode and the level the pin carries", async () => {
    const rig = await armedRig();
    rig.send(0xf4, PUMP, PWM, 0xe0 | PUMP, 200 & 0x7f, 200 >> 7);
    expect(await reply(rig, 0x6e, 0x6d, PUMP)).toEqual([PUMP, PWM, 200 & 0x7f, 200 >> 7]);
    rig.send(0xf4, VENT, OUTPUT, 0xf5, VENT, 1);
    expect(await reply(rig, 0x6e, 0x6d, VENT)).toEqual([VENT, OUTPUT, 1, 0]);
    expect(rig.sim.levels()).toEqual({ pump: 200 / 255, vent: 1 });
  });

  it("applies digital writes to OUTPUT pins and analog writes to PWM pins, and nothing else", async () => {
    const rig = await armedRig();
    rig.send(0xf4, PUMP, OUTPUT, 0xf4, VENT, PWM);
    rig.send(0x90, 1 << PUMP, 0x00); // port 0: D5 high
    rig.send(0x91, 1 << (VENT - 8), 0x00); // port 1: D9 is in PWM mode, ignored
    await rig.sim.advance(0.005);
    expect(rig.sim.levels()).toEqual({ pump: 1, vent: 0 });
    rig.send(0xe0 | PUMP, 0x40, 0x00); // analog write to an OUTPUT pin: ignored
    rig.send(0xf0, 0x6f, VENT, 100, 0, 0xf7); // EXTENDED_ANALOG 100 to the PWM vent
    await rig.sim.advance(0.005);
    expect(rig.sim.levels()).toEqual({ pump: 1, vent: 100 / 255 });
    rig.send(0xf4, PUMP, INPUT); // a pin that stops being an output leaves its MOSFET off
    await rig.sim.advance(0.005);
    expect(rig.sim.levels().pump).toBe(0);
  });

  it("reports at the sampling interval the host asks for, never faster than its 100 Hz samples", async () => {
    const rig = await boot();
    rig.send(0xf0, 0x7a, 50, 0, 0xf7, 0xc0, 0x01);
    await rig.sim.advance(0.5);
    const slow = rig.analog(0);
    const slowGaps = slow.slice(1).map((m, i) => m.t - slow[i]!.t);
    expect(slow.length).toBeGreaterThanOrEqual(9);
    for (const gap of slowGaps) expect(gap).toBeCloseTo(0.05, 2);
    rig.send(0xf0, 0x7a, 2, 0, 0xf7);
    await rig.sim.advance(0.2);
    const fast = rig.analog(0).slice(slow.length + 1);
    for (const gap of fast.slice(1).map((m, i) => m.t - fast[i]!.t)) expect(gap).toBeCloseTo(0.01, 3);
    rig.send(0xc0, 0x00);
    await rig.sim.advance(0.02);
    const stopped = rig.analog(0).length;
    await rig.sim.advance(0.1);
    expect(rig.analog(0).length).toBe(stopped);
  });

  it("shrugs off garbage: truncated and oversized messages change nothing and the link keeps working", async () => {
    const rig = await armedRig();
    rig.send(0xf4, PUMP, PWM, 0xe0 | PUMP, 0x7f, 0x01);
    rig.guard([0x02]);
    await rig.sim.advance(0.005);
    expect(rig.sim.levels().pump).toBe(1);
    const configureToZero = [0xf0, 0x0c, ...encodeGuardConfigure(50, 0)];
    rig.send(...configureToZero, 0xe0 | PUMP, 0x00); // truncated sysex cut off by a command, itself truncated
    rig.send(0xf0, 0x0c, 0x01, ...Array.from({ length: 70 }, () => 0x10), 0xf7); // longer than the 64-byte sysex buffer
    rig.send(0x12, 0x34, 0x7f, 0xf8, 0xfe, 0xf7, 0x00); // stray data and unknown status bytes
    rig.guard([0x02]);
    await rig.sim.advance(0.02);
    expect(rig.sim.levels().pump).toBe(1);
    const status = await rig.status();
    expect(status).toMatchObject({ state: GuardState.ARMED, deadlineMs: profile.guard.keepAliveDeadlineMs });
    rig.send(0xe0 | PUMP, 0x00, 0x00);
    await rig.sim.advance(0.005);
    expect(rig.sim.levels().pump).toBe(0);
  });
});

describeMcu("Firmata under a flood", () => {
  it("a burst of queries neither starves the guard nor trips the watchdog", async () => {
    const rig = await armedRig();
    rig.send(0xf4, PUMP, PWM, 0xe0 | PUMP, 0x7f, 0x01);
    rig.guard([0x02]);
    await rig.sim.advance(0.005);
    let lastKeepAliveAt = rig.sim.timeSeconds;
    // 60 capability queries (about 3.7 kB of answers) with keep-alives every 100 ms for 1 s.
    for (let i = 0; i < 60; i++) rig.send(0xf0, 0x6b, 0xf7);
    for (let step = 0; step < 10; step++) {
      rig.guard([0x02]);
      lastKeepAliveAt = rig.sim.timeSeconds;
      await rig.sim.advance(0.1);
    }
    expect(rig.messages.filter((m) => m.kind === "version")).toHaveLength(1);
    expect(rig.sysex(0x6c).length).toBeGreaterThan(10);
    expect(rig.sim.levels().pump).toBe(1);
    // Then silence: the deadline still holds.
    expect(await rig.sim.advanceUntil(() => rig.sim.levels().pump === 0, 1)).not.toBeNull();
    const ventedAt = rig.sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    expect(ventedAt - lastKeepAliveAt).toBeLessThan(profile.guard.keepAliveDeadlineMs / 1000 + 0.06);
  });
});
