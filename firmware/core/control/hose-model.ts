/**
 * The hose's pressure drop at the pump's full flow. The sensor reads the pump's
 * side of the hose; while the pump pushes air through a long narrow hose that
 * side stands above the cuff by this drop (tens of mmHg behind a few metres of
 * 2-3 mm hose), and a regulator that holds the reading at the target leaves the
 * cuff short, stops each top-up at once and chatters (see pulsed.ts). The drop
 * is learned where it shows: when the pump starts or stops with the vent shut
 * the reading jumps by it within a tenth of a second while the cuff hardly moves.
 */
export const HOSE_MODEL = {
  /** The pump's speed follows its command with this time constant (a small diaphragm pump's spin-up). */
  spinSeconds: 0.08,
  /** A step of the pump's command by at least this share of full speed is a measurement... */
  minSpeedStep: 0.5,
  /** ...when the command had held within speedTolerance, and the vent had been shut, for this long before it (the line had settled)... */
  steadyBeforeSeconds: 0.2,
  speedTolerance: 0.15,
  /** ...read as the mean over this long before the step and over the same long ending this long after it. */
  averageSeconds: 0.03,
  settleSeconds: 0.15,
  /** The drop is the median of this many measurements... */
  measurementsKept: 5,
  /** ...and known from this many on. */
  measurementsNeeded: 3,
  /**
   * A step counts only from a pressurised cuff: filling from empty, the slack bladder takes the pump's
   * air at first with little pressure, and the reading's first jump is the cuff's as much as the hose's:
   * it stands in for the drop (overstating it) until measurementsNeeded steps have measured it.
   */
  measureFromMmhg: 30,
  /** A drop under this is no drop (the sensor's noise). */
  minDropMmhg: 3,
} as const;

interface Step {
  t: number;
  beforeMmhg: number;
  /** The motor's speed at the step, and the command it heads for. */
  fromSpeed: number;
  toSpeed: number;
  sum: number;
  count: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class HoseModel {
  /** The pump's speed now, as a share of full speed (its command, lagged by the motor). */
  private speed = 0;
  private commandedSpeed = 0;
  private commandSinceSeconds = 0;
  private ventShutSinceSeconds = 0;
  private readonly recent: { t: number; mmhg: number }[] = [];
  private step: Step | null = null;
  private readonly drops: number[] = [];
  /** The reading's jump when the pump first started filling from empty, per unit of speed. */
  private firstJumpMmhg: number | null = null;

  constructor(private readonly pumpMinDuty: number) {}

  /**
   * Whether the hose's drop at full speed is, or may be, at least `mmhg`: by its measurements once
   * there are enough, before that by the first jump from empty (which overstates it).
   */
  mayDropAtLeast(mmhg: number): boolean {
    if (this.drops.length >= HOSE_MODEL.measurementsNeeded) return median(this.drops) >= Math.max(mmhg, HOSE_MODEL.minDropMmhg);
    return this.firstJumpMmhg !== null && this.firstJumpMmhg >= Math.max(mmhg, HOSE_MODEL.minDropMmhg);
  }

  /** After a tick: the reading it saw and the pump and vent it drove. */
  update(t: number, dtSeconds: number, readingMmhg: number, pumpDuty: number, ventOpening: number): void {
    const target = pumpDuty > this.pumpMinDuty ? Math.min(1, (pumpDuty - this.pumpMinDuty) / (1 - this.pumpMinDuty)) : 0;
    this.speed += (target - this.speed) * (1 - Math.exp(-dtSeconds / HOSE_MODEL.spinSeconds));
    if (!Number.isFinite(readingMmhg)) {
      this.step = null;
      return;
    }
    this.recent.push({ t, mmhg: readingMmhg });
    while (this.recent.length > 0 && t - this.recent[0]!.t > HOSE_MODEL.averageSeconds + 1e-9) this.recent.shift();
    const changed = Math.abs(target - this.commandedSpeed) > HOSE_MODEL.speedTolerance;
    if (ventOpening > 0) this.ventShutSinceSeconds = t;
    if (ventOpening > 0 || (this.step !== null && Math.abs(target - this.step.toSpeed) > HOSE_MODEL.speedTolerance)) this.step = null;
    else if (changed && this.step === null) this.startStep(t, target);
    if (changed) {
      this.commandedSpeed = target;
      this.commandSinceSeconds = t;
    }
    this.measure(t, readingMmhg);
  }

  /** The pump's command stepped: the reading before it, and once the line has settled, the drop. */
  private startStep(t: number, target: number): void {
    const held = t - this.commandSinceSeconds >= HOSE_MODEL.steadyBeforeSeconds && t - this.ventShutSinceSeconds >= HOSE_MODEL.steadyBeforeSeconds;
    if (!held || Math.abs(this.commandedSpeed - target) < HOSE_MODEL.minSpeedStep) return;
    // This tick's reading is still the line's before the step: the new command acts from the next.
    const beforeMmhg = this.recent.reduce((a, r) => a + r.mmhg, 0) / this.recent.length;
    this.step = { t, beforeMmhg, fromSpeed: this.speed, toSpeed: target, sum: 0, count: 0 };
  }

  private measure(t: number, readingMmhg: number): void {
    const step = this.step;
    if (step === null) return;
    const since = t - step.t;
    if (since >= HOSE_MODEL.settleSeconds - HOSE_MODEL.averageSeconds - 1e-9) {
      step.sum += readingMmhg;
      step.count++;
    }
    if (since < HOSE_MODEL.settleSeconds - 1e-9) return;
    this.step = null;
    const speedChange = this.speed - step.fromSpeed;
    if (Math.abs(speedChange) < HOSE_MODEL.minSpeedStep / 2) return;
    const drop = Math.max(0, (step.sum / step.count - step.beforeMmhg) / speedChange);
    if (step.beforeMmhg < HOSE_MODEL.measureFromMmhg) {
      this.firstJumpMmhg ??= drop;
      return;
    }
    this.drops.push(drop);
    if (this.drops.length > HOSE_MODEL.measurementsKept) this.drops.shift();
  }
}
