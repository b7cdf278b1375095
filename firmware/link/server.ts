/**
 * The cuff link server (docs/formats.md) over any byte stream: a serial
 * port, a pty, stdio or an in-process pipe. Bad lines are answered with an
 * error and change nothing; commands are acknowledged; a repeated seq is
 * answered again without running the command twice.
 */
import { MAX_FRAME_BYTES, decodeHostFrame, encodeFrame } from "../../shared/protocol/framing.ts";
import { type FirmwareBody, type HostMessage, PROTOCOL_VERSION } from "../../shared/protocol/messages.ts";
import { SCHEMA_FINGERPRINT } from "../../shared/protocol/fingerprint.ts";
import { ReplyCache, SequenceCounter } from "../../shared/protocol/sequence.ts";
import type { FirmwareRuntime } from "../runtime.ts";
import { LineSplitter } from "./line-splitter.ts";

export const FIRMWARE_SOFTWARE = "cuff-firmware 0.1.0";

/** The parts of a Readable the server uses (a serial port, a pty, stdin, or an in-memory wire). */
export interface LinkInput {
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
  off(event: "data", listener: (chunk: Buffer | string) => void): unknown;
}

/** The parts of a Writable the server uses. */
export interface LinkOutput {
  write(frame: string): unknown;
  readonly destroyed?: boolean;
  readonly writableEnded?: boolean;
  readonly writableLength?: number;
}

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
}

export class LinkServer {
  private readonly seq = new SequenceCounter();
  private readonly memory: HostLinkMemory;
  private readonly splitter = new LineSplitter();
  /** This link has seen a valid hello. */
  private helloSeen = false;
  private readonly unsubscribe: () => void;
  private readonly onData = (chunk: Buffer | string) => this.receive(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  private closed = false;
  /** Frames the peer never read are dropped past this, so a stalled host cannot grow memory. */
  private static readonly MAX_BUFFERED_BYTES = 256 * 1024;

  constructor(private readonly options: LinkServerOptions) {
    this.memory = options.memory ?? new HostLinkMemory();
    this.unsubscribe = options.runtime.subscribe((message) => this.send(message));
    options.input.on("data", this.onData);
    this.sendHello();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.options.input.off("data", this.onData);
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
    });
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.splitter.push(chunk, (event) => {
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
    });
  }

  private handle(message: HostMessage): void {
    const runtime = this.options.runtime;
    if (message.type === "hello") {
      if (message.protocol !== PROTOCOL_VERSION || message.fingerprint !== SCHEMA_FINGERPRINT) {
        this.send({
          type: "error",
          code: "refused",
          ref: message.seq,
          detail: `protocol mismatch: firmware speaks v${PROTOCOL_VERSION} fingerprint ${SCHEMA_FINGERPRINT}, host sent v${message.protocol} fingerprint ${message.fingerprint}`,
        });
        return;
      }
      if (message.instance !== this.memory.instance) this.memory.replies.clear();
      this.memory.instance = message.instance;
      this.helloSeen = true;
      runtime.hostHeard();
      this.sendHello();
      return;
    }
    if (!this.helloSeen) {
      this.send({ type: "error", code: "refused", ref: message.seq, detail: "send hello first" });
      return;
    }
    runtime.hostHeard();
    if (message.type === "heartbeat") return;

    const replay = this.memory.replies.replayFor(message.seq);
    if (replay) {
      this.send(replay);
      return;
    }
    const reply = this.execute(message);
    this.memory.replies.remember(message.seq, reply);
    this.send(reply);
  }

  private execute(message: Exclude<HostMessage, { type: "hello" | "heartbeat" }>): FirmwareBody {
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
    if (this.closed) return;
    const output = this.options.output;
    if (output.destroyed || output.writableEnded) return;
    if ((output.writableLength ?? 0) > LinkServer.MAX_BUFFERED_BYTES && body.type === "telemetry") return;
    let frame: string;
    try {
      frame = encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), ...body } as never);
    } catch (error) {
      // Never throw across the link: say what could not be sent instead.
      frame = encodeFrame({ v: PROTOCOL_VERSION, seq: this.seq.take(), type: "error", code: "too-long", ref: null, detail: (error as Error).message.slice(0, 300) });
    }
    output.write(frame);
  }
}
