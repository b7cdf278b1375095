/** Sample windows sized in seconds at the tick's sample period. */
import { RingWindow } from "../../signal/ring.ts";

/** A window of `seconds` of samples; made again (empty) when the sample period changes its size. */
export class SecondsWindow {
  private ring: RingWindow | null = null;

  constructor(private readonly seconds: number) {}

  at(dtSeconds: number): RingWindow {
    const capacity = Math.max(1, Math.round(this.seconds / Math.max(dtSeconds, 1e-3)));
    if (!this.ring || this.ring.capacity !== capacity) this.ring = new RingWindow(capacity);
    return this.ring;
  }

  clear(): void {
    this.ring?.clear();
  }
}

/** Mean of the window's newer half less the mean of its older half. */
export function halvesGain(window: RingWindow): number {
  const half = Math.floor(window.length / 2);
  let older = 0;
  let newer = 0;
  let i = 0;
  for (const v of window.values()) {
    if (i < half) older += v;
    else if (i >= window.length - half) newer += v;
    i++;
  }
  return half === 0 ? 0 : (newer - older) / half;
}
