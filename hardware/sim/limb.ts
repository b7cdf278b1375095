/**
 * The limb under the cuff: its occlusion pressure, the arterial pulse reaching
 * the bladder, muscle contractions, swelling and knocks. Everything it does to
 * the cuff is one number, the volume the limb takes from the bladder
 * (volumeMl), which the pneumatics turn into pressure with the cuff's own
 * compliance. Time moves only in advance().
 */
import type { Limb } from "../../shared/plan.ts";
import { Prng } from "./prng.ts";

/**
 * Limb occlusion pressure from physiology and cuff:
 *   LOP = (systolic + 10) / K(circumference) * W(width)
 * K is a tissue-padding coefficient after Graham et al. 1993 and Tuncali et al.
 * 2003 (LOP ~ (SBP + 10) / K, K about 0.8 for thin limbs, falling for thick
 * ones); its slope here is set so a median thigh (56 cm) needs 1.17 times the
 * pressure of a median arm (31 cm), as the typical LOPs of BRIEF.md section 2
 * (thigh 195, arm 174 mmHg) do. W falls with cuff width, saturating for wide
 * cuffs; its 4 cm scale puts a 5 cm thigh cuff at about 1.32 times an 11.5 cm
 * one (262 vs 198 mmHg for the median thigh), between Loenneke et al. 2012's
 * narrow-to-wide ratio (235 vs 144 mmHg, 1.63) and the 195 mmHg typical of
 * 11.5 cm thigh cuffs; the two studies' absolute levels cannot both be met.
 */
export function lopFromPhysiologyMmhg(systolicMmhg: number, limbCircumferenceCm: number, cuffWidthCm: number): number {
  const padding = Math.min(0.9, Math.max(0.45, 0.8 - 0.0045 * (limbCircumferenceCm - 30)));
  const widthFactor = 0.947 / (1 - Math.exp(-cuffWidthCm / 4));
  return ((systolicMmhg + 10) / padding) * widthFactor;
}

/** The subject's true LOP under this cuff: the pinned value if any, else the physiology's. */
export function trueLopMmhg(subject: { systolic: number; limbCircumferenceCm: number; lopMmhg: number | null }, cuffWidthCm: number): number {
  return subject.lopMmhg ?? lopFromPhysiologyMmhg(subject.systolic, subject.limbCircumferenceCm, cuffWidthCm);
}

/** Breathing moves arterial pressure by this much either way (normal respiratory variation 2-5 mmHg). */
export const BREATHING_MMHG = 3;
/** Beat-to-beat systolic scatter, uniform either way. */
export const BEAT_SCATTER_MMHG = 1;
/**
 * Pulsatile arterial volume under the cuff per cm^2 of bladder, between fully
 * open and closed. Model choice: it gives 2-3 mmHg peak-to-peak oscillations in
 * the reference arm and thigh cuffs near their maximum, as oscillometric cuffs show.
 */
export const ARTERIAL_ML_PER_CM2 = 0.009;
/** Transmural pressure scale of the arterial wall: opening area 1 - exp(-x / 30 mmHg). */
export const ARTERIAL_WALL_MMHG = 30;
/**
 * Above LOP the arteries under the cuff stay closed; what is left is the pulse
 * hitting the proximal edge of the cuff. Its volume is at most this share of the
 * largest pulse volume and fades with pressure, so above LOP the oscillation stays
 * under 5 % of its maximum.
 */
export const EDGE_FRACTION = 0.04;
export const EDGE_FADE_MMHG = 200;
/** Veins under the cuff close above about 40 mmHg: restriction (and swelling) starts. */
export const VENOUS_CLOSING_MMHG = 40;
/** Swelling builds over a few minutes of restriction and ebbs faster once released. */
export const SWELLING_RISE_SECONDS = 150;
export const SWELLING_EBB_SECONDS = 90;
/**
 * The muscle pump empties the veins within a couple of reps; they refill slowly
 * (a normal venous refill time is over 20 s, and the cuff slows arterial inflow).
 */
export const EMPTYING_REPS = 1.5;
export const REFILL_SECONDS = 25;
/** Rep-to-rep variation of contraction strength, one standard deviation. */
export const REP_VARIATION = 0.15;
/** Knocks per second while exercising and otherwise, and their duration. */
export const KNOCKS_PER_SECOND_EXERCISING = 0.6;
export const KNOCKS_PER_SECOND_RESTING = 0.05;
export const KNOCK_SECONDS: readonly [number, number] = [0.08, 0.25];
/** A contraction that is cut short relaxes with this time constant. */
export const RELAX_SECONDS = 0.3;

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

function waveAt(phase: number): number {
  const x = phase * WAVE_POINTS;
  const i = Math.min(WAVE_POINTS - 1, Math.floor(x));
  const f = x - i;
  return WAVE[i]! + (WAVE[i + 1]! - WAVE[i]!) * f;
}

export interface LimbSubject {
  systolic: number;
  diastolic: number;
  heartRate: number;
  limbCircumferenceCm: number;
  lopMmhg: number | null;
  breathsPerMin: number;
}

/** Exercise volumes, already calibrated against the cuff (see limbVolumeForSealedChangeMl). */
export interface LimbExercise {
  repSeconds: number;
  /** Contraction peak. */
  contractionMl: number;
  /** Veins emptied by the muscle pump (negative: the limb shrinks). */
  relaxedMl: number;
  /** Swelling after minutes of restriction. */
  swellingMl: number;
  /** Typical knock. */
  knockMl: number;
}

export class LimbModel {
  readonly limb: Limb;
  readonly lopTrueMmhg: number;
  /** Share of the cuff pressure that reaches the arteries. */
  readonly transmission: number;
  readonly arterialMl: number;
  /** Arterial opening under an empty cuff at mean pressure: the reference the limb volume is counted from. */
  private readonly restingOpen: number;
  /** Edge pulse volume (share of arterialMl) at zero cuff pressure: EDGE_FRACTION of the largest core pulse. */
  private readonly edgeScale: number;
  /** Decay factors for the last step length (steps are nearly always the same length). */
  private decayStep = -1;
  private relaxDecay = 1;
  private refillDecay = 1;
  private emptyingGain = 0;
  private swellingRiseGain = 0;
  private swellingEbbGain = 0;
  private readonly subject: LimbSubject;
  private readonly exercise: LimbExercise;
  private readonly rng: Prng;
  /** Knocks draw from their own stream, so switching them off leaves heart and reps unchanged. */
  private readonly knockRng: Prng;

  private timeSeconds = 0;
  private beatPhase = 0;
  private beatSeconds: number;
  private beatScatterMmhg = 0;
  private breathPhase = 0;
  private volume = 0;

  private setActive = false;
  private setStartSeconds = 0;
  private setReps = 0;
  private currentRep = -1;
  private repStrength = 1;
  private completedReps = 0;
  private contraction = 0;
  private emptied = 0;
  private swelling = 0;

  private knockStartSeconds = -1;
  private knockSeconds = 0;
  private knockMl = 0;
  private nextKnockSeconds: number;

  constructor(limb: Limb, subject: LimbSubject, cuffWidthCm: number, bladderAreaCm2: number, exercise: LimbExercise, seed: number) {
    this.limb = limb;
    this.subject = subject;
    this.exercise = exercise;
    this.rng = new Prng(seed, 1);
    this.knockRng = new Prng(seed, 4);
    this.lopTrueMmhg = trueLopMmhg(subject, cuffWidthCm);
    // At LOP even the highest beat (breathing and scatter on top of systolic) cannot open the artery.
    this.transmission = (subject.systolic + BREATHING_MMHG + BEAT_SCATTER_MMHG) / this.lopTrueMmhg;
    this.arterialMl = ARTERIAL_ML_PER_CM2 * bladderAreaCm2;
    const meanArterial = subject.diastolic + (subject.systolic - subject.diastolic) / 3;
    this.restingOpen = 1 - Math.exp(-meanArterial / ARTERIAL_WALL_MMHG);
    this.edgeScale = EDGE_FRACTION * (1 - Math.exp(-(subject.systolic - subject.diastolic) / ARTERIAL_WALL_MMHG));
    this.beatSeconds = 60 / subject.heartRate;
    this.breathPhase = this.rng.next();
    this.beatPhase = this.rng.next();
    this.nextKnockSeconds = this.drawKnockGap(false);
  }

  /** Volume the limb takes from the bladder relative to a resting limb under an empty cuff, mL. */
  volumeMl(): number {
    return this.volume;
  }

  repsDone(): number {
    return this.completedReps;
  }

  exercising(): boolean {
    return this.setActive;
  }

  beginSet(reps: number): void {
    this.setActive = reps > 0;
    this.setStartSeconds = this.timeSeconds;
    this.setReps = Math.max(0, Math.floor(reps));
    this.currentRep = -1;
    this.completedReps = 0;
    this.nextKnockSeconds = this.drawKnockGap(this.setActive);
  }

  endSet(): void {
    this.setActive = false;
  }

  /** Move on by dtSeconds with the cuff at cuffMmhg (the pressure on the limb). */
  advance(dtSeconds: number, cuffMmhg: number): void {
    if (dtSeconds !== this.decayStep) {
      this.decayStep = dtSeconds;
      this.relaxDecay = Math.exp(-dtSeconds / RELAX_SECONDS);
      this.refillDecay = Math.exp(-dtSeconds / REFILL_SECONDS);
      this.emptyingGain = 1 - Math.exp(-dtSeconds / (EMPTYING_REPS * this.exercise.repSeconds));
      this.swellingRiseGain = 1 - Math.exp(-dtSeconds / SWELLING_RISE_SECONDS);
      this.swellingEbbGain = 1 - Math.exp(-dtSeconds / SWELLING_EBB_SECONDS);
    }
    this.timeSeconds += dtSeconds;
    this.advanceHeart(dtSeconds);
    this.advanceExercise();
    this.advanceSwelling(cuffMmhg);
    this.volume = this.pulseVolume(cuffMmhg) + this.exerciseVolume() + this.knockVolume();
  }

  private advanceHeart(dt: number): void {
    this.breathPhase += (dt * this.subject.breathsPerMin) / 60;
    if (this.breathPhase >= 1) this.breathPhase -= Math.floor(this.breathPhase);
    this.beatPhase += dt / this.beatSeconds;
    if (this.beatPhase >= 1) {
      this.beatPhase -= Math.floor(this.beatPhase);
      // Respiratory sinus arrhythmia (about 3 %) plus random heart-rate variability (about 2 %).
      const variation = 0.03 * Math.sin(2 * Math.PI * this.breathPhase) + 0.02 * this.rng.clippedNormal(0, 1, -2.5, 2.5);
      this.beatSeconds = (60 / this.subject.heartRate) * (1 + variation);
      this.beatScatterMmhg = this.rng.uniform(-BEAT_SCATTER_MMHG, BEAT_SCATTER_MMHG);
    }
  }

  private arterialPressure(): number {
    const { systolic, diastolic } = this.subject;
    const pulse = systolic + this.beatScatterMmhg - diastolic;
    return diastolic + pulse * waveAt(this.beatPhase) + BREATHING_MMHG * Math.sin(2 * Math.PI * this.breathPhase);
  }

  /**
   * Arterial volume under the cuff against transmural pressure (arterial
   * pressure less the transmitted cuff pressure): closed below zero, opening
   * with a 30 mmHg wall scale above it. Largest swings when diastole sits at
   * closing (below MAP), none once systole cannot open the artery (LOP).
   */
  private pulseVolume(cuffMmhg: number): number {
    const p = this.arterialPressure();
    const transmural = p - this.transmission * Math.max(0, cuffMmhg);
    const open = transmural > 0 ? 1 - Math.exp(-transmural / ARTERIAL_WALL_MMHG) : 0;
    const edge = cuffMmhg > 0 ? this.edgeScale * waveAt(this.beatPhase) * Math.exp(-cuffMmhg / EDGE_FADE_MMHG) : 0;
    return this.arterialMl * (open - this.restingOpen + edge);
  }

  private advanceExercise(): void {
    const { repSeconds } = this.exercise;
    if (this.setActive) {
      const elapsed = this.timeSeconds - this.setStartSeconds;
      const rep = Math.floor(elapsed / repSeconds);
      this.completedReps = Math.min(this.setReps, rep);
      if (rep >= this.setReps) {
        this.setActive = false;
      } else {
        if (rep !== this.currentRep) {
          this.currentRep = rep;
          this.repStrength = this.rng.clippedNormal(1, REP_VARIATION, 0.5, 1.5);
        }
        // Concentric half: the muscle shortens and bulges; eccentric half: it lengthens back.
        const phase = elapsed / repSeconds - rep;
        this.contraction = this.repStrength * Math.sin(Math.PI * phase) ** 2;
        this.emptied += (1 - this.emptied) * this.emptyingGain;
        return;
      }
    }
    this.contraction *= this.relaxDecay;
    this.emptied *= this.refillDecay;
  }

  private advanceSwelling(cuffMmhg: number): void {
    const restricted = cuffMmhg > VENOUS_CLOSING_MMHG ? 1 : 0;
    this.swelling += (restricted - this.swelling) * (restricted > this.swelling ? this.swellingRiseGain : this.swellingEbbGain);
  }

  private exerciseVolume(): number {
    const { contractionMl, relaxedMl, swellingMl } = this.exercise;
    return contractionMl * this.contraction + relaxedMl * this.emptied + swellingMl * this.swelling;
  }

  private drawKnockGap(exercising: boolean): number {
    const rate = exercising ? KNOCKS_PER_SECOND_EXERCISING : KNOCKS_PER_SECOND_RESTING;
    return this.timeSeconds - Math.log(1 - this.knockRng.next()) / rate;
  }

  /** Knocks of a moving limb: short half-sine volume bumps at random times, more often in a set. */
  private knockVolume(): number {
    const t = this.timeSeconds;
    if (this.exercise.knockMl > 0 && t >= this.nextKnockSeconds) {
      this.knockStartSeconds = t;
      this.knockSeconds = this.knockRng.uniform(KNOCK_SECONDS[0], KNOCK_SECONDS[1]);
      this.knockMl = this.exercise.knockMl * this.knockRng.clippedNormal(0, 1, -3, 3);
      this.nextKnockSeconds = this.drawKnockGap(this.setActive);
    }
    if (this.knockStartSeconds < 0) return 0;
    const age = t - this.knockStartSeconds;
    if (age >= this.knockSeconds) {
      this.knockStartSeconds = -1;
      return 0;
    }
    return this.knockMl * Math.sin((Math.PI * age) / this.knockSeconds);
  }
}
