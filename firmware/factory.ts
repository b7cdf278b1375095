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
import { createLopProcedure } from "./core/lop/measure.ts";
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

export function createController(profile: HardwareProfile, settings: FirmwareSettings = {}): CuffController {
  return new CuffController({
    profile,
    createLop: (options) => createLopProcedure({ ...options, sampleHz: profile.sensor.sampleHz, pumpMinDuty: profile.pump.minDuty }),
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
  const runtime = new FirmwareRuntime(createController(parts.profile, parts), parts.board, parts.clock, parts.profile);
  runtime.start();
  return runtime;
}
