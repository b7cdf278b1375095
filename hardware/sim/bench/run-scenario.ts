/**
 * `cuff bench`: one scenario, headless, in virtual time. The whole firmware
 * (controller, runtime, link server) runs against the direct simulated board
 * and cuff, with the bench playing host and athlete, and the scenario's faults
 * acted out where they happen (physics in the plant, link faults here).
 */
import { performance } from "node:perf_hooks";
import type { HardwareProfile } from "../../profile.ts";
import { createPlant } from "../cuff.ts";
import { type FaultKind, LINK_FAULT_KINDS } from "../plant.ts";
import type { Scenario } from "../scenario.ts";
import { ManualClock } from "../../../shared/clock.ts";
import type { AlarmKind, Phase, StateName } from "../../../shared/protocol/messages.ts";
import { SIM_STEP_SECONDS, SimBoard } from "../sim-board.ts";
import type { PressureSample } from "../../../firmware/board/board.ts";
import type { HostSilencePolicy } from "../../../firmware/core/controller.ts";
import { type BenchMetrics, MetricsAccumulator } from "./metrics.ts";
import { SteppedLink } from "../stepped-link.ts";
import { SimulatedHost } from "./sim-host.ts";
import { startFirmware } from "../../../firmware/factory.ts";


export interface TraceRow {
  t: number;
  cuffMmhg: number;
  sensorMmhg: number | null;
  /** What the firmware read from the second sensor (after zeroing), null without one. */
  secondarySensorMmhg: number | null;
  targetMmhg: number | null;
  pump: number;
  vent: number;
  state: StateName;
  phase: Phase;
}

export interface FaultTiming {
  kind: FaultKind;
  at: number;
  /** Seconds from the fault to pump off and vent open at the board (null: never, e.g. a safe hold). */
  toSafeSeconds: number | null;
  /** Seconds from the fault to the cuff below 15 mmHg (null: never). */
  toDeflatedSeconds: number | null;
  alarmKinds: AlarmKind[];
  /**
   * The highest true cuff pressure from the fault on, mmHg; the time it spent at or above the true
   * LOP outside the LOP measurement (which crosses it by design), and of that the time before the
   * outputs were safe for good (a cuff trapped by a kink or a stuck vent can stay there after,
   * whatever the firmware does).
   */
  peakMmhgAfter: number;
  secondsAboveLopAfter: number;
  secondsAboveLopUntilSafe: number;
}

export interface BenchResult {
  name: string;
  lopTrueMmhg: number;
  lopMeasuredMmhg: number | null;
  /** What the LOP measurement said of itself (null if none ran). */
  lopReason: string | null;
  targetMmhg: number | null;
  finalState: StateName;
  alarms: { t: number; kind: AlarmKind; detail: string }[];
  simSeconds: number;
  wallSeconds: number;
  metrics: BenchMetrics;
  outcome: string;
  endReason: string | null;
  reps: { planned: number; counted: number; done: number }[];
  faults: FaultTiming[];
}

export interface BenchOptions {
  profile: HardwareProfile;
  onTrace?: (row: TraceRow) => void;
  /** Stop here even if the session has not ended (safety net). */
  maxSimSeconds?: number;
  hostSilence?: HostSilencePolicy;
  /** Every sample the board delivers (both sensors' counts), with the controller's phase at that moment. */
  onSample?: (sample: PressureSample, phase: Phase) => void;
  /**
   * The plan's LOP (a number) is one the firmware measured on this limb before (the session
   * starts without checking it): for benches and tests about something else than the LOP.
   */
  lopConfirmed?: boolean;
  /** Inject a fault when the controller first enters a phase (the fault matrix). */
  faultOnPhase?: { kind: FaultKind; phase: Phase; afterSeconds: number; params?: Record<string, number> };
}

/** mulberry32: small, fast, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runScenario(scenario: Scenario, options: BenchOptions): Promise<BenchResult> {
  const wallStart = performance.now();
  const clock = new ManualClock();
  const plant = createPlant(scenario, options.profile);
  const board = new SimBoard(plant, options.profile, clock);
  const runtime = startFirmware({ profile: options.profile, board, clock, ...(options.hostSilence ? { hostSilence: options.hostSilence } : {}) });
  const controller = runtime.controller;
  if (options.lopConfirmed && typeof scenario.plan.lop === "number") controller.lop.confirm(scenario.plan.lop, scenario.limb, null);
  const onSample = options.onSample;
  if (onSample) board.onSample((sample) => onSample(sample, controller.phaseName));
  const link = new SteppedLink(runtime);
  const random = seededRandom(scenario.seed * 7919 + 17);
  const host = await SimulatedHost.open({ link, clock, plant, plan: scenario.plan, limb: scenario.limb, random });

  const metrics = new MetricsAccumulator(plant.lopTrueMmhg);
  const linkFaults = scenario.faults
    .filter((f) => f.kind === "host-silent" || f.kind === "firmware-hang" || f.kind === "board-unplugged" || f.kind === "garbage-on-link")
    .map((f) => ({ ...f, done: false }));
  const faultTimings: FaultTiming[] = scenario.faults.map((f) => ({
    kind: f.kind,
    at: f.at,
    toSafeSeconds: null,
    toDeflatedSeconds: null,
    alarmKinds: [],
    peakMmhgAfter: 0,
    secondsAboveLopAfter: 0,
    secondsAboveLopUntilSafe: 0,
  }));
  let garbageFrom: number | null = null;
  const onPhase = options.faultOnPhase;
  let phaseFaultAt: number | null = null;
  const actOutLinkFault = (kind: FaultKind, t: number) => {
    if (kind === "host-silent") host.goSilent();
    if (kind === "firmware-hang") runtime.hang();
    if (kind === "board-unplugged") board.unplug();
    if (kind === "garbage-on-link") garbageFrom = t;
  };
  const maxSeconds = options.maxSimSeconds ?? 3600;
  let endedAt: number | null = null;
  const lastUnsafe = new Map<FaultTiming, number>();

  for (let step = 1; ; step++) {
    const t = step * SIM_STEP_SECONDS;
    clock.advanceTo(t);
    for (const fault of linkFaults) {
      if (fault.done || t < fault.at) continue;
      fault.done = true;
      actOutLinkFault(fault.kind, t);
    }
    if (onPhase && phaseFaultAt === null && controller.phaseName === onPhase.phase) {
      phaseFaultAt = t + onPhase.afterSeconds;
      faultTimings.push({ kind: onPhase.kind, at: phaseFaultAt, toSafeSeconds: null, toDeflatedSeconds: null, alarmKinds: [], peakMmhgAfter: 0, secondsAboveLopAfter: 0, secondsAboveLopUntilSafe: 0 });
    }
    if (onPhase && phaseFaultAt !== null && Math.abs(t - phaseFaultAt) < SIM_STEP_SECONDS / 2) {
      if ((LINK_FAULT_KINDS as readonly string[]).includes(onPhase.kind)) actOutLinkFault(onPhase.kind, t);
      else plant.injectFault(onPhase.kind, onPhase.params);
    }
    if (garbageFrom !== null && step % 7 === 0) link.injectToFirmware(garbageLine(random));
    board.advance(SIM_STEP_SECONDS);
    link.deliver();
    // The host's promises (acks, refusals) settle before the next sample.
    await Promise.resolve();

    const actuation = board.effectiveActuation();
    const trueMmhg = plant.trueMmhg();
    const target = controller.currentTargetMmhg();
    metrics.sample(t, SIM_STEP_SECONDS, trueMmhg, controller.phaseName, target);
    const safe = actuation.pump === 0 && actuation.vent >= 0.99;
    for (const timing of faultTimings) {
      if (t < timing.at) continue;
      // Safe from the last moment the outputs were not safe: brief vent-open instants do not count.
      timing.peakMmhgAfter = Math.max(timing.peakMmhgAfter, trueMmhg);
      // The LOP measurement crosses the LOP by design; its own time above is bounded and benched apart.
      if (trueMmhg >= plant.lopTrueMmhg && controller.phaseName !== "lop") timing.secondsAboveLopAfter += SIM_STEP_SECONDS;
      if (!safe) {
        lastUnsafe.set(timing, t);
        timing.secondsAboveLopUntilSafe = timing.secondsAboveLopAfter;
      }
      if (timing.toDeflatedSeconds === null && trueMmhg < 15) timing.toDeflatedSeconds = round(t - timing.at, 3);
    }
    options.onTrace?.({
      t,
      cuffMmhg: trueMmhg,
      sensorMmhg: controller.telemetryPressure(),
      secondarySensorMmhg: controller.lastEstimate?.secondaryMmhg ?? null,
      targetMmhg: target,
      pump: actuation.pump,
      vent: actuation.vent,
      state: controller.stateName,
      phase: controller.phaseName,
    });

    const sessionOver = host.outcome !== "running" || board.isUnplugged() || runtime.isHung();
    if (sessionOver && endedAt === null) endedAt = t;
    // Let the cuff finish deflating before stopping (a few seconds of vented tail in the trace).
    const settled = endedAt !== null && trueMmhg < 15 && (controller.stateName === "vented" || controller.stateName === "fault" || board.isUnplugged() || runtime.isHung());
    if ((settled && t - endedAt! >= 2) || (endedAt !== null && t - endedAt >= 60) || t >= maxSeconds) break;
  }
  await host.close();
  link.close();
  const finalActuation = board.effectiveActuation();
  for (const timing of faultTimings) {
    if (finalActuation.pump !== 0 || finalActuation.vent < 0.99 || clock.nowSeconds() < timing.at) continue;
    const unsafeUntil = lastUnsafe.get(timing);
    timing.toSafeSeconds = unsafeUntil === undefined ? 0 : round(unsafeUntil + SIM_STEP_SECONDS - timing.at, 3);
  }
  runtime.stop();

  const alarms = host.events.flatMap((e) => (e.type === "alarm" ? [{ t: e.t, kind: e.kind, detail: e.detail }] : []));
  for (const timing of faultTimings) timing.alarmKinds = alarms.filter((a) => a.t >= timing.at).map((a) => a.kind);
  const summarySets = host.summary?.sets ?? [];
  return {
    name: scenario.name,
    lopTrueMmhg: round(plant.lopTrueMmhg, 1),
    lopMeasuredMmhg: host.lopMeasuredMmhg,
    lopReason: host.lopReason,
    targetMmhg: host.summary?.targetMmhg ?? null,
    finalState: finalState(controller.stateName, board.isUnplugged() || runtime.isHung(), board.effectiveActuation(), plant.trueMmhg()),
    alarms,
    simSeconds: round(clock.nowSeconds(), 2),
    wallSeconds: round((performance.now() - wallStart) / 1000, 3),
    metrics: metrics.result(SIM_STEP_SECONDS),
    outcome: host.outcome,
    endReason: host.summary?.endReason ?? host.refusal,
    reps: summarySets.map((s, i) => ({ planned: s.planned, counted: s.reps, done: host.repsDonePerSet[i] ?? 0 })),
    faults: faultTimings.map((f) => ({ ...f, peakMmhgAfter: round(f.peakMmhgAfter, 1), secondsAboveLopAfter: round(f.secondsAboveLopAfter, 2), secondsAboveLopUntilSafe: round(f.secondsAboveLopUntilSafe, 2) })),
  };
}

/** With the firmware gone, the board's guard decides: vented if its outputs are safe and the cuff is empty. */
function finalState(controllerState: StateName, firmwareGone: boolean, actuation: { pump: number; vent: number }, trueMmhg: number): StateName {
  if (!firmwareGone) return controllerState;
  return actuation.pump === 0 && actuation.vent >= 0.99 && trueMmhg < 15 ? "vented" : "fault";
}

function garbageLine(random: () => number): Uint8Array {
  const length = 1 + Math.floor(random() * 80);
  const bytes = new Uint8Array(length + 1);
  for (let i = 0; i < length; i++) {
    const byte = Math.floor(random() * 256);
    bytes[i] = byte === 0x0a ? 0x41 : byte;
  }
  bytes[length] = 0x0a;
  return bytes;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Several scenarios, one after the other, with the same options. */
export async function runScenarios(scenarios: readonly Scenario[], options: BenchOptions): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario, options));
  return results;
}
