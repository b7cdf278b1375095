/**
 * The person on the simulated cuff: starts each set when the cuff says so, after
 * a human reaction time, does the planned reps at the scenario's cadence, and
 * taps "set done" about a second after the last rep. Continuous and cycle plans
 * have no reps: the person walks or cycles, which the limb model does not move.
 */
import type { Subscription } from "rxjs";
import type { CuffClient } from "../../host/client/client.ts";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import type { CuffPlant } from "./plant.ts";

/** People take a moment to start once the cuff says "go": 0.5-1.2 s. */
const REACTION_MIN_SECONDS = 0.5;
const REACTION_SPREAD_SECONDS = 0.7;
/** After the last rep, the person taps "set done" about a second later. */
const SET_DONE_DELAY_SECONDS = 1.0;

export class SimulatedAthlete {
  /** Ground truth: the reps the person really did, per set. */
  readonly repsDonePerSet: number[] = [];
  private readonly subscriptions: Subscription[] = [];
  private startTimer: Cancellable | null = null;
  private setDoneTimer: Cancellable | null = null;
  private reps = 0;
  /** Doing the set's reps, not yet at its count. */
  private active = false;
  /** Between the first rep and the end of the set's phase. */
  private inSet = false;

  constructor(
    private readonly client: CuffClient,
    private readonly plant: CuffPlant,
    private readonly clock: Clock,
    /** 0..1, deterministic (the scenario's seed): spreads the reaction times. */
    private readonly random: () => number,
  ) {
    this.subscriptions.push(
      client.events$.subscribe((e) => {
        if (e.type === "phase") {
          if (e.phase === "set" && e.reps !== undefined && e.reps > 0) this.beginSet(e.reps);
          else this.stop();
        }
        if (e.type === "summary") this.stop();
      }),
      client.telemetry$.subscribe(() => this.watchReps()),
    );
  }

  private beginSet(reps: number): void {
    this.stop();
    this.reps = reps;
    this.startTimer = this.clock.schedule(REACTION_MIN_SECONDS + REACTION_SPREAD_SECONDS * this.random(), () => {
      this.startTimer = null;
      this.plant.beginSet(reps);
      this.active = true;
      this.inSet = true;
    });
  }

  private watchReps(): void {
    if (!this.active || this.plant.repsDone() < this.reps) return;
    this.active = false;
    this.repsDonePerSet.push(this.plant.repsDone());
    this.setDoneTimer = this.clock.schedule(SET_DONE_DELAY_SECONDS, () => {
      this.setDoneTimer = null;
      // The firmware may already have ended the set from the rep count: its nack is expected.
      this.client.setDone().catch(() => undefined);
    });
  }

  private stop(): void {
    this.startTimer?.cancel();
    this.startTimer = null;
    this.setDoneTimer?.cancel();
    this.setDoneTimer = null;
    if (this.active) this.repsDonePerSet.push(this.plant.repsDone());
    this.active = false;
    if (this.inSet) {
      this.inSet = false;
      this.plant.endSet();
    }
  }

  dispose(): void {
    this.stop();
    for (const s of this.subscriptions) s.unsubscribe();
  }
}
