/**
 * Sequence numbers per sender (0..65535, wrapping) and the repeated-command
 * rule: a command whose seq was already executed is answered again with the
 * same reply, but not executed twice. This makes host retries safe.
 */
import { MAX_SEQ } from "./messages.ts";

export class SequenceCounter {
  private next: number;
  constructor(start = 0) {
    this.next = start & MAX_SEQ;
  }
  take(): number {
    const seq = this.next;
    this.next = (this.next + 1) & MAX_SEQ;
    return seq;
  }
}

/** Remembers the replies to the last `capacity` commands by seq. */
export class ReplyCache<Reply> {
  private readonly replies = new Map<number, Reply>();
  constructor(private readonly capacity = 64) {}

  /** The stored reply if this seq was already executed. */
  replayFor(seq: number): Reply | undefined {
    return this.replies.get(seq);
  }

  remember(seq: number, reply: Reply): void {
    this.replies.delete(seq);
    this.replies.set(seq, reply);
    while (this.replies.size > this.capacity) {
      const oldest = this.replies.keys().next().value as number;
      this.replies.delete(oldest);
    }
  }

  /** A new host session starts afresh (after a hello). */
  clear(): void {
    this.replies.clear();
  }
}
