/**
 * The direct simulated board for fast benches: the same guard and the same
 * ADC counts as the virtual Firmata board, without the Firmata bytes. Time
 * moves only in advance(), which steps the plant with the guard's effective
 * outputs and delivers the sample synchronously (the control loop is driven
 * by samples).
 */
import type { HardwareProfile } from "../../hardware/profile.ts";
import { pinNumber } from "../../hardware/profile.ts";
import { actuatorsFromLevels, GuardModel, guardPinsFromProfile } from "../../hardware/sim/guard-model.ts";
import type { CuffPlant } from "../../hardware/sim/plant.ts";
import type { Clock } from "../../shared/clock.ts";
import { decodeGuardStatus, decodeGuardTripped, encodeGuardConfigure, GuardSubcommand } from "../../shared/guard.ts";
import type { CuffBoard, GuardEvent, PressureSample } from "./board.ts";
import { PWM_MAX, pumpPinValue, ventPinValue } from "./profile-io.ts";

export class SimBoard implements CuffBoard {
  private readonly guard: GuardModel;
  private readonly sampleListeners = new Set<(sample: PressureSample) => void>();
  private readonly guardListeners = new Set<(event: GuardEvent) => void>();
  private readonly lostListeners = new Set<(reason: string) => void>();
  private readonly pumpPin: number;
  private readonly ventPin: number;
  private unplugged = false;
  private sampling = true;

  constructor(
    private readonly plant: CuffPlant,
    private readonly profile: HardwareProfile,
    private readonly clock: Clock,
  ) {
    this.guard = new GuardModel(guardPinsFromProfile(profile), clock.nowSeconds());
    this.pumpPin = pinNumber(profile.pins.pump);
    this.ventPin = pinNumber(profile.pins.vent);
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
    if (this.unplugged) return;
    this.deliver(this.guard.writePin(this.pumpPin, pumpPinValue(this.profile, duty) / PWM_MAX, this.clock.nowSeconds()));
  }

  setVent(opening: number): void {
    if (this.unplugged) return;
    this.deliver(this.guard.writePin(this.ventPin, ventPinValue(this.profile, opening) / PWM_MAX, this.clock.nowSeconds()));
  }

  keepAlive(): void {
    if (this.unplugged) return;
    this.deliver(this.guard.command([GuardSubcommand.KEEPALIVE], this.clock.nowSeconds()));
  }

  configureGuard(deadlineMs: number, tripCounts: number): void {
    if (this.unplugged) return;
    this.deliver(this.guard.command(encodeGuardConfigure(deadlineMs, tripCounts), this.clock.nowSeconds()));
  }

  clearGuard(): void {
    if (this.unplugged) return;
    this.deliver(this.guard.command([GuardSubcommand.CLEAR], this.clock.nowSeconds()));
  }

  queryGuard(): void {
    if (this.unplugged) return;
    this.deliver(this.guard.command([GuardSubcommand.STATUS_QUERY], this.clock.nowSeconds()));
  }

  async close(): Promise<void> {
    this.sampleListeners.clear();
  }

  /** What the actuators really do now (after the guard, or unpowered when unplugged). */
  effectiveActuation(): { pump: number; vent: number } {
    if (this.unplugged) return { pump: 0, vent: 1 };
    const { pumpDuty, ventOpening } = actuatorsFromLevels(this.profile, this.guard.level(this.pumpPin), this.guard.level(this.ventPin));
    return { pump: pumpDuty, vent: ventOpening };
  }

  guardStatus() {
    return this.guard.status();
  }

  /** One sample period: check the guard, step the physics, read the sensor, report. */
  advance(dtSeconds: number): void {
    const now = this.clock.nowSeconds();
    if (!this.unplugged) this.deliver(this.guard.poll(now));
    const { pump, vent } = this.effectiveActuation();
    this.plant.step(dtSeconds, pump, vent);
    if (this.unplugged) return;
    const counts = this.plant.sensorCounts();
    this.deliver(this.guard.sample(counts, now));
    if (!this.sampling) return;
    for (const listener of [...this.sampleListeners]) listener({ tSeconds: now, counts });
  }

  /** USB cable pulled: the board loses power (pump off, normally-open vent opens) and the link dies. */
  unplug(): void {
    if (this.unplugged) return;
    this.unplugged = true;
    for (const listener of [...this.lostListeners]) listener("the board was unplugged");
  }

  isUnplugged(): boolean {
    return this.unplugged;
  }

  /** The board keeps its guard but stops reporting samples (a broken sensor path). */
  stopSampling(): void {
    this.sampling = false;
  }

  private deliver(payloads: number[][]): void {
    for (const payload of payloads) {
      const status = decodeGuardStatus(payload);
      if (status) {
        for (const listener of this.guardListeners) listener({ kind: "status", status });
        continue;
      }
      const tripped = decodeGuardTripped(payload);
      if (tripped) for (const listener of this.guardListeners) listener({ kind: "tripped", ...tripped });
    }
  }
}
