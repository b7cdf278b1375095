/**
 * Every session run from the app, recorded as `cuff session` records one: a
 * recording opens when the cuff accepts a start-session (from any page) and
 * closes at the firmware's summary, or when the app stops.
 */
import type { Subscription } from "rxjs";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import type { CuffClient } from "../client/client.ts";
import { HOST_SOFTWARE } from "../client/client.ts";
import { Recorder } from "../record/recorder.ts";
import type { LinkHub } from "./hub/link-hub.ts";

export interface SessionLogOptions {
  hub: LinkHub;
  upstream: CuffClient;
  folder: string;
  /** Where the cuff is, for the recording's header. */
  source: string;
  now: () => Date;
  /** A recording could not be written: one sentence for the terminal (the session goes on). */
  warn: (sentence: string) => void;
}

function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, "-");
}

export class SessionLog {
  private recorder: Recorder | null = null;
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly o: SessionLogOptions) {
    this.subscriptions.push(
      o.hub.accepted$.subscribe((command) => {
        if (command.type === "start-session") this.open(command.limb, command.plan);
      }),
      o.upstream.telemetry$.subscribe((m) => this.recorder?.write(m)),
      o.upstream.events$.subscribe((e) => {
        this.recorder?.write(e);
        if (e.type === "summary") this.finish();
      }),
    );
  }

  /** The app is stopping: close the recording under way, saying so in it. */
  close(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.recorder?.note(null, "the cuff app stopped");
    this.finish();
  }

  private open(limb: string, plan: unknown): void {
    this.finish();
    const startedAt = this.o.now();
    const path = join(this.o.folder, `${fileStamp(startedAt)}-${limb}.jsonl`);
    try {
      mkdirSync(this.o.folder, { recursive: true });
      this.recorder = new Recorder(path, { startedAt: startedAt.toISOString(), software: HOST_SOFTWARE, source: this.o.source, limb, plan }, {
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
