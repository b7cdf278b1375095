import { describe, expect, it } from "vitest";
import { mmhgToCounts, parseProfile, referenceProfile, secondaryMmhgToCounts } from "../../hardware/profile.ts";
import { GuardModel, guardPinsFromProfile } from "../../hardware/sim/guard-model.ts";
import {
  GUARD_DEFAULT_DEADLINE_MS,
  GuardReason,
  GuardState,
  GuardSubcommand,
  decodeGuardStatus,
  decodeGuardTripped,
  encodeGuardConfigure,
} from "../../shared/guard.ts";

const profile = referenceProfile();
const pins = guardPinsFromProfile(profile);
const PUMP = pins.pumpPin;
const VENT = pins.ventPin;
const tripCounts = mmhgToCounts(profile, profile.guard.tripMmhg);
const secondaryTripCounts = secondaryMmhgToCounts(profile, profile.guard.tripMmhg)!;
const KEEPALIVE = [GuardSubcommand.KEEPALIVE];
const CLEAR = [GuardSubcommand.CLEAR];

function armed(now = 0): GuardModel {
  const guard = new GuardModel(pins, now);
  guard.command(encodeGuardConfigure(300, tripCounts), now);
  return guard;
}

describe("guard model (shared/guard.ts executed)", () => {
  it("boots SAFE with the pump off and the vent open, and ignores writes until configured", () => {
    const guard = new GuardModel(pins, 0);
    expect(guard.status()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP, deadlineMs: GUARD_DEFAULT_DEADLINE_MS });
    guard.writePin(PUMP, 1, 0.1);
    guard.writePin(VENT, 1, 0.1);
    expect(guard.level(PUMP)).toBe(0);
    expect(guard.level(VENT)).toBe(0);
    // Unarmed, there is no keep-alive deadline to miss.
    expect(guard.poll(100)).toEqual([]);
  });

  it("arms on CONFIGURE, answers STATUS, and forgets what was written while SAFE", () => {
    const guard = new GuardModel(pins, 0);
    guard.writePin(PUMP, 1, 0.05);
    const replies = guard.command(encodeGuardConfigure(300, tripCounts), 0.1);
    expect(replies).toHaveLength(1);
    expect(decodeGuardStatus(replies[0]!)).toEqual({
      state: GuardState.ARMED,
      reason: GuardReason.NONE,
      deadlineMs: 300,
      tripCounts,
      lastCounts: 0,
      tripCount: 0,
      secondaryTripCounts: pins.maxSecondaryTripCounts,
      lastSecondaryCounts: 0,
    });
    expect(guard.level(PUMP)).toBe(0);
    guard.writePin(PUMP, 0.6, 0.15);
    expect(guard.level(PUMP)).toBe(0.6);
  });

  it("trips exactly when the keep-alive deadline elapses and not a millisecond before", () => {
    const guard = armed(1.0);
    guard.writePin(PUMP, 1, 1.0);
    guard.writePin(VENT, 1, 1.0);
    for (let t = 1.1; t < 2.0; t += 0.1) guard.command(KEEPALIVE, t);
    const lastKeepAlive = 1.9;
    expect(guard.keepAliveDueSeconds()).toBeCloseTo(lastKeepAlive + 0.3, 9);
    expect(guard.poll(lastKeepAlive + 0.299)).toEqual([]);
    expect(guard.level(PUMP)).toBe(1);
    const replies = guard.poll(lastKeepAlive + 0.3);
    expect(decodeGuardTripped(replies[0]!)).toEqual({ reason: GuardReason.KEEPALIVE_LOST, lastCounts: 0, lastSecondaryCounts: 0 });
    expect(guard.level(PUMP)).toBe(0);
    expect(guard.level(VENT)).toBe(0);
    expect(guard.status()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.KEEPALIVE_LOST, tripCount: 1 });
  });

  it("a late keep-alive does not rescue it: the input itself finds the deadline passed", () => {
    const guard = armed(0);
    const replies = guard.command(KEEPALIVE, 0.31);
    expect(decodeGuardTripped(replies[0]!)?.reason).toBe(GuardReason.KEEPALIVE_LOST);
    expect(guard.status().state).toBe(GuardState.TRIPPED);
  });

  it("trips on its own reading at the threshold, armed or not, and reports the reading", () => {
    const unarmed = new GuardModel(pins, 0);
    expect(unarmed.sample(pins.maxTripCounts - 1, 0.01)).toEqual([]);
    const trippedUnarmed = unarmed.sample(pins.maxTripCounts, 0.02);
    expect(decodeGuardTripped(trippedUnarmed[0]!)).toEqual({ reason: GuardReason.OVERPRESSURE, lastCounts: pins.maxTripCounts, lastSecondaryCounts: 0 });

    const guard = armed(0);
    guard.writePin(PUMP, 1, 0);
    expect(guard.sample(tripCounts - 1, 0.01)).toEqual([]);
    const replies = guard.sample(tripCounts, 0.02);
    expect(decodeGuardTripped(replies[0]!)).toEqual({ reason: GuardReason.OVERPRESSURE, lastCounts: tripCounts, lastSecondaryCounts: 0 });
    expect(guard.level(PUMP)).toBe(0);
    // Latched: a second reading over the line sends nothing new.
    expect(guard.sample(tripCounts + 50, 0.03)).toEqual([]);
    expect(guard.status().tripCount).toBe(1);
  });

  it("refuses CLEAR while the reading is at or over the threshold, then re-arms with the last configuration", () => {
    const guard = armed(0);
    guard.sample(tripCounts + 10, 0.01);
    const refused = decodeGuardStatus(guard.command(CLEAR, 0.02)[0]!);
    expect(refused).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE, lastCounts: tripCounts + 10 });

    guard.sample(tripCounts - 1, 0.03);
    guard.writePin(PUMP, 1, 0.035);
    expect(guard.level(PUMP)).toBe(0);
    const cleared = decodeGuardStatus(guard.command(CLEAR, 0.04)[0]!);
    expect(cleared).toMatchObject({ state: GuardState.ARMED, reason: GuardReason.NONE, deadlineMs: 300, tripCounts, tripCount: 1 });
    // The keep-alive timer restarted at the CLEAR; outputs stay safe until written again.
    expect(guard.keepAliveDueSeconds()).toBeCloseTo(0.34, 9);
    expect(guard.level(PUMP)).toBe(0);
  });

  it("CONFIGURE while TRIPPED stores the configuration but stays latched", () => {
    const guard = armed(0);
    guard.poll(0.3);
    const status = decodeGuardStatus(guard.command(encodeGuardConfigure(1000, tripCounts - 100), 0.4)[0]!);
    expect(status).toMatchObject({ state: GuardState.TRIPPED, deadlineMs: 1000, tripCounts: tripCounts - 100 });
    expect(guard.command(KEEPALIVE, 0.5)).toEqual([]);
    expect(guard.status().state).toBe(GuardState.TRIPPED);
  });

  it("a trip before any CONFIGURE clears back to SAFE, not ARMED", () => {
    const guard = new GuardModel(pins, 0);
    guard.sample(pins.maxTripCounts + 5, 0.01);
    guard.sample(100, 0.02);
    expect(decodeGuardStatus(guard.command(CLEAR, 0.03)[0]!)).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.POWER_UP });
  });

  it("clamps the deadline to 50..2000 ms and the trip threshold to the compiled-in 330 mmHg", () => {
    const guard = new GuardModel(pins, 0);
    expect(decodeGuardStatus(guard.command(encodeGuardConfigure(10, 100), 0)[0]!)?.deadlineMs).toBe(50);
    expect(decodeGuardStatus(guard.command(encodeGuardConfigure(9000, 16383), 0)[0]!)).toMatchObject({
      deadlineMs: 2000,
      tripCounts: mmhgToCounts(profile, 330),
    });
  });

  it("ignores a guard message with a missing byte or an unknown subcommand", () => {
    const guard = armed(0);
    const before = guard.status();
    expect(guard.command([GuardSubcommand.CONFIGURE, 0x10, 0x01, 0x05], 0.1)).toEqual([]);
    expect(guard.command([0x42], 0.1)).toEqual([]);
    expect(guard.command([], 0.1)).toEqual([]);
    expect(guard.status()).toEqual(before);
  });

  it("counts trips since reset, saturating at 127, and reset returns to SAFE", () => {
    const guard = armed(0);
    for (let i = 0; i < 200; i++) {
      guard.sample(tripCounts, i);
      guard.sample(0, i + 0.5);
      guard.command(CLEAR, i + 0.6);
    }
    expect(guard.status().tripCount).toBe(127);
    guard.reset(300, GuardReason.WATCHDOG);
    expect(guard.status()).toMatchObject({ state: GuardState.SAFE, reason: GuardReason.WATCHDOG, tripCount: 0, deadlineMs: 500 });
  });

  it("holds an active-low pump at the high level while safe", () => {
    const activeLow = parseProfile({ ...profile, pump: { ...profile.pump, activeHigh: false } });
    const guard = new GuardModel(guardPinsFromProfile(activeLow), 0);
    expect(guard.level(PUMP)).toBe(1);
    guard.command(encodeGuardConfigure(300, tripCounts), 0);
    guard.writePin(PUMP, 0.2, 0);
    expect(guard.level(PUMP)).toBe(0.2);
    guard.poll(0.3);
    expect(guard.level(PUMP)).toBe(1);
  });
});

describe("guard model: the second pressure sensor", () => {
  function armedBoth(now = 0): GuardModel {
    const guard = new GuardModel(pins, now);
    guard.command(encodeGuardConfigure(300, tripCounts, secondaryTripCounts), now);
    return guard;
  }

  it("trips on the second reading alone, with the first sensor's ADC dead (no samples of it at all), armed or not", () => {
    const unarmed = new GuardModel(pins, 0);
    expect(unarmed.sampleSecondary(pins.maxSecondaryTripCounts! - 1, 0.01)).toEqual([]);
    const [tripped] = unarmed.sampleSecondary(pins.maxSecondaryTripCounts!, 0.02);
    expect(decodeGuardTripped(tripped!)).toEqual({ reason: GuardReason.OVERPRESSURE_SECONDARY, lastCounts: 0, lastSecondaryCounts: pins.maxSecondaryTripCounts });

    const guard = armedBoth(0);
    guard.writePin(PUMP, 1, 0);
    guard.command(KEEPALIVE, 0.01);
    expect(guard.sampleSecondary(secondaryTripCounts - 1, 0.01)).toEqual([]);
    expect(guard.level(PUMP)).toBe(1);
    const [trip] = guard.sampleSecondary(secondaryTripCounts, 0.02);
    expect(decodeGuardTripped(trip!)?.reason).toBe(GuardReason.OVERPRESSURE_SECONDARY);
    expect(guard.level(PUMP)).toBe(0);
    expect(guard.level(VENT)).toBe(0);
    expect(guard.status()).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE_SECONDARY, tripCount: 1, lastSecondaryCounts: secondaryTripCounts });
  });

  it("a reading of the first sensor re-judges the second's last one, and the first sensor is judged first", () => {
    const guard = armedBoth(0);
    guard.sampleSecondary(secondaryTripCounts - 5, 0.01);
    // A CONFIGURE that lowers the second threshold under its last reading trips on the next sample of either sensor.
    guard.command(encodeGuardConfigure(300, tripCounts, secondaryTripCounts - 10), 0.015);
    expect(decodeGuardTripped(guard.sample(100, 0.02)[0]!)?.reason).toBe(GuardReason.OVERPRESSURE_SECONDARY);

    // Both last readings over new thresholds at once: the first sensor's reason is the one reported.
    const both = armedBoth(0);
    both.sample(tripCounts - 50, 0.01);
    both.sampleSecondary(secondaryTripCounts - 5, 0.01);
    both.command(encodeGuardConfigure(300, tripCounts - 100, secondaryTripCounts - 10), 0.015);
    expect(decodeGuardTripped(both.sampleSecondary(secondaryTripCounts - 5, 0.02)[0]!)?.reason).toBe(GuardReason.OVERPRESSURE);
  });

  it("refuses CLEAR while the second reading is still at or over its threshold", () => {
    const guard = armedBoth(0);
    guard.sample(100, 0.01);
    guard.sampleSecondary(secondaryTripCounts + 3, 0.01);
    expect(decodeGuardStatus(guard.command(CLEAR, 0.02)[0]!)).toMatchObject({ state: GuardState.TRIPPED, reason: GuardReason.OVERPRESSURE_SECONDARY });
    guard.sampleSecondary(secondaryTripCounts - 1, 0.03);
    expect(decodeGuardStatus(guard.command(CLEAR, 0.04)[0]!)).toMatchObject({ state: GuardState.ARMED, secondaryTripCounts, lastSecondaryCounts: secondaryTripCounts - 1 });
  });

  it("clamps the second threshold to its compiled-in 330 mmHg, and a CONFIGURE without it (an older host) sets that ceiling", () => {
    const guard = new GuardModel(pins, 0);
    expect(pins.maxSecondaryTripCounts).toBe(secondaryMmhgToCounts(profile, 330));
    expect(decodeGuardStatus(guard.command(encodeGuardConfigure(300, tripCounts, 16000), 0)[0]!)?.secondaryTripCounts).toBe(pins.maxSecondaryTripCounts);
    expect(decodeGuardStatus(guard.command(encodeGuardConfigure(300, tripCounts, 500), 0)[0]!)?.secondaryTripCounts).toBe(500);
    expect(decodeGuardStatus(guard.command(encodeGuardConfigure(300, tripCounts), 0)[0]!)?.secondaryTripCounts).toBe(pins.maxSecondaryTripCounts);
  });

  it("a board without a second sensor sends the short STATUS and TRIPPED of old and ignores second readings", () => {
    const { secondarySensor: _s, ...rest } = profile;
    const single = parseProfile({ ...rest, pins: { pump: "D5", vent: "D9", pressure: "A0" } });
    const singlePins = guardPinsFromProfile(single);
    expect(singlePins.maxSecondaryTripCounts).toBeNull();
    const guard = new GuardModel(singlePins, 0);
    const [status] = guard.command(encodeGuardConfigure(300, tripCounts, 10), 0);
    expect(status).toHaveLength(10);
    expect(decodeGuardStatus(status!)).toMatchObject({ secondaryTripCounts: null, lastSecondaryCounts: null });
    expect(guard.sampleSecondary(16383, 0.01)).toEqual([]);
    const [tripped] = guard.sample(tripCounts, 0.02);
    expect(tripped).toHaveLength(4);
    expect(decodeGuardTripped(tripped!)).toEqual({ reason: GuardReason.OVERPRESSURE, lastCounts: tripCounts, lastSecondaryCounts: null });
  });
});
