/**
 * The simulated limb as a family: the subject keys a scenario may give, their
 * ranges, how each is drawn when a scenario leaves it out, and the occlusion
 * pressure a cuff needs on that limb. Sources and figures: hardware/sim/README.md
 * ("The limb as a family").
 */
import type { Limb } from "../../shared/plan.ts";
import { Prng } from "./prng.ts";

/** Scenario ranges of the family's keys (the scenario schema refuses anything outside). */
export const PHYSIOLOGY_RANGES = {
  /** Transmural-pressure scale of the compressed artery's opening: small = compliant, large = stiff. */
  arteryStiffnessMmhg: [10, 80],
  /** Cuff pulsation at the true LOP as a share of the envelope's maximum. */
  pulsationAtLopFraction: [0, 0.7],
  /** How far above the LOP pulsations through the cuff's proximal edge reach, % of the LOP. */
  supraLopTailPercent: [5, 150],
  /** The subject's own departure from the LOP prediction equation (what limb size and blood pressure leave unexplained). */
  lopResidualMmhg: [-100, 100],
  /** Systolic swing with breathing, either way. */
  respiratorySwingMmhg: [0, 15],
  /** Beat-to-beat variation of the heart's interval, one standard deviation, % of the mean interval. */
  heartRateVariabilityPercent: [0, 20],
  /** Premature (ectopic) beats per minute. */
  ectopicBeatsPerMin: [0, 30],
  /** Pulsatile share of the light a fingertip or toe sensor sees (perfusion index); cold fingers read 0.1-0.5 %. */
  distalPerfusionPercent: [0.05, 20],
} as const;

export type PhysiologyKey = keyof typeof PHYSIOLOGY_RANGES;

export interface Physiology {
  arteryStiffnessMmhg: number;
  pulsationAtLopFraction: number;
  supraLopTailPercent: number;
  lopResidualMmhg: number;
  respiratorySwingMmhg: number;
  heartRateVariabilityPercent: number;
  ectopicBeatsPerMin: number;
  atrialFibrillation: boolean;
  distalPerfusionPercent: number;
}

/**
 * LOP prediction equation (see the README for the figures it is held to):
 *   LOP = 140 + 0.3 (SBP - 125) + K_limb exp(0.0435 (C - C_median)) exp(-w / 6.5 cm)
 * K_limb: thigh 324 mmHg (C_median 56 cm), upper arm 150 mmHg (31 cm). The width term
 * falls with cuff width and grows with circumference (the cuff width x circumference
 * interaction of Wedig et al. 2025); the systolic slope is the same for every width.
 * Never below systolic + 5 mmHg (a cuff cannot stop a pulse below its peak).
 */
export const LOP_EQUATION = {
  wideCuffMmhg: 140,
  systolicSlope: 0.3,
  widthScaleCm: 6.5,
  circumferencePerCm: 0.0435,
  widthTermMmhg: { arm: 150, leg: 324 } as Record<Limb, number>,
  medianCircumferenceCm: { arm: 31, leg: 56 } as Record<Limb, number>,
  minAboveSystolicMmhg: 5,
  /**
   * The unexplained part of LOP, one standard deviation: a fixed 5.5 mmHg and 22 % of the width
   * term, in quadrature: 7 mmHg for an 18 cm thigh cuff (Wedig et al. 2024: RMSE 7.2), about 14
   * at 11 cm, 33 at 5 cm, so that about a third of LOP's variance is not predictable.
   */
  residualFixedMmhg: 5.5,
  residualShareOfWidthTerm: 0.22,
} as const;

/** The width term of the equation: what a cuff narrower than the limb needs on top of a wide one. */
export function lopWidthTermMmhg(limb: Limb, limbCircumferenceCm: number, cuffWidthCm: number): number {
  const e = LOP_EQUATION;
  return e.widthTermMmhg[limb] * Math.exp(e.circumferencePerCm * (limbCircumferenceCm - e.medianCircumferenceCm[limb])) * Math.exp(-cuffWidthCm / e.widthScaleCm);
}

/** The LOP the equation predicts, before the subject's own residual. */
export function predictedLopMmhg(limb: Limb, systolicMmhg: number, limbCircumferenceCm: number, cuffWidthCm: number): number {
  const e = LOP_EQUATION;
  return e.wideCuffMmhg + e.systolicSlope * (systolicMmhg - 125) + lopWidthTermMmhg(limb, limbCircumferenceCm, cuffWidthCm);
}

/** One standard deviation of the unexplained part of LOP for this limb and cuff. */
export function lopResidualSdMmhg(limb: Limb, limbCircumferenceCm: number, cuffWidthCm: number): number {
  const e = LOP_EQUATION;
  return Math.hypot(e.residualFixedMmhg, e.residualShareOfWidthTerm * lopWidthTermMmhg(limb, limbCircumferenceCm, cuffWidthCm));
}

export interface LopSubject {
  systolic: number;
  limbCircumferenceCm: number;
  lopMmhg: number | null;
  lopResidualMmhg: number;
}

/** The subject's true LOP under this cuff: the pinned value if any, else the equation plus the subject's residual. */
export function trueLopMmhg(limb: Limb, subject: LopSubject, cuffWidthCm: number): number {
  if (subject.lopMmhg !== null) return subject.lopMmhg;
  const lop = predictedLopMmhg(limb, subject.systolic, subject.limbCircumferenceCm, cuffWidthCm) + subject.lopResidualMmhg;
  return Math.max(subject.systolic + LOP_EQUATION.minAboveSystolicMmhg, lop);
}

/**
 * Draw the family's keys for one subject. Every key is drawn, given or not, from its own
 * stream of the scenario seed, so giving one key leaves the others' draws unchanged.
 */
export function drawPhysiology(seed: number, limb: Limb, limbCircumferenceCm: number, cuffWidthCm: number): Physiology {
  const rng = new Prng(seed, 21);
  const clip = (value: number, [min, max]: readonly [number, number]) => Math.min(max, Math.max(min, value));
  const r = PHYSIOLOGY_RANGES;
  const stiffness = 30 * Math.exp(0.35 * rng.gaussian());
  const fraction = rng.clippedNormal(0.3, 0.12, 0.03, 0.65);
  const tail = rng.clippedNormal(40, 15, 15, 100);
  const residualZ = rng.clippedNormal(0, 1, -2.5, 2.5);
  const swing = rng.clippedNormal(3, 1, 1, 6);
  const hrv = rng.clippedNormal(4, 1.5, 1, 10);
  const hasEctopics = rng.next() < 0.25;
  const ectopicRate = -Math.log(1 - rng.next());
  const fibrillation = rng.next() < 0.02;
  const perfusion = 2 * Math.exp(0.8 * rng.gaussian());
  return {
    arteryStiffnessMmhg: round(clip(stiffness, [12, 70])),
    pulsationAtLopFraction: round(fraction, 2),
    supraLopTailPercent: round(tail),
    lopResidualMmhg: round(residualZ * lopResidualSdMmhg(limb, limbCircumferenceCm, cuffWidthCm), 1),
    respiratorySwingMmhg: round(swing, 1),
    heartRateVariabilityPercent: round(hrv, 1),
    ectopicBeatsPerMin: hasEctopics ? round(clip(ectopicRate, [0.1, 10]), 1) : 0,
    atrialFibrillation: fibrillation,
    distalPerfusionPercent: round(clip(perfusion, [0.2, r.distalPerfusionPercent[1]]), 2),
  };
}

function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
