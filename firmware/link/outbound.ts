/**
 * What the firmware sends, bounded however slowly the peer reads. Frames go
 * straight to the output while it keeps up; once it holds OUTBOUND.writableBytes
 * unread, frames wait here: telemetry keeps only its newest frames (the oldest
 * are dropped first), replies and events keep at most OUTBOUND.messageFrames
 * and drop their oldest past that, counting what was lost so the link can say so.
 */
export const OUTBOUND = {
  /** Bytes the output may hold unread before frames wait here (a few dozen frames). */
  writableBytes: 16 * 1024,
  /** Telemetry kept while the peer does not read: one second at 20 Hz. */
  telemetryFrames: 20,
  /** Replies and events kept while the peer does not read. */
  messageFrames: 128,
} as const;

export type OutboundKind = "telemetry" | "message";

/** The parts of a Writable the queue uses. */
export interface OutboundOutput {
  write(frame: string): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  readonly writableLength?: number;
}

export class OutboundQueue {
  private readonly waiting: { frame: string; kind: OutboundKind }[] = [];
  private readonly counts: Record<OutboundKind, number> = { telemetry: 0, message: 0 };
  /** Replies and events dropped since the last report. */
  private droppedMessages = 0;

  constructor(private readonly output: OutboundOutput) {}

  get gone(): boolean {
    return this.output.destroyed === true || this.output.writableEnded === true;
  }

  /** Frames waiting for the peer to read. */
  get length(): number {
    return this.waiting.length;
  }

  /** Replies and events lost since the last call, which resets the count. */
  takeDropped(): number {
    const dropped = this.droppedMessages;
    this.droppedMessages = 0;
    return dropped;
  }

  push(frame: string, kind: OutboundKind): void {
    if (this.gone) return;
    this.flush();
    if (this.waiting.length === 0 && this.hasRoom()) {
      this.output.write(frame);
      return;
    }
    this.waiting.push({ frame, kind });
    this.counts[kind]++;
    const limit = kind === "telemetry" ? OUTBOUND.telemetryFrames : OUTBOUND.messageFrames;
    if (this.counts[kind] > limit) {
      this.dropOldest(kind);
      if (kind === "message") this.droppedMessages++;
    }
  }

  /** Hands waiting frames to the output while it has room. */
  flush(): void {
    while (this.waiting.length > 0 && !this.gone && this.hasRoom()) {
      const next = this.waiting.shift()!;
      this.counts[next.kind]--;
      this.output.write(next.frame);
    }
  }

  private hasRoom(): boolean {
    return (this.output.writableLength ?? 0) < OUTBOUND.writableBytes;
  }

  private dropOldest(kind: OutboundKind): void {
    const index = this.waiting.findIndex((entry) => entry.kind === kind);
    this.waiting.splice(index, 1);
    this.counts[kind]--;
  }
}
