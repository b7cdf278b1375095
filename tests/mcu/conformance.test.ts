/**
 * The C guard in the image against the executable specification
 * (hardware/sim/guard-model.ts): random sequences of host messages, pressure steps
 * and writes, one event per 20 ms slot, applied to both. Every STATUS and TRIPPED the
 * board sends, and the pump and vent levels at the end of every slot, must match.
 *
 * Deadlines are 10 ms off the slot grid, so a keep-alive expiry never races an
 * event (the board's clock starts when a message has crossed the wire, the
 * model's when it was sent). A pressure step (of either sensor) comes with a
 * keep-alive (no deadline can fall in its slot) and with no other command, and
 * the model samples both sensors at the end of each slot, by when the board has
 * checked the slot's pressures: the second sensor every millisecond, the first
 * every 10 ms. So after an event the board judges the second sensor first, and
 * the model samples it first too.
 */
import fc from "fast-check";
import { afterEach, expect, it } from "vitest";
import { mmhgToCounts, referenceProfile, secondaryMmhgToCounts } from "../../hardware/profile.ts";
import { GuardModel, guardPinsFromProfile } from "../../hardware/sim/guard-model.ts";
import { GuardSubcommand, decodeGuardStatus, decodeGuardTripped, encodeGuardConfigure } from "../../shared/guard.ts";
import { describeMcu, RawRig } from "./setup.ts";

const profile = referenceProfile();
const pins = guardPinsFromProfile(profile);
const SLOT_SECONDS = 0.02;
const PWM = 0x03;

type Event =
  | { kind: "configure"; deadlineMs: number; tripMmhg: number; secondaryTripMmhg: number | null }
  | { kind: "keepalive" }
  | { kind: "clear" }
  | { kind: "status" }
  | { kind: "reset" }
  | { kind: "write"; pin: number; value: number }
  | { kind: "pressure"; mmhg: number }
  | { kind: "pressure2"; mmhg: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("configure" as const),
      // 10 and 30 clamp to 50; all land 10 ms off the 20 ms grid.
      deadlineMs: fc.integer({ min: 0, max: 99 }).map((k) => 20 * k + 10),
      tripMmhg: fc.integer({ min: 120, max: 340 }),
      // null: a host that predates the second sensor sends no threshold for it.
      secondaryTripMmhg: fc.option(fc.integer({ min: 120, max: 340 }), { freq: 4 }),
    }),
  },
  { weight: 6, arbitrary: fc.constant({ kind: "keepalive" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "clear" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "status" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reset" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("write" as const), pin: fc.constantFrom(pins.pumpPin, pins.ventPin), value: fc.integer({ min: 0, max: 255 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pressure" as const), mmhg: fc.integer({ min: 0, max: 345 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pressure2" as const), mmhg: fc.integer({ min: 0, max: 345 }) }) },
);

const rigs: RawRig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

function bytesFor(event: Event): number[] {
  const sysex = (payload: number[]) => [0xf0, 0x0c, ...payload, 0xf7];
  switch (event.kind) {
    case "configure":
      return sysex(
        encodeGuardConfigure(
          event.deadlineMs,
          mmhgToCounts(profile, event.tripMmhg),
          event.secondaryTripMmhg === null ? undefined : secondaryMmhgToCounts(profile, event.secondaryTripMmhg)!,
        ),
      );
    case "keepalive":
      return sysex([GuardSubcommand.KEEPALIVE]);
    case "clear":
      return sysex([GuardSubcommand.CLEAR]);
    case "status":
      return sysex([GuardSubcommand.STATUS_QUERY]);
    case "reset":
      // SYSTEM_RESET returns the pins to inputs; the host sets them up again.
      return [0xff, 0xf4, pins.pumpPin, PWM, 0xf4, pins.ventPin, PWM];
    case "write":
      return [0xe0 | event.pin, event.value & 0x7f, event.value >> 7];
    case "pressure":
    case "pressure2":
      // With a keep-alive, so that no deadline falls in the slot where the board may trip on the step.
      return sysex([GuardSubcommand.KEEPALIVE]);
  }
}

async function runBoth(events: Event[]): Promise<void> {
  let mmhg = 0;
  let mmhg2 = 0;
  const source = { sensorCounts: () => mmhgToCounts(profile, mmhg), secondarySensorCounts: () => secondaryMmhgToCounts(profile, mmhg2)! };
  const rig = await RawRig.booted(source);
  rigs.push(rig);
  const model = new GuardModel(pins, rig.sim.timeSeconds);
  const sampleBoth = (now: number) => [...model.sampleSecondary(source.secondarySensorCounts(), now), ...model.sample(source.sensorCounts(), now)];
  const expected: number[][] = [];
  rig.send(0xf4, pins.pumpPin, PWM, 0xf4, pins.ventPin, PWM);
  await rig.sim.advance(SLOT_SECONDS);
  expected.push(...sampleBoth(rig.sim.timeSeconds));
  for (const [i, event] of events.entries()) {
    const now = rig.sim.timeSeconds;
    if (event.kind === "pressure") mmhg = event.mmhg;
    if (event.kind === "pressure2") mmhg2 = event.mmhg;
    if (event.kind === "reset") model.reset(now);
    else if (event.kind === "write") expected.push(...model.writePin(event.pin, event.value / 255, now));
    else expected.push(...model.command(bytesFor(event).slice(2, -1), now));
    const bytes = bytesFor(event);
    if (bytes.length) rig.send(...bytes);
    await rig.sim.advance(SLOT_SECONDS);
    // By the end of the slot the board has checked the slot's pressures (the second every 1 ms, the first every 10 ms).
    expected.push(...sampleBoth(rig.sim.timeSeconds));
    const where = `after event ${i} (${JSON.stringify(event)}) at ${now.toFixed(3)} s`;
    expect(rig.sim.levels().pump, `pump ${where}`).toBeCloseTo(model.level(pins.pumpPin), 9);
    expect(rig.sim.levels().vent, `vent ${where}`).toBeCloseTo(model.level(pins.ventPin), 9);
  }
  await rig.sim.advance(0.01);
  // TRIPPED carries the reading the board tripped on; a step mid-window averages old and new.
  const shape = (payload: number[]) => {
    const status = decodeGuardStatus(payload);
    if (status) return { status };
    return { tripped: decodeGuardTripped(payload)!.reason };
  };
  const got = rig.sysex(0x0c).map((m) => shape(m.data));
  expect(got).toEqual(expected.map(shape));
}

describeMcu("the image's guard conforms to the executable specification", () => {
  it("matches GuardModel on random sequences of messages, pressure steps of either sensor and writes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 40, maxLength: 80 }), async (events) => {
        try {
          await runBoth(events);
        } finally {
          for (const rig of rigs.splice(0)) await rig.close();
        }
      }),
      { numRuns: 12, seed: 20261122, endOnFailure: true },
    );
  });
});
