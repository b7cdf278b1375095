/**
 * Limb occlusion pressure from the cuff signal alone (oscillometric, on inflation).
 *
 * The cuff is filled quickly to a start pressure, then ramped slowly with the pump
 * (a few mmHg per heart beat) while a band-pass filter pulls the arterial
 * pulsations out of the cuff pressure. Every heart-beat-long window gives one point
 * of the envelope (pulsation amplitude against cuff pressure); past its maximum
 * the envelope falls, and the LOP is where the fitted flank reaches zero
 * (envelope.ts). The ramp stops as soon as the envelope has sunk into the noise
 * and the pressure has passed the estimate by a small margin, so the cuff spends
 * little time above the LOP; the controller then deflates.
 *
 * Exposure bound: each pass stops at the latest maxAboveProvisionalMmhg above the
 * LOP its first crossing reads (about two heart beats of ramp past the last crossing),
 * and the venting that follows passes the LOP within a fraction of a second. A flank
 * is ramped over again after movement (up to twice) and to confirm weak pulsations (up
 * to twice); no further pass starts after confirmBeforeSeconds and all end by
 * timeoutSeconds; measured in bench/lop-bench.ts (time above true LOP).
 * The ceiling is never asked for: the ramp ends CEILING_MARGIN below it.
 */
import type { PressureEstimate } from "../estimator.ts";
import type { Actuation } from "../actuation.ts";
import { ENVELOPE_SETTINGS, heldJumpIndex, peakIndex, plateauMmhg, provisionalLopMmhg, readEnvelope, type EnvelopePoint, type Plateau } from "./envelope.ts";
import { BandPass, Biquad } from "../signal/filters.ts";
import type { LopOptions, LopOutcome, LopProcedure } from "./procedure.ts";

/** Tunables, with the reason for each value. */
export const LOP_SETTINGS = {
  /** Fast fill up to here: pulsations only matter from around mean arterial pressure upwards. */
  rampStartMmhg: 40,
  /** Ramp in pressure per heart beat up the envelope, and (finer) down its falling flank. */
  rampMmhgPerBeat: 6,
  flankMmhgPerBeat: 2.5,
  /** The flank starts once the envelope has fallen below this share of its maximum. */
  flankShare: 0.7,
  minRampMmhgPerSecond: 3,
  maxRampMmhgPerSecond: 8,
  /** Ramp rate before the heart rate is known (70 bpm). */
  initialRampMmhgPerSecond: 5.2,
  /** Seconds after the fill during which the band-pass settles from the change of slope. */
  settleSeconds: 2.5,
  /** Band of the arterial pulsation: heart rates 50-110 bpm with their second harmonic. */
  bandLowHz: 0.5,
  bandHighHz: 3.5,
  /** Above this the cuff signal is sensor noise only (for the noise floor). */
  noiseHighPassHz: 15,
  /** A pulsation larger than this, and than this many times the largest envelope point, is movement. */
  motionMmhg: 2.5,
  motionEnvelopeMultiple: 1.5,
  /**
   * From the envelope's maximum on, one window this many times the maximum, or two windows
   * repeatedMotionWindowMultiple times it, are movement and spoil the pass. Judged against the
   * final maximum over every window of the pass: judged on arrival against the largest point
   * so far (which the jumps themselves had raised), and only after the first such window,
   * jumps of 1.5-3.5 times the pulsation got through in the injected-jump runs (10-20 mmHg off).
   * A single window of 1.5-1.8 is left to the spike test of envelope.ts (a lone knock).
   */
  motionEnvelopeWindowMultiple: 1.8,
  repeatedMotionWindowMultiple: 1.5,
  /**
   * From two windows below the envelope's maximum on, a window whose mean pressure lies this far
   * off the line through its neighbours holds a held jump (a tensed limb), which spoils the pass:
   * in the jump runs three such windows in a row made the envelope's maximum (19 mmHg off). The
   * ramp and breathing leave at most 2-3 mmHg (no false alarm in 3 840 measurements without motion
   * on seeds 2026, 7, 11, 3, 5 and 8; three at 2 mmHg).
   */
  heldJumpMmhg: 3,
  /** The band-pass rings this long after a knock: crossings within it are the same knock. */
  motionRingSeconds: 0.5,
  /** More knocks than this share of the flank windows spoil the measurement. */
  maxOutlierShare: 0.45,
  /** The ramp never goes further than this above the LOP the first crossing reads. */
  maxAboveProvisionalMmhg: 10,
  /** The three scaled crossings must agree this well. */
  maxSpreadMmhg: 20,
  /**
   * No LOP is this many times the pressure of the envelope's maximum (which sits between diastolic
   * and mean arterial pressure). At 1.9 a wide pulse pressure was given up on short of its LOP
   * ("did not fade out"): 165/65 on a thigh, 110/55 on an arm, and 34 of 297 measurements over the
   * scenario ranges; 23 of those now read, 0-8 mmHg off with sensor noise up to 0.6 mmHg.
   */
  maxOverEnvelopePeak: 2.4,
  minGiveUpMmhg: 150,
  /**
   * Seconds from the start after which the measurement gives up. A pass may start up to 75 s in
   * and takes 20-30 s on a narrow cuff's high LOP: at 100 s, 8 measurements of 4 920 without motion
   * (5 cm arm cuffs, each after a movement retry and a weak first reading) timed out short of the
   * LOP; at 120 s seven of them read it, 0.6-6.9 mmHg off (results 98.8 -> 98.9 %, the longest
   * 110 s, time above LOP unchanged).
   */
  timeoutSeconds: 120,
  /**
   * A measurement spoiled by movement is retried (up to maxRetries times) within the same
   * procedure when it happens before this many seconds: the cuff vents to retreatMmhg below
   * where the spoiled stretch began and ramps over it again (a knock costs ~10-20 s, not a
   * rejection). A second retry turns about 0.5 % of the measurements from rejections into results;
   * retrying up to 65 s instead of 55 about 0.1-0.2 % more (seeds 2026, 7, 13), with no result more
   * than 10 mmHg off added on nine seeds and the median duration unchanged.
   */
  retryBeforeSeconds: 65,
  maxRetries: 2,
  retreatMmhg: 12,
  /**
   * The retreat's vent closes over this long once the reading is down: fully open, the hose
   * holds the sensor's box 20-30 mmHg below the bladder, and shutting at once let the reading
   * jump back by over 25 mmHg in one sample, which the supervisor rightly takes for a broken
   * sensor (one session in 20 ended in a fault). Over 0.2 s the box follows the bladder.
   */
  retreatCloseSeconds: 0.2,
  /**
   * The ramp gains 3-8 mmHg/s: no rise of stallRiseMmhg within stallSeconds means the pump no
   * longer reaches the cuff (a hose kinked mid-ramp left the procedure waiting, pump idle, until
   * its 100 s timeout). The measurement is rejected and the controller deflates, where the
   * supervisor's kink checks name the fault.
   */
  stallRiseMmhg: 2,
  stallSeconds: 8,
  /**
   * The second pass's envelope maximum must lie this close to the first pass's (else movement
   * made one of them), or on the other pass's flat top: where the smoothed envelope stays above
   * this share of its maximum (weak pulsations peak 15-20 mmHg apart by noise alone).
   */
  maxPeakShiftMmhg: 15,
  peakPlateauShare: 0.85,
  /**
   * Weak pulsations are read twice. A reading whose largest pulsation stands less than
   * confirmBelowSnr noise floors above the noise (confirmDisturbedBelowSnr when the pass
   * had a tolerated knock, knocked flank windows or a retry) is not reported at once.
   * Single readings (seeds 7, 2026, 11, 3, 5, 8, no motion, 3 438 passes): error SD 5.4-5.7 mmHg
   * below 3.5 noise floors, 4.0-4.6 at 3.5-4.5, 3.6-3.9 at 4.5-6, 3.3 at 6-8, 2.2-2.6 above;
   * 33 of the 34 errors over 10 mmHg lie below 8 floors (none of 1 333 passes above).
   */
  confirmBelowSnr: 7,
  confirmDisturbedBelowSnr: 8,
  /**
   * Past confirmBeforeSeconds (after movement retries) a reading at or above these is reported
   * read once (single readings at 4.5-7 floors: SD 3.6-3.9 mmHg); below them it is rejected.
   */
  mustConfirmBelowSnr: 4.5,
  mustConfirmDisturbedBelowSnr: 5.5,
  /**
   * An envelope whose maximum stands under this many noise floors is noise, not a pulsation the
   * ramp has passed: it ramps on. Read as "too weak" instead, noise at the foot of the ramp of a
   * 5 cm cuff (0.4 mmHg at 70 mmHg, 0.8 floors) was rejected 12 s in, before the pulsations began.
   */
  noiseOnlyBelowFloors: 1.5,
  /**
   * The confirming pass re-reads the lower flank only: the cuff vents to confirmRetreatMmhg
   * below the highest (30 %) crossing, or to retreatMmhg below the envelope's maximum if that
   * is higher, and ramps at the flank rate from there, keeping the envelope's maximum (strong,
   * so little in doubt) and the points below. About 10 s more instead of 15-25 s for a pass
   * over the whole flank, so about half the measurements can be read twice within a median
   * of about 40 s (10 mmHg retreats left a gap where the band-pass settles: worse). Ramped from
   * the start at the flank rate, the confirming pass reads confirmPassOffsetMmhg lower than the
   * first (which reaches the flank from the fast ramp): 1.06 mmHg on seed 7 (313 pairs), 0.7-1.6
   * on seeds 2026, 11, 3, 5, 8, 12, 13; the offset is added to its reading.
   */
  confirmRetreatMmhg: 15,
  confirmPassOffsetMmhg: 1.0,
  /**
   * Two readings within confirmAgreementMmhg give their mean; otherwise a third pass, over
   * the whole flank from below the maximum (its own maximum: the first two shared one and can
   * share its error). Three readings spanning at most threeReadingsSpreadMmhg give their mean;
   * else the measurement is rejected. (The median of three, reported when two agreed, read
   * 136, 156 and 156 mmHg as 156 for a subject at 133: the two that agreed shared a maximum.)
   */
  confirmAgreementMmhg: 10,
  maxWeakPasses: 3,
  threeReadingsSpreadMmhg: 20,
  /** A further pass (to confirm, or after movement while confirming) starts only before this many seconds. */
  confirmBeforeSeconds: 75,
  /** The ramp ends this far below the ceiling: the pump keeps spinning briefly. */
  ceilingMarginMmhg: 5,
  /** Plausible beat intervals (HR 110 with variability down to 45 bpm). */
  minBeatSeconds: 0.45,
  maxBeatSeconds: 1.4,
} as const;

/** Ramp tracking: pressure error gain (1/s), its integral (1/s^2), and how fast the pump gain is learned. */
const RAMP_KP = 0.4;
const RAMP_KI = 0.04;
const GAIN_LEARN_SECONDS = 3;
/** Window of the pressure trend (longer than a slow heart beat, so pulsations average out). */
const TREND_SECONDS = 2;
/** Cut-off of the pressure the ramp is steered on: well under the slowest heart rate. */
const SLOW_HZ = 0.35;
/** Peak-to-peak of band-passed white noise over one window, per mmHg of sensor noise (measured on the filters). */
const FLOOR_PER_NOISE = 0.95;
/** Share of white-noise power that passes the pulsation band-pass at 100 Hz (measured on the filters). */
const BAND_NOISE_POWER = 0.0663;
/** Noise excursions this many standard deviations out are not movement. */
const MOTION_NOISE_SIGMAS = 4;
/** Share of white-noise power above noiseHighPassHz at 100 Hz. */
const NOISE_POWER_ABOVE_HIGH_PASS = 0.68;

type Phase = "fill" | "ramp" | "retreat" | "done";

class OscillometricLop implements LopProcedure {
  private phase: Phase = "fill";
  private band: BandPass;
  private readonly noiseBand: Biquad;
  private slow: Biquad;
  private readonly pumpMinDuty: number;
  private readonly dt: number;
  private speed = 0;
  private gain = 20;
  private referenceMmhg = 0;
  private integralRate = 0;
  private rampStartSeconds = 0;
  private readonly speedHistory: { t: number; speed: number }[] = [];
  private fullRateMmhgPerSecond: number | null = null;
  private readonly trend: { t: number; mmhg: number }[] = [];
  private noisePower = 0;
  /** Beat detector (hysteresis peak picking), for the heart rate only. */
  private peakSeeking = true;
  private extremum = 0;
  private extremumT = 0;
  private lastBeatT: number | null = null;
  private readonly intervals: number[] = [];
  /** The window being filled. */
  private windowStart = 0;
  private windowMin = Infinity;
  private windowMax = -Infinity;
  private windowSum = 0;
  private windowCount = 0;
  readonly points: EnvelopePoint[] = [];
  private largestAmplitude = 0;
  private onFlank = false;
  /** Last sample of the one tolerated knock, if there was one. */
  private knockSeconds: number | null = null;
  /** Every window of this pass, knocked ones included (movement past the envelope's maximum is looked for in them). */
  private readonly windows: EnvelopePoint[] = [];
  private outcome: LopOutcome | null = null;
  /** Passes spoiled by movement and measured again; the vent opens down to resumeBelowMmhg. */
  private retries = 0;
  private resumeBelowMmhg = 0;
  /** When the ramp last gained stallRiseMmhg (slow-filtered), to notice a ramp that stopped rising. */
  private lastRise: { tSeconds: number; mmhg: number } | null = null;
  /** When the retreat's vent began to close (null while it is open or no retreat is under way). */
  private retreatClosingSince: number | null = null;
  private retryNote = "";
  /** Pressure of the envelope's maximum as the first pass read it (when it had reached the flank), and its flat top. */
  private firstPeakMmhg: number | null = null;
  private firstPlateau: Plateau | null = null;
  /** LOPs read by the passes so far when the pulsations were weak (a further pass must confirm them). */
  private readonly weakReadingsMmhg: number[] = [];
  /** After the retreat, the first new window drops the old points at or above its pressure. */
  private truncateOnNextWindow = false;

  constructor(private readonly options: LopOptions) {
    this.band = new BandPass(LOP_SETTINGS.bandLowHz, LOP_SETTINGS.bandHighHz, options.sampleHz);
    this.noiseBand = Biquad.highPass(LOP_SETTINGS.noiseHighPassHz, options.sampleHz);
    this.slow = Biquad.lowPass(SLOW_HZ, options.sampleHz);
    this.pumpMinDuty = options.pumpMinDuty ?? 0.15;
    this.dt = 1 / options.sampleHz;
  }

  step(tSeconds: number, estimate: PressureEstimate): { actuation: Actuation; outcome?: LopOutcome } {
    if (this.outcome) return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
    const elapsed = tSeconds - this.options.startSeconds;
    if (!Number.isFinite(estimate.rawMmhg) || estimate.atRail) return this.finish(tSeconds, this.reject("the pressure sensor gave no usable reading"));
    const top = this.options.ceilingMmhg - LOP_SETTINGS.ceilingMarginMmhg;
    if (estimate.mmhg >= top) {
      return this.finish(tSeconds, this.reject(`pulsations were still present at ${top.toFixed(0)} mmHg, the ceiling: the LOP is above what may be applied`));
    }
    if (elapsed > LOP_SETTINGS.timeoutSeconds) {
      return this.finish(tSeconds, this.reject(`the pulsations did not vanish within ${LOP_SETTINGS.timeoutSeconds} s (reached ${estimate.mmhg.toFixed(0)} mmHg)`));
    }

    this.trend.push({ t: tSeconds, mmhg: estimate.mmhg });
    while (this.trend.length > 0 && tSeconds - this.trend[0]!.t > TREND_SECONDS) this.trend.shift();
    const pulse = this.band.next(estimate.rawMmhg);
    const hf = this.noiseBand.next(estimate.rawMmhg);
    const slow = this.slow.next(estimate.mmhg);

    if (this.phase === "retreat") {
      if (this.retreatClosingSince === null && estimate.mmhg > this.resumeBelowMmhg) return { actuation: { pump: 0, vent: 1 } };
      this.retreatClosingSince ??= tSeconds;
      const closing = (tSeconds - this.retreatClosingSince) / LOP_SETTINGS.retreatCloseSeconds;
      if (closing < 1) return { actuation: { pump: 0, vent: 1 - closing } };
      this.retreatClosingSince = null;
      this.resume(tSeconds, estimate);
    }

    if (this.phase === "fill") {
      if (estimate.mmhg < LOP_SETTINGS.rampStartMmhg) {
        if (estimate.mmhg > 15) this.fullRateMmhgPerSecond = Math.max(1, this.trendSlope());
        return { actuation: { pump: 1, vent: 0 } };
      }
      this.phase = "ramp";
      this.lastRise = null;
      this.gain = this.fullRateMmhgPerSecond ?? 20;
      this.referenceMmhg = estimate.mmhg;
      this.rampStartSeconds = tSeconds;
      this.windowStart = tSeconds;
    }

    // A pass starts from the reading itself (the slow filter is primed afresh on a resume).
    if (this.lastRise === null) this.lastRise = { tSeconds, mmhg: estimate.mmhg };
    else if (slow > this.lastRise.mmhg + LOP_SETTINGS.stallRiseMmhg) this.lastRise = { tSeconds, mmhg: slow };
    else if (tSeconds - this.lastRise.tSeconds > LOP_SETTINGS.stallSeconds) {
      return this.finish(tSeconds, this.reject(`the pressure stopped rising at ${estimate.mmhg.toFixed(0)} mmHg for ${LOP_SETTINGS.stallSeconds} s while the pump ramped: the hose may be kinked or the pump failing`));
    }
    const speed = this.rampSpeed(tSeconds, slow);
    const actuation = { pump: speed < 0.01 ? 0 : this.pumpMinDuty + speed * (1 - this.pumpMinDuty), vent: 0 };
    if (tSeconds - this.rampStartSeconds < LOP_SETTINGS.settleSeconds) {
      this.windowStart = tSeconds;
      return { actuation };
    }

    this.noisePower += (this.dt / 5) * (hf * hf - this.noisePower);
    // A pulsation swings at most about its peak-to-peak either way; much more is movement.
    const motionLimit = Math.max(
      LOP_SETTINGS.motionMmhg,
      LOP_SETTINGS.motionEnvelopeMultiple * this.largestAmplitude + MOTION_NOISE_SIGMAS * Math.sqrt(BAND_NOISE_POWER) * this.noiseMmhg(),
    );
    if (Math.abs(pulse) > motionLimit && !this.toleratedKnock(tSeconds)) {
      return this.spoiled(tSeconds, `movement during the measurement: large pressure jumps at ${estimate.mmhg.toFixed(0)} mmHg`, estimate.mmhg);
    }
    this.detectBeat(tSeconds, pulse);
    const ended = this.addToWindow(tSeconds, pulse, estimate.mmhg);
    if (ended) {
      const done = this.judge(tSeconds, estimate.mmhg);
      if (done?.retryFromMmhg !== undefined) return this.spoiled(tSeconds, done.reason, done.retryFromMmhg);
      if (done?.confirmFrom !== undefined) return this.confirm(tSeconds, done.reason, done.confirmFrom);
      if (done) return this.finish(tSeconds, done);
    }
    return { actuation };
  }

  /**
   * Movement spoiled the stretch from `fromMmhg` up: up to maxRetries times (and early enough),
   * vent below it and ramp over it again; otherwise reject with the reason. The envelope below
   * the stretch was read before the movement and is kept.
   */
  private spoiled(tSeconds: number, reason: string, fromMmhg: number): { actuation: Actuation; outcome?: LopOutcome } {
    // A limb that moved more than once is likely to move again (or to be tensed): no retry then.
    const movedBefore = this.knockSeconds !== null && tSeconds - this.knockSeconds > LOP_SETTINGS.motionRingSeconds;
    const deadline = this.weakReadingsMmhg.length > 0 ? LOP_SETTINGS.confirmBeforeSeconds : LOP_SETTINGS.retryBeforeSeconds;
    if (this.retries >= LOP_SETTINGS.maxRetries || movedBefore || tSeconds - this.options.startSeconds > deadline) return this.finish(tSeconds, this.reject(reason));
    this.retries++;
    this.phase = "retreat";
    // The whole flank is read again in one pass: the LOP is read from shares of the envelope's maximum.
    const top = peakIndex(this.points, this.floorMmhg());
    const below = top >= 0 ? Math.min(fromMmhg, this.points[top]!.mmhg) : fromMmhg;
    if (this.firstPeakMmhg === null) {
      this.firstPeakMmhg = this.onFlank && top >= 0 ? this.points[top]!.mmhg : null;
      this.firstPlateau = this.firstPeakMmhg === null ? null : plateauMmhg(this.points, this.floorMmhg(), LOP_SETTINGS.peakPlateauShare);
    }
    this.resumeBelowMmhg = Math.max(LOP_SETTINGS.rampStartMmhg, below - LOP_SETTINGS.retreatMmhg);
    this.retryNote = `measured again${this.retries > 1 ? " (a second time)" : ""} from ${this.resumeBelowMmhg.toFixed(0)} mmHg after ${reason.replace(/:.*/, "")}; `;
    return { actuation: { pump: 0, vent: 1 } };
  }

  /**
   * Weak pulsations read once: vent below the lower flank (the first confirmation) or below the
   * envelope's maximum (the third reading) and ramp over it again, so that a reading from new
   * flank windows confirms or refutes the earlier ones.
   */
  private confirm(tSeconds: number, reason: string, reading: { maxAtMmhg: number; highestCrossingMmhg: number }): { actuation: Actuation; outcome?: LopOutcome } {
    if (tSeconds - this.options.startSeconds > LOP_SETTINGS.confirmBeforeSeconds) return this.finish(tSeconds, this.reject(reason));
    this.phase = "retreat";
    const belowMaximum = reading.maxAtMmhg - LOP_SETTINGS.retreatMmhg;
    const firstConfirmation = this.weakReadingsMmhg.length === 1;
    this.resumeBelowMmhg = Math.max(
      LOP_SETTINGS.rampStartMmhg,
      firstConfirmation ? Math.max(belowMaximum, reading.highestCrossingMmhg - LOP_SETTINGS.confirmRetreatMmhg) : belowMaximum,
    );
    this.onFlank = this.resumeBelowMmhg > reading.maxAtMmhg;
    return { actuation: { pump: 0, vent: 1 } };
  }

  /** Vented below the spoiled stretch: fresh filters (primed on the present pressure, so without a start transient) and a new ramp from here. */
  private resume(tSeconds: number, estimate: PressureEstimate): void {
    this.phase = "ramp";
    this.lastRise = null;
    this.band = new BandPass(LOP_SETTINGS.bandLowHz, LOP_SETTINGS.bandHighHz, this.options.sampleHz);
    this.band.next(estimate.rawMmhg);
    this.slow = Biquad.lowPass(SLOW_HZ, this.options.sampleHz);
    this.slow.next(estimate.mmhg);
    this.trend.length = 0;
    this.trend.push({ t: tSeconds, mmhg: estimate.mmhg });
    this.speedHistory.length = 0;
    this.speed = 0;
    this.referenceMmhg = estimate.mmhg;
    this.rampStartSeconds = tSeconds;
    this.windowStart = tSeconds;
    this.windowMin = Infinity;
    this.windowMax = -Infinity;
    this.windowSum = 0;
    this.windowCount = 0;
    this.peakSeeking = true;
    this.extremum = 0;
    this.lastBeatT = null;
    this.knockSeconds = null;
    this.windows.length = 0;
    this.truncateOnNextWindow = true;
  }

  /** Peak-to-peak that the sensor noise alone gives a window. */
  private floorMmhg(): number {
    return FLOOR_PER_NOISE * this.noiseMmhg();
  }

  /** Sensor noise (one standard deviation) from the band above any pulsation. */
  private noiseMmhg(): number {
    return Math.sqrt(this.noisePower / NOISE_POWER_ABOVE_HIGH_PASS);
  }

  private finish(tSeconds: number, outcome: Omit<LopOutcome, "durationSeconds">): { actuation: Actuation; outcome: LopOutcome } {
    this.phase = "done";
    this.outcome = { ...outcome, durationSeconds: tSeconds - this.options.startSeconds };
    return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
  }

  private reject(reason: string): Omit<LopOutcome, "durationSeconds"> {
    return { ok: false, mmhg: null, quality: 0, reason };
  }

  /** Least-squares slope of the last 2 s of filtered pressure. */
  private trendSlope(): number {
    const n = this.trend.length;
    if (n < 3) return 0;
    let st = 0;
    let sp = 0;
    for (const s of this.trend) {
      st += s.t;
      sp += s.mmhg;
    }
    const mt = st / n;
    const mp = sp / n;
    let num = 0;
    let den = 0;
    for (const s of this.trend) {
      num += (s.t - mt) * (s.mmhg - mp);
      den += (s.t - mt) ** 2;
    }
    return den > 0 ? num / den : 0;
  }

  private beatSeconds(): number | null {
    if (this.intervals.length < 3) return null;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  private rampTarget(): number {
    const interval = this.beatSeconds();
    const perBeat = this.onFlank ? LOP_SETTINGS.flankMmhgPerBeat : LOP_SETTINGS.rampMmhgPerBeat;
    const rate = interval === null ? LOP_SETTINGS.initialRampMmhgPerSecond : perBeat / interval;
    return Math.min(LOP_SETTINGS.maxRampMmhgPerSecond, Math.max(LOP_SETTINGS.minRampMmhgPerSecond, rate));
  }

  /**
   * Pump speed that keeps the pressure on a ramp reference. The rise per unit of
   * pump speed (gain) differs a hundredfold between a narrow arm cuff and a wide
   * thigh cuff and grows as the bladder stiffens, so it is learned as the ramp goes;
   * the loop then has the same slow bandwidth (about 0.06 Hz) on every cuff and
   * leaves the pulse band untouched.
   */
  private rampSpeed(tSeconds: number, slowMmhg: number): number {
    const rate = this.rampTarget();
    this.referenceMmhg += rate * this.dt;
    const error = this.referenceMmhg - slowMmhg;
    this.integralRate = Math.min(rate, Math.max(-rate, this.integralRate + RAMP_KI * error * this.dt));
    this.speedHistory.push({ t: tSeconds, speed: this.speed });
    while (this.speedHistory.length > 0 && tSeconds - this.speedHistory[0]!.t > TREND_SECONDS) this.speedHistory.shift();
    const meanSpeed = this.speedHistory.reduce((a, b) => a + b.speed, 0) / this.speedHistory.length;
    if (meanSpeed > 0.03 && tSeconds - this.trend[0]!.t > 0.9 * TREND_SECONDS) {
      const observed = Math.max(0.5, this.trendSlope() / meanSpeed);
      this.gain += (this.dt / GAIN_LEARN_SECONDS) * (observed - this.gain);
    }
    this.speed = Math.min(1, Math.max(0, (rate + RAMP_KP * error + this.integralRate) / this.gain));
    return this.speed;
  }

  /** Hysteresis peak picking on the pulsation; only the intervals between strong beats are kept. */
  private detectBeat(tSeconds: number, pulse: number): void {
    const hysteresis = Math.max(3 * this.floorMmhg(), 0.3 * this.largestAmplitude, 0.05);
    if (this.peakSeeking) {
      if (pulse > this.extremum) {
        this.extremum = pulse;
        this.extremumT = tSeconds;
      } else if (pulse < this.extremum - hysteresis) {
        if (this.lastBeatT !== null) {
          const interval = this.extremumT - this.lastBeatT;
          if (interval >= LOP_SETTINGS.minBeatSeconds && interval <= LOP_SETTINGS.maxBeatSeconds) {
            this.intervals.push(interval);
            if (this.intervals.length > 9) this.intervals.shift();
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

  /** One envelope point per heart beat (a window one beat long holds one whole pulsation). */
  private addToWindow(tSeconds: number, pulse: number, mmhg: number): boolean {
    this.windowMin = Math.min(this.windowMin, pulse);
    this.windowMax = Math.max(this.windowMax, pulse);
    this.windowSum += mmhg;
    this.windowCount++;
    const length = this.beatSeconds() ?? 60 / 70;
    if (tSeconds - this.windowStart < length) return false;
    const point = {
      mmhg: this.windowSum / this.windowCount,
      amplitudeMmhg: this.windowMax - this.windowMin,
      tSeconds,
    };
    // A window a tolerated knock fell in (or rang into) is left out of the envelope.
    const knocked = this.knockSeconds !== null && this.knockSeconds + LOP_SETTINGS.motionRingSeconds > this.windowStart;
    if (this.truncateOnNextWindow && !knocked) {
      this.truncateOnNextWindow = false;
      const kept = this.points.filter((p) => p.mmhg < point.mmhg);
      this.points.length = 0;
      this.points.push(...kept);
    }
    if (!knocked) this.points.push(point);
    this.windowStart = tSeconds;
    this.windowMin = Infinity;
    this.windowMax = -Infinity;
    this.windowSum = 0;
    this.windowCount = 0;
    this.windows.push(point);
    const n = this.points.length;
    if (n >= 3 && !knocked) {
      const last3 = this.points.slice(-3).map((p) => p.amplitudeMmhg).sort((a, b) => a - b);
      this.largestAmplitude = Math.max(this.largestAmplitude, last3[1]!);
      const floor = this.floorMmhg();
      if (this.largestAmplitude > 3 * floor && last3[1]! < LOP_SETTINGS.flankShare * this.largestAmplitude) this.onFlank = true;
    }
    return true;
  }

  /**
   * One knock (a bump over within the band-pass's ringing) on the way up to the
   * envelope's maximum is tolerated: its windows are left out, and the maximum and the
   * flank, where the LOP is read, are untouched. Any other movement spoils the measurement.
   */
  private toleratedKnock(tSeconds: number): boolean {
    if (this.knockSeconds === null) {
      if (this.onFlank || this.retries > 0 || this.weakReadingsMmhg.length > 0) return false;
      this.knockSeconds = tSeconds;
      return true;
    }
    if (tSeconds - this.knockSeconds < LOP_SETTINGS.motionRingSeconds) {
      this.knockSeconds = tSeconds;
      return true;
    }
    return false;
  }

  /** After each window: finished (accepted or rejected), or not yet. */
  private judge(tSeconds: number, mmhg: number): (Omit<LopOutcome, "durationSeconds"> & { retryFromMmhg?: number; confirmFrom?: { maxAtMmhg: number; highestCrossingMmhg: number } }) | null {
    const floor = this.floorMmhg();
    const read = readEnvelope(this.points, floor, this.beatSeconds() ?? 60 / 70);
    // A "maximum" this close to the noise is no pulsation yet (the ramp has not reached it): ramp on.
    const reading = read && read.maxAmplitudeMmhg < LOP_SETTINGS.noiseOnlyBelowFloors * floor ? null : read;
    if (reading && reading.maxAmplitudeMmhg < ENVELOPE_SETTINGS.minMaxOverFloor * floor) {
      // Too weak to read, yet faded: ramping on to the give-up pressure only kept the cuff 50-90 mmHg above the LOP.
      return this.reject(
        `pulsations too weak to read: the largest, ${reading.maxAmplitudeMmhg.toFixed(1)} mmHg at ${reading.maxAtMmhg.toFixed(0)} mmHg, stood ${(reading.maxAmplitudeMmhg / Math.max(floor, 1e-3)).toFixed(2)} times the sensor noise (${ENVELOPE_SETTINGS.minMaxOverFloor} needed) before fading by ${reading.highestCrossingMmhg.toFixed(0)}-${reading.lowestCrossingMmhg.toFixed(0)} mmHg: check that the cuff sits snugly, keep still and measure again`,
      );
    }
    if (!reading) {
      const provisional = provisionalLopMmhg(this.points, floor);
      const top = peakIndex(this.points, floor);
      if (provisional !== null && mmhg > provisional + LOP_SETTINGS.maxAboveProvisionalMmhg) {
        return {
          ...this.reject(
            `the pulsations faded too unevenly to be read before ${mmhg.toFixed(0)} mmHg, past the likely LOP of ${provisional.toFixed(0)} mmHg: keep the limb still and measure again`,
          ),
          retryFromMmhg: this.points[top]!.mmhg,
        };
      }
      if (top >= 0 && mmhg > LOP_SETTINGS.maxOverEnvelopePeak * this.points[top]!.mmhg && mmhg > LOP_SETTINGS.minGiveUpMmhg) {
        return this.reject(`the pulsations did not fade out by ${mmhg.toFixed(0)} mmHg: check that the cuff sits on the limb and measure again`);
      }
      return null;
    }
    const top = this.points.findIndex((p) => p.mmhg === reading.maxAtMmhg);
    const jump = heldJumpIndex(this.windows, this.points[Math.max(0, top - 2)]!.mmhg, LOP_SETTINGS.heldJumpMmhg);
    if (jump >= 0) {
      const at = this.windows[jump]!;
      return {
        ...this.reject(`movement during the measurement: the pressure jumped at ${at.mmhg.toFixed(0)} mmHg`),
        retryFromMmhg: Math.min(at.mmhg, this.windows[jump - 1]!.mmhg),
      };
    }
    // Below the maximum a window may be large against the pulsations before it (the tolerated knock); from the maximum on, no pulsation exceeds the maximum.
    const max = reading.maxAmplitudeMmhg;
    const large = this.windows.filter((p) => p.mmhg >= reading.maxAtMmhg && p.amplitudeMmhg > LOP_SETTINGS.repeatedMotionWindowMultiple * max);
    const motionAtMmhg = (large.length >= 2 ? large[0] : large.find((p) => p.amplitudeMmhg > LOP_SETTINGS.motionEnvelopeWindowMultiple * max))?.mmhg;
    if (motionAtMmhg !== undefined) {
      return { ...this.reject(`movement during the measurement: large pressure jumps at ${motionAtMmhg.toFixed(0)} mmHg`), retryFromMmhg: motionAtMmhg };
    }
    if (reading.regrowthAtMmhg !== null) {
      return {
        ...this.reject(`movement during the measurement: the pulsations grew back at ${reading.regrowthAtMmhg.toFixed(0)} mmHg after fading`),
        retryFromMmhg: reading.maxAtMmhg,
      };
    }
    if (reading.outlierShare > LOP_SETTINGS.maxOutlierShare) {
      return {
        ...this.reject(`movement during the measurement: ${Math.round(reading.outlierShare * 100)} % of the beats between ${reading.maxAtMmhg.toFixed(0)} and ${mmhg.toFixed(0)} mmHg were disturbed`),
        retryFromMmhg: reading.maxAtMmhg,
      };
    }
    // A flat-topped envelope (weak pulsation in noise) has no sharp peak: a maximum anywhere on either pass's flat top agrees.
    const within = (mmhgAt: number, range: Plateau | null) => range !== null && mmhgAt >= range.lowMmhg && mmhgAt <= range.highMmhg;
    if (
      this.firstPeakMmhg !== null &&
      Math.abs(reading.maxAtMmhg - this.firstPeakMmhg) > LOP_SETTINGS.maxPeakShiftMmhg &&
      !within(reading.maxAtMmhg, this.firstPlateau) &&
      !within(this.firstPeakMmhg, plateauMmhg(this.points, floor, LOP_SETTINGS.peakPlateauShare))
    ) {
      return this.reject(
        `movement during the measurement: the pulsations peaked at ${this.firstPeakMmhg.toFixed(0)} mmHg, then at ${reading.maxAtMmhg.toFixed(0)} mmHg when measured again`,
      );
    }
    const spread = Math.max(...reading.estimatesMmhg) - Math.min(...reading.estimatesMmhg);
    if (spread > LOP_SETTINGS.maxSpreadMmhg) {
      return {
        ...this.reject(`the pulsations did not fade steadily (readings ${spread.toFixed(0)} mmHg apart): keep the limb still and relaxed and measure again`),
        retryFromMmhg: reading.maxAtMmhg,
      };
    }
    const snr = reading.maxAmplitudeMmhg / Math.max(floor, 1e-3);
    const quality = Math.max(0, Math.min(1, (1 - reading.outlierShare) * Math.min(1, snr / 15) * (1 - spread / LOP_SETTINGS.maxSpreadMmhg)));
    const readings = this.weakReadingsMmhg;
    let lopMmhg = reading.lopMmhg;
    let confirmNote = "";
    const disturbed = this.knockSeconds !== null || this.retries > 0 || reading.outlierShare > 0;
    const weak = snr < (disturbed ? LOP_SETTINGS.confirmDisturbedBelowSnr : LOP_SETTINGS.confirmBelowSnr);
    const noTimeToConfirm = tSeconds - this.options.startSeconds > LOP_SETTINGS.confirmBeforeSeconds;
    const onceSuffices = snr >= (disturbed ? LOP_SETTINGS.mustConfirmDisturbedBelowSnr : LOP_SETTINGS.mustConfirmBelowSnr);
    if (readings.length === 0 && weak && noTimeToConfirm && onceSuffices) {
      confirmNote = `read once (no time left to read it again, the largest pulsation ${snr.toFixed(1)} times the noise); `;
    } else if (readings.length > 0 || weak) {
      readings.push(reading.lopMmhg + (readings.length > 0 ? LOP_SETTINGS.confirmPassOffsetMmhg : 0));
      const values = readings.map((r) => r.toFixed(0));
      const listed = `${values.slice(0, -1).join(", ")} and ${values[values.length - 1]} mmHg`;
      const agreed = weakReadingsAgree(readings);
      if (!agreed) {
        const why =
          readings.length === 1
            ? `pulsations too weak to trust one reading (${values[0]} mmHg, the largest pulsation ${snr.toFixed(1)} times the noise) and no time left to read them again`
            : `pulsations too weak: ${readings.length === 2 ? "two" : "three"} passes read ${listed}`;
        if (readings.length >= LOP_SETTINGS.maxWeakPasses) return this.reject(why);
        return { ...this.reject(why), confirmFrom: reading };
      }
      lopMmhg = readings.reduce((a, b) => a + b, 0) / readings.length;
      confirmNote = `weak pulsations read ${readings.length === 2 ? "twice" : "three times"} (${listed}); `;
    }
    return {
      ok: true,
      mmhg: lopMmhg,
      quality,
      reason: `${this.retryNote}${confirmNote}pulsations faded out towards ${lopMmhg.toFixed(0)} mmHg (largest ${reading.maxAmplitudeMmhg.toFixed(1)} mmHg at ${reading.maxAtMmhg.toFixed(0)} mmHg, down to 15 % by ${reading.lowestCrossingMmhg.toFixed(0)} mmHg)`,
    };
  }
}

/**
 * Whether the readings of a weak pulsation agree well enough for their mean to be reported:
 * two within confirmAgreementMmhg, three spanning at most threeReadingsSpreadMmhg; one never.
 */
export function weakReadingsAgree(readingsMmhg: readonly number[]): boolean {
  const spreadMmhg = Math.max(...readingsMmhg) - Math.min(...readingsMmhg);
  if (readingsMmhg.length === 2) return spreadMmhg <= LOP_SETTINGS.confirmAgreementMmhg;
  if (readingsMmhg.length === 3) return spreadMmhg <= LOP_SETTINGS.threeReadingsSpreadMmhg;
  return false;
}

export function createLopProcedure(options: LopOptions): LopProcedure {
  return new OscillometricLop(options);
}
