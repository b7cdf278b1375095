/**
 * Bench metrics (CONTRACTS.md section 4), accumulated sample by sample on the
 * TRUE simulated pressure, by phase. Pure bookkeeping.
 */
import { DEFLATED_MMHG } from "../../../shared/limits.ts";
import type { Phase } from "../../../shared/protocol/messages.ts";

export interface BenchMetrics {
  exerciseWithin5: number | null;
  exerciseWithin10: number | null;
  restWithin3: number | null;
  restWithin5: number | null;
  peakPercentLop: number | null;
  valleyPercentLop: number | null;
  /** Outside the LOP measurement, which must briefly pass LOP to find it. */
  secondsAboveLop: number;
  /** Inside the LOP measurement. */
  lopSecondsAboveLop: number;
  inflateSeconds: number | null;
  deflateSeconds: number | null;
  exerciseSeconds: number;
  restSeconds: number;
}

export class MetricsAccumulator {
  private exercise = { n: 0, in5: 0, in10: 0 };
  private rest = { n: 0, in3: 0, in5: 0 };
  private peak: number | null = null;
  private valley: number | null = null;
  private aboveSeconds = 0;
  private lopAboveSeconds = 0;
  private inflateStart: number | null = null;
  private inflateSeconds: number | null = null;
  private deflateStart: number | null = null;
  private deflateSeconds: number | null = null;
  private previousPhase: Phase = "idle";
  /** The deflation that ends an LOP measurement is part of its exposure. */
  private inLopMeasurement = false;
  private sessionStarted = false;

  constructor(private readonly lopTrueMmhg: number) {}

  sample(t: number, dt: number, trueMmhg: number, phase: Phase, targetMmhg: number | null): void {
    if (phase !== this.previousPhase) this.onPhaseChange(t, phase);
    this.previousPhase = phase;
    if (phase === "lop") this.inLopMeasurement = true;
    else if (phase !== "deflate") this.inLopMeasurement = false;
    if (trueMmhg >= this.lopTrueMmhg) {
      if (this.inLopMeasurement) this.lopAboveSeconds += dt;
      else this.aboveSeconds += dt;
    }
    if (this.inflateStart !== null && this.inflateSeconds === null && targetMmhg !== null && trueMmhg >= 0.95 * targetMmhg) {
      this.inflateSeconds = t - this.inflateStart;
    }
    if (this.deflateStart !== null && this.deflateSeconds === null && trueMmhg < DEFLATED_MMHG) {
      this.deflateSeconds = t - this.deflateStart;
    }
    if (targetMmhg === null || targetMmhg <= 0) return;
    const off = Math.abs(trueMmhg - targetMmhg) / targetMmhg;
    if (phase === "set") {
      this.exercise.n++;
      if (off <= 0.05) this.exercise.in5++;
      if (off <= 0.1) this.exercise.in10++;
      const percent = (100 * trueMmhg) / this.lopTrueMmhg;
      this.peak = this.peak === null ? percent : Math.max(this.peak, percent);
      this.valley = this.valley === null ? percent : Math.min(this.valley, percent);
    } else if (phase === "rest") {
      this.rest.n++;
      if (off <= 0.03) this.rest.in3++;
      if (off <= 0.05) this.rest.in5++;
    }
  }

  private onPhaseChange(t: number, phase: Phase): void {
    if (phase === "inflate") {
      this.inflateStart = t;
      this.inflateSeconds = null;
      this.sessionStarted = true;
    }
    // The final deflation: the last one after the session started (a later one restarts the clock).
    if (phase === "deflate" || (phase === "fault" && this.previousPhase !== "idle")) {
      if (this.sessionStarted) {
        this.deflateStart = t;
        this.deflateSeconds = null;
      }
    }
  }

  result(dtSeconds: number): BenchMetrics {
    const frac = (a: number, n: number) => (n === 0 ? null : round(a / n, 4));
    return {
      exerciseWithin5: frac(this.exercise.in5, this.exercise.n),
      exerciseWithin10: frac(this.exercise.in10, this.exercise.n),
      restWithin3: frac(this.rest.in3, this.rest.n),
      restWithin5: frac(this.rest.in5, this.rest.n),
      peakPercentLop: this.peak === null ? null : round(this.peak, 1),
      valleyPercentLop: this.valley === null ? null : round(this.valley, 1),
      secondsAboveLop: round(this.aboveSeconds, 2),
      lopSecondsAboveLop: round(this.lopAboveSeconds, 2),
      inflateSeconds: this.inflateSeconds === null ? null : round(this.inflateSeconds, 2),
      deflateSeconds: this.deflateSeconds === null ? null : round(this.deflateSeconds, 2),
      exerciseSeconds: round(this.exercise.n * dtSeconds, 2),
      restSeconds: round(this.rest.n * dtSeconds, 2),
    };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
