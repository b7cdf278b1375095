/**
 * The MAX30102's registers over a simulated distal pulse sensor, as a board's I2C
 * bus sees them (hardware/max30102.ts): PART_ID, the set-up registers, and the
 * 32-deep FIFO with its pointers. New samples move into the FIFO whenever the bus
 * touches the chip; a full FIFO drops its oldest (rollover) and counts the loss.
 */
import { encodeFifoSample, MAX30102 } from "../max30102.ts";
import type { DistalPulseChip } from "./plant.ts";

export class Max30102Model {
  private readonly unread: number[] = [];
  private writePointer = 0;
  private readPointer = 0;
  private overflow = 0;
  /** Bytes of the sample being read out of FIFO_DATA (three per sample). */
  private sampleBytes: number[] = [];
  private readonly registers = new Map<number, number>();

  constructor(private readonly chip: DistalPulseChip) {}

  /** An I2C write: the register, then its bytes (the address advances, except on FIFO_DATA). */
  write(register: number, values: readonly number[]): void {
    this.collect();
    const r = MAX30102.register;
    let at = register;
    for (const value of values) {
      if (at === r.fifoWritePointer || at === r.fifoReadPointer) {
        // Setting a pointer restarts the FIFO from it (the set-up clears both).
        this.writePointer = this.readPointer = value & 0x1f;
        this.unread.length = 0;
        this.sampleBytes = [];
      } else if (at === r.overflowCounter) this.overflow = value & 0x1f;
      else if (at === r.modeConfig && value & 0x40) this.registers.clear();
      else this.registers.set(at, value & 0xff);
      if (at !== r.fifoData) at = (at + 1) & 0xff;
    }
  }

  /** An I2C read of `count` bytes from `register`. */
  read(register: number, count: number): number[] {
    this.collect();
    const r = MAX30102.register;
    const bytes: number[] = [];
    let at = register;
    for (let i = 0; i < count; i++) {
      if (at === r.fifoData) bytes.push(this.fifoByte());
      else if (at === r.fifoWritePointer) bytes.push(this.writePointer);
      else if (at === r.fifoReadPointer) bytes.push(this.readPointer);
      else if (at === r.overflowCounter) bytes.push(this.overflow);
      else if (at === r.partId) bytes.push(MAX30102.partId);
      else bytes.push(this.registers.get(at) ?? 0);
      if (at !== r.fifoData) at = (at + 1) & 0xff;
    }
    return bytes;
  }

  /** The value a register was last set to (undefined if never). */
  registerValue(register: number): number | undefined {
    return this.registers.get(register);
  }

  private collect(): void {
    for (const sample of this.chip.readFifo()) {
      if (this.unread.length === MAX30102.fifoDepth) {
        this.unread.shift();
        this.readPointer = (this.readPointer + 1) % MAX30102.fifoDepth;
        this.overflow = Math.min(0x1f, this.overflow + 1);
      }
      this.unread.push(sample);
      this.writePointer = (this.writePointer + 1) % MAX30102.fifoDepth;
    }
  }

  /** The next byte of FIFO_DATA: a sample is popped when its first byte is read; an empty FIFO reads 0. */
  private fifoByte(): number {
    if (this.sampleBytes.length === 0) {
      const sample = this.unread.shift();
      if (sample === undefined) return 0;
      this.readPointer = (this.readPointer + 1) % MAX30102.fifoDepth;
      this.overflow = 0;
      this.sampleBytes = encodeFifoSample(sample);
    }
    return this.sampleBytes.shift()!;
  }
}
