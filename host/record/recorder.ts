/**
 * A session recording: JSON lines, one per telemetry frame or event, written
 * as they arrive. Lines are handed to the OS at least every half second of
 * session time (and at once for events), so a crash of this process loses at
 * most the last half second; fdatasync runs at most once per wall second.
 */
import { closeSync, fdatasyncSync, openSync, writeSync } from "node:fs";
import type { FirmwareMessage } from "../../shared/protocol/index.ts";
import type { SessionEnding, SetRecord } from "./session-record.ts";

export const RECORDING_FORMAT = "cuff-recording";
export const RECORDING_VERSION = 1;

export interface RecordingHeader {
  type: "recording";
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  startedAt: string;
  software: string;
  source: string;
  limb: string | null;
  plan: unknown;
  /** Whose session (a therapist's client); null or absent: the profile's own person. */
  person?: string | null;
}

/** What the host itself noticed (link lost, interrupted), kept beside the firmware's messages. */
export interface HostNote {
  type: "host";
  t: number | null;
  note: string;
}

/** The host's account of how the session ended: the recording's last line. */
export interface SessionEndLine extends SessionEnding {
  type: "session-end";
  t: number | null;
  sets: SetRecord[];
}

export type RecordedLine = RecordingHeader | HostNote | SessionEndLine | FirmwareMessage;

const FLUSH_SESSION_SECONDS = 0.5;
const SYNC_WALL_MS = 1000;

export class Recorder {
  private readonly fd: number;
  private buffer: string[] = [];
  private lastFlushT = -Infinity;
  private lastSyncMs = 0;
  private closed = false;

  constructor(
    readonly path: string,
    header: Omit<RecordingHeader, "type" | "format" | "version">,
  ) {
    try {
      this.fd = openSync(path, "w");
    } catch (error) {
      throw new Error(`cannot write the recording ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.buffer.push(JSON.stringify({ type: "recording", format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header }));
    this.flush(true);
  }

  /** Every firmware message except acks and heartbeats of the link itself. */
  write(message: FirmwareMessage): void {
    if (this.closed || message.type === "ack" || message.type === "hello") return;
    this.buffer.push(JSON.stringify(message));
    const t = "t" in message && typeof message.t === "number" ? message.t : null;
    const isEvent = message.type !== "telemetry";
    if (isEvent || t === null || t - this.lastFlushT >= FLUSH_SESSION_SECONDS) {
      this.flush(false);
      if (t !== null) this.lastFlushT = t;
    }
  }

  note(t: number | null, note: string): void {
    if (this.closed) return;
    const line: HostNote = { type: "host", t, note };
    this.buffer.push(JSON.stringify(line));
    this.flush(false);
  }

  ended(t: number | null, ending: SessionEnding, sets: SetRecord[]): void {
    if (this.closed) return;
    const line: SessionEndLine = { type: "session-end", t, ...ending, sets };
    this.buffer.push(JSON.stringify(line));
    this.flush(false);
  }

  close(): void {
    if (this.closed) return;
    this.flush(true);
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(sync: boolean): void {
    if (this.buffer.length > 0) {
      writeSync(this.fd, this.buffer.join("\n") + "\n");
      this.buffer = [];
    }
    const nowMs = performance.now();
    if (sync || nowMs - this.lastSyncMs >= SYNC_WALL_MS) {
      fdatasyncSync(this.fd);
      this.lastSyncMs = nowMs;
    }
  }
}
