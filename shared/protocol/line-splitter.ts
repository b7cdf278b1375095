/**
 * Splits a byte stream into lines, never holding more than the frame limit:
 * an over-long line is reported once and skipped up to its newline, so a
 * flood without newlines cannot grow memory.
 */
import { MAX_FRAME_BYTES } from "./framing.ts";

export type LineEvent = { kind: "line"; bytes: Uint8Array } | { kind: "too-long"; bytes: number };

export class LineSplitter {
  private buffer = new Uint8Array(MAX_FRAME_BYTES);
  private length = 0;
  private overflowBytes = 0;

  /**
   * Feeds bytes; `emit` is called for each line. When it returns false the splitter stops after
   * that line and returns how many bytes of `chunk` it took (the rest is the caller's to feed again).
   */
  push(chunk: Uint8Array, emit: (event: LineEvent) => boolean | void): number {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === 0x0a) {
        let more: boolean | void = true;
        if (this.overflowBytes > 0) {
          more = emit({ kind: "too-long", bytes: this.overflowBytes + 1 });
        } else if (this.length > 0) {
          more = emit({ kind: "line", bytes: this.buffer.slice(0, this.length) });
        }
        this.length = 0;
        this.overflowBytes = 0;
        if (more === false) return i + 1;
        continue;
      }
      if (this.overflowBytes > 0) {
        this.overflowBytes++;
      } else if (this.length >= MAX_FRAME_BYTES - 1) {
        this.overflowBytes = this.length + 1;
        this.length = 0;
      } else {
        this.buffer[this.length++] = byte;
      }
    }
    return chunk.length;
  }
}
