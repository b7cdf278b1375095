/**
 * The whole firmware on the simulated cuff, in-process, in virtual time: what
 * `cuff demo`, `cuff session --sim` and the whole-stack tests talk to. The host
 * side gets a Duplex carrying the cuff link, as it would get a serial port.
 */
import type { Duplex } from "node:stream";
import { type HardwareProfile, referenceProfile } from "../profile.ts";
import { createPlant } from "./cuff.ts";
import type { CuffPlant } from "./plant.ts";
import { parseScenario, type Scenario } from "./scenario.ts";
import type { ManualClock } from "../../shared/clock.ts";
import { SIM_STEP_SECONDS, SimBoard } from "./sim-board.ts";
import { CuffController, type HostSilencePolicy } from "../../firmware/core/controller.ts";
import { serveInProcess } from "../../firmware/link/in-process.ts";
import { startFirmware } from "../../firmware/factory.ts";
import type { FirmwareRuntime } from "../../firmware/runtime.ts";


export interface SimStackOptions {
  scenario?: Scenario;
  clock: ManualClock;
  profile?: HardwareProfile;
  hostSilence?: HostSilencePolicy;
  /** Bench acceptance on a mock limb: holds without a LOP. */
  benchAcceptance?: boolean;
  /** Serve the link as a paired one (a serial port's), which admits only a host proving this key. */
  pairingKey?: Uint8Array;
}

export interface SimStack {
  /** The host's end of the cuff link. */
  hostStream: Duplex;
  /** Run the firmware and physics for this many simulated seconds. */
  advance(seconds: number): Promise<void>;
  plant: CuffPlant;
  controller: CuffController;
  runtime: FirmwareRuntime;
  board: SimBoard;
  /** Pull the cable: the link stops carrying bytes both ways until replug(). */
  unplugLink(): void;
  /** A fresh cable: returns a new host stream on the same running firmware. */
  replugLink(): Duplex;
  close(): Promise<void>;
}

export function createSimStack(options: SimStackOptions): SimStack {
  const profile = options.profile ?? referenceProfile();
  const scenario = options.scenario ?? parseScenario({ name: "built-in simulated cuff" });
  const clock = options.clock;
  const plant = createPlant(scenario, profile);
  const board = new SimBoard(plant, profile, clock);
  const runtime = startFirmware({
    profile,
    board,
    clock,
    ...(options.hostSilence ? { hostSilence: options.hostSilence } : {}),
    ...(options.benchAcceptance ? { benchAcceptance: true } : {}),
  });
  const controller = runtime.controller;

  const link = serveInProcess(runtime, options.pairingKey);
  const hostStream = link.hostStream;

  let stepIndex = Math.round(clock.nowSeconds() / SIM_STEP_SECONDS);
  return {
    hostStream,
    plant,
    controller,
    runtime,
    board,
    async advance(seconds: number) {
      const steps = Math.round(seconds / SIM_STEP_SECONDS);
      for (let i = 0; i < steps; i++) {
        stepIndex++;
        clock.advanceTo(stepIndex * SIM_STEP_SECONDS);
        board.advance(SIM_STEP_SECONDS);
        // Let stream data and the host's reactions flow before the next sample.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    unplugLink() {
      link.unplug();
    },
    replugLink() {
      return link.replug();
    },
    async close() {
      link.close();
      runtime.stop();
    },
  };
}
