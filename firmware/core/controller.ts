/**
 * The cuff controller for one cuff. No I/O and no clock of its own: the runtime
 * calls tick() with each sample and its time, and command() with each host command.
 *
 * Each tick: estimate -> the active mode proposes -> the supervisor judges and may
 * latch a fault -> the veto clamps to the ceilings -> actuate.
 */
import type { HardwareProfile } from "../../hardware/profile.ts";
import {
  DEFAULT_REST_BETWEEN_EXERCISES_SECONDS,
  DEFAULT_RESTRICTION_CAP_SECONDS,
  HARD_CEILING_MMHG,
  MAX_RESTRICTION_CAP_SECONDS,
  MAX_TARGET_PERCENT_LOP,
} from "../../shared/limits.ts";
import { capsOf, type Limb, type Plan } from "../../shared/plan.ts";
import type { AlarmKind, HostMessage, SessionEnding, Severity, StateCause } from "../../shared/protocol/messages.ts";
import { type Actuation, SAFE_ACTUATION } from "./actuation.ts";
import type { CommandResult, GateView } from "./command-gate.ts";
import { type CommandHost, runCommand } from "./commands.ts";
import { PumpRecord } from "./control/pump-record.ts";
import { DEFAULT_GAINS, LearnedActuators } from "./control/regulator.ts";
import { type PressureEstimate, PressureEstimator } from "./estimator.ts";
import type { CoreEvent, CuffSnapshot, SessionReport } from "./events.ts";
import { type HostSilencePolicy, HostSilenceWatch } from "./host-silence.ts";
import { DistalPulseMonitor } from "./diagnostics/distal-pulse-monitor.ts";
import { LimbLop } from "./limb-lop.ts";
import type { LopOptions, LopProcedure } from "./lop/procedure.ts";
import { requestDeflate } from "./modes/deflate.ts";
import { Holding } from "./modes/holding.ts";
import { FaultMode, VentedMode } from "./modes/idle.ts";
import { isHoldingMode, type Mode } from "./modes/mode.ts";
import type { RepCounter } from "./reps/counter.ts";
import { NO_DIAGNOSTICS } from "./safety/rule.ts";
import { Supervisor } from "./safety/supervisor.ts";
import { lopCeilingMmhg, vetoActuation } from "./safety/veto.ts";
import { Session } from "./session.ts";
import type { TargetLimits } from "./targets.ts";


export interface ControllerOptions {
  profile: HardwareProfile;
  cuff?: number;
  createLop: (options: Pick<LopOptions, "startSeconds" | "limb" | "ceilingMmhg">) => LopProcedure;
  createRepCounter: () => RepCounter;
  hostSilence?: HostSilencePolicy;
  restBetweenExercisesSeconds?: number;
  /** Bench acceptance on a mock limb: holds without a LOP (see LimbLop). */
  benchAcceptance?: boolean;
}

export type { CommandResult, CuffSnapshot, HostSilencePolicy };

/** Warnings of one kind are reported at most this often. */
const WARNING_REPEAT_SECONDS = 30;

export class CuffController implements CommandHost {
  readonly cuff: number;
  readonly estimator: PressureEstimator;
  readonly sampleHz: number;
  private readonly supervisor = new Supervisor();
  private readonly actuators = new LearnedActuators();
  /** What this pump gives at each pressure, for the safety rules. */
  private readonly pumpRecord: PumpRecord;
  private readonly outbox: CoreEvent[] = [];
  private activeMode: Mode = new VentedMode();
  /** The state last reported in a state event. */
  private reportedState: Mode["state"] = "vented";
  private activeSession: Session | null = null;
  private lastTickSeconds: number | null = null;
  private latestEstimate: PressureEstimate | null = null;
  private lastActuation: Actuation = SAFE_ACTUATION;

  zeroed = false;
  readonly lop: LimbLop;
  /** The distal pulse sensor's evidence (fed by the runtime on a build with one). */
  readonly distal: DistalPulseMonitor;
  readonly limits: TargetLimits = { ceilingMmhg: HARD_CEILING_MMHG, maxPercentLop: MAX_TARGET_PERCENT_LOP };
  private capLimitSeconds = DEFAULT_RESTRICTION_CAP_SECONDS;
  private readonly hostSilence: HostSilenceWatch;
  private readonly restBetweenExercisesSeconds: number;
  restrictionEndedSeconds: number | null = null;
  private readonly lastRaisedSeconds = new Map<AlarmKind, number>();
  private lastSummary: SessionReport | null = null;

  constructor(private readonly options: ControllerOptions) {
    this.cuff = options.cuff ?? 0;
    this.estimator = new PressureEstimator(options.profile);
    this.pumpRecord = new PumpRecord(options.profile.pump.minDuty);
    this.sampleHz = options.profile.sensor.sampleHz;
    this.hostSilence = new HostSilenceWatch(options.hostSilence);
    this.restBetweenExercisesSeconds = options.restBetweenExercisesSeconds ?? DEFAULT_REST_BETWEEN_EXERCISES_SECONDS;
    this.lop = new LimbLop(options.benchAcceptance === true);
    this.distal = new DistalPulseMonitor(this.sampleHz);
  }

  // ---- what the outside sees ------------------------------------------------

  /** Events since the last call (state, phase, rep, alarm, lop-result, summary). */
  drainEvents(): CoreEvent[] {
    return this.outbox.splice(0, this.outbox.length);
  }

  get mode(): Mode {
    return this.activeMode;
  }

  get session(): Session | null {
    return this.activeSession;
  }

  get lastEstimate(): PressureEstimate | null {
    return this.latestEstimate;
  }

  get stateName(): Mode["state"] {
    return this.activeMode.state;
  }

  get phaseName(): Mode["phase"] {
    return this.activeMode.phase;
  }

  get actuation(): Actuation {
    return this.lastActuation;
  }

  get isZeroed(): boolean {
    return this.zeroed;
  }

  /** A session or a LOP measurement is in progress (the host-silence policy applies). */
  get inSession(): boolean {
    return this.activeSession !== null || this.activeMode.kind === "lop";
  }

  /** The filtered, calibrated pressure the controller works with (null before the first usable sample). */
  telemetryPressure(): number | null {
    const p = this.latestEstimate?.mmhg;
    return p !== undefined && Number.isFinite(p) ? p : null;
  }

  /** The target the active step regulates to (null outside a hold). */
  currentTargetMmhg(): number | null {
    return isHoldingMode(this.activeMode) ? this.activeMode.session.currentTargetMmhg : null;
  }

  snapshot(t: number): CuffSnapshot {
    const s = this.activeSession;
    const mode = this.activeMode;
    return {
      t,
      mmhg: this.telemetryPressure(),
      secondaryMmhg: this.latestEstimate?.secondaryMmhg ?? null,
      targetMmhg: this.currentTargetMmhg(),
      state: mode.state,
      phase: mode.phase,
      actuation: this.lastActuation,
      lopMmhg: this.lop.mmhg,
      zeroed: this.zeroed,
      limb: s?.limb ?? this.lop.limb,
      plan: s?.plan ?? null,
      set: s ? s.setsStarted : null,
      rep: s?.repCounter?.reps ?? 0,
      remainingSeconds: isHoldingMode(mode) ? mode.remainingSeconds(t) : null,
      activeAlarms: this.supervisor.activeKinds(),
      hostSilence: this.hostSilence.policy,
      lastSummary: this.lastSummary,
    };
  }

  // ---- host side ------------------------------------------------------------

  /** Any valid message from the host counts as a sign of life. */
  hostHeard(tSeconds: number): void {
    this.hostSilence.heard(tSeconds);
  }

  command(message: HostMessage, t: number): CommandResult {
    return runCommand(this, message, t);
  }


  /** The board reported something the controller cannot see in the samples. */
  boardFault(t: number, kind: "guard-tripped" | "board-lost" | "sensor-stale", detail: string): void {
    this.raise(t, kind, "fault", detail);
    this.enterFault(t, kind, detail);
  }

  // ---- the control loop -----------------------------------------------------

  tick(t: number, counts: number, secondaryCounts: number | null = null): Actuation {
    // The board samples on a fixed grid: bunched or late arrivals (USB, a busy host) are still one
    // period apart. Only a real gap (samples lost) counts as longer, up to 0.2 s.
    const period = 1 / this.sampleHz;
    const gap = this.lastTickSeconds === null ? period : t - this.lastTickSeconds;
    const dtSeconds = gap > 3 * period ? Math.min(0.2, gap) : period;
    this.lastTickSeconds = t;
    const estimate = this.estimator.update(t, counts, secondaryCounts);
    this.latestEstimate = estimate;

    this.checkHostSilence(t);
    const output = this.activeMode.step(this, { t, dtSeconds, estimate });
    const mode = this.activeMode;
    const session = this.activeSession;
    // The LOP measurement must cross the LOP it measures; everywhere else its ceiling holds.
    const lopCeiling = mode.kind === "lop" ? null : lopCeilingMmhg(this.lop.mmhg);
    // The rules judge what the pump and vent will do: the proposal after the ceilings' veto.
    const proposed = vetoActuation(output.actuation, estimate, this.limits.ceilingMmhg, lopCeiling);
    const raised = this.supervisor.evaluate({
      t,
      dtSeconds,
      estimate,
      state: mode.state,
      phase: mode.phase,
      targetMmhg: this.currentTargetMmhg(),
      settled: session?.hold.settled ?? false,
      exercising: mode.kind === "sets" && mode.stage === "set",
      zeroed: this.zeroed,
      proposed,
      ceilingMmhg: this.limits.ceilingMmhg,
      lopMmhg: this.lop.mmhg,
      diagnostics: { ...(output.diagnostics ?? NO_DIAGNOSTICS), distalPulseShare: this.distal.share, pumpRiseMmhgPerSecond: this.pumpRecord.expectedRise(estimate.mmhg, proposed.pump) },
    });
    for (const alarm of raised) {
      this.raise(t, alarm.kind, alarm.severity, alarm.detail);
      if (alarm.latches) this.enterFault(t, alarm.kind, alarm.detail);
    }
    const kind = this.activeMode.kind;
    const actuation = kind === "fault" || kind === "vented" || kind === "zeroing" ? SAFE_ACTUATION : proposed;
    this.learn(t, estimate, actuation);
    this.lastActuation = actuation;
    return actuation;
  }

  // ---- what modes use ---------------------------------------------------------

  enter(t: number, mode: Mode, cause: StateCause, reason: string): void {
    this.activeMode = mode;
    this.announce(t, cause, reason);
  }

  announce(t: number, cause: StateCause, reason: string): void {
    const from = this.reportedState;
    this.reportedState = this.activeMode.state;
    this.emit({ type: "state", t, from, to: this.activeMode.state, phase: this.activeMode.phase, cause, reason });
  }

  emit(event: CoreEvent): void {
    this.outbox.push(event);
  }

  raise(t: number, kind: AlarmKind, severity: Severity, detail: string): void {
    // A warning that comes and goes is reported once per 30 s, not on every flicker.
    const last = this.lastRaisedSeconds.get(kind);
    if (severity !== "fault" && last !== undefined && t - last < WARNING_REPEAT_SECONDS) return;
    this.lastRaisedSeconds.set(kind, t);
    this.activeSession?.alarms.push({ t, kind });
    this.emit({ type: "alarm", t, kind, severity, detail });
  }

  endSession(t: number, ending: SessionEnding, reason: string): void {
    const s = this.activeSession;
    if (!s) return;
    this.activeSession = null;
    this.lastSummary = s.report(t, ending, ending === "fault" ? (this.supervisor.latched?.kind ?? null) : null, reason);
    this.emit({ type: "summary", t, summary: this.lastSummary });
  }

  restrictionCapSeconds(session: Session): number {
    return Math.min(this.capLimitSeconds, capsOf(session.plan).restrictionSeconds, MAX_RESTRICTION_CAP_SECONDS);
  }

  createLop(t: number, limb: Limb | null): LopProcedure {
    return this.options.createLop({ startSeconds: t, limb, ceilingMmhg: this.limits.ceilingMmhg });
  }

  createRepCounter(): RepCounter {
    return this.options.createRepCounter();
  }

  // ---- what commands use -----------------------------------------------------

  gateView(t: number): GateView {
    const ended = this.restrictionEndedSeconds;
    return {
      state: this.activeMode.state,
      fault: this.supervisor.latched?.kind ?? null,
      zeroed: this.zeroed,
      restLeftSeconds: ended === null ? 0 : ended + this.restBetweenExercisesSeconds - t,
      mmhg: this.latestEstimate?.mmhg ?? Number.NaN,
    };
  }

  get restrictionCapLimitSeconds(): number {
    return this.capLimitSeconds;
  }

  newSession(plan: Plan, limb: Limb, t: number, manual: boolean): Session {
    return new Session(plan, limb, manual, t, new Holding(this.sampleHz, { ...DEFAULT_GAINS, pumpMinDuty: this.options.profile.pump.minDuty }, this.actuators));
  }

  /** A new session or hold starts with no alarms or rule memory of the last one. */
  adopt(session: Session): void {
    this.activeSession = session;
    this.supervisor.reset();
  }

  /** The host acknowledged the latched fault (the gate has checked the cuff is deflated). */
  acknowledgeFault(t: number): void {
    this.supervisor.acknowledge();
    this.enter(t, new VentedMode(), "fault-acknowledged", "fault acknowledged");
  }

  configure(message: Extract<HostMessage, { type: "configure" }>): void {
    if (message.ceilingMmhg !== undefined) this.limits.ceilingMmhg = Math.min(HARD_CEILING_MMHG, message.ceilingMmhg);
    if (message.maxPercentLop !== undefined) this.limits.maxPercentLop = Math.min(MAX_TARGET_PERCENT_LOP, message.maxPercentLop);
    if (message.restrictionCapSeconds !== undefined) this.capLimitSeconds = Math.min(MAX_RESTRICTION_CAP_SECONDS, message.restrictionCapSeconds);
    if (message.lopMmhg !== undefined && !this.lop.alreadyConfirms(message.lopMmhg, this.lop.limb)) this.lop.claim(message.lopMmhg, this.lop.limb);
    if (message.hostSilence !== undefined) this.hostSilence.policy = message.hostSilence;
  }

  // ---- faults and the host's silence ----------------------------------------

  private enterFault(t: number, kind: AlarmKind, detail: string): void {
    if (!this.supervisor.latch(kind, detail)) return;
    const s = this.activeSession;
    if (s) {
      if (s.restrictionStartedSeconds !== null) this.restrictionEndedSeconds = t;
      this.endSession(t, "fault", `fault: ${kind}`);
    }
    if (kind.startsWith("sensor")) this.zeroed = false;
    this.enter(t, new FaultMode(kind), "fault", `${kind}: ${detail}`);
  }

  private checkHostSilence(t: number): void {
    const silent = this.hostSilence.silentFor(t, this.inSession && this.activeMode.kind !== "deflating");
    if (silent === null) return;
    if (this.hostSilence.policy.policy === "vent") {
      this.raise(t, "host-silent", "warning", `no word from the host for ${silent.toFixed(1)} s: deflating`);
      requestDeflate(this, t, "host-silent", "host went silent");
    } else {
      this.raise(t, "host-silent", "info", `no word from the host for ${silent.toFixed(1)} s: continuing the plan on its own`);
    }
  }

  /** The pump's and vent's authority, learned from what they did to the pressure; the pump's record, while the limb was still. */
  private learn(t: number, estimate: PressureEstimate, actuation: Actuation): void {
    const mode = this.activeMode;
    const still = !(mode.kind === "sets" && mode.stage === "set");
    this.pumpRecord.observe({ t, mmhg: estimate.mmhg, pump: actuation.pump, vent: actuation.vent, still });
    if (!Number.isFinite(estimate.mmhg)) return;
    if (actuation.vent === 0 && actuation.pump > 0) this.actuators.observePump(estimate.mmhg, actuation.pump, estimate.slopeMmhgPerSecond);
    if (actuation.pump === 0 && actuation.vent > 0 && isHoldingMode(mode)) {
      this.actuators.observeVent(estimate.mmhg, actuation.vent, estimate.slopeMmhgPerSecond);
    }
  }
}
