/**
 * CuffBoard over johnny-five and firmata-io: a real board on a serial port, or
 * the virtual board over any Duplex (in-process pair or pseudo-terminal).
 *
 * Samples come from firmata-io's raw analog-read events, never from a johnny-five
 * Sensor (which keeps repeating its last value after the link dies). The guard is
 * configured at connect, and connect fails unless the board answers it: stock
 * StandardFirmata would leave the pump running when the link drops.
 */
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import five from "johnny-five";
import { SerialPort } from "serialport";
import { SystemClock, type Cancellable, type Clock } from "../../shared/clock.ts";
import {
  GUARD_MIN_DEADLINE_MS,
  GUARD_SYSEX,
  GuardState,
  GuardSubcommand,
  decodeGuardStatus,
  decodeGuardTripped,
  encodeGuardConfigure,
  type GuardStatus,
} from "../../shared/guard.ts";
import { mmhgToCounts, pinNumber, referenceProfile, secondaryMmhgToCounts, type HardwareProfile } from "../../hardware/profile.ts";
import { analogChannel, checkedProfile } from "../../hardware/firmata-layout.ts";
import type { CuffBoard, GuardEvent, PressureSample } from "./board.ts";
import { DistalPulseReader, type I2cIo } from "./distal-pulse-reader.ts";
import { pumpPinValue, ventPinValue } from "./profile-io.ts";

/** The parts of firmata-io's Board this file uses (the package ships no types). */
interface FirmataIo extends EventEmitter, I2cIo {
  isReady: boolean;
  pins: Array<{ supportedModes: number[] }>;
  MODES: { ANALOG: number; PWM: number };
  reportVersionTimeoutId?: ReturnType<typeof setTimeout>;
  reportAnalogPin(channel: number, enable: 0 | 1): void;
  /** SYSTEM_RESET: the board's outputs safe, its guard SAFE and unconfigured. */
  reset(): void;
  sysexResponse(id: number, handler: (this: FirmataIo, data: number[]) => void): void;
}
interface FirmataClass {
  new (transport: Duplex, options: { reportVersionTimeout: number }, callback: (error?: Error) => void): FirmataIo;
  SYSEX_RESPONSE: Record<number, unknown>;
}
const Firmata = (createRequire(import.meta.url)("firmata-io") as { Firmata: FirmataClass }).Firmata;

export class BoardConnectError extends Error {
  override name = "BoardConnectError";
}

export interface JohnnyFiveBoardOptions {
  /** Serial port of a real board (57600 baud, as StandardFirmata). */
  path?: string;
  /** Or any Duplex that carries Firmata (the virtual board). */
  stream?: Duplex;
  /** How errors name the board; defaults to the path, or "the board stream". */
  label?: string;
  /** Hardware profile (validated here); the reference Nano when omitted. */
  profile?: HardwareProfile;
  /** Stamps samples and times the connection; wall time when omitted. */
  clock?: Clock;
  connectTimeoutSeconds?: number;
  /** When firmata-io asks for the version if the board has not announced it. */
  reportVersionTimeoutMs?: number;
  baudRate?: number;
}

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;
/** Keep-alives per guard deadline: ten, so a few lost or late on the way never trip a working loop. */
const KEEP_ALIVES_PER_DEADLINE = 10;
/** A Nano resets when its port opens; its bootloader waits ~1.5 s before the sketch starts. */
const DEFAULT_REPORT_VERSION_TIMEOUT_MS = 2500;

type Listener<T> = (value: T) => void;

/** firmata-io keeps sysex handlers in one table shared by every instance; route by instance. */
const guardRoutes = new WeakMap<object, (data: number[]) => void>();
function routeGuardReplies(io: FirmataIo): void {
  if (!Firmata.SYSEX_RESPONSE[GUARD_SYSEX]) {
    io.sysexResponse(GUARD_SYSEX, function (data) {
      guardRoutes.get(this)?.(data);
    });
  }
}

/** Connect, check the pins, configure the guard; resolves once the guard answers ARMED. */
export async function connectJohnnyFiveBoard(options: JohnnyFiveBoardOptions): Promise<JohnnyFiveBoard> {
  const profile = checkedProfile(options.profile ?? referenceProfile(), "hardware profile");
  const clock = options.clock ?? new SystemClock();
  const label = options.label ?? options.path ?? "the board stream";
  const timeoutSeconds = options.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;

  let transport: Duplex;
  if (options.stream) transport = options.stream;
  else if (options.path) transport = await openSerialPort(options.path, options.baudRate ?? 57600);
  else throw new BoardConnectError("no board given: pass a serial port path or a stream");

  const board = new JohnnyFiveBoard(transport, profile, clock, label);
  try {
    await board.start(timeoutSeconds, options.reportVersionTimeoutMs ?? DEFAULT_REPORT_VERSION_TIMEOUT_MS);
  } catch (error) {
    await board.close();
    throw error;
  }
  return board;
}

async function openSerialPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    const message = (error as Error).message;
    if (/ENOENT|No such file/i.test(message)) throw new BoardConnectError(`no such serial port ${path}`);
    if (/EACCES|Permission denied/i.test(message)) {
      throw new BoardConnectError(`permission denied on serial port ${path} (is your user in the dialout group?)`);
    }
    if (/EBUSY|lock|busy/i.test(message)) throw new BoardConnectError(`serial port ${path} is in use by another program`);
    throw new BoardConnectError(`cannot open serial port ${path}: ${message}`);
  }
  return port;
}

export class JohnnyFiveBoard implements CuffBoard {
  private io: FirmataIo | null = null;
  private j5: five.Board | null = null;
  private readonly sampleListeners = new Set<Listener<PressureSample>>();
  private readonly guardListeners = new Set<Listener<GuardEvent>>();
  private readonly lostListeners = new Set<Listener<string>>();
  private readonly pumpPin: number;
  private readonly ventPin: number;
  private readonly pressureChannel: number;
  /** The second sensor's analog channel; null on a build without one. */
  private readonly secondaryChannel: number | null;
  /** The second sensor's reading received since the last sample of the first (the sketch sends it first). */
  private pendingSecondary: number | null = null;
  private lost = false;
  private closed = false;
  private lastStatus: GuardStatus | null = null;
  /** The distal pulse sensor's reader, on a build with one, and the samples it read since the last pressure sample. */
  private distal: DistalPulseReader | null = null;
  private readonly pendingDistal: number[] = [];
  /** Last value written to each output pin, as far as the board still holds it. */
  private readonly written = new Map<number, number>();
  private lastKeepAliveSeconds = Number.NEGATIVE_INFINITY;
  private deadlineSeconds = GUARD_MIN_DEADLINE_MS / 1000;

  constructor(
    private readonly transport: Duplex,
    readonly profile: HardwareProfile,
    private readonly clock: Clock,
    readonly label: string,
  ) {
    this.pumpPin = pinNumber(profile.pins.pump);
    this.ventPin = pinNumber(profile.pins.vent);
    this.pressureChannel = analogChannel(profile.pins.pressure);
    const secondaryPin = profile.secondarySensor ? profile.pins.secondaryPressure : undefined;
    this.secondaryChannel = secondaryPin === undefined ? null : analogChannel(secondaryPin);
  }

  /** Whether the distal pulse sensor answered at connect: null on a build without one. */
  distalPulseSensor(): "probing" | "absent" | "reading" | null {
    return this.distal?.state ?? null;
  }

  /** The guard's state as last reported (STATUS, or TRIPPED applied to it); null before the first STATUS. */
  guardStatus(): GuardStatus | null {
    return this.lastStatus;
  }

  /** @internal Handshake; connectJohnnyFiveBoard calls it once. */
  async start(timeoutSeconds: number, reportVersionTimeoutMs: number): Promise<void> {
    const deadline = this.deadline(timeoutSeconds);
    try {
      await Promise.race([this.handshake(reportVersionTimeoutMs), deadline.promise]);
      await Promise.race([this.armGuard(), deadline.promise]);
    } finally {
      deadline.cancel();
    }
    const sensor = this.profile.distalPulseSensor;
    if (sensor && this.io) {
      // The chip's samples ride on the next pressure sample.
      this.distal = new DistalPulseReader(this.io, sensor, this.clock, (counts) => this.pendingDistal.push(...counts));
      this.distal.start();
    }
    this.transport.on("close", () => this.linkLost(`the link to the board at ${this.label} closed`));
    this.transport.on("end", () => this.linkLost(`the link to the board at ${this.label} ended`));
    this.transport.on("error", (error: Error) => this.linkLost(`the link to the board at ${this.label} failed: ${error.message}`));
  }

  /** What a connect timeout means at the current step of the handshake. */
  private timeoutMessage = (seconds: number) => `no Firmata reply from ${this.label} within ${seconds} s`;

  private deadline(seconds: number): { promise: Promise<never>; cancel(): void } {
    let timer: Cancellable | null = null;
    let failLink: ((reason: string) => void) | null = null;
    const promise = new Promise<never>((_, reject) => {
      timer = this.clock.schedule(seconds, () => reject(new BoardConnectError(this.timeoutMessage(seconds))));
      failLink = (reason) => reject(new BoardConnectError(reason));
    });
    // An unhandled rejection must not escape when the race is already decided.
    promise.catch(() => undefined);
    const onClose = () => failLink?.(`the board at ${this.label} closed the link while connecting`);
    const onError = (error: Error) => failLink?.(`the link to the board at ${this.label} failed while connecting: ${error.message}`);
    this.transport.once("close", onClose);
    this.transport.on("error", onError);
    return {
      promise,
      cancel: () => {
        (timer as Cancellable | null)?.cancel();
        this.transport.off("close", onClose);
        this.transport.off("error", onError);
      },
    };
  }

  private handshake(reportVersionTimeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const io = new Firmata(this.transport, { reportVersionTimeout: reportVersionTimeoutMs }, (error) => {
        if (error) reject(new BoardConnectError(`the link to the board at ${this.label} failed while connecting: ${error.message}`));
      });
      this.io = io;
      // Transport errors after ready reach io too; the transport listeners handle them.
      io.on("error", () => undefined);
      const j5 = new five.Board({ io, repl: false, debug: false, sigint: false } as five.BoardOption & { sigint: boolean });
      this.j5 = j5;
      j5.on("error", () => undefined);
      j5.on("ready", () => {
        try {
          this.setUpPins(io, j5);
          resolve();
        } catch (error) {
          reject(error);
        }
      });
      // A port opened before firmata-io saw it, or a plain Duplex, never emits "open".
      io.emit("connect");
    });
  }

  private setUpPins(io: FirmataIo, j5: five.Board): void {
    const supports = (pin: number, mode: number) => io.pins[pin]?.supportedModes.includes(mode) ?? false;
    const offersChannel = (channel: number) => {
      const pin = io.pins.findIndex((_, p) => (io.pins[p] as { analogChannel?: number }).analogChannel === channel);
      return pin >= 0 && supports(pin, io.MODES.ANALOG);
    };
    if (!offersChannel(this.pressureChannel)) {
      throw new BoardConnectError(`the board at ${this.label} has no analog input ${this.profile.pins.pressure} (pins.pressure)`);
    }
    if (this.secondaryChannel !== null && !offersChannel(this.secondaryChannel)) {
      throw new BoardConnectError(
        `the board at ${this.label} has no analog input ${this.profile.pins.secondaryPressure} for the second pressure sensor (pins.secondaryPressure): flash the current cuff_guard sketch`,
      );
    }
    for (const [field, pin] of [["pins.pump", this.pumpPin], ["pins.vent", this.ventPin]] as const) {
      if (!supports(pin, io.MODES.PWM)) {
        throw new BoardConnectError(`the board at ${this.label} has no PWM on D${pin} (${field})`);
      }
    }
    // Every connection starts from a reset board, as a Nano's does when its port opens (DTR).
    // A board that does not reset on open (native USB, Bluetooth serial) would otherwise keep
    // the last host's setup, and a guard that tripped when that host went away.
    io.reset();
    this.configurePins(io, j5);
    if (this.secondaryChannel !== null) {
      io.on(`analog-read-${this.secondaryChannel}`, (counts: number) => {
        this.pendingSecondary = counts;
      });
    }
    io.on(`analog-read-${this.pressureChannel}`, (counts: number) => {
      if (this.closed) return;
      const distal = this.pendingDistal.splice(0);
      const sample = { tSeconds: this.clock.nowSeconds(), counts, secondaryCounts: this.pendingSecondary, ...(distal.length > 0 ? { distalCounts: distal } : {}) };
      this.pendingSecondary = null;
      for (const listener of this.sampleListeners) listener(sample);
      this.distal?.tick();
    });
    routeGuardReplies(io);
    guardRoutes.set(io, (data) => this.guardReply(data));
    // The sketch announces its version only when it starts: a board that reset under us
    // (watchdog, brown-out, reset button) lost its pin setup and its guard is SAFE again.
    // Restore the pins and reporting, and ask the guard, so the controller hears it is SAFE.
    io.on("reportversion", () => {
      if (!this.usable) return;
      this.configurePins(io, j5);
      this.queryGuard();
    });
  }

  private configurePins(io: FirmataIo, j5: five.Board): void {
    this.written.clear();
    j5.pinMode(this.pumpPin, io.MODES.PWM as five.PinMode);
    j5.pinMode(this.ventPin, io.MODES.PWM as five.PinMode);
    this.setPump(0);
    this.setVent(1);
    j5.samplingInterval(Math.round(1000 / this.profile.sensor.sampleHz));
    io.reportAnalogPin(this.pressureChannel, 1);
    if (this.secondaryChannel !== null) io.reportAnalogPin(this.secondaryChannel, 1);
  }

  private armGuard(): Promise<void> {
    this.timeoutMessage = (seconds) =>
      `the Firmata board at ${this.label} did not answer the guard within ${seconds} s (flash the cuff sketch: stock StandardFirmata keeps pumping when the link drops)`;
    return new Promise<void>((resolve) => {
      const off = this.onGuard((event) => {
        if (event.kind === "status" && event.status.state === GuardState.ARMED) {
          off();
          resolve();
        }
      });
      const { keepAliveDeadlineMs, tripMmhg } = this.profile.guard;
      this.configureGuard(keepAliveDeadlineMs, mmhgToCounts(this.profile, tripMmhg), secondaryMmhgToCounts(this.profile, tripMmhg) ?? undefined);
    });
  }

  private guardReply(data: number[]): void {
    this.written.clear();
    let event: GuardEvent | null = null;
    const status = decodeGuardStatus(data);
    if (status) {
      this.lastStatus = status;
      event = { kind: "status", status };
    } else {
      const tripped = decodeGuardTripped(data);
      if (tripped) {
        event = { kind: "tripped", ...tripped };
        if (this.lastStatus) {
          this.lastStatus = { ...this.lastStatus, state: GuardState.TRIPPED, ...tripped, tripCount: Math.min(127, this.lastStatus.tripCount + 1) };
        }
      }
    }
    if (!event) return;
    for (const listener of this.guardListeners) listener(event);
  }

  private linkLost(reason: string): void {
    if (this.lost || this.closed) return;
    this.lost = true;
    // Let go of a dead port: serialport 13 keeps re-reading a hung-up tty in a busy loop.
    if (!this.transport.destroyed) this.transport.destroy();
    for (const listener of this.lostListeners) listener(reason);
  }

  private get usable(): boolean {
    return !this.lost && !this.closed && this.j5 !== null && !this.transport.destroyed;
  }

  onSample(listener: Listener<PressureSample>): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  onGuard(listener: Listener<GuardEvent>): () => void {
    this.guardListeners.add(listener);
    return () => this.guardListeners.delete(listener);
  }

  onLost(listener: Listener<string>): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  setPump(duty: number): void {
    this.writePin(this.pumpPin, pumpPinValue(this.profile, duty));
  }

  setVent(opening: number): void {
    this.writePin(this.ventPin, ventPinValue(this.profile, opening));
  }

  /**
   * A pin is written when its value changes, not on every 100 Hz sample: each write is a
   * serial write that competes with reading the samples, and on a busy computer three
   * writes a sample delayed the samples by over 100 ms. What the board holds is known
   * again after any guard report or reset (a trip drops the host's levels), so the
   * next value is then written whatever it is.
   */
  private writePin(pin: number, value: number): void {
    if (!this.usable || this.written.get(pin) === value) return;
    this.written.set(pin, value);
    this.j5!.analogWrite(pin, value);
  }

  /** Sent from the control loop, at most KEEP_ALIVES_PER_DEADLINE times per guard deadline. */
  keepAlive(): void {
    const now = this.clock.nowSeconds();
    if (now - this.lastKeepAliveSeconds < this.deadlineSeconds / KEEP_ALIVES_PER_DEADLINE) return;
    this.lastKeepAliveSeconds = now;
    this.guardCommand([GuardSubcommand.KEEPALIVE]);
  }

  configureGuard(deadlineMs: number, tripCounts: number, secondaryTripCounts?: number): void {
    this.deadlineSeconds = deadlineMs / 1000;
    this.guardCommand(encodeGuardConfigure(deadlineMs, tripCounts, secondaryTripCounts));
  }

  clearGuard(): void {
    this.guardCommand([GuardSubcommand.CLEAR]);
  }

  queryGuard(): void {
    this.guardCommand([GuardSubcommand.STATUS_QUERY]);
  }

  private guardCommand(payload: number[]): void {
    if (this.usable) this.j5!.sysexCommand([GUARD_SYSEX, ...payload]);
  }

  /** Leave the cuff vented, then let go of the port. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.usable && this.io?.isReady) {
      this.setPump(0);
      this.setVent(1);
    }
    this.closed = true;
    const io = this.io;
    if (io) {
      clearTimeout(io.reportVersionTimeoutId);
      guardRoutes.delete(io);
      io.removeAllListeners(`analog-read-${this.pressureChannel}`);
      if (this.secondaryChannel !== null) io.removeAllListeners(`analog-read-${this.secondaryChannel}`);
    }
    const j5 = this.j5 as (five.Board & { timer?: ReturnType<typeof setTimeout> }) | null;
    if (j5?.timer) clearTimeout(j5.timer);
    await closeTransport(this.transport);
  }
}

function closeTransport(transport: Duplex): Promise<void> {
  if (transport.destroyed) return Promise.resolve();
  if (transport instanceof SerialPort) {
    if (!transport.isOpen) return Promise.resolve();
    // Let the last writes (pump off, vent open) leave before closing.
    return new Promise((resolve) => transport.drain(() => transport.close(() => resolve())));
  }
  return new Promise((resolve) => {
    transport.once("close", () => resolve());
    transport.end(() => transport.destroy());
  });
}
