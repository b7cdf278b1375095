/**
 * The person wearing a simulated cuff behind a board (`cuff virtual-board`). They
 * cannot see the host's display, so they go by what they feel: once the cuff has
 * held a steady pressure for a few seconds after inflating, they start their
 * plan's first set at the scenario's cadence, rest the plan's rest (the cuff stays
 * up) before the next, and stop the moment it deflates. For a continuous or cycle
 * plan they keep still. Time is the plant's own, so the person keeps pace with the
 * simulation at any speed.
 */
import type { Plan } from "../../shared/plan.ts";
import type { CuffPlant } from "./plant.ts";

/** Inflated: a pressure above this that has held this steady for this long. */
const INFLATED_MMHG = 25;
const STEADY_SECONDS = 3;
const STEADY_FRACTION = 0.06;
const STEADY_MIN_BAND_MMHG = 4;
/** Below this the cuff has deflated: the session is over, or faulted. */
const DEFLATED_MMHG = 15;
/** The cuff ends a set by itself a few seconds after the last rep; the person waits that out. */
const SET_END_SECONDS = 3;
const REACTION_SECONDS = 0.8;
const SAMPLE_SECONDS = 0.1;

type Step = { kind: "waiting" } | { kind: "exercising"; set: number } | { kind: "resting"; set: number; until: number } | { kind: "still" };

export class CuffFeelingPerson {
  private step: Step = { kind: "waiting" };
  private readonly history: { t: number; mmhg: number }[] = [];
  private lastSampleT = -Infinity;

  constructor(
    private readonly plant: CuffPlant,
    private readonly plan: Plan,
  ) {}

  /** What the person is doing now, for logs and tests. */
  get doing(): string {
    const s = this.step;
    if (s.kind === "exercising") return `set ${s.set + 1}`;
    if (s.kind === "resting") return `rest after set ${s.set + 1}`;
    return s.kind;
  }

  /** Called often (every few ms of simulated time is plenty); acts on the plant's own clock. */
  update(): void {
    const t = this.plant.timeSeconds;
    if (t - this.lastSampleT < SAMPLE_SECONDS) return;
    this.lastSampleT = t;
    const mmhg = this.plant.trueMmhg();
    this.history.push({ t, mmhg });
    while (this.history.length > 0 && this.history[0]!.t < t - STEADY_SECONDS) this.history.shift();

    if (mmhg < DEFLATED_MMHG && this.step.kind !== "waiting") {
      if (this.step.kind === "exercising") this.plant.endSet();
      this.step = { kind: "waiting" };
      return;
    }
    const s = this.step;
    if (s.kind === "waiting" && this.steadilyInflated(t)) {
      if (this.plan.mode === "sets") this.beginSet(0);
      else this.step = { kind: "still" };
    } else if (s.kind === "exercising" && this.plant.repsDone() >= this.repsOf(s.set)) {
      this.plant.endSet();
      const sets = this.setCount();
      const rest = (this.plan as { restSeconds?: number }).restSeconds ?? 0;
      this.step = s.set + 1 < sets ? { kind: "resting", set: s.set, until: t + SET_END_SECONDS + rest + REACTION_SECONDS } : { kind: "still" };
    } else if (s.kind === "resting" && t >= s.until) {
      this.beginSet(s.set + 1);
    }
  }

  private beginSet(set: number): void {
    this.plant.beginSet(this.repsOf(set));
    this.step = { kind: "exercising", set };
  }

  private repsOf(set: number): number {
    return (this.plan as { sets?: number[] }).sets?.[set] ?? 0;
  }

  private setCount(): number {
    return (this.plan as { sets?: number[] }).sets?.length ?? 0;
  }

  private steadilyInflated(t: number): boolean {
    const first = this.history[0];
    if (!first || t - first.t < STEADY_SECONDS - SAMPLE_SECONDS * 1.5) return false;
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of this.history) {
      lo = Math.min(lo, p.mmhg);
      hi = Math.max(hi, p.mmhg);
    }
    return lo >= INFLATED_MMHG && hi - lo <= Math.max(STEADY_MIN_BAND_MMHG, STEADY_FRACTION * hi);
  }
}
