/** The modes with the cuff vented: idle, zeroing the sensor, and a latched fault. */
import type { AlarmKind } from "../../../shared/protocol/messages.ts";
import { SAFE_ACTUATION } from "../actuation.ts";
import type { ModeHost } from "./host.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";

const VENTED: ModeOutput = { actuation: SAFE_ACTUATION };

export class VentedMode implements ModeBase {
  readonly kind = "vented";
  readonly state = "vented";
  readonly phase = "idle";

  step(): ModeOutput {
    return VENTED;
  }
}

export const ZEROING = {
  /** The vented reading must be this steady for this long. */
  settleSeconds: 1.0,
  /**
   * Spread of the means of consecutive 100 ms chunks: sees a cuff still emptying. A noisy sensor
   * (up to 3 mmHg) spreads its chunk means too, by up to noiseSpreadSds of their own spread, which
   * is allowed on top; the noise is read from sample-to-sample steps, which a slow emptying hardly moves.
   */
  chunkSeconds: 0.1,
  spreadMmhg: 0.6,
  noiseSpreadSds: 4,
  /**
   * The second sensor (a 10-bit ADC, 0.4 mmHg a count) only has to read steadily: the first one's
   * spread already says the cuff has stopped emptying.
   */
  secondarySpreadMmhg: 3,
  timeoutSeconds: 15,
  /** A zero offset beyond this is a faulty or mis-wired sensor, not an offset. */
  maxOffsetMmhg: 25,
} as const;

/** Zeroing runs only in a known state: pump off, vent open, the readings settled. Both sensors are zeroed together. */
export class ZeroMode implements ModeBase {
  readonly kind = "zeroing";
  readonly state = "zeroing";
  readonly phase = "zero";
  private readonly window: { t: number; primary: number; secondary: number | null }[] = [];

  constructor(private readonly startedSeconds: number) {}

  step(host: ModeHost, { t, estimate }: TickInput): ModeOutput {
    const reading = host.estimator.uncalibrated(estimate.counts, estimate.secondaryCounts);
    if (!Number.isFinite(reading.primary)) return VENTED;
    this.window.push({ t, ...reading });
    while (this.window.length > 0 && t - this.window[0]!.t > ZEROING.settleSeconds) this.window.shift();
    const elapsed = t - this.startedSeconds;
    if (elapsed >= ZEROING.settleSeconds + 0.2) {
      const chunk = Math.max(1, Math.round(ZEROING.chunkSeconds * host.sampleHz));
      const primary = settledMean(this.window.map((w) => w.primary), chunk, ZEROING.spreadMmhg);
      const secondaries = this.window.map((w) => w.secondary);
      const hasSecondary = secondaries[0] !== null;
      const secondMean = hasSecondary ? settledMean(secondaries.map((v) => v ?? Number.NaN), chunk, ZEROING.secondarySpreadMmhg) : null;
      const secondary = typeof secondMean === "number" ? secondMean : null;
      if (typeof primary === "number" && (!hasSecondary || secondary !== null)) {
        const implausible = Math.abs(primary) > ZEROING.maxOffsetMmhg ? { which: "sensor", mmhg: primary } : secondary !== null && Math.abs(secondary) > ZEROING.maxOffsetMmhg ? { which: "second sensor", mmhg: secondary } : null;
        if (implausible) {
          host.raise(t, "sensor-out-of-range", "warning", `the ${implausible.which} reads ${implausible.mmhg.toFixed(1)} mmHg vented: too far from zero to be an offset`);
          host.enter(t, new VentedMode(), "zero-failed", "zeroing failed: sensor reading implausible");
          return VENTED;
        }
        host.estimator.setZeroOffsets(primary, secondary);
        host.zeroed = true;
        const second = secondary === null ? "" : `, second sensor ${secondary.toFixed(2)} mmHg`;
        host.enter(t, new VentedMode(), "zeroed", `zeroed (offset ${primary.toFixed(2)} mmHg${second})`);
        return VENTED;
      }
    }
    if (elapsed > ZEROING.timeoutSeconds) {
      host.enter(t, new VentedMode(), "zero-failed", "zeroing failed: pressure did not settle (is the cuff still inflated?)");
    }
    return VENTED;
  }
}

/**
 * The mean of readings that have settled (the means of consecutive chunks of `size` agree within
 * `spreadMmhg`), else null (still settling); undefined when a reading is missing.
 */
function settledMean(values: readonly number[], size: number, spreadMmhg: number): number | null | undefined {
  if (values.some((v) => !Number.isFinite(v))) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const allowed = spreadMmhg + (ZEROING.noiseSpreadSds * noiseSd(values)) / Math.sqrt(size);
  return chunkSpread(values, size) <= allowed ? mean : null;
}

/** The readings' noise, one standard deviation, from their successive differences. */
function noiseSd(values: readonly number[]): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += (values[i]! - values[i - 1]!) ** 2;
  return Math.sqrt(sum / Math.max(1, 2 * (values.length - 1)));
}

/** Largest minus smallest mean of consecutive chunks of `size` values. */
function chunkSpread(values: readonly number[], size: number): number {
  const means: number[] = [];
  for (let i = 0; i + size <= values.length; i += size) means.push(values.slice(i, i + size).reduce((a, b) => a + b, 0) / size);
  return Math.max(...means) - Math.min(...means);
}

/** A latched fault: vented until the host acknowledges it with the cuff deflated. */
export class FaultMode implements ModeBase {
  readonly kind = "fault";
  readonly state = "fault";
  readonly phase = "fault";

  constructor(readonly fault: AlarmKind) {}

  step(): ModeOutput {
    return VENTED;
  }
}
