/**
 * Host-side mapping from actuator demands to pin values through the hardware
 * profile (polarity, normally-open vent). The inverse, pin levels to actuators,
 * is hardware/sim/guard-model.ts actuatorsFromLevels.
 */
import type { HardwareProfile } from "../../hardware/profile.ts";

/** Firmata PWM writes are 8-bit on the ATmega328P. */
export const PWM_MAX = 255;

/** Pump duty 0..1 -> PWM value. Anything not a number is "off". */
export function pumpPinValue(profile: HardwareProfile, duty: number): number {
  const powered = Number.isFinite(duty) ? Math.max(0, Math.min(1, duty)) : 0;
  return Math.round((profile.pump.activeHigh ? powered : 1 - powered) * PWM_MAX);
}

/**
 * Vent opening 0..1 (1 = open) -> PWM value. The valve is normally open, so
 * opening 1 leaves it unpowered. Anything not a number is "open". A valve that
 * is not proportional opens fully for any opening above 0.
 */
export function ventPinValue(profile: HardwareProfile, opening: number): number {
  let open = Number.isFinite(opening) ? Math.max(0, Math.min(1, opening)) : 1;
  if (!profile.vent.proportional) open = open > 0 ? 1 : 0;
  const powered = 1 - open;
  return Math.round((profile.vent.activeHigh ? powered : 1 - powered) * PWM_MAX);
}
