/**
 * LOP measurements through the shipped firmware: the controller built by
 * firmware/factory.ts on the simulated board, sent "zero" and "measure-lop" as
 * a host would, in virtual time. What the benchmarks and the LOP tests measure
 * is what a user's cuff does (the controller's zeroing, its supervisor and its
 * deflation included), never a re-implementation of it.
 */
import { countsToMmhg, mmhgToCounts, secondaryCountsToMmhg, secondaryMmhgToCounts, type HardwareProfile } from "../../profile.ts";
import { ManualClock } from "../../../shared/clock.ts";
import { HostMessageSchema, PROTOCOL_VERSION, type FirmwareBody } from "../../../shared/protocol/messages.ts";
import type { Limb } from "../../../shared/plan.ts";
import { startFirmware } from "../../../firmware/factory.ts";
import type { FirmwareRuntime } from "../../../firmware/runtime.ts";
import { createPlant, type SimulatedCuff } from "../cuff.ts";
import type { CuffPlant, DistalPulseChip, FaultKind } from "../plant.ts";
import type { Scenario } from "../scenario.ts";
import { SimBoard } from "../sim-board.ts";

const STEP_SECONDS = 0.01;
/** Fully deflated: the next measurement may start (blood-pressure cuff standards). */
const DEFLATED_MMHG = 15;
/** Longest a measurement and its deflation may take before the run calls it stuck. */
const MAX_MEASUREMENT_SECONDS = 240;
const MAX_ZERO_SECONDS = 20;

export interface LopResult {
  ok: boolean;
  mmhg: number | null;
  quality: number;
  reason: string;
  durationSeconds: number;
}

export interface FirmwareLopRun {
  outcome: LopResult;
  lopTrueMmhg: number;
  /** Measured minus true, null when rejected. */
  errorMmhg: number | null;
  /** Seconds the true cuff pressure spent at or above the true LOP, deflation included. */
  secondsAboveLop: number;
  /** Highest true cuff pressure, and as a share of the true LOP. */
  peakTrueMmhg: number;
  peakOverLop: number;
  /** Alarms the controller raised during the measurement and its deflation. */
  alarms: string[];
  /** The controller's state once the cuff was deflated ("vented" unless a fault latched). */
  endState: string;
}

/** Extra mmHg on the board's reading at seconds since the measurement began (movement injected into the signal). */
export type Disturbance = (secondsIntoMeasurement: number) => number;

/**
 * The plant with a disturbance added to what its sensor reads (the limb moving under the cuff, as the board
 * sees it), and optionally to the distal pulse sensor's light (counts: the hand moving, the clip slipping), or
 * that sensor on another limb than the cuffed one.
 */
class DisturbedPlant implements CuffPlant {
  offset: Disturbance | null = null;
  distalOffset: Disturbance | null = null;
  startSeconds = 0;
  readonly distalPulse: DistalPulseChip | null;
  constructor(
    readonly inner: SimulatedCuff,
    private readonly profile: HardwareProfile,
    /** A second, uncuffed limb whose distal pulse the clip reads instead (a clip on the wrong hand), stepped vented. */
    private readonly otherLimb: SimulatedCuff | null,
  ) {
    const chip = otherLimb ? otherLimb.distalPulse : inner.distalPulse;
    const disturbed = (counts: number) => {
      const extra = this.distalOffset?.(this.inner.timeSeconds - this.startSeconds) ?? 0;
      return Math.max(0, Math.min(2 ** 18 - 1, Math.round(counts + extra)));
    };
    this.distalPulse = chip && {
      readFifo: () => chip.readFifo().map(disturbed),
      latestCounts: () => disturbed(chip.latestCounts()),
    };
  }
  get timeSeconds(): number {
    return this.inner.timeSeconds;
  }
  get lopTrueMmhg(): number {
    return this.inner.lopTrueMmhg;
  }
  step(dtSeconds: number, pumpDuty: number, ventOpening: number): void {
    this.inner.step(dtSeconds, pumpDuty, ventOpening);
    this.otherLimb?.step(dtSeconds, 0, 1);
  }
  trueMmhg(): number {
    return this.inner.trueMmhg();
  }
  sensorCounts(): number {
    const counts = this.inner.sensorCounts();
    const extra = this.extraMmhg();
    return extra === 0 ? counts : mmhgToCounts(this.profile, countsToMmhg(this.profile, counts) + extra);
  }
  /** The movement reaches the second sensor too: both read the same line. */
  secondarySensorCounts(): number | null {
    const counts = this.inner.secondarySensorCounts();
    const extra = this.extraMmhg();
    if (counts === null || extra === 0) return counts;
    const mmhg = secondaryCountsToMmhg(this.profile, counts);
    return mmhg === null ? counts : secondaryMmhgToCounts(this.profile, mmhg + extra);
  }
  private extraMmhg(): number {
    return this.offset?.(this.inner.timeSeconds - this.startSeconds) ?? 0;
  }
  beginSet(reps: number): void {
    this.inner.beginSet(reps);
  }
  endSet(): void {
    this.inner.endSet();
  }
  repsDone(): number {
    return this.inner.repsDone();
  }
  injectFault(kind: FaultKind, params?: Record<string, number>): void {
    this.inner.injectFault(kind, params);
  }
  activeFaults(): readonly FaultKind[] {
    return this.inner.activeFaults();
  }
}

/** One simulated subject with the firmware on its board, measured as often as asked. */
export class FirmwareLopBench {
  readonly plant: SimulatedCuff;
  readonly runtime: FirmwareRuntime;
  private readonly clock = new ManualClock();
  private readonly board: SimBoard;
  private readonly disturbed: DisturbedPlant;
  private readonly events: FirmwareBody[] = [];
  private seq = 1;
  private zeroed = false;
  /** Called after every 10 ms step (e.g. to record the true pressure). */
  onStep: (() => void) | null = null;

  constructor(
    readonly scenario: Scenario,
    profile: HardwareProfile,
    options: { ceilingMmhg?: number; distalOnOtherLimb?: boolean } = {},
  ) {
    this.plant = createPlant(scenario, profile);
    this.disturbed = new DisturbedPlant(this.plant, profile, options.distalOnOtherLimb ? createPlant(scenario, profile) : null);
    this.board = new SimBoard(this.disturbed, profile, this.clock);
    this.runtime = startFirmware({ profile, board: this.board, clock: this.clock });
    this.runtime.subscribe((message) => {
      if (message.type !== "telemetry") this.events.push(message);
    });
    if (options.ceilingMmhg !== undefined) this.send({ type: "configure", ceilingMmhg: options.ceilingMmhg });
  }

  get timeSeconds(): number {
    return this.clock.nowSeconds();
  }

  /** Vented and idle for this long (a rest between measurements). */
  rest(seconds: number): void {
    const end = this.timeSeconds + seconds;
    while (this.timeSeconds < end - 1e-9) this.step();
  }

  /** Zero the sensor as a host does: the "zero" command, then the controller's own settling. */
  zero(): void {
    this.send({ type: "zero" });
    const end = this.timeSeconds + MAX_ZERO_SECONDS;
    while (!this.runtime.controller.isZeroed && this.timeSeconds < end) this.step();
    if (!this.runtime.controller.isZeroed) throw new Error(`${this.scenario.name}: the controller did not zero`);
    this.zeroed = true;
  }

  /** One "measure-lop" from a deflated cuff, followed to the end of the controller's deflation. */
  measure(limb: Limb | null, disturbance?: Disturbance, distalDisturbance?: Disturbance): FirmwareLopRun {
    const lopTrue = this.plant.lopTrueMmhg;
    // A fault latched by the previous measurement is acknowledged, as a user would, once the cuff is empty.
    if (this.runtime.controller.stateName === "fault") this.send({ type: "ack-fault" });
    if (!this.zeroed || !this.runtime.controller.isZeroed) this.zero();
    const from = this.events.length;
    this.disturbed.offset = disturbance ?? null;
    this.disturbed.distalOffset = distalDisturbance ?? null;
    this.disturbed.startSeconds = this.timeSeconds;
    const reply = this.send({ type: "measure-lop", ...(limb ? { limb } : {}) });
    if (!reply.ok) {
      const outcome = { ok: false, mmhg: null, quality: 0, reason: `measure-lop refused: ${reply.detail}`, durationSeconds: 0 };
      return { outcome, lopTrueMmhg: lopTrue, errorMmhg: null, secondsAboveLop: 0, peakTrueMmhg: this.plant.trueMmhg(), peakOverLop: 0, alarms: [], endState: this.runtime.controller.stateName };
    }
    let above = 0;
    let peak = 0;
    let outcome: LopResult | null = null;
    const end = this.timeSeconds + MAX_MEASUREMENT_SECONDS;
    while (this.timeSeconds < end) {
      this.step();
      const p = this.plant.trueMmhg();
      peak = Math.max(peak, p);
      if (p >= lopTrue) above += STEP_SECONDS;
      outcome ??= this.lopResult(from);
      const state = this.runtime.controller.stateName;
      // A fault ends the measurement without a result: the controller drops the procedure and vents.
      if ((outcome || state === "fault") && p < DEFLATED_MMHG && (state === "vented" || state === "fault")) break;
    }
    this.disturbed.offset = null;
    this.disturbed.distalOffset = null;
    const events = this.events.slice(from);
    const alarms = events.flatMap((e) => (e.type === "alarm" ? [e.kind] : []));
    const fault = events.find((e) => e.type === "alarm" && e.severity === "fault");
    const result = outcome ?? {
      ok: false,
      mmhg: null,
      quality: 0,
      reason: fault?.type === "alarm" ? `fault: ${fault.kind}: ${fault.detail}` : `no result within ${MAX_MEASUREMENT_SECONDS} s`,
      durationSeconds: this.timeSeconds - this.disturbed.startSeconds,
    };
    return {
      outcome: result,
      lopTrueMmhg: lopTrue,
      errorMmhg: result.ok && result.mmhg !== null ? result.mmhg - lopTrue : null,
      secondsAboveLop: above,
      peakTrueMmhg: peak,
      peakOverLop: peak / lopTrue,
      alarms,
      endState: this.runtime.controller.stateName,
    };
  }

  /** Stop the firmware (the board is left vented). */
  close(): void {
    this.runtime.stop();
  }

  private step(): void {
    this.clock.advanceTo(this.clock.nowSeconds() + STEP_SECONDS);
    this.board.advance(STEP_SECONDS);
    this.onStep?.();
  }

  private lopResult(from: number): LopResult | null {
    for (let i = from; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (e.type === "lop-result") return { ok: e.ok, mmhg: e.mmhg, quality: e.quality, reason: e.reason, durationSeconds: e.durationSeconds };
    }
    return null;
  }

  private send(body: Record<string, unknown>) {
    const message = HostMessageSchema.parse({ v: PROTOCOL_VERSION, seq: this.seq++, ...body });
    return this.runtime.command(message);
  }
}

/** One measurement of a fresh subject (zeroed first), the firmware stopped afterwards. */
export function measureLopOnce(
  scenario: Scenario,
  profile: HardwareProfile,
  options: { disturbance?: Disturbance; distalDisturbance?: Disturbance; ceilingMmhg?: number; distalOnOtherLimb?: boolean } = {},
): FirmwareLopRun {
  const bench = new FirmwareLopBench(scenario, profile, {
    ...(options.ceilingMmhg !== undefined ? { ceilingMmhg: options.ceilingMmhg } : {}),
    ...(options.distalOnOtherLimb ? { distalOnOtherLimb: true } : {}),
  });
  bench.zero();
  const run = bench.measure(scenario.limb, options.disturbance, options.distalDisturbance);
  bench.close();
  return run;
}
