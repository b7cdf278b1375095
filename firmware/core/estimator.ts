/**
 * Turns raw pressure samples into the estimates control and safety work with:
 * calibrated mmHg, a lightly filtered value for control, and the slope; and the
 * second, independent sensor's reading beside it, for the safety rules only.
 */
import { countsToMmhg, type HardwareProfile, type SensorTransfer, transferCountsToMmhg, transferFullScale } from "../../hardware/profile.ts";

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
  /**
   * The second sensor's calibrated reading, filtered like the first: null on a build without one,
   * NaN when a build with one sent no usable second reading with this sample.
   */
  secondaryMmhg: number | null;
  /** The second sensor's raw count sat on its ADC rail. */
  secondaryAtRail: boolean;
  secondaryCounts: number | null;
}

/** Control filter: 15 ms keeps pulsation and contraction dynamics while halving sensor noise. */
const FILTER_SECONDS = 0.015;
const SLOPE_WINDOW = 5;

/** One sensor's calibration and low-pass state. */
class Channel {
  offsetMmhg = 0;
  filtered: number | null = null;
  readonly fullScale: number;

  constructor(private readonly transfer: SensorTransfer) {
    this.fullScale = transferFullScale(transfer);
  }

  uncalibrated(counts: number): number {
    return transferCountsToMmhg(this.transfer, counts);
  }

  /** The zeroed reading, filtered with `alpha`; NaN for an unusable count. */
  read(counts: number | null, alpha: number): { raw: number; filtered: number; atRail: boolean } {
    if (counts === null || !Number.isFinite(counts)) return { raw: Number.NaN, filtered: this.filtered ?? Number.NaN, atRail: false };
    const raw = this.uncalibrated(counts) - this.offsetMmhg;
    this.filtered = this.filtered === null ? raw : this.filtered + alpha * (raw - this.filtered);
    return { raw, filtered: this.filtered, atRail: counts <= 0 || counts >= this.fullScale };
  }
}

export class PressureEstimator {
  private readonly primary: Channel;
  private readonly secondary: Channel | null;
  private readonly history: { t: number; mmhg: number }[] = [];
  /** The board samples on its own fixed grid; arrival times over USB jitter and bunch up. */
  private readonly periodSeconds: number;
  private readonly alpha: number;

  constructor(private readonly profile: HardwareProfile) {
    this.primary = new Channel(profile.sensor);
    this.secondary = profile.secondarySensor ? new Channel(profile.secondarySensor) : null;
    this.periodSeconds = 1 / profile.sensor.sampleHz;
    // Each sample is one board period after the previous one, however it arrived.
    this.alpha = this.periodSeconds / (FILTER_SECONDS + this.periodSeconds);
  }

  get offsetMmhg(): number {
    return this.primary.offsetMmhg;
  }

  get hasSecondary(): boolean {
    return this.secondary !== null;
  }

  /** Zero both sensors (the second's offset is ignored on a build without one). */
  setZeroOffsets(primaryMmhg: number, secondaryMmhg: number | null): void {
    this.primary.offsetMmhg = primaryMmhg;
    this.primary.filtered = null;
    if (this.secondary && secondaryMmhg !== null) {
      this.secondary.offsetMmhg = secondaryMmhg;
      this.secondary.filtered = null;
    }
    this.history.length = 0;
  }

  /** Uncalibrated readings in mmHg (for zeroing); the second is null on a build without one, NaN when missing. */
  uncalibrated(counts: number, secondaryCounts: number | null): { primary: number; secondary: number | null } {
    const secondary = this.secondary ? (secondaryCounts === null ? Number.NaN : this.secondary.uncalibrated(secondaryCounts)) : null;
    return { primary: countsToMmhg(this.profile, counts), secondary };
  }

  update(tSeconds: number, counts: number, secondaryCounts: number | null = null): PressureEstimate {
    const first = this.primary.read(counts, this.alpha);
    if (Number.isFinite(first.raw)) {
      this.history.push({ t: tSeconds, mmhg: first.filtered });
      if (this.history.length > SLOPE_WINDOW + 1) this.history.shift();
    }
    const oldest = this.history[0];
    const newest = this.history[this.history.length - 1];
    const span = (this.history.length - 1) * this.periodSeconds;
    const slope = oldest && newest && span > 0 ? (newest.mmhg - oldest.mmhg) / span : 0;
    const second = this.secondary?.read(secondaryCounts, this.alpha) ?? null;
    return {
      tSeconds,
      rawMmhg: first.raw,
      mmhg: Number.isFinite(first.raw) ? first.filtered : (this.primary.filtered ?? first.raw),
      slopeMmhgPerSecond: slope,
      atRail: first.atRail,
      counts,
      secondaryMmhg: second === null ? null : Number.isFinite(second.raw) ? second.filtered : Number.NaN,
      secondaryAtRail: second?.atRail ?? false,
      secondaryCounts,
    };
  }
}

/** The highest of the two readings (the first alone on a build without a second sensor): what the ceilings judge. */
export function highestMmhg(estimate: PressureEstimate): number {
  const second = estimate.secondaryMmhg;
  return second !== null && Number.isFinite(second) ? Math.max(estimate.mmhg, second) : estimate.mmhg;
}
