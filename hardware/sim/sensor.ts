/**
 * One simulated pressure sensor as the board reports it: the pressure at its port
 * with its own span error, plus its own offset, drift and noise, through its part's transfer function and
 * its ADC's resolution, and its own faults (disconnected, stuck, drifting, offset
 * jump). The simulated cuff has one per sensor of the hardware profile, each with
 * its own random streams, so a second sensor changes nothing of the first.
 */
import { transferFullScale, transferMmhgToCounts, type SensorTransfer } from "../profile.ts";
import type { Prng } from "./prng.ts";

/** Default sensor-drift fault: a sensor warming fast, 10 mmHg/min. */
export const DEFAULT_FAULT_DRIFT_MMHG_PER_MIN = 10;
/** Default sensor-offset-jump fault: the reading steps 20 mmHg low, the direction that hides an overpressure. */
export const DEFAULT_OFFSET_JUMP_MMHG = -20;

export const SENSOR_FAULT_KINDS = ["sensor-disconnect", "sensor-stuck", "sensor-drift", "sensor-offset-jump"] as const;
export type SensorFaultKind = (typeof SENSOR_FAULT_KINDS)[number];

export function isSensorFault(kind: string): kind is SensorFaultKind {
  return (SENSOR_FAULT_KINDS as readonly string[]).includes(kind);
}

export interface SensorSettings {
  transfer: SensorTransfer;
  noiseMmhg: number;
  offsetMmhg: number;
  /** Its slope's error, percent of the reading (what a span calibration leaves, or finds). */
  spanErrorPercent: number;
  driftMmhgPerMin: number;
  /** Its own noise stream, and the stream that picks a disconnected input's rail. */
  noise: Prng;
  faultRng: Prng;
}

/** A sensor fault active on this sensor, with its scenario keys. */
export interface SensorFault {
  kind: SensorFaultKind;
  params: Readonly<Record<string, number>>;
}

export class SimulatedSensor {
  private counts = 0;
  private lastMmhg = 0;
  private mode: "ok" | "disconnected" | "stuck" = "ok";
  private stuckCounts = 0;
  private disconnectedCounts = 0;
  private faultDriftMmhgPerMin = 0;
  private faultDriftMmhg = 0;
  private jumpMmhg = 0;

  constructor(private readonly settings: SensorSettings) {}

  /** Raw counts at the last sample. */
  sensorCounts(): number {
    return this.counts;
  }

  /** What the sensor put out at the last sample, in mmHg before the ADC (offset, drift and noise included). */
  sensorMmhg(): number {
    return this.lastMmhg;
  }

  /** Time passes for the drift faults. */
  advance(dtSeconds: number): void {
    this.faultDriftMmhg += (this.faultDriftMmhgPerMin * dtSeconds) / 60;
  }

  /** One sample of `portMmhg` (the pressure at the sensor's port) at `timeSeconds`. */
  sample(portMmhg: number, timeSeconds: number): void {
    const s = this.settings;
    const drift = (s.driftMmhgPerMin * timeSeconds) / 60 + this.faultDriftMmhg;
    const spanned = s.spanErrorPercent === 0 ? portMmhg : portMmhg * (1 + s.spanErrorPercent / 100);
    this.lastMmhg = spanned + s.offsetMmhg + drift + this.jumpMmhg + s.noiseMmhg * s.noise.gaussian();
    if (this.mode === "ok") this.counts = transferMmhgToCounts(s.transfer, this.lastMmhg);
    else if (this.mode === "disconnected") this.counts = this.disconnectedCounts;
    else this.counts = this.stuckCounts;
  }

  /** A fault on this sensor starts now (before `setFaults` with it among the active ones). */
  faultStarts(kind: SensorFaultKind, params: Readonly<Record<string, number>>): void {
    if (kind === "sensor-stuck") this.stuckCounts = this.counts;
    if (kind === "sensor-disconnect") {
      const rail = params.rail ?? (this.settings.faultRng.next() < 0.5 ? 0 : 1);
      this.disconnectedCounts = rail === 1 ? transferFullScale(this.settings.transfer) : 0;
    }
  }

  /** The faults active on this sensor now. A disconnect wins over a stuck reading; drifts and jumps add up. */
  setFaults(faults: readonly SensorFault[]): void {
    const has = (kind: SensorFaultKind) => faults.some((f) => f.kind === kind);
    this.mode = has("sensor-disconnect") ? "disconnected" : has("sensor-stuck") ? "stuck" : "ok";
    let drift = 0;
    let jump = 0;
    for (const f of faults) {
      if (f.kind === "sensor-drift") drift += f.params.mmhgPerMin ?? DEFAULT_FAULT_DRIFT_MMHG_PER_MIN;
      if (f.kind === "sensor-offset-jump") jump += f.params.mmhg ?? DEFAULT_OFFSET_JUMP_MMHG;
    }
    this.faultDriftMmhgPerMin = drift;
    this.jumpMmhg = jump;
  }
}
