/**
 * One page on the hub: its socket, its own sequence numbers, and the commands
 * it sent that are in flight or answered, so a resend (same seq, same content)
 * is answered again instead of carried out twice.
 */
import { LinkAdmission } from "../../../shared/protocol/admission.ts";
import { SequenceCounter } from "../../../shared/protocol/sequence.ts";
import { encodeFrame, type FirmwareBody, PROTOCOL_VERSION } from "../../../shared/protocol/index.ts";

/** What the hub needs of a page's connection (a WebSocket in the app server, a fake in tests). */
export interface HubSocket {
  /** Send one text message. */
  send(text: string): void;
  /** Bytes handed to the socket and not yet sent: a page that stopped reading. */
  readonly bufferedBytes: number;
  close(code: number, reason: string): void;
}

/** WebSocket close codes the hub uses (RFC 6455 section 7.4.1). */
export const CLOSE_CODE = {
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
} as const;

const REMEMBERED_REPLIES = 64;

export class HubPeer {
  private readonly seq = new SequenceCounter();
  private readonly inFlight = new Map<number, string>();
  private readonly replies = new Map<number, { content: string; reply: FirmwareBody }>();
  /** The page's hello was accepted: it receives telemetry and events. */
  helloSeen = false;
  instance: string | null = null;
  closed = false;
  lastTelemetryWallSeconds = -Infinity;
  /** Each page's WebSocket is a link of its own: its own nonce, its own proof. */
  readonly admission: LinkAdmission;

  constructor(
    readonly id: string,
    /** Where the page is, for messages to other pages ("192.168.1.20"). */
    readonly label: string,
    readonly socket: HubSocket,
    /** The key a page proves in its hello; null: an open link. */
    pairingKey: Uint8Array | null,
  ) {
    this.admission = new LinkAdmission(pairingKey);
  }

  send(body: FirmwareBody): void {
    if (this.closed) return;
    this.socket.send(encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), ...body } as never));
  }

  /** Send a typed error, then close: nothing more from this page is read. */
  reject(body: Extract<FirmwareBody, { type: "error" }>, code: number): void {
    if (this.closed) return;
    this.send(body);
    this.closed = true;
    this.socket.close(code, body.detail.slice(0, 120));
  }

  /** A new host instance on this page forgets the replies of the old one. */
  hello(instance: string): void {
    if (instance !== this.instance) this.replies.clear();
    this.instance = instance;
    this.helloSeen = true;
  }

  /** "busy": the same command is already on its way; a reply: it was answered, send that again; null: carry it out. */
  lookup(seq: number, content: string): "busy" | FirmwareBody | null {
    if (this.inFlight.get(seq) === content) return "busy";
    const done = this.replies.get(seq);
    return done && done.content === content ? done.reply : null;
  }

  begin(seq: number, content: string): void {
    this.inFlight.set(seq, content);
  }

  /** The command settled: forget it as in flight and remember its reply (when it has one). */
  finish(seq: number, content: string, reply: FirmwareBody | null): void {
    if (this.inFlight.get(seq) === content) this.inFlight.delete(seq);
    if (reply === null) return;
    this.replies.delete(seq);
    this.replies.set(seq, { content, reply });
    while (this.replies.size > REMEMBERED_REPLIES) this.replies.delete(this.replies.keys().next().value as number);
    this.send(reply);
  }
}
