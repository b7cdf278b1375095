/**
 * The one place the firmware is assembled: a controller from a hardware profile
 * and settings, and the runtime that puts it on a board and a clock. Every
 * program, bench and test builds its firmware here, so each profile field
 * reaches every part that uses it.
 */
import type { HardwareProfile } from "../hardware/profile.ts";
import type { Clock } from "../shared/clock.ts";
import type { CuffBoard } from "./board/board.ts";
import { CuffController, type HostSilencePolicy } from "./core/controller.ts";
import { createLop } from "./core/distal/lop.ts";
import { DistalPulseTrace } from "./core/distal/trace.ts";
import { createRepCounter } from "./core/reps/reps.ts";
import { FirmwareRuntime } from "./runtime.ts";

export interface FirmwareSettings {
  /** What the controller does when the host falls silent mid-session (default: vent after 2 s). */
  hostSilence?: HostSilencePolicy;
  /** Deflated rest enforced between exercises (default 60 s). */
  restBetweenExercisesSeconds?: number;
  /** Bench acceptance on a mock limb: holds without a LOP. Set where the firmware starts, never over the link. */
  benchAcceptance?: boolean;
}

/** The distal pulse trace of a build with the sensor (null without): the runtime feeds it, the LOP procedure reads it. */
export function createDistalTrace(profile: HardwareProfile): DistalPulseTrace | null {
  const sensor = profile.distalPulseSensor;
  return sensor ? new DistalPulseTrace(sensor.sampleHz, 2 ** sensor.adcBits - 1) : null;
}

export function createController(profile: HardwareProfile, settings: FirmwareSettings = {}, distal: DistalPulseTrace | null = null): CuffController {
  return new CuffController({
    profile,
    createLop: (options) => createLop({ ...options, sampleHz: profile.sensor.sampleHz, pumpMinDuty: profile.pump.minDuty, distal }),
    createRepCounter: () => createRepCounter(profile.sensor.sampleHz),
    ...(settings.hostSilence ? { hostSilence: settings.hostSilence } : {}),
    ...(settings.restBetweenExercisesSeconds !== undefined ? { restBetweenExercisesSeconds: settings.restBetweenExercisesSeconds } : {}),
    ...(settings.benchAcceptance ? { benchAcceptance: true } : {}),
  });
}

export interface FirmwareParts extends FirmwareSettings {
  profile: HardwareProfile;
  board: CuffBoard;
  clock: Clock;
}

/** The controller on a board, started: the guard armed, the outputs safe, samples flowing in. */
export function startFirmware(parts: FirmwareParts): FirmwareRuntime {
  const distal = createDistalTrace(parts.profile);
  const runtime = new FirmwareRuntime(createController(parts.profile, parts, distal), parts.board, parts.clock, parts.profile, distal);
  runtime.start();
  return runtime;
}
