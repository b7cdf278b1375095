/**
 * A host that may be hostile or buggy, played against the whole firmware on the
 * simulated cuff: any valid command, any LOP claim, silences, reconnections and
 * reused seqs. The run watches what matters to the limb: how long the true cuff
 * pressure stays at or above the true LOP (outside the firmware's own LOP
 * measurement, which must cross it) and whether the cuff vents once the host asks.
 * Synchronous, in virtual time.
 */
import { type HardwareProfile, referenceProfile } from "../../profile.ts";
import { ManualClock } from "../../../shared/clock.ts";
import type { Limb, PlanInput, Target } from "../../../shared/plan.ts";
import { decodeFirmwareFrame, encodeFrame } from "../../../shared/protocol/framing.ts";
import { LineSplitter } from "../../../shared/protocol/line-splitter.ts";
import { SCHEMA_FINGERPRINT } from "../../../shared/protocol/fingerprint.ts";
import { type HostBody, PROTOCOL_VERSION, type StateName } from "../../../shared/protocol/messages.ts";
import { startFirmware } from "../../../firmware/factory.ts";
import { HostLinkMemory, LinkServer } from "../../../firmware/link/server.ts";
import { createPlant } from "../cuff.ts";
import type { Scenario } from "../scenario.ts";
import { SIM_STEP_SECONDS, SimBoard } from "../sim-board.ts";
import { Wire } from "../../../firmware/link/wire.ts";

export type HostileStep =
  | { kind: "zero" }
  | { kind: "measure-lop"; limb: Limb }
  | { kind: "configure"; lopMmhg?: number; maxPercentLop?: number; ceilingMmhg?: number; hostSilence?: { policy: "vent" | "continue"; timeoutSeconds: number } }
  | { kind: "start-session"; limb: Limb; plan: PlanInput }
  | { kind: "hold"; target: Target }
  | { kind: "set-done" }
  | { kind: "deflate" }
  | { kind: "abort" }
  | { kind: "ack-fault" }
  /** Time passes with the host's heartbeats. */
  | { kind: "wait"; seconds: number }
  /** Time passes without a word from the host. */
  | { kind: "silence"; seconds: number }
  /** The cable is pulled and plugged again: a new link, a new hello from the same host. */
  | { kind: "reconnect" }
  /** The next command goes out on the seq of an earlier one. */
  | { kind: "reuse-seq"; back: number }
  /** The person does a set of reps. */
  | { kind: "reps"; reps: number };

export interface HostileRun {
  lopTrueMmhg: number;
  /** The longest time the true pressure stayed at or above the true LOP outside the firmware's own LOP measurement. */
  longestAboveLopSeconds: number;
  /** The highest true pressure held (regulating or releasing), as a share of the true LOP (0: nothing was held). */
  highestHeldShareOfLop: number;
  /** Seconds from the host's final deflate to the cuff reading vented (null: it never did within 60 s). */
  ventedSecondsAfterDeflate: number | null;
  endState: StateName;
  endTrueMmhg: number;
  simSeconds: number;
  /** How each session the firmware ran ended, in order. */
  sessionEndings: string[];
  /** The reasons of the firmware's refusals (nack), in order. */
  refusals: string[];
  /** The true pressure as a share of the true LOP when each occlusion fault was raised. */
  occlusionFaultsAtShareOfLop: number[];
}

const HEARTBEAT_SECONDS = 0.5;

export function runHostileSequence(scenario: Scenario, steps: readonly HostileStep[], profile: HardwareProfile = referenceProfile()): HostileRun {
  const clock = new ManualClock();
  const plant = createPlant(scenario, profile);
  const board = new SimBoard(plant, profile, clock);
  const runtime = startFirmware({ profile, board, clock });
  const controller = runtime.controller;
  const memory = new HostLinkMemory();
  const sessionEndings: string[] = [];
  const refusals: string[] = [];
  const occlusionFaults: number[] = [];
  runtime.subscribe((m) => {
    if (m.type === "summary") sessionEndings.push(m.summary.ending === "fault" ? `fault: ${m.summary.fault}` : m.summary.ending);
    if (m.type === "alarm" && m.kind === "occlusion") occlusionFaults.push(plant.trueMmhg() / plant.lopTrueMmhg);
  });
  const output = () => {
    const wire = new Wire();
    const splitter = new LineSplitter();
    wire.on("data", (chunk) =>
      splitter.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk, (event) => {
        const decoded = event.kind === "line" ? decodeFirmwareFrame(event.bytes) : null;
        if (decoded?.ok && decoded.message.type === "nack") refusals.push(decoded.message.reason);
      }),
    );
    return wire;
  };
  let input = new Wire();
  let server = new LinkServer({ runtime, input, output: output(), memory });
  let seq = 0;
  const sentSeqs: number[] = [];
  let reuse: number | null = null;
  let step = 0;
  let stretch = 0;
  let longest = 0;
  let highestHeld = 0;

  const send = (body: HostBody) => {
    const s = reuse ?? seq++ & 0xffff;
    reuse = null;
    sentSeqs.push(s);
    input.write(encodeFrame({ v: PROTOCOL_VERSION, seq: s, ...body } as never));
  };
  const hello = () => send({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "hostile", instance: "hostile" });
  const run = (seconds: number, heartbeats: boolean, until?: () => boolean) => {
    const steps = Math.round(seconds / SIM_STEP_SECONDS);
    for (let i = 0; i < steps; i++) {
      step++;
      clock.advanceTo(step * SIM_STEP_SECONDS);
      board.advance(SIM_STEP_SECONDS);
      const above = plant.trueMmhg() >= plant.lopTrueMmhg && controller.stateName !== "lop";
      stretch = above ? stretch + SIM_STEP_SECONDS : 0;
      longest = Math.max(longest, stretch);
      if (controller.stateName === "regulating" || controller.stateName === "releasing") highestHeld = Math.max(highestHeld, plant.trueMmhg() / plant.lopTrueMmhg);
      if (heartbeats && step % Math.round(HEARTBEAT_SECONDS / SIM_STEP_SECONDS) === 0) send({ type: "heartbeat" });
      if (until?.()) return;
    }
  };

  hello();
  for (const s of steps) {
    switch (s.kind) {
      case "wait":
        run(s.seconds, true);
        break;
      case "silence":
        run(s.seconds, false);
        break;
      case "reconnect":
        server.close();
        input = new Wire();
        server = new LinkServer({ runtime, input, output: output(), memory });
        hello();
        break;
      case "reuse-seq":
        reuse = sentSeqs.length ? sentSeqs[Math.max(0, sentSeqs.length - 1 - (s.back % sentSeqs.length))]! : null;
        break;
      case "reps":
        plant.beginSet(s.reps);
        break;
      case "zero":
      case "set-done":
      case "deflate":
      case "abort":
      case "ack-fault":
        send({ type: s.kind, cuff: 0 });
        break;
      case "measure-lop":
        send({ type: "measure-lop", cuff: 0, limb: s.limb });
        break;
      case "configure": {
        const { kind: _kind, ...fields } = s;
        send({ type: "configure", cuff: 0, ...fields });
        break;
      }
      case "start-session":
        send({ type: "start-session", cuff: 0, limb: s.limb, plan: s.plan });
        break;
      case "hold":
        send({ type: "hold", cuff: 0, target: s.target });
        break;
    }
    run(SIM_STEP_SECONDS, false);
  }
  // The host asks the cuff to deflate on the link as it is (a seq the sequence left to reuse included).
  send({ type: "deflate", cuff: 0 });
  const askedAt = clock.nowSeconds();
  let ventedAt: number | null = null;
  run(60, true, () => {
    if (ventedAt === null && plant.trueMmhg() < 15 && (controller.stateName === "vented" || controller.stateName === "fault")) ventedAt = clock.nowSeconds();
    return ventedAt !== null;
  });
  server.close();
  runtime.stop();
  return {
    lopTrueMmhg: plant.lopTrueMmhg,
    longestAboveLopSeconds: longest,
    highestHeldShareOfLop: highestHeld,
    ventedSecondsAfterDeflate: ventedAt === null ? null : ventedAt - askedAt,
    endState: controller.stateName,
    endTrueMmhg: plant.trueMmhg(),
    simSeconds: clock.nowSeconds(),
    sessionEndings,
    refusals,
    occlusionFaultsAtShareOfLop: occlusionFaults,
  };
}
