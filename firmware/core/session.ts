/** What a running session remembers: its plan, target, sets so far and the figures of its summary. */
import type { Limb, Plan } from "../../shared/plan.ts";
import type { AlarmKind, SessionEnding } from "../../shared/protocol/messages.ts";
import type { RepCounter } from "./reps/counter.ts";
import type { SessionReport, SetRecord } from "./events.ts";
import type { Holding } from "./modes/holding.ts";

export class Session {
  lopMmhg: number | null;
  /** A host's LOP that the session's first step, the firmware's own measurement, checks (null: none to check). */
  claimedLopMmhg: number | null = null;
  /** The plan's target, and the one the current step regulates to. */
  targetMmhg: number | null = null;
  currentTargetMmhg: number | null = null;
  /** When the current step (LOP, inflation, set, rest, release, deflation) began. */
  stepStartedSeconds: number;
  /** Sets (or cycles) begun so far; in a rest, the number of the set just done. */
  setsStarted = 0;
  restrictionStartedSeconds: number | null = null;
  readonly sets: SetRecord[] = [];
  repCounter: RepCounter | null = null;
  exerciseSamples = 0;
  exerciseWithin10 = 0;
  restSamples = 0;
  restWithin5 = 0;
  peakMmhg: number | null = null;
  readonly alarms: { t: number; kind: AlarmKind }[] = [];

  constructor(
    readonly plan: Plan,
    readonly limb: Limb,
    /** A manual hold: a session too, ended only by the host or the caps. */
    readonly manual: boolean,
    startedSeconds: number,
    /** Regulation of this session's holds. */
    readonly hold: Holding,
  ) {
    this.lopMmhg = typeof plan.lop === "number" ? plan.lop : null;
    this.stepStartedSeconds = startedSeconds;
  }

  report(t: number, ending: SessionEnding, fault: AlarmKind | null, endReason: string): SessionReport {
    const restriction = this.restrictionStartedSeconds;
    return {
      ok: ending === "completed" || ending === "stopped",
      ending,
      fault,
      endReason,
      lopMmhg: this.lopMmhg,
      targetMmhg: this.targetMmhg,
      sets: [...this.sets],
      restrictionSeconds: restriction === null ? 0 : t - restriction,
      exerciseWithin10: this.exerciseSamples ? this.exerciseWithin10 / this.exerciseSamples : null,
      restWithin5: this.restSamples ? this.restWithin5 / this.restSamples : null,
      peakMmhg: this.peakMmhg,
      alarms: firstOfEachKind(this.alarms),
    };
  }
}

/** The first time each kind of alarm was raised, in order. */
function firstOfEachKind(alarms: readonly { t: number; kind: AlarmKind }[]): { t: number; kind: AlarmKind }[] {
  const seen = new Set<AlarmKind>();
  return alarms.filter((alarm) => !seen.has(alarm.kind) && seen.add(alarm.kind));
}
