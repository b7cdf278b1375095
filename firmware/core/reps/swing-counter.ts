/**
 * Reps from the cuff pressure during a regulated set. Every rep moves the limb's
 * volume under the cuff through one cycle: the contracting muscle bulges (the
 * pressure rises until the regulator vents it), the relaxing limb shrinks and the
 * veins the muscle pump emptied leave room (the pressure dips until the pump
 * refills). Which half shows more depends on the cuff, the pump and the cadence
 * (a weak pump on a wide thigh cuff sees mostly dips, far below target), so the
 * counter does not look at the sign of the deviation from target but at its
 * swings: the deviation is low-passed (fourth order at 0.8 Hz: heart pulsations
 * at 0.8-1.8 Hz are cut, reps of 1.2-6 s pass) and followed by a zigzag detector
 * that confirms a peak once the signal has fallen a swing threshold below it, and
 * a valley once it has risen that far above it. The threshold is a floor above
 * what heart, knocks and noise leave, or a share of the typical swing of the set.
 *
 * The first extreme confirmed in a set is the level the set started from; every
 * later extreme of the other kind closes one cycle, so a rep is counted once both
 * its halves are seen, whichever comes first. Contractions have stopped once the
 * next extreme is overdue: the signal has not swung for clearly longer than the
 * set's own half cycles take.
 */
import { Biquad } from "../signal/filters.ts";

export const REP_SETTINGS = {
  /** Reps of 1.2-6 s pass; heart pulsations (0.8-1.8 Hz) are cut by a fourth-order low-pass. */
  lowPassHz: 0.8,
  /** Smallest swing (mmHg, peak to valley of the low-passed deviation) that is a rep: heart and noise leave under 0.9. */
  minSwingMmhg: 1.0,
  /** ...or this share of the set's typical swing, whichever is larger (a weak rep is about half a typical one). */
  swingShare: 0.35,
  /** Swings remembered for the typical one. */
  swingMemory: 8,
  /** No two reps closer than this, nor closer than this share of the set's typical interval. */
  refractorySeconds: 0.6,
  refractoryShareOfInterval: 0.5,
  /** ...nor closer than this share of the cadence the signal's repetition shows (cadence.ts): a slow rep's second swing is no rep. */
  refractoryShareOfCadence: 0.7,
  /**
   * The typical swing the threshold scales with is at most what the signal swung over this many
   * intervals of the cadence, while the last count is at most recentSwingWhileCountingIntervals old
   * (or before the second count).
   */
  recentSwingIntervals: 2,
  recentSwingWhileCountingIntervals: 1.5,
  /** Counts beyond the reps the cadence allows since the set's start, with an interval this share shorter, were no reps. */
  cadenceCapShortShare: 0.05,
  /** Intervals remembered for the cadence, and counts that lay the grid the next swings are expected on. */
  intervalMemory: 8,
  gridCounts: 5,
  /** A swing is overdue this long (share of the typical interval plus seconds) after it was expected. */
  lateShareOfInterval: 0.15,
  lateSeconds: 0.3,
  /** Overdue and quiet: over the last quietShareOfInterval of an interval the deviation moved less than quietShareOfSwing of a typical swing. */
  quietShareOfInterval: 0.6,
  quietShareOfSwing: 0.5,
  /** Seconds of the low-passed deviation kept: two of the slowest reps. */
  recentSeconds: 13,
  /** Flat (within this share of a typical swing) a typical half cycle after the last swing: stopped without waiting for the grid. */
  flatHalfCycles: 1.0,
  flatShareOfSwing: 0.15,
  /**
   * Half cycles longer than this many typical ones (and than the slowest rep's half, 6 s reps) are
   * the limb settling; until the second rep is counted, longer than the longest half of a first
   * slow rep (its halves split as unevenly as 1.5 and 4.8 s).
   */
  longHalfCycles: 2,
  slowestHalfCycleSeconds: 4.5,
  firstRepSlowestHalfCycleSeconds: 5.1,
  /** The last dip: it went this share of the typical swing and was left by this share of the threshold, or lies this share of a swing below the target. */
  lastRepShareOfSwing: 0.6,
  lastRepLeftShareOfThreshold: 0.8,
  lastRepBelowTargetShareOfSwing: 0.4,
  /** Before a whole cycle has been seen the cadence is unknown: wait for the slowest one (6 s reps). */
  idleBeforeCadenceSeconds: 8,
  /**
   * The cadence (and the grid the next swing is expected on) is trusted once this many intervals
   * have been seen: the first rep's halves are uneven, and from one interval the next swing looks
   * overdue and slow sets end early.
   */
  intervalsForCadence: 2,
  /**
   * The first count was no rep when the interval to the second was under this share of the next
   * one, or when the grid puts it within this share of an interval of the set's start.
   */
  phantomFirstShareOfInterval: 0.5,
  firstRepShareOfInterval: 0.2,
  /** The sealed cuff's pressure carries the regulator's hunting too: its swings are judged against a higher threshold. */
  sealed: { minSwingMmhg: 1.5, swingShare: 0.4 },
  /** The sealed cuff's pressure is followed from when the set's pressure first comes this near its aim (share of the aim). */
  nearTargetFraction: 0.03,
} as const;

type Extreme = "peak" | "valley";

/** The zigzag counter over one signal (mmHg of deviation, low-passed here). */
export class SwingCounter {
  private repCount = 0;
  private last: number | null = null;
  private readonly intervals: number[] = [];
  private readonly countTimes: number[] = [];
  /** When the set's first sample came. */
  private startSeconds: number | null = null;
  /** The low-passed deviation over the last recentSeconds, for the quiet test. */
  private readonly recent: { tSeconds: number; mmhg: number }[] = [];
  /** Once contractions have stopped the set is over, whatever the limb does afterwards. */
  private stopped = false;
  private readonly swings: number[] = [];
  /** Median of `swings` (0 before any), kept as they change. */
  typicalSwingMmhg = 0;
  private readonly low1: Biquad;
  private readonly low2: Biquad;
  /** The extreme being followed (the opposite kind of the last confirmed one) and its level and time. */
  private seeking: Extreme | null = null;
  private high = -Infinity;
  private low = Infinity;
  /** The last confirmed extreme: its kind, level, when it happened and when it was confirmed. */
  private lastExtreme: { kind: Extreme; mmhg: number; confirmedSeconds: number } | null = null;
  /** The kind whose confirmation counts a rep: the opposite of the set's starting level. */
  private countKind: Extreme | null = null;
  /** Seconds from one confirmation to the next, by the kind confirmed first. */
  private readonly halfCycles: Record<Extreme, number[]> = { peak: [], valley: [] };

  /** threshold: the smallest swing that is a rep (mmHg) and the share of the typical swing, for this signal. */
  constructor(
    sampleHz: number,
    private readonly threshold: { minSwingMmhg: number; swingShare: number },
  ) {
    this.low1 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
    this.low2 = Biquad.lowPass(REP_SETTINGS.lowPassHz, sampleHz);
  }

  /** The rep interval the signal's own repetition shows (cadence.ts), null where it does not repeat clearly. */
  cadenceSeconds: number | null = null;
  /** The low-passed deviation of the last sample. */
  lowPassedMmhg = 0;

  get reps(): number {
    return this.repCount;
  }

  get lastRepSeconds(): number | null {
    return this.last;
  }

  get meanIntervalSeconds(): number | null {
    return this.intervals.length === 0 ? null : median(this.intervals);
  }

  /**
   * The next swing is overdue. A steady cadence puts every swing on a grid anchored at the
   * counts: after a count, the other half of the cycle is confirmed about `toOther` later,
   * and the next count one interval after this one. Anchoring on the count rather than on
   * the last confirmation matters when the set stops: the limb's last recovery is slow and
   * confirms late.
   */
  contractionsStopped(tSeconds: number): boolean {
    if (this.stopped) return true;
    this.stopped = this.nextSwingOverdue(tSeconds);
    return this.stopped;
  }

  private nextSwingOverdue(tSeconds: number): boolean {
    if (this.last === null || this.lastExtreme === null || this.countKind === null) return false;
    const interval = this.meanIntervalSeconds;
    const toOther = this.halfCycles[this.countKind];
    if (interval === null || toOther.length === 0 || this.intervals.length < REP_SETTINGS.intervalsForCadence) return tSeconds - this.last >= REP_SETTINGS.idleBeforeCadenceSeconds;
    const other = this.halfCycles[this.countKind === "peak" ? "valley" : "peak"];
    const anchor = Math.min(this.last, this.gridCountSeconds(interval));
    const expected =
      this.lastExtreme.kind === this.countKind
        ? anchor + median(toOther)
        : Math.min(anchor + interval, other.length ? this.lastExtreme.confirmedSeconds + median(other) : Infinity);
    const quietFrom = tSeconds - REP_SETTINGS.quietShareOfInterval * interval;
    // Flat where a continuing set would be in full swing: no need to wait for the grid.
    const halves = this.halfCycles[this.lastExtreme.kind];
    const flatAfter = this.lastExtreme.confirmedSeconds + (halves.length ? REP_SETTINGS.flatHalfCycles * median(halves) : Infinity);
    if (tSeconds >= flatAfter && this.quietOver(quietFrom, REP_SETTINGS.flatShareOfSwing)) return true;
    const late = expected + REP_SETTINGS.lateShareOfInterval * interval + REP_SETTINGS.lateSeconds;
    if (tSeconds < late) return false;
    // A rep too weak to confirm still moves the limb: wait while it does, up to one more interval.
    return tSeconds >= late + interval || this.quietOver(quietFrom, REP_SETTINGS.quietShareOfSwing);
  }

  /** How far the low-passed deviation moved since `fromSeconds` (highest less lowest). */
  private rangeOver(fromSeconds: number): number {
    let high = -Infinity;
    let low = Infinity;
    for (const sample of this.recent) {
      if (sample.tSeconds < fromSeconds) continue;
      high = Math.max(high, sample.mmhg);
      low = Math.min(low, sample.mmhg);
    }
    return high - low;
  }

  /**
   * The set's typical swing, or what the signal swung over its last two intervals where that is
   * less: a large first swing (the veins emptying, the cuff refilling) does not lift the threshold
   * over the set's own reps for good.
   */
  private currentSwingMmhg(tSeconds: number): number {
    if (this.cadenceSeconds === null) return this.typicalSwingMmhg;
    // Only while reps are being counted: once they stop, what the limb does settling is no rep.
    const counting = this.repCount <= 1 || this.last === null || tSeconds - this.last <= REP_SETTINGS.recentSwingWhileCountingIntervals * this.cadenceSeconds;
    if (!counting) return this.typicalSwingMmhg;
    return Math.min(this.typicalSwingMmhg, this.rangeOver(tSeconds - REP_SETTINGS.recentSwingIntervals * this.cadenceSeconds));
  }

  /** Since `fromSeconds` the deviation stayed within a small share of the set's typical swing. */
  private quietOver(fromSeconds: number, shareOfSwing: number): boolean {
    return this.rangeOver(fromSeconds) < shareOfSwing * this.typicalSwingMmhg;
  }

  /** Where the last count falls on the grid the recent counts lay at the typical interval (a late last count does not move it). */
  private gridCountSeconds(interval: number): number {
    const n = this.countTimes.length;
    return median(this.countTimes.map((t, i) => t + (n - 1 - i) * interval));
  }

  /** Feed one sample of the signal; returns true when a new rep was recognised on it. */
  feed(tSeconds: number, signalMmhg: number): boolean {
    this.startSeconds ??= tSeconds;
    const deviation = this.low2.next(this.low1.next(signalMmhg));
    this.lowPassedMmhg = deviation;
    this.recent.push({ tSeconds, mmhg: deviation });
    while (tSeconds - this.recent[0]!.tSeconds > REP_SETTINGS.recentSeconds) this.recent.shift();
    this.high = Math.max(this.high, deviation);
    this.low = Math.min(this.low, deviation);
    const swing = Math.max(this.threshold.minSwingMmhg, this.threshold.swingShare * this.currentSwingMmhg(tSeconds));
    if (this.seeking !== "valley" && deviation <= this.high - swing) return this.confirm("peak", this.high, tSeconds, deviation);
    if (this.seeking !== "peak" && deviation >= this.low + swing) return this.confirm("valley", this.low, tSeconds, deviation);
    if (this.stopped || this.seeking !== this.countKind) return false;
    return this.lastRepEndsSlowly(tSeconds, deviation, swing);
  }

  /**
   * Where reps show first as dips (the count closes each dip), the last dip of a set is
   * followed only by the pump refilling to the target, often less than a full swing. Once
   * the next swing is overdue, a pending dip that went most of a typical swing and has been
   * left by most of the threshold, or lies well below the target, closes the last rep (at
   * that moment only). Where reps show first as rises, the last rise is closed by its own
   * relaxation dip; what rises after it is the limb settling, never a rep.
   */
  private lastRepEndsSlowly(tSeconds: number, deviation: number, swing: number): boolean {
    if (this.lastExtreme === null || this.countKind !== "valley" || this.swings.length === 0 || !this.contractionsStopped(tSeconds)) return false;
    const typicalSwing = this.typicalSwingMmhg;
    const reached = this.lastExtreme.mmhg - this.low >= REP_SETTINGS.lastRepShareOfSwing * typicalSwing;
    const left = deviation - this.low >= REP_SETTINGS.lastRepLeftShareOfThreshold * swing;
    const below = -this.low >= REP_SETTINGS.lastRepBelowTargetShareOfSwing * typicalSwing;
    return reached && (left || below) && this.confirm("valley", this.low, tSeconds, deviation);
  }

  /** The extreme of `kind` at `mmhg` is confirmed now; follow the opposite kind from the current sample on. */
  private confirm(kind: Extreme, mmhg: number, tSeconds: number, deviation: number): boolean {
    const previous = this.lastExtreme;
    this.lastExtreme = { kind, mmhg, confirmedSeconds: tSeconds };
    this.seeking = kind === "peak" ? "valley" : "peak";
    this.high = deviation;
    this.low = deviation;
    if (previous === null) {
      this.countKind = kind === "peak" ? "valley" : "peak";
      return false;
    }
    const halfSeconds = tSeconds - previous.confirmedSeconds;
    const typicalHalf = this.halfCycles[previous.kind].length ? median(this.halfCycles[previous.kind]) : null;
    // A swing that takes far longer than the set's half cycles is the limb settling, not a rep.
    const slowestHalf = this.repCount <= 1 ? REP_SETTINGS.firstRepSlowestHalfCycleSeconds : REP_SETTINGS.slowestHalfCycleSeconds;
    if (halfSeconds > Math.max(slowestHalf, typicalHalf === null ? 0 : REP_SETTINGS.longHalfCycles * typicalHalf)) return false;
    remember(this.swings, Math.abs(mmhg - previous.mmhg), REP_SETTINGS.swingMemory);
    this.typicalSwingMmhg = median(this.swings);
    // The starting level is confirmed early in the first half cycle: its half is no measure of the cadence.
    if (previous.kind === this.countKind || this.repCount > 0) remember(this.halfCycles[previous.kind], halfSeconds, REP_SETTINGS.swingMemory);
    return kind === this.countKind && this.count(tSeconds);
  }

  /** No more reps than `maxReps`: counts beyond it were no reps. */
  capReps(maxReps: number): void {
    this.repCount = Math.min(this.repCount, maxReps);
  }

  private count(tSeconds: number): boolean {
    const interval = this.meanIntervalSeconds;
    const refractory = Math.max(
      REP_SETTINGS.refractorySeconds,
      interval === null ? 0 : REP_SETTINGS.refractoryShareOfInterval * interval,
      this.cadenceSeconds === null ? 0 : REP_SETTINGS.refractoryShareOfCadence * this.cadenceSeconds,
    );
    if (this.last !== null && tSeconds - this.last < refractory) return false;
    const phantom = this.repCount === 2 && this.firstCountWasPhantom(tSeconds);
    if (phantom) {
      this.intervals.shift();
      this.countTimes.shift();
    }
    if (this.last !== null) remember(this.intervals, tSeconds - this.last, REP_SETTINGS.intervalMemory);
    remember(this.countTimes, tSeconds, REP_SETTINGS.gridCounts);
    this.last = tSeconds;
    if (phantom) return false;
    this.repCount++;
    return true;
  }

  /**
   * At the third count the cadence shows whether the first was a rep. It was not when the second
   * came far sooner after it than the third after the second (the set's first rep swung twice), or
   * when the counts' grid, laid back from the second by one interval, puts the first within
   * firstRepShareOfInterval of an interval of the set's start (the start swung the pressure before
   * any rep was done). The first count is then taken back by not counting this one.
   */
  private firstCountWasPhantom(tSeconds: number): boolean {
    const [first, second] = this.countTimes;
    if (first === undefined || second === undefined || this.startSeconds === null) return false;
    const interval = tSeconds - second;
    return second - first < REP_SETTINGS.phantomFirstShareOfInterval * interval || second - interval < this.startSeconds + REP_SETTINGS.firstRepShareOfInterval * interval;
  }
}

function remember(values: number[], value: number, memory: number): void {
  values.push(value);
  if (values.length > memory) values.shift();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

