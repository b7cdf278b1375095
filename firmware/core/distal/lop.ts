/**
 * Limb occlusion pressure by the Doppler definition: the cuff pressure at which
 * the pulse beyond the cuff disappears, seen by the distal pulse sensor, with the
 * cuff's own (oscillometric) reading taken in the same ramp as a cross-check.
 *
 * The cuff's procedure (lop/measure.ts) runs the fill and the ramp and keeps its
 * safety stops (sensor, ceiling, stalled pump, timeout); its reading is recorded,
 * not acted on. The cuff's heart beats cut the distal signal into beats (each
 * beat's window opens just before the cuff's pulsation peak, as the distal pulse
 * follows it); each beat's size and the cuff pressure at its peak feed the fade
 * (fade.ts). The ramp stops on evidence: the distal pulse gone for three beats in
 * a row, or the ramp past what the fade already reads. The pulse is really gone
 * only above the LOP, and a PPG loses it a little before, so the cuff rarely
 * spends more than a few beats above the LOP and never climbs on noise.
 *
 * Without a readable distal pulse (cold fingers, a loose clip, a silent sensor)
 * the measurement is the cuff's own, and its reason says why.
 */
import type { Actuation } from "../actuation.ts";
import type { PressureEstimate } from "../estimator.ts";
import { createLedCuffLop, createLopProcedure, type OscillometricLop } from "../lop/measure.ts";
import type { LopOptions, LopOutcome, LopProcedure, LopProgress } from "../lop/procedure.ts";
import { DistalFade } from "./fade.ts";
import { DISTAL_TRACE, type DistalPulseTrace } from "./trace.ts";

export const DISTAL_LOP_SETTINGS = {
  /** The resting pulse is measured over the last seconds before the measurement (the cuff vented). */
  restingSeconds: 5,
  /** A beat's distal window opens this long before the cuff's pulsation peak. */
  beatLeadSeconds: 0.1,
  /** No pulse at all in the monitor's window for this long (beats aside) ends the ramp. */
  silentSeconds: 4,
  /** A peak sooner than this share of an interval after the last one belongs to the same beat. */
  minBeatShare: 0.6,
  /** No beat in the cuff for this many intervals: the window closes one interval after it opened. */
  beatGapIntervals: 1.6,
  /** Heart-beat interval before the cuff has measured one (70 bpm). */
  defaultBeatSeconds: 60 / 70,
  /**
   * After the pulse was first lost (two beats in a row), the ramp goes at most this much further (the larger of
   * the two): breathing can bring it back for a beat or two, up to twice its swing over the cuff's transmission.
   */
  pastLossMmhg: 20,
  pastLossShare: 0.12,
  /**
   * Once the distal pulse fades, the ramp slows to this many mmHg per heart beat (at most the cuff's flank rate): the
   * fade's readable part (30 to 3 % of the pulse) spans a few mmHg for a weak pulse or a narrow pulse pressure, and
   * every beat on it is a reading. Once the pulse is lost, nothing is left to read beat by beat: the flank's rate.
   */
  fadeMmhgPerBeat: 2,
  lostMmhgPerBeat: 2.5,
  /** The reading is at most this far above the pressure where the ramp stopped on a pulse gone (a fade extrapolated from a wrong start read 90 mmHg high). */
  aboveStopMmhg: 15,
  /**
   * No fade by this pressure while the cuff reads nothing: the ramp ends (a clip on the other limb would climb on).
   * Every limb of the family with a LOP up to 270 mmHg begins to fade well below it.
   */
  noFadeMmhg: 240,
  /** A pulse still present this far above what the fade reads ends the ramp (the larger of these). */
  pastReadingMmhg: 15,
  pastReadingShare: 0.1,
  /** The cuff's own reading this far from the distal one (the larger of the two) is told to the user. */
  disagreementMmhg: 25,
  disagreementShare: 0.15,
  /** More than this share of the beats left out for movement: the reason says so. */
  movementShare: 0.3,
  /** Quality is full from this many beats on the fade. */
  fullQualityBeats: 6,
} as const;

type Step = { actuation: Actuation; outcome?: LopOutcome };
type Reading = Omit<LopOutcome, "durationSeconds">;

const VENT: Actuation = { pump: 0, vent: 1 };

class DistalLop implements LopProcedure {
  private readonly led: OscillometricLop;
  private readonly fade = new DistalFade();
  private readonly pressures: { t: number; mmhg: number }[] = [];
  /** The beat whose window is open: when its pulsation peaked, and when its window opened. */
  private openBeat: { peakSeconds: number; fromSeconds: number } | null = null;
  private lastCuffBeat: number | null = null;
  private readonly pending: { fromSeconds: number; toSeconds: number; peakSeconds: number }[] = [];
  private lost: string | null = null;
  /** Since when the monitor has heard no pulse at all (whatever the beats say): evidence that stops the ramp on its own. */
  private silentSince: number | null = null;
  private outcome: LopOutcome | null = null;

  constructor(
    private readonly options: LopOptions,
    private readonly distal: DistalPulseTrace,
  ) {
    this.led = createLedCuffLop(options);
  }

  progress(): LopProgress {
    const { stage } = this.led.progress();
    const state = this.distal.status(this.pressures.at(-1)?.t ?? this.options.startSeconds).state;
    const distalPulse = this.fade.gone ? "gone" : state === "unreadable" ? "unreadable" : this.fade.fading ? "fading" : state;
    return { stage: this.outcome ? "done" : stage, distalPulse };
  }

  step(tSeconds: number, estimate: PressureEstimate): Step {
    if (this.outcome) return { actuation: VENT, outcome: this.outcome };
    const inner = this.led.step(tSeconds, estimate);
    if (inner.outcome) return this.finish(tSeconds, this.cuffEnded(inner.outcome));
    this.pressures.push({ t: tSeconds, mmhg: estimate.mmhg });
    while (this.pressures.length > 0 && tSeconds - this.pressures[0]!.t > 6) this.pressures.shift();
    this.collectBeats(tSeconds);
    const s = DISTAL_LOP_SETTINGS;
    const loss = this.fade.lossMmhg;
    this.led.leadAt(this.fade.fading ? (loss === null ? s.fadeMmhgPerBeat : s.lostMmhgPerBeat) : null);

    const status = this.distal.status(tSeconds);
    if (status.state === "unreadable" && !status.reason.startsWith("movement")) this.lost ??= status.reason;
    if (this.lost !== null) {
      const cuff = this.led.cuffReading();
      if (cuff?.ok || this.led.boundReached) return this.finish(tSeconds, this.cuffInstead(this.lost));
      return inner;
    }
    // Gone without anything read yet (neither the fade nor the cuff): the ramp goes on to the bound past the loss, where the cuff's flank may read.
    const pastLossMmhg = loss === null ? null : loss + Math.max(s.pastLossMmhg, s.pastLossShare * loss);
    const nothingRead = !this.fade.reading() && !this.led.cuffReading()?.ok && this.led.flankReadingNow() === null;
    const goOn = nothingRead && pastLossMmhg !== null && estimate.mmhg <= pastLossMmhg;
    if (this.fade.gone && !goOn) return this.finish(tSeconds, this.distalReading(estimate.mmhg));
    this.silentSince = status.state === "gone" ? (this.silentSince ?? tSeconds) : null;
    if (this.silentSince !== null && tSeconds - this.silentSince >= s.silentSeconds && !goOn) {
      return this.finish(tSeconds, this.fade.reading() ? this.distalReading(estimate.mmhg) : this.cuffInstead("the distal pulse disappeared without a fade to read"));
    }
    // Once the pulse has been lost, the ramp climbs at most this much further, whatever flickers after.
    if (pastLossMmhg !== null && estimate.mmhg > pastLossMmhg) return this.finish(tSeconds, this.distalReading(estimate.mmhg));
    const reading = this.fade.reading();
    // A pulse still seen well above what the fade reads: the reading is not to be trusted further up; stop here.
    if (reading && this.fade.presentNow && estimate.mmhg > reading.mmhg + Math.max(s.pastReadingMmhg, s.pastReadingShare * reading.mmhg)) {
      return this.finish(tSeconds, this.distalReading(estimate.mmhg));
    }
    // A fade that gives no reading (a pulse flickering at the noise) is bounded by the cuff's own reading, well past it.
    const cuffNow = this.led.flankReadingNow();
    if (this.fade.fading && !reading && this.led.boundReached && cuffNow !== null && estimate.mmhg > cuffNow + Math.max(s.pastReadingMmhg, s.pastReadingShare * cuffNow)) {
      return this.finish(tSeconds, this.cuffInstead(this.movement(status.reason) ?? "the distal pulse faded without a clear end"));
    }
    if (!this.fade.fading && this.led.boundReached) {
      const why = this.movement(status.reason) ?? "the distal pulse did not fade while the cuff's did (is the clip on the cuffed limb?)";
      return this.finish(tSeconds, this.cuffInstead(why));
    }
    // A distal pulse still full shows the artery still opens: the ramp goes on while the cuff sees nothing, up to a bound.
    if (!this.fade.fading && estimate.mmhg > s.noFadeMmhg && this.led.cuffReading()?.ok !== true) {
      return this.finish(tSeconds, this.cuffInstead(`neither the distal pulse nor the cuff's pulsations faded by ${estimate.mmhg.toFixed(0)} mmHg`));
    }
    return inner;
  }

  /** Movement on the clip, said plainly, when the monitor sees it now or the fade left out a third of its beats for it. */
  private movement(statusReason: string): string | null {
    const { moved, seen } = this.fade.movementBeats;
    if (statusReason.startsWith("movement") || (seen > 0 && moved / seen > DISTAL_LOP_SETTINGS.movementShare)) return "movement on the distal pulse sensor spoiled its reading: keep the hand or foot still";
    return null;
  }

  /** Beats from the cuff's pulsation peaks (or one interval on, when the cuff misses one); each read once its distal samples are in. */
  private collectBeats(tSeconds: number): void {
    const s = DISTAL_LOP_SETTINGS;
    const beat = this.led.lastBeatSeconds;
    const interval = this.led.beatSeconds() ?? s.defaultBeatSeconds;
    // A second peak within 0.6 of an interval is the same beat (a premature beat, or the filter's ripple): the window stays open.
    if (beat !== null && beat !== this.lastCuffBeat) {
      this.lastCuffBeat = beat;
      if (!this.openBeat || beat - this.openBeat.peakSeconds > s.minBeatShare * interval) this.closeBeat(beat);
    } else if (this.openBeat && tSeconds - this.openBeat.peakSeconds > s.beatGapIntervals * interval) {
      this.closeBeat(this.openBeat.peakSeconds + interval);
    }
    const latest = this.distal.latestSeconds;
    while (this.pending.length > 0 && latest !== null && latest >= this.pending[0]!.toSeconds) {
      const window = this.pending.shift()!;
      const span = this.distal.span(window.fromSeconds, window.toSeconds);
      const mmhg = this.pressureAt(window.peakSeconds);
      if (span && mmhg !== null) this.fade.add({ tSeconds: window.peakSeconds, mmhg, amplitudeCounts: span.amplitudeCounts, noiseCounts: span.noiseCounts });
    }
  }

  /** The next beat peaked at `peakSeconds`: the open beat's window ends where the next one's opens. */
  private closeBeat(peakSeconds: number): void {
    const from = peakSeconds - DISTAL_LOP_SETTINGS.beatLeadSeconds;
    if (this.openBeat && from > this.openBeat.fromSeconds) this.pending.push({ ...this.openBeat, toSeconds: from });
    this.openBeat = { peakSeconds, fromSeconds: from };
  }

  private pressureAt(tSeconds: number): number | null {
    for (let i = this.pressures.length - 1; i >= 0; i--) if (this.pressures[i]!.t <= tSeconds) return this.pressures[i]!.mmhg;
    return null;
  }

  /** The distal reading, cross-checked against the cuff's own (every sentence fits the link's 200 characters). */
  private distalReading(stopMmhg: number): Reading {
    const reading = this.fade.reading();
    if (!reading) return this.cuffInstead("the distal pulse vanished too abruptly to be read (a weak pulse or cold fingers)");
    const s = DISTAL_LOP_SETTINGS;
    // The pulse has been gone for some beats where the ramp stops: the artery closed not far above.
    const mmhg = Math.min(reading.mmhg, stopMmhg + s.aboveStopMmhg);
    const quality = Math.min(1, reading.beats / s.fullQualityBeats);
    const reason = `read where the distal pulse disappears: ${mmhg.toFixed(0)} mmHg (${reading.beats} beats fading from ${reading.topMmhg.toFixed(0)})`;
    const cuff = this.led.flankReadingNow() ?? (this.led.cuffReading()?.ok ? this.led.cuffReading()!.mmhg : null);
    if (cuff === null) return { ok: true, mmhg, quality, reason: `${reason}; the cuff's own pulsations had not faded enough to cross-check it` };
    const apart = cuff - mmhg;
    if (Math.abs(apart) <= Math.max(s.disagreementMmhg, s.disagreementShare * mmhg)) return { ok: true, mmhg, quality, reason: `${reason}; the cuff's own reading: ${cuff.toFixed(0)} mmHg` };
    return {
      ok: true,
      mmhg,
      quality,
      disagreementMmhg: apart,
      reason: `${reason}, but the cuff's own reads ${cuff.toFixed(0)}, ${Math.abs(apart).toFixed(0)} ${apart > 0 ? "higher" : "lower"}: check the clip is on the cuffed limb and the cuff snug; measure again if unsure`,
    };
  }

  /** The cuff's own reading stands in for the distal one, with the reason. */
  private cuffInstead(why: string): Reading {
    const cuff = this.led.cuffReading();
    const now = this.led.flankReadingNow();
    if (cuff?.ok) return { ...cuff, reason: `${why}; the cuff's own reading instead: ${cuff.mmhg!.toFixed(0)} mmHg` };
    if (now !== null) return { ok: true, mmhg: now, quality: 0.3, reason: `${why}; the cuff's own reading instead: ${now.toFixed(0)} mmHg (upper flank)` };
    return { ok: false, mmhg: null, quality: 0, reason: `${why}, and the cuff's own pulsations gave no reading: keep still and measure again` };
  }

  /** The cuff's procedure stopped by itself (sensor, ceiling, stalled pump, timeout): its word stands. */
  private cuffEnded(outcome: LopOutcome): Reading {
    return { ok: outcome.ok, mmhg: outcome.mmhg, quality: outcome.quality, reason: outcome.reason };
  }

  private finish(tSeconds: number, reading: Reading): Step & { outcome: LopOutcome } {
    this.outcome = { ...reading, durationSeconds: tSeconds - this.options.startSeconds };
    return { actuation: VENT, outcome: this.outcome };
  }
}

/** A readable resting pulse (the cuff vented) decides the method; the reason says why when it is not. */
function restingPulseProblem(distal: DistalPulseTrace, tSeconds: number): string | null {
  const status = distal.status(tSeconds);
  // A hand moved a moment ago says nothing of the pulse: only a silent sensor or a clip off the skin does.
  if (status.state === "unreadable" && !status.reason.startsWith("movement")) return status.reason;
  const resting = distal.restingAmplitude(tSeconds, DISTAL_LOP_SETTINGS.restingSeconds);
  if (!resting) return "the distal pulse sensor has only just started sending";
  if (resting.amplitudeCounts < DISTAL_TRACE.readableNoiseMultiple * resting.noiseCounts) {
    return "the distal pulse is too weak to read (cold fingers or a loose clip: warm the hand or foot, reseat the clip)";
  }
  return null;
}

/** The cuff's procedure whose reason starts with why the distal pulse could not lead. */
class CuffOnly implements LopProcedure {
  constructor(
    private readonly inner: LopProcedure,
    private readonly why: string,
  ) {}

  progress(): LopProgress {
    return { ...this.inner.progress(), distalPulse: "unreadable" };
  }

  step(tSeconds: number, estimate: PressureEstimate): Step {
    const step = this.inner.step(tSeconds, estimate);
    if (!step.outcome) return step;
    const outcome = step.outcome;
    const reason = outcome.ok && outcome.mmhg !== null ? `${this.why}; the cuff's own reading instead: ${outcome.mmhg.toFixed(0)} mmHg` : `${this.why}; the cuff's own reading failed too: ${outcome.reason}`;
    return { ...step, outcome: { ...outcome, reason } };
  }
}

/**
 * The LOP procedure for a build: with a distal pulse sensor whose resting pulse is readable, the
 * distal reading; with one that has never sent a sample (not fitted), the cuff's own; otherwise the
 * cuff's own, saying why.
 */
export function createLop(options: LopOptions): LopProcedure {
  const distal = options.distal;
  if (!distal || distal.latestSeconds === null) return createLopProcedure(options);
  const problem = restingPulseProblem(distal, options.startSeconds);
  if (problem !== null) return new CuffOnly(createLopProcedure(options), problem);
  return new DistalLop(options, distal);
}
