/**
 * Every session run from the app, recorded as `cuff session` records one: a
 * recording opens when the cuff accepts a start-session (from any page), takes
 * every telemetry frame and event, and closes at the firmware's summary with
 * the host's account of how it ended and its sets (counted and planned reps),
 * or, when the app stops first, as stopped by the user.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Subscription } from "rxjs";
import { type CuffClient, HOST_SOFTWARE } from "../client/client.ts";
import { personSlug } from "../profile/profile.ts";
import { Recorder } from "../record/recorder.ts";
import { endingFromSummary, mergeSets, SetTally, STOPPED_BY_USER } from "../record/session-record.ts";
import type { LinkHub } from "./hub/link-hub.ts";

export interface SessionLogOptions {
  hub: LinkHub;
  upstream: CuffClient;
  folder: string;
  /** Where the cuff is, for the recording's header. */
  source: string;
  /** Whose sessions (a therapist's client); null: the profile's own person. */
  person: string | null;
  now: () => Date;
  /** A recording could not be written: one sentence for the terminal (the session goes on). */
  warn: (sentence: string) => void;
}

function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, "-");
}

export class SessionLog {
  private recorder: Recorder | null = null;
  private tally = new SetTally();
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly o: SessionLogOptions) {
    this.subscriptions.push(
      o.hub.accepted$.subscribe((command) => {
        if (command.type === "start-session") this.open(command.limb, command.plan);
      }),
      o.upstream.telemetry$.subscribe((m) => this.recorder?.write(m)),
      o.upstream.events$.subscribe((e) => {
        if (!this.recorder) return;
        this.recorder.write(e);
        this.tally.fold(e);
        if (e.type === "summary") {
          this.recorder.ended(e.t, endingFromSummary(e.summary), mergeSets(e.summary.sets, this.tally.sets()));
          this.finish();
        }
      }),
    );
  }

  /** The app is stopping: a recording under way ends as stopped by the user. */
  close(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    if (this.recorder) {
      this.recorder.note(null, "interrupted: the cuff app stopped");
      this.recorder.ended(null, STOPPED_BY_USER, this.tally.sets());
    }
    this.finish();
  }

  private open(limb: string, plan: unknown): void {
    this.finish();
    this.tally = new SetTally();
    const startedAt = this.o.now();
    const name = `${fileStamp(startedAt)}-${this.o.person === null ? "" : `${personSlug(this.o.person)}-`}${limb}.jsonl`;
    const path = join(this.o.folder, name);
    const header = { startedAt: startedAt.toISOString(), software: HOST_SOFTWARE, source: this.o.source, limb, plan, person: this.o.person };
    try {
      mkdirSync(this.o.folder, { recursive: true });
      this.recorder = new Recorder(path, header, {
        onFailure: (failure) => this.o.warn(`cuff app: the recording ${path} stopped (${failure.message}); the session goes on`),
      });
    } catch (error) {
      this.o.warn(`cuff app: cannot record this session in ${path} (${(error as Error).message}); the session goes on`);
      this.recorder = null;
    }
  }

  private finish(): void {
    this.recorder?.close();
    this.recorder = null;
  }
}
