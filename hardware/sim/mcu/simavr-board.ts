/**
 * The real cuff_guard image running on simavr (firmware/mcu/harness), in
 * lock-step with TypeScript: time moves only in advance(), one step at a time.
 * Each step feeds the ADS1115 (and the ATmega's own ADC input of the second
 * sensor) from a pressure source, runs the AVR for the step,
 * hands the bytes it sent on its UART to `port` (a Duplex for firmata-io), records
 * every change of the pump (D5) and vent (D9) outputs with its simulated time, and
 * steps the source's physics with the outputs the pins carried.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { Duplex } from "node:stream";
import { ManualClock } from "../../../shared/clock.ts";
import { pinNumber, referenceProfile, type HardwareProfile } from "../../profile.ts";
import { actuatorsFromLevels } from "../guard-model.ts";
import type { DistalPulseChip } from "../plant.ts";
import { FIRMWARE_ELF, HARNESS_BIN } from "./toolchain.ts";

/** What feeds the sensors: a CuffPlant fits, or anything that yields counts. */
export interface PressureSource {
  /** Raw counts on the pressure channel now (the hardware profile's ADC bits). */
  sensorCounts(): number;
  /** Raw counts of the second sensor now (its own ADC bits); left out or null, its input stays at 0 V. */
  secondarySensorCounts?(): number | null;
  /** Advance the physics with what the actuators received over the step. */
  step?(dtSeconds: number, pumpDuty: number, ventOpening: number): void;
  /** The distal pulse sensor's chip (a CuffPlant's); its new samples enter the simulated MAX30102's FIFO every step. */
  readonly distalPulse?: DistalPulseChip | null;
}

export interface PinChange {
  tSeconds: number;
  pin: number;
  /** Fraction of time the pin is high, 0..1 (PWM duty / 255). */
  level: number;
}

export interface SimavrBoardOptions {
  elfPath?: string;
  harnessPath?: string;
  profile?: HardwareProfile;
  source?: PressureSource;
  /** Driven to the simulated time after every step, for code that schedules on a Clock. */
  clock?: ManualClock;
}

const PWM_MAX = 255;
/** Pins compiled into the image (cuff_guard/config.h) and watched by the harness. */
const FIRMWARE_PUMP_PIN = 5;
const FIRMWARE_VENT_PIN = 9;
/** The second sensor's input, compiled into the image: A1, the ATmega's ADC channel 1. */
const FIRMWARE_SECONDARY_PIN = "A1";
const FIRMWARE_SECONDARY_CHANNEL = 1;

type Reply = { kind: "step"; lines: string[] } | { kind: "info"; line: string };

export class SimavrBoard {
  readonly profile: HardwareProfile;
  readonly clock: ManualClock;
  /** The AVR's UART0, for firmata-io: what it writes reaches the AVR's receiver at 57600 baud. */
  readonly port: Duplex;
  /** Every output change of D5/D9 since power-up. */
  readonly pinChanges: PinChange[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pumpPin: number;
  private readonly ventPin: number;
  private readonly source: PressureSource | null;
  private pending: number[] = [];
  private lastMicrovolts: number | null = null;
  private lastSecondaryMillivolts: number | null = null;
  private timeNs = 0;
  private pumpLevel = 0;
  private ventLevel = 0;
  private halted: string | null = null;
  private stderr = "";
  private stdoutBuffer = "";
  private replyLines: string[] = [];
  private waiting: { resolve(reply: Reply): void; reject(error: Error): void } | null = null;
  private exited: Error | null = null;
  private opened = false;

  constructor(options: SimavrBoardOptions = {}) {
    this.profile = options.profile ?? referenceProfile();
    this.clock = options.clock ?? new ManualClock();
    this.source = options.source ?? null;
    this.pumpPin = pinNumber(this.profile.pins.pump);
    this.ventPin = pinNumber(this.profile.pins.vent);
    if (this.pumpPin !== FIRMWARE_PUMP_PIN || this.ventPin !== FIRMWARE_VENT_PIN) {
      throw new Error(`the cuff_guard image drives the pump on D${FIRMWARE_PUMP_PIN} and the vent on D${FIRMWARE_VENT_PIN}; the profile says ${this.profile.pins.pump} and ${this.profile.pins.vent}`);
    }
    if (this.profile.secondarySensor && this.profile.pins.secondaryPressure !== FIRMWARE_SECONDARY_PIN) {
      throw new Error(`the cuff_guard image reads the second sensor on ${FIRMWARE_SECONDARY_PIN}; the profile says ${this.profile.pins.secondaryPressure}`);
    }
    this.child = spawn(options.harnessPath ?? HARNESS_BIN, [options.elfPath ?? FIRMWARE_ELF], { stdio: "pipe" });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (text: string) => this.receive(text));
    this.child.stderr.setEncoding("utf8");
    this.child.stderr.on("data", (text: string) => (this.stderr += text));
    this.child.on("error", (error) => this.fail(error));
    this.child.on("exit", (code, signal) => this.fail(new Error(`cuff-harness exited (${signal ?? code}): ${this.stderr.trim()}`)));
    this.port = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, callback) => {
        for (const byte of chunk) this.pending.push(byte);
        callback();
      },
    });
  }

  /** Simulated seconds since power-up. */
  get timeSeconds(): number {
    return this.timeNs / 1e9;
  }

  /** Output levels (0..1, fraction of time high) of the pump and vent pins now. */
  levels(): { pump: number; vent: number } {
    return { pump: this.pumpLevel / PWM_MAX, vent: this.ventLevel / PWM_MAX };
  }

  /** What the actuators receive now, through the profile's polarity. */
  outputs(): { pumpDuty: number; ventOpening: number } {
    const { pump, vent } = this.levels();
    return actuatorsFromLevels(this.profile, pump, vent);
  }

  /** The ADS1115 stops answering on the bus (unplugged sensor board), or comes back. */
  setSensorPresent(present: boolean): void {
    this.command(`s ${present ? 1 : 0}`);
  }

  /** The ADS1115 browns out and resets: single-shot power-down, conversion register 0. */
  resetSensor(): void {
    this.command("a");
  }

  /** The distal pulse sensor's chip stops answering on the bus (clip unplugged), or comes back. */
  setDistalPulsePresent(present: boolean): void {
    this.command(`m ${present ? 1 : 0}`);
  }

  setButton(high: boolean): void {
    this.command(`b ${high ? 1 : 0}`);
  }

  /** A runaway firmware: interrupts off, stuck in a loop; only the watchdog gets it out. */
  hang(): void {
    this.command("h");
  }

  /** The baud rate the firmware set UART0 to. */
  async baudRate(): Promise<number> {
    this.command("i");
    const reply = await this.nextReply();
    if (reply.kind !== "info") throw new Error("cuff-harness answered out of turn");
    return Number(reply.line.split(" ")[1]);
  }

  /** Run the AVR for `seconds` of simulated time in steps of `stepSeconds`, calling `onStep` after each. */
  async advance(seconds: number, stepSeconds = 0.001, onStep?: () => void): Promise<void> {
    const steps = Math.max(1, Math.round(seconds / stepSeconds));
    for (let i = 0; i < steps; i++) {
      await this.step(stepSeconds);
      onStep?.();
    }
  }

  /** Advance until `done()` holds after a step; the simulated seconds it took, or null if it never did. */
  async advanceUntil(done: () => boolean, maxSeconds: number, stepSeconds = 0.001): Promise<number | null> {
    const start = this.timeSeconds;
    while (this.timeSeconds - start < maxSeconds - 1e-9) {
      await this.step(stepSeconds);
      if (done()) return this.timeSeconds - start;
    }
    return null;
  }

  async close(): Promise<void> {
    this.port.destroy();
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.command("q");
    this.child.stdin.end();
    await gone;
  }

  private async step(stepSeconds: number): Promise<void> {
    if (this.halted) throw new Error(`the simulated AVR stopped (${this.halted}) at ${this.timeSeconds.toFixed(6)} s`);
    if (!this.opened) {
      // A plain Duplex never emits "open"; the port "opens" when simulated time starts.
      this.opened = true;
      this.port.emit("open");
    }
    if (this.source) {
      const microvolts = this.countsToMicrovolts(this.source.sensorCounts());
      if (microvolts !== this.lastMicrovolts) {
        this.command(`v ${microvolts}`);
        this.lastMicrovolts = microvolts;
      }
      const secondary = this.source.secondarySensorCounts?.() ?? null;
      const millivolts = secondary === null ? 0 : this.secondaryCountsToMillivolts(secondary);
      if (millivolts !== this.lastSecondaryMillivolts) {
        this.command(`c ${FIRMWARE_SECONDARY_CHANNEL} ${millivolts}`);
        this.lastSecondaryMillivolts = millivolts;
      }
      const samples = this.source.distalPulse?.readFifo() ?? [];
      if (samples.length > 0) this.command(`d ${samples.join(" ")}`);
    }
    if (this.pending.length) {
      this.command(`w ${Buffer.from(this.pending).toString("hex")}`);
      this.pending = [];
    }
    const fromNs = this.timeNs;
    let pump = this.pumpLevel;
    let vent = this.ventLevel;
    let pumpArea = 0;
    let ventArea = 0;
    let lastNs = fromNs;
    this.command(`r ${Math.round(stepSeconds * 1e6)}`);
    const reply = await this.nextReply();
    if (reply.kind !== "step") throw new Error("cuff-harness answered out of turn");
    const received: Buffer[] = [];
    for (const line of reply.lines) {
      const [kind, a = "", b = "", c = ""] = line.split(" ");
      if (kind === "u") received.push(Buffer.from(a, "hex"));
      else if (kind === "p") {
        const ns = Number(a);
        const pin = Number(b);
        const level = Number(c);
        pumpArea += pump * (ns - lastNs);
        ventArea += vent * (ns - lastNs);
        lastNs = ns;
        if (pin === this.pumpPin) pump = level;
        else if (pin === this.ventPin) vent = level;
        this.pinChanges.push({ tSeconds: ns / 1e9, pin, level: level / PWM_MAX });
      } else if (kind === "x") this.halted = b;
      else if (kind === "t") {
        this.timeNs = Number(a);
        pumpArea += pump * (this.timeNs - lastNs);
        ventArea += vent * (this.timeNs - lastNs);
        this.pumpLevel = Number(b);
        this.ventLevel = Number(c);
      }
    }
    const dtNs = this.timeNs - fromNs;
    if (this.source?.step && dtNs > 0) {
      const { pumpDuty, ventOpening } = actuatorsFromLevels(this.profile, pumpArea / dtNs / PWM_MAX, ventArea / dtNs / PWM_MAX);
      this.source.step(dtNs / 1e9, pumpDuty, ventOpening);
    }
    this.clock.advanceTo(this.timeSeconds);
    for (const bytes of received) this.port.push(bytes);
  }

  /**
   * The AIN0 voltage at which the ADS1115 yields these counts: the middle of the
   * count's step. The chip's step is full scale / 2^bits; the profile's mmhgToCounts
   * divides by 2^bits - 1, one part in 16384 away, which would cost a count near the top.
   */
  private countsToMicrovolts(counts: number): number {
    const step = this.profile.sensor.adcFullScaleVolts / 2 ** this.profile.sensor.adcBits;
    return Math.round((counts + 0.5) * step * 1e6);
  }

  /**
   * The second sensor's input voltage (whole millivolts, what simavr's ADC takes) for these counts: the
   * middle of the count's step through the profile's transfer function; simavr converts as mV * 1023 / 5000.
   */
  private secondaryCountsToMillivolts(counts: number): number {
    const sensor = this.profile.secondarySensor;
    if (!sensor) return 0;
    return Math.round(((counts + 0.5) / (2 ** sensor.adcBits - 1)) * sensor.adcFullScaleVolts * 1000);
  }

  private command(line: string): void {
    if (this.exited) throw this.exited;
    this.child.stdin.write(`${line}\n`);
  }

  private nextReply(): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private receive(text: string): void {
    this.stdoutBuffer += text;
    let newline: number;
    while ((newline = this.stdoutBuffer.indexOf("\n")) >= 0) {
      const line = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      if (line.startsWith("i ")) this.resolve({ kind: "info", line });
      else {
        this.replyLines.push(line);
        if (line.startsWith("t ")) {
          const lines = this.replyLines;
          this.replyLines = [];
          this.resolve({ kind: "step", lines });
        }
      }
    }
  }

  private resolve(reply: Reply): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve(reply);
  }

  private fail(error: Error): void {
    if (this.exited) return;
    this.exited = error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }
}
