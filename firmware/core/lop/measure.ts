/**
 * Limb occlusion pressure from the cuff signal alone (oscillometric, on inflation).
 *
 * The cuff is filled quickly to a start pressure, then ramped slowly with the pump
 * (a few mmHg per heart beat) while the arterial pulsations are pulled out of the
 * cuff pressure (pulse-windows.ts): one envelope point per heart beat. Past its
 * maximum the envelope falls; the LOP is read where the falling flank crosses 60 %
 * and 50 % of the maximum (envelope.ts), and the ramp stops there.
 *
 * Exposure bound, by design: the flank crosses 80 % of its maximum below the LOP
 * (at most 70 % is left at the LOP), so the ramp never goes past the LOP that
 * crossing reads (nor 1.2 times it), nor longer than maxSecondsPastBound above the
 * 75 % crossing, over every pass of a measurement together. A pulsation too weak to tell from the
 * sensor's noise ends the measurement as soon as that is clear. The ceiling is
 * never asked for: the ramp ends ceilingMarginMmhg below it.
 */
import type { PressureEstimate } from "../estimator.ts";
import type { Actuation } from "../actuation.ts";
import { Biquad } from "../signal/filters.ts";
import { ENVELOPE_SETTINGS, rampBoundMmhg, peakIndex, plateauMmhg, readFlank, type EnvelopePoint, type FlankReading, type Plateau } from "./envelope.ts";
import type { LopOptions, LopOutcome, LopProcedure, LopProgress } from "./procedure.ts";
import { PulseWindows, type PulseWindow } from "./pulse-windows.ts";
import { PressureRamp } from "./ramp.ts";
import { judgeMovement, MOVEMENT_SETTINGS } from "./movement.ts";

/** Tunables, with the reason for each value. */
export const LOP_SETTINGS = {
  /** Fast fill up to here: pulsations only matter from around mean arterial pressure upwards. */
  rampStartMmhg: 40,
  /** Ramp in pressure per heart beat up the envelope, and (finer) down its falling flank. */
  rampMmhgPerBeat: 6,
  flankMmhgPerBeat: 2.5,
  /**
   * The flank rate starts once the envelope has fallen below this share of its maximum. At 85 %, a
   * knocked envelope stayed on the fast ramp past its maximum: the running median's three windows
   * of lag then spanned 20 mmHg and put the 75-80 % crossings above the LOP (11 s above it).
   */
  flankShare: 0.9,
  minRampMmhgPerSecond: 3,
  /** Led by the distal pulse, the ramp may go this slowly on the fade (2 mmHg a beat at 40 bpm is 1.3 mmHg/s). */
  minLedRampMmhgPerSecond: 0.5,
  maxRampMmhgPerSecond: 8,
  /** Ramp rate before the heart rate is known (70 bpm). */
  initialRampMmhgPerSecond: 5.2,
  /** Seconds after the fill during which the band-pass settles from the change of slope. */
  settleSeconds: 2.5,
  /**
   * Seconds a measurement may spend, over all its passes, above the flank's 75 % crossing, which
   * lies below the LOP: the cuff's time above the LOP is shorter by the climb from that crossing
   * to the LOP, which covers the deflation's fraction of a second.
   */
  maxSecondsPastBound: 7.5,
  /** An envelope whose maximum stands under this many noise floors is noise, not a pulsation: the ramp goes on, up to noPulsationMmhg. */
  noiseOnlyBelowFloors: 1.5,
  /** No pulsation above the noise by this pressure: too weak to read (every readable limb pulses well before 70 % of a 270 mmHg LOP). */
  noPulsationMmhg: 180,
  /** No flank by this many times the pressure of the envelope's maximum (and this pressure): the pulsation does not fade; give up. */
  maxOverEnvelopePeak: 2.4,
  minGiveUpMmhg: 150,
  /** Seconds from the start after which the measurement gives up. */
  timeoutSeconds: 120,
  /**
   * The ramp gains 3-8 mmHg/s: no rise of stallRiseMmhg within stallSeconds means the pump no
   * longer reaches the cuff (a kinked hose or a failing pump). The measurement is rejected and
   * the controller deflates, where the supervisor's kink checks name the fault.
   */
  stallRiseMmhg: 2,
  stallSeconds: 8,
  /** The ramp ends this far below the ceiling: the pump keeps spinning briefly. */
  ceilingMarginMmhg: 5,
} as const;

/** Cut-off of the pressure the ramp is steered on: well under the slowest heart rate. */
const SLOW_HZ = 0.35;
/** Noise excursions this many standard deviations out are not movement. */
const MOTION_NOISE_SIGMAS = 4;

type Phase = "fill" | "ramp" | "retreat" | "done";
type Step = { actuation: Actuation; outcome?: LopOutcome };

export class OscillometricLop implements LopProcedure {
  private phase: Phase = "fill";
  private readonly pulses: PulseWindows;
  private readonly ramp: PressureRamp;
  private slow: Biquad;
  private readonly pumpMinDuty: number;
  private rampStartSeconds = 0;
  readonly points: EnvelopePoint[] = [];
  private largestAmplitude = 0;
  private onFlank = false;
  /** Last sample of the one tolerated knock, if there was one. */
  private knockSeconds: number | null = null;
  /** Every window of this pass, knocked ones included (movement past the envelope's maximum is looked for in them). */
  private readonly windows: PulseWindow[] = [];
  private outcome: LopOutcome | null = null;
  /** Passes spoiled by movement and measured again; the vent opens down to resumeBelowMmhg. */
  private retries = 0;
  private resumeBelowMmhg = 0;
  private retryNote = "";
  /** When the ramp last gained stallRiseMmhg (slow-filtered), to notice a ramp that stopped rising. */
  private lastRise: { tSeconds: number; mmhg: number } | null = null;
  /** When the retreat's vent began to close (null while it is open or no retreat is under way). */
  private retreatClosingSince: number | null = null;
  /** Pressure of the envelope's maximum as the first pass read it (when it had reached the flank), and its flat top. */
  private firstPeakMmhg: number | null = null;
  private firstPlateau: Plateau | null = null;
  /** After the retreat, the first new window drops the old points at or above its pressure. */
  private truncateOnNextWindow = false;
  /** The lowest 80 % crossing any pass found (the pressure bound), the lowest 75 % crossing (the time bound), and the seconds earlier passes spent above that. */
  private boundMmhg: number | null = null;
  private timeBoundMmhg: number | null = null;
  /** The windows of earlier passes and when each ended: their time above the bound counts once the bound is known. */
  private readonly earlierPasses: { windows: PulseWindow[]; endSeconds: number }[] = [];
  /** Led by the distal pulse: the cuff's own reading, kept as it stands (the last accepted one, else the last word). */
  private reading: Omit<LopOutcome, "durationSeconds"> | null = null;
  private pastBound = false;
  /** The leader's ramp rate, mmHg per heart beat (null: the cuff's own). */
  private leaderMmhgPerBeat: number | null = null;

  constructor(
    private readonly options: LopOptions,
    /** The distal pulse leads the ramp: the cuff's reading is only recorded, and the leader ends the ramp. */
    private readonly led = false,
  ) {
    this.pulses = new PulseWindows(options.sampleHz, options.startSeconds);
    this.ramp = new PressureRamp(1 / options.sampleHz);
    this.slow = Biquad.lowPass(SLOW_HZ, options.sampleHz);
    this.pumpMinDuty = options.pumpMinDuty ?? 0.15;
  }

  step(tSeconds: number, estimate: PressureEstimate): Step {
    if (this.outcome) return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
    const elapsed = tSeconds - this.options.startSeconds;
    if (!Number.isFinite(estimate.rawMmhg) || estimate.atRail) return this.finish(tSeconds, reject("the pressure sensor gave no usable reading"));
    const top = this.options.ceilingMmhg - LOP_SETTINGS.ceilingMarginMmhg;
    if (estimate.mmhg >= top) {
      return this.finish(tSeconds, reject(`pulsations were still present at ${top.toFixed(0)} mmHg, the ceiling: the LOP is above what may be applied`));
    }
    if (elapsed > LOP_SETTINGS.timeoutSeconds) {
      return this.finish(tSeconds, reject(`no reading within ${LOP_SETTINGS.timeoutSeconds} s (reached ${estimate.mmhg.toFixed(0)} mmHg): keep the limb still and measure again`));
    }
    this.ramp.observe(tSeconds, estimate.mmhg);
    const { pulse, highPass } = this.pulses.filter(estimate.rawMmhg);
    const slow = this.slow.next(estimate.mmhg);

    if (this.phase === "retreat") {
      if (this.retreatClosingSince === null && estimate.mmhg > this.resumeBelowMmhg) return { actuation: { pump: 0, vent: 1 } };
      this.retreatClosingSince ??= tSeconds;
      const closing = (tSeconds - this.retreatClosingSince) / MOVEMENT_SETTINGS.retreatCloseSeconds;
      if (closing < 1) return { actuation: { pump: 0, vent: 1 - closing } };
      this.retreatClosingSince = null;
      this.resume(tSeconds, estimate);
    }

    if (this.phase === "fill") {
      if (estimate.mmhg < LOP_SETTINGS.rampStartMmhg) {
        this.ramp.observeFill(estimate.mmhg);
        return { actuation: { pump: 1, vent: 0 } };
      }
      this.phase = "ramp";
      this.lastRise = null;
      this.ramp.start(tSeconds, estimate.mmhg, true);
      this.rampStartSeconds = tSeconds;
      this.pulses.skipWindow(tSeconds);
    }

    // A pass starts from the reading itself (the slow filter is primed afresh on a resume).
    if (this.lastRise === null) this.lastRise = { tSeconds, mmhg: estimate.mmhg };
    else if (slow > this.lastRise.mmhg + LOP_SETTINGS.stallRiseMmhg) this.lastRise = { tSeconds, mmhg: slow };
    else if (tSeconds - this.lastRise.tSeconds > LOP_SETTINGS.stallSeconds) {
      return this.finish(tSeconds, reject(`the pressure stopped rising at ${estimate.mmhg.toFixed(0)} mmHg for ${LOP_SETTINGS.stallSeconds} s while the pump ramped: the hose may be kinked or the pump failing`));
    }
    const speed = this.ramp.next(tSeconds, slow, this.rampRate());
    const actuation = { pump: speed < 0.01 ? 0 : this.pumpMinDuty + speed * (1 - this.pumpMinDuty), vent: 0 };
    if (tSeconds - this.rampStartSeconds < LOP_SETTINGS.settleSeconds) {
      this.pulses.skipWindow(tSeconds);
      return { actuation };
    }

    this.pulses.observeNoise(highPass);
    // A pulsation swings at most about its peak-to-peak either way; much more is movement.
    const motionLimit = Math.max(
      MOVEMENT_SETTINGS.motionMmhg,
      MOVEMENT_SETTINGS.motionEnvelopeMultiple * this.largestAmplitude + MOTION_NOISE_SIGMAS * this.pulses.bandNoiseMmhg(),
    );
    if (Math.abs(pulse) > motionLimit && !this.toleratedKnock(tSeconds)) {
      return this.spoiled(tSeconds, `movement during the measurement: large pressure jumps at ${estimate.mmhg.toFixed(0)} mmHg`, estimate.mmhg);
    }
    const window = this.pulses.add(tSeconds, pulse, estimate.mmhg, this.largestAmplitude);
    if (window && this.pulses.adaptBand(tSeconds, estimate.rawMmhg)) this.settleFrom(tSeconds);
    else if (window) {
      this.addWindow(window);
      const done = this.judge(tSeconds, estimate.mmhg);
      if (done && this.led) this.record(done);
      else if (done?.retryFromMmhg !== undefined) return this.spoiled(tSeconds, done.reason, done.retryFromMmhg);
      else if (done) return this.finish(tSeconds, done);
    }
    return { actuation };
  }

  /** The cuff's own reading so far (led by the distal pulse): the last accepted one, else why there is none; null before either. */
  cuffReading(): Omit<LopOutcome, "durationSeconds"> | null {
    return this.reading;
  }

  /** The cuff's envelope read as it stands: from 60 and 50 %, else the upper flank (null before its flank crossed 80 %). */
  flankReadingNow(): number | null {
    const flank = readFlank(this.points, this.pulses.floorMmhg());
    return flank ? (flank.lopMmhg ?? flank.upperLopMmhg) : null;
  }

  /** The ramp has reached the bound the cuff's own flank sets (at most the LOP it reads, 7.5 s past its 75 % crossing). */
  get boundReached(): boolean {
    return this.pastBound;
  }

  /** When the cuff last saw a heart beat's pulsation peak (null before the first). */
  get lastBeatSeconds(): number | null {
    return this.pulses.lastBeatSeconds;
  }

  /** Median heart-beat interval seen in the cuff (null before three). */
  beatSeconds(): number | null {
    return this.pulses.beatSeconds();
  }

  /** What the ramp is doing, for people: filling to the start pressure, ramping, or venting to measure again. */
  progress(): LopProgress {
    const stage = this.phase === "fill" ? "filling" : this.phase === "ramp" ? "ramping" : this.phase === "retreat" ? "retreating" : "done";
    return { stage, distalPulse: null };
  }

  /** A movement spoils the reading; an acceptance replaces an earlier one; a rejection never replaces an acceptance. */
  private record(done: Omit<LopOutcome, "durationSeconds"> & { retryFromMmhg?: number }): void {
    const outcome = { ok: done.ok, mmhg: done.mmhg, quality: done.quality, reason: done.reason };
    if (outcome.ok || !this.reading?.ok) this.reading = outcome;
  }

  /** The band-pass changed: its output settles before windows count again (the envelope so far is kept, the pass's window list starts afresh). */
  private settleFrom(tSeconds: number): void {
    this.rampStartSeconds = tSeconds;
    this.windows.length = 0;
  }

  /** The leader sets the ramp's rate, mmHg per heart beat (the distal pulse fading: slower), or leaves it to the cuff (null). */
  leadAt(mmhgPerBeat: number | null): void {
    this.leaderMmhgPerBeat = mmhgPerBeat;
  }

  private rampRate(): number {
    const interval = this.pulses.beatSeconds();
    const leader = this.leaderMmhgPerBeat;
    const perBeat = leader ?? (this.onFlank ? LOP_SETTINGS.flankMmhgPerBeat : LOP_SETTINGS.rampMmhgPerBeat);
    const rate = interval === null ? LOP_SETTINGS.initialRampMmhgPerSecond : perBeat / interval;
    const floor = leader === null ? LOP_SETTINGS.minRampMmhgPerSecond : LOP_SETTINGS.minLedRampMmhgPerSecond;
    return Math.min(LOP_SETTINGS.maxRampMmhgPerSecond, Math.max(floor, rate));
  }

  /** A finished window joins the envelope unless a tolerated knock fell in it (or rang into it). */
  private addWindow(window: PulseWindow): void {
    const point = { mmhg: window.mmhg, amplitudeMmhg: window.amplitudeMmhg, tSeconds: window.tSeconds };
    const knocked = this.knockSeconds !== null && this.knockSeconds + MOVEMENT_SETTINGS.motionRingSeconds > window.startSeconds;
    if (this.truncateOnNextWindow && !knocked) {
      this.truncateOnNextWindow = false;
      const kept = this.points.filter((p) => p.mmhg < point.mmhg);
      this.points.length = 0;
      this.points.push(...kept);
    }
    if (!knocked) this.points.push(point);
    this.windows.push(window);
    if (this.points.length >= 3 && !knocked) {
      const last3 = this.points.slice(-3).map((p) => p.amplitudeMmhg).sort((a, b) => a - b);
      this.largestAmplitude = Math.max(this.largestAmplitude, last3[1]!);
      if (this.largestAmplitude > 3 * this.pulses.floorMmhg() && last3[1]! < LOP_SETTINGS.flankShare * this.largestAmplitude) this.onFlank = true;
    }
  }

  /**
   * One knock (a bump over within the band-pass's ringing) on the way up to the
   * envelope's maximum is tolerated: its windows are left out, and the maximum and the
   * flank, where the LOP is read, are untouched. Any other movement spoils the pass.
   */
  private toleratedKnock(tSeconds: number): boolean {
    if (this.knockSeconds === null) {
      if (this.onFlank || this.retries > 0) return false;
      this.knockSeconds = tSeconds;
      return true;
    }
    if (tSeconds - this.knockSeconds < MOVEMENT_SETTINGS.motionRingSeconds) {
      this.knockSeconds = tSeconds;
      return true;
    }
    return false;
  }

  /**
   * Seconds this measurement has spent above its time-bound crossing, over every pass; until a
   * flank falls to 75 %, above its 80 % crossing (lower still, so the count is longer, never shorter).
   */
  private secondsPastBound(tSeconds: number): number {
    const bound = this.timeBoundMmhg ?? this.boundMmhg;
    if (bound === null) return 0;
    const above = (windows: readonly PulseWindow[], endSeconds: number) => {
      const first = windows.find((w) => w.mmhg >= bound);
      return first ? endSeconds - first.startSeconds : 0;
    };
    return this.earlierPasses.reduce((sum, pass) => sum + above(pass.windows, pass.endSeconds), above(this.windows, tSeconds));
  }

  /** After each window: finished (accepted or rejected), spoiled (retryFromMmhg), or not yet. */
  private judge(tSeconds: number, mmhg: number): (Omit<LopOutcome, "durationSeconds"> & { retryFromMmhg?: number }) | null {
    const floor = this.pulses.floorMmhg();
    const flank = readFlank(this.points, floor);
    const snr = flank ? flank.maxAmplitudeMmhg / Math.max(floor, 1e-3) : 0;
    if (!flank || snr < LOP_SETTINGS.noiseOnlyBelowFloors) {
      // Nothing above the noise yet: the ramp goes on, but not far.
      if (mmhg > LOP_SETTINGS.noPulsationMmhg) {
        return reject(`no pulsation stood out from the sensor noise by ${mmhg.toFixed(0)} mmHg: check that the cuff sits snugly on the limb, keep still and measure again`);
      }
      return null;
    }
    if (flank.boundCrossingMmhg !== null) this.boundMmhg = Math.min(this.boundMmhg ?? Infinity, flank.boundCrossingMmhg);
    if (flank.timeBoundCrossingMmhg !== null) this.timeBoundMmhg = Math.min(this.timeBoundMmhg ?? Infinity, flank.timeBoundCrossingMmhg);
    const weak = snr < ENVELOPE_SETTINGS.minMaxOverFloor || flank.maxAmplitudeMmhg < ENVELOPE_SETTINGS.minMaxMmhg;
    if (weak && (flank.boundCrossingMmhg !== null || this.pastGiveUp(flank, mmhg))) {
      const why =
        snr < ENVELOPE_SETTINGS.minMaxOverFloor
          ? `stood ${snr.toFixed(2)} times the sensor noise (${ENVELOPE_SETTINGS.minMaxOverFloor} needed)`
          : `is under the ${ENVELOPE_SETTINGS.minMaxMmhg} mmHg a reading needs`;
      return reject(
        `pulsations too weak to read: the largest, ${flank.maxAmplitudeMmhg.toFixed(2)} mmHg at ${flank.maxAtMmhg.toFixed(0)} mmHg, ${why}: check that the cuff sits snugly, that the hose is not long and narrow, keep still and measure again`,
      );
    }
    const atBound = this.boundMmhg !== null && (mmhg >= rampBoundMmhg(this.boundMmhg) || this.secondsPastBound(tSeconds) >= LOP_SETTINGS.maxSecondsPastBound);
    this.pastBound ||= atBound;
    if (flank.lopMmhg === null && !atBound) {
      if (flank.boundCrossingMmhg === null && this.pastGiveUp(flank, mmhg)) {
        return reject(`the pulsations did not fade by ${mmhg.toFixed(0)} mmHg: check that the cuff sits on the limb and measure again`);
      }
      return null;
    }
    const movement = judgeMovement(this.points, this.windows, flank, floor, this.firstPeakMmhg, this.firstPlateau);
    if (movement) return movement.retryFromMmhg === undefined ? reject(movement.reason) : { ...reject(movement.reason), retryFromMmhg: movement.retryFromMmhg };
    return this.accept(flank, snr);
  }

  /** The pressure has gone far past the envelope's maximum without a flank. */
  private pastGiveUp(flank: FlankReading, mmhg: number): boolean {
    return mmhg > LOP_SETTINGS.maxOverEnvelopePeak * flank.maxAtMmhg && mmhg > LOP_SETTINGS.minGiveUpMmhg;
  }

  private accept(flank: FlankReading, snr: number): Omit<LopOutcome, "durationSeconds"> {
    const lopMmhg = flank.lopMmhg ?? flank.upperLopMmhg;
    if (lopMmhg === null) return reject("the pulsations faded too slowly to be read before the ramp's limit: keep the limb still and measure again");
    const upperOnly = flank.lopMmhg === null;
    const quality = Math.max(0, Math.min(1, (1 - flank.outlierShare) * Math.min(1, snr / 15) * (upperOnly ? 0.5 : 1)));
    const how = upperOnly ? "read from the upper flank (the pulsations faded slowly)" : "read where the pulsations fell to 60 and 50 % of their largest";
    return {
      ok: true,
      mmhg: lopMmhg,
      quality,
      reason: `${this.retryNote}${how}: ${lopMmhg.toFixed(0)} mmHg (largest ${flank.maxAmplitudeMmhg.toFixed(1)} mmHg at ${flank.maxAtMmhg.toFixed(0)} mmHg)`,
    };
  }

  /**
   * Movement spoiled the stretch from `fromMmhg` up: up to maxRetries times (and early enough),
   * vent below it and ramp over it again; otherwise reject with the reason. The envelope below
   * the stretch was read before the movement and is kept.
   */
  private spoiled(tSeconds: number, reason: string, fromMmhg: number): Step {
    // A limb that moved more than once is likely to move again (or to be tensed): no retry then.
    const movedBefore = this.knockSeconds !== null && tSeconds - this.knockSeconds > MOVEMENT_SETTINGS.motionRingSeconds;
    const late = tSeconds - this.options.startSeconds > MOVEMENT_SETTINGS.retryBeforeSeconds;
    // The seconds above the bound so far count against the next pass: its reading ends when they run out.
    if (this.retries >= MOVEMENT_SETTINGS.maxRetries || movedBefore || late) return this.finish(tSeconds, reject(reason));
    this.earlierPasses.push({ windows: [...this.windows], endSeconds: tSeconds });
    this.retries++;
    this.phase = "retreat";
    const floor = this.pulses.floorMmhg();
    const top = peakIndex(this.points, floor);
    const below = top >= 0 ? Math.min(fromMmhg, this.points[top]!.mmhg) : fromMmhg;
    if (this.firstPeakMmhg === null) {
      this.firstPeakMmhg = this.onFlank && top >= 0 ? this.points[top]!.mmhg : null;
      this.firstPlateau = this.firstPeakMmhg === null ? null : plateauMmhg(this.points, floor, MOVEMENT_SETTINGS.peakPlateauShare);
    }
    this.resumeBelowMmhg = Math.max(LOP_SETTINGS.rampStartMmhg, below - MOVEMENT_SETTINGS.retreatMmhg);
    this.retryNote = `measured again${this.retries > 1 ? " (a second time)" : ""} from ${this.resumeBelowMmhg.toFixed(0)} mmHg after ${reason.replace(/:.*/, "")}; `;
    return { actuation: { pump: 0, vent: 1 } };
  }

  /** Vented below the spoiled stretch: fresh filters (primed on the present pressure) and a new ramp from here. */
  private resume(tSeconds: number, estimate: PressureEstimate): void {
    this.phase = "ramp";
    this.lastRise = null;
    this.pulses.restart(tSeconds, estimate.rawMmhg);
    this.slow = Biquad.lowPass(SLOW_HZ, this.options.sampleHz);
    this.slow.next(estimate.mmhg);
    this.ramp.start(tSeconds, estimate.mmhg, false);
    this.rampStartSeconds = tSeconds;
    this.knockSeconds = null;
    this.windows.length = 0;
    this.truncateOnNextWindow = true;
  }

  private finish(tSeconds: number, outcome: Omit<LopOutcome, "durationSeconds">): Step & { outcome: LopOutcome } {
    this.phase = "done";
    this.outcome = { ...outcome, durationSeconds: tSeconds - this.options.startSeconds };
    return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
  }
}

function reject(reason: string): Omit<LopOutcome, "durationSeconds"> {
  return { ok: false, mmhg: null, quality: 0, reason };
}

export function createLopProcedure(options: LopOptions): LopProcedure {
  return new OscillometricLop(options);
}

/** The cuff's own procedure, run under a leader (the distal pulse) that ends the ramp. */
export function createLedCuffLop(options: LopOptions): OscillometricLop {
  return new OscillometricLop(options, true);
}


