/**
 * The direct simulated board for fast benches: the same guard (hardware/sim/
 * guard-model.ts) and the same ADC counts as the virtual Firmata board, without
 * the Firmata bytes. Physics time moves only in advance(), which the caller runs
 * once the clock has reached the end of the interval: it steps the plant with
 * the outputs the guard lets through and delivers the sample synchronously (the
 * control loop is driven by samples). Guard replies are delivered synchronously
 * too, as the commands are made.
 */
import { pinNumber, type HardwareProfile } from "../profile.ts";
import { checkedProfile } from "../firmata-layout.ts";
import { actuatorsFromLevels, GuardModel, guardPinsFromProfile, type GuardPayload } from "./guard-model.ts";
import type { CuffPlant } from "./plant.ts";
import type { Clock } from "../../shared/clock.ts";
import { decodeGuardStatus, decodeGuardTripped, encodeGuardConfigure, GuardSubcommand, type GuardStatus } from "../../shared/guard.ts";
import type { CuffBoard, GuardEvent, PressureSample } from "../../firmware/board/board.ts";
import { PWM_MAX, pumpPinValue, ventPinValue } from "../../firmware/board/profile-io.ts";

/** The simulation's step: physics, the guard's clock and bench traces advance in 10 ms steps. */
export const SIM_STEP_SECONDS = 0.01;

export class SimBoard implements CuffBoard {
  readonly profile: HardwareProfile;
  private readonly guard: GuardModel;
  private readonly sampleListeners = new Set<(sample: PressureSample) => void>();
  private readonly guardListeners = new Set<(event: GuardEvent) => void>();
  private readonly lostListeners = new Set<(reason: string) => void>();
  private readonly pumpPin: number;
  private readonly ventPin: number;
  private unplugged = false;
  private sampling = true;
  private closed = false;
  /** The board samples on its own grid, at the profile's rate, whatever step the simulation advances by. */
  private readonly samplePeriodSeconds: number;
  private nextSampleSeconds: number | null = null;

  constructor(
    private readonly plant: CuffPlant,
    profile: HardwareProfile,
    private readonly clock: Clock,
  ) {
    this.profile = checkedProfile(profile, "hardware profile");
    this.guard = new GuardModel(guardPinsFromProfile(this.profile), clock.nowSeconds());
    this.pumpPin = pinNumber(this.profile.pins.pump);
    this.ventPin = pinNumber(this.profile.pins.vent);
    this.samplePeriodSeconds = 1 / this.profile.sensor.sampleHz;
  }

  onSample(listener: (sample: PressureSample) => void): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  onGuard(listener: (event: GuardEvent) => void): () => void {
    this.guardListeners.add(listener);
    return () => this.guardListeners.delete(listener);
  }

  onLost(listener: (reason: string) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  setPump(duty: number): void {
    if (!this.linkUp) return;
    this.deliver(this.guard.writePin(this.pumpPin, pumpPinValue(this.profile, duty) / PWM_MAX, this.clock.nowSeconds()));
  }

  setVent(opening: number): void {
    if (!this.linkUp) return;
    this.deliver(this.guard.writePin(this.ventPin, ventPinValue(this.profile, opening) / PWM_MAX, this.clock.nowSeconds()));
  }

  keepAlive(): void {
    this.command([GuardSubcommand.KEEPALIVE]);
  }

  configureGuard(deadlineMs: number, tripCounts: number, secondaryTripCounts?: number): void {
    this.command(encodeGuardConfigure(deadlineMs, tripCounts, secondaryTripCounts));
  }

  clearGuard(): void {
    this.command([GuardSubcommand.CLEAR]);
  }

  queryGuard(): void {
    this.command([GuardSubcommand.STATUS_QUERY]);
  }

  /** Leave the cuff vented, then stop talking to the board. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.setPump(0);
    this.setVent(1);
    this.closed = true;
    this.sampleListeners.clear();
    this.guardListeners.clear();
    this.lostListeners.clear();
  }

  /** What the actuators really do now (after the guard, or unpowered when unplugged). */
  effectiveActuation(): { pump: number; vent: number } {
    if (this.unplugged) return { pump: 0, vent: 1 };
    const { pumpDuty, ventOpening } = actuatorsFromLevels(this.profile, this.guard.level(this.pumpPin), this.guard.level(this.ventPin));
    return { pump: pumpDuty, vent: ventOpening };
  }

  guardStatus(): GuardStatus {
    return this.guard.status();
  }

  /**
   * One sample period ending now: step the physics with the effective outputs
   * (switching to the safe ones at the keep-alive deadline if it falls inside the
   * period), let the guard check both readings, report the sample.
   */
  advance(dtSeconds: number): void {
    const now = this.clock.nowSeconds();
    const start = now - dtSeconds;
    const due = this.unplugged ? null : this.guard.keepAliveDueSeconds();
    let from = start;
    if (due !== null && due > start && due < now) {
      this.stepPlant(due - start);
      this.deliver(this.guard.poll(due));
      from = due;
    } else if (!this.unplugged) {
      this.deliver(this.guard.poll(start));
    }
    this.stepPlant(now - from);
    if (this.unplugged) return;
    if (this.nextSampleSeconds !== null && now < this.nextSampleSeconds - 1e-9) return;
    this.nextSampleSeconds = now + this.samplePeriodSeconds;
    const counts = this.plant.sensorCounts();
    const secondaryCounts = this.profile.secondarySensor ? this.plant.secondarySensorCounts() : null;
    this.deliver(this.guard.sample(counts, now));
    if (secondaryCounts !== null) this.deliver(this.guard.sampleSecondary(secondaryCounts, now));
    if (!this.sampling || this.closed) return;
    // The chip's unread samples, as the board reads its FIFO over I2C, when the build has the sensor and one is clipped on.
    const chip = this.profile.distalPulseSensor ? this.plant.distalPulse : null;
    const distalCounts = chip?.readFifo() ?? [];
    const sample = { tSeconds: now, counts, secondaryCounts, ...(distalCounts.length > 0 ? { distalCounts } : {}) };
    for (const listener of [...this.sampleListeners]) listener(sample);
  }

  /** USB cable pulled: the board loses power (pump off, normally-open vent opens) and the link dies. */
  unplug(): void {
    if (this.unplugged) return;
    this.unplugged = true;
    if (this.closed) return;
    for (const listener of [...this.lostListeners]) listener("the board was unplugged");
  }

  isUnplugged(): boolean {
    return this.unplugged;
  }

  /** The board keeps its guard but stops reporting samples (a hung sketch loop or a broken sensor path). */
  stopSampling(): void {
    this.sampling = false;
  }

  resumeSampling(): void {
    this.sampling = true;
  }

  /** Reset button or watchdog: the sketch restarts SAFE, forgetting the outputs and the guard configuration. */
  reset(): void {
    if (!this.unplugged) this.guard.reset(this.clock.nowSeconds());
  }

  private get linkUp(): boolean {
    return !this.unplugged && !this.closed;
  }

  private command(payload: number[]): void {
    if (this.linkUp) this.deliver(this.guard.command(payload, this.clock.nowSeconds()));
  }

  private stepPlant(dtSeconds: number): void {
    if (dtSeconds <= 0) return;
    const { pump, vent } = this.effectiveActuation();
    this.plant.step(dtSeconds, pump, vent);
  }

  private deliver(payloads: GuardPayload[]): void {
    for (const payload of payloads) {
      const status = decodeGuardStatus(payload);
      const tripped = status ? null : decodeGuardTripped(payload);
      const event: GuardEvent | null = status ? { kind: "status", status } : tripped ? { kind: "tripped", ...tripped } : null;
      if (!event || this.closed) continue;
      for (const listener of [...this.guardListeners]) listener(event);
    }
  }
}
