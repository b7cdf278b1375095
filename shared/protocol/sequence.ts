/**
 * Sequence numbers per sender (0..65535, wrapping) and the repeated-command
 * rule: a command that comes again with the same seq and the same content is a
 * retransmission, answered again with the same reply but not executed twice.
 * The same seq with other content is a new command, never a retransmission.
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

/** What identifies a command apart from its seq: everything else it says, as canonical JSON. */
export function commandContent(message: { seq: number } & Record<string, unknown>): string {
  const { seq: _seq, ...content } = message;
  return canonicalJson(content);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Remembers the replies to the last `capacity` commands by seq, with the content each seq carried. */
export class ReplyCache<Reply> {
  private readonly replies = new Map<number, { content: string; reply: Reply }>();
  constructor(private readonly capacity = 64) {}

  /** The stored reply if this very command (same seq, same content) was already executed. */
  replayFor(seq: number, content: string): Reply | undefined {
    const entry = this.replies.get(seq);
    return entry !== undefined && entry.content === content ? entry.reply : undefined;
  }

  remember(seq: number, content: string, reply: Reply): void {
    this.replies.delete(seq);
    this.replies.set(seq, { content, reply });
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
