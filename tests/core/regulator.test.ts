import { describe, expect, it } from "vitest";
import { type ActuatorModel, DEFAULT_GAINS, HOLD_BAND, holdBand, holdSmoothingSeconds, initialRegulatorState, LearnedActuators, regulate, type RegulatorState } from "../../firmware/core/control/regulator.ts";

import { Prng } from "../../hardware/sim/prng.ts";

const DT = 0.01;
/** A cuff whose full pump adds 20 mmHg/s and whose open vent takes 60 mmHg/s, at any pressure. */
const fixed: ActuatorModel = { pumpRateAt: () => 20, ventRateAt: () => 60 };

/** A first-order cuff driven by an actuation: pump duty above the stall duty adds pressure, the vent and a leak take it away. */
function simulate(targetMmhg: number, seconds: number, startMmhg: number, leakMmhgPerSecond: number, step = regulate): number[] {
  let p = startMmhg;
  let state: RegulatorState = initialRegulatorState();
  const trace: number[] = [];
  for (let t = 0; t < seconds; t += DT) {
    const out = step(state, targetMmhg, p, DT, fixed);
    state = out.state;
    const pumpShare = out.actuation.pump > 0 ? (out.actuation.pump - DEFAULT_GAINS.pumpMinDuty) / (1 - DEFAULT_GAINS.pumpMinDuty) : 0;
    p += (20 * pumpShare - 60 * out.actuation.vent - leakMmhgPerSecond) * DT;
    trace.push(p);
  }
  return trace;
}

describe("regulate (PI in pressure-rate space, split-range pump and vent)", () => {
  it("runs the pump flat out far below the target and never opens the vent there", () => {
    const out = regulate(initialRegulatorState(), 150, 140, DT, fixed);
    expect(out.actuation).toEqual({ pump: 1, vent: 0 });
  });

  it("asks for a small duty just below the target: the stall duty plus the share of the pump's authority", () => {
    // 1 mmHg short, 0.6 mmHg deadband: 9/s x 0.4 mmHg = 3.6 mmHg/s plus 0.016 of integral, of 20 mmHg/s.
    const out = regulate(initialRegulatorState(), 150, 149, DT, fixed);
    expect(out.actuation.vent).toBe(0);
    expect(out.actuation.pump).toBeCloseTo(0.15 + (3.616 / 20) * 0.85, 6);
  });

  it("leaves a cuff inside the deadband alone", () => {
    expect(regulate(initialRegulatorState(), 150, 150.5, DT, fixed).actuation).toEqual({ pump: 0, vent: 0 });
    expect(regulate(initialRegulatorState(), 150, 149.5, DT, fixed).actuation).toEqual({ pump: 0, vent: 0 });
  });

  it("opens the vent in proportion above the target, with the pump off", () => {
    // 5 mmHg over: 9/s x 4.4 mmHg = 39.6 mmHg/s plus -0.176 of integral, of 60 mmHg/s.
    const out = regulate(initialRegulatorState(), 150, 155, DT, fixed);
    expect(out.actuation.pump).toBe(0);
    expect(out.actuation.vent).toBeCloseTo(39.776 / 60, 6);
  });

  it("reaches a target from empty and holds it against a 1 mmHg/s leak within the deadband, without overshooting 2 mmHg", () => {
    const trace = simulate(150, 30, 0, 1);
    const last = trace.slice(-500);
    expect(Math.max(...trace)).toBeLessThan(152);
    expect(Math.max(...last.map((p) => Math.abs(p - 150)))).toBeLessThan(DEFAULT_GAINS.deadbandMmhg + 0.1);
  });

  it("does not wind up while the pump is saturated: no overshoot after a long climb", () => {
    const trace = simulate(200, 40, 0, 0);
    expect(Math.max(...trace)).toBeLessThan(201);
  });
});

describe("holdBand (a sealed cuff with top-ups and bleeds)", () => {
  it("keeps the cuff sealed while the pressure stays inside the band", () => {
    for (const p of [150 * (1 - HOLD_BAND.topUpBelow) + 0.01, 150, 150 * (1 + HOLD_BAND.bleedAbove) - 0.01]) {
      expect(holdBand(initialRegulatorState(), 150, { mmhg: p, smoothingSeconds: 0 }, DT, fixed).actuation).toEqual({ pump: 0, vent: 0 });
    }
  });

  it("tops up a sagging cuff with a firm pump burst until just past the target", () => {
    let state = initialRegulatorState();
    let p = 147;
    const duties: number[] = [];
    for (let i = 0; i < 300 && (state.correcting !== "none" || i === 0); i++) {
      const out = holdBand(state, 150, { mmhg: p, smoothingSeconds: 0 }, DT, fixed);
      state = out.state;
      duties.push(out.actuation.pump);
      p += out.actuation.pump > 0 ? 20 * ((out.actuation.pump - 0.15) / 0.85) * DT : 0;
    }
    expect(Math.min(...duties.slice(0, -1))).toBeGreaterThanOrEqual(DEFAULT_GAINS.pumpMinDuty + 0.25);
    expect(p).toBeGreaterThanOrEqual(150 * (1 + HOLD_BAND.overshoot));
    expect(p).toBeLessThan(151.5);
  });

  it("bleeds a swollen cuff through the vent until just under the target", () => {
    let state = initialRegulatorState();
    let p = 153;
    for (let i = 0; i < 300 && (state.correcting !== "none" || i === 0); i++) {
      const out = holdBand(state, 150, { mmhg: p, smoothingSeconds: 0 }, DT, fixed);
      state = out.state;
      expect(out.actuation.pump).toBe(0);
      p -= 60 * out.actuation.vent * DT;
    }
    expect(p).toBeLessThanOrEqual(150 * (1 - HOLD_BAND.overshoot));
    expect(p).toBeGreaterThan(148.5);
  });
});

describe("holdBand with a noisy sensor", () => {
  /**
   * A small arm cuff held at 165 mmHg for 60 s (full pump +40 mmHg/s, open vent -400 mmHg/s, a
   * 12 mmHg/min leak; the regulator believes the vent five times weaker, as learned on a larger
   * cuff), read through a sensor with 2.6 mmHg of white noise and the estimator's 15 ms filter.
   * Returns the share of time the true pressure is within 3 % of the target, its lowest, and how
   * many bleeds the hold opened.
   */
  function holdNoisy(smoothingSeconds: number): { within3: number; lowestMmhg: number; bleeds: number } {
    const noise = new Prng(7);
    const believed: ActuatorModel = { pumpRateAt: () => 40, ventRateAt: () => 80 };
    let state: RegulatorState = initialRegulatorState();
    let trueMmhg = 165;
    let reading = 165;
    let within = 0;
    let lowestMmhg = trueMmhg;
    let bleeds = 0;
    const steps = 60 / DT;
    for (let i = 0; i < steps; i++) {
      reading += (1 - Math.exp(-DT / 0.015)) * (trueMmhg + 2.6 * noise.gaussian() - reading);
      const out = holdBand(state, 165, { mmhg: reading, smoothingSeconds }, DT, believed);
      if (state.correcting !== "bleed" && out.state.correcting === "bleed") bleeds++;
      state = out.state;
      const pumpShare = out.actuation.pump > 0 ? (out.actuation.pump - DEFAULT_GAINS.pumpMinDuty) / (1 - DEFAULT_GAINS.pumpMinDuty) : 0;
      trueMmhg += (40 * pumpShare - 400 * out.actuation.vent - 0.2) * DT;
      lowestMmhg = Math.min(lowestMmhg, trueMmhg);
      if (Math.abs(trueMmhg - 165) <= 0.03 * 165) within++;
    }
    return { within3: within / steps, lowestMmhg, bleeds };
  }

  it("smooths a noisy reading before it opens a bleed, and not a quiet one", () => {
    expect(holdSmoothingSeconds(0.1, 165, DT)).toBe(0);
    expect(holdSmoothingSeconds(2.6, 165, DT)).toBeCloseTo(0.136, 2);
    expect(holdSmoothingSeconds(3, 40, DT)).toBe(HOLD_BAND.smoothingMaxSeconds);
  });

  it("does not bleed a small cuff on the sensor's noise peaks", () => {
    const raw = holdNoisy(0);
    const smoothed = holdNoisy(holdSmoothingSeconds(2.6, 165, DT));
    expect(raw.bleeds).toBeGreaterThan(150);
    expect(smoothed.bleeds).toBeLessThan(raw.bleeds / 5);
    expect(smoothed.within3).toBeGreaterThan(0.99);
  });
});

describe("LearnedActuators", () => {
  it("learns a weaker pump from observed rises, and ignores pulses too small or too low to judge", () => {
    const learned = new LearnedActuators();
    const before = learned.pumpRateAt(150);
    for (let i = 0; i < 200; i++) learned.observePump(150, 1, 5);
    expect(learned.pumpRateAt(150)).toBeCloseTo(5, 1);
    expect(before).toBeGreaterThan(10);
    const untouched = new LearnedActuators();
    untouched.observePump(150, 0.3, 5);
    untouched.observePump(10, 1, 5);
    expect(untouched.pumpRateAt(150)).toBe(before);
  });

  it("learns the vent's orifice law: a fall rate growing with the square root of the pressure", () => {
    const learned = new LearnedActuators();
    for (let i = 0; i < 200; i++) learned.observeVent(100, 1, -30);
    expect(learned.ventRateAt(100)).toBeCloseTo(30, 1);
    expect(learned.ventRateAt(25)).toBeCloseTo(15, 1);
  });
});
