/**
 * The cuff link shared by several pages. The hub is the cuff's one host (it
 * keeps the link, the heartbeats and the reconnection through a CuffClient);
 * each page speaks the same cuff link to the hub over its WebSocket, one frame
 * per message: hello, heartbeats, commands, status requests in; hello, acks,
 * telemetry and events out. Each page's WebSocket is a paired link: a page
 * commands the cuff only once its hello proves the page key (which the server
 * puts in the page it serves); any other peer may read status and deflate. One
 * page controls at a time (control.ts); any page may deflate. A message that is
 * not a valid frame gets a typed error and a closed socket, and never reaches
 * the cuff.
 */
import { type Observable, Subject, type Subscription } from "rxjs";
import type { Clock } from "../../../shared/clock.ts";
import {
  decodeHostFrame,
  type FirmwareBody,
  type FirmwareMessage,
  type HostMessage,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  SCHEMA_FINGERPRINT,
} from "../../../shared/protocol/index.ts";
import type { CuffClient } from "../../client/client.ts";
import { NackError, RefusedError } from "../../client/errors.ts";
import { ControlLease } from "./control.ts";
import { CLOSE_CODE, HubPeer, type HubSocket } from "./peer.ts";

export interface LinkHubOptions {
  /** The cuff, as this process's host connection to it. */
  upstream: CuffClient;
  /** Wall time, for control and pacing (the pages live in wall time even when the simulated cuff runs faster). */
  clock: Clock;
  /** Telemetry per page at most this often (a simulated cuff at high speed sends far more than a screen shows). */
  maxTelemetryHz?: number;
  /** A page with more than this unsent skips telemetry until it catches up; events still go. */
  maxBufferedBytes?: number;
  /** The key a page proves in its hello (32 bytes); without it every WebSocket is an open link. */
  pageKey?: Uint8Array;
}

/** What the server hands each page's messages to. */
export interface PeerHandle {
  receive(data: string | Buffer, isBinary: boolean): void;
  /** The socket closed (by either side). */
  closed(): void;
}

/** Commands any page may send without control: see the cuff, and empty it. */
const OPEN_TO_WATCHERS = new Set<HostMessage["type"]>(["status-request", "deflate"]);
/** A page this far behind is dropped: it can reconnect and resynchronise from a status. */
const DROP_BUFFERED_FACTOR = 16;

/** A command the cuff accepted from a page. */
export type AcceptedCommand = Exclude<HostMessage, { type: "hello" | "heartbeat" | "status-request" }>;

export class LinkHub {
  private readonly acceptedSubject = new Subject<AcceptedCommand>();
  /** Every command the cuff acknowledged, whichever page sent it (the session log starts recordings on these). */
  readonly accepted$: Observable<AcceptedCommand> = this.acceptedSubject.asObservable();
  private readonly peers = new Map<string, HubPeer>();
  private readonly lease = new ControlLease();
  private readonly subscriptions: Subscription[] = [];
  private nextPeer = 1;
  private lastState: string | null = null;
  private lastT: number | null = null;
  private readonly telemetryGapSeconds: number;
  private readonly maxBufferedBytes: number;

  constructor(private readonly options: LinkHubOptions) {
    this.telemetryGapSeconds = 1 / (options.maxTelemetryHz ?? 50);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024;
    const up = options.upstream;
    this.subscriptions.push(
      up.telemetry$.subscribe((m) => {
        this.lastState = m.state;
        this.lastT = m.t;
        this.broadcast(m, true);
      }),
      up.events$.subscribe((e) => this.broadcast(e, false)),
      up.connection$.subscribe((state) => {
        if (state === "closed") this.closeAll(CLOSE_CODE.internalError, "the link to the cuff closed");
      }),
    );
  }

  /** The page that controls the cuff now (its peer id), if any. */
  get controller(): string | null {
    return this.lease.controller;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  attach(socket: HubSocket, label: string): PeerHandle {
    const peer = new HubPeer(`page-${this.nextPeer++}`, label, socket, this.options.pageKey ?? null);
    this.peers.set(peer.id, peer);
    this.sendHello(peer);
    return {
      receive: (data, isBinary) => this.receive(peer, data, isBinary),
      closed: () => {
        peer.closed = true;
        this.peers.delete(peer.id);
        this.lease.left(peer.id);
      },
    };
  }

  close(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.acceptedSubject.complete();
    this.closeAll(CLOSE_CODE.goingAway, "the cuff app is stopping");
  }

  private closeAll(code: number, reason: string): void {
    for (const peer of [...this.peers.values()]) {
      peer.closed = true;
      peer.socket.close(code, reason);
      this.peers.delete(peer.id);
      this.lease.left(peer.id);
    }
  }

  private receive(peer: HubPeer, data: string | Buffer, isBinary: boolean): void {
    if (peer.closed) return;
    if (isBinary) {
      peer.reject({ type: "error", code: "framing", ref: null, detail: "binary WebSocket messages are not cuff link frames" }, CLOSE_CODE.unsupportedData);
      return;
    }
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    if (bytes > MAX_FRAME_BYTES) {
      peer.reject({ type: "error", code: "too-long", ref: null, detail: `message of ${bytes} bytes exceeds ${MAX_FRAME_BYTES}` }, CLOSE_CODE.messageTooBig);
      return;
    }
    const text = (typeof data === "string" ? data : data.toString("utf8")).replace(/\r?\n$/, "");
    if (/[\r\n]/.test(text)) {
      peer.reject({ type: "error", code: "framing", ref: null, detail: "one frame per WebSocket message" }, CLOSE_CODE.policyViolation);
      return;
    }
    const decoded = decodeHostFrame(typeof data === "string" ? text : Buffer.from(text, "utf8"));
    if (!decoded.ok) {
      peer.reject({ type: "error", code: decoded.code, ref: decoded.ref, detail: decoded.detail }, CLOSE_CODE.policyViolation);
      return;
    }
    this.handle(peer, decoded.message);
  }

  private handle(peer: HubPeer, message: HostMessage): void {
    if (message.type === "hello") {
      if (message.protocol !== PROTOCOL_VERSION || message.fingerprint !== SCHEMA_FINGERPRINT) {
        peer.send({
          type: "error",
          code: "refused",
          ref: message.seq,
          detail: `protocol mismatch: this cuff app speaks v${PROTOCOL_VERSION} fingerprint ${SCHEMA_FINGERPRINT}, the page sent v${message.protocol} fingerprint ${message.fingerprint}: reload the page`,
        });
        return;
      }
      if (!this.options.upstream.connected) return; // no cuff to speak for yet: the page says hello again
      const verdict = peer.admission.hello(message.instance, message.proof);
      if (verdict === "wrong-proof") {
        peer.send({ type: "error", code: "refused", ref: message.seq, detail: "the page's proof does not match this cuff app's page key: reload the page" });
      }
      peer.hello(message.instance);
      this.sendHello(peer);
      return;
    }
    if (!peer.helloSeen) {
      peer.send({ type: "error", code: "refused", ref: message.seq, detail: "send hello first" });
      return;
    }
    if (!peer.admission.admits(message.type)) {
      // an unproved peer's heartbeat is no sign that the controlling page is there
      if (message.type !== "heartbeat") {
        peer.send({
          type: "nack",
          ref: message.seq,
          reason: "not-paired",
          detail: `"${message.type}" needs a page of this cuff app (its hello proves the page key); any other peer may only read status and deflate`,
        });
      }
      return;
    }
    this.lease.heard(peer.id, this.options.clock.nowSeconds());
    if (message.type === "heartbeat") return;
    if (!OPEN_TO_WATCHERS.has(message.type)) {
      const idle = this.lastState === null || this.lastState === "vented";
      const verdict = this.lease.request(peer.id, peer.label, this.options.clock.nowSeconds(), idle);
      if (!verdict.granted) {
        peer.send({ type: "nack", ref: message.seq, reason: "busy", detail: verdict.detail });
        return;
      }
    }
    this.forward(peer, message);
  }

  /** Carry one command or status request out on the cuff, and answer the page with its own seq. */
  private forward(peer: HubPeer, message: Exclude<HostMessage, { type: "hello" | "heartbeat" }>): void {
    const { v: _v, seq, ...body } = message;
    const content = JSON.stringify(body);
    // a deflate is always carried out, even when it repeats one already answered
    const known = message.type === "deflate" ? null : peer.lookup(seq, content);
    if (known === "busy") return;
    if (known !== null) {
      peer.send(known);
      return;
    }
    peer.begin(seq, content);
    const up = this.options.upstream;
    const reply: Promise<FirmwareBody> =
      body.type === "status-request"
        ? up.status(body.cuff).then(({ v: _sv, seq: _ss, ...status }) => ({ ...status, ref: seq }))
        : up.command(body).then(() => {
            this.acceptedSubject.next(message as AcceptedCommand);
            return { type: "ack" as const, ref: seq };
          });
    reply.then(
      (answer) => peer.finish(seq, content, answer),
      (error: Error) => peer.finish(seq, content, failureReply(error, seq)),
    );
  }

  private sendHello(peer: HubPeer): void {
    const firmware = this.options.upstream.firmware;
    if (!firmware || !this.options.upstream.connected) return;
    peer.send({
      type: "hello",
      role: "firmware",
      protocol: PROTOCOL_VERSION,
      fingerprint: SCHEMA_FINGERPRINT,
      software: firmware.software,
      cuffs: firmware.cuffs,
      uptime: Math.max(firmware.uptime, this.lastT ?? 0),
      ...peer.admission.helloFields(),
    });
  }

  private broadcast(message: FirmwareMessage, isTelemetry: boolean): void {
    const { v: _v, seq: _seq, ...body } = message;
    const now = this.options.clock.nowSeconds();
    for (const peer of this.peers.values()) {
      if (!peer.helloSeen || peer.closed) continue;
      const buffered = peer.socket.bufferedBytes;
      if (buffered > this.maxBufferedBytes * DROP_BUFFERED_FACTOR) {
        peer.reject({ type: "error", code: "refused", ref: null, detail: "this page stopped reading the cuff link" }, CLOSE_CODE.policyViolation);
        this.peers.delete(peer.id);
        this.lease.left(peer.id);
        continue;
      }
      if (isTelemetry) {
        if (buffered > this.maxBufferedBytes || now - peer.lastTelemetryWallSeconds < this.telemetryGapSeconds) continue;
        peer.lastTelemetryWallSeconds = now;
      }
      peer.send(body as FirmwareBody);
    }
  }
}

/** The cuff's answer to a command that failed, for the page; null when it never answered (the page resends). */
function failureReply(error: Error, ref: number): FirmwareBody | null {
  if (error instanceof NackError) return { type: "nack", ref, reason: error.reason, detail: error.detail.slice(0, 300) };
  if (error instanceof RefusedError) return { type: "error", code: "refused", ref, detail: error.message.slice(0, 300) };
  return null;
}
