/**
 * Where an inflation levels off short of its target: a pump too small for the cuff and its
 * leak fills until what it adds equals what leaks, or is still climbing slowly when the
 * inflation's time runs out. Either way the cuff holds what the pump reached rather than
 * fault: a lower pressure is the safe side, and the user is told why. Pure bookkeeping on
 * the filtered pressure, time as a parameter.
 */

export const INFLATION_LEVEL = {
  /** Not judged this early into the inflation: a cuff's slack fills slowly at first (s). */
  fromSeconds: 45,
  /** Levelled off: no rise of more than riseShare of the target (at least riseMinMmhg) for this long (s). */
  windowSeconds: 20,
  riseShare: 0.015,
  riseMinMmhg: 2,
  /** A level of at least this share of the target is held; below it the inflation runs to its time limit and faults. */
  minShareOfTarget: 0.6,
  /** Held this share under the level reached, so the pump holds it with a margin. */
  holdShareOfLevel: 0.97,
  /** Still climbing this close to the inflation's time limit (s), the cuff holds what it reached (time enough to settle there before the limit). */
  beforeLimitSeconds: 10,
  /** The level is the mean of the filtered pressure over this long (s). */
  meanSeconds: 2,
  /**
   * A reading within this share of the target in the last window means the pump does reach it:
   * what keeps the cuff from settling is not the pump (a long narrow hose, say), and no level is held.
   */
  nearTargetShare: 0.03,
} as const;

export interface LevelVerdict {
  /** The pressure the cuff levelled at, and the target to hold instead. */
  levelMmhg: number;
  holdMmhg: number;
  /** Levelled off (the pump's flow met the leak), or still climbing when time ran out. */
  reason: "levelled" | "time";
}

export class InflationLevel {
  private highestMmhg = Number.NEGATIVE_INFINITY;
  private highestSinceSeconds = 0;
  private readonly recent: { t: number; mmhg: number }[] = [];
  /** A verdict is given once: the target it sets is then simply held. */
  private given = false;
  private nearTargetSeconds: number | null = null;

  constructor(
    private readonly startedSeconds: number,
    private readonly limitSeconds: number,
  ) {}

  /** One tick of the inflation: a verdict once the cuff has levelled short of `targetMmhg` (or time runs out), else null. */
  update(t: number, mmhg: number, targetMmhg: number): LevelVerdict | null {
    if (this.given || !Number.isFinite(mmhg)) return null;
    const L = INFLATION_LEVEL;
    this.recent.push({ t, mmhg });
    while (t - this.recent[0]!.t > L.meanSeconds) this.recent.shift();
    const rise = Math.max(L.riseMinMmhg, L.riseShare * targetMmhg);
    if (mmhg > this.highestMmhg + rise || this.highestMmhg === Number.NEGATIVE_INFINITY) {
      this.highestMmhg = mmhg;
      this.highestSinceSeconds = t;
    }
    if (mmhg >= (1 - L.nearTargetShare) * targetMmhg) this.nearTargetSeconds = t;
    const elapsed = t - this.startedSeconds;
    if (elapsed < L.fromSeconds) return null;
    if (this.nearTargetSeconds !== null && t - this.nearTargetSeconds < L.windowSeconds) return null;
    const levelMmhg = this.recent.reduce((sum, r) => sum + r.mmhg, 0) / this.recent.length;
    if (levelMmhg < L.minShareOfTarget * targetMmhg) return null;
    const levelled = t - this.highestSinceSeconds >= L.windowSeconds;
    const outOfTime = elapsed >= this.limitSeconds - L.beforeLimitSeconds;
    if (!levelled && !outOfTime) return null;
    this.given = true;
    return { levelMmhg, holdMmhg: Math.round(10 * L.holdShareOfLevel * levelMmhg) / 10, reason: levelled ? "levelled" : "time" };
  }
}
