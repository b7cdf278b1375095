/**
 * A kinked hose leaves the cuff sealed behind the kink while the sensor sees
 * only the hose and box (about a tenth of the volume). Holding still, nothing
 * would show it until the final deflation fails. So every few seconds, when
 * the regulator is idle, the vent opens for one 10 ms sample: a cuff loses a
 * fraction of a mmHg, a kinked hose loses over 10 and stays down. The drop is
 * read from means before and after the pulse, with the sensor's own scatter
 * allowed for, not from two samples a noisy sensor can set 5 mmHg apart.
 */
import { SAFETY_LIMITS } from "../safety/limits.ts";
import { RingWindow } from "../signal/ring.ts";

export const KINK_PROBE = {
  everySeconds: 5,
  /**
   * A probe this overdue has the regulator pause, once the hold has been still this long (the limb
   * settles after a set meanwhile): behind a long narrow hose, or a kinked one, the regulator can
   * chase the hose's own swings with pulse after pulse and never idle.
   */
  forceAfterSeconds: 2,
  forceStillSeconds: 3,
  /** The pump off this long before the pulse: a coasting pump (80 ms spin-down) would fill a kinked hose meanwhile. */
  pumpOffBeforeSeconds: 0.3,
  /** Opening for one sample at 150 mmHg; scaled so the kinked drop is about 17 mmHg at any pressure. */
  openingAt150: 0.3,
  /** The reading is judged this long after the pulse. */
  settleSeconds: 0.25,
  /**
   * Behind a kink the reading sits still after the pulse; a cuff in motion (a relaxing muscle) or
   * refilling the line through a narrow hose does not: still is within stillWithinMmhg more than
   * the readings' spread before the pulse (a noisy sensor's scatter), of which at most
   * scatterAllowedMmhg counts (a hose chattering before the pulse is no quiet sensor), with no
   * drift of more than stillWithinMmhg between its first and last thirds.
   */
  stillFromSeconds: 0.1,
  stillWithinMmhg: 1.5,
  scatterAllowedMmhg: 3,
  /** What the cuff lost is the median of this many of its last still probes. */
  responsesKept: 3,
  /**
   * A probe whose drop would name a kink is repeated this soon, and the smaller of the two drops is
   * reported: a kinked hose drops again, a beat or a knock under one probe does not (under a beat a
   * small cuff's drop can reach the kink's).
   */
  confirmAfterSeconds: 0.3,
  /** The reading before the pulse is the mean over this long of idle readings (the pump has been off 0.3 s by then). */
  beforeSeconds: 0.15,
} as const;

const NOTHING = { ventPulse: 0, dropMmhg: null, cuffDropMmhg: null } as const;

/** A probe's drop over this names a kink: over kinkProbeDropMmhg and kinkProbeOverCuffDrop times what the cuff lost to it before. */
export function kinkedProbeDropMmhg(cuffDropMmhg: number | null): number {
  return Math.max(SAFETY_LIMITS.kinkProbeDropMmhg, SAFETY_LIMITS.kinkProbeOverCuffDrop * (cuffDropMmhg ?? 0));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Still after the pulse: spread within stillWithinMmhg more than the scatter before it (at most
 * scatterAllowedMmhg of it), and the last third's mean within stillWithinMmhg of the first third's
 * (a cuff refilling the line through a narrow hose climbs steadily, whatever the scatter).
 */
function stillAfter(after: readonly number[], beforeSpreadMmhg: number): boolean {
  if (after.length < 3) return false;
  const spread = Math.max(...after) - Math.min(...after);
  if (spread > Math.min(beforeSpreadMmhg, KINK_PROBE.scatterAllowedMmhg) + KINK_PROBE.stillWithinMmhg) return false;
  const third = Math.floor(after.length / 3);
  return Math.abs(mean(after.slice(-third)) - mean(after.slice(0, third))) <= KINK_PROBE.stillWithinMmhg;
}

export class KinkProbe {
  private nextAt: number | null = null;
  /** A drop that would name a kink, waiting for the next probe to confirm it. */
  private suspectDropMmhg: number | null = null;
  private probe: { at: number; before: number; beforeSpread: number; opening: number; after: number[] } | null = null;
  private pumpOffSince: number | null = null;
  /** The idle readings just before a pulse (made again when the tick's period changes). */
  private beforeReadings: RingWindow | null = null;
  /**
   * What this cuff loses to a pulse, per unit of opening and square root of mmHg (the orifice law),
   * by its last still probes: kept for the whole session, whatever the target.
   */
  private readonly responses: number[] = [];

  /**
   * One tick of `dtSeconds`. `idle`: the regulator asked for nothing this tick; `pumping`: it asked for the pump.
   * Returns the vent opening to add now (0 when not probing), and,
   * when a probe has just been judged, the drop it saw (a drop over the kink's, only once a second
   * probe confirmed it: the smaller of the two) and what the cuff lost to the same pulse at its
   * earlier probes (null before one).
   */
  step(
    t: number,
    mmhg: number,
    idle: boolean,
    pumping: boolean,
    dtSeconds = 0.01,
  ): { ventPulse: number; dropMmhg: number | null; cuffDropMmhg: number | null } {
    this.nextAt ??= t + KINK_PROBE.everySeconds;
    this.pumpOffSince = pumping ? null : (this.pumpOffSince ?? t);
    if (this.probe) {
      const probe = this.probe;
      if (t - probe.at >= KINK_PROBE.stillFromSeconds - 1e-9 && Number.isFinite(mmhg)) {
        probe.after.push(mmhg);
      }
      if (t - probe.at < KINK_PROBE.settleSeconds) return NOTHING;
      this.probe = null;
      // A suspected kink is probed again soon, whatever this probe shows.
      this.nextAt = t + (this.suspectDropMmhg === null ? KINK_PROBE.everySeconds : KINK_PROBE.confirmAfterSeconds);
      // A reading still moving says nothing about the hose: the probe is inconclusive.
      if (!stillAfter(probe.after, probe.beforeSpread)) return NOTHING;
      const drop = probe.before - mean(probe.after);
      const perOpening = probe.opening * Math.sqrt(Math.max(1, probe.before));
      const cuffDrop = this.responses.length ? median(this.responses) * perOpening : null;
      const kinked = drop > kinkedProbeDropMmhg(cuffDrop);
      if (kinked && this.suspectDropMmhg === null) {
        this.suspectDropMmhg = drop;
        this.nextAt = t + KINK_PROBE.confirmAfterSeconds;
        return NOTHING;
      }
      const confirming = this.suspectDropMmhg !== null;
      const reported = confirming ? Math.min(drop, this.suspectDropMmhg!) : drop;
      this.suspectDropMmhg = null;
      this.nextAt = t + KINK_PROBE.everySeconds;
      // A drop just short of a kink's right after one over it teaches nothing of the cuff: the pair is left out of the record.
      if (!kinked && !confirming) {
        this.responses.push(Math.max(0, drop) / perOpening);
        if (this.responses.length > KINK_PROBE.responsesKept) this.responses.shift();
      }
      return { ventPulse: 0, dropMmhg: reported, cuffDropMmhg: cuffDrop };
    }
    const capacity = Math.max(2, Math.round(KINK_PROBE.beforeSeconds / Math.max(dtSeconds, 1e-3)));
    if (!this.beforeReadings || this.beforeReadings.capacity !== capacity) this.beforeReadings = new RingWindow(capacity);
    const readings = this.beforeReadings;
    if (!idle || pumping || !Number.isFinite(mmhg)) readings.clear();
    else readings.push(mmhg);
    const coasting = this.pumpOffSince === null || t - this.pumpOffSince < KINK_PROBE.pumpOffBeforeSeconds - 1e-9;
    if (!idle || coasting || t < this.nextAt || !readings.full || !Number.isFinite(mmhg) || mmhg < 20) return NOTHING;
    const before = readings.mean;
    const opening = Math.min(1, KINK_PROBE.openingAt150 * Math.sqrt(150 / before));
    this.probe = { at: t, before, beforeSpread: readings.spread(), opening, after: [] };
    readings.clear();
    return { ventPulse: opening, dropMmhg: null, cuffDropMmhg: null };
  }

  /** The probe is overdue by forceAfterSeconds, or a kink awaits its confirmation: the regulator must pause until it has run. */
  overdue(t: number): boolean {
    const grace = this.suspectDropMmhg === null ? KINK_PROBE.forceAfterSeconds : 0;
    return this.probe === null && this.nextAt !== null && t >= this.nextAt + grace - 1e-9;
  }

  /** A probe is waiting for its verdict: the regulator must leave the cuff alone meanwhile. */
  get probing(): boolean {
    return this.probe !== null;
  }

  reset(): void {
    this.nextAt = null;
    this.suspectDropMmhg = null;
    this.probe = null;
    this.pumpOffSince = null;
    this.beforeReadings?.clear();
  }
}
