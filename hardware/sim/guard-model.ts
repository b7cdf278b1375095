/**
 * The guard of shared/guard.ts as a state machine with time as a parameter. The
 * virtual Firmata board and the direct simulated board both run it; the
 * microcontroller sketch implements the same behaviour in C.
 *
 * Every input first checks the keep-alive deadline at `nowSeconds` (a real board's
 * loop() checks millis() continuously), then acts. Replies are guard sysex payloads
 * (the bytes after GUARD_SYSEX), ready to be framed or decoded.
 */
import {
  GUARD_DEFAULT_DEADLINE_MS,
  GUARD_MAX_DEADLINE_MS,
  GUARD_MAX_TRIP_MMHG,
  GUARD_MIN_DEADLINE_MS,
  GuardReason,
  GuardState,
  GuardSubcommand,
  encodeGuardStatus,
  encodeGuardTripped,
  from7bit14,
  type GuardReasonValue,
  type GuardStateValue,
  type GuardStatus,
} from "../../shared/guard.ts";
import { mmhgToCounts, pinNumber, secondaryMmhgToCounts, type HardwareProfile } from "../profile.ts";

export interface GuardPins {
  /** Firmata pin numbers of the two guarded outputs. */
  pumpPin: number;
  ventPin: number;
  /** Output levels (0..1, the fraction of time the pin is high) that leave each actuator unpowered. */
  pumpSafeLevel: number;
  ventSafeLevel: number;
  /** The compiled-in ceiling of tripCounts: GUARD_MAX_TRIP_MMHG through the sensor's transfer function. */
  maxTripCounts: number;
  /** The same for the second sensor, through its own transfer function; null on a board without one. */
  maxSecondaryTripCounts: number | null;
}

export type GuardPayload = number[];

const TRIP_COUNT_MAX = 127;

export function guardPinsFromProfile(profile: HardwareProfile): GuardPins {
  return {
    pumpPin: pinNumber(profile.pins.pump),
    ventPin: pinNumber(profile.pins.vent),
    pumpSafeLevel: profile.pump.activeHigh ? 0 : 1,
    // Normally-open valve: unpowered is open, which is the safe state.
    ventSafeLevel: profile.vent.activeHigh ? 0 : 1,
    maxTripCounts: mmhgToCounts(profile, GUARD_MAX_TRIP_MMHG),
    maxSecondaryTripCounts: secondaryMmhgToCounts(profile, GUARD_MAX_TRIP_MMHG),
  };
}

/**
 * What the actuators receive from the levels on their pins: pump duty 0..1 and
 * vent opening 0..1 (the valve is normally open, so an unpowered valve is open).
 */
export function actuatorsFromLevels(
  profile: HardwareProfile,
  pumpLevel: number,
  ventLevel: number,
): { pumpDuty: number; ventOpening: number } {
  const pumpPowered = profile.pump.activeHigh ? pumpLevel : 1 - pumpLevel;
  const ventPowered = profile.vent.activeHigh ? ventLevel : 1 - ventLevel;
  return { pumpDuty: pumpPowered, ventOpening: 1 - ventPowered };
}

export class GuardModel {
  private state: GuardStateValue = GuardState.SAFE;
  private reason: GuardReasonValue = GuardReason.POWER_UP;
  private deadlineMs = GUARD_DEFAULT_DEADLINE_MS;
  private tripCounts: number;
  private configured = false;
  private lastCounts = 0;
  private secondaryTripCounts: number;
  private lastSecondaryCounts = 0;
  private tripCount = 0;
  private keepAliveFromSeconds: number;
  /** Host-written levels of the guarded pins; empty unless ARMED (cleared on every trip and reset). */
  private readonly levels = new Map<number, number>();

  constructor(
    readonly pins: GuardPins,
    nowSeconds = 0,
  ) {
    this.tripCounts = pins.maxTripCounts;
    this.secondaryTripCounts = pins.maxSecondaryTripCounts ?? 0;
    this.keepAliveFromSeconds = nowSeconds;
  }

  /** Power-up, reset button, SYSTEM_RESET or watchdog: SAFE, configuration forgotten. */
  reset(nowSeconds: number, reason: GuardReasonValue = GuardReason.POWER_UP): void {
    this.state = GuardState.SAFE;
    this.reason = reason;
    this.deadlineMs = GUARD_DEFAULT_DEADLINE_MS;
    this.tripCounts = this.pins.maxTripCounts;
    this.secondaryTripCounts = this.pins.maxSecondaryTripCounts ?? 0;
    this.configured = false;
    this.lastCounts = 0;
    this.lastSecondaryCounts = 0;
    this.tripCount = 0;
    this.keepAliveFromSeconds = nowSeconds;
    this.levels.clear();
  }

  status(): GuardStatus {
    return {
      state: this.state,
      reason: this.reason,
      deadlineMs: this.deadlineMs,
      tripCounts: this.tripCounts,
      lastCounts: this.lastCounts,
      tripCount: this.tripCount,
      secondaryTripCounts: this.hasSecondary ? this.secondaryTripCounts : null,
      lastSecondaryCounts: this.hasSecondary ? this.lastSecondaryCounts : null,
    };
  }

  private get hasSecondary(): boolean {
    return this.pins.maxSecondaryTripCounts !== null;
  }

  isGuarded(pin: number): boolean {
    return pin === this.pins.pumpPin || pin === this.pins.ventPin;
  }

  /** The level a guarded pin actually outputs: the host's while ARMED, the safe level otherwise. */
  level(pin: number): number {
    const safe = pin === this.pins.pumpPin ? this.pins.pumpSafeLevel : this.pins.ventSafeLevel;
    if (this.state !== GuardState.ARMED) return safe;
    return this.levels.get(pin) ?? safe;
  }

  /** Simulated time at which the keep-alive deadline falls, or null when not ARMED. */
  keepAliveDueSeconds(): number | null {
    if (this.state !== GuardState.ARMED) return null;
    return this.keepAliveFromSeconds + this.deadlineMs / 1000;
  }

  /** A host write to a guarded pin (level 0..1). Held at the safe level unless ARMED. */
  writePin(pin: number, level: number, nowSeconds: number): GuardPayload[] {
    const replies = this.poll(nowSeconds);
    if (this.state === GuardState.ARMED && this.isGuarded(pin) && Number.isFinite(level)) {
      this.levels.set(pin, Math.max(0, Math.min(1, level)));
    }
    return replies;
  }

  /** The board's own reading of its first sensor, every sample. */
  sample(counts: number, nowSeconds: number): GuardPayload[] {
    const replies = this.poll(nowSeconds);
    this.lastCounts = clampCounts(counts);
    return this.checkPressure(replies);
  }

  /** The board's own reading of its second sensor, every sample of it (ignored on a board without one). */
  sampleSecondary(counts: number, nowSeconds: number): GuardPayload[] {
    const replies = this.poll(nowSeconds);
    if (!this.hasSecondary) return replies;
    this.lastSecondaryCounts = clampCounts(counts);
    return this.checkPressure(replies);
  }

  /** Either reading at or over its threshold trips, the first sensor judged first. */
  private checkPressure(replies: GuardPayload[]): GuardPayload[] {
    if (this.state === GuardState.TRIPPED) return replies;
    if (this.lastCounts >= this.tripCounts) replies.push(this.trip(GuardReason.OVERPRESSURE));
    else if (this.secondaryOver()) replies.push(this.trip(GuardReason.OVERPRESSURE_SECONDARY));
    return replies;
  }

  private secondaryOver(): boolean {
    return this.hasSecondary && this.lastSecondaryCounts >= this.secondaryTripCounts;
  }

  /** Check the keep-alive deadline. */
  poll(nowSeconds: number): GuardPayload[] {
    const due = this.keepAliveDueSeconds();
    if (due !== null && nowSeconds >= due - 1e-9) return [this.trip(GuardReason.KEEPALIVE_LOST)];
    return [];
  }

  /** A guard sysex from the host: payload = the bytes after GUARD_SYSEX. */
  command(payload: readonly number[], nowSeconds: number): GuardPayload[] {
    const replies = this.poll(nowSeconds);
    switch (payload[0]) {
      case GuardSubcommand.CONFIGURE: {
        if (payload.length < 5) return replies;
        const deadlineMs = from7bit14(payload[1]!, payload[2]!);
        const tripCounts = from7bit14(payload[3]!, payload[4]!);
        this.deadlineMs = Math.max(GUARD_MIN_DEADLINE_MS, Math.min(GUARD_MAX_DEADLINE_MS, deadlineMs));
        this.tripCounts = Math.min(this.pins.maxTripCounts, tripCounts);
        const maxSecondary = this.pins.maxSecondaryTripCounts ?? 0;
        this.secondaryTripCounts = payload.length >= 7 ? Math.min(maxSecondary, from7bit14(payload[5]!, payload[6]!)) : maxSecondary;
        this.configured = true;
        if (this.state !== GuardState.TRIPPED) this.arm(nowSeconds);
        replies.push(encodeGuardStatus(this.status()));
        return replies;
      }
      case GuardSubcommand.KEEPALIVE:
        if (this.state === GuardState.ARMED) this.keepAliveFromSeconds = nowSeconds;
        return replies;
      case GuardSubcommand.CLEAR:
        if (this.state === GuardState.TRIPPED && this.lastCounts < this.tripCounts && !this.secondaryOver()) {
          if (this.configured) this.arm(nowSeconds);
          else {
            this.state = GuardState.SAFE;
            this.reason = GuardReason.POWER_UP;
          }
        }
        replies.push(encodeGuardStatus(this.status()));
        return replies;
      case GuardSubcommand.STATUS_QUERY:
        replies.push(encodeGuardStatus(this.status()));
        return replies;
      default:
        return replies;
    }
  }

  private arm(nowSeconds: number): void {
    this.state = GuardState.ARMED;
    this.reason = GuardReason.NONE;
    this.keepAliveFromSeconds = nowSeconds;
  }

  private trip(reason: GuardReasonValue): GuardPayload {
    this.state = GuardState.TRIPPED;
    this.reason = reason;
    this.tripCount = Math.min(TRIP_COUNT_MAX, this.tripCount + 1);
    this.levels.clear();
    return encodeGuardTripped({ reason, lastCounts: this.lastCounts, lastSecondaryCounts: this.hasSecondary ? this.lastSecondaryCounts : null });
  }
}

/** A reading as the board keeps it: 14 bits; anything not a number reads as full scale. */
function clampCounts(counts: number): number {
  return Number.isFinite(counts) ? Math.max(0, Math.min(0x3fff, Math.round(counts))) : 0x3fff;
}
