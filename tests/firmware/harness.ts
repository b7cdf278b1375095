/** A synchronous in-process firmware on the simulated cuff, driven frame by frame from a test. */
import { SIM_STEP_SECONDS, SimBoard } from "../../hardware/sim/sim-board.ts";
import { Wire } from "../../firmware/link/wire.ts";
import type { HostSilencePolicy } from "../../firmware/core/controller.ts";
import { LineSplitter } from "../../shared/protocol/line-splitter.ts";
import { LinkServer } from "../../firmware/link/server.ts";
import { referenceProfile } from "../../hardware/profile.ts";
import { createPlant } from "../../hardware/sim/cuff.ts";
import { parseScenario, type ScenarioInput } from "../../hardware/sim/scenario.ts";
import { ManualClock } from "../../shared/clock.ts";
import { decodeFirmwareFrame, encodeFrame } from "../../shared/protocol/framing.ts";
import { SCHEMA_FINGERPRINT } from "../../shared/protocol/fingerprint.ts";
import { type FirmwareMessage, type HostBody, PROTOCOL_VERSION } from "../../shared/protocol/messages.ts";
import { startFirmware } from "../../firmware/factory.ts";


export function firmwareHarness(
  scenario: Partial<ScenarioInput> = {},
  hostSilence?: HostSilencePolicy,
  { benchAcceptance, ...link }: { pairingKey?: Uint8Array; benchAcceptance?: boolean } = {},
) {
  const profile = referenceProfile();
  const clock = new ManualClock();
  const plant = createPlant(parseScenario({ name: "test", limb: "leg", ...scenario }), profile);
  const board = new SimBoard(plant, profile, clock);
  const runtime = startFirmware({ profile, board, clock, ...(hostSilence ? { hostSilence } : {}), ...(benchAcceptance ? { benchAcceptance } : {}) });
  const controller = runtime.controller;
  const toFirmware = new Wire();
  const fromFirmware = new Wire();
  const received: FirmwareMessage[] = [];
  const splitter = new LineSplitter();
  fromFirmware.on("data", (chunk) =>
    splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, (event) => {
      if (event.kind !== "line") return;
      const decoded = decodeFirmwareFrame(event.bytes);
      if (!decoded.ok) throw new Error(`firmware sent a bad frame: ${decoded.detail}`);
      received.push(decoded.message);
    }),
  );
  const server = new LinkServer({ runtime, input: toFirmware, output: fromFirmware, ...link });
  let seq = 100;
  let heartbeats = true;
  let step = 0;

  const h = {
    clock,
    plant,
    board,
    controller,
    runtime,
    server,
    received,
    /** Send a message; returns the replies it produced (ack/nack/error/status). */
    send(body: HostBody, withSeq = seq++) {
      const before = received.length;
      toFirmware.write(encodeFrame({ v: PROTOCOL_VERSION, seq: withSeq, ...body } as never));
      return received.slice(before).filter((m) => m.type === "ack" || m.type === "nack" || m.type === "error" || m.type === "status");
    },
    raw(line: string | Uint8Array) {
      const before = received.length;
      toFirmware.write(line);
      return received.slice(before);
    },
    hello(extra: { instance?: string; proof?: string } = {}) {
      return h.send({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "test", instance: "t1", ...extra });
    },
    /** The firmware's latest hello on this link. */
    lastHello() {
      return h.events("hello").at(-1)!;
    },
    stopHeartbeats() {
      heartbeats = false;
    },
    /** Run simulated time; the host heartbeats every 0.5 s unless stopped. */
    run(seconds: number, until?: () => boolean) {
      const steps = Math.round(seconds / SIM_STEP_SECONDS);
      for (let i = 0; i < steps; i++) {
        step++;
        clock.advanceTo(step * SIM_STEP_SECONDS);
        board.advance(SIM_STEP_SECONDS);
        if (heartbeats && step % 50 === 0) h.send({ type: "heartbeat" });
        if (until?.()) return true;
      }
      return false;
    },
    now: () => clock.nowSeconds(),
    events<T extends FirmwareMessage["type"]>(type: T) {
      return received.filter((m): m is Extract<FirmwareMessage, { type: T }> => m.type === type);
    },
    /** The cuff already measured this limb's LOP (as after measure-lop): holds need no measurement first. */
    knowLop(mmhg: number) {
      controller.lop.confirm(mmhg, "leg", null);
    },
    /** Zeroed and ready: hello, zero, settle. */
    ready() {
      h.hello();
      h.send({ type: "zero", cuff: 0 });
      h.run(3, () => controller.isZeroed);
      if (!controller.isZeroed) throw new Error("zeroing did not finish");
    },
  };
  return h;
}
