/**
 * The distal pulse, from a PPG clip on a finger or toe of the cuffed limb: raw
 * infrared samples in, the pulse's amplitude, the sensor's noise and whether the
 * pulse beyond the cuff is present, gone or unreadable out. Pure: the samples
 * carry their own times (the board's batches), every question takes the time.
 *
 * The clip sees the blood volume pulsing beyond the cuff: each heart beat dips
 * the reflected light. A band-pass (0.5-8 Hz) keeps the pulse and drops the slow
 * light level; the noise is measured above any pulse (over 15 Hz). The LOP
 * procedure asks for the pulse's peak-to-peak between two times (one heart
 * beat); a hold (or anything else) asks for the state now.
 */
import { BandPass, Biquad } from "../signal/filters.ts";

export const DISTAL_TRACE = {
  /** Band of the distal pulse: the beat and its first harmonics, without the light level's drift. */
  bandLowHz: 0.5,
  bandHighHz: 8,
  /** Over this the signal is the sensor's noise alone. */
  noiseHighPassHz: 15,
  /** White noise's share of power over the noise band (second-order high-pass at 100 Hz). */
  noisePowerShare: 0.7,
  /** The noise estimate follows over about this long. */
  noiseSeconds: 3,
  /** Samples kept for the questions below. */
  keepSeconds: 12,
  /** A pulse stands out of the noise by this many noise SDs, peak to peak. */
  presentNoiseMultiple: 3,
  /** The state looks back this far: longer than the slowest beat. */
  stateWindowSeconds: 1.6,
  /** A swing this many times the pulse's own (and 10 noise SDs) is the limb or the clip moving. */
  motionMultiple: 2,
  motionNoiseMultiple: 10,
  /** The light level a clip on skin reflects, as a share of the ADC's range; outside it the clip is off or flooded. */
  minLightShare: 0.02,
  maxLightShare: 0.98,
  /** No sample for this long: the sensor is silent. */
  silentSeconds: 1,
  /** The resting pulse must stand this many noise SDs out, peak to peak, to be read at all. */
  readableNoiseMultiple: 6,
} as const;

export type DistalPulseState = "present" | "gone" | "unreadable";

export interface DistalPulseStatus {
  state: DistalPulseState;
  /** Peak-to-peak of the pulse over the last window, ADC counts. */
  amplitudeCounts: number;
  /** The sensor's noise, one SD per sample, counts. */
  noiseCounts: number;
  /** Why it is unreadable, in words for people (empty otherwise). */
  reason: string;
}

/** Peak-to-peak of the pulse between two times, and the noise then. */
export interface PulseSpan {
  amplitudeCounts: number;
  noiseCounts: number;
}

export class DistalPulseTrace {
  private readonly period: number;
  private readonly band: BandPass;
  private readonly noiseBand: Biquad;
  private readonly light: Biquad;
  private noisePower = 0;
  private samplesSeen = 0;
  private lastObservedSeconds = Number.NEGATIVE_INFINITY;
  private nextSampleSeconds: number | null = null;
  private readonly capacity: number;
  private readonly times: Float64Array;
  private readonly pulse: Float64Array;
  private readonly noise: Float64Array;
  private readonly level: Float64Array;
  private head = 0;
  private count = 0;
  /** The pulse's own peak-to-peak while it is plainly present: what movement is judged against. */
  private typicalAmplitude: number | null = null;

  constructor(
    readonly sampleHz: number,
    /** Full scale of the chip's ADC, counts. */
    readonly fullScaleCounts: number,
  ) {
    this.period = 1 / sampleHz;
    this.band = new BandPass(DISTAL_TRACE.bandLowHz, DISTAL_TRACE.bandHighHz, sampleHz);
    this.noiseBand = Biquad.highPass(DISTAL_TRACE.noiseHighPassHz, sampleHz);
    this.light = Biquad.lowPass(0.3, sampleHz);
    this.capacity = Math.ceil(DISTAL_TRACE.keepSeconds * sampleHz);
    this.times = new Float64Array(this.capacity);
    this.pulse = new Float64Array(this.capacity);
    this.noise = new Float64Array(this.capacity);
    this.level = new Float64Array(this.capacity);
  }

  /**
   * A batch from the board: raw counts, oldest first, the newest taken at tSeconds. The chip samples
   * on its own clock: samples follow one period apart, re-anchored on the batch's time after a gap.
   */
  push(tSeconds: number, counts: readonly number[]): void {
    if (counts.length === 0) return;
    const firstSeconds = tSeconds - (counts.length - 1) * this.period;
    const expected = this.nextSampleSeconds;
    // The chip's clock and the board's differ a little: follow the batches slowly, jump after a gap.
    let start = firstSeconds;
    if (expected !== null && Math.abs(firstSeconds - expected) < 0.1) start = expected + 0.1 * (firstSeconds - expected);
    counts.forEach((value, i) => this.take(start + i * this.period, value));
    this.nextSampleSeconds = start + counts.length * this.period;
    this.learnTypical();
  }

  /** Time of the newest sample (null before any). */
  get latestSeconds(): number | null {
    return this.count === 0 ? null : this.times[(this.head - 1 + this.capacity) % this.capacity]!;
  }

  /** The sensor's noise now, one SD per raw sample, counts. */
  noiseCounts(): number {
    return Math.sqrt(this.noisePower / DISTAL_TRACE.noisePowerShare);
  }

  /** Peak-to-peak of the pulse over [fromSeconds, toSeconds), and the noise at its end; null where samples are missing. */
  span(fromSeconds: number, toSeconds: number): PulseSpan | null {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let noise = 0;
    let n = 0;
    const latest = this.latestSeconds;
    // The span's samples are all in once one is due at or after its end.
    if (latest === null || latest < toSeconds - 1.5 * this.period) return null;
    for (let i = 0; i < this.count; i++) {
      const k = (this.head - this.count + i + this.capacity) % this.capacity;
      const t = this.times[k]!;
      if (t < fromSeconds) continue;
      if (t >= toSeconds) break;
      lo = Math.min(lo, this.pulse[k]!);
      hi = Math.max(hi, this.pulse[k]!);
      noise = this.noise[k]!;
      n++;
    }
    const expected = (toSeconds - fromSeconds) * this.sampleHz;
    if (n < 0.8 * expected || n < 3) return null;
    return { amplitudeCounts: hi - lo, noiseCounts: noise };
  }

  /** Median peak-to-peak over the one-second windows of the last `seconds` that have their samples (the resting pulse before a measurement); null without one. */
  restingAmplitude(tSeconds: number, seconds: number): PulseSpan | null {
    const spans: PulseSpan[] = [];
    for (let end = tSeconds; end > tSeconds - seconds + 1 - 1e-9; end -= 1) {
      const s = this.span(end - 1, end);
      if (s) spans.push(s);
    }
    if (spans.length === 0) return null;
    spans.sort((a, b) => a.amplitudeCounts - b.amplitudeCounts);
    return spans[Math.floor(spans.length / 2)]!;
  }

  /** Present, gone or unreadable now, from the last stateWindowSeconds. */
  status(tSeconds: number): DistalPulseStatus {
    const s = DISTAL_TRACE;
    const noise = this.noiseCounts();
    const latest = this.latestSeconds;
    const unreadable = (reason: string, amplitude = 0): DistalPulseStatus => ({ state: "unreadable", amplitudeCounts: amplitude, noiseCounts: noise, reason });
    if (latest === null || tSeconds - latest > s.silentSeconds) {
      return unreadable(latest === null ? "the distal pulse sensor has sent nothing" : `the distal pulse sensor has sent nothing for ${(tSeconds - latest).toFixed(1)} s`);
    }
    const lightShare = this.level[(this.head - 1 + this.capacity) % this.capacity]! / this.fullScaleCounts;
    if (lightShare < s.minLightShare || lightShare > s.maxLightShare) {
      return unreadable("the distal pulse sensor sees no skin (the clip is off the finger or toe)");
    }
    const recent = this.span(latest - s.stateWindowSeconds, latest + 1e-6) ?? this.span(latest - 1, latest + 1e-6);
    if (!recent) return unreadable("the distal pulse sensor's samples are incomplete");
    const amplitude = recent.amplitudeCounts;
    const typical = this.typicalAmplitude;
    if (typical !== null && amplitude > s.motionMultiple * typical && amplitude > s.motionNoiseMultiple * noise) {
      return unreadable("movement on the distal pulse sensor: keep the hand or foot still", amplitude);
    }
    const present = amplitude > s.presentNoiseMultiple * noise;
    return { state: present ? "present" : "gone", amplitudeCounts: amplitude, noiseCounts: noise, reason: "" };
  }

  /** Twice a second: the pulse's typical size while it is plainly there (not moving), what movement is judged against. */
  private learnTypical(): void {
    const latest = this.latestSeconds!;
    if (latest - this.lastObservedSeconds < 0.5) return;
    this.lastObservedSeconds = latest;
    const status = this.status(latest);
    if (status.state !== "present") return;
    const typical = this.typicalAmplitude;
    this.typicalAmplitude = typical === null ? status.amplitudeCounts : typical + 0.1 * (status.amplitudeCounts - typical);
  }

  private take(tSeconds: number, counts: number): void {
    const pulse = this.band.next(counts);
    const high = this.noiseBand.next(counts);
    // A running mean at first, then an average over noiseSeconds.
    this.samplesSeen++;
    this.noisePower += (high * high - this.noisePower) / Math.min(this.samplesSeen, this.sampleHz * DISTAL_TRACE.noiseSeconds);
    const k = this.head;
    this.times[k] = tSeconds;
    this.pulse[k] = pulse;
    this.noise[k] = this.noiseCounts();
    this.level[k] = this.light.next(counts);
    this.head = (this.head + 1) % this.capacity;
    this.count = Math.min(this.capacity, this.count + 1);
  }
}
