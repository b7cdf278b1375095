/**
 * The guard: safety layer 2 on the microcontroller (see the README's safety layers), as
 * Firmata sysex messages. The virtual board executes this specification and the
 * sketch in firmware/mcu/ implements the same bytes.
 *
 * Frame: F0 <GUARD_SYSEX> <subcommand> <payload 7-bit bytes> F7.
 * 14-bit values are sent as two 7-bit bytes, least significant first.
 *
 * Behaviour:
 * - Power-up, reset and watchdog reset: pump pin 0, vent pin at its "open" level,
 *   state SAFE (not armed). While SAFE or TRIPPED, writes to the pump and vent pins
 *   are held at the safe levels (the board remembers nothing of them).
 * - CONFIGURE arms the guard: from then on the host must send KEEPALIVE at least
 *   every `deadlineMs`, or the board trips (KEEPALIVE_LOST).
 * - The board compares its own pressure readings with their thresholds on every sample of
 *   either sensor, whether armed or not: first the first sensor's last reading with
 *   `tripCounts` (at or above it: OVERPRESSURE), then the second sensor's last reading with
 *   `secondaryTripCounts` (at or above it: OVERPRESSURE_SECONDARY). The second sensor is read
 *   by the microcontroller's own ADC, so it trips the guard even when the first sensor's ADC
 *   (the ADS1115 on I2C) is dead and delivers no samples at all.
 * - Tripping forces the safe levels at once, sends TRIPPED, and latches until CLEAR.
 *   CLEAR is refused (a STATUS with state TRIPPED is sent back) while either
 *   reading is still at or above its threshold; otherwise the guard is ARMED again with the last
 *   configuration and the keep-alive timer restarted.
 * - STATUS_QUERY is answered with STATUS.
 *
 * Clarifications (the virtual board in hardware/sim/guard-model.ts executes exactly these):
 * - "Safe levels" are the levels that leave each actuator unpowered (pump off; the
 *   normally-open vent valve open), given each output's polarity in the hardware profile.
 * - Until the first CONFIGURE the board uses GUARD_DEFAULT_DEADLINE_MS and, on each sensor,
 *   a trip threshold of GUARD_MAX_TRIP_MMHG in that sensor's counts. CONFIGURE clamps
 *   deadlineMs to [GUARD_MIN_DEADLINE_MS, GUARD_MAX_DEADLINE_MS] and each threshold to its
 *   compiled-in maximum; a CONFIGURE without secondaryTripCounts (a host that predates the
 *   second sensor) sets the second sensor's threshold to its compiled-in maximum.
 * - The keep-alive timer restarts on CONFIGURE, on KEEPALIVE and on a successful CLEAR; the
 *   board trips once deadlineMs have elapsed since the last restart (a keep-alive arriving
 *   exactly at the deadline is too late). KEEPALIVE while SAFE or TRIPPED does nothing.
 * - CONFIGURE while TRIPPED stores the configuration and stays TRIPPED (only CLEAR
 *   unlatches). CLEAR while SAFE or ARMED changes nothing and is answered with STATUS.
 *   CLEAR of a trip that happened before any CONFIGURE returns to SAFE.
 * - Firmata SYSTEM_RESET (0xFF) counts as a reset.
 * - STATUS reason: POWER_UP or WATCHDOG while SAFE, NONE while ARMED, the cause while
 *   TRIPPED. lastCounts and lastSecondaryCounts are the last readings (0 before the first
 *   sample; after a reset too); tripCount counts trips since the last reset, saturating at 127.
 * - A board without a second sensor sends STATUS and TRIPPED without the second sensor's
 *   fields and ignores secondaryTripCounts; decoders return null for them.
 * - The sketch samples its second sensor every millisecond (the mean of its last four
 *   conversions), the simulated boards with every pressure sample: both judge every reading
 *   they take, in the order above.
 * - A guard message with a missing payload byte or an unknown subcommand is ignored: no
 *   change, no reply.
 */

export const GUARD_SYSEX = 0x0c;

export const GuardSubcommand = {
  /** host -> board: deadlineMs (14-bit), tripCounts (14-bit), optionally secondaryTripCounts (14-bit). Answered with STATUS. */
  CONFIGURE: 0x01,
  /** host -> board: no payload. Resets the keep-alive deadline. */
  KEEPALIVE: 0x02,
  /** host -> board: no payload. Clears a trip if the pressure allows; answered with STATUS. */
  CLEAR: 0x03,
  /** host -> board: no payload. */
  STATUS_QUERY: 0x04,
  /**
   * board -> host: state, reason, deadlineMs (14), tripCounts (14), lastCounts (14), tripCount (7),
   * then, on a board with a second sensor, secondaryTripCounts (14), lastSecondaryCounts (14).
   */
  STATUS: 0x05,
  /** board -> host, unsolicited when it trips: reason, lastCounts (14), then lastSecondaryCounts (14) on a board with a second sensor. */
  TRIPPED: 0x06,
} as const;

export const GuardState = { SAFE: 0, ARMED: 1, TRIPPED: 2 } as const;
export type GuardStateValue = (typeof GuardState)[keyof typeof GuardState];

export const GuardReason = { NONE: 0, KEEPALIVE_LOST: 1, OVERPRESSURE: 2, POWER_UP: 3, WATCHDOG: 4, OVERPRESSURE_SECONDARY: 5 } as const;
export type GuardReasonValue = (typeof GuardReason)[keyof typeof GuardReason];

/** Defaults a board uses until configured, and the limits it clamps configuration to. */
export const GUARD_DEFAULT_DEADLINE_MS = 500;
export const GUARD_MIN_DEADLINE_MS = 50;
export const GUARD_MAX_DEADLINE_MS = 2000;
/** The board never accepts a trip threshold above the one compiled in (~330 mmHg, on either sensor). */
export const GUARD_MAX_TRIP_MMHG = 330;

export interface GuardStatus {
  state: GuardStateValue;
  reason: GuardReasonValue;
  deadlineMs: number;
  tripCounts: number;
  lastCounts: number;
  tripCount: number;
  /** The second sensor's threshold and last reading, in its own counts; null on a board without one. */
  secondaryTripCounts: number | null;
  lastSecondaryCounts: number | null;
}

export interface GuardTripped {
  reason: GuardReasonValue;
  lastCounts: number;
  lastSecondaryCounts: number | null;
}

export function to7bit14(value: number): [number, number] {
  const v = Math.max(0, Math.min(0x3fff, Math.round(value)));
  return [v & 0x7f, (v >> 7) & 0x7f];
}

export function from7bit14(lsb: number, msb: number): number {
  return (lsb & 0x7f) | ((msb & 0x7f) << 7);
}

/** Payload bytes (after the sysex id) of each message. */
export function encodeGuardConfigure(deadlineMs: number, tripCounts: number, secondaryTripCounts?: number): number[] {
  const secondary = secondaryTripCounts === undefined ? [] : to7bit14(secondaryTripCounts);
  return [GuardSubcommand.CONFIGURE, ...to7bit14(deadlineMs), ...to7bit14(tripCounts), ...secondary];
}

export function encodeGuardStatus(status: GuardStatus): number[] {
  const secondary =
    status.secondaryTripCounts === null ? [] : [...to7bit14(status.secondaryTripCounts), ...to7bit14(status.lastSecondaryCounts ?? 0)];
  return [
    GuardSubcommand.STATUS,
    status.state,
    status.reason,
    ...to7bit14(status.deadlineMs),
    ...to7bit14(status.tripCounts),
    ...to7bit14(status.lastCounts),
    status.tripCount & 0x7f,
    ...secondary,
  ];
}

export function decodeGuardStatus(payload: readonly number[]): GuardStatus | null {
  if (payload.length < 10 || payload[0] !== GuardSubcommand.STATUS) return null;
  const p = payload;
  const secondary = p.length >= 14;
  return {
    state: p[1] as GuardStateValue,
    reason: p[2] as GuardReasonValue,
    deadlineMs: from7bit14(p[3]!, p[4]!),
    tripCounts: from7bit14(p[5]!, p[6]!),
    lastCounts: from7bit14(p[7]!, p[8]!),
    tripCount: p[9]!,
    secondaryTripCounts: secondary ? from7bit14(p[10]!, p[11]!) : null,
    lastSecondaryCounts: secondary ? from7bit14(p[12]!, p[13]!) : null,
  };
}

export function encodeGuardTripped(tripped: GuardTripped): number[] {
  const secondary = tripped.lastSecondaryCounts === null ? [] : to7bit14(tripped.lastSecondaryCounts);
  return [GuardSubcommand.TRIPPED, tripped.reason, ...to7bit14(tripped.lastCounts), ...secondary];
}

export function decodeGuardTripped(payload: readonly number[]): GuardTripped | null {
  if (payload.length < 4 || payload[0] !== GuardSubcommand.TRIPPED) return null;
  return {
    reason: payload[1] as GuardReasonValue,
    lastCounts: from7bit14(payload[2]!, payload[3]!),
    lastSecondaryCounts: payload.length >= 6 ? from7bit14(payload[4]!, payload[5]!) : null,
  };
}
