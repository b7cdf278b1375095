/**
 * The sketch's Firmata I2C for the distal pulse sensor, on the simulated ATmega328P
 * with a MAX30102 on its bus beside the ADS1115: byte by byte, then johnny-five's
 * reader through the project's board.
 */
import { afterEach, expect, it } from "vitest";
import { connectJohnnyFiveBoard, type JohnnyFiveBoard } from "../../firmware/board/johnny-five-board.ts";
import { decodeFifoData, MAX30102, max30102SetUp } from "../../hardware/max30102.ts";
import { mmhgToCounts, referenceProfile } from "../../hardware/profile.ts";
import { GUARD_SYSEX, GuardReason } from "../../shared/guard.ts";
import { SimavrBoard } from "../../hardware/sim/mcu/simavr-board.ts";
import type { DistalPulseChip } from "../../hardware/sim/plant.ts";
import { describeMcu, ensureBuilt, RawRig } from "./setup.ts";

const profile = referenceProfile();
const I2C_REQUEST = 0x76;
const I2C_REPLY = 0x77;

/** One new sample every 10 ms (the harness steps 1 ms), counting up: a lost or repeated sample shows. */
class CountingChip implements DistalPulseChip {
  private steps = 0;
  private next = 0;
  readFifo(): number[] {
    return ++this.steps % 10 === 0 ? [100_000 + this.next++] : [];
  }
  latestCounts(): number {
    return 100_000 + this.next - 1;
  }
}

const halves = (v: number) => [v & 0x7f, v >> 7];
const readOnce = (address: number, register: number, count: number) => [0xf0, I2C_REQUEST, address, 1 << 3, ...halves(register), ...halves(count), 0xf7];
const write = (address: number, register: number, value: number) => [0xf0, I2C_REQUEST, address, 0, ...halves(register), ...halves(value), 0xf7];
const bytesOf = (data: number[]) => data.slice(4).reduce<number[]>((out, b, i) => (i % 2 === 0 ? [...out, b] : (out.push((out.pop()! | (b << 7)) & 0xff), out)), []);

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function rig(chip: DistalPulseChip = new CountingChip()): Promise<RawRig> {
  ensureBuilt();
  const r = new RawRig(new SimavrBoard({ source: { sensorCounts: () => mmhgToCounts(profile, 100), distalPulse: chip } }));
  closers.push(() => r.close());
  await r.sim.advance(0.005);
  return r;
}

async function ask(r: RawRig, request: number[]): Promise<number[]> {
  const before = r.sysex(I2C_REPLY).length;
  r.send(...request);
  await r.sim.advanceUntil(() => r.sysex(I2C_REPLY).length > before, 0.05);
  const reply = r.sysex(I2C_REPLY)[before];
  if (!reply) throw new Error("no I2C_REPLY within 50 ms");
  return reply.data;
}

describeMcu("Firmata I2C for the distal pulse sensor on the simulated ATmega328P", () => {
  it("answers PART_ID, takes the set-up writes, and reads the FIFO's samples in order", async () => {
    const r = await rig();
    expect(await ask(r, readOnce(MAX30102.address, MAX30102.register.partId, 1))).toEqual([MAX30102.address, 0, 0x7f, 1, MAX30102.partId, 0]);
    for (const { register, value } of max30102SetUp(100)) r.send(...write(MAX30102.address, register, value));
    await r.sim.advance(0.02);
    expect(bytesOf(await ask(r, readOnce(MAX30102.address, MAX30102.register.spo2Config, 1)))).toEqual([0x20 | (1 << 2) | 0x03]);
    await r.sim.advance(0.05);
    const [written = 0, overflow = 0, read = 0] = bytesOf(await ask(r, readOnce(MAX30102.address, MAX30102.register.fifoWritePointer, 3)));
    const unread = (written - read + 32) % 32;
    expect(overflow).toBe(0);
    expect(unread).toBeGreaterThanOrEqual(5);
    const samples = decodeFifoData(bytesOf(await ask(r, readOnce(MAX30102.address, MAX30102.register.fifoData, unread * 3))));
    expect(samples).toHaveLength(unread);
    expect(samples.every((s, i) => i === 0 || s === samples[i - 1]! + 1)).toBe(true);
  });

  it("lends the host nothing else on the bus: a read of the pressure ADC (0x48) is answered without data, and no chip answers without data too", async () => {
    const r = await rig();
    expect(await ask(r, readOnce(0x48, 0, 2))).toEqual([0x48, 0, 0, 0]);
    r.sim.setDistalPulsePresent(false);
    expect(await ask(r, readOnce(MAX30102.address, MAX30102.register.partId, 1))).toEqual([MAX30102.address, 0, 0x7f, 1]);
  });

  it("polled as the host polls, the pressure reports still come every 10 ms, read right", async () => {
    const r = await rig();
    r.send(0xc0, 1);
    const start = r.sim.timeSeconds;
    for (let i = 0; i < 25; i++) {
      r.send(...readOnce(MAX30102.address, MAX30102.register.fifoWritePointer, 3), ...readOnce(MAX30102.address, MAX30102.register.fifoData, 12));
      await r.sim.advance(0.04);
    }
    const reports = r.analog(0).filter((m) => m.t > start + 0.02);
    expect(reports.length).toBeGreaterThanOrEqual(95);
    const gaps = reports.slice(1).map((m, i) => m.t - reports[i]!.t);
    expect(Math.max(...gaps)).toBeLessThan(0.015);
    for (const m of reports) expect(Math.abs(m.value - mmhgToCounts(profile, 100))).toBeLessThanOrEqual(2);
    expect(r.sysex(I2C_REPLY).length).toBe(50);
  });

  it("while the host floods the link with 30-byte reads of the chip, an overpressure on the first sensor still vents within one sample window", async () => {
    ensureBuilt();
    const pressure = { mmhg: 250 };
    const r = new RawRig(new SimavrBoard({ source: { sensorCounts: () => mmhgToCounts(profile, pressure.mmhg), distalPulse: new CountingChip() } }));
    closers.push(() => r.close());
    await r.sim.advance(0.005);
    // Only the first sensor's threshold is armed low; the second stays at its compiled-in maximum.
    r.configure(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg));
    r.send(0xf4, 5, 3, 0xe0 | 5, 0x7f, 0x01);
    const poll = () => r.send(0xf0, GUARD_SYSEX, 0x02, 0xf7, ...readOnce(MAX30102.address, MAX30102.register.fifoData, 30));
    for (let i = 0; i < 20; i++) {
      poll();
      await r.sim.advance(0.005);
    }
    expect(r.sim.outputs().pumpDuty).toBe(1);
    pressure.mmhg = profile.guard.tripMmhg + 5;
    const stepAt = r.sim.timeSeconds;
    for (let i = 0; i < 10 && r.sim.levels().pump !== 0; i++) {
      poll();
      await r.sim.advance(0.005);
    }
    const ventedAt = r.sim.pinChanges.filter((c) => c.pin === 5 && c.level === 0).at(-1)!.tSeconds;
    expect(ventedAt - stepAt).toBeLessThan(0.025);
    // The host hears of it once the replies ahead of it have left the serial buffer.
    await r.sim.advanceUntil(() => r.trips().length > 0, 0.1);
    expect(r.trips()[0]?.reason).toBe(GuardReason.OVERPRESSURE);
  });

  it("johnny-five's reader on the real image delivers every sample, in order, beside the pressure samples", async () => {
    ensureBuilt();
    const sim = new SimavrBoard({ source: { sensorCounts: () => mmhgToCounts(profile, 50), distalPulse: new CountingChip() }, profile });
    closers.push(() => sim.close());
    let board: JohnnyFiveBoard | undefined;
    let error: unknown;
    connectJohnnyFiveBoard({ stream: sim.port, clock: sim.clock, profile, label: "the simulated AVR" }).then(
      (b) => (board = b),
      (e) => (error = e),
    );
    await sim.advanceUntil(() => board !== undefined || error !== undefined, 3);
    if (!board) throw error ?? new Error("no connection within 3 s of simulated time");
    closers.push(() => board!.close());
    const batches: (readonly number[])[] = [];
    let pressureSamples = 0;
    board.onSample((s) => {
      if (s.distalCounts) batches.push(s.distalCounts);
      pressureSamples++;
      board!.keepAlive();
    });
    await sim.advance(1.5);
    expect(board.distalPulseSensor()).toBe("reading");
    const counts = batches.flat();
    expect(counts.length).toBeGreaterThan(120);
    expect(counts.every((c, i) => i === 0 || c === counts[i - 1]! + 1)).toBe(true);
    expect(pressureSamples).toBeGreaterThanOrEqual(145);
  });
});
