/**
 * The board side of the Firmata wire protocol (version 2.6): a byte parser for
 * what the host sends and encoders for what the board answers. Pure: bytes in,
 * commands out; no I/O.
 */

export const FIRMATA = {
  DIGITAL_MESSAGE: 0x90,
  REPORT_ANALOG: 0xc0,
  REPORT_DIGITAL: 0xd0,
  ANALOG_MESSAGE: 0xe0,
  START_SYSEX: 0xf0,
  SET_PIN_MODE: 0xf4,
  SET_DIGITAL_PIN_VALUE: 0xf5,
  END_SYSEX: 0xf7,
  REPORT_VERSION: 0xf9,
  SYSTEM_RESET: 0xff,
  // sysex ids
  EXTENDED_ANALOG: 0x6f,
  CAPABILITY_QUERY: 0x6b,
  CAPABILITY_RESPONSE: 0x6c,
  ANALOG_MAPPING_QUERY: 0x69,
  ANALOG_MAPPING_RESPONSE: 0x6a,
  PIN_STATE_QUERY: 0x6d,
  PIN_STATE_RESPONSE: 0x6e,
  QUERY_FIRMWARE: 0x79,
  SAMPLING_INTERVAL: 0x7a,
  STRING_DATA: 0x71,
  I2C_REQUEST: 0x76,
  I2C_REPLY: 0x77,
  I2C_CONFIG: 0x78,
} as const;

/** I2C_REQUEST's read/write mode, bits 3-4 of its second byte. */
export const I2cMode = { WRITE: 0, READ_ONCE: 1, READ_CONTINUOUSLY: 2, STOP_READING: 3 } as const;

export interface I2cRequest {
  address: number;
  mode: number;
  /** The data bytes, each sent as two 7-bit halves. */
  bytes: number[];
}

/** An I2C_REQUEST sysex's data (after its id); null when it is too short to name a device. */
export function decodeI2cRequest(data: readonly number[]): I2cRequest | null {
  if (data.length < 2) return null;
  const bytes: number[] = [];
  for (let i = 2; i + 1 < data.length; i += 2) bytes.push((data[i]! & 0x7f) | ((data[i + 1]! & 0x7f) << 7));
  return { address: (data[0]! & 0x7f) | ((data[1]! & 0x07) << 7), mode: (data[1]! >> 3) & 0x03, bytes };
}

/** I2C_REPLY: the device, the register read from, the bytes (none: the device did not answer). */
export function encodeI2cReply(address: number, register: number, bytes: readonly number[]): number[] {
  const halves = (v: number) => [v & 0x7f, (v >> 7) & 0x7f];
  return [FIRMATA.START_SYSEX, FIRMATA.I2C_REPLY, ...halves(address), ...halves(register), ...bytes.flatMap(halves), FIRMATA.END_SYSEX];
}

export const PROTOCOL_VERSION = { major: 2, minor: 6 } as const;

export const PinMode = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  PULLUP: 0x0b,
} as const;
export type PinModeValue = (typeof PinMode)[keyof typeof PinMode];

/** StandardFirmata's MAX_DATA_BYTES: longer sysex messages are dropped whole. */
export const MAX_SYSEX_BYTES = 64;

export type FirmataCommand =
  | { kind: "report-version" }
  | { kind: "system-reset" }
  | { kind: "digital-port"; port: number; value: number }
  | { kind: "analog-write"; pin: number; value: number }
  | { kind: "report-analog"; channel: number; enable: number }
  | { kind: "report-digital"; port: number; enable: number }
  | { kind: "set-pin-mode"; pin: number; mode: number }
  | { kind: "set-digital-pin"; pin: number; value: number }
  | { kind: "sysex"; id: number; data: number[] };

/** Data bytes each status byte takes; status bytes not listed are unknown and dropped. */
function dataLength(status: number): number | undefined {
  if (status >= 0x90 && status <= 0x9f) return 2;
  if (status >= 0xc0 && status <= 0xdf) return 1;
  if (status >= 0xe0 && status <= 0xef) return 2;
  if (status === FIRMATA.SET_PIN_MODE || status === FIRMATA.SET_DIGITAL_PIN_VALUE) return 2;
  if (status === FIRMATA.REPORT_VERSION || status === FIRMATA.SYSTEM_RESET) return 0;
  return undefined;
}

/**
 * Incremental parser. A status byte always starts a new message: it abandons a
 * message still waiting for data (including an unterminated sysex), so a
 * truncated message is dropped rather than completed by the next one's bytes.
 * Stray data bytes and unknown status bytes are ignored.
 */
export class FirmataParser {
  private status: number | null = null;
  private needed = 0;
  private data: number[] = [];
  private inSysex = false;
  private sysexOverflow = false;

  feed(bytes: Uint8Array | readonly number[]): FirmataCommand[] {
    const out: FirmataCommand[] = [];
    for (const byte of bytes) {
      const command = this.push(byte & 0xff);
      if (command) out.push(command);
    }
    return out;
  }

  private push(byte: number): FirmataCommand | null {
    if (byte >= 0x80) {
      if (this.inSysex && byte === FIRMATA.END_SYSEX) {
        const data = this.data;
        const overflow = this.sysexOverflow;
        this.clear();
        if (overflow || data.length === 0) return null;
        return { kind: "sysex", id: data[0]!, data: data.slice(1) };
      }
      this.clear();
      if (byte === FIRMATA.START_SYSEX) {
        this.inSysex = true;
        return null;
      }
      const needed = dataLength(byte);
      if (needed === undefined) return null;
      this.status = byte;
      this.needed = needed;
      return needed === 0 ? this.complete() : null;
    }
    if (this.inSysex) {
      if (this.data.length < MAX_SYSEX_BYTES) this.data.push(byte);
      else this.sysexOverflow = true;
      return null;
    }
    if (this.status === null) return null;
    this.data.push(byte);
    return this.data.length === this.needed ? this.complete() : null;
  }

  private complete(): FirmataCommand | null {
    const status = this.status!;
    const [a = 0, b = 0] = this.data;
    this.clear();
    if (status === FIRMATA.REPORT_VERSION) return { kind: "report-version" };
    if (status === FIRMATA.SYSTEM_RESET) return { kind: "system-reset" };
    if (status === FIRMATA.SET_PIN_MODE) return { kind: "set-pin-mode", pin: a, mode: b };
    if (status === FIRMATA.SET_DIGITAL_PIN_VALUE) return { kind: "set-digital-pin", pin: a, value: b };
    const low = status & 0x0f;
    switch (status & 0xf0) {
      case FIRMATA.DIGITAL_MESSAGE:
        return { kind: "digital-port", port: low, value: a | (b << 7) };
      case FIRMATA.ANALOG_MESSAGE:
        return { kind: "analog-write", pin: low, value: a | (b << 7) };
      case FIRMATA.REPORT_ANALOG:
        return { kind: "report-analog", channel: low, enable: a };
      case FIRMATA.REPORT_DIGITAL:
        return { kind: "report-digital", port: low, enable: a };
      default:
        return null;
    }
  }

  private clear(): void {
    this.status = null;
    this.needed = 0;
    this.data = [];
    this.inSysex = false;
    this.sysexOverflow = false;
  }
}

/** Little-endian 7-bit groups of a value (EXTENDED_ANALOG and friends). */
export function from7bitGroups(bytes: readonly number[]): number {
  let value = 0;
  bytes.forEach((byte, i) => {
    value += (byte & 0x7f) * 2 ** (7 * i);
  });
  return value;
}

export function encodeReportVersion(): number[] {
  return [FIRMATA.REPORT_VERSION, PROTOCOL_VERSION.major, PROTOCOL_VERSION.minor];
}

/** QUERY_FIRMWARE reply: sketch version and the name as 14-bit characters. */
export function encodeFirmwareReport(name: string, major: number, minor: number): number[] {
  const chars = [...Buffer.from(name, "ascii")].flatMap((c) => [c & 0x7f, (c >> 7) & 0x7f]);
  return [FIRMATA.START_SYSEX, FIRMATA.QUERY_FIRMWARE, major & 0x7f, minor & 0x7f, ...chars, FIRMATA.END_SYSEX];
}

export function encodeAnalogMessage(channel: number, value: number): number[] {
  const v = Math.max(0, Math.min(0x3fff, Math.round(value)));
  return [FIRMATA.ANALOG_MESSAGE | (channel & 0x0f), v & 0x7f, (v >> 7) & 0x7f];
}

/** One entry per pin: its supported modes with their resolution in bits. */
export type PinCapabilities = ReadonlyArray<ReadonlyArray<readonly [mode: number, bits: number]>>;

export function encodeCapabilityResponse(pins: PinCapabilities): number[] {
  const body = pins.flatMap((modes) => [...modes.flatMap(([mode, bits]) => [mode, bits]), 0x7f]);
  return [FIRMATA.START_SYSEX, FIRMATA.CAPABILITY_RESPONSE, ...body, FIRMATA.END_SYSEX];
}

/** Analog channel of each pin, 127 for pins without one. */
export function encodeAnalogMappingResponse(channels: readonly number[]): number[] {
  return [FIRMATA.START_SYSEX, FIRMATA.ANALOG_MAPPING_RESPONSE, ...channels, FIRMATA.END_SYSEX];
}

export function encodePinStateResponse(pin: number, mode: number, state: number): number[] {
  const s = Math.max(0, Math.round(state));
  return [FIRMATA.START_SYSEX, FIRMATA.PIN_STATE_RESPONSE, pin & 0x7f, mode & 0x7f, s & 0x7f, (s >> 7) & 0x7f, FIRMATA.END_SYSEX];
}

export function encodeSysex(id: number, payload: readonly number[]): number[] {
  return [FIRMATA.START_SYSEX, id & 0x7f, ...payload.map((b) => b & 0x7f), FIRMATA.END_SYSEX];
}
