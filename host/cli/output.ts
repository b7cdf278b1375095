/** Where a running command's link traffic goes: the live display, the recording, JSON lines. */
import type { FirmwareMessage } from "../../shared/protocol/index.ts";
import type { LiveDisplay } from "../display/terminal.ts";
import type { FileWriteError } from "../record/line-file.ts";
import type { Recorder } from "../record/recorder.ts";
import type { CliIo } from "./io.ts";
import { LineReader } from "./prompt.ts";
import type { OpenLink } from "./link.ts";

export function jsonLine(value: object): string {
  return JSON.stringify(value) + "\n";
}

/** A firmware message without its link envelope (v, seq). */
export function messageBody(message: FirmwareMessage): Record<string, unknown> {
  const { v: _v, seq: _seq, ...body } = message;
  return body;
}

export interface OutputTargets {
  json: boolean;
  /** Also write each telemetry frame as a JSON line (cuff monitor). */
  jsonTelemetry?: boolean;
  display: LiveDisplay | null;
  recorder: Recorder | null;
}

/**
 * The one sentence about a file that stopped being written: which file, why,
 * what it kept, and what happens now ("the session goes on").
 */
export function fileFailureWarning(failure: FileWriteError, keptUpToSeconds: number | null, then: string): string {
  const kept = keptUpToSeconds === null ? "nothing of the run was kept in it" : `it keeps what was written up to ${keptUpToSeconds.toFixed(2)} s`;
  return `warning: ${failure.message}; ${kept}, and ${then}`;
}

/** Subscribe the outputs to the link; returns the unsubscribe. */
export function wireOutput(link: OpenLink, io: CliIo, targets: OutputTargets): () => void {
  const { client } = link;
  const subs = [
    client.telemetry$.subscribe((m) => {
      targets.recorder?.write(m);
      targets.display?.telemetry(m);
      if (targets.json && targets.jsonTelemetry) io.stdout.write(jsonLine(messageBody(m)));
    }),
    client.events$.subscribe((e) => {
      targets.recorder?.write(e);
      targets.display?.event(e);
      if (targets.json && e.type !== "summary") io.stdout.write(jsonLine(messageBody(e)));
    }),
    client.status$.subscribe((s) => targets.recorder?.write(s)),
    client.connection$.subscribe((state) => {
      if (state === "reconnecting") {
        targets.recorder?.note(link.clock.nowSeconds(), "link lost, reconnecting");
        targets.display?.link("reconnecting");
        if (targets.json) io.stdout.write(jsonLine({ type: "link", state: "reconnecting" }));
        else if (!targets.display) io.stderr.write("link to the cuff lost: reconnecting\n");
      }
      if (state === "connected" && client.firmware) {
        targets.display?.link("connected");
      }
    }),
    client.notices$.subscribe((n) => {
      if (n.kind === "connected" && n.reconnect) {
        targets.recorder?.note(link.clock.nowSeconds(), n.firmwareRestarted ? "reconnected: the firmware had restarted" : "reconnected and resynchronised");
        if (targets.json) io.stdout.write(jsonLine({ type: "link", state: "connected", firmwareRestarted: n.firmwareRestarted }));
      }
    }),
  ];
  return () => {
    for (const s of subs) s.unsubscribe();
  };
}

/** Ask on the terminal; Enter takes the default. */
export async function askYesNo(io: CliIo, question: string, fallback: boolean): Promise<boolean> {
  const reader = new LineReader(io.stdin, io.stderr);
  try {
    for (;;) {
      const raw = await reader.ask(question);
      if (raw === null) return fallback;
      const a = raw.trim().toLowerCase();
      if (a === "") return fallback;
      if (a.startsWith("y")) return true;
      if (a.startsWith("n")) return false;
    }
  } finally {
    reader.close();
  }
}
