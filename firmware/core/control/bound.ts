/**
 * The physical bound of regulation during a set: what the best possible controller
 * could hold, given how fast the pump can raise the cuff pressure and the vent can
 * lower it at the target, against a limb whose contractions would lift a sealed
 * cuff by `swingMmhg` once per rep (a sin^2 bulge over the whole rep) while the
 * muscle pump empties the veins under it (a drop of `relaxedDropMmhg` building over
 * the first reps).
 *
 * The cuff pressure is target + e with e' = d' - x', where d is the limb's
 * disturbance and x' the air the controller removes (vent, up to ventRate) or adds
 * (pump, up to pumpRate). The best controller knows d ahead: the bound is
 * clairvoyant, so no real controller beats it. Pure functions, no state.
 */

export interface BoundInput {
  targetMmhg: number;
  /** Sealed-cuff rise of one contraction at the target, mmHg. */
  swingMmhg: number;
  repSeconds: number;
  /** Net rate with the pump at full duty and the vent shut, at the target (mmHg/s, leak deducted). */
  pumpRateMmhgPerSecond: number;
  /** Rate with the vent fully open and the pump off, at the target (mmHg/s, as a positive number). */
  ventRateMmhgPerSecond: number;
}

/** A contraction's sealed rise over one rep: sin^2 of the rep's phase (hardware/sim/limb.ts draws reps this way). */
function disturbanceRate(swingMmhg: number, repSeconds: number, tSeconds: number): number {
  return ((swingMmhg * Math.PI) / repSeconds) * Math.sin((2 * Math.PI * tSeconds) / repSeconds);
}

const STEPS_PER_REP = 200;

/** Whether some periodic e stays within +-halfBand: the set of reachable e, narrowed to the band, never empties over a few reps. */
function holdable(input: BoundInput, halfBandMmhg: number): boolean {
  const dt = input.repSeconds / STEPS_PER_REP;
  let low = -halfBandMmhg;
  let high = halfBandMmhg;
  for (let rep = 0; rep < 4; rep++) {
    for (let i = 0; i < STEPS_PER_REP; i++) {
      const d = disturbanceRate(input.swingMmhg, input.repSeconds, (i + 0.5) * dt);
      low = Math.max(-halfBandMmhg, low + (d - input.ventRateMmhgPerSecond) * dt);
      high = Math.min(halfBandMmhg, high + (d + input.pumpRateMmhgPerSecond) * dt);
      if (low > high) return false;
    }
  }
  return true;
}

/**
 * The smallest +-band (mmHg) any controller could hold through steady reps; a pump
 * or vent with no authority left at the target cannot hold any band.
 */
export function smallestHalfBandMmhg(input: BoundInput): number {
  if (input.pumpRateMmhgPerSecond <= 0 || input.ventRateMmhgPerSecond <= 0) return Number.POSITIVE_INFINITY;
  let low = 0;
  let high = input.swingMmhg / 2 + 1e-6;
  if (holdable(input, 1e-6)) return 0;
  for (let i = 0; i < 30; i++) {
    const mid = (low + high) / 2;
    if (holdable(input, mid)) high = mid;
    else low = mid;
  }
  return high;
}

export interface SetBoundInput extends BoundInput {
  /** How far the emptied veins would drop a sealed cuff, reached over the first reps. */
  relaxedDropMmhg: number;
  /** Reps of the set and the veins' emptying time constant in reps. */
  reps: number;
  emptyingReps: number;
  /** The band judged, mmHg either side of the target. */
  halfBandMmhg: number;
}

/**
 * The largest share of a set's time within +-halfBand that any controller could reach,
 * starting on target: dynamic programming over a grid of e, by 20 ms steps, backwards in
 * time. The grid is fine enough that the pump moves e by at least four cells a step, and
 * each step's reach is rounded outwards, so the share is never below the true optimum.
 */
export function bestShareWithinBand(input: SetBoundInput): number {
  const dt = 0.02;
  const steps = Math.max(1, Math.round((input.reps * input.repSeconds) / dt));
  const band = input.halfBandMmhg;
  const span = Math.max(4 * band, input.swingMmhg + input.relaxedDropMmhg + band);
  const cell = Math.max((input.pumpRateMmhgPerSecond * dt) / 4, span / 3000, 1e-3);
  const cells = 2 * Math.ceil(span / cell) + 1;
  const mid = (cells - 1) / 2;
  const inBand = new Float64Array(cells);
  for (let j = 0; j < cells; j++) inBand[j] = Math.abs((j - mid) * cell) <= band ? 1 : 0;
  let value = new Float64Array(cells);
  let next = new Float64Array(cells);
  const window = new Int32Array(cells);
  const tau = input.emptyingReps * input.repSeconds;
  for (let k = steps - 1; k >= 0; k--) {
    const t = (k + 0.5) * dt;
    const drift = disturbanceRate(input.swingMmhg, input.repSeconds, t) - (input.relaxedDropMmhg / tau) * Math.exp(-t / tau);
    // From cell j the next e lies in [e + (drift - vent) dt, e + (drift + pump) dt]: a sliding maximum.
    const from = Math.floor(((drift - input.ventRateMmhgPerSecond) * dt) / cell);
    const to = Math.ceil(((drift + input.pumpRateMmhgPerSecond) * dt) / cell);
    let head = 0;
    let tail = 0;
    let added = Math.max(0, from);
    for (let j = 0; j < cells; j++) {
      const hi = Math.min(cells - 1, j + to);
      for (; added <= hi; added++) {
        while (tail > head && value[window[tail - 1]!]! <= value[added]!) tail--;
        window[tail++] = added;
      }
      const lo = Math.max(0, j + from);
      while (tail > head && window[head]! < lo) head++;
      next[j] = inBand[j]! * dt + (tail > head && lo <= hi ? value[window[head]!]! : 0);
    }
    [value, next] = [next, value];
  }
  return Math.min(1, value[mid]! / (steps * dt));
}
