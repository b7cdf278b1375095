/**
 * Pin layouts of the supported boards in Firmata's numbering (D0..D13 are pins
 * 0..13, A0 is pin 14), and the checks a hardware profile must pass against its
 * board beyond the schema (the schema cannot know that an Uno has no A6).
 */
import { ProfileError, parseProfile, pinNumber, type HardwareProfile } from "./profile.ts";

export interface BoardLayout {
  board: HardwareProfile["board"];
  pinCount: number;
  /** Firmata pin number of analog channel 0 (A0). */
  firstAnalogPin: number;
  analogChannels: number;
  /** Pins usable as digital I/O (D0/D1 carry the USB serial link; A6/A7 of the Nano are analog only). */
  digitalPins: ReadonlySet<number>;
  pwmPins: ReadonlySet<number>;
}

/** A4 and A5 are the ATmega328P's I2C lines (SDA, SCL), taken by the ADS1115. */
const I2C_PINS: readonly string[] = ["A4", "A5"];

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const PWM_328P = new Set([3, 5, 6, 9, 10, 11]);

const LAYOUTS: Record<HardwareProfile["board"], BoardLayout> = {
  "arduino-nano": {
    board: "arduino-nano",
    pinCount: 22,
    firstAnalogPin: 14,
    analogChannels: 8,
    digitalPins: new Set(range(2, 19)),
    pwmPins: PWM_328P,
  },
  "arduino-uno": {
    board: "arduino-uno",
    pinCount: 20,
    firstAnalogPin: 14,
    analogChannels: 6,
    digitalPins: new Set(range(2, 19)),
    pwmPins: PWM_328P,
  },
};

export function boardLayout(board: HardwareProfile["board"]): BoardLayout {
  return LAYOUTS[board];
}

/** "A3" -> 3 */
export function analogChannel(pin: string): number {
  return Number(pin.slice(1));
}

/** Validate a profile (schema, then the board's pins); the error names the field at fault. */
export function checkedProfile(value: unknown, source = "profile"): HardwareProfile {
  const profile = parseProfile(value, source);
  const layout = boardLayout(profile.board);
  const { pump, vent, pressure, secondaryPressure, emergencyButton } = profile.pins;
  if (analogChannel(pressure) >= layout.analogChannels) {
    throw new ProfileError(`${source}: pins.pressure: ${pressure} is not an analog input of the ${profile.board}`);
  }
  if (secondaryPressure !== undefined) {
    if (analogChannel(secondaryPressure) >= layout.analogChannels) {
      throw new ProfileError(`${source}: pins.secondaryPressure: ${secondaryPressure} is not an analog input of the ${profile.board}`);
    }
    if (I2C_PINS.includes(secondaryPressure)) {
      throw new ProfileError(`${source}: pins.secondaryPressure: ${secondaryPressure} carries the I2C bus the first sensor's ADS1115 is read on (A4 SDA, A5 SCL)`);
    }
  }
  if (pump === vent) {
    throw new ProfileError(`${source}: pins.vent: ${vent} is already the pump pin`);
  }
  if (emergencyButton !== undefined) {
    const pin = pinNumber(emergencyButton);
    if (!layout.digitalPins.has(pin)) {
      throw new ProfileError(`${source}: pins.emergencyButton: ${emergencyButton} carries the USB serial link`);
    }
    if (emergencyButton === pump || emergencyButton === vent) {
      throw new ProfileError(`${source}: pins.emergencyButton: ${emergencyButton} is already an actuator pin`);
    }
  }
  return profile;
}
