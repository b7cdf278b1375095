/**
 * Limb occlusion pressure from the cuff signal alone (oscillometric, on inflation).
 *
 * The cuff is filled quickly to a start pressure, then ramped slowly with the pump
 * while a band-pass filter pulls the arterial pulsations out of the cuff pressure.
 * Each beat's amplitude is recorded against the cuff pressure; past the maximum the
 * amplitudes fall, and the LOP is where they fall to a small fraction of the maximum,
 * interpolated between the beats either side. The ramp stops as soon as the
 * vanishing is confirmed, so the cuff spends little time above the LOP; the
 * controller then deflates.
 */
import type { PressureEstimate } from "../controller/estimator.ts";
import type { Actuation } from "../controller/supervisor.ts";
import { BandPass } from "./filters.ts";
import type { LopOptions, LopOutcome, LopProcedure } from "./procedure.ts";

/** Tunables, with the reason for each value. */
export const LOP_SETTINGS = {
  /** Fast fill up to here: pulsations only matter from around mean arterial pressure upwards. */
  rampStartMmhg: 40,
  /** Ramp in pressure per heart beat: fine enough to place the vanishing point, short enough for a 45 s measurement. */
  rampMmhgPerBeat: 4.5,
  minRampMmhgPerSecond: 3,
  maxRampMmhgPerSecond: 8,
  /** Ramp rate before the heart rate is known (75 bpm). */
  initialRampMmhgPerSecond: 5.5,
  /** Pulsations are "gone" below this share of the largest one. */
  vanishFraction: 0.1,
  /** Beats below the threshold in a row that confirm the vanishing. */
  confirmBeats: 3,
  /** Band of the arterial pulsation: heart rates 50-110 bpm and the harmonics that shape the upstroke. */
  bandLowHz: 0.5,
  bandHighHz: 6,
  /** A pulsation larger than this, or than this many times the largest beat, is movement, not a pulse. */
  motionMmhg: 5,
  motionBeatMultiple: 2.5,
  /** Seconds from the start after which the measurement gives up. */
  timeoutSeconds: 90,
  /** Stop this far below the ceiling: the pump keeps spinning briefly. */
  ceilingMarginMmhg: 5,
  /** Shortest plausible beat interval (HR 110 bpm with variability). */
  minBeatSeconds: 0.4,
} as const;

type Phase = "fill" | "ramp" | "done";

interface Beat {
  tSeconds: number;
  mmhg: number;
  amplitudeMmhg: number;
}

class OscillometricLop implements LopProcedure {
  private phase: Phase = "fill";
  private readonly band: BandPass;
  private duty = 0.5;
  private fullRateMmhgPerSecond: number | null = null;
  private readonly trend: { t: number; mmhg: number }[] = [];
  private readonly beats: Beat[] = [];
  private peakSeeking = true;
  private extremum = 0;
  private extremumT = 0;
  private troughMmhg = 0;
  private lastBeatT = -Infinity;
  private maxBeat: Beat | null = null;
  private belowCount = 0;
  private motionAtMmhg: number | null = null;
  private outcome: LopOutcome | null = null;

  constructor(private readonly options: LopOptions) {
    this.band = new BandPass(LOP_SETTINGS.bandLowHz, LOP_SETTINGS.bandHighHz, options.sampleHz);
  }

  step(tSeconds: number, estimate: PressureEstimate): { actuation: Actuation; outcome?: LopOutcome } {
    if (this.outcome) return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
    const elapsed = tSeconds - this.options.startSeconds;
    if (!Number.isFinite(estimate.rawMmhg)) return this.finish(tSeconds, this.reject("the pressure sensor gave no usable reading"));
    if (estimate.mmhg >= this.options.ceilingMmhg - LOP_SETTINGS.ceilingMarginMmhg) {
      return this.finish(tSeconds, this.reject(`pulsations were still present at ${this.options.ceilingMmhg - LOP_SETTINGS.ceilingMarginMmhg} mmHg, the ceiling: the LOP is above what may be applied`));
    }
    if (elapsed > LOP_SETTINGS.timeoutSeconds) {
      return this.finish(tSeconds, this.reject(`no end of pulsations within ${LOP_SETTINGS.timeoutSeconds} s (reached ${estimate.mmhg.toFixed(0)} mmHg)`));
    }

    this.trend.push({ t: tSeconds, mmhg: estimate.mmhg });
    while (this.trend.length > 0 && tSeconds - this.trend[0]!.t > 1.5) this.trend.shift();

    if (this.phase === "fill") {
      if (estimate.mmhg < LOP_SETTINGS.rampStartMmhg) {
        if (estimate.mmhg > 15) this.fullRateMmhgPerSecond = Math.max(1, this.trendSlope());
        return { actuation: { pump: 1, vent: 0 } };
      }
      this.phase = "ramp";
      const full = this.fullRateMmhgPerSecond ?? 20;
      this.duty = Math.min(1, 0.15 + (0.85 * LOP_SETTINGS.initialRampMmhgPerSecond) / full);
    }

    const pulse = this.band.next(estimate.rawMmhg);
    const beat = this.detectBeat(tSeconds, pulse, estimate.mmhg);
    if (this.motionAtMmhg !== null) {
      return this.finish(tSeconds, this.reject(`movement during the measurement: large pressure jumps at ${this.motionAtMmhg.toFixed(0)} mmHg`));
    }
    if (beat) {
      const found = this.onBeat(beat);
      if (found) return this.finish(tSeconds, found);
    }
    this.adaptDuty(tSeconds);
    return { actuation: { pump: this.duty, vent: 0 } };
  }

  private finish(tSeconds: number, outcome: Omit<LopOutcome, "durationSeconds">): { actuation: Actuation; outcome: LopOutcome } {
    this.phase = "done";
    this.outcome = { ...outcome, durationSeconds: tSeconds - this.options.startSeconds };
    return { actuation: { pump: 0, vent: 1 }, outcome: this.outcome };
  }

  private reject(reason: string): Omit<LopOutcome, "durationSeconds"> {
    return { ok: false, mmhg: null, quality: 0, reason };
  }

  /** Least-squares slope of the last 1.5 s of filtered pressure (spans at least one beat, so pulsations average out). */
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

  private rampTarget(): number {
    const interval = this.beatIntervalSeconds();
    const rate = interval === null ? LOP_SETTINGS.initialRampMmhgPerSecond : LOP_SETTINGS.rampMmhgPerBeat / interval;
    return Math.min(LOP_SETTINGS.maxRampMmhgPerSecond, Math.max(LOP_SETTINGS.minRampMmhgPerSecond, rate));
  }

  /** Slow integral correction of the pump duty towards the wanted ramp rate (slow, so it adds nothing in the pulse band). */
  private adaptDuty(tSeconds: number): void {
    if (this.trend.length < 2 || tSeconds - this.trend[0]!.t < 1.4) return;
    const target = this.rampTarget();
    const rate = this.trendSlope();
    const dt = 1 / this.options.sampleHz;
    this.duty = Math.min(1, Math.max(0.15, this.duty + 0.4 * ((target - rate) / Math.max(target, 1)) * dt));
  }

  /** Peak picking with hysteresis: a beat is a trough followed by a peak. */
  private detectBeat(tSeconds: number, pulse: number, mmhg: number): Beat | null {
    const hysteresis = Math.max(0.05, 0.25 * (this.maxBeat?.amplitudeMmhg ?? 0.4) * 0.5);
    if (Math.abs(pulse) > Math.max(LOP_SETTINGS.motionMmhg, LOP_SETTINGS.motionBeatMultiple * (this.maxBeat?.amplitudeMmhg ?? 2))) {
      this.motionAtMmhg = mmhg;
    }
    if (this.peakSeeking) {
      if (pulse > this.extremum) {
        this.extremum = pulse;
        this.extremumT = tSeconds;
      } else if (pulse < this.extremum - hysteresis) {
        const amplitude = this.extremum - this.troughMmhg;
        const beatT = this.extremumT;
        this.peakSeeking = false;
        this.extremum = pulse;
        if (beatT - this.lastBeatT >= LOP_SETTINGS.minBeatSeconds) {
          this.lastBeatT = beatT;
          return { tSeconds: beatT, mmhg, amplitudeMmhg: amplitude };
        }
      }
    } else if (pulse < this.extremum) {
      this.extremum = pulse;
    } else if (pulse > this.extremum + hysteresis) {
      this.troughMmhg = this.extremum;
      this.peakSeeking = true;
      this.extremum = pulse;
      this.extremumT = tSeconds;
    }
    return null;
  }

  private beatIntervalSeconds(): number | null {
    const strong = this.beats.filter((b) => this.maxBeat && b.amplitudeMmhg >= 0.3 * this.maxBeat.amplitudeMmhg).slice(-8);
    if (strong.length < 3) return null;
    const intervals: number[] = [];
    for (let i = 1; i < strong.length; i++) intervals.push(strong[i]!.tSeconds - strong[i - 1]!.tSeconds);
    intervals.sort((a, b) => a - b);
    return intervals[Math.floor(intervals.length / 2)]!;
  }

  private onBeat(beat: Beat): Omit<LopOutcome, "durationSeconds"> | null {
    this.beats.push(beat);
    if (!this.maxBeat || beat.amplitudeMmhg > this.maxBeat.amplitudeMmhg) {
      this.maxBeat = beat;
      this.belowCount = 0;
      return null;
    }
    const threshold = LOP_SETTINGS.vanishFraction * this.maxBeat.amplitudeMmhg;
    if (beat.amplitudeMmhg >= threshold) {
      this.belowCount = 0;
      return null;
    }
    this.belowCount++;
    if (this.belowCount < LOP_SETTINGS.confirmBeats) return null;
    const firstBelow = this.beats[this.beats.length - this.belowCount]!;
    const lastAbove = this.beats[this.beats.length - this.belowCount - 1]!;
    const span = lastAbove.amplitudeMmhg - firstBelow.amplitudeMmhg;
    const share = span > 0 ? (lastAbove.amplitudeMmhg - threshold) / span : 0;
    const lop = lastAbove.mmhg + share * (firstBelow.mmhg - lastAbove.mmhg);
    const descending = this.beats.filter((b) => b.mmhg > this.maxBeat!.mmhg && b.mmhg <= lop).length;
    const quality = Math.min(1, descending / 8);
    return { ok: true, mmhg: lop, quality, reason: `pulsations vanished at ${lop.toFixed(0)} mmHg` };
  }
}

export function createLopProcedure(options: LopOptions): LopProcedure {
  return new OscillometricLop(options);
}
