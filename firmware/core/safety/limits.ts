/**
 * Every threshold the safety rules use, in one table, with where it comes from.
 * Rule descriptions are generated from it, so a number is written once.
 */
import { DEFLATED_MMHG } from "../../../shared/limits.ts";

export const SAFETY_LIMITS = {
  /** The LOP-derived ceiling: the pump stops here whatever the target (share of the LOP). */
  lopCeilingFraction: 0.95,
  /** The pump stops this far below a ceiling: the motor coasts and the air in the hose still arrives. */
  pumpStopMarginMmhg: 5,
  /** Holding at or above the LOP for this long is a fault. */
  aboveLopSeconds: 0.5,
  /** The reading at or above the ceiling for this long is a fault. */
  overpressureSeconds: 0.02,

  /** A NaN sample for this long is a fault. */
  nanSeconds: 0.02,
  /** On a build with a second sensor, samples without its reading for this long are a fault. */
  secondaryMissingSeconds: 0.1,
  /**
   * The two sensors disagree: the mean of |first - second| over the window above this, for this
   * long. Their combined calibrated error is at most 8.3 mmHg at 300 mmHg (span check 3, warm-up
   * drift 2.7, the first sensor's supply 1.5, the ADCs 0.9, filtered noise 0.2); healthy simulated
   * pairs over the scenario ranges never average more than 6.2 mmHg apart over 0.5 s.
   */
  disagreementMmhg: 9,
  disagreementMeanSeconds: 0.5,
  disagreementSeconds: 1,
  /** The ADC on a rail for this long: the sensor is disconnected. */
  railSeconds: 0.03,
  /** A reading outside the plausible range for this long is a fault. */
  outOfRangeSeconds: 0.03,
  /** Reading below this is not a cuff pressure (sensor or zero is wrong). */
  minPlausibleMmhg: -15,
  /** Before the first zero the reading still carries the sensor's own offset, which zeroing takes out up to 25 mmHg. */
  minPlausibleUnzeroedMmhg: -30,
  maxPlausibleMmhg: 360,
  /** Faster than any cuff can change through its hose: the reading is not pressure. */
  impossibleSlopeMmhgPerSecond: 2500,
  /**
   * A vent opening drains the sensor's side of the hose faster than the cuff behind it, which
   * refills it once the vent shuts: a climb back to the level before the opening (plus the
   * margin) within this long is pressure, not a jump.
   */
  ventReboundSeconds: 0.5,
  ventReboundMarginMmhg: 3,
  /**
   * ...and this many standard deviations of the sensor's own noise: the level before the pulse and
   * the refilled one are single samples (3 mmHg of noise parts two of them by 4.2 on average). The
   * noise is read from sample-to-sample changes while neither actuator acted, changes under
   * noiseStepMaxMmhg, each moving the estimate this share of the way.
   */
  ventReboundNoiseSds: 5,
  /**
   * ...and this share of the dip (or of the pump's climb, for the hose draining as the pump eases):
   * the air in a hose and the box it fills ring like a passive mass and spring, which swings past
   * the level it returns to by at most the swing it was let go from (a 26 mmHg dip came back 11 mmHg
   * over it, a 52 mmHg one 17 over, a 56 mmHg one behind 0.2 m of hose and a 2 mL manifold 33 over).
   */
  reboundOvershootShare: 1,
  noiseStepMaxMmhg: 15,
  noiseLearnWeight: 0.01,

  /** Above this the cuff counts as pressurised for the stuck-sensor and pump rules. */
  pressurisedMmhg: 20,
  /** Pump duty and vent opening above which the reading must move. */
  movingPumpDuty: 0.3,
  movingVentOpening: 0.05,
  /** Identical samples for this long while the pump or vent works, or the sensor's own noise should move them, mean a frozen sensor... */
  stuckSeconds: 0.5,
  /**
   * ...and for this long otherwise in a pressurised cuff: a quiet sensor reads one count while the
   * pressure stands within it, between a slow heart's beats, or in a set where the regulator's pump
   * balances a slow contraction and the leak (a noiseless sensor on a thigh at 91 mmHg held one
   * count for 0.5 s in a set of 5.5 s reps with a 4 mmHg swing).
   */
  stuckSealedSeconds: 2,
  /**
   * A sensor is noisy when the second difference of its counts (three samples in a row, the pump and
   * vent commands unchanged) reaches stuckNoiseStepCounts in over stuckNoisyShare of the samples, each
   * moving the share noiseLearnWeight of the way: white noise of 2 counts does (its second difference
   * has 2.45 times its spread), and then 50 identical counts have no chance; a pressure moving smoothly
   * (contractions, a steady pump or vent) bends its counts by under one count a sample, and knocks and
   * heartbeats' upstrokes only for a few samples.
   */
  stuckNoiseStepCounts: 3,
  stuckNoisyShare: 0.5,
  /** The second sensor's counts standing still while the first sensor's reading, smoothed, moves this much (seven of its 0.4 mmHg steps). */
  secondFrozenWhileFirstMovesMmhg: 3,
  secondFrozenSmoothingSeconds: 0.2,
  /** The first reading's movement is measured from this many smoothing times after the second's counts last changed. */
  secondFrozenSettleSmoothings: 2,
  /**
   * ...or this many times the first sensor's own noise (one raw sample's standard deviation, measured
   * over secondFrozenNoiseSeconds), if more: a first sensor with 3 mmHg of noise, smoothed, wanders by
   * 3 mmHg within half a second while a noiseless second one holds one count.
   */
  secondFrozenPerFirstNoise: 1.5,
  secondFrozenNoiseSeconds: 5,

  /** A kinked hose leaves the pump feeding the hose alone: the reading climbs faster than this... */
  kinkSlopeMmhgPerSecond: 400,
  /** ...with the pump above this duty... */
  kinkPumpDuty: 0.2,
  /**
   * ...further than the hose's own jump explains. Each pump start lifts the reading by the hose's
   * pressure drop at the pump's flow (2.5 mmHg on the reference hose, 70 mmHg for 2.3 m of 2 mm hose
   * on a 5 L/min pump, up to about 270 mmHg for 5 m of 2 mm on 6 L/min): a climb may go this many
   * times the largest jump seen with the pump still running, at least kinkClimbFloorMmhg (a knock of
   * the limb lifts the reading by up to 30 mmHg within 40 ms); before any jump is seen, the largest
   * the scenario ranges allow.
   */
  kinkClimbShareOfJump: 1.5,
  kinkClimbFloorMmhg: 35,
  kinkFirstClimbMmhg: 270,
  /**
   * A climb is measured from the lowest reading of this long before it (or, if higher, the median of
   * the kinkClimbBeforeSeconds before that: a knock dents an 8 cm arm cuff by 22 mmHg and it springs
   * back 39 mmHg within 0.1 s), and ends after this long below the slope.
   */
  kinkClimbStartSeconds: 0.1,
  kinkClimbBeforeSeconds: 0.3,
  /**
   * A climb ends once the reading's slope has stayed under this (the line levelled off) for
   * kinkClimbEndSeconds, not when it dips under the climb's own slope: a noisy sensor's slope dips for
   * tens of milliseconds while a narrow hose's line is still filling (250-400 mmHg/s behind 3 m of
   * 2 mm hose on a 6 L/min pump), and a climb ended there would teach a fraction of the hose's jump.
   */
  kinkLevelledMmhgPerSecond: 100,
  kinkClimbEndSeconds: 0.03,
  /** A climb teaches the hose's jump only if it ended with the pump still at this duty (a kinked box stops climbing only when the pump stops). */
  kinkJumpLearnDuty: 0.5,
  /**
   * A full-duty start measures the jump directly: the rise over this long less the rise over the
   * next as long (the hose's pump side fills within about 0.26 s: 5 m of 2 mm hose, 100 mL manifold).
   */
  kinkJumpSeconds: 0.3,
  kinkFullDuty: 0.95,
  /**
   * Inflating at full duty for the whole of the last kinkRaceBaselineSeconds + kinkRaceRecentSeconds,
   * the reading climbs kinkRaceRiseMmhg or more over the recent stretch, kinkRaceRatio times the pace
   * of the stretch before (the climb counted from the highest reading of the 0.3 s before it, so a
   * knock's dent does not count), from kinkRaceFromMmhg up; and kinkRaceConfirmSeconds later it is
   * still racing at kinkRaceRatio times that pace with the pump at full duty, or, the pump eased off
   * at the target, has given back under kinkRaceFallBackShare of the climb: the pump fills the hose
   * alone. Near its target the inflation eases off, so a kinked fill races at full duty for only
   * 0.15-0.3 s.
   */
  kinkRaceRecentSeconds: 0.15,
  kinkRaceBaselineSeconds: 2,
  kinkRaceFromMmhg: 30,
  kinkRaceRiseMmhg: 12,
  kinkRaceRatio: 3,
  kinkRaceConfirmSeconds: 0.5,
  kinkRaceFallBackShare: 0.3,
  /**
   * With the pump off, a reading that climbs this far above its lowest is the cuff refilling the
   * hose as the vent closes (a sealed, kinked hose stands still but for the sensor's noise, about
   * 1.5 mmHg after filtering), which shows within this long with both pump and vent off.
   */
  kinkRefillMmhg: 4,
  kinkRefillSeconds: 0.05,
  /**
   * The kink probe drops a cuff by under 3 mmHg (heartbeats included) and a kinked hose by about 17;
   * a 4-5 cm arm cuff behind a 3.5 mm vent and a 2 mL manifold loses 8-11 mmHg itself, its hose
   * kinked 26-41. So a drop is a kink over this, and over kinkProbeOverCuffDrop times what the same
   * cuff lost to the same pulse at its earlier probes (the hose alone holds a share of the cuff's
   * air: behind a kink the same pulse drains it by the cuff's volume over the hose's, 3 times or more).
   */
  kinkProbeDropMmhg: 10,
  kinkProbeOverCuffDrop: 2,
  /** The fastest a cuff vents from over fastDeflationFromMmhg to under the deflated threshold; the hose alone, cut off by a kink, is faster. */
  fastestDeflationSeconds: 0.1,
  fastDeflationFromMmhg: 50,
  /**
   * After such a deflation the vent shuts for a moment: a hose cut off by a kink has emptied to the
   * room (its mean reading with the vent shut under this), a small cuff behind a large vent that
   * really emptied that fast still holds part of what it had when the reading crossed the vented
   * threshold (4-6 mmHg on a 4.2 cm arm cuff behind a 4 mm vent, 9-14 on a 4-5 cm one behind 3.5 mm).
   */
  kinkEmptiedHoseMmhg: 2.5,
  /** A vent this open counts as fully open. */
  fullVent: 0.99,

  /**
   * The vent fully open this long must lower the pressure (means over valveBlockSeconds) by this
   * much, above this pressure: the slowest healthy vent (0.8 mm on a 15 cm cuff round an 80 cm
   * thigh) lowers it 6 mmHg/s at 70 mmHg and 2.4 at 30, where the veins refilling after a set push
   * back by up to 2.4 mmHg/s. In a set with contractions the window is longer: a contraction can
   * outpace a small vent for up to half a rep (the set's cadence, or the slowest rep's before it is known).
   */
  valveFallSeconds: 1,
  valveFallSetSeconds: 3.5,
  valveFallShareOfRep: 0.6,
  /** The first seconds of a rest, or of a deflation straight after a set, keep the set's window: the athlete may still contract after a set the counter ended, and a contraction lifts a large cuff faster than a 0.8 mm vent empties it. */
  valveRestAsSetSeconds: 10,
  valveFallMmhg: 3,
  valveBlockSeconds: 0.1,
  valveJudgedAboveMmhg: 70,
  /** A deflation still above valveJudgedAboveMmhg after this long has a vent that does not open (the slowest healthy one takes about 25 s from 300). */
  deflationMaxSeconds: 60,

  /** Vented and idle this long, a reading steady within the spread over the window but this far from zero has drifted. */
  driftVentedSeconds: 5,
  driftWindowSeconds: 2,
  driftSpreadMmhg: 2,
  driftMinMmhg: 6,
  driftMaxMmhg: 40,
  /**
   * ...unless it is still falling towards zero, its window's second half this much under its first:
   * a 15 cm thigh cuff behind a 0.8 mm vent still empties at 0.5-1 mmHg/s at 6-10 mmHg.
   */
  driftFallingMmhg: 0.3,
  /** Holding still near LOP, pulsations faded to this share of the session's first still hold while the reading stays on target. */
  fadedPulseRatio: 0.62,

  /**
   * Occlusion, whatever the numbers say: holding still, the cuff's pulsation (median of 8 s) has
   * fallen under this share of the largest the LOP measurement passed over. Pulsations fall
   * steeply from about 90 % of the LOP on (the artery under the cuff's centre closing); at 90 %
   * of the LOP the simulated family keeps 0.25-0.93 of its maximum, past the LOP 0-0.6. Judged only
   * where this share of the maximum stands above the noise floor the hold reads: under it a pulse
   * reads as none, so a weak pulsation would look faded to 0 % at any pressure.
   */
  occludedPulsationShare: 0.2,
  /**
   * ...for targets from this share of the LOP up: under it the LOP would have to be read more than
   * twice too high for the hold to occlude, while a weak pulse's small pulsation there wanders under a
   * fifth of an envelope maximum that breathing or a knock lifted during the measurement.
   */
  occlusionJudgedFromLopFraction: 0.5,
  /**
   * The distal pulse (a fingertip or toe sensor beyond the cuff) under this share of its size with
   * the cuff empty (its window holds a beat of a 37 bpm heart)... On the simulated family it keeps
   * 0.29-0.54 at 80 % of the LOP, 0.04-0.46 at 90 %, 0-0.05 at 95 % and none from the LOP on.
   */
  occludedDistalShare: 0.03,
  /** ...for this long: near 90 % of the LOP the pulse can vanish for a breath's trough, under 2 s. */
  occludedDistalSeconds: 2,

  /** Settled, the pressure under this with the vent shut for this long: the cuff is off the limb or burst. */
  cuffOffMmhg: 10,
  cuffOffSeconds: 0.3,
  /** The vent counts as shut below this opening. */
  shutVent: 0.5,

  /** Pump-dead: the pump at this duty with the vent under this opening... */
  pumpDeadDuty: 0.8,
  pumpDeadVent: 0.05,
  /**
   * ...the pressure read as the median of the means of the last pumpDeadBlocks blocks of this long
   * (3 mmHg of sensor noise averages to under 0.5 mmHg; a knock of the limb, a bump of up to 30 mmHg
   * for 0.08-0.25 s, moves a mean but not the median)...
   */
  pumpDeadBlockSeconds: 0.1,
  pumpDeadBlocks: 5,
  /**
   * The pump-dead rule's own level takes the median of more blocks: behind a long narrow hose a knock
   * reaches the sensor spread over half a second (5 m of 2.3 mm hose: a 10 mmHg knock read as a bump of
   * 14 mmHg for 0.5 s), which would lift the level a window starts from and read as a pump that stopped.
   */
  pumpDeadLevelBlocks: 9,
  /**
   * ...must rise this much in this long (nothing moves at all) when it rose this much in the window
   * before, or from the pump's start: a pump that levels off against the leak or its own stall slows
   * over several windows (a 1.7 L/min pump stalling at 264 mmHg went from 1.4 to 0.2 mmHg/s in 5 s)...
   */
  pumpDeadStillMmhg: 0.5,
  pumpDeadSeconds: 2.5,
  pumpDeadWasRisingMmhg: 5,
  /** The window before counts when the pump ran at this mean duty through it (else the pump has just started). */
  pumpDeadBeforeDuty: 0.5,
  /**
   * ...and, holding above the slack, this share of what the controller learned this pump gives at
   * this pressure (the pump record, control/pump-record.ts: the rise at full speed, the cuff's own leak included), where
   * that is at least pumpDeadExpectedMinMmhg over the window: a small pump levelling off against the
   * leak was learned to give little there and is not judged dead...
   */
  pumpDeadShareOfExpected: 0.25,
  pumpDeadExpectedMinMmhg: 8,
  /** ...judged only where the pressure stayed within this of where the window began (the learned rate belongs to a pressure)... */
  pumpDeadSamePressureMmhg: 10,
  /** ...and in a rest once this long has passed: the last contraction of the set relaxes meanwhile. */
  pumpDeadRestSettleSeconds: 1.5,
  /**
   * ...or, below this pressure (the bladder still taking up its slack), a line through the 0.1 s
   * means of the last pumpDeadSlackSeconds (up to pumpDeadSlackMaxSeconds while the pump keeps
   * running) whose slope, even pumpDeadSlackSds standard errors above it (the means' own scatter
   * around the line: the sensor's noise and whatever else moves), stays under this rate. A 0.5 L/min
   * pump filling a 13-15 cm cuff on an 80 cm thigh rises 0.23-0.25 mmHg/s at its slowest, which 3 mmHg
   * of noise reads within +-0.07 mmHg/s over 6 s; a dead pump, a vent stuck open or a leak larger than
   * the pump give none or a fall. A quiet sensor is judged in 6 s, a noisy one takes up to 10.
   */
  pumpDeadSlackBelowMmhg: 30,
  pumpDeadSlackSeconds: 6,
  pumpDeadSlackMaxSeconds: 10,
  pumpDeadSlackMmhgPerSecond: 0.12,
  pumpDeadSlackSds: 2,

  /** Leak: holding, the pump works on average over this window (Delfi alarms after 7 s)... */
  leakSeconds: 4,
  /** ...at this mean duty and this far short in a rest or still hold... */
  leakRestDuty: 0.6,
  leakRestShortMmhg: 5,
  /** ...or this mean duty and this share of the target short in a set... */
  leakSetDuty: 0.85,
  leakSetShortShare: 0.1,
  /**
   * ...and, since the cuff fell short with the pump at this duty or more (until the vent opens or the
   * cuff is back on target for leakBackSeconds), the pump put in more than the cuff gained by over
   * what a limb can take back: in a set with contractions the veins it empties and a relaxing
   * contraction (each up to 60 mmHg of a sealed cuff over the scenario ranges); holding still, half
   * of one (the limb settling after a set).
   */
  leakEpisodeDuty: 0.5,
  leakBackSeconds: 1,
  leakTakeawaySetMmhg: 120,
  leakTakeawayStillMmhg: 30,
  /**
   * A pump too small for the contractions or the cuff's own leak (0.5 L/min against 30 mmHg/min on
   * a thigh) holds the cuff short but steady: the window's second half no more than this below its
   * first (the pump-too-small warning).
   */
  leakFallingMmhg: 2,
  /** Pump too small (a warning): in a set with contractions, the cuff this share of the target short on average with the pump at leakSetDuty. */
  pumpTooSmallShortShare: 0.05,

  /** Blood-pressure cuff standards allow 10-15 mmHg/min at 300 mmHg; warn at twice that while resting. */
  slowLeakMmhgPerMin: 25,
  /** Venous volume under the cuff keeps shifting for several seconds after a set. */
  slowLeakSettleSeconds: 8,
  /** Pump and vent idle this long before the sealed cuff is judged. */
  slowLeakIdleSeconds: 0.5,
  /** Idle time the estimate needs, and how far back it looks. */
  slowLeakPooledSeconds: 3,
  slowLeakWindowSeconds: 12,
  /**
   * The slope, less this many standard errors of the sensor's own noise, must exceed the limit: a
   * 2.6 mmHg sensor's 3 s of sealed stretches a second long leave a standard error near 30 mmHg/min.
   */
  slowLeakStandardErrors: 2,
  /** The sensor's noise is averaged over this long. */
  slowLeakNoiseSeconds: 5,

  /**
   * An inflation that has not reached its target after this long is stuck: the slowest healthy
   * inflation across the scenario ranges (a 0.5 L/min pump filling a 9 cm cuff on a 75 cm thigh to
   * 240 mmHg) takes about 110 s.
   */
  inflationMaxSeconds: 180,

  /** Surgical tourniquets alarm at +-15 mmHg for 1 s; this cuff at +-10. */
  deviationMmhg: 10,
  deviationSeconds: 1,
} as const;

export { DEFLATED_MMHG };
