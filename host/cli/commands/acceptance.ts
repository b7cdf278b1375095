/** `cuff acceptance`: the bench acceptance walk-through of hardware/CALIBRATION.md, recorded as JSON. */
import { basename, join } from "node:path";
import { type AcceptanceRecord, type StepResult, writeAcceptanceRecord } from "../../acceptance/record.ts";
import { type Bench, walkThrough } from "../../acceptance/walk.ts";
import { HOST_SOFTWARE } from "../../client/client.ts";
import { profileDir } from "../../profile/profile.ts";
import { FileWriteError } from "../../record/line-file.ts";
import { deflateNow } from "../../session/runner.ts";
import { InterruptedError } from "../../session/wait.ts";
import { parseDecimal } from "../../../shared/decimal.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { LINK_HELP, LINK_OPTIONS, linkChoiceFrom, type LinkOpener, openLink, type OpenLink } from "../link.ts";
import { jsonLine } from "../output.ts";
import { parseSpeed } from "../plan-options.ts";
import { LineReader } from "../prompt.ts";

const HELP = `Usage: cuff acceptance (--port PATH | --sim [--scenario FILE]) [options]

Walks through the bench acceptance test of hardware/CALIBRATION.md and records
the result. Do not put the cuff on a person until every step passes.

  1 zero         the firmware zeroes the sensor; 10 s of readings: mean within +-0.5 mmHg, SD <= 0.3 mmHg
                 (the second sensor, when the firmware reports it: SD <= 0.6 mmHg)
  2-4 span       the cuff holds 100, 200 and 290 mmHg and you type the reference gauge's reading:
                 |device - gauge| <= 3 mmHg (the "300" point is checked at 290 mmHg: the firmware holds
                 at most 10 mmHg below its 300 mmHg ceiling); the second sensor, when reported, the same
                 and within 3 mmHg of the first
  5 leak         by hand with the bulb, exhaust plugged, at 300 mmHg: drop under 10 mmHg/min
  6 relief       by hand with the bulb past 300 mmHg: the relief valve opens at 300-330 mmHg
  7 deflation    the cuff holds 260 mmHg and the firmware vents it: under 15 mmHg within 10 s
                 (aim 5 s on the thigh cuff); timed from the telemetry, which reads low while
                 venting fast, so on a real cuff the figure is a lower bound
  8 guard        at 150 mmHg you pull the board's USB cable: the firmware reports it and the gauge
                 reads under 15 mmHg 10 s later

On the simulated cuff the "gauge" is the simulator's true cuff pressure, the
cable is pulled by the program, and steps 5-6 are marked manual: the whole
walk-through runs unattended. Ctrl-C vents the cuff before the program exits.

${LINK_HELP.replace('(sim only; default 1;', '(sim only; default max;')}

  --record FILE      where to write the record (JSON; default: the profile folder's acceptance/)
  --profile-dir DIR  the profile folder (default: $CUFF_PROFILE_DIR, else ~/.config/cuff)
  --skip-manual      without a terminal: run only the steps that need nobody at the bench (zero,
                     deflation) and record the others as skipped
  --json             one JSON object per line on stdout: {"type":"step",...} as each step is judged,
                     then {"type":"summary",...}; instructions go to stderr

Exit codes: 0 every step passed (or was manual/skipped as allowed); 1 a step failed, the cuff
could not be reached, there is no terminal for the readings, or the record could not be
written (a warning names the file; the results are printed all the same); 2 bad usage;
130 interrupted with Ctrl-C (the cuff was vented first).

Examples:
  cuff acceptance --port /dev/pts/5
  cuff acceptance --port /dev/ttyUSB0 --record build-7-acceptance.json
  cuff acceptance --sim --json
  cuff acceptance --sim --scenario scenarios/leg-press-80-lop.json --speed 20
`;

const OPTIONS = {
  ...LINK_OPTIONS,
  record: { type: "string" },
  "profile-dir": { type: "string" },
  "skip-manual": { type: "boolean" },
  json: { type: "boolean" },
} as const;

export interface AcceptanceDeps {
  openLink: LinkOpener;
  now: () => Date;
}

export function makeAcceptanceCommand(deps: AcceptanceDeps = { openLink, now: () => new Date() }): Command {
  return {
    name: "acceptance",
    summary: "walk through the bench acceptance test of hardware/CALIBRATION.md and record it",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, OPTIONS);
      const choice = { ...linkChoiceFrom(values, undefined, Number.POSITIVE_INFINITY, parseSpeed), bench: true };
      const person = !choice.sim && io.stdin.isTTY === true;
      const skipManual = values["skip-manual"] === true;
      if (!choice.sim && !person && !skipManual) {
        throw new CliError("there is no terminal to type the gauge readings on: run cuff acceptance at a terminal, or add --skip-manual to run only the steps that need nobody at the bench");
      }
      const startedAt = deps.now();
      const recordPath =
        values.record ??
        join(profileDir(values["profile-dir"], io.env), "acceptance", `${startedAt.toISOString().slice(0, 19).replace(/:/g, "-")}-${choice.sim ? "simulated" : basename(choice.port!)}.json`);
      const json = values.json === true;
      const talk = json ? io.stderr : io.stdout;
      const link = await deps.openLink(choice);
      const reader = person ? new LineReader(io.stdin, talk) : null;
      const abort = new AbortController();
      const offInterrupt = io.onInterrupt(() => abort.abort());
      const steps: StepResult[] = [];
      let interrupted = false;
      try {
        const bench = makeBench(link, choice.sim, reader, (text) => talk.write(text + "\n"));
        try {
          await walkThrough({
            client: link.client,
            clock: link.clock,
            bench,
            signal: abort.signal,
            now: deps.now,
            onStep(step) {
              steps.push(step);
              io.stdout.write(json ? jsonLine({ type: "step", ...step }) : describeStep(step));
            },
          });
        } catch (error) {
          if (!(error instanceof InterruptedError)) throw error;
          interrupted = true;
        }
        await ventIfInflated(link, io, json, interrupted);
        const ok = !interrupted && steps.every((s) => s.verdict === "pass" || s.verdict === "manual" || (s.verdict === "skipped" && skipManual));
        const record: AcceptanceRecord = {
          type: "acceptance",
          software: HOST_SOFTWARE,
          source: link.sim && choice.sim ? `sim:${link.sim.scenario.name}` : link.label,
          startedAt: startedAt.toISOString(),
          finishedAt: deps.now().toISOString(),
          ok,
          steps,
        };
        // a record that cannot be written is a warning: the results below are still the results
        let recordError: string | null = null;
        try {
          writeAcceptanceRecord(recordPath, record);
        } catch (error) {
          if (!(error instanceof FileWriteError)) throw error;
          recordError = error.reason;
          io.stderr.write(`cuff acceptance: warning: ${error.message}; the results follow.\n`);
        }
        const count = (v: StepResult["verdict"]) => steps.filter((s) => s.verdict === v).length;
        if (json) {
          io.stdout.write(jsonLine({ type: "summary", ok, interrupted, passed: count("pass"), failed: count("fail"), skipped: count("skipped"), manual: count("manual"), record: recordPath, ...(recordError ? { recordError } : {}) }));
        } else {
          io.stdout.write(
            `\n${ok ? "ACCEPTED" : interrupted ? "INTERRUPTED" : "NOT ACCEPTED"}: ${count("pass")} passed, ${count("fail")} failed, ${count("skipped")} skipped, ${count("manual")} by hand.\n` +
              `Record: ${recordPath}${recordError ? ` (not written: ${recordError})` : ""}\n`,
          );
        }
        if (interrupted) return 130;
        return ok && !recordError ? 0 : 1;
      } finally {
        offInterrupt();
        reader?.close();
        await link.close();
      }
    },
  };
}

function makeBench(link: OpenLink, sim: boolean, reader: LineReader | null, say: (text: string) => void): Bench {
  const plant = sim ? link.sim?.plant : undefined;
  const board = sim ? link.sim?.stack.board : undefined;
  return {
    person: reader !== null,
    say,
    async confirm(prompt) {
      return reader !== null && (await reader.ask(prompt)) !== null;
    },
    async askMmhg(prompt) {
      if (!reader) return null;
      for (let line = await reader.ask(prompt); line !== null; line = await reader.ask("Type the reading as a number of mmHg, e.g. 198: ")) {
        const value = parseDecimal(line.replace(/\s*mmhg\s*$/i, ""));
        if (value !== null && value >= -50 && value <= 400) return value;
      }
      return null;
    },
    gaugeMmhg: plant ? () => plant.trueMmhg() : null,
    pullBoardCable: board ? () => board.unplug() : null,
  };
}

function describeStep(step: StepResult): string {
  const label = { pass: "PASS", fail: "FAIL", skipped: "SKIPPED", manual: "MANUAL" }[step.verdict];
  const figure = step.measured === null ? "" : `: ${step.measured} ${step.unit}`;
  return `  ${label.padEnd(7)} ${step.name}${figure} (limit: ${step.limit})\n          ${step.detail}\n`;
}

/** A walk that stopped mid-hold (a failure or Ctrl-C) leaves the cuff vented before exiting. */
async function ventIfInflated(link: OpenLink, io: CliIo, json: boolean, interrupted: boolean): Promise<void> {
  const state = link.client.state;
  if (!link.client.connected || state === "vented" || state === "fault") return;
  const result = await deflateNow(link.client, link.clock);
  const message = result.ok ? `The cuff is ${result.detail}.` : `Could not confirm the cuff vented (${result.detail}); it vents on its own 2 s after it stops hearing from this program.`;
  if (interrupted || !result.ok || !json) io.stderr.write(message + "\n");
}

export const acceptanceCommand = makeAcceptanceCommand();
