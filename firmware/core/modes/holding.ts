/**
 * Regulation of one session's holds: the regulator's memory, when the target was
 * reached, and the two diagnostics that run while the cuff holds (the kink probe
 * and the pulsation cross-check). Made fresh for each session.
 */
import { type Actuation, SEALED } from "../actuation.ts";
import { holdBand, holdSmoothingSeconds, initialRegulatorState, type LearnedActuators, regulate, type RegulatorGains, type RegulatorState } from "../control/regulator.ts";
import { HoseModel } from "../control/hose-model.ts";
import { HuntingGuard } from "../control/hunting.ts";
import { PULSED, PulsedRegulator } from "../control/pulsed.ts";
import { KINK_PROBE, KinkProbe } from "../diagnostics/kink-probe.ts";
import { OcclusionMonitor } from "../diagnostics/occlusion-monitor.ts";
import { PulseMonitor } from "../diagnostics/pulse-monitor.ts";
import type { PressureEstimate } from "../estimator.ts";
import type { PulsationEnvelope } from "../limb-lop.ts";
import { SAFETY_LIMITS } from "../safety/limits.ts";
import { type ModeDiagnostics, NO_DIAGNOSTICS } from "../safety/rule.ts";
import { NoiseGauge } from "../signal/filters.ts";

export const HOLDING = {
  /** Pressure band around the target within which the target counts as reached (share of the target)... */
  reachedFraction: 0.03,
  /** ...for this long. */
  reachedSeconds: 0.3,
  /** Inflating far below the target (mmHg): full pump, integral kept clear so it does not overshoot later. */
  fullPumpBelowMmhg: 8,
  /**
   * During sets the regulator aims this much above the target: the vent takes air out far faster
   * than the pump puts it back, so a slightly high aim balances the time spent above and below.
   */
  setBiasFraction: 0.01,
  /** The pulsation cross-check runs for targets from this share of LOP up, where pulsations fade steeply with pressure. */
  pulseCheckFromLopFraction: 0.65,
  /** The sensor's noise is averaged over this long. */
  noiseAveragingSeconds: 5,
} as const;

/** How the active step wants the cuff held. */
export interface HoldStyle {
  /** Holding still (rests, continuous and cycle holds): a sealed band once settled. */
  still: boolean;
  /** Aim above the target during a set (see setBiasFraction). */
  biased: boolean;
  /** The limb contracts (a set): the pulse in the cuff signal cannot be judged. */
  exercising: boolean;
}

export class Holding {
  private regulator: RegulatorState = initialRegulatorState();
  private settledSince: number | null = null;
  /** Since when the hold has been still (no contractions), null in a set. */
  private stillSince: number | null = null;
  /** The target was reached at least once since it was last changed. */
  settled = false;
  /** The rate (mmHg/s, positive = pump) the last step drove the pump and vent at, as the learned actuators put it. */
  lastRateMmhgPerSecond = 0;
  private readonly kinkProbe = new KinkProbe();
  private readonly hunting: HuntingGuard;
  /** The hose's pressure drop at the pump's flow: a hose that limits the line has the pulsed regulator hold the cuff. */
  private readonly hose: HoseModel;
  private readonly pulsed = new PulsedRegulator();
  /** The hose limits the line; the pulsed regulator fills the cuff to its target. */
  private lineLimited = false;
  private pulsing = false;
  private readonly pulseMonitor: PulseMonitor;
  /** The limb's evidence of occlusion: what is left of its pulsation in a still hold. */
  private readonly occlusion: OcclusionMonitor;
  /** The sensor's own noise, which sets how long a still hold smooths its reading. */
  private readonly noise = new NoiseGauge(HOLDING.noiseAveragingSeconds);

  constructor(
    sampleHz: number,
    private readonly gains: RegulatorGains,
    private readonly actuators: LearnedActuators,
  ) {
    this.pulseMonitor = new PulseMonitor(sampleHz);
    this.hunting = new HuntingGuard(sampleHz);
    this.occlusion = new OcclusionMonitor(sampleHz);
    this.hose = new HoseModel(gains.pumpMinDuty);
  }

  /** The cuff's pressure for control: the pulsed regulator's last sealed read behind a hose that limits the line, else the reading. */
  cuffMmhg(readingMmhg: number): number {
    return this.pulsing && this.pulsed.cuffMmhg !== null ? this.pulsed.cuffMmhg : readingMmhg;
  }

  /** A new target is approached afresh: alarms that judge a settled hold wait until it is reached. */
  retarget(): void {
    this.pulsed.restart();
    this.kinkProbe.reset();
    this.settled = false;
    this.settledSince = null;
    this.regulator = initialRegulatorState();
  }

  /** What the last set's contractions wound up says nothing about a rest: the integral starts afresh. */
  clearIntegral(): void {
    this.regulator = initialRegulatorState();
  }

  /** Notes whether the target is reached; once reached for a moment, the hold is settled. */
  track(t: number, mmhg: number, targetMmhg: number): void {
    if (this.settled) return;
    if (Math.abs(mmhg - targetMmhg) <= HOLDING.reachedFraction * targetMmhg) {
      this.settledSince ??= t;
      if (t - this.settledSince >= HOLDING.reachedSeconds) this.settled = true;
    } else {
      this.settledSince = null;
    }
  }

  /** One tick of holding `targetMmhg`. */
  step(
    t: number,
    estimate: PressureEstimate,
    dtSeconds: number,
    targetMmhg: number,
    style: HoldStyle,
    lopMmhg: number | null,
    envelope: PulsationEnvelope | null,
  ): { actuation: Actuation; diagnostics: ModeDiagnostics } {
    const output = this.hold(t, estimate, dtSeconds, targetMmhg, style, lopMmhg, envelope);
    this.hose.update(t, dtSeconds, estimate.mmhg, output.actuation.pump, output.actuation.vent);
    return output;
  }

  private hold(...[t, estimate, dtSeconds, targetMmhg, style, lopMmhg, envelope]: Parameters<Holding["step"]>): { actuation: Actuation; diagnostics: ModeDiagnostics } {
    const p = estimate.mmhg;
    this.noise.add(estimate.rawMmhg, dtSeconds);
    this.occlusion.update(t, estimate.rawMmhg, p, this.settled && style.still && !style.exercising);
    let actuation: Actuation;
    let regulating = false;
    const aim = style.biased ? targetMmhg * (1 + HOLDING.setBiasFraction) : targetMmhg;
    this.lineLimited = this.hose.mayDropAtLeast(PULSED.lineLimitedShare * targetMmhg);
    // Only the approach pulses: once settled, the holds' and sets' corrections are what the safety
    // rules read (a vent that does not open is named by a bleed at full opening, a leak or a dead
    // pump by the pump running hard), which half-open pulses and short pump pulses never show.
    this.pulsing = this.lineLimited && !this.settled;
    if (this.pulsing) {
      actuation = this.pulsed.step(t, p, aim, this.actuators.pumpRateAt(p), this.actuators.ventRateAt(p));
    } else if (this.settled && style.still) {
      const smoothingSeconds = holdSmoothingSeconds(this.noise.sdMmhg, targetMmhg, dtSeconds);
      const held = holdBand(this.regulator, targetMmhg, { mmhg: p, smoothingSeconds }, dtSeconds, this.actuators, this.gains);
      this.regulator = held.state;
      actuation = held.actuation;
    } else if (!this.settled && p < targetMmhg - HOLDING.fullPumpBelowMmhg) {
      this.regulator = initialRegulatorState();
      actuation = { pump: 1, vent: 0 };
    } else {
      const result = regulate(this.regulator, aim, p, dtSeconds, this.actuators, this.scaledGains());
      this.regulator = result.state;
      actuation = result.actuation;
      regulating = true;
    }
    this.hunting.update(dtSeconds, p, targetMmhg, actuation, regulating && !this.kinkProbe.probing);
    if (!this.settled) return this.answer(p, actuation, NO_DIAGNOSTICS);
    const occlusionJudged = lopMmhg !== null && targetMmhg >= SAFETY_LIMITS.occlusionJudgedFromLopFraction * lopMmhg;
    const pulsationShare = occlusionJudged ? this.occlusion.shareOf(envelope, SAFETY_LIMITS.occludedPulsationShare) : null;
    const nearLop = lopMmhg !== null && targetMmhg >= HOLDING.pulseCheckFromLopFraction * lopMmhg;
    const pulseRatio = this.pulseMonitor.update(t, p, style.still && nearLop);
    const waiting = this.kinkProbe.probing;
    // Holding still for a while, an overdue probe has the regulator pause until it has run.
    this.stillSince = style.still ? (this.stillSince ?? t) : null;
    const stillLong = this.stillSince !== null && t - this.stillSince >= KINK_PROBE.forceStillSeconds - 1e-9;
    if (stillLong && this.kinkProbe.overdue(t)) actuation = SEALED;
    const probe = this.kinkProbe.step(t, p, actuation.pump === 0 && actuation.vent === 0, actuation.pump > 0, dtSeconds);
    const diagnostics: ModeDiagnostics = { ...NO_DIAGNOSTICS, kinkProbeDropMmhg: probe.dropMmhg, kinkProbeCuffDropMmhg: probe.cuffDropMmhg, pulseRatio, pulsationShare };
    if (probe.ventPulse > 0) return this.answer(p, { pump: 0, vent: probe.ventPulse }, diagnostics);
    // Holding still, the cuff stays sealed while the probe waits for its verdict. In a set the
    // regulator keeps working: a pause would cost the set its pressure, and a kink shows in the rest.
    return this.answer(p, style.still && waiting && this.kinkProbe.probing ? SEALED : actuation, diagnostics);
  }

  /**
   * The designed gains, cut while the loop hunts (see hunting.ts). A still hold's top-ups and bleeds
   * keep the designed ones: the kink probe and the slow-leak rule read the pattern they make.
   */
  private scaledGains(): RegulatorGains {
    const scale = this.hunting.gainScale;
    return scale === 1 ? this.gains : { ...this.gains, kpPerSecond: this.gains.kpPerSecond * scale, kiPerSecondSquared: this.gains.kiPerSecondSquared * scale };
  }

  /** The tick's answer; the rate it drives the pump and vent at, by the learned actuators, is kept for the rep counter. */
  private answer(mmhg: number, actuation: Actuation, diagnostics: ModeDiagnostics): { actuation: Actuation; diagnostics: ModeDiagnostics } {
    const { pump, vent } = actuation;
    this.lastRateMmhgPerSecond = (pump > 0 ? pump * this.actuators.pumpRateAt(mmhg) : 0) - (vent > 0 ? vent * this.actuators.ventRateAt(mmhg) : 0);
    return { actuation, diagnostics };
  }
}
