/**
 * The limb's own evidence of occlusion in the cuff signal. The arterial pulsation the
 * cuff picks up grows to a maximum as the cuff fills (below the LOP, on every limb)
 * and then falls steeply as the pressure nears and passes the LOP: the artery under
 * the cuff's centre closes at the LOP, the segments under its edge a little above it.
 * What is left of the pulsation, as a share of the maximum the LOP measurement passed
 * over, says how far down that flank a hold stands.
 *
 * Each sample is band-passed to the pulse band; the pulsation of a window is its peak
 * to peak (a window holds a beat of a 37 bpm heart) with the sensor's own noise,
 * measured live above 15 Hz, taken out in quadrature; the pulsation reported is the
 * median of the last five windows, so a knock, a breath or the kink probe's vent
 * pulse cannot move it. The envelope's maximum is the largest such median over a
 * measurement, with the mean pressure of its windows.
 */
import type { PulsationEnvelope } from "../limb-lop.ts";
import { Biquad, BandPass } from "../signal/filters.ts";
import { RingWindow } from "../signal/ring.ts";

export const OCCLUSION_MONITOR = {
  lowCutHz: 0.6,
  highCutHz: 4,
  windowSeconds: 1.6,
  medianWindows: 5,
  /** The band-pass settles this long after judging starts. */
  settleSeconds: 1,
  noiseHighPassHz: 15,
  noiseAveragingSeconds: 5,
  /** Share of white-noise power above noiseHighPassHz at 100 Hz, and peak to peak of band-passed white noise over one window per mmHg of noise (measured on these filters). */
  noisePowerAboveHighPass: 0.68,
  floorPerNoiseMmhg: 0.95,
  /** A maximum counts only once it stands this many noise floors above the noise: below, the cuff cannot see the pulse. */
  readableOverFloor: 2.5,
  /** A hold is judged this far above the maximum's pressure only (pulsations are small at low pressures too). */
  flankAboveMaxMmhg: 10,
} as const;

export class OcclusionMonitor {
  private band: BandPass;
  private readonly noiseBand: Biquad;
  private noisePower = 0;
  private readonly windows = new RingWindow(OCCLUSION_MONITOR.medianWindows);
  private readonly windowPressures = new RingWindow(OCCLUSION_MONITOR.medianWindows);
  private readonly sorted: number[] = [];
  private judgingSince: number | null = null;
  private windowStart: number | null = null;
  private low = 0;
  private high = 0;
  private pressureSum = 0;
  private samples = 0;
  private latestMmhg = 0;
  private largest: PulsationEnvelope | null = null;

  constructor(private readonly sampleHz: number) {
    this.band = new BandPass(OCCLUSION_MONITOR.lowCutHz, OCCLUSION_MONITOR.highCutHz, sampleHz);
    this.noiseBand = Biquad.highPass(OCCLUSION_MONITOR.noiseHighPassHz, sampleHz);
  }

  /** The pulsation now (median of the last windows, noise taken out), mmHg peak to peak; null until judged long enough. */
  get pulsationMmhg(): number | null {
    return this.windows.full ? this.median() : null;
  }

  /** The largest pulsation judged so far, if it stood clear of the sensor noise (null otherwise). */
  envelope(): PulsationEnvelope | null {
    const largest = this.largest;
    return largest && largest.maxPulsationMmhg >= OCCLUSION_MONITOR.readableOverFloor * this.floorMmhg() ? largest : null;
  }

  /**
   * The pulsation now as a share of `envelope`'s maximum, on the flank above it; null while it cannot
   * be judged, and null where `smallestShare` of the maximum lies under the sensor's noise floor now:
   * a pulsation under the floor reads as none once the noise is taken out, so a fade to that share
   * could not be told from a weak pulse in a noisy hold.
   */
  shareOf(envelope: PulsationEnvelope | null, smallestShare: number): number | null {
    const pulsation = this.pulsationMmhg;
    if (pulsation === null || envelope === null) return null;
    if (this.latestMmhg < envelope.maxAtMmhg + OCCLUSION_MONITOR.flankAboveMaxMmhg) return null;
    if (smallestShare * envelope.maxPulsationMmhg < this.floorMmhg()) return null;
    return pulsation / envelope.maxPulsationMmhg;
  }

  /** One sample. `judging`: the limb and the cuff are still enough for the pulse to be read (not in a set). */
  update(t: number, rawMmhg: number, mmhg: number, judging: boolean): void {
    if (!Number.isFinite(rawMmhg)) return;
    const hf = this.noiseBand.next(rawMmhg);
    this.noisePower += (hf * hf - this.noisePower) / (OCCLUSION_MONITOR.noiseAveragingSeconds * this.sampleHz);
    if (!judging) {
      this.stopJudging();
      return;
    }
    if (this.judgingSince === null) {
      this.judgingSince = t;
      this.band = new BandPass(OCCLUSION_MONITOR.lowCutHz, OCCLUSION_MONITOR.highCutHz, this.sampleHz);
    }
    const y = this.band.next(rawMmhg);
    this.latestMmhg = mmhg;
    if (t - this.judgingSince < OCCLUSION_MONITOR.settleSeconds) return;
    if (this.windowStart === null) {
      this.windowStart = t;
      this.low = y;
      this.high = y;
      this.pressureSum = 0;
      this.samples = 0;
    }
    this.low = Math.min(this.low, y);
    this.high = Math.max(this.high, y);
    this.pressureSum += mmhg;
    this.samples++;
    if (t - this.windowStart < OCCLUSION_MONITOR.windowSeconds) return;
    this.windows.push(this.withoutNoise(this.high - this.low));
    this.windowPressures.push(this.pressureSum / this.samples);
    this.windowStart = null;
    if (!this.windows.full) return;
    const median = this.median();
    if (this.largest === null || median > this.largest.maxPulsationMmhg) this.largest = { maxPulsationMmhg: median, maxAtMmhg: this.windowPressures.mean };
  }

  private stopJudging(): void {
    this.judgingSince = null;
    this.windowStart = null;
    this.windows.clear();
    this.windowPressures.clear();
  }

  private floorMmhg(): number {
    return OCCLUSION_MONITOR.floorPerNoiseMmhg * Math.sqrt(this.noisePower / OCCLUSION_MONITOR.noisePowerAboveHighPass);
  }

  private withoutNoise(peakToPeak: number): number {
    const floor = this.floorMmhg();
    return Math.sqrt(Math.max(0, peakToPeak * peakToPeak - floor * floor));
  }

  private median(): number {
    this.sorted.length = 0;
    for (const value of this.windows.values()) this.sorted.push(value);
    this.sorted.sort((a, b) => a - b);
    return this.sorted[Math.floor(this.sorted.length / 2)]!;
  }
}
