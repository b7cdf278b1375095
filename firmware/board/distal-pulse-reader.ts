/**
 * Reads the distal pulse sensor (a MAX30102, hardware/max30102.ts) through Firmata
 * I2C, as johnny-five's io offers it: i2cConfig, i2cWrite, i2cReadOnce. At connect
 * it asks the chip's PART_ID; a chip that answers is set up, one that does not (no
 * clip plugged in, or a sketch without I2C) is left alone and the build reads LOP
 * through the cuff. Then, driven by the pressure samples (never a free timer), it
 * polls: the FIFO's pointers, then the unread samples, at most ten per read.
 */
import type { Clock } from "../../shared/clock.ts";
import type { HardwareProfile } from "../../hardware/profile.ts";
import { decodeFifoData, MAX30102, max30102SetUp, unreadSamples } from "../../hardware/max30102.ts";

/** The I2C calls of firmata-io's Board the reader uses. */
export interface I2cIo {
  i2cConfig(options: { delay: number }): unknown;
  i2cWrite(address: number, register: number, bytes: number[]): unknown;
  i2cReadOnce(address: number, register: number, bytesToRead: number, callback: (bytes: number[]) => void): unknown;
}

export const DISTAL_READER = {
  /** A poll every 40 ms: four samples at 100 Hz, well inside the chip's 32. */
  pollSeconds: 0.04,
  /** A reply later than this is given up (the next poll asks again). */
  replySeconds: 0.25,
  /** Samples per read: 30 bytes, a reply the sketch's buffers hold. */
  maxSamplesPerRead: 10,
} as const;

export type DistalReaderState = "probing" | "absent" | "reading";

export class DistalPulseReader {
  private readerState: DistalReaderState = "probing";
  private waitingSince: number | null = null;
  private lastPollSeconds = Number.NEGATIVE_INFINITY;
  /** Each request's reply is taken only by that request (a late reply to an abandoned one is dropped). */
  private token = 0;

  constructor(
    private readonly io: I2cIo,
    private readonly sensor: NonNullable<HardwareProfile["distalPulseSensor"]>,
    private readonly clock: Clock,
    /** The samples of each read, oldest first. */
    private readonly emit: (counts: number[]) => void,
  ) {}

  get state(): DistalReaderState {
    return this.readerState;
  }

  /** Ask the chip who it is; set it up if it is a MAX30102. */
  start(): void {
    this.io.i2cConfig({ delay: 0 });
    this.request(MAX30102.register.partId, 1, (bytes) => {
      if (bytes[0] !== MAX30102.partId) {
        this.readerState = "absent";
        return;
      }
      for (const { register, value } of max30102SetUp(this.sensor.sampleHz)) this.io.i2cWrite(this.sensor.i2cAddress, register, [value]);
      this.readerState = "reading";
    });
  }

  /** On every pressure sample: a poll when one is due and none is waiting; a probe that never got an answer means no chip. */
  tick(): void {
    const now = this.clock.nowSeconds();
    if (this.waitingSince !== null && now - this.waitingSince > DISTAL_READER.replySeconds) {
      this.waitingSince = null;
      this.token++;
      if (this.readerState === "probing") this.readerState = "absent";
    }
    if (this.readerState !== "reading" || this.waitingSince !== null || now - this.lastPollSeconds < DISTAL_READER.pollSeconds) return;
    this.lastPollSeconds = now;
    const r = MAX30102.register;
    this.request(r.fifoWritePointer, 3, ([write = 0, overflow = 0, read = 0]) => {
      const unread = Math.min(DISTAL_READER.maxSamplesPerRead, unreadSamples(write, overflow, read));
      if (unread === 0) return;
      this.request(r.fifoData, unread * MAX30102.bytesPerSample, (bytes) => {
        const counts = decodeFifoData(bytes);
        if (counts.length > 0) this.emit(counts);
      });
    });
  }

  private request(register: number, count: number, onReply: (bytes: number[]) => void): void {
    const token = ++this.token;
    this.waitingSince = this.clock.nowSeconds();
    this.io.i2cReadOnce(this.sensor.i2cAddress, register, count, (bytes) => {
      if (token !== this.token) return;
      this.waitingSince = null;
      // No bytes: the chip did not answer (unplugged, or never there).
      if (bytes.length === 0) {
        this.readerState = "absent";
        return;
      }
      onReply(bytes);
    });
  }
}
