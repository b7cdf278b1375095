/**
 * The distal pulse fading as the cuff climbs, one heart beat at a time, and the
 * occlusion pressure read from it. Pure: segments in, reading out.
 *
 * Beyond the cuff the pulse is what passes the artery's squeezed centre: the
 * arterial pressure over the transmitted cuff pressure. Once the cuff closes the
 * artery at diastole, each beat passes only its systolic tip, and the tip
 * shrinks to nothing at the occlusion pressure. The distal vessels smooth a tip
 * into a small bump of the same area, so near the end the pulse's size falls as
 * the tip's margin to the power 1.5 (a parabola's cap) and the last beats are
 * lost in the sensor's noise before the artery closes: a PPG reads "gone" a few
 * mmHg (a weak pulse: 10-20 mmHg) below the Doppler LOP. So the LOP is not read
 * where the pulse vanished but extrapolated, beat by beat, from how it fades:
 *
 *   size / size on the ramp = F(x),  x = (P - cuff) / W,  F(x) = x^1.5 (1.55 - 0.55 x)
 *
 * where P is the beat's own occlusion pressure and W the cuff-pressure span of the
 * fade (pulse pressure over the cuff's transmission). W comes from where the fade
 * starts (the size falls under 80 %, at x = F^-1(0.8) + 0.1); each beat between 3 and 30 %
 * then gives its P, and the LOP (the pressure that stops every beat, breathing's
 * strongest included) is an upper quantile of them plus a fixed margin, fitted on
 * the tuning part of the simulated family (docs/tuning.md).
 */

export const FADE_SETTINGS = {
  /** The fade starts where the median of five clean beats falls under this share of the pulse's size on the ramp. */
  topShare: 0.8,
  topBeats: 5,
  /**
   * The pulse's size on the ramp: the median of up to this many clean beats before the fade, and at least this many.
   * Beats over referenceSpread times the median, or under it divided by that, are left out first: a knock within the
   * first three beats (before movement can be judged) had set the size high and the fade's start 60-100 mmHg early.
   */
  referenceBeats: 8,
  minReferenceBeats: 6,
  referenceSpread: 1.5,
  /**
   * Where the fade's span is read from: the start lies this much further into the span than fadeShare puts an 80 %
   * beat (the median of five beats crosses 80 % a beat or two after the pulse does; fitted on the tuning part).
   */
  topSpanShareExtra: 0.1,
  /** Beats between these shares of the size give their own occlusion pressure. */
  lowShare: 0.03,
  highShare: 0.3,
  /**
   * A beat whose peak-to-peak stands this many noise SDs out of the noise shows the pulse (a band-passed beat of noise
   * alone reaches about 2.5 SDs, a filter still ringing from a knock more); one over pointNoiseMultiple is read.
   */
  presentNoiseMultiple: 4,
  pointNoiseMultiple: 3,
  /** Peak-to-peak the noise adds to a beat, in noise SDs (removed in quadrature). */
  noisePeakToPeak: 1,
  /** A beat this many times the largest of the last three (or three noise SDs) is movement; the filter rings on into the next one. */
  motionMultiple: 1.5,
  ringBeats: 1,
  /**
   * Beats in a row without a pulse, over at least this long (after the fade began): the pulse is gone. Breathing
   * swings the arterial pressure: at a deep breath's trough the pulse can vanish for a few beats below the LOP and
   * come back (a 15 mmHg swing at 8 breaths a minute read 40 mmHg low after three beats).
   */
  goneBeats: 3,
  goneSeconds: 3,
  /** A lone beat over the noise after the pulse was lost (a knock starting, a noise spike) does not bring it back: two in a row do. */
  backBeats: 2,
  /** The pulse first lost for this many beats in a row: where the ramp's last stretch is counted from. */
  lossBeats: 2,
  /** The reading: this quantile of the beats' occlusion pressures, plus this margin (breathing's strongest beat over the typical). */
  quantile: 0.9,
  marginMmhg: 4.8,
  /**
   * A beat's occlusion pressure this far below the cuff pressure of a later beat whose pulse is present is dropped:
   * the artery still opened above it, so that beat was small for another reason (a premature beat, a weak one).
   */
  contradictedMmhg: 10,
  /** Fewer beats than this on the fade: it cannot be read. */
  minBeats: 2,
} as const;

const F_A = 1.55;
const F_B = 0.55;

/** Share of the pulse's size left x of the fade's span before the beat's occlusion pressure. */
export function fadeShare(x: number): number {
  const c = Math.min(1, Math.max(0, x));
  return c ** 1.5 * (F_A - F_B * c);
}

/** The inverse of fadeShare on [0, 1] (bisection: F rises monotonically there). */
export function fadeSpanShare(share: number): number {
  const target = Math.min(1, Math.max(0, share));
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (fadeShare(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The median of the sizes within referenceSpread of their median (the median itself when none is left out). */
function robustMedian(sizes: readonly number[]): number {
  const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const first = median(sizes);
  const spread = FADE_SETTINGS.referenceSpread;
  return median(sizes.filter((size) => size <= spread * first && size >= first / spread));
}

export interface FadeBeat {
  /** When the beat peaked, and the cuff pressure then. */
  tSeconds: number;
  mmhg: number;
  /** Peak-to-peak of the distal pulse over the beat, and the sensor's noise (one SD per sample), counts. */
  amplitudeCounts: number;
  noiseCounts: number;
}

export interface FadeReading {
  mmhg: number;
  /** Beats the reading rests on. */
  beats: number;
  /** Where the fade began and where the pulse was last seen. */
  topMmhg: number;
  lastPresentMmhg: number | null;
}

export class DistalFade {
  private readonly clean: number[] = [];
  /** Beats still to be skipped after movement (the band-pass rings on). */
  private ringing = 0;
  /** Beats in a row judged to be movement. */
  private movingRun = 0;
  private referenceCounts: number | null = null;
  private topMmhgValue: number | null = null;
  private readonly below: FadeBeat[] = [];
  private occlusions: number[] = [];
  private run = 0;
  private runStartSeconds = 0;
  private runSeconds = 0;
  private lastPresent: number | null = null;
  private presentRun = 0;
  private lossMmhgValue: number | null = null;
  private runStartMmhg = 0;
  private moved = 0;
  private seen = 0;

  /** The fade has begun (the pulse fell under topShare of its size on the ramp). */
  get fading(): boolean {
    return this.topMmhgValue !== null;
  }

  /** The pulse has been gone for goneBeats beats in a row, over goneSeconds, since the fade began. */
  get gone(): boolean {
    return this.run >= FADE_SETTINGS.goneBeats && this.runSeconds >= FADE_SETTINGS.goneSeconds;
  }

  /** Where the pulse was first lost for lossBeats beats in a row after the fade began (null until then). */
  get lossMmhg(): number | null {
    return this.lossMmhgValue;
  }

  /** The last clean beat had a pulse (after the fade began). */
  get presentNow(): boolean {
    return this.fading && this.presentRun > 0;
  }

  /** Beats judged to be movement, of all beats seen. */
  get movementBeats(): { moved: number; seen: number } {
    return { moved: this.moved, seen: this.seen };
  }

  /** The pulse's size on the ramp before the fade (null until known). */
  get rampCounts(): number | null {
    return this.referenceCounts;
  }

  add(beat: FadeBeat): void {
    const s = FADE_SETTINGS;
    this.seen++;
    // Movement and the beats the filter rings into neither show nor hide the pulse: they are left out. Three clean
    // beats are needed to judge; a run of "movement" longer than a knock rings is the pulse's own new size.
    const recent = this.clean.slice(-3);
    const limit = s.motionMultiple * Math.max(...recent, s.presentNoiseMultiple * beat.noiseCounts);
    const moving = recent.length === 3 && beat.amplitudeCounts > limit && this.movingRun < s.ringBeats + 2;
    if (moving || this.ringing > 0) {
      this.ringing = moving ? s.ringBeats : this.ringing - 1;
      this.movingRun = moving ? this.movingRun + 1 : this.movingRun;
      this.moved++;
      return;
    }
    this.movingRun = 0;
    this.clean.push(beat.amplitudeCounts);
    const present = beat.amplitudeCounts > s.presentNoiseMultiple * beat.noiseCounts;
    if (this.topMmhgValue === null) {
      this.below.push(beat);
      this.findTop();
      return;
    }
    this.addOcclusion(beat);
    if (!present) {
      this.presentRun = 0;
      if (this.run === 0) {
        this.runStartSeconds = beat.tSeconds;
        this.runStartMmhg = beat.mmhg;
      }
      this.run++;
      this.runSeconds = beat.tSeconds - this.runStartSeconds;
      if (this.run >= s.lossBeats) this.lossMmhgValue ??= this.runStartMmhg;
      return;
    }
    this.presentRun++;
    this.lastPresent = beat.mmhg;
    this.occlusions = this.occlusions.filter((mmhg) => mmhg >= beat.mmhg - s.contradictedMmhg);
    if (this.run > 0 && this.presentRun < s.backBeats) return;
    this.run = 0;
    this.runSeconds = 0;
  }

  /** The occlusion pressure the fade reads (null until it rests on minBeats beats). */
  reading(): FadeReading | null {
    const s = FADE_SETTINGS;
    const top = this.topMmhgValue;
    if (top === null || this.occlusions.length < s.minBeats) return null;
    const sorted = [...this.occlusions].sort((a, b) => a - b);
    const at = s.quantile * (sorted.length - 1);
    const lower = Math.floor(at);
    const q = sorted[lower]! + (sorted[Math.min(sorted.length - 1, lower + 1)]! - sorted[lower]!) * (at - lower);
    return { mmhg: q + s.marginMmhg, beats: sorted.length, topMmhg: top, lastPresentMmhg: this.lastPresent };
  }

  /** Where the median of topBeats clean beats first fell under topShare of the ramp's size: the fade's start. */
  private findTop(): void {
    const s = FADE_SETTINGS;
    const beats = this.below;
    if (beats.length < s.topBeats + s.minReferenceBeats) return;
    const last = beats.slice(-s.topBeats);
    const reference = robustMedian(beats.slice(-s.topBeats - s.referenceBeats, -s.topBeats).map((b) => b.amplitudeCounts));
    const median = last.map((b) => b.amplitudeCounts).sort((a, b) => a - b)[Math.floor(s.topBeats / 2)]!;
    if (median >= s.topShare * reference) return;
    this.referenceCounts = reference;
    // The fade began at the first of these beats under the share, after which they stay under it.
    let first = last.length - 1;
    while (first > 0 && last[first - 1]!.amplitudeCounts < s.topShare * reference) first--;
    this.topMmhgValue = last[first]!.mmhg;
    for (const b of last) this.addOcclusion(b);
  }

  /** The beat's own occlusion pressure, where its size lies between lowShare and highShare of the ramp's. */
  private addOcclusion(beat: FadeBeat): void {
    const s = FADE_SETTINGS;
    const reference = this.referenceCounts;
    const top = this.topMmhgValue;
    if (reference === null || top === null) return;
    if (beat.amplitudeCounts <= s.pointNoiseMultiple * beat.noiseCounts) return;
    const net = Math.sqrt(Math.max(0, beat.amplitudeCounts ** 2 - (s.noisePeakToPeak * beat.noiseCounts) ** 2));
    const share = net / reference;
    if (share < s.lowShare || share > s.highShare) return;
    const x = fadeSpanShare(share);
    const xTop = fadeSpanShare(s.topShare) + s.topSpanShareExtra;
    // P = cuff + W x with W = (P - top) / xTop, solved for P.
    const ratio = x / xTop;
    this.occlusions.push((beat.mmhg - top * ratio) / (1 - ratio));
  }
}
