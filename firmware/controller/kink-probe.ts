/**
 * A kinked hose leaves the cuff sealed behind the kink while the sensor sees
 * only the hose and box (about a tenth of the volume). Holding still, nothing
 * would show it until the final deflation fails. So every few seconds, when
 * the regulator is idle, the vent opens for one 10 ms sample: a cuff loses a
 * fraction of a mmHg, a kinked hose loses over 10 and stays down.
 */
export const KINK_PROBE = {
  everySeconds: 5,
  /** Opening for one sample at 150 mmHg; scaled so the kinked drop is about 17 mmHg at any pressure. */
  openingAt150: 0.3,
  /** The reading is judged this long after the pulse. */
  settleSeconds: 0.25,
} as const;

export class KinkProbe {
  private nextAt: number | null = null;
  private probe: { at: number; before: number } | null = null;

  /**
   * One tick. `idle`: the regulator asked for nothing this tick. Returns the
   * vent opening to add now (0 when not probing), and the drop the last probe
   * saw when it has just been judged.
   */
  step(t: number, mmhg: number, idle: boolean): { ventPulse: number; dropMmhg: number | null } {
    this.nextAt ??= t + KINK_PROBE.everySeconds;
    if (this.probe) {
      if (t - this.probe.at < KINK_PROBE.settleSeconds) return { ventPulse: 0, dropMmhg: null };
      const drop = this.probe.before - mmhg;
      this.probe = null;
      this.nextAt = t + KINK_PROBE.everySeconds;
      return { ventPulse: 0, dropMmhg: drop };
    }
    if (!idle || t < this.nextAt || !Number.isFinite(mmhg) || mmhg < 20) return { ventPulse: 0, dropMmhg: null };
    this.probe = { at: t, before: mmhg };
    return { ventPulse: Math.min(1, KINK_PROBE.openingAt150 * Math.sqrt(150 / mmhg)), dropMmhg: null };
  }

  reset(): void {
    this.nextAt = null;
    this.probe = null;
  }
}
