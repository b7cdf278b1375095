/**
 * The host side of the cuff link, on RxJS. One CuffClient owns one link:
 * hello with fingerprint check, commands acknowledged by seq (retried with the
 * same seq, which the firmware answers without executing twice), heartbeats,
 * telemetry/event streams, and reconnection that resynchronises with a session
 * still running on the firmware. Every timer goes through the injected Clock.
 */
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { ReadlineParser } from "@serialport/parser-readline";
import { BehaviorSubject, Observable, Subject, distinctUntilChanged, filter, firstValueFrom } from "rxjs";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import type { Limb, PlanInput, Target } from "../../shared/plan.ts";
import {
  type DecodeFailure,
  decodeFirmwareFrame,
  encodeFrame,
  type FirmwareMessage,
  type HostBody,
  PROTOCOL_VERSION,
  SCHEMA_FINGERPRINT,
  SequenceCounter,
  type StateName,
  type StatusMessage,
  type TelemetryMessage,
} from "../../shared/protocol/index.ts";
import {
  ClientClosedError,
  CommandTimeoutError,
  HelloMismatchError,
  LinkLostError,
  NackError,
  NotACuffError,
  RefusedError,
} from "./errors.ts";
import { type Connector, closeStream } from "./transport.ts";

export const HOST_SOFTWARE = "cuff-host 0.1";

type Of<T extends FirmwareMessage["type"]> = Extract<FirmwareMessage, { type: T }>;
export type FirmwareHelloMessage = Of<"hello">;
export type AckMessage = Of<"ack">;
export type CuffEvent = Of<"state" | "phase" | "rep" | "alarm" | "lop-result" | "summary">;
const EVENT_TYPES = new Set<string>(["state", "phase", "rep", "alarm", "lop-result", "summary"]);

type CommandBody = Exclude<HostBody, { type: "hello" | "heartbeat" | "status-request" }>;

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "closed";

/** Something the link did that a person or a recording may care about. */
export type LinkNotice =
  | { kind: "connected"; firmware: FirmwareHelloMessage; reconnect: boolean; firmwareRestarted: boolean }
  | { kind: "lost"; reason: string }
  | { kind: "bad-frame"; failure: DecodeFailure }
  | { kind: "error-reply"; code: string; ref: number | null; detail: string }
  | { kind: "resync-failed"; reason: string };

export interface ReconnectOptions {
  /** First wait after a loss; doubles on each failed attempt. */
  initialSeconds: number;
  maxSeconds: number;
  /** Give up (and fail every pending command) after this long without a link. */
  giveUpSeconds: number;
}

export interface CuffClientOptions {
  connect: Connector;
  clock: Clock;
  /** Heartbeat period; the firmware's host-silence window is 2 s by default. */
  heartbeatSeconds?: number;
  /** Wait for an ack this long before sending the same frame again. */
  ackTimeoutSeconds?: number;
  /** Resends after the first try, before a command fails. */
  retries?: number;
  helloTimeoutSeconds?: number;
  helloAttempts?: number;
  /** No frame from the firmware for this long (telemetry is 20 Hz) means the link is dead. */
  firmwareSilenceSeconds?: number;
  /** false: a lost link closes the client. */
  reconnect?: ReconnectOptions | false;
  /** Where the link goes, for error messages ("/dev/ttyUSB0", "the simulated cuff"). */
  label?: string;
  /** Random per process unless given (tests pin it). */
  instance?: string;
}

const DEFAULT_RECONNECT: ReconnectOptions = { initialSeconds: 0.25, maxSeconds: 4, giveUpSeconds: 60 };

interface Pending {
  seq: number;
  type: string;
  frame: string;
  /** Sends so far on the current connection. */
  attempts: number;
  timer: Cancellable | null;
  settle(result: { ok: true; message: FirmwareMessage } | { ok: false; error: Error }): void;
  /** Status requests finish on the status reply, not on an ack. */
  wantsStatus: boolean;
}

interface Connection {
  stream: Duplex;
  parser: ReadlineParser;
  alive: boolean;
  /** Resolves when the stream closes or fails. */
  gone: Promise<void>;
  markGone(): void;
}

export class CuffClient {
  private readonly clock: Clock;
  private readonly options: Required<Omit<CuffClientOptions, "reconnect">> & { reconnect: ReconnectOptions | false };
  private readonly seq = new SequenceCounter();
  private readonly pending = new Map<number, Pending>();
  private connection: Connection | null = null;
  private heartbeatTimer: Cancellable | null = null;
  private silenceTimer: Cancellable | null = null;
  private reconnectTimer: Cancellable | null = null;
  private lostSinceSeconds: number | null = null;
  private helloWaiter: ((message: FirmwareHelloMessage) => void) | null = null;
  /** During the hello: the firmware is a cuff of another version (or refused us); ends the wait. */
  private helloProblem: ((error: HelloMismatchError) => void) | null = null;
  private lastUptime: number | null = null;
  private closing = false;
  private fatalError: Error | null = null;

  private readonly telemetrySubject = new Subject<TelemetryMessage>();
  private readonly eventSubject = new Subject<CuffEvent>();
  private readonly stateSubject = new BehaviorSubject<StateName | null>(null);
  private readonly statusSubject = new Subject<StatusMessage>();
  private readonly connectionSubject = new BehaviorSubject<ConnectionState>("connecting");
  private readonly noticeSubject = new Subject<LinkNotice>();

  /** Every telemetry frame (20 Hz or more). */
  readonly telemetry$: Observable<TelemetryMessage> = this.telemetrySubject.asObservable();
  /** state, phase, rep, alarm, lop-result and summary events, as they arrive. */
  readonly events$: Observable<CuffEvent> = this.eventSubject.asObservable();
  /** The controller state, current value first, then each change. */
  readonly state$: Observable<StateName> = this.stateSubject.pipe(
    filter((s): s is StateName => s !== null),
    distinctUntilChanged(),
  );
  /** Each status reply, including the one fetched after every (re)connect to resynchronise. */
  readonly status$: Observable<StatusMessage> = this.statusSubject.asObservable();
  readonly connection$: Observable<ConnectionState> = this.connectionSubject.pipe(distinctUntilChanged());
  readonly notices$: Observable<LinkNotice> = this.noticeSubject.asObservable();

  /** The firmware's latest hello. */
  firmware: FirmwareHelloMessage | null = null;
  /** The latest status reply (after connect and after each reconnect). */
  lastStatus: StatusMessage | null = null;

  private constructor(options: CuffClientOptions) {
    this.clock = options.clock;
    this.options = {
      heartbeatSeconds: 0.5,
      ackTimeoutSeconds: 0.5,
      retries: 4,
      helloTimeoutSeconds: 1,
      helloAttempts: 3,
      firmwareSilenceSeconds: 1.5,
      label: "the cuff",
      instance: randomBytes(6).toString("hex"),
      ...options,
      reconnect: options.reconnect === undefined ? DEFAULT_RECONNECT : options.reconnect,
    };
  }

  /** Connect, exchange hellos, fetch the status. Rejects with a one-sentence CuffLinkError. */
  static async open(options: CuffClientOptions): Promise<CuffClient> {
    const client = new CuffClient(options);
    try {
      await client.connectOnce(false);
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  get connected(): boolean {
    return this.connectionSubject.value === "connected";
  }

  get instance(): string {
    return this.options.instance;
  }

  /** Why the client closed by itself (lost link, hello mismatch), if it did. */
  get failure(): Error | null {
    return this.fatalError;
  }

  /** The state most recently reported by the firmware. */
  get state(): StateName | null {
    return this.stateSubject.value;
  }

  // ---- commands ---------------------------------------------------------------

  /** Cold: subscribing sends the command; emits the ack, or errors with NackError/CommandTimeoutError. */
  command$(body: CommandBody): Observable<AckMessage> {
    return this.request$(body, false) as Observable<AckMessage>;
  }

  command(body: CommandBody): Promise<AckMessage> {
    return firstValueFrom(this.command$(body));
  }

  status(cuff = 0): Promise<StatusMessage> {
    return firstValueFrom(this.request$({ type: "status-request", cuff }, true) as Observable<StatusMessage>);
  }

  zero(cuff = 0) {
    return this.command({ type: "zero", cuff });
  }
  measureLop(limb: Limb, cuff = 0) {
    return this.command({ type: "measure-lop", cuff, limb });
  }
  startSession(limb: Limb, plan: PlanInput, cuff = 0) {
    return this.command({ type: "start-session", cuff, limb, plan });
  }
  setDone(cuff = 0) {
    return this.command({ type: "set-done", cuff });
  }
  hold(target: Target, cuff = 0) {
    return this.command({ type: "hold", cuff, target });
  }
  deflate(cuff = 0) {
    return this.command({ type: "deflate", cuff });
  }
  abort(cuff = 0) {
    return this.command({ type: "abort", cuff });
  }
  ackFault(cuff = 0) {
    return this.command({ type: "ack-fault", cuff });
  }

  private request$(body: HostBody, wantsStatus: boolean): Observable<FirmwareMessage> {
    return new Observable<FirmwareMessage>((subscriber) => {
      if (this.closing) {
        subscriber.error(this.fatalError ?? new ClientClosedError("the client was closed"));
        return undefined;
      }
      const seq = this.seq.take();
      const p: Pending = {
        seq,
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

  // ---- teardown -----------------------------------------------------------------

  /** The transport failed beyond repair (the simulated cuff crashed): close, and fail everything with `error`. */
  closeWithError(error: Error): Promise<void> {
    this.fatalError ??= error;
    return this.close();
  }

  /** Stop everything: timers, the stream, the subjects. Pending commands fail with ClientClosedError. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stopConnectionTimers();
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.failAllPending(this.fatalError ?? new ClientClosedError("the client was closed"));
    const connection = this.connection;
    this.connection = null;
    if (connection) await this.dropConnection(connection);
    this.connectionSubject.next("closed");
    for (const subject of [
      this.telemetrySubject,
      this.eventSubject,
      this.stateSubject,
      this.statusSubject,
      this.connectionSubject,
      this.noticeSubject,
    ] as Subject<unknown>[]) {
      subject.complete();
    }
  }

  private async dropConnection(connection: Connection): Promise<void> {
    connection.alive = false;
    connection.markGone();
    connection.stream.unpipe(connection.parser);
    connection.parser.removeAllListeners("data");
    connection.parser.destroy();
    await closeStream(connection.stream);
  }

  // ---- connection -----------------------------------------------------------------

  private async connectOnce(reconnect: boolean): Promise<void> {
    const stream = await this.options.connect();
    if (this.closing) {
      await closeStream(stream);
      throw new ClientClosedError("the client was closed");
    }
    const parser = new ReadlineParser({ delimiter: "\n", encoding: "utf8" });
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const connection: Connection = { stream, parser, alive: true, gone, markGone };
    this.connection = connection;
    let badLines = 0;
    let helloMismatch: Error | null = null;
    const hello = new Promise<FirmwareHelloMessage | null>((resolve) => {
      this.helloProblem = (error) => {
        helloMismatch = error;
        resolve(null);
      };
      this.helloWaiter = (message) => {
        if (message.protocol !== PROTOCOL_VERSION || message.fingerprint !== SCHEMA_FINGERPRINT) {
          helloMismatch = new HelloMismatchError(
            `${this.options.label} speaks a different cuff link (firmware protocol ${message.protocol}, ` +
              `fingerprint ${message.fingerprint}; this host: protocol ${PROTOCOL_VERSION}, fingerprint ${SCHEMA_FINGERPRINT}): ` +
              `install the same release of firmware and host`,
          );
        }
        resolve(message);
      };
    });
    parser.on("data", (line: string) => {
      if (!connection.alive) return;
      const ok = this.onLine(line);
      if (!ok && this.helloWaiter) badLines++;
    });
    const onGone = (error?: Error) => {
      connection.markGone();
      if (connection.alive && this.connection === connection) this.onLinkLost(error?.message ?? "the port closed");
    };
    stream.on("error", onGone);
    stream.on("close", () => onGone());
    stream.on("end", () => onGone());
    stream.pipe(parser);

    let firmware: FirmwareHelloMessage | null = null;
    for (let attempt = 0; attempt < this.options.helloAttempts && !firmware && !helloMismatch; attempt++) {
      this.send({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: HOST_SOFTWARE, instance: this.options.instance });
      firmware = await this.raceTimeout(hello, this.options.helloTimeoutSeconds, connection);
    }
    this.helloWaiter = null;
    this.helloProblem = null;
    if (!firmware || helloMismatch) {
      this.connection = null;
      await this.dropConnection(connection);
      if (helloMismatch) {
        this.fatalError = helloMismatch;
        throw helloMismatch;
      }
      if (!connection.alive && this.closing) throw new ClientClosedError("the client was closed");
      const seconds = this.options.helloTimeoutSeconds * this.options.helloAttempts;
      throw new NotACuffError(
        badLines > 0
          ? `${this.options.label} is not a cuff: it sent ${badLines} line(s) that are not cuff link frames and no hello within ${seconds} s`
          : `no cuff answered on ${this.options.label} within ${seconds} s (is it a cuff, is the firmware running?)`,
      );
    }
    const restarted = this.lastUptime !== null && firmware.uptime < this.lastUptime;
    this.lastUptime = firmware.uptime;
    this.firmware = firmware;
    this.lostSinceSeconds = null;
    this.connectionSubject.next("connected");
    this.noticeSubject.next({ kind: "connected", firmware, reconnect, firmwareRestarted: restarted });
    this.armSilenceWatch();
    this.scheduleHeartbeat();
    for (const p of this.pending.values()) {
      p.attempts = 0;
      this.transmit(p);
    }
    try {
      await this.status(0);
    } catch (error) {
      if (error instanceof ClientClosedError) throw error;
      this.noticeSubject.next({ kind: "resync-failed", reason: (error as Error).message });
      if (!reconnect) throw error;
    }
  }

  /** Resolves with the value, or null after `seconds` or when the connection dies. */
  private raceTimeout<T>(promise: Promise<T>, seconds: number, connection: Connection): Promise<T | null> {
    return new Promise<T | null>((resolve) => {
      let done = false;
      const finish = (value: T | null) => {
        if (done) return;
        done = true;
        timer.cancel();
        resolve(value);
      };
      const timer = this.clock.schedule(seconds, () => finish(null));
      void promise.then(finish);
      void connection.gone.then(() => finish(null));
    });
  }

  private onLinkLost(reason: string): void {
    const connection = this.connection;
    if (!connection || this.closing) return;
    this.connection = null;
    this.stopConnectionTimers();
    for (const p of this.pending.values()) {
      p.timer?.cancel();
      p.timer = null;
    }
    void this.dropConnection(connection);
    this.noticeSubject.next({ kind: "lost", reason });
    if (this.helloWaiter) return; // still opening: connectOnce reports it
    if (this.options.reconnect === false) {
      this.fatalError = new LinkLostError(`lost the link to ${this.options.label} (${reason})`);
      void this.close();
      return;
    }
    this.lostSinceSeconds = this.clock.nowSeconds();
    this.connectionSubject.next("reconnecting");
    this.scheduleReconnect(this.options.reconnect.initialSeconds);
  }

  private scheduleReconnect(delaySeconds: number): void {
    const policy = this.options.reconnect;
    if (policy === false || this.closing) return;
    this.reconnectTimer = this.clock.schedule(delaySeconds, () => {
      this.reconnectTimer = null;
      void this.connectOnce(true).catch((error: Error) => {
        if (this.closing) return;
        if (error instanceof HelloMismatchError) {
          this.fatalError = error;
          void this.close();
          return;
        }
        const downSeconds = this.clock.nowSeconds() - (this.lostSinceSeconds ?? this.clock.nowSeconds());
        if (downSeconds >= policy.giveUpSeconds) {
          this.fatalError = new LinkLostError(
            `lost the link to ${this.options.label} for ${Math.round(downSeconds)} s (${error.message.replace(/\.$/, "")})`,
          );
          void this.close();
          return;
        }
        this.scheduleReconnect(Math.min(policy.maxSeconds, delaySeconds * 2));
      });
    });
  }

  private stopConnectionTimers(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    this.silenceTimer?.cancel();
    this.silenceTimer = null;
  }

  private scheduleHeartbeat(): void {
    this.heartbeatTimer = this.clock.schedule(this.options.heartbeatSeconds, () => {
      if (!this.connection || this.closing) return;
      this.send({ type: "heartbeat" });
      this.scheduleHeartbeat();
    });
  }

  private armSilenceWatch(): void {
    this.silenceTimer?.cancel();
    this.silenceTimer = this.clock.schedule(this.options.firmwareSilenceSeconds, () => {
      this.silenceTimer = null;
      this.onLinkLost(`no frame from the firmware for ${this.options.firmwareSilenceSeconds} s`);
    });
  }

  // ---- frames -----------------------------------------------------------------------

  private send(body: HostBody, seq = this.seq.take()): number {
    this.write(encodeFrame({ v: PROTOCOL_VERSION, seq, ...body }));
    return seq;
  }

  private write(frame: string): void {
    const connection = this.connection;
    if (!connection || !connection.alive || connection.stream.destroyed || !connection.stream.writable) return;
    connection.stream.write(frame);
  }

  /** Handle one received line; false if it was not a valid frame. */
  private onLine(line: string): boolean {
    const decoded = decodeFirmwareFrame(line);
    if (!decoded.ok) {
      this.noticeSubject.next({ kind: "bad-frame", failure: decoded });
      const other = this.helloProblem && decoded.code !== "checksum" ? foreignHello(line) : null;
      if (other) {
        this.helloProblem!(
          new HelloMismatchError(
            `${this.options.label} speaks a different cuff link (firmware protocol ${other.protocol}, fingerprint ${other.fingerprint}; ` +
              `this host: protocol ${PROTOCOL_VERSION}, fingerprint ${SCHEMA_FINGERPRINT}): install the same release of firmware and host`,
          ),
        );
        return true;
      }
      return false;
    }
    const message = decoded.message;
    if (message.type === "error" && message.code === "refused" && this.helloProblem) {
      this.helloProblem(new HelloMismatchError(`${this.options.label} refused this host: ${message.detail}`));
      return true;
    }
    if (message.type === "hello") {
      const waiter = this.helloWaiter;
      this.helloWaiter = null;
      waiter?.(message);
      if (!waiter) this.firmware = message;
      return true;
    }
    if (this.connectionSubject.value !== "connected" && this.helloWaiter) return true;
    this.armSilenceWatch();
    switch (message.type) {
      case "telemetry":
        this.stateSubject.next(message.state);
        this.telemetrySubject.next(message);
        break;
      case "ack":
      case "nack":
        this.settleReply(message.ref, message);
        break;
      case "error":
        this.noticeSubject.next({ kind: "error-reply", code: message.code, ref: message.ref, detail: message.detail });
        if (message.ref !== null) this.settleReply(message.ref, message);
        break;
      case "status":
        this.lastStatus = message;
        this.stateSubject.next(message.state);
        this.statusSubject.next(message);
        this.settleReply(message.ref, message);
        break;
      default:
        if (message.type === "state") this.stateSubject.next(message.to);
        if (EVENT_TYPES.has(message.type)) this.eventSubject.next(message as CuffEvent);
    }
    return true;
  }

  private settleReply(ref: number, message: FirmwareMessage): void {
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

  private transmit(p: Pending): void {
    p.timer?.cancel();
    p.timer = null;
    if (!this.connected) return; // resent with the same seq once the link is back
    p.attempts++;
    this.write(p.frame);
    p.timer = this.clock.schedule(this.options.ackTimeoutSeconds, () => {
      p.timer = null;
      if (p.attempts > this.options.retries) {
        p.settle({
          ok: false,
          error: new CommandTimeoutError(
            `no answer from ${this.options.label} to "${p.type}" after ${p.attempts} tries over ` +
              `${(p.attempts * this.options.ackTimeoutSeconds).toFixed(1)} s`,
          ),
        });
        return;
      }
      this.transmit(p);
    });
  }

  private failAllPending(error: Error): void {
    for (const p of [...this.pending.values()]) p.settle({ ok: false, error });
  }
}

/** A firmware hello our schemas cannot read (another version): its protocol and fingerprint, if the frame says. */
function foreignHello(line: string): { protocol: string; fingerprint: string } | null {
  const sep = line.lastIndexOf("|");
  if (sep < 0) return null;
  try {
    const value = JSON.parse(line.slice(0, sep)) as Record<string, unknown>;
    if (value.type !== "hello" || value.role !== "firmware") return null;
    return { protocol: String(value.protocol ?? value.v ?? "?"), fingerprint: String(value.fingerprint ?? "?") };
  } catch {
    return null;
  }
}
