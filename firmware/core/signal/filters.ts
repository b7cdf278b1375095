/**
 * Small causal filters for 100 Hz pressure samples: second-order sections with
 * Butterworth response (RBJ audio-EQ cookbook coefficients), run sample by sample.
 */

export class Biquad {
  private z1 = 0;
  private z2 = 0;
  private primed = false;

  private constructor(
    private readonly b0: number,
    private readonly b1: number,
    private readonly b2: number,
    private readonly a1: number,
    private readonly a2: number,
    /** Output the filter settles to for a constant input of 1 (for priming without a start transient). */
    private readonly dcGain: number,
  ) {}

  static lowPass(cutoffHz: number, sampleHz: number): Biquad {
    const { cosW, alpha } = Biquad.prewarp(cutoffHz, sampleHz);
    const a0 = 1 + alpha;
    const b1 = (1 - cosW) / a0;
    return new Biquad(b1 / 2, b1, b1 / 2, (-2 * cosW) / a0, (1 - alpha) / a0, 1);
  }

  static highPass(cutoffHz: number, sampleHz: number): Biquad {
    const { cosW, alpha } = Biquad.prewarp(cutoffHz, sampleHz);
    const a0 = 1 + alpha;
    const b1 = -(1 + cosW) / a0;
    return new Biquad(-b1 / 2, b1, -b1 / 2, (-2 * cosW) / a0, (1 - alpha) / a0, 0);
  }

  private static prewarp(cutoffHz: number, sampleHz: number): { cosW: number; alpha: number } {
    const w = (2 * Math.PI * Math.min(cutoffHz, 0.45 * sampleHz)) / sampleHz;
    return { cosW: Math.cos(w), alpha: Math.sin(w) / (2 * Math.SQRT1_2) };
  }

  /** Transposed direct form II; the first sample primes the state as if the input had always been that value. */
  next(x: number): number {
    if (!this.primed) {
      this.primed = true;
      const y0 = this.dcGain * x;
      this.z2 = this.b2 * x - this.a2 * y0;
      this.z1 = this.b1 * x - this.a1 * y0 + this.z2;
    }
    const y = this.b0 * x + this.z1;
    this.z1 = this.b1 * x - this.a1 * y + this.z2;
    this.z2 = this.b2 * x - this.a2 * y;
    return y;
  }
}

/** Band-pass as a cascade of a high-pass and a low-pass section. */
export class BandPass {
  private readonly high: Biquad;
  private readonly low: Biquad;

  constructor(lowCutHz: number, highCutHz: number, sampleHz: number) {
    this.high = Biquad.highPass(lowCutHz, sampleHz);
    this.low = Biquad.lowPass(highCutHz, sampleHz);
  }

  next(x: number): number {
    return this.low.next(this.high.next(x));
  }
}

/**
 * A sensor's own white noise, from the mean absolute second difference of its raw readings
 * (heartbeats, breathing and slow ramps barely move a second difference at the sample rate): for
 * Gaussian noise of SD s that mean is sqrt(6) * sqrt(2 / pi) * s, about 1.95 s.
 */
export class NoiseGauge {
  private readonly last: number[] = [];
  /** Mean absolute second difference (mmHg), null until three readings. */
  private meanAbsStepMmhg: number | null = null;

  constructor(private readonly averagingSeconds: number) {}

  add(rawMmhg: number, dtSeconds: number): void {
    if (!Number.isFinite(rawMmhg)) {
      this.last.length = 0;
      return;
    }
    this.last.push(rawMmhg);
    if (this.last.length > 3) this.last.shift();
    if (this.last.length < 3) return;
    const [a, b, c] = this.last as [number, number, number];
    const step = Math.abs(a - 2 * b + c);
    const alpha = Math.min(1, dtSeconds / this.averagingSeconds);
    this.meanAbsStepMmhg = this.meanAbsStepMmhg === null ? step : this.meanAbsStepMmhg + alpha * (step - this.meanAbsStepMmhg);
  }

  /** The noise's standard deviation (mmHg), 0 until measured. */
  get sdMmhg(): number {
    return (this.meanAbsStepMmhg ?? 0) / 1.95;
  }

  reset(): void {
    this.last.length = 0;
    this.meanAbsStepMmhg = null;
  }
}
