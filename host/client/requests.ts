/**
 * Commands in flight: each is sent with its own seq, resent with the same seq
 * until the firmware answers (it runs a command once and answers a resend again),
 * and settled by its ack, nack, error or status reply.
 */
import { Observable } from "rxjs";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import { encodeFrame, type FirmwareMessage, type HostBody, PROTOCOL_VERSION, SequenceCounter } from "../../shared/protocol/index.ts";
import { CommandTimeoutError, NackError, RefusedError } from "./errors.ts";

interface Pending {
  type: string;
  frame: string;
  /** Sends so far on the current connection. */
  attempts: number;
  timer: Cancellable | null;
  /** Status requests finish on the status reply, not on an ack. */
  wantsStatus: boolean;
  settle(result: { ok: true; message: FirmwareMessage } | { ok: false; error: Error }): void;
}

export interface RequestLink {
  /** The link is up: frames can go out. */
  readonly connected: boolean;
  write(frame: string): void;
}

export class Requests {
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly link: RequestLink,
    readonly seq: SequenceCounter,
    private readonly options: { ackTimeoutSeconds: number; retries: number; label: string },
  ) {}

  /** Cold: subscribing sends the request; emits its reply, or errors with NackError, RefusedError or CommandTimeoutError. */
  request$(body: HostBody, wantsStatus: boolean, closedError: () => Error | null): Observable<FirmwareMessage> {
    return new Observable<FirmwareMessage>((subscriber) => {
      const closed = closedError();
      if (closed) {
        subscriber.error(closed);
        return undefined;
      }
      const seq = this.seq.take();
      const p: Pending = {
        type: body.type,
        frame: encodeFrame({ v: PROTOCOL_VERSION, seq, ...body }),
        attempts: 0,
        timer: null,
        wantsStatus,
        settle: (result) => {
          p.timer?.cancel();
          p.timer = null;
          this.pending.delete(seq);
          if (result.ok) {
            subscriber.next(result.message);
            subscriber.complete();
          } else {
            subscriber.error(result.error);
          }
        },
      };
      this.pending.set(seq, p);
      this.transmit(p);
      return () => {
        p.timer?.cancel();
        this.pending.delete(seq);
      };
    });
  }

  /** A reply referring to `ref` arrived. */
  settle(ref: number, message: FirmwareMessage): void {
    const p = this.pending.get(ref);
    if (!p) return;
    if (message.type === "ack" && p.wantsStatus) return;
    if (message.type === "nack") {
      p.settle({ ok: false, error: new NackError(p.type, message.reason, message.detail) });
    } else if (message.type === "error") {
      p.settle({ ok: false, error: new RefusedError(`the cuff could not read "${p.type}": ${message.code} (${message.detail})`) });
    } else {
      p.settle({ ok: true, message });
    }
  }

  /** The link dropped: stop the resend timers; the requests wait for the next connection. */
  pause(): void {
    for (const p of this.pending.values()) {
      p.timer?.cancel();
      p.timer = null;
    }
  }

  /** A new connection: send every waiting request again, with its own seq. */
  resume(): void {
    for (const p of this.pending.values()) {
      p.attempts = 0;
      this.transmit(p);
    }
  }

  failAll(error: Error): void {
    for (const p of [...this.pending.values()]) p.settle({ ok: false, error });
  }

  private transmit(p: Pending): void {
    p.timer?.cancel();
    p.timer = null;
    if (!this.link.connected) return;
    p.attempts++;
    this.link.write(p.frame);
    p.timer = this.clock.schedule(this.options.ackTimeoutSeconds, () => {
      p.timer = null;
      if (p.attempts > this.options.retries) {
        p.settle({
          ok: false,
          error: new CommandTimeoutError(
            `no answer from ${this.options.label} to "${p.type}" after ${p.attempts} tries over ${(p.attempts * this.options.ackTimeoutSeconds).toFixed(1)} s`,
          ),
        });
        return;
      }
      this.transmit(p);
    });
  }
}
