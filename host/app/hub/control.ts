/**
 * Which page controls the cuff. One page at a time may start, steer or end an
 * activity; every other page watches (and may still deflate). Control goes to
 * the first page that asks and stays with it while it is connected and heard,
 * so a second phone cannot change a set someone else is lifting. It is free
 * again when that page leaves, falls silent, or leaves the cuff vented and
 * idle for a while. Pure: time is a parameter.
 */

/** A page heartbeats every 0.5 s: this long without a frame means it is gone (a locked phone, a closed lid). */
export const CONTROLLER_SILENCE_SECONDS = 5;
/** A vented, idle cuff is free for another page after this long without a command from its controller. */
export const IDLE_RELEASE_SECONDS = 30;

export type ControlVerdict = { granted: true } | { granted: false; detail: string };

interface Holder {
  peer: string;
  label: string;
  lastHeardSeconds: number;
  lastCommandSeconds: number;
}

export class ControlLease {
  private holder: Holder | null = null;

  /** The page that controls the cuff now, if any. */
  get controller(): string | null {
    return this.holder?.peer ?? null;
  }

  /**
   * A page asks to send a command that steers the cuff. `cuffIdle`: the cuff is
   * vented with no activity under way.
   */
  request(peer: string, label: string, nowSeconds: number, cuffIdle: boolean): ControlVerdict {
    const holder = this.holder;
    if (holder === null || holder.peer === peer || this.lapsed(holder, nowSeconds, cuffIdle)) {
      this.holder = { peer, label, lastHeardSeconds: nowSeconds, lastCommandSeconds: nowSeconds };
      return { granted: true };
    }
    return {
      granted: false,
      detail: `another page (${holder.label}) controls this cuff; this one watches and can still press Deflate`,
    };
  }

  /** Any frame from a page (heartbeats included) shows it is still there. */
  heard(peer: string, nowSeconds: number): void {
    if (this.holder?.peer === peer) this.holder.lastHeardSeconds = nowSeconds;
  }

  /** The page's socket closed. */
  left(peer: string): void {
    if (this.holder?.peer === peer) this.holder = null;
  }

  private lapsed(holder: Holder, nowSeconds: number, cuffIdle: boolean): boolean {
    if (nowSeconds - holder.lastHeardSeconds > CONTROLLER_SILENCE_SECONDS) return true;
    return cuffIdle && nowSeconds - holder.lastCommandSeconds > IDLE_RELEASE_SECONDS;
  }
}
