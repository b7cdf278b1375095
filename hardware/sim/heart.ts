/**
 * The heart and breathing as the artery under the cuff feels them: beat timing
 * (respiratory sinus arrhythmia, heart-rate variability, premature beats, atrial
 * fibrillation), each beat's strength, and the arterial pressure over time.
 * Time moves only in advance().
 */
import { Prng } from "./prng.ts";

export interface HeartSubject {
  systolic: number;
  diastolic: number;
  heartRate: number;
  breathsPerMin: number;
  respiratorySwingMmhg: number;
  heartRateVariabilityPercent: number;
  ectopicBeatsPerMin: number;
  atrialFibrillation: boolean;
}

/** Beat-to-beat systolic scatter, uniform either way. */
export const BEAT_SCATTER_MMHG = 1;
/** Share of the heart-rate variability's variance that follows breathing (respiratory sinus arrhythmia). */
const RSA_SHARE = 0.6;
/**
 * A premature beat comes at this share of the normal interval, ejects this share of a normal
 * pulse pressure, and is followed by a compensatory pause; the beat after the pause is stronger
 * (post-extrasystolic potentiation). Typical of ventricular premature beats.
 */
const PREMATURE_INTERVAL_SHARE = 0.65;
const PREMATURE_STRENGTH = 0.55;
const COMPENSATORY_INTERVAL_SHARE = 1.35;
const POTENTIATED_STRENGTH = 1.12;
/**
 * Atrial fibrillation: irregularly irregular intervals (coefficient of variation about 0.22,
 * within 0.4-2 times the mean), each beat's pulse pressure following the interval before it
 * (a short filling time ejects less).
 */
const FIBRILLATION_CV = 0.22;
const FIBRILLATION_INTERVAL_RANGE: readonly [number, number] = [0.4, 2];
const WAVE_POINTS = 256;

/** Normalised arterial pressure over one beat (0 at end-diastole, 1 at the systolic peak), with a dicrotic notch. */
function arterialWave(phase: number): number {
  if (phase < 0.15) return Math.sin((Math.PI / 2) * (phase / 0.15)) ** 2;
  if (phase < 0.35) return 0.55 + 0.45 * Math.cos((Math.PI / 2) * ((phase - 0.15) / 0.2)) ** 2;
  if (phase < 0.45) return 0.55 + 0.07 * Math.sin((Math.PI * (phase - 0.35)) / 0.1);
  const u = (phase - 0.45) / 0.55;
  return 0.55 * (Math.exp(-2.2 * u) - u * Math.exp(-2.2));
}

const WAVE = Float64Array.from({ length: WAVE_POINTS + 1 }, (_, i) => arterialWave(i / WAVE_POINTS));

export function waveAt(phase: number): number {
  const x = Math.min(1, Math.max(0, phase)) * WAVE_POINTS;
  const i = Math.min(WAVE_POINTS - 1, Math.floor(x));
  const f = x - i;
  return WAVE[i]! + (WAVE[i + 1]! - WAVE[i]!) * f;
}

export class Heart {
  /** The highest arterial pressure any beat reaches: the LOP is the cuff pressure that closes the artery against it. */
  readonly peakMmhg: number;
  private readonly meanInterval: number;
  private readonly rsaAmplitude: number;
  private readonly randomSd: number;
  private beatPhase: number;
  private beatSeconds: number;
  private strength = 1;
  private scatterMmhg = 0;
  private breathPhase: number;
  /** 1: the next beat follows a premature one (compensatory pause, then potentiated). */
  private afterPremature = false;

  constructor(
    private readonly subject: HeartSubject,
    private readonly rng: Prng,
  ) {
    this.peakMmhg = subject.systolic + subject.respiratorySwingMmhg + BEAT_SCATTER_MMHG;
    this.meanInterval = 60 / subject.heartRate;
    const sd = subject.heartRateVariabilityPercent / 100;
    // A sine of amplitude a has a standard deviation of a / sqrt(2).
    this.rsaAmplitude = Math.sqrt(2 * RSA_SHARE) * sd;
    this.randomSd = Math.sqrt(1 - RSA_SHARE) * sd;
    this.breathPhase = rng.next();
    this.beatPhase = rng.next();
    this.beatSeconds = this.meanInterval;
  }

  /** Seconds of the beat under way. */
  get intervalSeconds(): number {
    return this.beatSeconds;
  }

  get phase(): number {
    return this.beatPhase;
  }

  advance(dtSeconds: number): void {
    this.breathPhase += (dtSeconds * this.subject.breathsPerMin) / 60;
    if (this.breathPhase >= 1) this.breathPhase -= Math.floor(this.breathPhase);
    this.beatPhase += dtSeconds / this.beatSeconds;
    if (this.beatPhase >= 1) {
      this.beatPhase -= Math.floor(this.beatPhase);
      this.nextBeat();
    }
  }

  private nextBeat(): void {
    const s = this.subject;
    this.scatterMmhg = this.rng.uniform(-BEAT_SCATTER_MMHG, BEAT_SCATTER_MMHG);
    if (s.atrialFibrillation) {
      const [lo, hi] = FIBRILLATION_INTERVAL_RANGE;
      const share = Math.min(hi, Math.max(lo, Math.exp(FIBRILLATION_CV * this.rng.gaussian() - FIBRILLATION_CV ** 2 / 2)));
      this.beatSeconds = this.meanInterval * share;
      this.strength = Math.min(1, Math.max(0.5, 0.55 + 0.45 * share));
      return;
    }
    if (this.afterPremature) {
      this.afterPremature = false;
      this.beatSeconds = this.meanInterval * COMPENSATORY_INTERVAL_SHARE;
      this.strength = POTENTIATED_STRENGTH;
      return;
    }
    const variation = this.rsaAmplitude * Math.sin(2 * Math.PI * this.breathPhase) + this.randomSd * this.rng.clippedNormal(0, 1, -2.5, 2.5);
    const premature = this.rng.next() < (s.ectopicBeatsPerMin / 60) * this.meanInterval;
    if (premature) {
      this.afterPremature = true;
      this.beatSeconds = this.meanInterval * PREMATURE_INTERVAL_SHARE;
      this.strength = PREMATURE_STRENGTH;
      return;
    }
    this.beatSeconds = this.meanInterval * (1 + variation);
    this.strength = 1;
  }

  /** Arterial pressure now, never above peakMmhg. */
  pressureMmhg(): number {
    const s = this.subject;
    const pulse = (s.systolic - s.diastolic) * this.strength + this.scatterMmhg;
    const p = s.diastolic + pulse * waveAt(this.beatPhase) + s.respiratorySwingMmhg * Math.sin(2 * Math.PI * this.breathPhase);
    return Math.min(this.peakMmhg, p);
  }

  /** The beat's normalised waveform now (0..1), for pulsations that follow the beat's shape. */
  wave(): number {
    return this.strength * waveAt(this.beatPhase);
  }
}
