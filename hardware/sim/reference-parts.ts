/**
 * The reference parts of hardware/ as numbers the simulator uses. Scenario
 * files override some of them (hardware.*, cuff.*); the rest are fixed here.
 * Each number says where it comes from; "model choice" marks a value picked to
 * make the model behave like the published devices rather than read off a datasheet.
 */

/** Standard atmosphere; the simulator works in gauge mmHg against this. */
export const ATMOSPHERE_MMHG = 760;

export const REFERENCE_PUMP = {
  /** 12 V diaphragm pump, 370-motor class: catalogue free flow 2.5-3.5 L/min. */
  freeFlowLpm: 3.0,
  /** Catalogue maximum pressure of the same class, 70-85 kPa (about 525-640 mmHg). */
  stallMmhg: 600,
  /** Mechanical time constant of a 370 motor with a diaphragm load (no-load spin-up 50-100 ms). */
  spinUpSeconds: 0.08,
  /** Below about 15 % PWM a 370 motor does not overcome the diaphragm's friction (also hardware profile pump.minDuty). */
  minDuty: 0.15,
} as const;

export const REFERENCE_CHECK_VALVE = {
  /** Inline disc/duckbill check valves for air pumps crack at about 0.5 kPa. */
  crackingMmhg: 4,
} as const;

export const REFERENCE_VENT_VALVE = {
  /**
   * 12 V direct-acting normally-open air solenoid valve with a 2.0 mm orifice (hardware/bom.json):
   * vents the median thigh cuff from 300 to 15 mmHg in about 3.5 s and the largest in about 4.9 s
   * (bench/pump-sizing.ts); 1.6 mm missed the 5 s aim on large thighs.
   */
  orificeMm: 2.0,
  /** Sharp-edged orifice discharge coefficient (0.6-0.65 in the textbooks). */
  dischargeCoefficient: 0.6,
} as const;

export const REFERENCE_RELIEF_VALVE = {
  /** Spring relief valve chosen to crack below the 330 mmHg of the BP-cuff standards, with margin for its tolerance. */
  crackingMmhg: 320,
  /**
   * Flow gained per mmHg above cracking. Model choice: the valve passes the pump's whole flow at
   * that pressure (about 25 mL/s) within about 3 mmHg, the overpressure of a small poppet valve.
   */
  conductanceMlPerSecondPerMmhg: 10,
} as const;

export const REFERENCE_PLUMBING = {
  /** Hose between the box and the cuff. */
  hoseLengthM: 1.5,
  hoseInnerMm: 4,
  /** Manifold, pump head, valve bodies and sensor port. */
  manifoldMl: 10,
} as const;

/** Volume of a hose, mL: pi * r^2 * L (the reference hose holds 18.8 mL, 28.8 mL with the manifold). */
export function hoseVolumeMl(lengthM: number, innerMm: number): number {
  return Math.PI * (innerMm / 20) ** 2 * (lengthM * 100);
}

/**
 * Air flow in the hose: pressure drop = laminar (Poiseuille) + turbulent
 * (Darcy with fittings) terms. At the pump's 50 mL/s the reference hose drops
 * about 2.6 mmHg; at the 300+ mL/s of a full vent, about 30 mmHg, so during fast
 * venting the sensor in the box reads well below the cuff.
 */
export const HOSE_FLOW = {
  /** Air at 20 degC. */
  viscosityPaS: 1.81e-5,
  densityKgPerM3: 1.204,
  /** Smooth tube at Reynolds numbers 5000-20000 (Blasius: 0.316 Re^-0.25 = 0.028-0.038). */
  frictionFactor: 0.03,
  /** Barbed fittings at both ends and the cuff inlet, loss coefficients summed. */
  fittingsLossK: 1.5,
} as const;

export const REFERENCE_CUFFS = {
  /** Thigh cuff bladder width (the width of the Delfi/clinical thigh cuffs of BRIEF.md's table). */
  legWidthCm: 11.5,
  /** Upper-arm cuff bladder width (common 10 cm BFR arm cuffs). */
  armWidthCm: 10,
} as const;

/**
 * Bladder pressure-volume law, per cm^2 of bladder pressed on the limb:
 *   V(P) = area * (slack + fill * (1 - exp(-P / fillMmhg)) + tissue * P)
 * A wrapped bladder first fills its slack and takes up the give of the
 * wrap (large compliance at low pressure), then mostly compresses soft tissue
 * (small, nearly constant compliance): it stiffens as it fills. The numbers
 * give an adult arm cuff (10 x 31 cm) about 0.8 mL/mmHg at 100 mmHg, 2.8 mL/mmHg
 * at 20 mmHg and 270 mL at 200 mmHg, the order of oscillometric-cuff
 * compliance measurements (0.5-3 mL/mmHg) and of the air a BP monitor pumps (model choice within those).
 */
export const BLADDER_LAW = {
  /** Air left in a vented bladder lying flat on the limb, cm (i.e. mL per cm^2). */
  slackCm: 0.08,
  /** Extra thickness taken up by the wrap's give and the first tissue indentation, cm. */
  fillCm: 0.49,
  /** Pressure scale over which that give is taken up. */
  fillMmhg: 40,
  /** Soft-tissue compression at high pressure, cm per mmHg. */
  tissueCmPerMmhg: 0.0015,
} as const;

/**
 * Pressure sensor and ADC: the reference profile (hardware/profiles/reference-nano.json):
 * XGZP6847A 0-50 kPa (0.5-4.5 V) read by an ADS1115 and reported as 14-bit counts at 100 Hz,
 * noise 0.15 mmHg after the board's filtering. Only the drift lives here.
 */
export const REFERENCE_SENSOR = {
  /** Zero drift of a piezoresistive gauge sensor warming up in a box: a few tenths of a mmHg over a session. */
  driftMmhgPerMin: 0.05,
} as const;

/**
 * The second pressure sensor: the reference profile's secondarySensor (hardware/profiles/reference-nano.json):
 * MPX5050GP 0-50 kPa (0.2-4.7 V, 12.0 mV/mmHg) read by the ATmega328P's 10-bit ADC, 0.41 mmHg per count,
 * noise 0.3 mmHg after the sketch's averaging. Only the drift lives here.
 */
export const REFERENCE_SECONDARY_SENSOR = {
  /** The same warm-up drift as the first sensor: the datasheet's offset stability (0.5 % of span) spread over hours. */
  driftMmhgPerMin: 0.05,
} as const;
