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

/**
 * A pressure level that a knock of the limb (a bump of up to 0.25 s) does not move: the median of
 * the means of the last `blocks` blocks of `blockSeconds`, one new level per block. It also keeps
 * the levels of the last `historySeconds`, oldest first, for rises over a window.
 */
export class RobustLevel {
  private blockSum = 0;
  private blockCount = 0;
  private blockSeconds = 0;
  private readonly means: number[] = [];
  private readonly levels: number[] = [];

  constructor(
    private readonly blockLength: number,
    private readonly blocks: number,
    private readonly historySeconds: number,
  ) {}

  /** Adds a sample; true when it closed a block (and the level moved on). */
  push(mmhg: number, dtSeconds: number): boolean {
    this.blockSum += mmhg;
    this.blockCount++;
    this.blockSeconds += dtSeconds;
    if (this.blockSeconds < this.blockLength - 1e-9) return false;
    this.means.push(this.blockSum / this.blockCount);
    if (this.means.length > this.blocks) this.means.shift();
    this.blockSum = 0;
    this.blockCount = 0;
    this.blockSeconds = 0;
    if (this.means.length < this.blocks) return false;
    this.levels.push(medianOf(this.means));
    if (this.levels.length > Math.round(this.historySeconds / this.blockLength) + 1) this.levels.shift();
    return true;
  }

  /** The latest level (NaN before the first full set of blocks). */
  get level(): number {
    return this.levels.length ? this.levels[this.levels.length - 1]! : Number.NaN;
  }

  /** The level `seconds` ago, or NaN when the history does not reach back that far. */
  levelAgo(seconds: number): number {
    const back = Math.round(seconds / this.blockLength);
    return back < this.levels.length ? this.levels[this.levels.length - 1 - back]! : Number.NaN;
  }

  clear(): void {
    this.blockSum = 0;
    this.blockCount = 0;
    this.blockSeconds = 0;
    this.means.length = 0;
    this.levels.length = 0;
  }
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The least-squares line through `values` taken every `stepSeconds`: its slope (per second) and the
 * slope's standard error from the values' own scatter around it (infinite under three values).
 */
export function lineFit(values: readonly number[], stepSeconds: number): { slope: number; slopeError: number; residualSd: number } {
  const n = values.length;
  if (n < 3) return { slope: 0, slopeError: Number.POSITIVE_INFINITY, residualSd: Number.POSITIVE_INFINITY };
  const meanX = ((n - 1) * stepSeconds) / 2;
  const meanY = values.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  values.forEach((y, i) => {
    const dx = i * stepSeconds - meanX;
    sxx += dx * dx;
    sxy += dx * (y - meanY);
  });
  const slope = sxy / sxx;
  let residuals = 0;
  values.forEach((y, i) => {
    const r = y - meanY - slope * (i * stepSeconds - meanX);
    residuals += r * r;
  });
  return { slope, slopeError: Math.sqrt(residuals / (n - 2) / sxx), residualSd: Math.sqrt(residuals / (n - 2)) };
}
