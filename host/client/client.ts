/**
 * The host side of the cuff link, on RxJS. One CuffClient owns one link:
 * hello with fingerprint check, commands acknowledged by seq (retried with the
 * same seq, which the firmware answers without executing twice), heartbeats,
 * telemetry/event streams, and reconnection that resynchronises with a session
 * still running on the firmware. Every timer goes through the injected Clock.
 */
import { BehaviorSubject, type Observable, Subject, distinctUntilChanged, filter, firstValueFrom } from "rxjs";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import type { Limb, PlanInput, Target } from "../../shared/plan.ts";
import {
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
import { ClientClosedError, HelloMismatchError, LinkLostError } from "./errors.ts";
import type { LinkPort } from "./port.ts";
import { Requests } from "./requests.ts";
import { type ConnectionState, type CuffClientOptions, DEFAULT_RECONNECT, type FirmwareHelloMessage, type LinkNotice, type ReconnectOptions } from "./options.ts";
import { foreignHello, HelloExchange, helloWait, mismatchError, notACuffError, randomInstance } from "./hello.ts";

export type { ConnectionState, CuffClientOptions, FirmwareHelloMessage, LinkNotice, ReconnectOptions };

export const HOST_SOFTWARE = "cuff-host 0.1";

type Of<T extends FirmwareMessage["type"]> = Extract<FirmwareMessage, { type: T }>;
export type AckMessage = Of<"ack">;
export type CuffEvent = Of<"state" | "phase" | "rep" | "alarm" | "lop-result" | "summary">;
const EVENT_TYPES = new Set<string>(["state", "phase", "rep", "alarm", "lop-result", "summary"]);

type CommandBody = Exclude<HostBody, { type: "hello" | "heartbeat" | "status-request" }>;

interface Connection {
  port: LinkPort;
  alive: boolean;
  /** Resolves when the stream closes or fails. */
  gone: Promise<void>;
  markGone(): void;
}

export class CuffClient {
  private readonly clock: Clock;
  private readonly options: Required<Omit<CuffClientOptions, "reconnect" | "pairingKey">> & Pick<CuffClientOptions, "pairingKey"> & { reconnect: ReconnectOptions | false };
  private readonly seq = new SequenceCounter();
  private readonly requests: Requests;
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
      instance: randomInstance(),
      ...options,
      reconnect: options.reconnect === undefined ? DEFAULT_RECONNECT : options.reconnect,
    };
    this.requests = new Requests(this.clock, this, this.seq, this.options);
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

  /** This host may send every command: the link is open, or its hello proved the pairing key. */
  get paired(): boolean {
    return this.firmware?.authenticated !== false;
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
    return this.requests.request$(body, wantsStatus, () => (this.closing ? (this.fatalError ?? new ClientClosedError("the client was closed")) : null));
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
    this.requests.failAll(this.fatalError ?? new ClientClosedError("the client was closed"));
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
    await connection.port.close();
  }

  // ---- connection -----------------------------------------------------------------

  private async connectOnce(reconnect: boolean): Promise<void> {
    const port = await this.options.connect();
    if (this.closing) {
      await port.close();
      throw new ClientClosedError("the client was closed");
    }
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const connection: Connection = { port, alive: true, gone, markGone };
    this.connection = connection;
    let badLines = 0;
    let helloMismatch: Error | null = null;
    const exchange = new HelloExchange(HOST_SOFTWARE, this.options.instance, this.options.pairingKey);
    const reply: { firmware: FirmwareHelloMessage | null } = { firmware: null };
    let wake = () => {};
    this.helloProblem = (error) => {
      helloMismatch = error;
      wake();
    };
    this.helloWaiter = (message) => {
      if (message.protocol !== PROTOCOL_VERSION || message.fingerprint !== SCHEMA_FINGERPRINT) {
        helloMismatch = mismatchError(this.options.label, message.protocol, message.fingerprint);
        wake();
        return;
      }
      const next = exchange.judge(message);
      if (next === "prove") this.send(exchange.body());
      if (next !== "done") return;
      reply.firmware = message;
      wake();
    };
    port.onLine((line) => {
      if (!connection.alive) return;
      const ok = this.onLine(line);
      if (!ok && this.helloWaiter) badLines++;
    });
    port.onClose((reason) => {
      connection.markGone();
      if (connection.alive && this.connection === connection) this.onLinkLost(reason ?? "the port closed");
    });

    for (let attempt = 0; attempt < this.options.helloAttempts && !reply.firmware && !helloMismatch; attempt++) {
      this.send(exchange.body());
      await helloWait(this.clock, this.options.helloTimeoutSeconds, connection.gone, (resolve) => (wake = resolve));
    }
    const firmware = reply.firmware;
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
      throw notACuffError(this.options.label, badLines, seconds);
    }
    const restarted = this.lastUptime !== null && firmware.uptime < this.lastUptime;
    this.lastUptime = firmware.uptime;
    this.firmware = firmware;
    this.lostSinceSeconds = null;
    this.connectionSubject.next("connected");
    this.noticeSubject.next({ kind: "connected", firmware, reconnect, firmwareRestarted: restarted });
    this.armSilenceWatch();
    this.scheduleHeartbeat();
    this.requests.resume();
    try {
      await this.status(0);
    } catch (error) {
      if (error instanceof ClientClosedError) throw error;
      this.noticeSubject.next({ kind: "resync-failed", reason: (error as Error).message });
      if (!reconnect) throw error;
    }
  }

  private onLinkLost(reason: string): void {
    const connection = this.connection;
    if (!connection || this.closing) return;
    this.connection = null;
    this.stopConnectionTimers();
    this.requests.pause();
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

  /** Send a frame on the live connection (dropped without one). */
  write(frame: string): void {
    const connection = this.connection;
    if (!connection || !connection.alive) return;
    connection.port.write(frame);
  }

  /** Handle one received line; false if it was not a valid frame. */
  private onLine(line: string): boolean {
    const decoded = decodeFirmwareFrame(line);
    if (!decoded.ok) {
      this.noticeSubject.next({ kind: "bad-frame", failure: decoded });
      const other = this.helloProblem && decoded.code !== "checksum" ? foreignHello(line) : null;
      if (other) {
        this.helloProblem!(mismatchError(this.options.label, other.protocol, other.fingerprint));
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
      if (this.helloWaiter) this.helloWaiter(message);
      else this.firmware = message;
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
        this.requests.settle(message.ref, message);
        break;
      case "error":
        this.noticeSubject.next({ kind: "error-reply", code: message.code, ref: message.ref, detail: message.detail });
        if (message.ref !== null) this.requests.settle(message.ref, message);
        break;
      case "status":
        this.lastStatus = message;
        this.stateSubject.next(message.state);
        this.statusSubject.next(message);
        this.requests.settle(message.ref, message);
        break;
      default:
        if (message.type === "state") this.stateSubject.next(message.to);
        if (EVENT_TYPES.has(message.type)) this.eventSubject.next(message as CuffEvent);
    }
    return true;
  }
}

