/**
 * Time as a parameter. Control, safety and simulation code asks a Clock for the
 * time and schedules through it, so tests and benches run in virtual time and
 * never sleep.
 */
export interface Cancellable {
  cancel(): void;
}

export interface Clock {
  /** Seconds since this clock's origin (monotonic). */
  nowSeconds(): number;
  /** Run `callback` once, `delaySeconds` from now. */
  schedule(delaySeconds: number, callback: () => void): Cancellable;
}

/** Wall-clock time, for real hardware and real-time runs. */
export class SystemClock implements Clock {
  private readonly originMs = performance.now();

  nowSeconds(): number {
    return (performance.now() - this.originMs) / 1000;
  }

  schedule(delaySeconds: number, callback: () => void): Cancellable {
    const handle = setTimeout(callback, Math.max(0, delaySeconds * 1000));
    return { cancel: () => clearTimeout(handle) };
  }
}

interface PendingTimer {
  dueSeconds: number;
  order: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * Virtual time that only moves when told to. Timers fire in due order, ties in
 * the order they were scheduled, with `nowSeconds()` equal to their due time.
 */
export class ManualClock implements Clock {
  private now: number;
  private order = 0;
  private pending: PendingTimer[] = [];

  constructor(startSeconds = 0) {
    this.now = startSeconds;
  }

  nowSeconds(): number {
    return this.now;
  }

  schedule(delaySeconds: number, callback: () => void): Cancellable {
    const timer: PendingTimer = {
      dueSeconds: this.now + Math.max(0, delaySeconds),
      order: this.order++,
      callback,
      cancelled: false,
    };
    this.pending.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Move time forward, firing every timer that falls due on the way. */
  advance(seconds: number): void {
    this.advanceTo(this.now + seconds);
  }

  advanceTo(targetSeconds: number): void {
    for (;;) {
      const next = this.nextDue(targetSeconds);
      if (!next) break;
      this.now = Math.max(this.now, next.dueSeconds);
      next.cancelled = true;
      next.callback();
    }
    this.pending = this.pending.filter((t) => !t.cancelled);
    this.now = Math.max(this.now, targetSeconds);
  }

  /** Timers still waiting (for teardown checks). */
  pendingCount(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }

  private nextDue(limitSeconds: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.pending) {
      if (t.cancelled || t.dueSeconds > limitSeconds) continue;
      if (!best || t.dueSeconds < best.dueSeconds || (t.dueSeconds === best.dueSeconds && t.order < best.order)) best = t;
    }
    return best;
  }
}
