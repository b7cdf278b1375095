/** A byte-level Firmata host for tests: sends raw bytes, decodes what the board sends. */
import type { Duplex } from "node:stream";
import type { ManualClock } from "../../shared/clock.ts";

export type BoardMessage =
  | { kind: "version"; major: number; minor: number; t: number }
  | { kind: "analog"; channel: number; value: number; t: number }
  | { kind: "sysex"; id: number; data: number[]; t: number };

export class RawHost {
  readonly messages: BoardMessage[] = [];
  ended = false;
  private pending: number[] = [];

  constructor(
    readonly stream: Duplex,
    private readonly clock: ManualClock,
  ) {
    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    stream.on("close", () => (this.ended = true));
    stream.on("end", () => (this.ended = true));
    stream.on("error", () => (this.ended = true));
  }

  send(bytes: readonly number[]): void {
    this.stream.write(Buffer.from(bytes));
  }

  sysex(id: number): Array<Extract<BoardMessage, { kind: "sysex" }>> {
    return this.messages.filter((m): m is Extract<BoardMessage, { kind: "sysex" }> => m.kind === "sysex" && m.id === id);
  }

  analog(channel: number): Array<Extract<BoardMessage, { kind: "analog" }>> {
    return this.messages.filter((m): m is Extract<BoardMessage, { kind: "analog" }> => m.kind === "analog" && m.channel === channel);
  }

  private receive(chunk: Buffer): void {
    const t = this.clock.nowSeconds();
    for (const byte of chunk) {
      this.pending.push(byte);
      const first = this.pending[0]!;
      if (first === 0xf0) {
        if (byte === 0xf7) {
          this.messages.push({ kind: "sysex", id: this.pending[1]!, data: this.pending.slice(2, -1), t });
          this.pending = [];
        }
      } else if (this.pending.length === 3) {
        const [a, b, c] = this.pending as [number, number, number];
        if (a === 0xf9) this.messages.push({ kind: "version", major: b, minor: c, t });
        else if ((a & 0xf0) === 0xe0) this.messages.push({ kind: "analog", channel: a & 0x0f, value: b | (c << 7), t });
        this.pending = [];
      }
    }
  }
}

/** Let queued stream data flow (in-process pairs deliver on the next turns of the event loop). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advance virtual time in small steps, letting stream data flow between them. */
export async function runFor(clock: ManualClock, seconds: number, stepSeconds = 0.001, each?: () => void): Promise<void> {
  const end = clock.nowSeconds() + seconds;
  while (clock.nowSeconds() < end - 1e-12) {
    clock.advanceTo(Math.min(end, clock.nowSeconds() + stepSeconds));
    await flush();
    each?.();
  }
}
