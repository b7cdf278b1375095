/**
 * Turns raw pressure samples into the estimates control and safety work with:
 * calibrated mmHg, a lightly filtered value for control, and the slope.
 */
import { countsToMmhg, countsFullScale, type HardwareProfile } from "../../hardware/profile.ts";

export interface PressureEstimate {
  tSeconds: number;
  /** Calibrated, unfiltered reading (NaN when the sample is unusable). */
  rawMmhg: number;
  /** Low-pass filtered for control. */
  mmhg: number;
  /** mmHg/s over the last ~50 ms of filtered readings. */
  slopeMmhgPerSecond: number;
  /** The raw count sat on an ADC rail. */
  atRail: boolean;
  counts: number;
}

/** Control filter: 15 ms keeps pulsation and contraction dynamics while halving sensor noise. */
const FILTER_SECONDS = 0.015;
const SLOPE_WINDOW = 5;

export class PressureEstimator {
  private zeroOffsetMmhg = 0;
  private filtered: number | null = null;
  private readonly history: { t: number; mmhg: number }[] = [];
  private readonly fullScale: number;
  /** The board samples on its own fixed grid; arrival times over USB jitter and bunch up. */
  private readonly periodSeconds: number;

  constructor(private readonly profile: HardwareProfile) {
    this.fullScale = countsFullScale(profile);
    this.periodSeconds = 1 / profile.sensor.sampleHz;
  }

  get offsetMmhg(): number {
    return this.zeroOffsetMmhg;
  }

  setZeroOffset(offsetMmhg: number): void {
    this.zeroOffsetMmhg = offsetMmhg;
    this.filtered = null;
    this.history.length = 0;
  }

  /** Uncalibrated reading in mmHg (for zeroing). */
  uncalibrated(counts: number): number {
    return countsToMmhg(this.profile, counts);
  }

  update(tSeconds: number, counts: number): PressureEstimate {
    const usable = Number.isFinite(counts);
    const rawMmhg = usable ? countsToMmhg(this.profile, counts) - this.zeroOffsetMmhg : Number.NaN;
    const atRail = usable && (counts <= 0 || counts >= this.fullScale);
    if (usable) {
      // Each sample is one board period after the previous one, however it arrived.
      const alpha = this.periodSeconds / (FILTER_SECONDS + this.periodSeconds);
      this.filtered = this.filtered === null ? rawMmhg : this.filtered + alpha * (rawMmhg - this.filtered);
      this.history.push({ t: tSeconds, mmhg: this.filtered });
      if (this.history.length > SLOPE_WINDOW + 1) this.history.shift();
    }
    const first = this.history[0];
    const last = this.history[this.history.length - 1];
    const span = (this.history.length - 1) * this.periodSeconds;
    const slope = first && last && span > 0 ? (last.mmhg - first.mmhg) / span : 0;
    return {
      tSeconds,
      rawMmhg,
      mmhg: this.filtered ?? rawMmhg,
      slopeMmhgPerSecond: slope,
      atRail,
      counts,
    };
  }
}
