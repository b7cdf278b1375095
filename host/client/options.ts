/** What a CuffClient is told at open, and what it reports about its link. */
import type { Clock } from "../../shared/clock.ts";
import type { DecodeFailure, FirmwareMessage } from "../../shared/protocol/index.ts";
import type { Connector } from "./port.ts";

export type FirmwareHelloMessage = Extract<FirmwareMessage, { type: "hello" }>;

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
  /** The cuff's pairing key (32 bytes), proved in the hello on a paired link; without it a paired link admits only status and deflate. */
  pairingKey?: Uint8Array;
}

export const DEFAULT_RECONNECT: ReconnectOptions = { initialSeconds: 0.25, maxSeconds: 4, giveUpSeconds: 60 };
