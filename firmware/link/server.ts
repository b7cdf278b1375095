/**
 * The cuff link server (docs/formats.md, firmware/link/README.md) over any
 * byte stream: a serial port, a pty, stdio or an in-process pipe. Bad lines are
 * answered with an error and change nothing; commands are acknowledged; a command
 * repeated with its seq and content is answered again without running twice; a
 * paired link admits only a host that proved the pairing key; a peer is read no
 * faster than its frame budget, and what it does not read waits in a bounded queue.
 */
import { MAX_FRAME_BYTES, decodeHostFrame, encodeFrame } from "../../shared/protocol/framing.ts";
import { type FirmwareBody, type HostMessage, PROTOCOL_VERSION } from "../../shared/protocol/messages.ts";
import { SCHEMA_FINGERPRINT } from "../../shared/protocol/fingerprint.ts";
import { type LineEvent, LineSplitter } from "../../shared/protocol/line-splitter.ts";
import { commandContent, ReplyCache, SequenceCounter } from "../../shared/protocol/sequence.ts";
import type { FirmwareRuntime } from "../runtime.ts";
import { LinkAdmission } from "../../shared/protocol/admission.ts";
import { FrameBudget, INBOUND } from "./inbound.ts";
import { type OutboundOutput, OutboundQueue } from "./outbound.ts";

export const FIRMWARE_SOFTWARE = "cuff-firmware 0.1.0";

/**
 * The parts of a Readable the server uses (a serial port, a pty, stdin, or an in-memory wire).
 * An input that can pause (every real link) is read no faster than INBOUND allows.
 */
export interface LinkInput {
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  pause?(): unknown;
  resume?(): unknown;
}

/** The parts of a Writable the server uses. Frames that waited go out with the next frame sent (telemetry: 20 a second). */
export type LinkOutput = OutboundOutput;

/**
 * What the firmware remembers of its host across links: the replies by seq and
 * the host's instance. Shared by the servers of successive cables, so a command
 * resent after a re-plug is answered again, not run twice.
 */
export class HostLinkMemory {
  readonly replies = new ReplyCache<FirmwareBody>(64);
  instance: string | null = null;
}

export interface LinkServerOptions {
  runtime: FirmwareRuntime;
  /** Keep it across reconnections of the same host (default: a fresh one per server). */
  memory?: HostLinkMemory;
  input: LinkInput;
  output: LinkOutput;
  /** Number of cuffs this build drives (indexes 0..cuffs-1). */
  cuffs?: number;
  /** The pairing key a host must prove (serial ports, Bluetooth SPP); absent: an open link (stdio, a pty, in-process). */
  pairingKey?: Uint8Array;
  /** Where the server says what the peer cannot see (frames it never read and lost). */
  log?: (line: string) => void;
}

type Command = Exclude<HostMessage, { type: "hello" | "heartbeat" }>;

export class LinkServer {
  private readonly seq = new SequenceCounter();
  private readonly memory: HostLinkMemory;
  private readonly splitter = new LineSplitter();
  private readonly admission: LinkAdmission;
  private readonly outbound: OutboundQueue;
  private readonly budget = new FrameBudget();
  /** Bytes read while the peer was over its budget, to be read once it has refilled (the input paused meanwhile). */
  private held: Uint8Array | null = null;
  /** This link has seen a valid hello. */
  private helloSeen = false;
  private readonly unsubscribe: () => void;
  private readonly onData = (chunk: Buffer | string) => this.receive(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  private closed = false;

  constructor(private readonly options: LinkServerOptions) {
    this.memory = options.memory ?? new HostLinkMemory();
    this.admission = new LinkAdmission(options.pairingKey ?? null);
    this.outbound = new OutboundQueue(options.output);
    this.unsubscribe = options.runtime.subscribe((message) => {
      this.send(message);
      if (message.type === "telemetry") this.readHeld();
    });
    options.input.on("data", this.onData);
    this.sendHello();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.options.input.off("data", this.onData);
  }

  /** Frames waiting for the peer to read them (bounded). */
  get backlog(): number {
    return this.outbound.length;
  }

  private sendHello(): void {
    this.send({
      type: "hello",
      role: "firmware",
      protocol: PROTOCOL_VERSION,
      fingerprint: SCHEMA_FINGERPRINT,
      software: FIRMWARE_SOFTWARE,
      cuffs: this.options.cuffs ?? 1,
      uptime: Math.round(this.options.runtime.nowSeconds() * 1000) / 1000,
      ...this.admission.helloFields(),
    });
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.held) {
      // Read before the pause took hold: kept, up to a bound.
      const room = INBOUND.heldBytes - this.held.length;
      if (room > 0) this.held = concat(this.held, chunk.subarray(0, room));
      return;
    }
    this.consume(chunk);
  }

  /** Splits and handles lines while the peer's budget lasts; the rest is held and the input paused. */
  private consume(chunk: Uint8Array): void {
    const input = this.options.input;
    const limited = typeof input.pause === "function";
    const taken = this.splitter.push(chunk, (event) => {
      const now = this.options.runtime.nowSeconds();
      if (limited) this.budget.spend(now);
      this.line(event);
      return this.closed || !limited || this.budget.available(now);
    });
    if (taken >= chunk.length || this.closed) return;
    this.held = chunk.slice(taken);
    input.pause!();
  }

  /** The budget refills with time: what was held is read, and the input resumes once it all was. */
  private readHeld(): void {
    const held = this.held;
    if (held === null || this.closed || !this.budget.available(this.options.runtime.nowSeconds())) return;
    this.held = null;
    this.consume(held);
    if (this.held === null) this.options.input.resume?.();
  }

  private line(event: LineEvent): void {
    if (event.kind === "too-long") {
      this.send({ type: "error", code: "too-long", ref: null, detail: `line of ${event.bytes} bytes exceeds ${MAX_FRAME_BYTES}` });
      return;
    }
    const decoded = decodeHostFrame(event.bytes);
    if (!decoded.ok) {
      this.send({ type: "error", code: decoded.code, ref: decoded.ref, detail: decoded.detail });
      return;
    }
    this.handle(decoded.message);
  }

  private handle(message: HostMessage): void {
    if (message.type === "hello") {
      this.hello(message);
      return;
    }
    if (!this.helloSeen) {
      this.send({ type: "error", code: "refused", ref: message.seq, detail: "send hello first" });
      return;
    }
    if (!this.admission.admits(message.type)) {
      // An unproved peer's heartbeat is no sign of the paired host's life: ignored, not answered.
      if (message.type !== "heartbeat") {
        this.send({
          type: "nack",
          ref: message.seq,
          reason: "not-paired",
          detail: `"${message.type}" needs a host paired with this cuff (its hello proves the pairing key; cuff pair KEY); an unpaired host may only read status and deflate`,
        });
      }
      return;
    }
    if (!this.admission.authenticated) {
      this.send(this.execute(message as Command));
      return;
    }
    this.options.runtime.hostHeard();
    if (message.type === "heartbeat") return;
    // A deflate is always carried out, even one that looks like a retransmission.
    const content = commandContent(message);
    const replay = message.type === "deflate" ? undefined : this.memory.replies.replayFor(message.seq, content);
    if (replay) {
      this.send(replay);
      return;
    }
    const reply = this.execute(message);
    this.memory.replies.remember(message.seq, content, reply);
    this.send(reply);
  }

  private hello(message: Extract<HostMessage, { type: "hello" }>): void {
    if (message.protocol !== PROTOCOL_VERSION || message.fingerprint !== SCHEMA_FINGERPRINT) {
      this.send({
        type: "error",
        code: "refused",
        ref: message.seq,
        detail: `protocol mismatch: firmware speaks v${PROTOCOL_VERSION} fingerprint ${SCHEMA_FINGERPRINT}, host sent v${message.protocol} fingerprint ${message.fingerprint}`,
      });
      return;
    }
    const verdict = this.admission.hello(message.instance, message.proof);
    if (verdict === "wrong-proof") {
      this.send({ type: "error", code: "refused", ref: message.seq, detail: "the pairing proof does not match this cuff's pairing key; pair this host again (cuff pair KEY)" });
    }
    this.helloSeen = true;
    if (verdict === "admitted") {
      if (message.instance !== this.memory.instance) this.memory.replies.clear();
      this.memory.instance = message.instance;
      this.options.runtime.hostHeard();
    }
    this.sendHello();
  }

  private execute(message: Command): FirmwareBody {
    const runtime = this.options.runtime;
    const cuffs = this.options.cuffs ?? 1;
    if (message.cuff >= cuffs || message.cuff !== runtime.controller.cuff) {
      return { type: "nack", ref: message.seq, reason: "no-such-cuff", detail: `this build drives cuff 0 only, not cuff ${message.cuff}` };
    }
    if (message.type === "status-request") return runtime.status(message.seq);
    const result = runtime.command(message);
    return result.ok
      ? { type: "ack", ref: message.seq }
      : { type: "nack", ref: message.seq, reason: result.reason, detail: result.detail.slice(0, 300) };
  }

  private send(body: FirmwareBody): void {
    if (this.closed || this.outbound.gone) return;
    let frame: string;
    try {
      frame = encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), ...body } as never);
    } catch (error) {
      // Never throw across the link: say what could not be sent instead.
      frame = encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), type: "error", code: "too-long", ref: null, detail: (error as Error).message.slice(0, 300) });
    }
    this.outbound.push(frame, body.type === "telemetry" ? "telemetry" : "message");
    if (this.outbound.length === 0) this.reportDropped();
  }

  /** Once the peer reads again, it hears how many replies and events it never got. */
  private reportDropped(): void {
    const dropped = this.outbound.takeDropped();
    if (dropped === 0) return;
    const detail = `the host did not read the link: ${dropped} replies and events were dropped (the firmware keeps at most a bounded backlog)`;
    this.options.log?.(`cuff link: ${detail}`);
    this.send({ type: "alarm", cuff: this.options.runtime.controller.cuff, t: Math.round(this.options.runtime.nowSeconds() * 1000) / 1000, kind: "link-overflow", severity: "warning", detail });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
