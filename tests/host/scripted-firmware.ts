/**
 * A small scripted cuff firmware for client tests: it speaks real frames
 * through shared/protocol (hello, acks with the repeated-seq rule, status,
 * telemetry at 20 Hz, a few events) over in-process stream pairs, in virtual time.
 */
import { Duplex } from "node:stream";
import { ReadlineParser } from "@serialport/parser-readline";
import type { Cancellable, ManualClock } from "../../shared/clock.ts";
import {
  decodeHostFrame,
  encodeFrame,
  type FirmwareBody,
  type HostMessage,
  type NackReason,
  PROTOCOL_VERSION,
  commandContent,
  ReplyCache,
  SCHEMA_FINGERPRINT,
  SequenceCounter,
  type StateName,
} from "../../shared/protocol/index.ts";

/** One end of an in-process cable: what is written here is read at the peer. */
class CableEnd extends Duplex {
  peer: CableEnd | null = null;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.peer?.push(chunk);
    callback();
  }
  override _read(): void {}
  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    if (peer && !peer.destroyed) peer.destroy();
    callback(error);
  }
}

/** Two connected Duplex ends, like a cable. Destroying either end (pulling the cable) closes both. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new CableEnd();
  const b = new CableEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Let queued stream data flow (no real time passes). */
export async function flush(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Advance virtual time in small steps, letting the streams carry data between steps. */
export async function run(clock: ManualClock, seconds: number, stepSeconds = 0.01): Promise<void> {
  const end = clock.nowSeconds() + seconds;
  while (clock.nowSeconds() < end - 1e-9) {
    clock.advance(Math.min(stepSeconds, end - clock.nowSeconds()));
    await flush(2);
  }
}

/** Wait (in virtual time) until a promise settles, failing after `limitSeconds`. */
export async function runUntil<T>(clock: ManualClock, promise: Promise<T>, limitSeconds = 30): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  tracked.catch(() => undefined);
  const end = clock.nowSeconds() + limitSeconds;
  while (!settled && clock.nowSeconds() < end) {
    clock.advance(0.01);
    await flush(2);
  }
  await flush(2);
  if (!settled) throw new Error(`still pending after ${limitSeconds} virtual seconds`);
  return tracked;
}

export interface ScriptedFirmwareOptions {
  fingerprint?: string;
  /** Commands of these types get a nack with the given reason. */
  nacks?: Partial<Record<string, NackReason>>;
  /** Ignore the first N frames of these command types (lost on the wire). */
  drop?: Partial<Record<string, number>>;
  /** Send no telemetry (a firmware that went quiet). */
  quiet?: boolean;
}

export class ScriptedFirmware {
  /** Every decoded frame received, replays included. */
  readonly received: HostMessage[] = [];
  /** Commands actually carried out (a replayed seq is not executed again). */
  readonly executed: HostMessage[] = [];
  state: StateName = "vented";
  phase: "idle" | "zero" | "set" | "rest" | "deflate" = "idle";
  set = 0;
  mmhg = 0;
  instance: string | null = null;
  links = 0;
  private readonly seq = new SequenceCounter(100);
  private readonly replies = new ReplyCache<FirmwareBody>();
  private link: Duplex | null = null;
  private telemetryTimer: Cancellable | null = null;
  private readonly dropLeft: Record<string, number>;

  constructor(
    private readonly clock: ManualClock,
    private readonly options: ScriptedFirmwareOptions = {},
  ) {
    this.dropLeft = { ...(options.drop ?? {}) } as Record<string, number>;
  }

  /** A Connector: each call plugs in a fresh cable and returns the host end. */
  readonly connect = async (): Promise<Duplex> => {
    const [host, firmware] = duplexPair();
    this.link = firmware;
    this.links++;
    const parser = firmware.pipe(new ReadlineParser({ delimiter: "\n" }));
    parser.on("data", (line: string) => this.onLine(firmware, line));
    firmware.once("close", () => {
      if (this.link === firmware) {
        this.link = null;
        this.telemetryTimer?.cancel();
        this.telemetryTimer = null;
      }
    });
    this.sendHello();
    this.scheduleTelemetry();
    return host;
  };

  /** The cable is pulled: both ends see the stream close. */
  unplug(): void {
    this.link?.destroy();
  }

  /** Timers this peer still holds. */
  get telemetryRunning(): boolean {
    return this.telemetryTimer !== null;
  }

  emit(body: FirmwareBody): void {
    if (!this.link || this.link.destroyed) return;
    this.link.write(encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), ...body }));
  }

  private sendHello(): void {
    this.emit({
      type: "hello",
      role: "firmware",
      protocol: PROTOCOL_VERSION,
      fingerprint: this.options.fingerprint ?? SCHEMA_FINGERPRINT,
      software: "scripted-fw",
      cuffs: 1,
      uptime: this.clock.nowSeconds(),
    });
  }

  private scheduleTelemetry(): void {
    if (this.options.quiet) return;
    this.telemetryTimer = this.clock.schedule(0.05, () => {
      this.emit({
        type: "telemetry",
        t: this.clock.nowSeconds(),
        mmhg: this.mmhg,
        target: this.state === "regulating" ? 150 : null,
        state: this.state,
        phase: this.phase,
        pump: 0,
        vent: this.state === "vented" ? 1 : 0,
      });
      this.scheduleTelemetry();
    });
  }

  private onLine(link: Duplex, line: string): void {
    if (link !== this.link) return;
    const decoded = decodeHostFrame(line);
    if (!decoded.ok) {
      this.emit({ type: "error", code: decoded.code, ref: decoded.ref, detail: decoded.detail });
      return;
    }
    const message = decoded.message;
    this.received.push(message);
    if ((this.dropLeft[message.type] ?? 0) > 0) {
      this.dropLeft[message.type]!--;
      return;
    }
    if (message.type === "hello") {
      if (message.instance !== this.instance) this.replies.clear();
      this.instance = message.instance;
      this.sendHello();
      return;
    }
    if (message.type === "heartbeat") return;
    const content = commandContent(message);
    const replay = this.replies.replayFor(message.seq, content);
    if (replay) {
      this.emit(replay);
      return;
    }
    const reply = this.execute(message);
    this.replies.remember(message.seq, content, reply);
    this.emit(reply);
  }

  private execute(message: HostMessage): FirmwareBody {
    if (message.type === "status-request") {
      return {
        type: "status",
        ref: message.seq,
        t: this.clock.nowSeconds(),
        state: this.state,
        phase: this.phase,
        zeroed: true,
        lop: 180,
        target: this.state === "regulating" ? 150 : null,
        limb: null,
        plan: null,
        set: this.set,
        rep: 0,
        activeAlarms: [],
        hostSilence: { policy: "vent", timeoutSeconds: 2 },
        lastSummary: null,
      };
    }
    const nack = this.options.nacks?.[message.type];
    if (nack) return { type: "nack", ref: message.seq, reason: nack, detail: `scripted refusal of ${message.type}` };
    this.executed.push(message);
    if (message.type === "hold") {
      this.state = "regulating";
      this.phase = "set";
      this.set = 1;
      this.mmhg = 150;
    }
    if (message.type === "deflate") {
      this.state = "vented";
      this.phase = "idle";
      this.mmhg = 0;
    }
    return { type: "ack", ref: message.seq };
  }
}
