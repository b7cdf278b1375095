/**
 * Movement during an LOP pass: what spoils it, and how a spoiled pass is measured
 * again. A limb that is bumped or tensed moves the cuff pressure far more than a
 * pulsation does; reading through it gave results 10-40 mmHg off (README.md).
 */
import { heldJumpIndex, plateauMmhg, type EnvelopePoint, type FlankReading, type Plateau } from "./envelope.ts";

export const MOVEMENT_SETTINGS = {
  /** A pulsation larger than this, and than this many times the largest envelope point, is movement. */
  motionMmhg: 2.5,
  motionEnvelopeMultiple: 1.5,
  /**
   * From the envelope's maximum on, one window this many times the maximum, or two windows
   * repeatedMotionWindowMultiple times it, are movement and spoil the pass (judged against the
   * final maximum over every window of the pass). A single window of 1.5-1.8 is left to the
   * spike test of envelope.ts (a lone knock).
   */
  motionEnvelopeWindowMultiple: 1.8,
  repeatedMotionWindowMultiple: 1.5,
  /**
   * From two windows below the envelope's maximum on, a window whose mean pressure lies this far
   * off the line through its neighbours holds a held jump (a tensed limb), which spoils the pass.
   * The ramp and breathing leave at most 2-3 mmHg.
   */
  heldJumpMmhg: 3,
  /** The band-pass rings this long after a knock: crossings within it are the same knock. */
  motionRingSeconds: 0.5,
  /** More knocks than this share of the flank windows spoil the pass. */
  maxOutlierShare: 0.45,
  /**
   * A pass spoiled by movement is measured again (up to maxRetries times) when it happens before
   * this many seconds: the cuff vents to retreatMmhg below where the spoiled stretch began (or the
   * envelope's maximum) and ramps over it again.
   */
  retryBeforeSeconds: 65,
  maxRetries: 2,
  retreatMmhg: 12,
  /**
   * The retreat's vent closes over this long once the reading is down: shut at once, the hose
   * holds the sensor's box 20-30 mmHg below the bladder and the reading jumps back by over 25 mmHg
   * in one sample, which the supervisor rightly takes for a broken sensor.
   */
  retreatCloseSeconds: 0.2,
  /**
   * A second pass's envelope maximum must lie this close to the first pass's (else movement made
   * one of them), or on the other pass's flat top: where the smoothed envelope stays above this
   * share of its maximum (weak pulsations peak 15-20 mmHg apart by noise alone).
   */
  maxPeakShiftMmhg: 15,
  peakPlateauShare: 0.85,
} as const;

export interface Movement {
  reason: string;
  /** Where the spoiled stretch began: a retry vents below it (absent: no retry helps). */
  retryFromMmhg?: number;
}

/** Movement in a pass that has a reading, or null. `windows` are every window of the pass, knocked ones included. */
export function judgeMovement(
  points: readonly EnvelopePoint[],
  windows: readonly EnvelopePoint[],
  flank: FlankReading,
  floorMmhg: number,
  firstPeakMmhg: number | null,
  firstPlateau: Plateau | null,
): Movement | null {
  const s = MOVEMENT_SETTINGS;
  const top = points.findIndex((p) => p.mmhg === flank.maxAtMmhg);
  const jump = heldJumpIndex(windows, points[Math.max(0, top - 2)]!.mmhg, s.heldJumpMmhg);
  if (jump >= 0) {
    return { reason: `movement during the measurement: the pressure jumped at ${windows[jump]!.mmhg.toFixed(0)} mmHg`, retryFromMmhg: Math.min(windows[jump]!.mmhg, windows[jump - 1]!.mmhg) };
  }
  // Below the maximum a window may be large against the pulsations before it (the tolerated knock); from the maximum on, no pulsation exceeds the maximum.
  const max = flank.maxAmplitudeMmhg;
  const large = windows.filter((p) => p.mmhg >= flank.maxAtMmhg && p.amplitudeMmhg > s.repeatedMotionWindowMultiple * max);
  const motionAtMmhg = (large.length >= 2 ? large[0] : large.find((p) => p.amplitudeMmhg > s.motionEnvelopeWindowMultiple * max))?.mmhg;
  if (motionAtMmhg !== undefined) return { reason: `movement during the measurement: large pressure jumps at ${motionAtMmhg.toFixed(0)} mmHg`, retryFromMmhg: motionAtMmhg };
  if (flank.regrowthAtMmhg !== null) {
    return { reason: `movement during the measurement: the pulsations grew back at ${flank.regrowthAtMmhg.toFixed(0)} mmHg after fading`, retryFromMmhg: flank.maxAtMmhg };
  }
  if (flank.outlierShare > s.maxOutlierShare) {
    return { reason: `movement during the measurement: ${Math.round(flank.outlierShare * 100)} % of the beats on the falling flank were disturbed`, retryFromMmhg: flank.maxAtMmhg };
  }
  // A flat-topped envelope (weak pulsation in noise) has no sharp peak: a maximum anywhere on either pass's flat top agrees.
  const within = (mmhg: number, range: Plateau | null) => range !== null && mmhg >= range.lowMmhg && mmhg <= range.highMmhg;
  if (
    firstPeakMmhg !== null &&
    Math.abs(flank.maxAtMmhg - firstPeakMmhg) > s.maxPeakShiftMmhg &&
    !within(flank.maxAtMmhg, firstPlateau) &&
    !within(firstPeakMmhg, plateauMmhg(points, floorMmhg, s.peakPlateauShare))
  ) {
    return { reason: `movement during the measurement: the pulsations peaked at ${firstPeakMmhg.toFixed(0)} mmHg, then at ${flank.maxAtMmhg.toFixed(0)} mmHg when measured again` };
  }
  return null;
}
