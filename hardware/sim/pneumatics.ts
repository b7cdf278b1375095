/**
 * Pneumatics of the cuff: a pure step function over air amounts.
 *
 * Two compartments: the bladder (cuff side: its leaks) and the box (manifold
 * and hose volume: pump with its check valve, vent, relief valve, sensor),
 * joined by the hose's flow resistance, which a kink closes. Air is counted in
 * mL at atmospheric pressure (isothermal ideal gas: air = (1 + P/760) * volume)
 * and changes only by the flows through pump, vent, relief valve and leaks, so
 * a sealed cuff without a leak keeps its air exactly; its pressure then moves
 * only with the limb.
 *
 * Integration: linearly implicit Euler on the two air amounts (stable for the
 * stiff hose, whose time constant is about a millisecond, and the steep relief
 * valve), with substeps sized so the pressure moves at most a couple of mmHg per substep.
 */
import { ATMOSPHERE_MMHG, BLADDER_LAW } from "./reference-parts.ts";

export interface PneumaticParams {
  /** Bladder area pressed on the limb: cuff width times limb circumference. */
  bladderAreaCm2: number;
  /** Hose, manifold and valve bodies: the box side. */
  deadVolumeMl: number;
  /** Hose pressure drop = (laminar * Q + turbulent * Q^2) / (density / density at 1 atm), Q in mL/s of atmospheric air. */
  hoseLaminarMmhgPerMlPerS: number;
  hoseTurbulentMmhgPerMlPerS2: number;
  /** Pump free flow in mL/s of atmospheric air. */
  pumpFreeFlowMlPerS: number;
  pumpStallMmhg: number;
  pumpMinDuty: number;
  pumpSpinUpSeconds: number;
  checkValveCrackingMmhg: number;
  /** Discharge coefficient times area of the fully open vent. */
  ventEffectiveAreaMm2: number;
  reliefCrackingMmhg: number;
  reliefConductanceMlPerSecondPerMmhg: number;
  /** Discharge coefficient times area of the cuff's own leak (the scenario's leakMmhgPerMin). */
  leakEffectiveAreaMm2: number;
}

export interface PneumaticState {
  /** Air in the bladder, mL at atmospheric pressure. */
  cuffAirMl: number;
  /** Air in hose and manifold, mL at atmospheric pressure. */
  hoseAirMl: number;
  /** Gauge pressures in the bladder and in the box (where the sensor is). */
  cuffMmhg: number;
  hoseMmhg: number;
  /** Motor speed as a share of full speed. */
  pumpSpeed: number;
  /** Limb volume taken from the bladder at the end of the last step (see PneumaticEnvironment). */
  limbVolumeMl: number;
}

export interface PneumaticEnvironment {
  /**
   * Volume the limb takes from the bladder at the end of this step, relative to
   * a resting limb: arterial pulses, muscle contraction, swelling, knocks.
   */
  limbVolumeMl: number;
  /** Hose blocked: the bladder is cut off from the box (pump, vent, relief valve and sensor). */
  kinked: boolean;
  /** Extra holes in the bladder (leak faults, a burst), discharge coefficient times area. */
  extraLeakAreaMm2: number;
}

const P_ATM = ATMOSPHERE_MMHG;
/** 2 * 133.322 Pa/mmHg / 1.204 kg/m^3 (air at 20 degC): turns mm^2 and mmHg into mL/s. */
const ORIFICE_CONSTANT = (2 * 133.322) / 1.204;
/** Below about half a mmHg an orifice flow turns laminar; this also keeps its slope finite at zero. */
const LAMINAR_MMHG = 0.5;
/** Expansion factor slope of a sharp orifice (ISO 5167: 0.41 / kappa with kappa = 1.4). */
const EXPANSION_SLOPE = 0.41 / 1.4;
/** Largest pressure change per substep. */
const MAX_SUBSTEP_MMHG = 2;
const MAX_SUBSTEPS = 64;
/** Air never drops to exactly zero (a volume is never a perfect vacuum). */
const MIN_AIR_ML = 1e-6;

/** Bladder volume at gauge pressure p with a resting limb. */
export function bladderVolumeMl(params: PneumaticParams, mmhg: number): number {
  const { slackCm, fillCm, fillMmhg, tissueCmPerMmhg } = BLADDER_LAW;
  if (mmhg >= 0) return params.bladderAreaCm2 * (slackCm + fillCm * (1 - Math.exp(-mmhg / fillMmhg)) + tissueCmPerMmhg * mmhg);
  // Below atmosphere the flat bladder empties smoothly (same slope at 0, never negative).
  const slope = (fillCm / fillMmhg + tissueCmPerMmhg) / slackCm;
  return params.bladderAreaCm2 * slackCm * Math.exp(slope * mmhg);
}

/** dV/dP of the bladder, mL per mmHg. */
export function bladderComplianceMlPerMmhg(params: PneumaticParams, mmhg: number): number {
  const { slackCm, fillCm, fillMmhg, tissueCmPerMmhg } = BLADDER_LAW;
  if (mmhg >= 0) return params.bladderAreaCm2 * ((fillCm / fillMmhg) * Math.exp(-mmhg / fillMmhg) + tissueCmPerMmhg);
  const slope = (fillCm / fillMmhg + tissueCmPerMmhg) / slackCm;
  return params.bladderAreaCm2 * slackCm * slope * Math.exp(slope * mmhg);
}

/** Air (mL at atmosphere) a compartment holds at gauge p: bladder (optional) plus a fixed volume, less the limb's share. */
export function airAtMl(params: PneumaticParams, mmhg: number, withBladder: boolean, fixedMl: number, limbVolumeMl: number): number {
  const volume = (withBladder ? bladderVolumeMl(params, mmhg) - limbVolumeMl : 0) + fixedMl;
  return (1 + mmhg / P_ATM) * volume;
}

/** d(air)/dP of a compartment: how much air one more mmHg takes, mL per mmHg. */
export function airComplianceMlPerMmhg(
  params: PneumaticParams,
  mmhg: number,
  withBladder: boolean,
  fixedMl: number,
  limbVolumeMl: number,
): number {
  if (!withBladder) return fixedMl / P_ATM;
  let volume: number;
  let compliance: number;
  if (mmhg >= 0) {
    const { slackCm, fillCm, fillMmhg, tissueCmPerMmhg } = BLADDER_LAW;
    const e = Math.exp(-mmhg / fillMmhg);
    volume = params.bladderAreaCm2 * (slackCm + fillCm * (1 - e) + tissueCmPerMmhg * mmhg);
    compliance = params.bladderAreaCm2 * ((fillCm / fillMmhg) * e + tissueCmPerMmhg);
  } else {
    volume = bladderVolumeMl(params, mmhg);
    compliance = bladderComplianceMlPerMmhg(params, mmhg);
  }
  return (volume - limbVolumeMl + fixedMl) / P_ATM + (1 + mmhg / P_ATM) * compliance;
}

/**
 * Air flow through an orifice from the side at `fromMmhg` to the side at `toMmhg`
 * (negative when it runs backwards), mL/s of atmospheric air. Incompressible
 * orifice law with the ISO 5167 expansion factor and the upstream density:
 * Q = CdA * Y * sqrt(2 dP rho_up) / rho_atm.
 */
export function orificeFlowMlPerS(effectiveAreaMm2: number, fromMmhg: number, toMmhg: number): number {
  if (effectiveAreaMm2 <= 0) return 0;
  const dp = fromMmhg - toMmhg;
  const adp = Math.abs(dp);
  const upstreamAbs = (dp >= 0 ? fromMmhg : toMmhg) + P_ATM;
  const expansion = 1 - (EXPANSION_SLOPE * adp) / upstreamAbs;
  const q = effectiveAreaMm2 * expansion * Math.sqrt((ORIFICE_CONSTANT * upstreamAbs) / P_ATM) * (adp / Math.sqrt(adp + LAMINAR_MMHG));
  return dp >= 0 ? q : -q;
}

/** Pump speed the motor settles at for a PWM duty (none below the minimum duty). */
export function pumpSpeedForDuty(params: PneumaticParams, duty: number): number {
  if (!(duty > params.pumpMinDuty)) return 0;
  return Math.min(1, (duty - params.pumpMinDuty) / (1 - params.pumpMinDuty));
}

/**
 * Pump delivery through its check valve into a compartment at gauge p: free flow
 * scaled by speed, falling linearly to nothing at the stall pressure (diaphragm
 * pump curve); the check valve allows no reverse flow.
 */
export function pumpFlowMlPerS(params: PneumaticParams, speed: number, mmhg: number): number {
  const head = 1 - (Math.max(0, mmhg) + params.checkValveCrackingMmhg) / params.pumpStallMmhg;
  return head > 0 ? params.pumpFreeFlowMlPerS * speed * head : 0;
}

/** Spring relief valve: closed below cracking, then a steep linear opening. */
export function reliefFlowMlPerS(params: PneumaticParams, mmhg: number): number {
  return mmhg > params.reliefCrackingMmhg ? params.reliefConductanceMlPerSecondPerMmhg * (mmhg - params.reliefCrackingMmhg) : 0;
}

/**
 * Flow through the hose from the box at `fromMmhg` to the cuff at `toMmhg`,
 * mL/s of atmospheric air (negative back to the box): the positive root of
 * dP = (laminar * Q + turbulent * Q^2) / density.
 */
export function hoseFlowMlPerS(params: PneumaticParams, fromMmhg: number, toMmhg: number): number {
  const dp = fromMmhg - toMmhg;
  if (dp === 0) return 0;
  const density = ((fromMmhg + toMmhg) / 2 + P_ATM) / P_ATM;
  const laminar = params.hoseLaminarMmhgPerMlPerS / density;
  const turbulent = params.hoseTurbulentMmhgPerMlPerS2 / density;
  const adp = Math.abs(dp);
  const q = (2 * adp) / (laminar + Math.sqrt(laminar * laminar + 4 * turbulent * adp));
  return dp > 0 ? q : -q;
}

/** d(hose flow)/d(pressure difference) at flow q, mL/s per mmHg. */
function hoseConductance(params: PneumaticParams, fromMmhg: number, toMmhg: number, q: number): number {
  const density = ((fromMmhg + toMmhg) / 2 + P_ATM) / P_ATM;
  return density / (params.hoseLaminarMmhgPerMlPerS + 2 * params.hoseTurbulentMmhgPerMlPerS2 * Math.abs(q));
}

/** Net inflow of the pump side (pump in; vent and relief out), mL/s. */
function hoseSideFlow(params: PneumaticParams, speed: number, ventArea: number, mmhg: number): number {
  return pumpFlowMlPerS(params, speed, mmhg) - orificeFlowMlPerS(ventArea, mmhg, 0) - reliefFlowMlPerS(params, mmhg);
}

/** Net inflow of the bladder on its own (its leaks), mL/s. */
function cuffSideFlow(params: PneumaticParams, extraLeakArea: number, mmhg: number): number {
  return -orificeFlowMlPerS(params.leakEffectiveAreaMm2 + extraLeakArea, mmhg, 0);
}

/**
 * Gauge pressure at which a compartment holds `airMl`: safeguarded Newton on
 * air(P) = airMl, which has exactly one root above -760 mmHg.
 */
/** How far under atmosphere (mmHg) a bladder still follows a limb shrinking away from it. */
const LIFT_OFF_MMHG = 0.5;

export function solvePressureMmhg(
  params: PneumaticParams,
  airMl: number,
  withBladder: boolean,
  fixedMl: number,
  limbVolumeMl: number,
  guessMmhg: number,
): number {
  if (!withBladder) return (P_ATM * airMl) / fixedMl - P_ATM;
  const area = params.bladderAreaCm2;
  const { slackCm, fillCm, fillMmhg, tissueCmPerMmhg } = BLADDER_LAW;
  let lo = -P_ATM;
  let hi = Number.POSITIVE_INFINITY;
  let p = guessMmhg;
  for (let i = 0; i < 60; i++) {
    // Bladder volume and compliance share one exponential (this loop is the simulator's hot spot).
    let volume: number;
    let compliance: number;
    if (p >= 0) {
      const e = Math.exp(-p / fillMmhg);
      volume = area * (slackCm + fillCm * (1 - e) + tissueCmPerMmhg * p);
      compliance = area * ((fillCm / fillMmhg) * e + tissueCmPerMmhg);
    } else {
      volume = bladderVolumeMl(params, p);
      compliance = bladderComplianceMlPerMmhg(params, p);
    }
    // A limb shrinking away from a bladder below atmosphere leaves a gap, not a vacuum: the bladder
    // only follows it while pressed on it (the coupling fades within about a mmHg under zero).
    const lifting = limbVolumeMl < 0 && p < 0;
    const coupling = lifting ? Math.exp(p / LIFT_OFF_MMHG) : 1;
    const free = volume - limbVolumeMl * coupling + fixedMl;
    const scale = 1 + p / P_ATM;
    const g = scale * free - airMl;
    const slope = free / P_ATM + scale * (compliance - (lifting ? (limbVolumeMl * coupling) / LIFT_OFF_MMHG : 0));
    const step = g / slope;
    if (slope > 0 && Math.abs(step) < 1e-10) return p - step;
    if (g > 0) hi = p;
    else lo = p;
    let next = p - step;
    if (!(slope > 0) || !(next > lo && next < hi)) next = hi === Number.POSITIVE_INFINITY ? Math.max(2 * p, p + 50) : (lo + hi) / 2;
    p = next;
  }
  return p;
}

/** Both compartments at rest at one pressure. */
export function initialPneumaticState(params: PneumaticParams, mmhg = 0, limbVolumeMl = 0): PneumaticState {
  return {
    cuffAirMl: airAtMl(params, mmhg, true, 0, limbVolumeMl),
    hoseAirMl: airAtMl(params, mmhg, false, params.deadVolumeMl, 0),
    cuffMmhg: mmhg,
    hoseMmhg: mmhg,
    pumpSpeed: 0,
    limbVolumeMl,
  };
}

const SLOPE_PROBE_MMHG = 0.01;
/** Within this share of full speed the motor is at its target speed. */
const SPEED_SETTLED = 1e-3;

/**
 * Advance `state` in place by dtSeconds. pumpDuty and ventOpening are 0..1
 * (vent 1 = fully open); out-of-range or NaN commands are taken as the safe
 * state's (pump off, vent open).
 */
export function advancePneumatics(
  params: PneumaticParams,
  state: PneumaticState,
  pumpDuty: number,
  ventOpening: number,
  dtSeconds: number,
  env: PneumaticEnvironment,
): void {
  if (!(dtSeconds > 0)) return;
  const duty = pumpDuty >= 0 && pumpDuty <= 1 ? pumpDuty : pumpDuty > 1 ? 1 : 0;
  const vent = ventOpening >= 0 && ventOpening <= 1 ? ventOpening : ventOpening < 0 ? 0 : 1;
  const ventArea = vent * params.ventEffectiveAreaMm2;
  const targetSpeed = pumpSpeedForDuty(params, duty);
  const startLimb = state.limbVolumeMl;
  const endLimb = env.limbVolumeMl;
  const dead = params.deadVolumeMl;

  // Size the substeps from the current rate of pressure change (and the limb's).
  const cuffCompliance = airComplianceMlPerMmhg(params, state.cuffMmhg, true, env.kinked ? 0 : dead, startLimb);
  const speedBound = Math.max(state.pumpSpeed, targetSpeed);
  let rate: number;
  if (env.kinked) {
    const hoseRate = Math.abs(hoseSideFlow(params, speedBound, ventArea, state.hoseMmhg)) / (dead / P_ATM);
    rate = Math.max(hoseRate, Math.abs(cuffSideFlow(params, env.extraLeakAreaMm2, state.cuffMmhg)) / cuffCompliance);
  } else {
    const flow = hoseSideFlow(params, speedBound, ventArea, state.hoseMmhg) + cuffSideFlow(params, env.extraLeakAreaMm2, state.cuffMmhg);
    rate = Math.abs(flow) / cuffCompliance;
  }
  const limbRate = Math.abs(endLimb - startLimb) / dtSeconds / cuffCompliance;
  const substeps = Math.min(MAX_SUBSTEPS, Math.max(1, Math.ceil(((rate + limbRate) * dtSeconds) / MAX_SUBSTEP_MMHG)));
  const h = dtSeconds / substeps;
  const spinUp = 1 - Math.exp(-h / params.pumpSpinUpSeconds);
  const boxCompliance = dead / P_ATM;

  for (let i = 1; i <= substeps; i++) {
    state.pumpSpeed += (targetSpeed - state.pumpSpeed) * spinUp;
    // A coasting motor stops for good (friction), rather than creeping towards zero forever.
    if (Math.abs(targetSpeed - state.pumpSpeed) < SPEED_SETTLED) state.pumpSpeed = targetSpeed;
    const previousLimb = startLimb + ((endLimb - startLimb) * (i - 1)) / substeps;
    const limb = startLimb + ((endLimb - startLimb) * i) / substeps;
    const pc = state.cuffMmhg;
    const pb = state.hoseMmhg;
    // Flows out of or into each compartment and their slopes against its own pressure.
    const fb = hoseSideFlow(params, state.pumpSpeed, ventArea, pb);
    const sb = Math.min(0, (hoseSideFlow(params, state.pumpSpeed, ventArea, pb + SLOPE_PROBE_MMHG) - fb) / SLOPE_PROBE_MMHG);
    const fc = cuffSideFlow(params, env.extraLeakAreaMm2, pc);
    const sc = Math.min(0, (cuffSideFlow(params, env.extraLeakAreaMm2, pc + SLOPE_PROBE_MMHG) - fc) / SLOPE_PROBE_MMHG);
    const q = env.kinked ? 0 : hoseFlowMlPerS(params, pb, pc);
    const g = env.kinked ? 0 : hoseConductance(params, pb, pc, q);
    const cc = airComplianceMlPerMmhg(params, pc, true, 0, limb);
    // Linearly implicit Euler: (I - h J) dAir = h F, J the flow slopes over the air compliances.
    const m11 = 1 - (h * (sc - g)) / cc;
    const m12 = (-h * g) / boxCompliance;
    const m21 = (-h * g) / cc;
    const m22 = 1 - (h * (sb - g)) / boxCompliance;
    const rc = h * (fc + q);
    const rb = h * (fb - q);
    const det = m11 * m22 - m12 * m21;
    const dCuff = (rc * m22 - m12 * rb) / det;
    const dBox = (m11 * rb - m21 * rc) / det;

    const before = state.cuffAirMl;
    state.cuffAirMl = Math.max(MIN_AIR_ML, before + dCuff);
    // First guess: the linearised change from the air added and the limb's push.
    const guess = pc + (state.cuffAirMl - before + (1 + pc / P_ATM) * (limb - previousLimb)) / cc;
    state.cuffMmhg = solvePressureMmhg(params, state.cuffAirMl, true, 0, limb, guess);
    state.hoseAirMl = Math.max(MIN_AIR_ML, state.hoseAirMl + dBox);
    state.hoseMmhg = solvePressureMmhg(params, state.hoseAirMl, false, dead, 0, pb);
  }
  state.limbVolumeMl = endLimb;
}

/** The pure form: returns the next state and leaves `state` untouched. */
export function stepPneumatics(
  params: PneumaticParams,
  state: PneumaticState,
  pumpDuty: number,
  ventOpening: number,
  dtSeconds: number,
  env: PneumaticEnvironment,
): PneumaticState {
  const next = { ...state };
  advancePneumatics(params, next, pumpDuty, ventOpening, dtSeconds, env);
  return next;
}

/**
 * Limb volume change that moves a sealed cuff (cuff plus hose, no flow) from
 * `fromMmhg` by `deltaMmhg`; negative when the limb must shrink. Used to turn
 * "a sealed cuff at the target would swing by N mmHg" into millilitres.
 */
export function limbVolumeForSealedChangeMl(params: PneumaticParams, fromMmhg: number, deltaMmhg: number): number {
  const air = airAtMl(params, fromMmhg, true, params.deadVolumeMl, 0);
  const to = fromMmhg + deltaMmhg;
  return bladderVolumeMl(params, to) + params.deadVolumeMl - air / (1 + to / P_ATM);
}

/** Effective area (CdA) of a hole that bleeds a sealed cuff by `mmhgPerMin` at `atMmhg`. */
export function leakAreaForRateMm2(params: PneumaticParams, mmhgPerMin: number, atMmhg = 200): number {
  if (mmhgPerMin <= 0) return 0;
  const airPerSecond = (mmhgPerMin / 60) * airComplianceMlPerMmhg(params, atMmhg, true, params.deadVolumeMl, 0);
  return airPerSecond / orificeFlowMlPerS(1, atMmhg, 0);
}
