/**
 * The guard of shared/guard.ts, executed by the real image on the simulated AVR,
 * driven byte by byte from a raw Firmata host. Times are simulated AVR time.
 */
import { afterEach, expect, it } from "vitest";
import { mmhgToCounts, referenceProfile, secondaryMmhgToCounts } from "../../hardware/profile.ts";
import { GUARD_MAX_TRIP_MMHG, GUARD_DEFAULT_DEADLINE_MS, GuardReason, GuardState } from "../../shared/guard.ts";
import { describeMcu, RawRig } from "./setup.ts";

const profile = referenceProfile();
const PUMP = 5;
const VENT = 9;
const PWM = 0x03;
const tripCounts = mmhgToCounts(profile, profile.guard.tripMmhg);
const secondaryTripCounts = secondaryMmhgToCounts(profile, profile.guard.tripMmhg)!;
const deadlineMs = profile.guard.keepAliveDeadlineMs;

/**
 * Pressures the test sets, in mmHg: the first read by the ADS1115 model, the second at the ATmega's A1.
 * Each test says what each sensor sees; the second reads atmospheric unless a test sets it.
 */
class Pressure {
  mmhg = 0;
  secondaryMmhg = 0;
  sensorCounts(): number {
    return mmhgToCounts(profile, this.mmhg);
  }
  secondarySensorCounts(): number | null {
    return secondaryMmhgToCounts(profile, this.secondaryMmhg);
  }
}

const rigs: RawRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

async function boot(startMmhg = 0): Promise<{ rig: RawRig; pressure: Pressure }> {
  const pressure = new Pressure();
  pressure.mmhg = startMmhg;
  const rig = await RawRig.booted(pressure);
  rigs.push(rig);
  return { rig, pressure };
}

/** Pump and vent in PWM mode, pump full on, vent valve powered (closed). */
function pumpHard(rig: RawRig): void {
  rig.send(0xf4, PUMP, PWM, 0xf4, VENT, PWM);
  rig.send(0xe0 | PUMP, 0x7f, 0x01, 0xe0 | VENT, 0x7f, 0x01);
}

async function armed(rig: RawRig): Promise<void> {
  rig.configure(deadlineMs, tripCounts, secondaryTripCounts);
  await rig.sim.advanceUntil(() => rig.statuses().some((s) => s.state === GuardState.ARMED), 0.05);
}

describeMcu("the guard on the simulated ATmega328P", () => {
  it("boots vented, announces itself, and reports SAFE after power-up with the compiled-in defaults", async () => {
    const { rig } = await boot();
    expect(rig.sim.levels()).toEqual({ pump: 0, vent: 0 });
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(rig.messages[0]).toMatchObject({ kind: "version", major: 2, minor: 6 });
    const status = await rig.status();
    expect(status).toMatchObject({
      state: GuardState.SAFE,
      reason: GuardReason.POWER_UP,
      deadlineMs: GUARD_DEFAULT_DEADLINE_MS,
      tripCounts: mmhgToCounts(profile, GUARD_MAX_TRIP_MMHG),
      secondaryTripCounts: secondaryMmhgToCounts(profile, GUARD_MAX_TRIP_MMHG),
      lastSecondaryCounts: secondaryMmhgToCounts(profile, 0),
      tripCount: 0,
    });
    // The outputs never left the safe level since reset.
    expect(rig.sim.pinChanges).toEqual([]);
  });

  it("ignores pump and vent writes until CONFIGURE, then the pins follow the writes", async () => {
    const { rig } = await boot();
    pumpHard(rig);
    await rig.sim.advance(0.05);
    expect(rig.sim.levels()).toEqual({ pump: 0, vent: 0 });
    await armed(rig);
    expect(rig.sim.levels()).toEqual({ pump: 0, vent: 0 }); // forgotten, not applied late
    rig.send(0xe0 | PUMP, 0x7f, 0x01, 0xe0 | VENT, 0x7f, 0x01);
    rig.guard([0x02]);
    await rig.sim.advance(0.005);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    rig.send(0xe0 | PUMP, 0x00, 0x01, 0xe0 | VENT, 0x40, 0x00); // 128, 64
    rig.guard([0x02]);
    await rig.sim.advance(0.005);
    expect(rig.sim.levels().pump).toBeCloseTo(128 / 255, 9);
    expect(rig.sim.levels().vent).toBeCloseTo(64 / 255, 9);
  });

  it("vents on keep-alive loss within the deadline, and says so", async () => {
    const { rig } = await boot();
    await armed(rig);
    pumpHard(rig);
    let lastKeepAliveSent = 0;
    await rig.sim.advance(0.2, 0.001, () => {
      if (Math.round(rig.sim.timeSeconds * 1000) % 10 === 0) {
        rig.guard([0x02]);
        lastKeepAliveSent = rig.sim.timeSeconds;
      }
    });
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 1, ventOpening: 0 });
    const took = await rig.sim.advanceUntil(() => rig.sim.levels().pump === 0, 1);
    expect(took).not.toBeNull();
    const ventedAt = rig.sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    const ventPinLow = rig.sim.pinChanges.filter((c) => c.pin === VENT && c.level === 0).at(-1)!.tSeconds;
    const lossToVent = ventedAt - lastKeepAliveSent;
    console.log(`keep-alive loss -> pump off ${(lossToVent * 1000).toFixed(2)} ms, vent open ${((ventPinLow - lastKeepAliveSent) * 1000).toFixed(2)} ms (deadline ${deadlineMs} ms)`);
    // The last keep-alive needs 0.5 ms on the wire (4 bytes at 57600 baud) before the board has it.
    expect(lossToVent).toBeGreaterThanOrEqual(deadlineMs / 1000);
    expect(lossToVent).toBeLessThanOrEqual(deadlineMs / 1000 + 0.002);
    expect(ventPinLow - ventedAt).toBeLessThan(0.0001);
    await rig.sim.advance(0.005); // the TRIPPED message on the wire
    expect(rig.trips()).toEqual([expect.objectContaining({ reason: GuardReason.KEEPALIVE_LOST })]);
    // Tripped and latched: writes are held at the safe levels.
    rig.send(0xe0 | PUMP, 0x7f, 0x01);
    await rig.sim.advance(0.02);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(await rig.status()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.KEEPALIVE_LOST, tripCount: 1 });
  });

  it("trips on its own reading over the threshold, with no host message, in about one sample", async () => {
    const { rig, pressure } = await boot(250);
    await armed(rig);
    pumpHard(rig);
    rig.guard([0x02]);
    await rig.sim.advance(0.05);
    expect(rig.sim.outputs().pumpDuty).toBe(1);
    // From here on the host is silent; the pressure jumps past the threshold 20 ms later.
    await rig.sim.advance(0.02);
    pressure.mmhg = profile.guard.tripMmhg + 5;
    const stepAt = rig.sim.timeSeconds;
    const took = await rig.sim.advanceUntil(() => rig.sim.levels().pump === 0, 0.2);
    expect(took).not.toBeNull();
    const ventedAt = rig.sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    console.log(`overpressure -> vent ${((ventedAt - stepAt) * 1000).toFixed(2)} ms after the sensor crossed ${profile.guard.tripMmhg} mmHg`);
    // One 10 ms averaging window, plus the ADC's 1.2 ms conversion and the 1 ms read cadence.
    expect(ventedAt - stepAt).toBeLessThan(0.025);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    await rig.sim.advance(0.005);
    const [trip] = rig.trips();
    expect(trip?.reason).toBe(GuardReason.OVERPRESSURE);
    expect(trip!.lastCounts).toBeGreaterThanOrEqual(tripCounts);
  });

  it("refuses CLEAR while the pressure is still over the threshold, accepts it once below, and forgets the outputs", async () => {
    const { rig, pressure } = await boot(100);
    await armed(rig);
    pumpHard(rig);
    rig.guard([0x02]);
    await rig.sim.advance(0.02);
    pressure.mmhg = profile.guard.tripMmhg + 10;
    await rig.sim.advanceUntil(() => rig.trips().length > 0, 0.1);
    rig.guard([0x03]);
    await rig.sim.advance(0.01);
    expect(rig.statuses().at(-1)).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE });
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    pressure.mmhg = 150;
    await rig.sim.advance(0.03);
    rig.guard([0x03]);
    await rig.sim.advance(0.01);
    expect(rig.statuses().at(-1)).toMatchObject({ state: GuardState.ARMED, reason: GuardReason.NONE, tripCount: 1 });
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("trips on overpressure even before any CONFIGURE, at the compiled-in ceiling", async () => {
    const { rig, pressure } = await boot(0);
    pressure.mmhg = GUARD_MAX_TRIP_MMHG + 3;
    await rig.sim.advanceUntil(() => rig.trips().length > 0, 0.1);
    expect(rig.trips()[0]).toMatchObject({ reason: GuardReason.OVERPRESSURE });
    expect(await rig.status()).toMatchObject({ state: GuardState.TRIPPED, tripCounts: mmhgToCounts(profile, GUARD_MAX_TRIP_MMHG) });
  });

  it("comes back vented after a watchdog reset from a hung firmware, and reports WATCHDOG", async () => {
    const { rig } = await boot();
    await armed(rig);
    pumpHard(rig);
    rig.guard([0x02]);
    await rig.sim.advance(0.01);
    expect(rig.sim.outputs().pumpDuty).toBe(1);
    const versionsBefore = rig.messages.filter((m) => m.kind === "version").length;
    rig.sim.hang();
    const hungAt = rig.sim.timeSeconds;
    const took = await rig.sim.advanceUntil(() => rig.sim.levels().pump === 0, 1);
    expect(took).not.toBeNull();
    const ventedAt = rig.sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    console.log(`firmware hang -> watchdog reset -> vent ${((ventedAt - hungAt) * 1000).toFixed(1)} ms`);
    expect(ventedAt - hungAt).toBeLessThan(0.2);
    await rig.sim.advance(0.01);
    expect(rig.messages.filter((m) => m.kind === "version").length).toBe(versionsBefore + 1);
    expect(await rig.status()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.WATCHDOG, tripCount: 0 });
    pumpHard(rig);
    await rig.sim.advance(0.05);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
  });

  it("reports the pressure channel at 100 Hz with the sensor's counts, and goes quiet while the sensor is off the bus", async () => {
    const { rig, pressure } = await boot(120);
    rig.send(0xc0, 0x01);
    await rig.sim.advance(0.2);
    const reports = rig.analog(0);
    expect(reports.length).toBeGreaterThanOrEqual(19);
    expect(reports.length).toBeLessThanOrEqual(20);
    for (const r of reports.slice(2)) expect(Math.abs(r.value - mmhgToCounts(profile, 120))).toBeLessThanOrEqual(1);
    const gaps = reports.slice(1).map((r, i) => r.t - reports[i]!.t);
    for (const gap of gaps) expect(gap).toBeCloseTo(0.01, 3);
    rig.sim.setSensorPresent(false);
    await rig.sim.advance(0.02);
    const whenGone = rig.analog(0).length;
    await rig.sim.advance(0.1);
    expect(rig.analog(0).length).toBe(whenGone);
    pressure.mmhg = 200;
    rig.sim.setSensorPresent(true);
    await rig.sim.advance(0.1);
    const back = rig.analog(0).slice(whenGone);
    expect(back.length).toBeGreaterThan(5);
    expect(Math.abs(back.at(-1)!.value - mmhgToCounts(profile, 200))).toBeLessThanOrEqual(1);
  });

  it("notices an ADS1115 that reset itself (reading a frozen 0) and sets it up again within about 0.1 s", async () => {
    const { rig, pressure } = await boot(120);
    rig.send(0xc0, 0x01);
    await rig.sim.advance(0.2);
    rig.sim.resetSensor();
    const resetAt = rig.sim.timeSeconds;
    pressure.mmhg = GUARD_MAX_TRIP_MMHG + 5; // unconfigured: the compiled-in ceiling applies
    // The board must not stay blind: the overpressure (checked armed or not) trips once the sensor is set up again.
    const took = await rig.sim.advanceUntil(() => rig.trips().some((t) => t.reason === GuardReason.OVERPRESSURE), 0.5);
    expect(took).not.toBeNull();
    console.log(`ADS1115 reset -> reconfigured and tripped on overpressure after ${(took! * 1000).toFixed(1)} ms`);
    expect(took!).toBeLessThan(0.14);
    const zeros = rig.analog(0).filter((m) => m.t > resetAt && m.value < 100);
    expect(zeros.length).toBeLessThanOrEqual(11);
  });

  it("SYSTEM_RESET disarms: outputs safe, state SAFE", async () => {
    const { rig } = await boot();
    await armed(rig);
    pumpHard(rig);
    rig.guard([0x02]);
    await rig.sim.advance(0.01);
    expect(rig.sim.outputs().pumpDuty).toBe(1);
    rig.send(0xff);
    await rig.sim.advance(0.002);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    expect(await rig.status()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP });
  });

  it("reports the emergency button on D2 when asked", async () => {
    const { rig } = await boot();
    rig.send(0xf4, 2, 0x0b, 0xd0, 0x01);
    rig.sim.setButton(true);
    await rig.sim.advance(0.005);
    rig.sim.setButton(false);
    await rig.sim.advance(0.005);
    const ports = rig.messages.filter((m) => m.kind === "digital");
    expect(ports.map((m) => (m as { value: number }).value & 0x04)).toEqual([0x04, 0x00]);
  });

  it("vents on an overpressure seen only by the second sensor, with the ADS1115 dead, within 20 ms", async () => {
    const { rig, pressure } = await boot(250);
    pressure.secondaryMmhg = 250;
    await armed(rig);
    pumpHard(rig);
    rig.guard([0x02]);
    await rig.sim.advance(0.03);
    // The first sensor's ADC stops answering on the bus: no samples of it from here on.
    rig.sim.setSensorPresent(false);
    await rig.sim.advance(0.02);
    expect(rig.sim.outputs().pumpDuty).toBe(1);
    pressure.secondaryMmhg = profile.guard.tripMmhg + 5;
    rig.guard([0x02]);
    const stepAt = rig.sim.timeSeconds;
    const took = await rig.sim.advanceUntil(() => rig.sim.levels().pump === 0, 0.2);
    expect(took).not.toBeNull();
    const ventedAt = rig.sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!.tSeconds;
    console.log(`second sensor overpressure (ADS1115 dead) -> vent ${((ventedAt - stepAt) * 1000).toFixed(2)} ms after its input crossed ${profile.guard.tripMmhg} mmHg`);
    // The mean of its last four 1 ms conversions: three to four milliseconds after the step.
    expect(ventedAt - stepAt).toBeLessThan(0.02);
    expect(rig.sim.outputs()).toEqual({ pumpDuty: 0, ventOpening: 1 });
    await rig.sim.advance(0.005);
    const [trip] = rig.trips();
    expect(trip?.reason).toBe(GuardReason.OVERPRESSURE_SECONDARY);
    expect(trip!.lastSecondaryCounts!).toBeGreaterThanOrEqual(secondaryTripCounts);
    // Latched, and CLEAR is refused while the second sensor still reads over its threshold.
    rig.guard([0x03]);
    await rig.sim.advance(0.01);
    expect(rig.statuses().at(-1)).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE_SECONDARY });
    pressure.secondaryMmhg = 150;
    await rig.sim.advance(0.01);
    rig.guard([0x03]);
    await rig.sim.advance(0.01);
    expect(rig.statuses().at(-1)).toMatchObject({ state: GuardState.ARMED, tripCount: 1 });
  });

  it("trips on the second sensor at the compiled-in ceiling before any CONFIGURE", async () => {
    const { rig, pressure } = await boot(0);
    pressure.secondaryMmhg = GUARD_MAX_TRIP_MMHG + 3;
    await rig.sim.advanceUntil(() => rig.trips().length > 0, 0.1);
    expect(rig.trips()[0]).toMatchObject({ reason: GuardReason.OVERPRESSURE_SECONDARY });
    expect(await rig.status()).toMatchObject({ state: GuardState.TRIPPED, secondaryTripCounts: secondaryMmhgToCounts(profile, GUARD_MAX_TRIP_MMHG) });
  });

  it("a single second-sensor conversion over the threshold (a 1 ms spike) does not trip: the guard judges the mean of four", async () => {
    const { rig, pressure } = await boot(100);
    pressure.secondaryMmhg = 100;
    await armed(rig);
    pressure.secondaryMmhg = profile.guard.tripMmhg + 5;
    // A 1 ms spike, then back: the four-conversion mean stays under the threshold.
    await rig.sim.advance(0.001);
    pressure.secondaryMmhg = 100;
    await rig.sim.advance(0.03);
    expect(rig.trips()).toEqual([]);
  });

  it("reports the second sensor on channel 1 at 100 Hz, just before channel 0, also while the ADS1115 is off the bus", async () => {
    const { rig, pressure } = await boot(120);
    pressure.secondaryMmhg = 180;
    rig.send(0xc0, 0x01, 0xc1, 0x01);
    await rig.sim.advance(0.2);
    const first = rig.analog(0);
    const second = rig.analog(1);
    expect(second.length).toBeGreaterThanOrEqual(19);
    expect(second.length).toBeLessThanOrEqual(20);
    for (const r of second.slice(2)) expect(r.value).toBe(secondaryMmhgToCounts(profile, 180));
    // Each window's second reading comes just before its first one, in the same pass.
    const order = rig.messages.filter((m) => m.kind === "analog").map((m) => (m as { channel: number }).channel);
    expect(order.slice(-10)).toEqual([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(first.length).toBe(second.length);
    rig.sim.setSensorPresent(false);
    await rig.sim.advance(0.02);
    const firstWhenGone = rig.analog(0).length;
    const secondWhenGone = rig.analog(1).length;
    await rig.sim.advance(0.1);
    expect(rig.analog(0).length).toBe(firstWhenGone);
    expect(rig.analog(1).length - secondWhenGone).toBeGreaterThanOrEqual(9);
  });
});
