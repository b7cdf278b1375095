/**
 * The cuff controller for one cuff: state machine, session plan, regulation and
 * supervision. No I/O and no clock of its own: the runtime calls tick() with
 * each sample and its time, and command() with each host command.
 *
 * Each tick: estimate -> plan/regulate (propose) -> supervise (alarms, veto) -> actuate.
 */
import type { HardwareProfile } from "../../hardware/profile.ts";
import {
  DEFAULT_HOST_SILENCE_SECONDS,
  DEFAULT_REST_BETWEEN_EXERCISES_SECONDS,
  DEFAULT_RESTRICTION_CAP_SECONDS,
  DEFLATED_MMHG,
  HARD_CEILING_MMHG,
  MAX_RESTRICTION_CAP_SECONDS,
  MAX_TARGET_PERCENT_LOP,
} from "../../shared/limits.ts";
import { capsOf, type Limb, type Plan, planMode, type Target, targetMmhg as planTargetMmhg } from "../../shared/plan.ts";
import type {
  AlarmKind,
  FirmwareBody,
  HostMessage,
  NackReason,
  Phase,
  SessionSummary,
  Severity,
  StateName,
} from "../../shared/protocol/messages.ts";
import type { LopOptions, LopProcedure, RepCounter } from "./lop/procedure.ts";
import { type PressureEstimate, PressureEstimator } from "./estimator.ts";
import { KinkProbe } from "./diagnostics/kink-probe.ts";
import { PulseMonitor } from "./diagnostics/pulse-monitor.ts";
import { DEFAULT_GAINS, holdBand, initialRegulatorState, LearnedActuators, regulate, type RegulatorState } from "./control/regulator.ts";
import {
  cycleTargetMmhg,
  newSessionRun,
  plannedReps,
  plannedSets,
  planOverCap,
  type SessionRun,
} from "./session.ts";
import { type Actuation, SAFE_ACTUATION, SUPERVISOR_LIMITS, Supervisor, vetoActuation } from "./safety/supervisor.ts";

export type HostSilencePolicy = { policy: "vent" | "continue"; timeoutSeconds: number };

export interface ControllerOptions {
  profile: HardwareProfile;
  cuff?: number;
  createLop: (options: LopOptions) => LopProcedure;
  createRepCounter: () => RepCounter;
  hostSilence?: HostSilencePolicy;
  restBetweenExercisesSeconds?: number;
}

export type CommandResult = { ok: true } | { ok: false; reason: NackReason; detail: string };

type Event = FirmwareBody;

/** Pressure band around the target within which inflation counts as done. */
const REACHED_FRACTION = 0.03;
/** The LOP-derived ceiling: the pump stops here whatever the target. */
const LOP_CEILING_FRACTION = 0.95;
/** Zeroing: the vented reading must be this steady for this long. */
const ZERO_SETTLE_SECONDS = 1.0;
const ZERO_SPREAD_MMHG = 0.6;
const ZERO_TIMEOUT_SECONDS = 15;
/** A zero offset beyond this is a faulty or mis-wired sensor, not an offset. */
const MAX_ZERO_OFFSET_MMHG = 25;
/** The cuff counts as vented this far below DEFLATED_MMHG, so sensor noise and offset cannot cut it short. */
const VENTED_MARGIN_MMHG = 5;
/** Hold the vent open this long below that before calling the cuff vented. */
const DEFLATED_CONFIRM_SECONDS = 0.3;
/** A narrow hose refills from the cuff within about 0.1 s of the vent shutting (3 m of 2.6 mm tube). */
const VENT_SHUT_CHECK_SECONDS = 0.3;
/**
 * During sets the regulator aims this much above the target: the vent can take air out far
 * faster than the pump puts it back, so a slightly high aim balances the time spent above
 * and below the band (tuned over the simulated population, bench/regulation-population.ts).
 */
const SET_BIAS_FRACTION = 0.01;
/** When contractions stop, the set ends after this many mean rep intervals (clamped). */
const SET_END_INTERVALS = 1.3;
const SET_END_MIN_SECONDS = 2.0;
const SET_END_MAX_SECONDS = 5.0;
/**
 * ...and whatever the counter says, the set ends this many intervals after the last rep (at least
 * SET_END_MAX_SECONDS; before a cadence is known, just over the slowest rep of 6 s), so a jittery
 * limb cannot hold it open; a fixed 5 s would end a slow set (3-6 s reps) at its first missed rep.
 */
const SET_END_MAX_INTERVALS = 2.5;
const SET_END_BEFORE_CADENCE_SECONDS = 8.5;
/** The pulsation cross-check on the sensor runs for targets from this share of LOP up. */
const PULSE_CHECK_FROM_LOP_FRACTION = 0.65;
/** Warnings of one kind are reported at most this often. */
const WARNING_REPEAT_SECONDS = 30;
/** Distinct alarms listed in a session summary (the summary must fit one 1024-byte frame). */
const SUMMARY_ALARMS = 8;

export class CuffController {
  readonly cuff: number;
  private readonly estimator: PressureEstimator;
  private readonly supervisor = new Supervisor();
  private readonly actuators = new LearnedActuators();
  private readonly kinkProbe = new KinkProbe();
  private readonly pulseMonitor: PulseMonitor;
  /** Pulsations now as a share of the session's first still hold, on the ticks it was judged. */
  private pulseRatio: number | null = null;
  /** The drop the kink probe saw on this tick, when it judged one. */
  private probeDropMmhg: number | null = null;
  private readonly pumpRateAt = (mmhg: number) => this.actuators.pumpRateAt(mmhg);
  private readonly ventRateAt = (mmhg: number) => this.actuators.ventRateAt(mmhg);
  private regulator: RegulatorState = initialRegulatorState();
  private readonly outbox: Event[] = [];

  private state: StateName = "vented";
  private phase: Phase = "idle";
  private lastTickSeconds: number | null = null;
  private lastEstimate: PressureEstimate | null = null;
  private lastActuation: Actuation = SAFE_ACTUATION;

  private zeroed = false;
  private zeroing: { startedSeconds: number; window: { t: number; mmhg: number }[] } | null = null;
  private lop: { procedure: LopProcedure; forSession: boolean; limb: Limb | null } | null = null;
  private session: SessionRun | null = null;
  private repCounter: RepCounter | null = null;
  private deflating: {
    reason: string;
    belowSinceSeconds: number | null;
    ok: boolean;
    /** Last time the reading stood above SUPERVISOR_LIMITS.fastDeflationFromMmhg. */
    aboveFastFromSeconds: number | null;
    /** The vent is shut to see whether the hose refills (see stepDeflate). */
    shutSinceSeconds: number | null;
  } | null = null;
  /** The reading at the end of a shut-vent check, on the tick it ended (for the supervisor). */
  private ventShutCheckMmhg: number | null = null;
  private faultKind: AlarmKind | null = null;

  private lopMmhg: number | null = null;
  private lopLimb: Limb | null = null;
  private ceilingMmhg = HARD_CEILING_MMHG;
  private maxPercentLop = MAX_TARGET_PERCENT_LOP;
  private restrictionCapSeconds = DEFAULT_RESTRICTION_CAP_SECONDS;
  private hostSilence: HostSilencePolicy;
  private readonly restBetweenExercisesSeconds: number;
  private restrictionEndedSeconds: number | null = null;
  private lastHostSeconds: number | null = null;
  private hostSilentReported = false;
  private sessionAlarms: { t: number; kind: AlarmKind }[] = [];
  private readonly lastRaisedSeconds = new Map<AlarmKind, number>();
  private lastSummary: SessionSummary | null = null;

  constructor(private readonly options: ControllerOptions) {
    this.cuff = options.cuff ?? 0;
    this.estimator = new PressureEstimator(options.profile);
    this.pulseMonitor = new PulseMonitor(options.profile.sensor.sampleHz);
    this.hostSilence = options.hostSilence ?? { policy: "vent", timeoutSeconds: DEFAULT_HOST_SILENCE_SECONDS };
    this.restBetweenExercisesSeconds = options.restBetweenExercisesSeconds ?? DEFAULT_REST_BETWEEN_EXERCISES_SECONDS;
  }

  // ---- what the outside sees ------------------------------------------------

  /** Events produced since the last call (state, phase, rep, alarm, lop-result, summary). */
  drainEvents(): Event[] {
    return this.outbox.splice(0, this.outbox.length);
  }

  get stateName(): StateName {
    return this.state;
  }

  get phaseName(): Phase {
    return this.phase;
  }

  get actuation(): Actuation {
    return this.lastActuation;
  }

  /** The filtered, calibrated pressure the controller works with (null before the first sample). */
  telemetryPressure(): number | null {
    return this.lastEstimate && Number.isFinite(this.lastEstimate.mmhg) ? this.lastEstimate.mmhg : null;
  }

  get measuredLopMmhg(): number | null {
    return this.lopMmhg;
  }

  get isZeroed(): boolean {
    return this.zeroed;
  }

  /** A session or hold is in progress (the host-silence policy applies). */
  get inSession(): boolean {
    return this.session !== null || this.lop !== null;
  }

  currentTargetMmhg(): number | null {
    if (this.session && this.session.step !== "deflate" && this.session.step !== "lop") return this.session.currentTargetMmhg;
    return null;
  }

  telemetry(tSeconds: number): Extract<FirmwareBody, { type: "telemetry" }> {
    const s = this.session;
    const remaining = this.remainingSeconds(tSeconds);
    return {
      type: "telemetry",
      cuff: this.cuff,
      t: round(tSeconds, 3),
      mmhg: round(this.lastEstimate && Number.isFinite(this.lastEstimate.mmhg) ? clampTelemetry(this.lastEstimate.mmhg) : 0, 2),
      target: this.currentTargetMmhg() === null ? null : round(this.currentTargetMmhg()!, 1),
      state: this.state,
      phase: this.phase,
      pump: round(this.lastActuation.pump, 3),
      vent: round(this.lastActuation.vent, 3),
      lop: this.lopMmhg === null ? null : round(this.lopMmhg, 1),
      ...(s ? { set: s.setIndex + (s.step === "set" || s.step === "rest" || s.step === "release" ? 1 : 0), rep: this.repCounter?.reps ?? 0 } : {}),
      ...(remaining !== null ? { remaining: round(remaining, 1) } : {}),
    };
  }

  status(tSeconds: number, ref: number): FirmwareBody {
    const s = this.session;
    return {
      type: "status",
      ref,
      cuff: this.cuff,
      t: round(tSeconds, 3),
      state: this.state,
      phase: this.phase,
      zeroed: this.zeroed,
      lop: this.lopMmhg,
      target: this.currentTargetMmhg(),
      limb: s?.limb ?? this.lopLimb,
      plan: s?.plan ?? null,
      set: s ? s.setIndex + (s.step === "set" || s.step === "rest" ? 1 : 0) : 0,
      rep: this.repCounter?.reps ?? 0,
      activeAlarms: this.supervisor.activeKinds().slice(0, 20),
      hostSilence: this.hostSilence,
      lastSummary: this.lastSummary,
    };
  }

  // ---- host side ------------------------------------------------------------

  /** Any valid message from the host counts as a sign of life. */
  hostHeard(tSeconds: number): void {
    this.lastHostSeconds = tSeconds;
    this.hostSilentReported = false;
  }

  command(message: HostMessage, tSeconds: number): CommandResult {
    switch (message.type) {
      case "hello":
      case "heartbeat":
      case "status-request":
        return { ok: true };
      case "deflate":
        this.requestDeflate(tSeconds, "deflate requested", true);
        return { ok: true };
      case "abort":
        this.requestDeflate(tSeconds, "aborted by the host", false);
        return { ok: true };
      case "ack-fault":
        return this.acknowledgeFault(tSeconds);
      case "zero":
        return this.startZero(tSeconds);
      case "measure-lop":
        return this.startLop(tSeconds, message.limb ?? null, false);
      case "start-session":
        return this.startSession(message.plan, message.limb, tSeconds, false);
      case "hold":
        return this.startHold(message.target, tSeconds);
      case "set-done":
        return this.setDone(tSeconds);
      case "configure":
        return this.configure(message);
    }
  }

  /** The board reported something the controller cannot see in the samples. */
  boardFault(tSeconds: number, kind: "guard-tripped" | "board-lost" | "sensor-stale", detail: string): void {
    this.raise(tSeconds, kind, "fault", detail);
    this.enterFault(tSeconds, kind, detail);
  }

  // ---- the control loop -----------------------------------------------------

  tick(tSeconds: number, counts: number): Actuation {
    // The board samples on a fixed grid: bunched or late arrivals (USB, a busy host) are still one
    // period apart. Only a real gap (samples lost) counts as longer, up to 0.2 s.
    const period = 1 / this.options.profile.sensor.sampleHz;
    const gap = this.lastTickSeconds === null ? period : tSeconds - this.lastTickSeconds;
    const dt = gap > 3 * period ? Math.min(0.2, gap) : period;
    this.lastTickSeconds = tSeconds;
    const estimate = this.estimator.update(tSeconds, counts);
    this.lastEstimate = estimate;

    this.checkHostSilence(tSeconds);
    this.probeDropMmhg = null;
    this.ventShutCheckMmhg = null;
    this.pulseRatio = null;
    let proposed = this.propose(tSeconds, estimate, dt);

    const lopCeiling = this.lopMmhg === null ? null : LOP_CEILING_FRACTION * this.lopMmhg;
    const raised = this.supervisor.evaluate({
      t: tSeconds,
      dtSeconds: dt,
      estimate,
      state: this.state,
      phase: this.phase,
      targetMmhg: this.currentTargetMmhg(),
      settled: this.session?.settled ?? false,
      probeDropMmhg: this.probeDropMmhg,
      ventShutCheckMmhg: this.ventShutCheckMmhg,
      pulseRatio: this.pulseRatio,
      zeroed: this.zeroed,
      exercising: this.session !== null && this.session.step === "set" && planMode(this.session.plan) === "sets",
      proposed,
      ceilingMmhg: this.ceilingMmhg,
      lopMmhg: this.lopMmhg,
      lopCeilingMmhg: lopCeiling,
      pumpRateAt: this.pumpRateAt,
      requestedRateMmhgPerSecond: this.regulator.requestedRate,
      ventRateAt: this.ventRateAt,
      pumpMinDuty: this.options.profile.pump.minDuty,
    });
    for (const alarm of raised) {
      this.raise(tSeconds, alarm.kind, alarm.severity, alarm.detail);
      if (alarm.latches) this.enterFault(tSeconds, alarm.kind, alarm.detail);
    }
    if (this.state === "fault" || this.state === "vented" || this.state === "zeroing") proposed = SAFE_ACTUATION;

    const actuation = vetoActuation(proposed, estimate, this.ceilingMmhg, this.state === "lop" ? null : lopCeiling);
    this.learn(estimate, actuation);
    this.lastActuation = actuation;
    return actuation;
  }

  // ---- proposals per state ----------------------------------------------------

  private propose(t: number, estimate: PressureEstimate, dt: number): Actuation {
    switch (this.state) {
      case "zeroing":
        this.stepZero(t, estimate);
        return SAFE_ACTUATION;
      case "lop":
        return this.stepLop(t, estimate);
      case "inflating":
      case "regulating":
      case "releasing":
        return this.stepSession(t, estimate, dt);
      case "deflating":
        return this.stepDeflate(t, estimate);
      default:
        return SAFE_ACTUATION;
    }
  }

  private stepZero(t: number, estimate: PressureEstimate): void {
    const z = this.zeroing!;
    const uncalibrated = this.estimator.uncalibrated(estimate.counts);
    if (!Number.isFinite(uncalibrated)) return;
    z.window.push({ t, mmhg: uncalibrated });
    while (z.window.length > 0 && t - z.window[0]!.t > ZERO_SETTLE_SECONDS) z.window.shift();
    const elapsed = t - z.startedSeconds;
    if (elapsed >= ZERO_SETTLE_SECONDS + 0.2) {
      const values = z.window.map((w) => w.mmhg);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      // Spread of 100 ms means ignores sensor noise but sees a cuff still emptying.
      const chunks: number[] = [];
      for (let i = 0; i + 10 <= values.length; i += 10) chunks.push(values.slice(i, i + 10).reduce((a, b) => a + b, 0) / 10);
      const spread = Math.max(...chunks) - Math.min(...chunks);
      if (spread <= ZERO_SPREAD_MMHG) {
        if (Math.abs(mean) > MAX_ZERO_OFFSET_MMHG) {
          this.raise(t, "sensor-out-of-range", "warning", `vented reading is ${mean.toFixed(1)} mmHg: too far from zero to be an offset`);
          this.zeroing = null;
          this.setState(t, "vented", "idle", "zeroing failed: sensor reading implausible");
          return;
        }
        this.estimator.setZeroOffset(mean);
        this.zeroed = true;
        this.zeroing = null;
        this.setState(t, "vented", "idle", `zeroed (offset ${mean.toFixed(2)} mmHg)`);
        return;
      }
    }
    if (elapsed > ZERO_TIMEOUT_SECONDS) {
      this.zeroing = null;
      this.setState(t, "vented", "idle", "zeroing failed: pressure did not settle (is the cuff still inflated?)");
    }
  }

  private stepLop(t: number, estimate: PressureEstimate): Actuation {
    const lop = this.lop!;
    const { actuation, outcome } = lop.procedure.step(t, estimate);
    if (!outcome) return actuation;
    this.emit({
      type: "lop-result",
      cuff: this.cuff,
      t: round(t, 3),
      ok: outcome.ok,
      mmhg: outcome.mmhg === null ? null : round(outcome.mmhg, 1),
      quality: round(Math.min(1, Math.max(0, outcome.quality)), 3),
      reason: outcome.reason.slice(0, 200),
      durationSeconds: round(outcome.durationSeconds, 2),
    });
    this.lop = null;
    if (outcome.ok && outcome.mmhg !== null) {
      this.lopMmhg = outcome.mmhg;
      this.lopLimb = lop.limb;
    } else {
      this.raise(t, "lop-failed", "warning", outcome.reason);
    }
    const s = this.session;
    if (lop.forSession && s) {
      if (!outcome.ok || outcome.mmhg === null) {
        this.requestDeflate(t, `LOP measurement rejected: ${outcome.reason}`, false);
        return SAFE_ACTUATION;
      }
      s.lopMmhg = outcome.mmhg;
      const refusal = this.resolveTarget(s);
      if (refusal) {
        this.requestDeflate(t, refusal, false);
        return SAFE_ACTUATION;
      }
      // Deflate fully between the measurement and the session: the limb gets its blood back first.
      this.beginDeflate(t, "LOP measured; deflating before the session", true, true);
      return SAFE_ACTUATION;
    }
    this.beginDeflate(t, outcome.ok ? "LOP measured" : "LOP measurement rejected", outcome.ok, false);
    return SAFE_ACTUATION;
  }

  private stepSession(t: number, estimate: PressureEstimate, dt: number): Actuation {
    const s = this.session!;
    const target = s.currentTargetMmhg!;
    const p = estimate.mmhg;
    if (s.restrictionStartedSeconds !== null && t - s.restrictionStartedSeconds >= this.restrictionCap(s)) {
      this.raise(t, "restriction-cap", "warning", `restriction time reached its ${Math.round(this.restrictionCap(s))} s cap`);
      this.requestDeflate(t, "restriction time cap reached", false);
      return SAFE_ACTUATION;
    }
    if (Number.isFinite(p)) s.peakMmhg = Math.max(s.peakMmhg ?? p, p);

    const reached = Math.abs(p - target) <= REACHED_FRACTION * target;
    if (reached && !s.settled) {
      s.settledSinceSeconds ??= t;
      if (t - s.settledSinceSeconds >= 0.3) s.settled = true;
    } else if (!reached && !s.settled) {
      s.settledSinceSeconds = null;
    }

    switch (s.step) {
      case "inflate":
        if (s.settled) this.afterInflate(t, s);
        break;
      case "set":
        this.stepSet(t, s, estimate, target);
        break;
      case "rest":
        s.restSamples++;
        if (Math.abs(p - target) <= 0.05 * target) s.restWithin5++;
        if (!s.manual && planMode(s.plan) === "sets" && t - s.stepStartedSeconds >= (s.plan as { restSeconds: number }).restSeconds) {
          this.beginSet(t, s);
        }
        break;
      case "release": {
        const release = s.plan as Extract<Plan, { mode: "cycle" }>;
        if (t - s.stepStartedSeconds >= release.releaseSeconds) {
          s.setIndex++;
          this.changeTarget(s, cycleTargetMmhg(s.plan, s.targetMmhg!, s.setIndex, this.targetLimit(s)));
          this.beginSet(t, s);
        }
        break;
      }
    }
    if (this.session !== s || this.state === "deflating" || this.state === "fault") return SAFE_ACTUATION;
    let actuation: Actuation;
    const still = s.step === "rest" || (s.step === "set" && planMode(s.plan) !== "sets");
    if (s.settled && still) {
      const held = holdBand(this.regulator, s.currentTargetMmhg!, estimate.mmhg, dt, this.actuators, this.gains());
      this.regulator = held.state;
      actuation = held.actuation;
    } else {
      actuation = this.regulateTo(s.currentTargetMmhg!, estimate, dt, !s.settled, s.step === "set");
    }
    if (!s.settled) return actuation;
    // Near LOP the pulsations are a steep function of the true pressure: there a drifting sensor
    // shows. Lower down (arms at 40-60 %) they vary too much with the limb to judge by.
    const nearLop = s.lopMmhg !== null && s.currentTargetMmhg! >= PULSE_CHECK_FROM_LOP_FRACTION * s.lopMmhg;
    this.pulseRatio = this.pulseMonitor.update(t, estimate.mmhg, still && nearLop);
    const waiting = this.kinkProbe.probing;
    const probe = this.kinkProbe.step(t, estimate.mmhg, actuation.pump === 0 && actuation.vent === 0);
    this.probeDropMmhg = probe.dropMmhg;
    if (probe.ventPulse > 0) return { pump: 0, vent: probe.ventPulse };
    // Holding still, the cuff is left sealed while the probe waits for its verdict (0.25 s). In a
    // set the regulator keeps working: pumping into a kinked hose shows at once anyway.
    return still && waiting && this.kinkProbe.probing ? { pump: 0, vent: 0 } : actuation;
  }

  private regulateTo(target: number, estimate: PressureEstimate, dt: number, inflating: boolean, exercising: boolean): Actuation {
    const p = estimate.mmhg;
    // Far below target: full pump, and keep the integral clear so it does not overshoot later.
    if (inflating && p < target - 8) {
      this.regulator = initialRegulatorState();
      return { pump: 1, vent: 0 };
    }
    const aim = exercising ? target * (1 + SET_BIAS_FRACTION) : target;
    const result = regulate(this.regulator, aim, p, dt, this.actuators, this.gains());
    this.regulator = result.state;
    return result.actuation;
  }

  private gains() {
    return { ...DEFAULT_GAINS, pumpMinDuty: this.options.profile.pump.minDuty };
  }

  private stepSet(t: number, s: SessionRun, estimate: PressureEstimate, target: number): void {
    s.exerciseSamples++;
    if (Math.abs(estimate.mmhg - target) <= 0.1 * target) s.exerciseWithin10++;
    const mode = planMode(s.plan);
    const elapsed = t - s.stepStartedSeconds;
    if (mode === "continuous") {
      if (!s.manual && elapsed >= (s.plan as Extract<Plan, { mode: "continuous" }>).minutes * 60) this.endSet(t, s, "continuous hold complete");
      return;
    }
    if (mode === "cycle") {
      if (elapsed >= (s.plan as Extract<Plan, { mode: "cycle" }>).holdSeconds) this.endSet(t, s, "hold complete");
      return;
    }
    const counter = this.repCounter!;
    // The counter judges rises against what the regulator aims at during a set.
    if (counter.update(t, estimate, target * (1 + SET_BIAS_FRACTION))) {
      this.emit({ type: "rep", cuff: this.cuff, t: round(t, 3), set: s.setIndex + 1, rep: counter.reps });
    }
    const planned = plannedReps(s.plan, s.setIndex);
    const sets = s.plan as Extract<Plan, { sets: number[] }>;
    if (sets.countReps && counter.reps >= planned) {
      this.endSet(t, s, `${counter.reps} reps counted`);
      return;
    }
    if (sets.countReps && counter.reps > 0 && counter.lastRepSeconds !== null) {
      // The counter can tell a missed rep in a continuing set from a limb gone quiet; without
      // that, a cadence-based wait (clamped) decides.
      const interval = counter.meanIntervalSeconds ?? 2;
      const quiet = Math.min(SET_END_MAX_SECONDS, Math.max(SET_END_MIN_SECONDS, SET_END_INTERVALS * interval));
      const stopped = counter.contractionsStopped ? counter.contractionsStopped(t) : t - counter.lastRepSeconds >= quiet;
      const longest = counter.meanIntervalSeconds === null ? SET_END_BEFORE_CADENCE_SECONDS : Math.max(SET_END_MAX_SECONDS, SET_END_MAX_INTERVALS * interval);
      if (stopped || t - counter.lastRepSeconds >= longest) {
        this.endSet(t, s, `contractions stopped after ${counter.reps} reps`);
        return;
      }
    }
    if (elapsed >= capsOf(s.plan).setSeconds) this.endSet(t, s, "set time cap reached");
  }

  /**
   * A new target is approached afresh: alarms that judge a settled hold wait until it is
   * reached, and a kink probe left waiting by the last hold is not judged against it.
   */
  private changeTarget(s: SessionRun, targetMmhg: number): void {
    this.kinkProbe.reset();
    s.currentTargetMmhg = targetMmhg;
    s.settled = false;
    s.settledSinceSeconds = null;
    this.regulator = initialRegulatorState();
  }

  private afterInflate(t: number, s: SessionRun): void {
    s.restrictionStartedSeconds ??= t;
    this.beginSet(t, s);
  }

  private beginSet(t: number, s: SessionRun): void {
    s.step = "set";
    s.stepStartedSeconds = t;
    this.repCounter = this.options.createRepCounter();
    this.setState(t, "regulating", "set", `set ${s.setIndex + 1} starts`);
    this.emit({
      type: "phase",
      cuff: this.cuff,
      t: round(t, 3),
      phase: "set",
      set: s.setIndex + 1,
      ...(planMode(s.plan) === "sets" ? { reps: plannedReps(s.plan, s.setIndex) } : {}),
      ...(planMode(s.plan) === "continuous" ? { seconds: (s.plan as Extract<Plan, { mode: "continuous" }>).minutes * 60 } : {}),
      ...(planMode(s.plan) === "cycle" ? { seconds: (s.plan as Extract<Plan, { mode: "cycle" }>).holdSeconds } : {}),
    });
  }

  private endSet(t: number, s: SessionRun, reason: string): void {
    s.sets.push({ planned: plannedReps(s.plan, s.setIndex), reps: this.repCounter?.reps ?? 0, seconds: round(t - s.stepStartedSeconds, 2) });
    const last = s.setIndex + 1 >= plannedSets(s.plan);
    if (last) {
      this.requestDeflate(t, `plan complete (${reason})`, true);
      return;
    }
    if (planMode(s.plan) === "cycle") {
      const cycle = s.plan as Extract<Plan, { mode: "cycle" }>;
      s.step = "release";
      s.stepStartedSeconds = t;
      this.changeTarget(s, Math.min(cycle.releaseMmhg, s.currentTargetMmhg!));
      this.setState(t, "releasing", "rest", `cycle ${s.setIndex + 1} done (${reason}); short release`);
      this.emit({ type: "phase", cuff: this.cuff, t: round(t, 3), phase: "rest", set: s.setIndex + 1, seconds: cycle.releaseSeconds });
      return;
    }
    s.step = "rest";
    s.stepStartedSeconds = t;
    s.setIndex++;
    // What the set's contractions wound up says nothing about the rest: start the integral afresh.
    this.regulator = initialRegulatorState();
    const restSeconds = (s.plan as Extract<Plan, { sets: number[] }>).restSeconds;
    this.setState(t, "regulating", "rest", `set ${s.setIndex} done (${reason}); rest holding pressure`);
    this.emit({ type: "phase", cuff: this.cuff, t: round(t, 3), phase: "rest", set: s.setIndex, seconds: restSeconds });
  }

  /**
   * Vent until the reading stays under the deflated threshold. A reading that falls from over
   * 50 mmHg to under it faster than any cuff vents is either the hose alone (a kink: the cuff is
   * cut off, still inflated) or a narrow hose that the open vent empties faster than the cuff
   * refills it. The vent is then shut for a moment: a narrow hose refills from the cuff and the
   * deflation goes on; a kinked one stays empty, which the supervisor names.
   */
  private stepDeflate(t: number, estimate: PressureEstimate): Actuation {
    const d = this.deflating!;
    const p = Number.isFinite(estimate.mmhg) ? estimate.mmhg : Number.POSITIVE_INFINITY;
    if (d.shutSinceSeconds !== null) {
      if (p < DEFLATED_MMHG && t - d.shutSinceSeconds < VENT_SHUT_CHECK_SECONDS) return { pump: 0, vent: 0 };
      this.ventShutCheckMmhg = p;
      d.shutSinceSeconds = null;
      d.belowSinceSeconds = null;
      d.aboveFastFromSeconds = null;
      return SAFE_ACTUATION;
    }
    if (p > SUPERVISOR_LIMITS.fastDeflationFromMmhg) d.aboveFastFromSeconds = t;
    if (p < DEFLATED_MMHG - VENTED_MARGIN_MMHG) {
      if (d.belowSinceSeconds === null && d.aboveFastFromSeconds !== null && t - d.aboveFastFromSeconds < SUPERVISOR_LIMITS.fastestDeflationSeconds) {
        d.shutSinceSeconds = t;
        return { pump: 0, vent: 0 };
      }
      d.belowSinceSeconds ??= t;
      if (t - d.belowSinceSeconds >= DEFLATED_CONFIRM_SECONDS) this.finishDeflate(t);
    } else {
      d.belowSinceSeconds = null;
    }
    return SAFE_ACTUATION;
  }

  private finishDeflate(t: number): void {
    const d = this.deflating!;
    this.deflating = null;
    const s = this.session;
    if (s && s.step === "deflate" && s.targetMmhg !== null && d.ok && s.restrictionStartedSeconds === null && !s.manual) {
      // Deflated after the LOP step: now the session proper starts.
      this.beginInflate(t, s);
      return;
    }
    if (s) this.endSession(t, d.reason, d.ok);
    this.setState(t, "vented", "idle", d.reason);
  }

  // ---- transitions ------------------------------------------------------------

  private startZero(t: number): CommandResult {
    if (this.state === "fault") return nack("fault-latched", `a ${this.faultKind} fault is latched; acknowledge it first`);
    if (this.state !== "vented") return nack("bad-state", `cannot zero while ${this.state}; zeroing needs the cuff vented`);
    this.zeroing = { startedSeconds: t, window: [] };
    this.setState(t, "zeroing", "zero", "zeroing with pump off and vent open");
    return { ok: true };
  }

  private readyToInflate(t: number): CommandResult | null {
    if (this.state === "fault") return nack("fault-latched", `a ${this.faultKind} fault is latched; acknowledge it first`);
    if (!this.zeroed) return nack("not-zeroed", "zero the sensor first (pump off, vent open, cuff empty)");
    if (this.state !== "vented") return nack("busy", `the cuff is ${this.state}; deflate first`);
    if (this.restrictionEndedSeconds !== null) {
      const wait = this.restrictionEndedSeconds + this.restBetweenExercisesSeconds - t;
      if (wait > 0) return nack("rest-enforced", `rest ${Math.ceil(wait)} s more with the cuff deflated before the next exercise`);
    }
    return null;
  }

  private startLop(t: number, limb: Limb | null, forSession: boolean): CommandResult {
    const refusal = this.readyToInflate(t);
    if (refusal) return refusal;
    this.beginLop(t, limb, forSession);
    return { ok: true };
  }

  private beginLop(t: number, limb: Limb | null, forSession: boolean): void {
    this.lop = {
      procedure: this.options.createLop({
        startSeconds: t,
        limb,
        ceilingMmhg: this.ceilingMmhg,
        sampleHz: this.options.profile.sensor.sampleHz,
      }),
      forSession,
      limb,
    };
    this.setState(t, "lop", "lop", "measuring limb occlusion pressure");
    this.emit({ type: "phase", cuff: this.cuff, t: round(t, 3), phase: "lop" });
  }

  private startSession(plan: Plan, limb: Limb, t: number, manual: boolean): CommandResult {
    const refusal = this.readyToInflate(t);
    if (refusal) return refusal;
    const overCap = planOverCap(plan, this.restrictionCapSeconds);
    if (overCap) return nack("over-cap", overCap);
    const s = newSessionRun(plan, limb, t, manual);
    if (s.lopMmhg === null && plan.lop !== "measure") return nack("no-lop", "the plan gives no LOP");
    if (s.lopMmhg !== null || "mmhg" in plan.target) {
      const refused = this.resolveTarget(s);
      if (refused) return nack("target-refused", refused);
    }
    this.adopt(s);
    if (plan.lop === "measure") {
      s.step = "lop";
      s.targetMmhg = null;
      s.currentTargetMmhg = null;
      this.beginLop(t, limb, true);
      return { ok: true };
    }
    this.lopMmhg = s.lopMmhg;
    this.lopLimb = limb;
    this.beginInflate(t, s);
    return { ok: true };
  }

  private startHold(target: Target, t: number): CommandResult {
    if (this.session && this.session.manual && this.state === "regulating") {
      const s = this.session;
      const candidate = newSessionRun({ ...s.plan, target }, s.limb, t, true);
      candidate.lopMmhg = this.lopMmhg;
      const refused = this.resolveTarget(candidate);
      if (refused) return nack("target-refused", refused);
      s.targetMmhg = candidate.targetMmhg;
      this.changeTarget(s, candidate.targetMmhg!);
      return { ok: true };
    }
    if ("percentLop" in target && this.lopMmhg === null) return nack("no-lop", "a target in % of LOP needs a measured or configured LOP");
    const plan: Plan = {
      mode: "continuous",
      minutes: this.restrictionCapSeconds / 60,
      target,
      lop: this.lopMmhg ?? "measure",
    };
    const refusal = this.readyToInflate(t);
    if (refusal) return refusal;
    const s = newSessionRun(plan, this.lopLimb ?? "arm", t, true);
    s.lopMmhg = this.lopMmhg;
    const refused = this.resolveTarget(s);
    if (refused) return nack("target-refused", refused);
    this.adopt(s);
    this.beginInflate(t, s);
    return { ok: true };
  }

  /** A new session or hold starts with no alarms, rule memory or pulsation baseline of the last one. */
  private adopt(s: SessionRun): void {
    this.session = s;
    this.sessionAlarms = [];
    this.supervisor.reset();
    this.pulseMonitor.reset();
    this.kinkProbe.reset();
  }

  /** Fixes the session's target from its plan and LOP; returns why it is refused, if it is. */
  private resolveTarget(s: SessionRun): string | null {
    const target = planTargetMmhg(s.plan.target, s.lopMmhg);
    if (target === null) return "the target is in % of LOP but no LOP is known";
    const limit = this.targetLimit(s);
    if (target > limit) {
      const why = s.lopMmhg !== null && limit < this.ceilingMmhg
        ? `${this.maxPercentLop} % of the ${s.lopMmhg.toFixed(0)} mmHg LOP`
        : `the ${this.ceilingMmhg} mmHg ceiling`;
      return `target ${target.toFixed(0)} mmHg is above ${why}`;
    }
    s.targetMmhg = target;
    s.currentTargetMmhg = cycleTargetMmhg(s.plan, target, 0, limit);
    return null;
  }

  private targetLimit(s: SessionRun): number {
    const lopLimit = s.lopMmhg === null ? Number.POSITIVE_INFINITY : (this.maxPercentLop / 100) * s.lopMmhg;
    return Math.min(this.ceilingMmhg - 10, lopLimit);
  }

  private restrictionCap(s: SessionRun): number {
    return Math.min(this.restrictionCapSeconds, capsOf(s.plan).restrictionSeconds, MAX_RESTRICTION_CAP_SECONDS);
  }

  private beginInflate(t: number, s: SessionRun): void {
    s.step = "inflate";
    s.stepStartedSeconds = t;
    this.changeTarget(s, s.currentTargetMmhg!);
    this.setState(t, "inflating", "inflate", `inflating to ${s.currentTargetMmhg!.toFixed(0)} mmHg`);
    this.emit({ type: "phase", cuff: this.cuff, t: round(t, 3), phase: "inflate" });
  }

  private setDone(t: number): CommandResult {
    const s = this.session;
    if (!s || s.step !== "set") return nack("bad-state", "no set is running");
    this.endSet(t, s, "set done by the host");
    return { ok: true };
  }

  private acknowledgeFault(t: number): CommandResult {
    if (this.state !== "fault") return nack("bad-state", "no fault is latched");
    const p = this.lastEstimate?.mmhg ?? Number.NaN;
    if (!(p < DEFLATED_MMHG)) {
      return nack("bad-state", `the cuff still reads ${Number.isFinite(p) ? p.toFixed(0) + " mmHg" : "no valid pressure"}; it must be deflated below ${DEFLATED_MMHG} mmHg`);
    }
    this.faultKind = null;
    this.supervisor.reset();
    this.setState(t, "vented", "idle", "fault acknowledged");
    return { ok: true };
  }

  private configure(message: Extract<HostMessage, { type: "configure" }>): CommandResult {
    const changesLimits =
      message.ceilingMmhg !== undefined || message.maxPercentLop !== undefined || message.restrictionCapSeconds !== undefined || message.lopMmhg !== undefined;
    if (changesLimits && this.state !== "vented" && this.state !== "fault") {
      return nack("busy", "limits can change only while the cuff is vented");
    }
    if (message.ceilingMmhg !== undefined) this.ceilingMmhg = Math.min(HARD_CEILING_MMHG, message.ceilingMmhg);
    if (message.maxPercentLop !== undefined) this.maxPercentLop = Math.min(MAX_TARGET_PERCENT_LOP, message.maxPercentLop);
    if (message.restrictionCapSeconds !== undefined) this.restrictionCapSeconds = Math.min(MAX_RESTRICTION_CAP_SECONDS, message.restrictionCapSeconds);
    if (message.lopMmhg !== undefined) this.lopMmhg = message.lopMmhg;
    if (message.hostSilence !== undefined) this.hostSilence = message.hostSilence;
    return { ok: true };
  }

  /** Deflate from any state. A latched fault stays latched (its state is already vented). */
  private requestDeflate(t: number, reason: string, ok: boolean): void {
    if (this.state === "fault") return;
    if (this.state === "vented" || this.state === "zeroing") {
      if (this.zeroing) {
        this.zeroing = null;
        this.setState(t, "vented", "idle", reason);
      }
      if (this.session) this.endSession(t, reason, ok);
      return;
    }
    this.beginDeflate(t, reason, ok, false);
  }

  private beginDeflate(t: number, reason: string, ok: boolean, continueSession: boolean): void {
    this.lop = null;
    const s = this.session;
    if (s) {
      if (s.restrictionStartedSeconds !== null || s.step === "inflate") this.restrictionEndedSeconds = t;
      if (!continueSession) s.restrictionStartedSeconds ??= s.stepStartedSeconds;
      s.step = "deflate";
      s.stepStartedSeconds = t;
    }
    const from = this.lastEstimate?.mmhg ?? 0;
    this.deflating = { reason, belowSinceSeconds: null, ok, aboveFastFromSeconds: from > SUPERVISOR_LIMITS.fastDeflationFromMmhg ? t : null, shutSinceSeconds: null };
    this.setState(t, "deflating", "deflate", reason);
    this.emit({ type: "phase", cuff: this.cuff, t: round(t, 3), phase: "deflate" });
  }

  private enterFault(t: number, kind: AlarmKind, detail: string): void {
    if (this.state === "fault") return;
    this.faultKind = kind;
    this.zeroing = null;
    this.lop = null;
    this.deflating = null;
    if (this.session) {
      if (this.session.restrictionStartedSeconds !== null) this.restrictionEndedSeconds = t;
      this.endSession(t, `fault: ${kind}`, false);
    }
    if (kind.startsWith("sensor")) this.zeroed = false;
    this.setState(t, "fault", "fault", `${kind}: ${detail}`.slice(0, 200));
  }

  private endSession(t: number, reason: string, ok: boolean): void {
    const s = this.session;
    if (!s) return;
    this.session = null;
    this.repCounter = null;
    const summary: SessionSummary = {
      ok,
      endReason: reason.slice(0, 200),
      lopMmhg: s.lopMmhg === null ? null : round(s.lopMmhg, 1),
      targetMmhg: s.targetMmhg === null ? null : round(s.targetMmhg, 1),
      sets: s.sets.slice(0, 12),
      restrictionSeconds: round(s.restrictionStartedSeconds === null ? 0 : t - s.restrictionStartedSeconds, 1),
      exerciseWithin10: s.exerciseSamples ? round(s.exerciseWithin10 / s.exerciseSamples, 4) : null,
      restWithin5: s.restSamples ? round(s.restWithin5 / s.restSamples, 4) : null,
      peakMmhg: s.peakMmhg === null ? null : round(s.peakMmhg, 1),
      alarms: distinctAlarms(this.sessionAlarms, SUMMARY_ALARMS),
    };
    this.lastSummary = summary;
    this.emit({ type: "summary", cuff: this.cuff, t: round(t, 3), summary });
  }

  private checkHostSilence(t: number): void {
    if (!this.inSession || this.state === "deflating" || this.lastHostSeconds === null) return;
    const silent = t - this.lastHostSeconds;
    if (silent < this.hostSilence.timeoutSeconds || this.hostSilentReported) return;
    this.hostSilentReported = true;
    if (this.hostSilence.policy === "vent") {
      this.raise(t, "host-silent", "warning", `no word from the host for ${silent.toFixed(1)} s: deflating`);
      this.requestDeflate(t, "host went silent", false);
    } else {
      this.raise(t, "host-silent", "info", `no word from the host for ${silent.toFixed(1)} s: continuing the plan on its own`);
    }
  }

  private learn(estimate: PressureEstimate, actuation: Actuation): void {
    if (!Number.isFinite(estimate.mmhg)) return;
    if (actuation.vent === 0 && actuation.pump > 0) this.actuators.observePump(estimate.mmhg, actuation.pump, estimate.slopeMmhgPerSecond);
    if (actuation.pump === 0 && actuation.vent > 0 && (this.state === "regulating" || this.state === "releasing" || this.state === "inflating")) {
      this.actuators.observeVent(estimate.mmhg, actuation.vent, estimate.slopeMmhgPerSecond);
    }
  }

  private remainingSeconds(t: number): number | null {
    const s = this.session;
    if (!s) return null;
    if (s.step === "rest" && planMode(s.plan) === "sets") return Math.max(0, (s.plan as { restSeconds: number }).restSeconds - (t - s.stepStartedSeconds));
    if (s.step === "release") return Math.max(0, (s.plan as Extract<Plan, { mode: "cycle" }>).releaseSeconds - (t - s.stepStartedSeconds));
    if (s.step === "set" && planMode(s.plan) === "continuous" && !s.manual) {
      return Math.max(0, (s.plan as Extract<Plan, { mode: "continuous" }>).minutes * 60 - (t - s.stepStartedSeconds));
    }
    if (s.step === "set" && planMode(s.plan) === "cycle") return Math.max(0, (s.plan as Extract<Plan, { mode: "cycle" }>).holdSeconds - (t - s.stepStartedSeconds));
    return null;
  }

  private raise(t: number, kind: AlarmKind, severity: Severity, detail: string): void {
    // A warning that comes and goes is reported once per 30 s, not on every flicker.
    const last = this.lastRaisedSeconds.get(kind);
    if (severity !== "fault" && last !== undefined && t - last < WARNING_REPEAT_SECONDS) return;
    this.lastRaisedSeconds.set(kind, t);
    if (this.session) this.sessionAlarms.push({ t: round(t, 2), kind });
    this.emit({ type: "alarm", cuff: this.cuff, t: round(t, 3), kind, severity, detail: detail.slice(0, 300) });
  }

  private setState(t: number, to: StateName, phase: Phase, reason: string): void {
    const from = this.state;
    this.state = to;
    this.phase = phase;
    if (to !== "regulating" && to !== "inflating" && to !== "releasing") this.regulator = initialRegulatorState();
    this.emit({ type: "state", cuff: this.cuff, t: round(t, 3), from, to, phase, reason: reason.slice(0, 200) });
  }

  private emit(event: Event): void {
    this.outbox.push(event);
  }
}

/** The first time each kind of alarm was raised, at most `limit` of them (the summary must fit one frame). */
function distinctAlarms(alarms: { t: number; kind: AlarmKind }[], limit: number): { t: number; kind: AlarmKind }[] {
  const seen = new Set<AlarmKind>();
  const out: { t: number; kind: AlarmKind }[] = [];
  for (const alarm of alarms) {
    if (seen.has(alarm.kind)) continue;
    seen.add(alarm.kind);
    out.push(alarm);
    if (out.length >= limit) break;
  }
  return out;
}

function nack(reason: NackReason, detail: string): CommandResult {
  return { ok: false, reason, detail };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function clampTelemetry(mmhg: number): number {
  return Math.max(-50, Math.min(400, mmhg));
}
