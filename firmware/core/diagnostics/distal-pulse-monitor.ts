/**
 * The distal pulse sensor (a PPG clip on a fingertip or toe beyond the cuff): the pulse
 * it sees shrinks as the cuff pinches the systolic tips through and is gone from the
 * true LOP on, by definition (the Doppler LOP). Its size with the cuff empty is the
 * reference; the pulse now is the peak to peak of the band-passed light over the last
 * window (a beat of a 37 bpm heart fits in it), the sensor's own noise (measured live
 * above 15 Hz) taken out in quadrature. Movement of the limb only ever enlarges it.
 */
import { BandPass, Biquad } from "../signal/filters.ts";
import { RingWindow } from "../signal/ring.ts";

export const DISTAL_MONITOR = {
  lowCutHz: 0.6,
  highCutHz: 4,
  windowSeconds: 1.6,
  /** The pulse is recomputed this often as the window slides. */
  judgeEverySeconds: 0.1,
  /** The cuff counts as empty below this reading, once it has read so for this long (the limb refilled). */
  emptyBelowMmhg: 10,
  emptySettleSeconds: 4,
  /** The reference is the median of this many windows with the cuff empty (a knock moves one). */
  referenceWindows: 7,
  noiseHighPassHz: 15,
  noiseAveragingSeconds: 5,
  /** Share of white-noise power above noiseHighPassHz at 100 Hz, and peak to peak of band-passed white noise over one window per count of noise (measured on these filters). */
  noisePowerAboveHighPass: 0.68,
  floorPerNoise: 0.95,
  /** A reference under this many noise floors is no pulse the sensor can follow (clip off, cold fingers): no share. */
  readableOverFloor: 4,
} as const;

export class DistalPulseMonitor {
  private readonly band: BandPass;
  private readonly noiseBand: Biquad;
  private noisePower = 0;
  private readonly window: RingWindow;
  private readonly references = new RingWindow(DISTAL_MONITOR.referenceWindows);
  private readonly sorted: number[] = [];
  private samples = 0;
  private sinceJudged = 0;
  private emptySince: number | null = null;
  private referenceBlockStart: number | null = null;
  private latest: number | null = null;

  constructor(private readonly sampleHz: number) {
    this.band = new BandPass(DISTAL_MONITOR.lowCutHz, DISTAL_MONITOR.highCutHz, sampleHz);
    this.noiseBand = Biquad.highPass(DISTAL_MONITOR.noiseHighPassHz, sampleHz);
    this.window = new RingWindow(Math.round(DISTAL_MONITOR.windowSeconds * sampleHz));
  }

  /** The pulse now as a share of its size with the cuff empty; null before a readable reference. */
  get share(): number | null {
    const reference = this.reference();
    if (this.latest === null || reference === null) return null;
    return this.latest / reference;
  }

  /**
   * The sensor's samples since the last call (100 per second, oldest first, the last one taken at `t`),
   * and the cuff's reading now (null when unusable).
   */
  update(t: number, counts: readonly number[], cuffMmhg: number | null): void {
    const empty = cuffMmhg !== null && cuffMmhg < DISTAL_MONITOR.emptyBelowMmhg;
    if (!empty) this.emptySince = null;
    else this.emptySince ??= t;
    const settledEmpty = this.emptySince !== null && t - this.emptySince >= DISTAL_MONITOR.emptySettleSeconds;
    for (const value of counts) {
      if (!Number.isFinite(value)) continue;
      const hf = this.noiseBand.next(value);
      this.noisePower += (hf * hf - this.noisePower) / (DISTAL_MONITOR.noiseAveragingSeconds * this.sampleHz);
      this.window.push(this.band.next(value));
      this.samples++;
      this.sinceJudged++;
    }
    if (!this.window.full || this.sinceJudged < DISTAL_MONITOR.judgeEverySeconds * this.sampleHz) return;
    this.sinceJudged = 0;
    this.latest = this.withoutNoise(this.window.spread());
    if (!settledEmpty) {
      this.referenceBlockStart = null;
      return;
    }
    // Whole windows with the cuff empty become the reference.
    this.referenceBlockStart ??= this.samples;
    if (this.samples - this.referenceBlockStart < this.window.capacity) return;
    this.referenceBlockStart = this.samples;
    this.references.push(this.latest);
  }

  private reference(): number | null {
    if (!this.references.full) return null;
    this.sorted.length = 0;
    for (const value of this.references.values()) this.sorted.push(value);
    this.sorted.sort((a, b) => a - b);
    const median = this.sorted[Math.floor(this.sorted.length / 2)]!;
    return median >= DISTAL_MONITOR.readableOverFloor * this.floor() ? median : null;
  }

  private floor(): number {
    return DISTAL_MONITOR.floorPerNoise * Math.sqrt(this.noisePower / DISTAL_MONITOR.noisePowerAboveHighPass);
  }

  private withoutNoise(peakToPeak: number): number {
    const floor = this.floor();
    return Math.sqrt(Math.max(0, peakToPeak * peakToPeak - floor * floor));
  }
}
