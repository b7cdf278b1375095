/**
 * Regulation behind a hose that limits the line: pulse, then read the cuff.
 *
 * Behind a few metres of 2-3 mm hose the pump lifts the reading by tens of mmHg
 * within a few hundredths of a second and the vent empties it as fast, while the
 * cuff moves a few mmHg a second. A loop on the reading then holds the line, not
 * the cuff, and chatters between pump and vent many times a second with the cuff
 * left short. Here each correction is a pulse of the pump or the vent sized by
 * what earlier pulses did to this cuff, followed by a sealed moment in which the
 * line settles on the cuff and the cuff is read.
 */
import { type Actuation, SEALED } from "../actuation.ts";

export const PULSED = {
  /** A hose whose drop at the pump's full flow is this share of the target or more limits the line. */
  lineLimitedShare: 0.2,
  /** After a pulse the line settles on the cuff for this long (a few of its time constants), then the cuff is read as the mean over readSeconds. */
  settleSeconds: 0.25,
  readSeconds: 0.05,
  /** Errors within this share of the target are left alone. */
  deadbandShare: 0.005,
  /** Pulse lengths: the shortest, and the longest of the pump and of the vent. */
  minPulseSeconds: 0.02,
  maxPumpPulseSeconds: 0.5,
  maxVentPulseSeconds: 0.15,
  /**
   * The vent opens this far for its pulses (what a second of it does is learned at this opening): a
   * full vent empties a narrow hose's pump side at once, which the hose-kink rule takes for a hose cut off.
   */
  ventOpening: 0.5,
  /** A pulse aims this share of the error (the rest is left to the next, so an overshoot stays small). */
  aimShare: 0.7,
  /** Weight of each pulse's outcome in what a second of the pump or vent does to this cuff. */
  learnWeight: 0.4,
  /** A pulse that moved the cuff less than this (mmHg) halves what a second of it is taken to do: the next is longer. */
  learnMinMmhg: 0.5,
} as const;

type Stage = { kind: "read"; since: number; sum: number; count: number } | { kind: "pump" | "vent"; until: number; seconds: number; fromMmhg: number };

export class PulsedRegulator {
  private stage: Stage | null = null;
  /** The cuff's pressure at the last read, and what the last pulse was. */
  private lastReadMmhg: number | null = null;
  private lastPulse: { kind: "pump" | "vent"; seconds: number; fromMmhg: number } | null = null;
  /** mmHg a second of a pump pulse and of a vent pulse move this cuff, once a pulse has shown it. */
  private pumpMmhgPerSecond: number | null = null;
  private ventMmhgPerSecond: number | null = null;

  /** The cuff's pressure at the last sealed read, null before one. */
  get cuffMmhg(): number | null {
    return this.lastReadMmhg;
  }

  /** Starts afresh for a new target: what pulses do to this cuff is kept. */
  restart(): void {
    this.stage = null;
    this.lastPulse = null;
  }

  /**
   * One tick: the reading, the aim, and the rates (mmHg/s) the learned actuator model gives for full
   * pump and full vent at this pressure, used until pulses have shown this cuff's own.
   */
  step(t: number, readingMmhg: number, aimMmhg: number, pumpRateGuess: number, ventRateGuess: number): Actuation {
    const stage = this.stage ?? this.startRead(t);
    if (stage.kind !== "read") {
      if (t < stage.until - 1e-9) return stage.kind === "pump" ? { pump: 1, vent: 0 } : { pump: 0, vent: PULSED.ventOpening };
      this.lastPulse = { kind: stage.kind, seconds: stage.seconds, fromMmhg: stage.fromMmhg };
      this.startRead(t);
      return SEALED;
    }
    const since = t - stage.since;
    if (since >= PULSED.settleSeconds - 1e-9 && Number.isFinite(readingMmhg)) {
      stage.sum += readingMmhg;
      stage.count++;
    }
    if (since < PULSED.settleSeconds + PULSED.readSeconds - 1e-9 || stage.count === 0) return SEALED;
    const cuff = stage.sum / stage.count;
    this.learn(cuff);
    this.lastReadMmhg = cuff;
    const error = aimMmhg - cuff;
    if (Math.abs(error) <= PULSED.deadbandShare * aimMmhg) {
      this.startRead(t);
      return SEALED;
    }
    const kind = error > 0 ? "pump" : "vent";
    const rate = kind === "pump" ? (this.pumpMmhgPerSecond ?? pumpRateGuess) : (this.ventMmhgPerSecond ?? PULSED.ventOpening * ventRateGuess);
    const longest = kind === "pump" ? PULSED.maxPumpPulseSeconds : PULSED.maxVentPulseSeconds;
    const seconds = Math.min(longest, Math.max(PULSED.minPulseSeconds, (PULSED.aimShare * Math.abs(error)) / Math.max(rate, 1e-3)));
    this.stage = { kind, until: t + seconds, seconds, fromMmhg: cuff };
    return kind === "pump" ? { pump: 1, vent: 0 } : { pump: 0, vent: PULSED.ventOpening };
  }

  private startRead(t: number): Stage {
    const stage: Stage = { kind: "read", since: t, sum: 0, count: 0 };
    this.stage = stage;
    return stage;
  }

  /** What the last pulse did to the cuff, per second of it. */
  private learn(cuffMmhg: number): void {
    const pulse = this.lastPulse;
    this.lastPulse = null;
    if (pulse === null) return;
    const moved = pulse.kind === "pump" ? cuffMmhg - pulse.fromMmhg : pulse.fromMmhg - cuffMmhg;
    const known = pulse.kind === "pump" ? this.pumpMmhgPerSecond : this.ventMmhgPerSecond;
    let rate: number;
    if (moved >= PULSED.learnMinMmhg) {
      const seen = moved / pulse.seconds;
      rate = known === null ? seen : known + PULSED.learnWeight * (seen - known);
    } else {
      if (known === null) return;
      rate = known / 2;
    }
    if (pulse.kind === "pump") this.pumpMmhgPerSecond = rate;
    else this.ventMmhgPerSecond = rate;
  }
}
