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
  /** Spread of the means of consecutive 100 ms chunks: ignores sensor noise, sees a cuff still emptying. */
  chunkSeconds: 0.1,
  spreadMmhg: 0.6,
  timeoutSeconds: 15,
  /** A zero offset beyond this is a faulty or mis-wired sensor, not an offset. */
  maxOffsetMmhg: 25,
} as const;

/** Zeroing runs only in a known state: pump off, vent open, the reading settled. */
export class ZeroMode implements ModeBase {
  readonly kind = "zeroing";
  readonly state = "zeroing";
  readonly phase = "zero";
  private readonly window: { t: number; mmhg: number }[] = [];

  constructor(private readonly startedSeconds: number) {}

  step(host: ModeHost, { t, estimate }: TickInput): ModeOutput {
    const uncalibrated = host.estimator.uncalibrated(estimate.counts);
    if (!Number.isFinite(uncalibrated)) return VENTED;
    this.window.push({ t, mmhg: uncalibrated });
    while (this.window.length > 0 && t - this.window[0]!.t > ZEROING.settleSeconds) this.window.shift();
    const elapsed = t - this.startedSeconds;
    if (elapsed >= ZEROING.settleSeconds + 0.2) {
      const values = this.window.map((w) => w.mmhg);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      if (chunkSpread(values, Math.max(1, Math.round(ZEROING.chunkSeconds * host.sampleHz))) <= ZEROING.spreadMmhg) {
        if (Math.abs(mean) > ZEROING.maxOffsetMmhg) {
          host.raise(t, "sensor-out-of-range", "warning", `vented reading is ${mean.toFixed(1)} mmHg: too far from zero to be an offset`);
          host.enter(t, new VentedMode(), "zero-failed", "zeroing failed: sensor reading implausible");
          return VENTED;
        }
        host.estimator.setZeroOffset(mean);
        host.zeroed = true;
        host.enter(t, new VentedMode(), "zeroed", `zeroed (offset ${mean.toFixed(2)} mmHg)`);
        return VENTED;
      }
    }
    if (elapsed > ZEROING.timeoutSeconds) {
      host.enter(t, new VentedMode(), "zero-failed", "zeroing failed: pressure did not settle (is the cuff still inflated?)");
    }
    return VENTED;
  }
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
