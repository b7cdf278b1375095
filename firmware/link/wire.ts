/**
 * An in-memory, synchronous byte wire for in-process links in virtual time.
 * Writes are delivered to listeners at once; callers must not write from
 * inside a listener of the same wire pair (the simulated host queues instead).
 */
type Listener = (chunk: Buffer | string) => void;

export class Wire {
  private readonly listeners = new Set<Listener>();
  destroyed = false;

  on(_event: "data", listener: Listener): this {
    this.listeners.add(listener);
    return this;
  }

  off(_event: "data", listener: Listener): this {
    this.listeners.delete(listener);
    return this;
  }

  write(data: string | Uint8Array): boolean {
    if (this.destroyed) return false;
    const chunk = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    for (const listener of [...this.listeners]) listener(chunk);
    return true;
  }

  /** A pulled cable: nothing more gets through. */
  cut(): void {
    this.destroyed = true;
  }
}
