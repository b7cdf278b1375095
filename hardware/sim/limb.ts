/**
 * The limb under the cuff: its occlusion pressure, the arterial pulse reaching
 * the bladder, muscle contractions, swelling and knocks. Everything it does to
 * the cuff is one number, the volume the limb takes from the bladder
 * (volumeMl), which the pneumatics turn into pressure with the cuff's own
 * compliance. Time moves only in advance().
 */
import type { Limb } from "../../shared/plan.ts";
import { ArteryUnderCuff } from "./artery.ts";
import type { DistalPulseInputs } from "./distal-pulse.ts";
import { Heart, type HeartSubject } from "./heart.ts";
import { trueLopMmhg, type LopSubject } from "./physiology.ts";
import { Prng } from "./prng.ts";

/**
 * Pulsatile arterial volume under the cuff per cm^2 of bladder, between fully
 * open and closed. Model choice: it gives 2-3 mmHg peak-to-peak oscillations in
 * the reference arm and thigh cuffs near their maximum, as oscillometric cuffs show.
 */
export const ARTERIAL_ML_PER_CM2 = 0.009;
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

export interface LimbSubject extends HeartSubject, LopSubject {
  arteryStiffnessMmhg: number;
  pulsationAtLopFraction: number;
  supraLopTailPercent: number;
  distalPerfusionPercent: number;
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
  readonly arterialMl: number;
  readonly heart: Heart;
  readonly artery: ArteryUnderCuff;
  /** Arterial opening under an empty cuff at mean pressure: the reference the limb volume is counted from. */
  private readonly restingOpen: number;
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
  private volume = 0;
  private arterialMmhg = 0;
  /** The knock under way, in units of a typical knock (either sign). */
  private knockShare = 0;

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

  constructor(
    limb: Limb,
    subject: LimbSubject,
    cuffWidthCm: number,
    bladderAreaCm2: number,
    exercise: LimbExercise,
    seed: number,
    /** mmHg of cuff pressure per mL the limb takes, at a cuff pressure (1 / the sealed cuff's compliance). */
    mmhgPerMl: (cuffMmhg: number) => number,
  ) {
    this.limb = limb;
    this.subject = subject;
    this.exercise = exercise;
    this.rng = new Prng(seed, 1);
    this.knockRng = new Prng(seed, 4);
    this.lopTrueMmhg = trueLopMmhg(limb, subject, cuffWidthCm);
    this.heart = new Heart(subject, this.rng);
    this.artery = new ArteryUnderCuff({ ...subject, peakMmhg: this.heart.peakMmhg, lopMmhg: this.lopTrueMmhg }, mmhgPerMl);
    this.arterialMl = ARTERIAL_ML_PER_CM2 * bladderAreaCm2;
    const meanArterial = subject.diastolic + (subject.systolic - subject.diastolic) / 3;
    this.restingOpen = this.artery.openShare(meanArterial, 0);
    this.arterialMmhg = meanArterial;
    this.nextKnockSeconds = this.drawKnockGap(false);
  }

  /** Share of the cuff pressure that reaches the artery under the cuff's centre. */
  get transmission(): number {
    return this.artery.transmission;
  }

  /** Arterial pressure now, mmHg. */
  arterialPressureMmhg(): number {
    return this.arterialMmhg;
  }

  /** What a pulse sensor beyond the cuff feels now, with the cuff at cuffMmhg (distal-pulse.ts). */
  distalPulseInputs(cuffMmhg: number): DistalPulseInputs {
    return {
      distalDriveMmhg: this.artery.distalDriveMmhg(this.arterialMmhg, cuffMmhg),
      pulsePressureMmhg: this.subject.systolic - this.subject.diastolic,
      perfusionPercent: this.subject.distalPerfusionPercent,
      knock: this.knockShare,
      contraction: this.contraction,
    };
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
    this.heart.advance(dtSeconds);
    this.arterialMmhg = this.heart.pressureMmhg();
    this.advanceExercise();
    this.advanceSwelling(cuffMmhg);
    const knock = this.knockVolume();
    this.knockShare = this.exercise.knockMl > 0 ? knock / this.exercise.knockMl : 0;
    this.volume = this.pulseVolume(cuffMmhg) + this.exerciseVolume() + knock;
  }

  /** Arterial volume under the cuff (artery.ts) against the resting limb's. */
  private pulseVolume(cuffMmhg: number): number {
    return this.arterialMl * (this.artery.openShare(this.arterialMmhg, cuffMmhg) - this.restingOpen);
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
