/**
 * A cross-check on the pressure sensor while the cuff holds still: the arterial
 * pulsations the cuff picks up shrink steeply as the true pressure nears the limb
 * occlusion pressure (about 1.8 mmHg peak to peak at 80 % LOP, 0.2-0.6 at 95 %).
 * If they fade to a fraction of what the session's first still hold showed while
 * the reading stays on target, the reading is wrong (a drifting sensor): the true
 * pressure is climbing towards LOP.
 */
import { BandPass } from "../signal/filters.ts";
import { RingWindow } from "../signal/ring.ts";

export const PULSE_MONITOR = {
  lowCutHz: 0.6,
  highCutHz: 4,
  windowSeconds: 1,
  /** Median over this many one-second windows. */
  windows: 8,
  /** The filter and the limb settle this long into each still hold before windows count. */
  settleSeconds: 8,
} as const;

export class PulseMonitor {
  private band: BandPass;
  private readonly amplitudes = new RingWindow(PULSE_MONITOR.windows);
  private readonly sorted: number[] = [];
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;
  private windowStart: number | null = null;
  private stillSince: number | null = null;
  private baselineMmhg: number | null = null;

  constructor(private readonly sampleHz: number) {
    this.band = new BandPass(PULSE_MONITOR.lowCutHz, PULSE_MONITOR.highCutHz, sampleHz);
  }

  /** Baseline pulsation, peak to peak, from the session's first still hold (null before). */
  get baseline(): number | null {
    return this.baselineMmhg;
  }

  /**
   * One sample. Returns the current pulsation as a share of the baseline when a
   * full set of windows has been judged in a still hold after the first, else null.
   */
  update(t: number, mmhg: number, still: boolean): number | null {
    if (!still || !Number.isFinite(mmhg)) {
      this.stillSince = null;
      return null;
    }
    if (this.stillSince === null) {
      this.stillSince = t;
      this.band = new BandPass(PULSE_MONITOR.lowCutHz, PULSE_MONITOR.highCutHz, this.sampleHz);
      this.amplitudes.clear();
      this.windowStart = null;
    }
    const y = this.band.next(mmhg);
    if (t - this.stillSince < PULSE_MONITOR.settleSeconds) return null;
    if (this.windowStart === null) {
      this.windowStart = t;
      this.low = y;
      this.high = y;
      return null;
    }
    this.low = Math.min(this.low, y);
    this.high = Math.max(this.high, y);
    if (t - this.windowStart < PULSE_MONITOR.windowSeconds) return null;
    this.amplitudes.push(this.high - this.low);
    this.windowStart = t;
    this.low = y;
    this.high = y;
    if (!this.amplitudes.full) return null;
    const median = this.median();
    if (this.baselineMmhg === null) {
      this.baselineMmhg = median;
      return null;
    }
    return median / this.baselineMmhg;
  }

  /** A new session starts without a baseline. */
  reset(): void {
    this.baselineMmhg = null;
    this.stillSince = null;
  }

  private median(): number {
    this.sorted.length = 0;
    for (const value of this.amplitudes.values()) this.sorted.push(value);
    this.sorted.sort((a, b) => a - b);
    return this.sorted[Math.floor(this.sorted.length / 2)]!;
  }
}
