/**
 * Pressure regulation: a PI loop in pressure-rate space with split-range
 * actuation (pump for positive rates, proportional vent for negative ones).
 *
 * Working in mmHg/s lets one set of gains serve every cuff: the loop asks for a
 * rate, and the rates that full pump and full vent give at this pressure are
 * learned from the cuff itself (they fold in the cuff's compliance, the pump's
 * back-pressure curve and the vent's orifice law).
 */
import type { Actuation } from "../actuation.ts";

export interface RegulatorGains {
  /** Rate asked per mmHg of error (1/s): the loop's bandwidth. */
  kpPerSecond: number;
  /** Integral gain (1/s^2): removes the steady error a leak leaves. */
  kiPerSecondSquared: number;
  /** Errors smaller than this are left alone to spare the valve and pump. */
  deadbandMmhg: number;
  /** Below this duty the pump motor stalls (from the hardware profile). */
  pumpMinDuty: number;
}

export const DEFAULT_GAINS: RegulatorGains = {
  kpPerSecond: 9,
  kiPerSecondSquared: 4,
  deadbandMmhg: 0.6,
  pumpMinDuty: 0.15,
};

/** Learned actuator authority, in mmHg/s at full command, per mmHg of cuff pressure. */
export interface ActuatorModel {
  /** Pressure rise rate with the pump at full duty, as a function of pressure. */
  pumpRateAt(mmhg: number): number;
  /** Pressure fall rate with the vent fully open, as a function of pressure. */
  ventRateAt(mmhg: number): number;
}

/**
 * Learns actuator authority online: the pump's rate at full duty falls roughly
 * linearly with back-pressure; the vent's rate follows the orifice law
 * (proportional to the square root of the pressure difference).
 */
export class LearnedActuators implements ActuatorModel {
  /** mmHg/s at full duty extrapolated to 0 mmHg, and the stall pressure. */
  private pumpRateAtZero: number;
  private readonly pumpStallMmhg: number;
  /** Vent rate coefficient: rate = k * sqrt(P). */
  private ventCoefficient: number;

  constructor(initialPumpRateAtZero = 20, pumpStallMmhg = 600, initialVentCoefficient = 4) {
    this.pumpRateAtZero = initialPumpRateAtZero;
    this.pumpStallMmhg = pumpStallMmhg;
    this.ventCoefficient = initialVentCoefficient;
  }

  pumpRateAt(mmhg: number): number {
    return Math.max(0.5, this.pumpRateAtZero * (1 - Math.max(0, mmhg) / this.pumpStallMmhg));
  }

  ventRateAt(mmhg: number): number {
    return Math.max(0.5, this.ventCoefficient * Math.sqrt(Math.max(1, mmhg)));
  }

  /** Observed rise at a pump duty with the vent closed (inflation, refills). */
  observePump(mmhg: number, duty: number, slopeMmhgPerSecond: number, weight = 0.05): void {
    if (duty < 0.5 || slopeMmhgPerSecond <= 0 || mmhg < 20) return;
    const atZero = slopeMmhgPerSecond / duty / Math.max(0.05, 1 - mmhg / this.pumpStallMmhg);
    this.pumpRateAtZero += weight * (atZero - this.pumpRateAtZero);
  }

  /** Observed fall with the vent open this much and the pump off. */
  observeVent(mmhg: number, opening: number, slopeMmhgPerSecond: number, weight = 0.05): void {
    if (opening < 0.3 || slopeMmhgPerSecond >= 0 || mmhg < 20) return;
    const coefficient = -slopeMmhgPerSecond / opening / Math.sqrt(mmhg);
    this.ventCoefficient += weight * (coefficient - this.ventCoefficient);
  }
}

export interface RegulatorState {
  integralRate: number;
  /** The pressure rate the last step asked for (mmHg/s; positive = pump). */
  requestedRate: number;
  /** Band hold: a top-up or a bleed is under way. */
  correcting: "none" | "top-up" | "bleed";
  /** Band hold: the smoothed reading that starts its bleeds (mmHg), null until it runs. */
  heldMmhg: number | null;
}

export function initialRegulatorState(): RegulatorState {
  return { integralRate: 0, requestedRate: 0, correcting: "none", heldMmhg: null };
}

/**
 * Holding still (rests, long holds): the cuff is sealed while the pressure stays
 * within a narrow band, topped up with a short pump burst when it sags below it
 * and bled when swelling pushes it above. A sealed cuff between corrections
 * spares pump and valve, and its decay is the leak, which the supervisor reads.
 */
export const HOLD_BAND = {
  /** Start a top-up this far below the target (share of target). */
  topUpBelow: 0.012,
  /** Start a bleed this far above. */
  bleedAbove: 0.015,
  /** A correction ends this far past the target on its way back. */
  overshoot: 0.003,
  /**
   * A bleed starts on the reading smoothed until a noisy sensor's noise is this share of the band's
   * narrower margin: a bleed opened on a noise peak takes a small cuff several mmHg under the band
   * in one tick...
   */
  smoothedNoiseShare: 0.25,
  /** ...over at most this long (s); under the shortest, the control reading is smooth enough. */
  smoothingMaxSeconds: 0.25,
  smoothingMinSeconds: 0.03,
} as const;

/** How long a still hold smooths a reading with this much white noise (SD, mmHg, sampled every dtSeconds) before it starts a bleed. */
export function holdSmoothingSeconds(noiseSdMmhg: number, targetMmhg: number, dtSeconds: number): number {
  const allowedMmhg = HOLD_BAND.smoothedNoiseShare * HOLD_BAND.topUpBelow * targetMmhg;
  if (!(allowedMmhg > 0) || !(noiseSdMmhg > 0)) return 0;
  // An average over tau seconds leaves white noise about sqrt(dt / (2 tau)) of its SD.
  const seconds = (dtSeconds / 2) * (noiseSdMmhg / allowedMmhg) ** 2;
  return seconds < HOLD_BAND.smoothingMinSeconds ? 0 : Math.min(HOLD_BAND.smoothingMaxSeconds, seconds);
}

/**
 * One step of the band hold. A bleed starts on the reading smoothed over `smoothingSeconds` and
 * ends on the control reading, so the smoothing's lag does not hold it open; the smoothing starts
 * again from where a correction left the reading. A top-up starts on the control reading: one
 * started on noise adds little at the pump's lowest duty, and top-ups into a kinked hose are what
 * shows the kink in a hold (the hose-kink rule's climb).
 */
export function holdBand(
  state: RegulatorState,
  targetMmhg: number,
  reading: { mmhg: number; smoothingSeconds: number },
  dtSeconds: number,
  actuators: ActuatorModel,
  gains: RegulatorGains = DEFAULT_GAINS,
): { actuation: Actuation; state: RegulatorState } {
  const mmhg = reading.mmhg;
  const previous = state.correcting === "none" && reading.smoothingSeconds > 0 ? state.heldMmhg : null;
  const held = previous === null ? mmhg : previous + (1 - Math.exp(-dtSeconds / reading.smoothingSeconds)) * (mmhg - previous);
  let correcting = state.correcting;
  if (correcting === "none" && mmhg < targetMmhg * (1 - HOLD_BAND.topUpBelow)) correcting = "top-up";
  if (correcting === "none" && held > targetMmhg * (1 + HOLD_BAND.bleedAbove)) correcting = "bleed";
  if (correcting === "top-up" && mmhg >= targetMmhg * (1 + HOLD_BAND.overshoot)) correcting = "none";
  if (correcting === "bleed" && mmhg <= targetMmhg * (1 - HOLD_BAND.overshoot)) correcting = "none";
  if (correcting === "none") {
    return { actuation: { pump: 0, vent: 0 }, state: { integralRate: 0, requestedRate: 0, correcting, heldMmhg: held } };
  }
  const aim = correcting === "top-up" ? targetMmhg * (1 + 2 * HOLD_BAND.overshoot) : targetMmhg * (1 - 2 * HOLD_BAND.overshoot);
  const step = regulate({ ...state, integralRate: 0 }, aim, mmhg, dtSeconds, actuators, { ...gains, kiPerSecondSquared: 0, deadbandMmhg: 0 });
  const actuation = correcting === "top-up" ? { pump: Math.max(step.actuation.pump, gains.pumpMinDuty + 0.25), vent: 0 } : { pump: 0, vent: step.actuation.vent };
  return { actuation, state: { integralRate: 0, requestedRate: step.state.requestedRate, correcting, heldMmhg: held } };
}

/** One control step. Pure: returns the actuation and the next state. */
export function regulate(
  state: RegulatorState,
  targetMmhg: number,
  mmhg: number,
  dtSeconds: number,
  actuators: ActuatorModel,
  gains: RegulatorGains = DEFAULT_GAINS,
): { actuation: Actuation; state: RegulatorState } {
  const error = targetMmhg - mmhg;
  const effectiveError = Math.abs(error) <= gains.deadbandMmhg ? 0 : error - Math.sign(error) * gains.deadbandMmhg;
  const pumpMax = actuators.pumpRateAt(mmhg);
  const ventMax = actuators.ventRateAt(mmhg);

  let integral = state.integralRate + gains.kiPerSecondSquared * effectiveError * dtSeconds;
  // Anti-windup: the integral only has to cover leaks, a fraction of either actuator's authority.
  integral = Math.max(-0.3 * ventMax, Math.min(0.5 * pumpMax, integral));

  const rate = gains.kpPerSecond * effectiveError + integral;
  let actuation: Actuation;
  if (rate > 0) {
    const demand = Math.min(1, rate / pumpMax);
    const duty = demand <= 0 ? 0 : gains.pumpMinDuty + demand * (1 - gains.pumpMinDuty);
    actuation = { pump: demand < 0.02 ? 0 : duty, vent: 0 };
    // Conditional integration: do not wind up while the pump is saturated.
    if (demand >= 1 && effectiveError > 0) integral = state.integralRate;
  } else if (rate < 0) {
    const opening = Math.min(1, -rate / ventMax);
    actuation = { pump: 0, vent: opening < 0.01 ? 0 : opening };
    if (opening >= 1 && effectiveError < 0) integral = state.integralRate;
  } else {
    actuation = { pump: 0, vent: 0 };
  }
  return { actuation, state: { integralRate: integral, requestedRate: rate, correcting: "none", heldMmhg: null } };
}
