/** `cuff session` and, with demo defaults, `cuff demo`. */
import { join } from "node:path";
import { DEFAULT_HOST_SILENCE_SECONDS } from "../../../shared/limits.ts";
import type { Limb, Plan } from "../../../shared/plan.ts";
import type { SessionSummary } from "../../../shared/protocol/index.ts";
import { CuffLinkError } from "../../client/errors.ts";
import { renderSummary } from "../../display/render.ts";
import { LiveDisplay } from "../../display/terminal.ts";
import { initialView } from "../../display/view.ts";
import { lopFreshness, profileDir, ProfileError, ProfileStore } from "../../profile/profile.ts";
import { ensureScreened, ScreenStop } from "../screen.ts";
import type { LineFileFs } from "../../record/line-file.ts";
import type { Recorder } from "../../record/recorder.ts";
import { deflateNow, runSession } from "../../session/runner.ts";
import { InterruptedError } from "../../session/wait.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { checkLinkChoice, type LinkOpener, loadSimScenario, openLink, type OpenLink, parseBaud } from "../link.ts";
import { describePlan, type LopChoice, parseLimb, parseLop, parseSpeed, planFromOptions } from "../plan-options.ts";
import { askYesNo, jsonLine, wireOutput } from "../output.ts";
import { openRecording } from "../recording.ts";

const OPTIONS = {
  port: { type: "string" },
  sim: { type: "boolean" },
  scenario: { type: "string" },
  limb: { type: "string" },
  target: { type: "string" },
  sets: { type: "string" },
  rest: { type: "string" },
  lop: { type: "string" },
  speed: { type: "string" },
  record: { type: "string" },
  "record-required": { type: "boolean" },
  json: { type: "boolean" },
  "profile-dir": { type: "string" },
  screened: { type: "boolean" },
  baud: { type: "string" },
  "host-silence": { type: "string" },
} as const;

export const SESSION_HELP = `Usage: cuff session (--port PATH | --sim [--scenario FILE]) [options]

Runs one blood-flow-restriction exercise: zero the sensor, measure or use the
limb occlusion pressure (LOP), inflate to the target, then sets and reps with
rests in which the cuff STAYS INFLATED, and deflate after the last set. The plan
runs on the cuff itself: if this program or the cable dies, the cuff vents on
its own after 2 s. Ctrl-C vents the cuff before the program exits.
A terminal shows a live display; press Enter to end the current set early.

Where the cuff is:
  --port PATH        serial port of a real cuff, e.g. /dev/ttyUSB0 or COM3 ("cuff ports" lists them)
  --baud N           serial speed of the link (default 115200)
  --sim              the built-in simulated cuff instead of a real one
  --scenario FILE    simulated subject, hardware and faults (JSON, CONTRACTS.md section 3; sim only)
  --speed N          simulated seconds per real second (sim only; default 1 = real time; "max" = as fast as possible)

The exercise:
  --limb arm|leg     where the cuff sits (required with --port; default with --sim: the scenario's limb, else leg)
  --target 60%       pressure as a percentage of LOP (10-90 %), or as --target 150mmHg (10-290 mmHg)
                     (default 50 % on an arm, 80 % on a leg; BFR uses 40-80 %: wide cuffs nearer 40 %)
  --sets 30,15,15,15 reps per set (default 30,15,15,15: 75 reps)
  --rest 30          seconds of rest between sets, cuff inflated (default 30)
  --host-silence vent|continue
                     if this program stops talking mid-session (laptop asleep, crash, cable): vent
                     after 2 s (default), or let the cuff finish the plan on its own and deflate
  --lop auto         auto (default): the LOP in your profile if measured within 30 days, else measure it;
                     measure: measure it now (about 40 s, up to a minute, rarely two; keep the limb still);
                     180: an LOP in mmHg measured elsewhere (e.g. by Doppler); the cuff measures the limb
                     first to check it, refuses it if its reading does not bear it out, and never works
                     above its own reading

Records and output:
  --record FILE      write every telemetry frame and event as JSON lines (real cuffs always record:
                     by default into the profile folder's sessions/). If the recording cannot be
                     written mid-session (a full disk), a warning names the file, the file keeps
                     every line up to then, and the session goes on
  --record-required  end the session instead (this program deflates the cuff) when the recording
                     cannot be written
  --json             one JSON object per line on stdout: the cuff's events as they happen (state, phase,
                     rep, alarm, lop-result), {"type":"link","state":"reconnecting"|"connected"} when the
                     link drops and comes back, then {"type":"summary",...}; nothing else on stdout

Your profile (real cuffs only; the simulated cuff is nobody's limb):
  --profile-dir DIR  where the profile lives (default: $CUFF_PROFILE_DIR, else ~/.config/cuff)
  --screened         confirm that none of the safety-screen conditions applies to you, for runs
                     without a terminal. The screen asks about: a history of deep vein thrombosis or
                     blood clots, varicose veins, pregnancy, peripheral artery disease, circulatory or
                     heart conditions, blood pressure above 180/100, open wounds or infection on the
                     limb, a dialysis access limb, sickle cell disease. If any applies, do not use the
                     cuff before a clinician says it is safe for you.

Exit codes: 0 the session completed; 1 it failed or ended early (the reason is printed), or
its recording could not be written (the summary is printed all the same); 2 bad usage;
130 interrupted with Ctrl-C (the cuff was vented first).

Examples:
  cuff session --port /dev/ttyUSB0 --limb leg --target 70%
  cuff session --port COM3 --limb arm --target 50% --sets 15,15,15,15 --rest 45
  cuff session --sim --speed 20 --json > run.jsonl
  cuff session --sim --scenario scenarios/leg-80.json --record run.jsonl && cuff plot run.jsonl
`;

export interface SessionDefaults {
  demo: boolean;
  /** Fallback speed for the simulated cuff. */
  speed: number;
}

export interface SessionDeps {
  openLink: LinkOpener;
  now: () => Date;
  /** File access for the recording (tests hand in a disk that fills up). */
  files?: LineFileFs;
}

export const DEFAULT_DEPS: SessionDeps = { openLink, now: () => new Date() };

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

export async function runSessionCommand(argv: string[], io: CliIo, defaults: SessionDefaults, deps: SessionDeps): Promise<number> {
  const values = { ...(parseOptions(argv, OPTIONS).values as Values) };
  if (defaults.demo) {
    if (values.port) throw new UsageError('the demo runs on the simulated cuff; for a real cuff use "cuff session --port PATH"');
    values.sim = true;
  }
  checkLinkChoice(values);
  const speed = parseSpeed(values.speed, defaults.speed);
  const sim = values.sim === true;
  const lopChoice = parseLop(values.lop);
  if (!sim && values.limb === undefined) throw new UsageError("say where the cuff is: --limb arm or --limb leg");
  const scenario = sim ? loadSimScenario(values.scenario, values.limb === undefined ? undefined : parseLimb(values.limb, "leg")) : null;
  const limb = parseLimb(values.limb, scenario?.limb ?? "leg");
  const baud = parseBaud(values.baud);

  // the person: screen and LOP (real cuffs only)
  let store: ProfileStore | null = null;
  let lop: "measure" | number;
  let lopNote: string | null = null;
  if (!sim) {
    store = new ProfileStore(profileDir(values["profile-dir"], io.env));
    try {
      await ensureScreened(store, io, { screenedFlag: values.screened === true, now: deps.now() });
      const decided = await decideLop(store, io, limb, lopChoice, deps.now());
      lop = decided.lop;
      lopNote = decided.note;
    } catch (error) {
      if (error instanceof ScreenStop || error instanceof ProfileError) throw new CliError(error.message);
      throw error;
    }
  } else {
    lop = lopChoice === "auto" ? (scenario!.plan.lop ?? "measure") : lopChoice;
  }
  const plan = planFromOptions(values, limb, lop, sim ? scenario!.plan : null);
  const silence = values["host-silence"];
  if (silence !== undefined && silence !== "vent" && silence !== "continue") {
    throw new UsageError(`--host-silence must be vent or continue, got "${silence}"`);
  }

  const recordPath = values.record ?? (store ? join(store.dir, "sessions", `${fileStamp(deps.now())}-${limb}.jsonl`) : null);
  const title = `${defaults.demo ? "cuff demo" : "cuff session"} - ${describePlan(plan, limb)}${sim ? ` - simulated cuff${Number.isFinite(speed) ? ` x${speed}` : " (max speed)"}` : ""}`;
  const link = await deps.openLink({ sim, speed, limb, ...(values.port ? { port: values.port } : {}), ...(values.scenario ? { scenarioPath: values.scenario } : {}), ...(baud ? { baud } : {}) });
  if (lopNote && !values.json) io.stderr.write(lopNote + "\n");
  return followSession(link, io, {
    plan,
    limb,
    title,
    command: defaults.demo ? "cuff demo" : "cuff session",
    json: values.json === true,
    recordPath,
    recordRequired: values["record-required"] === true,
    store,
    source: sim ? `sim:${scenario!.name}` : values.port!,
    now: deps.now,
    ...(silence ? { hostSilence: silence } : {}),
    ...(deps.files ? { files: deps.files } : {}),
  });
}

interface FollowOptions {
  plan: Plan;
  limb: Limb;
  title: string;
  /** "cuff session" or "cuff demo", before a warning. */
  command: string;
  json: boolean;
  recordPath: string | null;
  /** End the session (deflate) when the recording cannot be written, rather than go on. */
  recordRequired: boolean;
  store: ProfileStore | null;
  source: string;
  now: () => Date;
  hostSilence?: "vent" | "continue";
  files?: LineFileFs;
}

const RECORDING_STOP_REASON = "this program deflated the cuff: the recording could not be written";

async function followSession(link: OpenLink, io: CliIo, o: FollowOptions): Promise<number> {
  const { client, clock } = link;
  const abort = new AbortController();
  let recorder: Recorder | null = null;
  let display: LiveDisplay | null = null;
  let measuredLop: number | null = null;
  let vented = false;
  let stopOutput = () => {};
  let stoppedForRecording = false;
  let firmwareSummary: SessionSummary | null = null;
  const offInterrupt = io.onInterrupt(() => abort.abort());
  try {
    if (o.recordPath) {
      recorder = openRecording({
        path: o.recordPath,
        header: { startedAt: o.now().toISOString(), software: "cuff-host 0.1", source: o.source, limb: o.limb, plan: o.plan },
        command: o.command,
        io,
        then: o.recordRequired ? "the session ends: this program deflates the cuff now" : "the session goes on",
        display: () => display,
        onFailure: () => {
          // a session already over (its summary in) has nothing left to stop
          if (!o.recordRequired || firmwareSummary !== null) return;
          stoppedForRecording = true;
          abort.abort();
        },
        ...(o.files ? { fs: o.files } : {}),
      });
    }
    if (!o.json) display = new LiveDisplay(io.stdout, initialView(o.title, o.limb, o.plan), io.env);
    stopOutput = wireOutput(link, io, { json: o.json, display, recorder });
    client.events$.subscribe((e) => {
      if (e.type === "lop-result" && e.ok && e.mmhg !== null) measuredLop = e.mmhg;
      if (e.type === "summary") firmwareSummary = e.summary;
    });
    const stopEnter =
      display?.tty && io.stdin.isTTY
        ? listenForEnter(io, () => {
            display!.inputEchoed();
            if (display!.view.phase === "set") client.setDone().catch(() => undefined);
          })
        : () => {};
    let summary: SessionSummary;
    try {
      summary = await runSession({
        client,
        clock,
        limb: o.limb,
        plan: o.plan,
        signal: abort.signal,
        ...(o.hostSilence ? { hostSilence: { policy: o.hostSilence, timeoutSeconds: DEFAULT_HOST_SILENCE_SECONDS } } : {}),
      });
      vented = true;
    } finally {
      stopEnter();
    }
    if (measuredLop !== null && o.store) o.store.recordLop(o.limb, measuredLop, "measured", o.now());
    display?.finish();
    const recordingError = recorder?.failure ? { recordingError: recorder.failure.reason } : {};
    if (o.json) {
      io.stdout.write(jsonLine({ type: "summary", ...summary, recording: o.recordPath, ...recordingError }));
    } else {
      io.stdout.write("\n" + renderSummary(summary).join("\n") + "\n");
      if (o.recordPath) io.stdout.write(`  recording:    ${o.recordPath} ${recorder?.failure ? `(incomplete: ${recorder.failure.reason})` : `(draw it with: cuff plot ${o.recordPath})`}\n`);
    }
    if (!summary.ok) throw new CliError(`the session ended early: ${summary.endReason}`);
    return recorder?.failure ? 1 : 0;
  } catch (error) {
    const recordingStop = error instanceof InterruptedError && stoppedForRecording;
    const interrupted = error instanceof InterruptedError && !recordingStop;
    if (!vented) {
      const result = await deflateNow(client, clock);
      display?.finish();
      recorder?.note(clock.nowSeconds(), interrupted ? "interrupted: deflating" : `failed: ${(error as Error).message}`);
      const message = interrupted
        ? result.ok
          ? `interrupted: the cuff is ${result.detail}`
          : `interrupted: could not confirm the cuff vented (${result.detail}); it vents on its own after 2 s without this program`
        : null;
      if (message && !o.json) io.stderr.write(message + "\n");
      // the firmware's summary of a session this program ended for its recording
      const ended = recordingStop ? { ...(firmwareSummary ?? {}), recordingError: recorder?.failure?.reason } : {};
      if (o.json) {
        const endReason = interrupted ? "interrupted" : recordingStop ? RECORDING_STOP_REASON : (error as Error).message;
        io.stdout.write(jsonLine({ type: "summary", ...ended, ok: false, endReason, vented: result.ok, recording: o.recordPath }));
      } else if (recordingStop && firmwareSummary) {
        io.stdout.write("\n" + renderSummary({ ...(firmwareSummary as SessionSummary), ok: false, endReason: RECORDING_STOP_REASON }).join("\n") + "\n");
      }
    }
    display?.finish();
    if (interrupted) return 130;
    if (recordingStop) throw new CliError("the session ended early: its recording could not be written");
    if (error instanceof CuffLinkError) throw new CliError(error.message);
    throw error;
  } finally {
    stopOutput();
    offInterrupt();
    recorder?.close();
    await link.close();
  }
}

/** Which LOP the plan uses: the profile's when recent, else measure; a stale one is offered for re-measurement. */
async function decideLop(
  store: ProfileStore,
  io: CliIo,
  limb: Limb,
  choice: LopChoice,
  now: Date,
): Promise<{ lop: "measure" | number; note: string | null }> {
  if (typeof choice === "number") {
    store.recordLop(limb, choice, "entered", now);
    return { lop: choice, note: null };
  }
  if (choice === "measure") return { lop: "measure", note: null };
  const fresh = lopFreshness(store.load(), limb, now);
  if (fresh.kind === "none") return { lop: "measure", note: `No LOP for your ${limb} in the profile yet: measuring it first (keep the limb still).` };
  if (fresh.kind === "fresh") {
    return { lop: fresh.record.mmhg, note: `Using your ${limb} LOP of ${fresh.record.mmhg} mmHg from ${fresh.record.measuredAt.slice(0, 10)} (${fresh.ageDays} days ago); the cuff measures the limb to check it.` };
  }
  const question = `Your ${limb} LOP (${fresh.record.mmhg} mmHg) was measured ${fresh.ageDays} days ago. Re-measure it now? [Y/n] `;
  if (io.stdin.isTTY) {
    const remeasure = await askYesNo(io, question, true);
    return remeasure ? { lop: "measure", note: null } : { lop: fresh.record.mmhg, note: `Using the ${fresh.ageDays}-day-old LOP of ${fresh.record.mmhg} mmHg.` };
  }
  return { lop: "measure", note: `Your ${limb} LOP is ${fresh.ageDays} days old: measuring it again (keep the limb still).` };
}

function listenForEnter(io: CliIo, onEnter: () => void): () => void {
  const onData = (chunk: Buffer | string) => {
    if (String(chunk).includes("\n") || String(chunk).includes("\r")) onEnter();
  };
  io.stdin.on("data", onData);
  io.stdin.resume();
  return () => {
    io.stdin.off("data", onData);
    io.stdin.pause();
  };
}

function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/:/g, "-");
}

export function makeSessionCommand(deps: SessionDeps = DEFAULT_DEPS): Command {
  return {
    name: "session",
    summary: "a session on a real cuff (--port PATH) or the simulated cuff (--sim)",
    help: SESSION_HELP,
    run: (argv, io) => runSessionCommand(argv, io, { demo: false, speed: 1 }, deps),
  };
}

export const sessionCommand = makeSessionCommand();
