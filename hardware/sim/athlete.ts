/**
 * The person on the simulated cuff: starts each set when the cuff says so
 * (after a human reaction delay), does the planned reps at the scenario's
 * cadence, and taps "set done" about a second after the last rep.
 */
import type { Subscription } from "rxjs";
import type { CuffPlant } from "./plant.ts";
import type { Cancellable, Clock } from "../../shared/clock.ts";
import type { CuffClient } from "../../host/client/client.ts";

const REACTION_SECONDS = 0.8;
const SET_DONE_DELAY_SECONDS = 1.0;

export class SimulatedAthlete {
  private readonly subscriptions: Subscription[] = [];
  private startTimer: Cancellable | null = null;
  private setDoneTimer: Cancellable | null = null;
  private reps = 0;
  /** Counting reps toward "set done". */
  private active = false;
  /** Between beginSet and the end of the set phase. */
  private inSet = false;

  constructor(
    private readonly client: CuffClient,
    private readonly plant: CuffPlant,
    private readonly clock: Clock,
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
    this.startTimer = this.clock.schedule(REACTION_SECONDS, () => {
      this.startTimer = null;
      this.plant.beginSet(reps);
      this.active = true;
      this.inSet = true;
    });
  }

  private watchReps(): void {
    if (!this.active || this.plant.repsDone() < this.reps) return;
    this.active = false;
    this.setDoneTimer = this.clock.schedule(SET_DONE_DELAY_SECONDS, () => {
      this.setDoneTimer = null;
      // the firmware may already have ended the set from the rep count: its nack is expected
      this.client.setDone().catch(() => undefined);
    });
  }

  private stop(): void {
    this.startTimer?.cancel();
    this.startTimer = null;
    this.setDoneTimer?.cancel();
    this.setDoneTimer = null;
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
