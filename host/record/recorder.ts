/**
 * A session recording: JSON lines, one per telemetry frame or event, written
 * as they arrive. Lines are handed to the OS at least every half second of
 * session time (and at once for events), so a crash of this process loses at
 * most the last half second; fdatasync runs at most once per wall second.
 * A recording that cannot be written (a full disk) stops at its last whole
 * line and tells its owner once; the session it records goes on.
 */
import type { FirmwareMessage } from "../../shared/protocol/index.ts";
import { FileWriteError, LineFile, type LineFileFs } from "./line-file.ts";
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

export interface RecorderOptions {
  /** Called once when writing fails, with the session time of the last line kept. */
  onFailure?: (failure: FileWriteError, keptUpToSeconds: number | null) => void;
  fs?: LineFileFs;
}

export class Recorder {
  private readonly file: LineFile;
  private buffer: string[] = [];
  private lastFlushT = -Infinity;
  private lastSyncMs = 0;
  /** Session time of the last line on disk. */
  private keptUpToSeconds: number | null = null;
  private closed = false;
  private started = false;

  /** Throws a FileWriteError naming the file when it cannot be created or its header written. */
  constructor(
    readonly path: string,
    header: Omit<RecordingHeader, "type" | "format" | "version">,
    private readonly options: RecorderOptions = {},
  ) {
    this.file = new LineFile(path, "recording", options.fs);
    this.buffer.push(JSON.stringify({ type: "recording", format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header }));
    this.flush(true, null);
    if (this.file.failure) {
      this.file.close();
      throw this.file.failure;
    }
    this.started = true;
  }

  /** Why the recording stopped, or null while it is written. */
  get failure(): FileWriteError | null {
    return this.file.failure;
  }

  /** Every firmware message except acks and heartbeats of the link itself. */
  write(message: FirmwareMessage): void {
    if (this.closed || message.type === "ack" || message.type === "hello") return;
    this.buffer.push(JSON.stringify(message));
    const t = "t" in message && typeof message.t === "number" ? message.t : null;
    const isEvent = message.type !== "telemetry";
    if (isEvent || t === null || t - this.lastFlushT >= FLUSH_SESSION_SECONDS) {
      this.flush(false, t);
      if (t !== null) this.lastFlushT = t;
    }
  }

  note(t: number | null, note: string): void {
    if (this.closed) return;
    const line: HostNote = { type: "host", t, note };
    this.buffer.push(JSON.stringify(line));
    this.flush(false, t);
  }

  ended(t: number | null, ending: SessionEnding, sets: SetRecord[]): void {
    if (this.closed) return;
    const line: SessionEndLine = { type: "session-end", t, ...ending, sets };
    this.buffer.push(JSON.stringify(line));
    this.flush(false, t);
  }

  close(): void {
    if (this.closed) return;
    this.flush(true, null);
    this.closed = true;
    this.file.close();
  }

  /** t: the session time of the newest buffered line, when it has one. */
  private flush(sync: boolean, t: number | null): void {
    if (this.file.failure) {
      this.buffer = [];
      return;
    }
    if (this.buffer.length > 0 && this.file.append(this.buffer.join("\n") + "\n") && t !== null) this.keptUpToSeconds = t;
    this.buffer = [];
    const nowMs = performance.now();
    if (sync || nowMs - this.lastSyncMs >= SYNC_WALL_MS) {
      this.file.sync();
      this.lastSyncMs = nowMs;
    }
    if (this.file.failure && this.started) this.options.onFailure?.(this.file.failure, this.keptUpToSeconds);
  }
}
