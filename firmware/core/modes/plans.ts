/** The session plans, one mode each: sets with rests, a continuous hold, and KAATSU-style cycles. */
import { capsOf, type ContinuousPlan, type CyclePlan, type SetsPlan } from "../../../shared/plan.ts";
import { cycleTargetMmhg, plannedReps, plannedSets } from "../plan-rules.ts";
import type { Session } from "../session.ts";
import { targetLimitMmhg } from "../targets.ts";
import { requestDeflate } from "./deflate.ts";
import { HOLDING, type HoldStyle } from "./holding.ts";
import type { ModeHost } from "./host.ts";
import type { ModeBase, ModeOutput, TickInput } from "./mode.ts";
import { changeTarget, holdingTick } from "./session-step.ts";

export const SET_END = {
  /**
   * Whatever the rep counter says, a set ends this many typical intervals after its last rep (at
   * least minSeconds), so a jittery limb cannot hold it open; before a cadence is known, just over
   * two of the slowest reps of 6 s, so that one missed count does not end the set. The counter's
   * own guess that contractions stopped is not used: it ended sets early (see docs/tuning.md).
   */
  intervals: 3.5,
  minSeconds: 5.0,
  beforeCadenceSeconds: 12.5,
} as const;

const SET: HoldStyle = { still: false, biased: true, exercising: true };
const REST: HoldStyle = { still: true, biased: false, exercising: false };
/** Continuous and cycle holds: sealed once settled, the set's aim while approaching. */
const HOLD: HoldStyle = { still: true, biased: true, exercising: false };
/** A cycle's short release regulates down to its low pressure. */
const RELEASE: HoldStyle = { still: false, biased: false, exercising: false };

/** Counts a sample of a set toward the summary's share within 10 % of the target. */
function countExercise(session: Session, mmhg: number, targetMmhg: number): void {
  session.exerciseSamples++;
  if (Math.abs(mmhg - targetMmhg) <= 0.1 * targetMmhg) session.exerciseWithin10++;
}

function elapsed(session: Session, t: number): number {
  return t - session.stepStartedSeconds;
}

export class SetsMode implements ModeBase {
  readonly kind = "sets";
  readonly state = "regulating";
  stage: "set" | "rest" = "set";

  constructor(
    readonly session: Session,
    readonly plan: SetsPlan,
  ) {}

  get phase(): "set" | "rest" {
    return this.stage;
  }

  get style(): HoldStyle {
    return this.stage === "set" ? SET : REST;
  }

  step(host: ModeHost, input: TickInput): ModeOutput {
    return holdingTick(host, this, input);
  }

  advance(host: ModeHost, { t, estimate }: TickInput, targetMmhg: number): void {
    const s = this.session;
    if (this.stage === "rest") {
      s.restSamples++;
      if (Math.abs(estimate.mmhg - targetMmhg) <= 0.05 * targetMmhg) s.restWithin5++;
      if (elapsed(s, t) >= this.plan.restSeconds) beginSet(host, this, t);
      return;
    }
    countExercise(s, estimate.mmhg, targetMmhg);
    const counter = s.repCounter!;
    // The counter judges swings against what the regulator aims at during a set.
    if (counter.update(t, estimate, targetMmhg * (1 + HOLDING.setBiasFraction), s.hold.lastRateMmhgPerSecond)) host.emit({ type: "rep", t, set: s.setsStarted, rep: counter.reps });
    if (this.plan.countReps && counter.reps >= plannedReps(this.plan, s.setsStarted - 1)) {
      endSet(host, this, t, `${counter.reps} reps counted`);
      return;
    }
    if (this.plan.countReps && counter.reps > 0 && counter.lastRepSeconds !== null) {
      const interval = counter.meanIntervalSeconds;
      const longest = interval === null ? SET_END.beforeCadenceSeconds : Math.max(SET_END.minSeconds, SET_END.intervals * interval);
      if (t - counter.lastRepSeconds >= longest) {
        endSet(host, this, t, `contractions stopped after ${counter.reps} reps`);
        return;
      }
    }
    if (elapsed(s, t) >= capsOf(this.plan).setSeconds) endSet(host, this, t, "set time cap reached");
  }

  remainingSeconds(t: number): number | null {
    return this.stage === "rest" ? Math.max(0, this.plan.restSeconds - elapsed(this.session, t)) : null;
  }
}

/** A continuous hold while walking or cycling; a manual hold is one without an end of its own. */
export class ContinuousMode implements ModeBase {
  readonly kind = "continuous";
  readonly state = "regulating";
  readonly phase = "set";
  readonly style = HOLD;

  constructor(
    readonly session: Session,
    readonly plan: ContinuousPlan,
  ) {}

  step(host: ModeHost, input: TickInput): ModeOutput {
    return holdingTick(host, this, input);
  }

  advance(host: ModeHost, { t, estimate }: TickInput, targetMmhg: number): void {
    countExercise(this.session, estimate.mmhg, targetMmhg);
    if (!this.session.manual && elapsed(this.session, t) >= this.plan.minutes * 60) endSet(host, this, t, "continuous hold complete");
  }

  remainingSeconds(t: number): number | null {
    return this.session.manual ? null : Math.max(0, this.plan.minutes * 60 - elapsed(this.session, t));
  }
}

/** Inflate and hold, release briefly to a low pressure, step the pressure up, again. */
export class CycleMode implements ModeBase {
  readonly kind = "cycle";
  stage: "set" | "release" = "set";

  constructor(
    readonly session: Session,
    readonly plan: CyclePlan,
  ) {}

  get state(): "regulating" | "releasing" {
    return this.stage === "set" ? "regulating" : "releasing";
  }

  get phase(): "set" | "rest" {
    return this.stage === "set" ? "set" : "rest";
  }

  get style(): HoldStyle {
    return this.stage === "set" ? HOLD : RELEASE;
  }

  step(host: ModeHost, input: TickInput): ModeOutput {
    return holdingTick(host, this, input);
  }

  advance(host: ModeHost, { t, estimate }: TickInput, targetMmhg: number): void {
    const s = this.session;
    if (this.stage === "set") {
      countExercise(s, estimate.mmhg, targetMmhg);
      if (elapsed(s, t) >= this.plan.holdSeconds) endSet(host, this, t, "hold complete");
      return;
    }
    if (elapsed(s, t) >= this.plan.releaseSeconds) {
      changeTarget(s, cycleTargetMmhg(this.plan, s.targetMmhg!, s.setsStarted, targetLimitMmhg(host.limits, s.lopMmhg)));
      beginSet(host, this, t);
    }
  }

  remainingSeconds(t: number): number | null {
    return Math.max(0, (this.stage === "set" ? this.plan.holdSeconds : this.plan.releaseSeconds) - elapsed(this.session, t));
  }
}

export type PlanMode = SetsMode | ContinuousMode | CycleMode;

/** The target is reached: the plan's own mode takes over with its first set. */
export function beginPlan(host: ModeHost, t: number, session: Session): void {
  const plan = session.plan;
  const mode = plan.mode === "sets" ? new SetsMode(session, plan) : plan.mode === "cycle" ? new CycleMode(session, plan) : new ContinuousMode(session, plan);
  beginSet(host, mode, t, true);
}

function beginSet(host: ModeHost, mode: PlanMode, t: number, entering = false): void {
  const s = mode.session;
  if (mode.kind !== "continuous") mode.stage = "set";
  s.stepStartedSeconds = t;
  s.setsStarted++;
  s.repCounter = host.createRepCounter();
  const reason = `set ${s.setsStarted} starts`;
  if (entering) host.enter(t, mode, "set-started", reason);
  else host.announce(t, "set-started", reason);
  const plan = mode.plan;
  host.emit({
    type: "phase",
    t,
    phase: "set",
    set: s.setsStarted,
    ...(plan.mode === "sets" ? { reps: plannedReps(plan, s.setsStarted - 1) } : {}),
    ...(plan.mode === "continuous" ? { seconds: plan.minutes * 60 } : {}),
    ...(plan.mode === "cycle" ? { seconds: plan.holdSeconds } : {}),
  });
}

/** The set (or hold, or cycle) is over: a rest, a release, or the end of the plan. */
export function endSet(host: ModeHost, mode: PlanMode, t: number, reason: string): void {
  const s = mode.session;
  s.sets.push({ planned: plannedReps(s.plan, s.setsStarted - 1), reps: s.repCounter?.reps ?? 0, seconds: elapsed(s, t) });
  if (s.setsStarted >= plannedSets(s.plan)) {
    requestDeflate(host, t, "plan-complete", `plan complete (${reason})`);
    return;
  }
  if (mode.kind === "cycle") {
    mode.stage = "release";
    s.stepStartedSeconds = t;
    changeTarget(s, Math.min(mode.plan.releaseMmhg, s.currentTargetMmhg!));
    host.announce(t, "cycle-done", `cycle ${s.setsStarted} done (${reason}); short release`);
    host.emit({ type: "phase", t, phase: "rest", set: s.setsStarted, seconds: mode.plan.releaseSeconds });
    return;
  }
  if (mode.kind === "sets") {
    mode.stage = "rest";
    s.stepStartedSeconds = t;
    s.hold.clearIntegral();
    host.announce(t, "set-done", `set ${s.setsStarted} done (${reason}); rest holding pressure`);
    host.emit({ type: "phase", t, phase: "rest", set: s.setsStarted, seconds: mode.plan.restSeconds });
  }
}
