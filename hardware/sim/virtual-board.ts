/**
 * A virtual Arduino running the cuff's Firmata sketch: it speaks the Firmata wire
 * protocol over any Duplex stream, executes the guard of shared/guard.ts, and
 * drives a simulated cuff (CuffPlant) with the outputs its pins actually carry.
 *
 * Time comes only from the Clock. At the sensor's rate the board steps the plant
 * and runs the guard on its own readings (both sensors); every Firmata sampling
 * interval it reports the channels the host asked for, the second sensor's before
 * the first's (as the sketch does), so a host pairs the two readings of one sample.
 * Between samples the plant is stepped up to the instant of every output change
 * (host write, trip, power loss), so the physics sees each change when it happens.
 * The board is the only thing that steps its plant.
 */
import { Duplex } from "node:stream";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import { GUARD_SYSEX, type GuardStatus } from "../../shared/guard.ts";
import { referenceProfile, type HardwareProfile } from "../profile.ts";
import {
  FIRMATA,
  FirmataParser,
  PinMode,
  encodeAnalogMappingResponse,
  encodeAnalogMessage,
  encodeCapabilityResponse,
  encodeFirmwareReport,
  encodePinStateResponse,
  encodeReportVersion,
  encodeSysex,
  from7bitGroups,
  type FirmataCommand,
  type PinCapabilities,
} from "./firmata-protocol.ts";
import { analogChannel, boardLayout, checkedProfile, type BoardLayout } from "../firmata-layout.ts";
import { GuardModel, actuatorsFromLevels, guardPinsFromProfile, type GuardPayload } from "./guard-model.ts";
import type { CuffPlant } from "./plant.ts";
import { VirtualI2cBus } from "./virtual-i2c.ts";

export const VIRTUAL_FIRMWARE_NAME = "CuffGuardFirmata (virtual)";
export const VIRTUAL_FIRMWARE_VERSION = { major: 1, minor: 0 } as const;
/** Resolution of the analog channels that carry no sensor (the ATmega's own ADC). */
const NATIVE_ADC_BITS = 10;
const PWM_MAX = 255;
const MAX_SAMPLING_INTERVAL_MS = 0x3fff;
/** A timer this late means the process running the board was held up, not the board. */
const HELD_UP_SECONDS = 0.02;

export interface VirtualBoardOptions {
  plant: CuffPlant;
  clock: Clock;
  /** Hardware profile (validated here); the reference Nano when omitted. */
  profile?: HardwareProfile;
  firmwareName?: string;
}

/** What the actuators receive: pump duty 0..1, vent opening 0..1 (1 = open). */
export interface ActuatorOutputs {
  pumpDuty: number;
  ventOpening: number;
}

interface PinState {
  mode: number | null;
  /** Output level 0..1 (fraction of time high) of pins the guard does not hold. */
  level: number;
}

export class VirtualBoard {
  readonly profile: HardwareProfile;
  readonly layout: BoardLayout;
  private readonly plant: CuffPlant;
  private readonly clock: Clock;
  private readonly firmwareName: string;
  private readonly guard: GuardModel;
  private readonly i2c: VirtualI2cBus;
  private readonly pressureChannel: number;
  /** The second sensor's analog channel; null on a build without one. */
  private readonly secondaryChannel: number | null;
  private readonly defaultSamplingMs: number;
  private readonly sensePeriodSeconds: number;
  private parser = new FirmataParser();
  private pins: PinState[] = [];
  private reporting = new Set<number>();
  private samplingMs: number;
  private powered = true;
  private linkOpen = true;
  private steppedToSeconds: number;
  private senseTimer: Cancellable | null = null;
  private reportTimer: Cancellable | null = null;
  private deadlineTimer: Cancellable | null = null;
  private deadlineDueSeconds: number | null = null;
  private nextReportSeconds: number;
  private disposed = false;

  constructor(
    private readonly stream: Duplex,
    options: VirtualBoardOptions,
  ) {
    this.profile = checkedProfile(options.profile ?? referenceProfile(), "hardware profile");
    this.layout = boardLayout(this.profile.board);
    this.plant = options.plant;
    this.clock = options.clock;
    this.firmwareName = options.firmwareName ?? VIRTUAL_FIRMWARE_NAME;
    this.pressureChannel = analogChannel(this.profile.pins.pressure);
    const secondaryPin = this.profile.secondarySensor ? this.profile.pins.secondaryPressure : undefined;
    this.secondaryChannel = secondaryPin === undefined ? null : analogChannel(secondaryPin);
    this.sensePeriodSeconds = 1 / this.profile.sensor.sampleHz;
    this.defaultSamplingMs = Math.round(1000 / this.profile.sensor.sampleHz);
    this.samplingMs = this.defaultSamplingMs;
    this.steppedToSeconds = this.clock.nowSeconds();
    this.nextReportSeconds = this.steppedToSeconds;
    this.guard = new GuardModel(guardPinsFromProfile(this.profile), this.steppedToSeconds);
    this.i2c = new VirtualI2cBus(this.profile, this.plant);
    this.resetPins();

    stream.on("data", (chunk: Buffer) => this.receive(chunk));
    stream.on("end", () => this.linkClosed());
    stream.on("close", () => this.linkClosed());
    stream.on("error", () => this.linkClosed());

    this.boot();
    this.scheduleSense();
    this.scheduleReport();
  }

  /** What the pump and vent receive right now. */
  outputs(): ActuatorOutputs {
    if (!this.powered) return { pumpDuty: 0, ventOpening: 1 };
    const { pumpPin, ventPin, pumpSafeLevel, ventSafeLevel } = this.guard.pins;
    return actuatorsFromLevels(
      this.profile,
      this.isOutput(pumpPin) ? this.guard.level(pumpPin) : pumpSafeLevel,
      this.isOutput(ventPin) ? this.guard.level(ventPin) : ventSafeLevel,
    );
  }

  guardStatus(): GuardStatus {
    return this.guard.status();
  }

  get samplingIntervalMs(): number {
    return this.samplingMs;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  isReportingAnalog(channel: number): boolean {
    return this.reporting.has(channel);
  }

  /**
   * Cable pulled: the board loses power (pump unpowered, normally-open vent open)
   * and the link ends. The plant keeps being stepped, now with the safe outputs.
   */
  unplug(): void {
    if (!this.powered) return;
    this.catchUp();
    this.powered = false;
    this.cancelDeadline();
    this.linkOpen = false;
    this.stream.destroy();
  }

  /** Reset button (or DTR): the sketch restarts as at power-up, the cuff stays where it is. */
  reset(): void {
    if (!this.powered) return;
    this.catchUp();
    this.softReset();
    this.boot();
  }

  /** Stop the board's timers (test teardown); the stream is left as it is. */
  dispose(): void {
    this.disposed = true;
    this.senseTimer?.cancel();
    this.reportTimer?.cancel();
    this.cancelDeadline();
  }

  private boot(): void {
    // StandardFirmata announces itself at startup; a host may also ask.
    this.send(encodeReportVersion());
    this.send(encodeFirmwareReport(this.firmwareName, VIRTUAL_FIRMWARE_VERSION.major, VIRTUAL_FIRMWARE_VERSION.minor));
  }

  private softReset(): void {
    this.guard.reset(this.clock.nowSeconds());
    this.resetPins();
    this.reporting.clear();
    this.samplingMs = this.defaultSamplingMs;
    this.parser = new FirmataParser();
    this.armDeadline();
  }

  private resetPins(): void {
    this.pins = Array.from({ length: this.layout.pinCount }, () => ({ mode: null, level: 0 }));
  }

  private linkClosed(): void {
    // The host went away; the board stays powered and the guard acts on the silence.
    this.linkOpen = false;
  }

  /** A pin that is not an output leaves its driver's gate to the pull resistor: actuator unpowered. */
  private isOutput(pin: number): boolean {
    const mode = this.pins[pin]?.mode;
    return mode === PinMode.OUTPUT || mode === PinMode.PWM;
  }

  /** Step the plant up to now with the outputs that held since the last step. */
  private catchUp(): void {
    const now = this.clock.nowSeconds();
    const dt = now - this.steppedToSeconds;
    if (dt <= 0) return;
    const { pumpDuty, ventOpening } = this.outputs();
    this.plant.step(dt, pumpDuty, ventOpening);
    this.steppedToSeconds = now;
  }

  /**
   * The guard reads the sensor at the sensor's own rate, whatever reporting
   * interval the host asked for, so a host cannot slow the overpressure check.
   */
  private scheduleSense(): void {
    if (this.disposed) return;
    this.senseTimer = this.clock.schedule(this.sensePeriodSeconds, () => {
      this.catchUp();
      if (this.powered) {
        const now = this.clock.nowSeconds();
        this.sendGuard(this.guard.sample(this.plant.sensorCounts(), now));
        const secondary = this.secondaryChannel === null ? null : this.plant.secondarySensorCounts();
        if (secondary !== null) this.sendGuard(this.guard.sampleSecondary(secondary, now));
        this.armDeadline();
      }
      this.scheduleSense();
    });
  }

  /**
   * Reports keep their nominal times, as a board's timer interrupt does: a report that goes
   * out late (the process was held up) does not push the later ones back.
   */
  private scheduleReport(): void {
    if (this.disposed) return;
    const period = this.samplingMs / 1000;
    const now = this.clock.nowSeconds();
    this.nextReportSeconds = Math.max(this.nextReportSeconds + period, now - period);
    this.reportTimer = this.clock.schedule(Math.max(0, this.nextReportSeconds - now), () => {
      this.catchUp();
      if (this.powered) {
        const first = this.pressureChannel;
        for (const channel of [...this.reporting].sort((a, b) => (a === first ? 1 : b === first ? -1 : a - b))) {
          this.send(encodeAnalogMessage(channel, this.channelCounts(channel)));
        }
      }
      this.scheduleReport();
    });
  }

  /** What an analog channel reads: a sensor's counts, or 0 on the unconnected inputs. */
  private channelCounts(channel: number): number {
    if (channel === this.pressureChannel) return this.plant.sensorCounts();
    if (channel === this.secondaryChannel) return this.plant.secondarySensorCounts() ?? 0;
    return 0;
  }

  private armDeadline(): void {
    const due = this.powered ? this.guard.keepAliveDueSeconds() : null;
    if (due === this.deadlineDueSeconds || this.disposed) return;
    this.cancelDeadline();
    if (due === null) return;
    this.deadlineDueSeconds = due;
    this.deadlineTimer = this.clock.schedule(due - this.clock.nowSeconds(), () => {
      this.deadlineTimer = null;
      this.deadlineDueSeconds = null;
      // Fired late, this process was held up, and keep-alives that came meanwhile are still
      // queued behind the timer (a microcontroller is never held up): read them first.
      if (this.clock.nowSeconds() - due > HELD_UP_SECONDS) {
        this.deadlineTimer = this.clock.schedule(0, () => this.pollDeadline());
        return;
      }
      this.pollDeadline();
    });
  }

  private pollDeadline(): void {
    this.deadlineTimer = null;
    this.catchUp();
    this.sendGuard(this.guard.poll(this.clock.nowSeconds()));
    this.armDeadline();
  }

  private cancelDeadline(): void {
    this.deadlineTimer?.cancel();
    this.deadlineTimer = null;
    this.deadlineDueSeconds = null;
  }

  private receive(chunk: Buffer): void {
    if (!this.powered) return;
    this.catchUp();
    for (const command of this.parser.feed(chunk)) this.execute(command);
    this.armDeadline();
  }

  private execute(command: FirmataCommand): void {
    switch (command.kind) {
      case "report-version":
        this.send(encodeReportVersion());
        return;
      case "system-reset":
        this.softReset();
        return;
      case "digital-port":
        for (let bit = 0; bit < 8; bit++) {
          const pin = command.port * 8 + bit;
          if (this.pins[pin]?.mode === PinMode.OUTPUT) this.setLevel(pin, (command.value >> bit) & 1);
        }
        return;
      case "set-digital-pin":
        if (this.pins[command.pin]?.mode === PinMode.OUTPUT) this.setLevel(command.pin, command.value ? 1 : 0);
        return;
      case "analog-write":
        this.pwmWrite(command.pin, command.value);
        return;
      case "set-pin-mode":
        this.setPinMode(command.pin, command.mode);
        return;
      case "report-analog":
        if (command.channel >= this.layout.analogChannels || command.enable > 1) return;
        if (command.enable) this.reporting.add(command.channel);
        else this.reporting.delete(command.channel);
        return;
      case "report-digital":
        // No digital inputs are modelled, so there is never a change to report.
        return;
      case "sysex":
        this.executeSysex(command.id, command.data);
        return;
    }
  }

  private executeSysex(id: number, data: number[]): void {
    switch (id) {
      case GUARD_SYSEX:
        this.sendGuard(this.guard.command(data, this.clock.nowSeconds()));
        return;
      case FIRMATA.QUERY_FIRMWARE:
        this.send(encodeFirmwareReport(this.firmwareName, VIRTUAL_FIRMWARE_VERSION.major, VIRTUAL_FIRMWARE_VERSION.minor));
        return;
      case FIRMATA.CAPABILITY_QUERY:
        this.send(encodeCapabilityResponse(this.capabilities()));
        return;
      case FIRMATA.ANALOG_MAPPING_QUERY:
        this.send(encodeAnalogMappingResponse(this.pins.map((_, pin) => this.channelOf(pin) ?? 0x7f)));
        return;
      case FIRMATA.PIN_STATE_QUERY: {
        const pin = data[0];
        const state = pin === undefined ? undefined : this.pins[pin];
        if (pin === undefined || !state) return;
        const level = this.guard.isGuarded(pin) ? this.guard.level(pin) : state.level;
        const value = state.mode === PinMode.PWM ? Math.round(level * PWM_MAX) : Math.round(level);
        this.send(encodePinStateResponse(pin, state.mode ?? PinMode.INPUT, value));
        return;
      }
      case FIRMATA.SAMPLING_INTERVAL:
        if (data.length < 2) return;
        this.samplingMs = Math.max(1, Math.min(MAX_SAMPLING_INTERVAL_MS, from7bitGroups(data.slice(0, 2))));
        return;
      case FIRMATA.EXTENDED_ANALOG:
        if (data.length < 2) return;
        this.pwmWrite(data[0]!, from7bitGroups(data.slice(1, 5)));
        return;
      default: {
        const reply = this.i2c.handle(id, data);
        if (reply?.length) this.send(reply);
      }
    }
  }

  private pwmWrite(pin: number, value: number): void {
    if (this.pins[pin]?.mode !== PinMode.PWM) return;
    this.setLevel(pin, Math.min(PWM_MAX, value) / PWM_MAX);
  }

  private setPinMode(pin: number, mode: number): void {
    const state = this.pins[pin];
    if (!state || !this.supportedModes(pin).some(([m]) => m === mode)) return;
    state.mode = mode;
    // StandardFirmata starts a pin that becomes an output at LOW (PWM at duty 0).
    if (mode === PinMode.OUTPUT || mode === PinMode.PWM) this.setLevel(pin, 0);
  }

  private setLevel(pin: number, level: number): void {
    if (this.guard.isGuarded(pin)) this.sendGuard(this.guard.writePin(pin, level, this.clock.nowSeconds()));
    else this.pins[pin]!.level = level;
  }

  private channelOf(pin: number): number | undefined {
    const channel = pin - this.layout.firstAnalogPin;
    return channel >= 0 && channel < this.layout.analogChannels ? channel : undefined;
  }

  private supportedModes(pin: number): ReadonlyArray<readonly [number, number]> {
    const modes: Array<readonly [number, number]> = [];
    if (this.layout.digitalPins.has(pin)) {
      modes.push([PinMode.INPUT, 1], [PinMode.OUTPUT, 1], [PinMode.PULLUP, 1]);
    }
    if (this.layout.pwmPins.has(pin)) modes.push([PinMode.PWM, 8]);
    const channel = this.channelOf(pin);
    if (channel !== undefined) {
      const bits = channel === this.pressureChannel ? this.profile.sensor.adcBits : channel === this.secondaryChannel ? this.profile.secondarySensor!.adcBits : NATIVE_ADC_BITS;
      modes.push([PinMode.ANALOG, bits]);
    }
    return modes;
  }

  private capabilities(): PinCapabilities {
    return this.pins.map((_, pin) => this.supportedModes(pin));
  }

  private sendGuard(payloads: GuardPayload[]): void {
    for (const payload of payloads) this.send(encodeSysex(GUARD_SYSEX, payload));
  }

  private send(bytes: number[]): void {
    if (!this.powered || !this.linkOpen || this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(Buffer.from(bytes));
  }
}

/**
 * Two connected in-process Duplex streams (what one writes, the other reads), like
 * a cable. Destroying either end closes both, as pulling the cable does.
 */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      allowHalfOpen: false,
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const other = peer();
        if (!other.destroyed) other.push(chunk);
        callback();
      },
      final(callback) {
        const other = peer();
        if (!other.destroyed) other.push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) process.nextTick(() => other.destroy());
        callback(error);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}
