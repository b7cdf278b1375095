/**
 * How fast the firmware reads a peer. A host needs a few frames a second (heartbeats,
 * a command, a status request); a peer sending far more is flooding. Past its budget
 * the link stops reading (the input is paused, so the flood waits in the peer's own
 * pipe or serial buffer) until the budget has refilled: the firmware's memory and its
 * control loop's time stay the same however hard the peer pushes.
 */
export const INBOUND = {
  framesPerSecond: 200,
  burstFrames: 400,
  /** Bytes read past the budget before the pause took hold, kept to be read later; beyond this they are dropped. */
  heldBytes: 128 * 1024,
} as const;

/** A token bucket of frames, refilled with time. */
export class FrameBudget {
  private tokens: number = INBOUND.burstFrames;
  private lastSeconds: number | null = null;

  /** One frame was read. */
  spend(nowSeconds: number): void {
    this.refill(nowSeconds);
    this.tokens--;
  }

  /** At least one frame may be read now. */
  available(nowSeconds: number): boolean {
    this.refill(nowSeconds);
    return this.tokens >= 1;
  }

  private refill(nowSeconds: number): void {
    if (this.lastSeconds !== null && nowSeconds > this.lastSeconds) {
      this.tokens = Math.min(INBOUND.burstFrames, this.tokens + (nowSeconds - this.lastSeconds) * INBOUND.framesPerSecond);
    }
    this.lastSeconds = nowSeconds;
  }
}
