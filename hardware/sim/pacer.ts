/**
 * Runs the in-process simulated cuff in virtual time, paced against the wall
 * clock: `speed` virtual seconds per wall second (Infinity: as fast as the
 * machine goes). The host's client shares the same virtual clock, so its
 * heartbeats and timeouts keep their meaning at any speed.
 */
export interface Advanceable {
  advance(seconds: number): Promise<void>;
}

/** Longest virtual step per advance: keeps the link flowing between steps. */
const MAX_CHUNK_SECONDS = 0.1;
const WALL_TICK_MS = 20;

export class Pacer {
  private stopped = false;
  private readonly done: Promise<void>;
  private virtualSeconds = 0;

  /** `onFailure`: the simulation threw; it has stopped. */
  constructor(
    private readonly target: Advanceable,
    readonly speed: number,
    onFailure: (error: Error) => void = () => {},
  ) {
    this.done = this.loop().catch((error: Error) => onFailure(error));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async loop(): Promise<void> {
    const wallStart = performance.now();
    while (!this.stopped) {
      if (!Number.isFinite(this.speed)) {
        await this.step(MAX_CHUNK_SECONDS);
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      const due = ((performance.now() - wallStart) / 1000) * this.speed;
      const lag = due - this.virtualSeconds;
      if (lag >= 0.01) {
        await this.step(Math.min(lag, MAX_CHUNK_SECONDS));
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        await new Promise<void>((resolve) => setTimeout(resolve, WALL_TICK_MS));
      }
    }
  }

  private async step(seconds: number): Promise<void> {
    const rounded = Math.round(seconds * 100) / 100;
    if (rounded <= 0) return;
    await this.target.advance(rounded);
    this.virtualSeconds += rounded;
  }
}
