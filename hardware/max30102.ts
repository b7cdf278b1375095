/**
 * The distal pulse sensor's chip, the MAX30102 (Maxim/Analog Devices datasheet
 * 19-7740): what a board writes to set it up and how it reads the samples. The
 * johnny-five board, the virtual Firmata board and the simavr harness all talk to
 * it in these terms, over I2C.
 *
 * Samples wait in a 32-deep FIFO: FIFO_WR_PTR, OVF_COUNTER and FIFO_RD_PTR
 * (0x04-0x06) tell how many are unread; reading FIFO_DATA (0x07) pops them, three
 * bytes each (18 bits, most significant byte first), and the register address
 * does not advance while FIFO_DATA is read.
 */

export const MAX30102 = {
  /** 7-bit I2C address (fixed by the chip). */
  address: 0x57,
  register: {
    fifoWritePointer: 0x04,
    overflowCounter: 0x05,
    fifoReadPointer: 0x06,
    fifoData: 0x07,
    fifoConfig: 0x08,
    modeConfig: 0x09,
    spo2Config: 0x0a,
    led1Amplitude: 0x0c,
    led2Amplitude: 0x0d,
    multiLedSlots: 0x11,
    partId: 0xff,
  },
  /** What PART_ID reads on a MAX30102. */
  partId: 0x15,
  fifoDepth: 32,
  bytesPerSample: 3,
  /** Sample rates the chip offers, with their SPO2_CONFIG codes. */
  sampleRateCodes: { 50: 0, 100: 1, 200: 2, 400: 3 } as Record<number, number>,
} as const;

/**
 * The set-up, register by register: reset, FIFO pointers cleared, no averaging with
 * rollover, ADC range 4096 nA, the sample rate, 411 us pulses (18 bits), the infrared
 * LED at about 7 mA and the red one off, infrared alone in slot 1, multi-LED mode.
 */
export function max30102SetUp(sampleHz: number): Array<{ register: number; value: number }> {
  const r = MAX30102.register;
  const rate = MAX30102.sampleRateCodes[sampleHz];
  if (rate === undefined) throw new RangeError(`the MAX30102 samples at 50, 100, 200 or 400 Hz, not ${sampleHz}`);
  return [
    { register: r.modeConfig, value: 0x40 },
    { register: r.fifoWritePointer, value: 0 },
    { register: r.overflowCounter, value: 0 },
    { register: r.fifoReadPointer, value: 0 },
    { register: r.fifoConfig, value: 0x10 },
    { register: r.spo2Config, value: 0x20 | (rate << 2) | 0x03 },
    { register: r.led1Amplitude, value: 0x00 },
    { register: r.led2Amplitude, value: 0x24 },
    { register: r.multiLedSlots, value: 0x02 },
    { register: r.modeConfig, value: 0x07 },
  ];
}

/** Unread samples from the three pointer registers (a FIFO that overflowed is full). */
export function unreadSamples(writePointer: number, overflowCounter: number, readPointer: number): number {
  if (overflowCounter > 0) return MAX30102.fifoDepth;
  return (writePointer - readPointer + MAX30102.fifoDepth) % MAX30102.fifoDepth;
}

/** FIFO_DATA bytes to samples: three bytes each, the top six bits unused. */
export function decodeFifoData(bytes: readonly number[]): number[] {
  const samples: number[] = [];
  for (let i = 0; i + 2 < bytes.length; i += 3) samples.push(((bytes[i]! & 0x03) << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!);
  return samples;
}

/** A sample as the three bytes FIFO_DATA gives for it. */
export function encodeFifoSample(counts: number): [number, number, number] {
  const v = Math.max(0, Math.min(0x3ffff, Math.round(counts)));
  return [(v >> 16) & 0x03, (v >> 8) & 0xff, v & 0xff];
}
