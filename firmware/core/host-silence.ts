/** The host-silence policy: what the cuff does when its host stops talking mid-session. */
import { DEFAULT_HOST_SILENCE_SECONDS } from "../../shared/limits.ts";

export type HostSilencePolicy = { policy: "vent" | "continue"; timeoutSeconds: number };

export class HostSilenceWatch {
  private lastHeardSeconds: number | null = null;
  private reported = false;

  constructor(public policy: HostSilencePolicy = { policy: "vent", timeoutSeconds: DEFAULT_HOST_SILENCE_SECONDS }) {}

  /** Any valid message from the host counts as a sign of life. */
  heard(t: number): void {
    this.lastHeardSeconds = t;
    this.reported = false;
  }

  /** Seconds of silence, once, when they first reach the timeout while `watching`; else null. */
  silentFor(t: number, watching: boolean): number | null {
    if (!watching || this.lastHeardSeconds === null) return null;
    const silent = t - this.lastHeardSeconds;
    if (silent < this.policy.timeoutSeconds || this.reported) return null;
    this.reported = true;
    return silent;
  }
}
