/**
 * From cuff pressure to envelope windows: the arterial pulsation is band-passed
 * out of the reading, the sensor's noise is measured above any pulsation, beats
 * are picked for the heart rate, and every heart-beat-long window gives one
 * envelope point (peak-to-peak of the pulsation, mean pressure). Pure: time is a
 * parameter.
 */
import { BandPass, Biquad } from "../signal/filters.ts";
import type { EnvelopePoint } from "./envelope.ts";

export const PULSE_SETTINGS = {
  /** Band of the arterial pulsation: heart rates up to 84 bpm with two and a half harmonics. */
  bandLowHz: 0.5,
  bandHighHz: 3.5,
  /**
   * A faster heart widens the band to this many harmonics (up to maxBandHighHz), once its rate is
   * known: over 110 bpm the fixed band dropped the narrow systolic tips of the flank's last beats,
   * and the LOP read 6-9 mmHg low at 110-150 bpm.
   */
  bandHarmonics: 2.5,
  maxBandHighHz: 7,
  /** Above this the cuff signal is sensor noise only (for the noise floor). */
  noiseHighPassHz: 15,
  /** Plausible beat intervals (150 bpm to 40 bpm, with variability). */
  minBeatSeconds: 0.38,
  maxBeatSeconds: 1.6,
  /** Window length before the heart rate is known (70 bpm). */
  defaultBeatSeconds: 60 / 70,
} as const;

/** Peak-to-peak of band-passed white noise over one window, per mmHg of sensor noise (measured on the 0.5-3.5 Hz filters). */
const FLOOR_PER_NOISE = 0.95;
/** Share of white-noise power above noiseHighPassHz at 100 Hz. */
const NOISE_POWER_ABOVE_HIGH_PASS = 0.68;
/** Share of white-noise power that passes the 0.5-3.5 Hz band-pass at 100 Hz (measured on the filters); a wider band passes more in proportion. */
const BAND_NOISE_POWER = 0.0663;
/** The noise estimate follows over about this long. */
const NOISE_SECONDS = 5;
/** Beat intervals kept for the median. */
const INTERVALS_KEPT = 9;

export interface PulseWindow extends EnvelopePoint {
  /** When the window began. */
  startSeconds: number;
}

export class PulseWindows {
  private band: BandPass;
  private bandHighHz: number = PULSE_SETTINGS.bandHighHz;
  private bandAdapted = false;
  private readonly noiseBand: Biquad;
  private noisePower = 0;
  private peakSeeking = true;
  private extremum = 0;
  private extremumT = 0;
  private lastBeatT: number | null = null;
  private readonly intervals: number[] = [];
  private windowStart = 0;
  private windowMin = Infinity;
  private windowMax = -Infinity;
  private windowSum = 0;
  private windowCount = 0;

  constructor(
    private readonly sampleHz: number,
    tSeconds: number,
  ) {
    this.band = new BandPass(PULSE_SETTINGS.bandLowHz, PULSE_SETTINGS.bandHighHz, sampleHz);
    this.noiseBand = Biquad.highPass(PULSE_SETTINGS.noiseHighPassHz, sampleHz);
    this.windowStart = tSeconds;
  }

  /** The band-passed pulsation of this sample (also feeds the noise estimate's filter). */
  filter(rawMmhg: number): { pulse: number; highPass: number } {
    return { pulse: this.band.next(rawMmhg), highPass: this.noiseBand.next(rawMmhg) };
  }

  /** Fresh band-pass primed on the present reading (no start transient) and a fresh window and beat search. */
  restart(tSeconds: number, rawMmhg: number): void {
    this.band = new BandPass(PULSE_SETTINGS.bandLowHz, this.bandHighHz, this.sampleHz);
    this.band.next(rawMmhg);
    this.peakSeeking = true;
    this.extremum = 0;
    this.lastBeatT = null;
    this.skipWindow(tSeconds);
  }

  /** Start the next window here, dropping what the current one held (while filters settle). */
  skipWindow(tSeconds: number): void {
    this.windowStart = tSeconds;
    this.windowMin = Infinity;
    this.windowMax = -Infinity;
    this.windowSum = 0;
    this.windowCount = 0;
  }

  observeNoise(highPass: number): void {
    this.noisePower += (1 / (this.sampleHz * NOISE_SECONDS)) * (highPass * highPass - this.noisePower);
  }

  /** Sensor noise (one standard deviation) from the band above any pulsation. */
  noiseMmhg(): number {
    return Math.sqrt(this.noisePower / NOISE_POWER_ABOVE_HIGH_PASS);
  }

  /** Share of the band's noise power against the 0.5-3.5 Hz band the constants were measured on. */
  private bandWidthRatio(): number {
    return (this.bandHighHz - PULSE_SETTINGS.bandLowHz) / (PULSE_SETTINGS.bandHighHz - PULSE_SETTINGS.bandLowHz);
  }

  /** Peak-to-peak that the sensor noise alone gives a window. */
  floorMmhg(): number {
    return FLOOR_PER_NOISE * Math.sqrt(this.bandWidthRatio()) * this.noiseMmhg();
  }

  /** Standard deviation of the sensor noise within the pulsation band. */
  bandNoiseMmhg(): number {
    return Math.sqrt(BAND_NOISE_POWER * this.bandWidthRatio()) * this.noiseMmhg();
  }

  /**
   * Once the heart rate is known, a fast heart gets a band wide enough for its harmonics (primed
   * on the present reading; the window under way is dropped). Returns whether the band changed.
   */
  adaptBand(tSeconds: number, rawMmhg: number): boolean {
    const beat = this.beatSeconds();
    if (this.bandAdapted || beat === null) return false;
    this.bandAdapted = true;
    const wanted = Math.min(PULSE_SETTINGS.maxBandHighHz, PULSE_SETTINGS.bandHarmonics / beat);
    if (wanted <= this.bandHighHz) return false;
    this.bandHighHz = wanted;
    this.band = new BandPass(PULSE_SETTINGS.bandLowHz, wanted, this.sampleHz);
    this.band.next(rawMmhg);
    this.skipWindow(tSeconds);
    return true;
  }

  /** When the last beat's pulsation peaked (null before the first). */
  get lastBeatSeconds(): number | null {
    return this.lastBeatT;
  }

  /** Median of the recent beat intervals (null before three). */
  beatSeconds(): number | null {
    if (this.intervals.length < 3) return null;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  /** One sample into the window; a finished window (one beat long) is returned. */
  add(tSeconds: number, pulse: number, mmhg: number, largestAmplitudeMmhg: number): PulseWindow | null {
    this.detectBeat(tSeconds, pulse, largestAmplitudeMmhg);
    this.windowMin = Math.min(this.windowMin, pulse);
    this.windowMax = Math.max(this.windowMax, pulse);
    this.windowSum += mmhg;
    this.windowCount++;
    if (tSeconds - this.windowStart < (this.beatSeconds() ?? PULSE_SETTINGS.defaultBeatSeconds)) return null;
    const window = { mmhg: this.windowSum / this.windowCount, amplitudeMmhg: this.windowMax - this.windowMin, tSeconds, startSeconds: this.windowStart };
    this.skipWindow(tSeconds);
    return window;
  }

  /** Hysteresis peak picking on the pulsation; only the intervals between strong beats are kept. */
  private detectBeat(tSeconds: number, pulse: number, largestAmplitudeMmhg: number): void {
    const hysteresis = Math.max(3 * this.floorMmhg(), 0.3 * largestAmplitudeMmhg, 0.05);
    if (this.peakSeeking) {
      if (pulse > this.extremum) {
        this.extremum = pulse;
        this.extremumT = tSeconds;
      } else if (pulse < this.extremum - hysteresis) {
        if (this.lastBeatT !== null) {
          const interval = this.extremumT - this.lastBeatT;
          if (interval >= PULSE_SETTINGS.minBeatSeconds && interval <= PULSE_SETTINGS.maxBeatSeconds) {
            this.intervals.push(interval);
            if (this.intervals.length > INTERVALS_KEPT) this.intervals.shift();
          }
        }
        this.lastBeatT = this.extremumT;
        this.peakSeeking = false;
        this.extremum = pulse;
      }
    } else if (pulse < this.extremum) {
      this.extremum = pulse;
    } else if (pulse > this.extremum + hysteresis) {
      this.peakSeeking = true;
      this.extremum = pulse;
      this.extremumT = tSeconds;
    }
  }
}
