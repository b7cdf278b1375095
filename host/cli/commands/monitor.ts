/** `cuff monitor`: live telemetry until interrupted. */
import { LiveDisplay } from "../../display/terminal.ts";
import { initialView } from "../../display/view.ts";
import type { LineFileFs } from "../../record/line-file.ts";
import type { Recorder } from "../../record/recorder.ts";
import { deflateNow } from "../../session/runner.ts";
import { type Command, parseNumberOption, parseOptions } from "../command.ts";
import { CliError } from "../errors.ts";
import { LINK_HELP, LINK_OPTIONS, linkChoiceFrom, type LinkOpener, openLink } from "../link.ts";
import { jsonLine, wireOutput } from "../output.ts";
import { openRecording } from "../recording.ts";
import { parseSpeed } from "../plan-options.ts";

const HELP = `Usage: cuff monitor (--board PATH | --port PATH | --sim) [options]

Shows the cuff's live telemetry (pressure, target, state, phase, pump and vent)
and its events until you press Ctrl-C. On exit, a cuff that is still inflated is
vented: while this program is connected its heartbeats keep the cuff's
host-silence timer from venting it.

${LINK_HELP}

  --seconds N        stop after N seconds instead of waiting for Ctrl-C
  --record FILE      write every telemetry frame and event as JSON lines (if it cannot be written,
                     a warning names the file, it keeps every line up to then, and monitoring goes on)
  --json             one JSON object per line: every telemetry frame (20 per second) and event,
                     then {"type":"summary","ok":true,"frames":...,"seconds":...,"state":...,"vented":...,"detail":...}

Exit codes: 0 stopped by Ctrl-C or --seconds, 1 the link failed or the recording could not be
written, 2 bad usage.

Examples:
  cuff monitor --board /dev/ttyUSB0
  cuff monitor --board /dev/ttyACM0 --json --seconds 10 > frames.jsonl
`;

/** files: file access for the recording (tests hand in a disk that fills up). */
export function makeMonitorCommand(open: LinkOpener = openLink, files?: LineFileFs): Command {
  return {
    name: "monitor",
    summary: "live telemetry until interrupted",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, { ...LINK_OPTIONS, seconds: { type: "string" }, record: { type: "string" }, json: { type: "boolean" } });
      const seconds = parseNumberOption("seconds", values.seconds, 0.1, 86_400);
      const choice = linkChoiceFrom(values, undefined, 1, parseSpeed);
      const link = await open(choice);
      let recorder: Recorder | null = null;
      let frames = 0;
      try {
        let display: LiveDisplay | null = null;
        if (values.record) {
          recorder = openRecording({
            path: values.record,
            header: { startedAt: new Date().toISOString(), software: "cuff-host 0.1", source: link.label, limb: null, plan: null },
            command: "cuff monitor",
            io,
            then: "monitoring goes on",
            display: () => display,
            ...(files ? { fs: files } : {}),
          });
        }
        display = values.json ? null : new LiveDisplay(io.stdout, initialView(`cuff monitor - ${link.label}`, null, null), io.env);
        const count = link.client.telemetry$.subscribe(() => frames++);
        const stop = wireOutput(link, io, { json: values.json === true, jsonTelemetry: true, display, recorder });
        const startedAt = link.clock.nowSeconds();
        let offInterrupt = () => {};
        let timer: { cancel(): void } | null = null;
        const reason = await new Promise<string>((resolve) => {
          offInterrupt = io.onInterrupt(() => resolve("interrupted"));
          if (seconds !== undefined) timer = link.clock.schedule(seconds, () => resolve("time"));
          link.client.connection$.subscribe({ complete: () => resolve("closed") });
        });
        offInterrupt();
        (timer as { cancel(): void } | null)?.cancel();
        stop();
        count.unsubscribe();
        display?.finish();
        if (reason === "closed") throw new CliError(link.client.failure?.message ?? "the link to the cuff closed");
        let vented = link.client.state === "vented";
        let detail = "";
        if (!vented) {
          const result = await deflateNow(link.client, link.clock);
          vented = result.ok;
          detail = result.detail;
          if (!values.json) io.stderr.write(result.ok ? `The cuff was inflated: it is now ${result.detail}.\n` : `Could not confirm the cuff vented: ${result.detail}\n`);
        }
        const elapsed = link.clock.nowSeconds() - startedAt;
        const recordingError = recorder?.failure ? { recordingError: recorder.failure.reason } : {};
        if (values.json) io.stdout.write(jsonLine({ type: "summary", ok: true, frames, seconds: Number(elapsed.toFixed(2)), state: link.client.state, vented, detail, ...recordingError }));
        else io.stdout.write(`${frames} telemetry frames in ${elapsed.toFixed(1)} s.\n`);
        return recorder?.failure ? 1 : 0;
      } finally {
        recorder?.close();
        await link.close();
      }
    },
  };
}

export const monitorCommand = makeMonitorCommand();
