/** `cuff session` and, with demo defaults, `cuff demo`. */
import { dirname, join } from "node:path";
import { DEFAULT_HOST_SILENCE_SECONDS } from "../../../shared/limits.ts";
import type { Limb, Plan } from "../../../shared/plan.ts";
import type { SessionSummary } from "../../../shared/protocol/index.ts";
import { CuffLinkError } from "../../client/errors.ts";
import { renderSummary } from "../../display/render.ts";
import { LiveDisplay } from "../../display/terminal.ts";
import { initialView } from "../../display/view.ts";
import { dataDir, moveOldRecordings, sessionsDir } from "../../profile/data-dir.ts";
import { lopFreshness, personSlug, profileDir, ProfileError, ProfileStore } from "../../profile/profile.ts";
import { parsePerson } from "../records-folder.ts";
import { endingFromSummary, linkFailed, mergeSets, type SessionEnding, SetTally, type SetRecord, STOPPED_BY_USER } from "../../record/session-record.ts";
import { ensureScreened, ScreenStop } from "../screen.ts";
import type { LineFileFs } from "../../record/line-file.ts";
import type { Recorder } from "../../record/recorder.ts";
import { deflateNow, runSession } from "../../session/runner.ts";
import { InterruptedError } from "../../session/wait.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { checkLinkChoice, type LinkOpener, loadSimScenario, openLink, type OpenLink, parseBaud } from "../link.ts";
import { describePlan, type LopChoice, parseLimb, parseLop, parseSpeed, PLAN_OPTIONS, PLAN_HELP, planFromOptions } from "../plan-options.ts";
import { askYesNo, jsonLine, wireOutput } from "../output.ts";
import { openRecording } from "../recording.ts";

const OPTIONS = {
  board: { type: "string" },
  port: { type: "string" },
  sim: { type: "boolean" },
  scenario: { type: "string" },
  limb: { type: "string" },
  ...PLAN_OPTIONS,
  lop: { type: "string" },
  speed: { type: "string" },
  record: { type: "string" },
  "record-required": { type: "boolean" },
  json: { type: "boolean" },
  person: { type: "string" },
  "profile-dir": { type: "string" },
  "data-dir": { type: "string" },
  screened: { type: "boolean" },
  baud: { type: "string" },
  "host-silence": { type: "string" },
} as const;

export const SESSION_HELP = `Usage: cuff session (--board PATH | --port PATH | --sim [--scenario FILE]) [options]

Runs one blood-flow-restriction exercise: zero the sensor, measure or use the
limb occlusion pressure (LOP), inflate to the target, then the plan: sets and
reps with rests in which the cuff STAYS INFLATED, a continuous hold, or cycles;
deflate at the end. The plan runs on the cuff's controller: if this program or
the cable dies, the board vents the cuff on its own. Ctrl-C vents the cuff
before the program exits. A terminal shows a live display; press Enter to end
the current set early.

Where the cuff is (one of):
  --board PATH       the cuff's board on USB, e.g. /dev/ttyUSB0 or COM3 ("cuff ports" says which):
                     the controller runs in this program (one command, nothing else to start)
  --port PATH        a cuff link served elsewhere: "cuff firmware --link ...", Bluetooth SPP
  --baud N           serial speed of a --port link (default 115200)
  --sim              the built-in simulated cuff instead of a real one
  --scenario FILE    simulated subject, hardware, plan and faults (JSON, docs/formats.md; sim only)
  --speed N          simulated seconds per real second (sim only; default 1 = real time; "max" = as fast as possible)

The exercise:
  --limb arm|leg     where the cuff sits (required with --board and --port; default with --sim:
                     the scenario's limb, else leg)
${PLAN_HELP}
  --host-silence vent|continue
                     if this program stops talking mid-session (laptop asleep, crash, cable): vent
                     after 2 s (default), or let the cuff finish the plan on its own and deflate
  --lop auto         auto (default): the LOP in your profile if measured within 30 days, else measure it;
                     measure: measure it now (about 40 s, up to a minute, rarely two; keep the limb still);
                     180: an LOP in mmHg measured elsewhere (e.g. by Doppler); the cuff measures the limb
                     first to check it, refuses it if its reading does not bear it out, and never works
                     above its own reading
A scenario file's plan is used as it is: options of another --mode are refused, not mixed in.

Records and output:
  --record FILE      write every telemetry frame and event as JSON lines, ending with how the session
                     ended (real cuffs always record: by default into the data folder's sessions/;
                     "cuff history" lists them). If the recording cannot be written mid-session (a
                     full disk), a warning names the file, the file keeps every line up to then, and
                     the session goes on
  --record-required  end the session instead (this program deflates the cuff) when the recording
                     cannot be written
  --json             one JSON object per line on stdout: the cuff's events as they happen (state, phase,
                     rep, alarm, lop-result), {"type":"link","state":"reconnecting"|"connected"} when the
                     link drops and comes back, then {"type":"summary",...} with "outcome" (completed,
                     stopped, fault, ended-early, failed), "fault" (the alarm kind or null), "sets" (each
                     with planned and counted reps, a set cut short included) and "recording";
                     nothing else on stdout

Your profile (real cuffs only; the simulated cuff is nobody's limb):
  --person NAME      whose session: a profile and recordings per person (for a therapist with several
                     clients; default: the profile folder's own person)
  --profile-dir DIR  where profiles live (default: $CUFF_PROFILE_DIR, else ~/.config/cuff); given, it
                     also keeps the recordings
  --data-dir DIR     where recordings go (default: $CUFF_DATA_DIR, else ~/.local/share/cuff)
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
  cuff session --board /dev/ttyUSB0 --limb leg --target 70%
  cuff session --board COM3 --limb arm --target 50% --sets 15,15,15,15 --rest 45 --person "Ana"
  cuff session --board /dev/ttyUSB0 --limb leg --mode continuous --minutes 10 --target 60%
  cuff session --board /dev/ttyUSB0 --limb arm --mode cycle --on 30 --off 5 --cycles 5 --target 50%
  cuff session --sim --speed 20 --json > run.jsonl
  cuff session --sim --scenario scenarios/leg-press-80-lop.json --record run.jsonl && cuff plot run.jsonl
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
    if (values.port || values.board) throw new UsageError('the demo runs on the simulated cuff; for a real cuff use "cuff session --board PATH"');
    values.sim = true;
  }
  checkLinkChoice(values);
  const speed = parseSpeed(values.speed, defaults.speed);
  const sim = values.sim === true;
  const lopChoice = parseLop(values.lop);
  if (!sim && values.limb === undefined) throw new UsageError("say where the cuff is: --limb arm or --limb leg");
  const scenario = sim ? loadSimScenario(values.scenario, values.limb === undefined ? undefined : parseLimb(values.limb, "leg")) : null;
  const limb = parseLimb(values.limb, scenario?.limb ?? "leg");
  const basePlan = scenario?.planGiven ? scenario.plan : null;
  // every plan option is checked before anything is asked or measured
  planFromOptions(values, limb, "measure", basePlan);
  const baud = parseBaud(values.baud);
  const silence = values["host-silence"];
  if (silence !== undefined && silence !== "vent" && silence !== "continue") {
    throw new UsageError(`--host-silence must be vent or continue, got "${silence}"`);
  }
  const person = sim ? null : parsePerson(values.person);

  // the person: screen and LOP (real cuffs only)
  let store: ProfileStore | null = null;
  let lop: "measure" | number;
  let lopNote: string | null = null;
  let recordsDir: string | null = null;
  if (!sim) {
    const folder = profileDir(values["profile-dir"], io.env);
    store = new ProfileStore(folder, person);
    recordsDir = sessionsDir(dataDir({ dataDirFlag: values["data-dir"], profileDirFlag: values["profile-dir"] }, io.env));
    try {
      const moved = moveOldRecordings(folder, dirname(recordsDir));
      if (moved > 0) io.stderr.write(`Moved ${moved} recording(s) from ${join(folder, "sessions")} to ${recordsDir}.\n`);
      await ensureScreened(store, io, { screenedFlag: values.screened === true, now: deps.now() });
      const decided = await decideLop(store, io, limb, lopChoice, deps.now());
      lop = decided.lop;
      lopNote = decided.note;
    } catch (error) {
      if (error instanceof ScreenStop || error instanceof ProfileError) throw new CliError(error.message);
      if ((error as NodeJS.ErrnoException).code) throw new CliError(`cannot move the old recordings: ${(error as Error).message}`);
      throw error;
    }
  } else {
    lop = lopChoice === "auto" ? (scenario!.plan.lop ?? "measure") : lopChoice;
  }
  const plan = planFromOptions(values, limb, lop, basePlan);

  const recordName = `${fileStamp(deps.now())}-${person === null ? "" : `${personSlug(person)}-`}${limb}.jsonl`;
  const recordPath = values.record ?? (recordsDir ? join(recordsDir, recordName) : null);
  const title = `${defaults.demo ? "cuff demo" : "cuff session"} - ${person ? `${person}, ` : ""}${describePlan(plan, limb)}${sim ? ` - simulated cuff${Number.isFinite(speed) ? ` x${speed}` : " (max speed)"}` : ""}`;
  const link = await deps.openLink({
    sim,
    speed,
    limb,
    ...(values.port ? { port: values.port } : {}),
    ...(values.board ? { board: values.board } : {}),
    ...(values.scenario ? { scenarioPath: values.scenario } : {}),
    ...(baud ? { baud } : {}),
  });
  if (lopNote && !values.json) io.stderr.write(lopNote + "\n");
  return followSession(link, io, {
    plan,
    limb,
    person,
    title,
    command: defaults.demo ? "cuff demo" : "cuff session",
    json: values.json === true,
    recordPath,
    recordRequired: values["record-required"] === true,
    store,
    source: sim ? `sim:${scenario!.name}` : (values.board ?? values.port!),
    now: deps.now,
    ...(silence ? { hostSilence: silence } : {}),
    ...(deps.files ? { files: deps.files } : {}),
  });
}

interface FollowOptions {
  plan: Plan;
  limb: Limb;
  person: string | null;
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
  let vented = false;
  let stopOutput = () => {};
  let stoppedForRecording = false;
  let firmwareSummary: SessionSummary | null = null;
  const tally = new SetTally();
  const offInterrupt = io.onInterrupt(() => abort.abort());
  const watch = client.events$.subscribe((e) => {
    tally.fold(e);
    if (e.type === "summary") firmwareSummary = e.summary;
    // saved the moment it is measured: a session interrupted later still leaves it in the profile
    if (e.type === "lop-result" && e.ok && e.mmhg !== null) o.store?.recordLop(o.limb, e.mmhg, "measured", o.now());
  });
  const finish = (ending: SessionEnding, sets: SetRecord[]) => {
    recorder?.ended(clock.nowSeconds(), ending, sets);
    return { outcome: ending.outcome, fault: ending.fault, ended: ending.text, sets, person: o.person, recording: o.recordPath };
  };
  try {
    if (o.recordPath) {
      recorder = openRecording({
        path: o.recordPath,
        header: { startedAt: o.now().toISOString(), software: "cuff-host 0.1", source: o.source, limb: o.limb, plan: o.plan, person: o.person },
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
    const ending = endingFromSummary(summary);
    const record = finish(ending, mergeSets(summary.sets, tally.sets()));
    display?.finish();
    const recordingError = recorder?.failure ? { recordingError: recorder.failure.reason } : {};
    if (o.json) {
      io.stdout.write(jsonLine({ type: "summary", ...summary, ...record, ...recordingError }));
    } else {
      io.stdout.write("\n" + renderSummary(summary, { ending, sets: record.sets }).join("\n") + "\n");
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
      const ending = interrupted ? STOPPED_BY_USER : recordingStop ? linkFailed(RECORDING_STOP_REASON) : linkFailed((error as Error).message);
      const record = finish(ending, tally.sets());
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
        io.stdout.write(jsonLine({ type: "summary", ...ended, ok: false, endReason, vented: result.ok, ...record }));
      } else if (recordingStop && firmwareSummary) {
        const stopped = { ...(firmwareSummary as SessionSummary), ok: false, endReason: RECORDING_STOP_REASON };
        io.stdout.write("\n" + renderSummary(stopped, { ending, sets: record.sets }).join("\n") + "\n");
      }
    }
    display?.finish();
    if (interrupted) return 130;
    if (recordingStop) throw new CliError("the session ended early: its recording could not be written");
    if (error instanceof CuffLinkError) throw new CliError(error.message);
    throw error;
  } finally {
    watch.unsubscribe();
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
    summary: "a session on a real cuff (--board PATH, --port PATH) or the simulated cuff (--sim)",
    help: SESSION_HELP,
    run: (argv, io) => runSessionCommand(argv, io, { demo: false, speed: 1 }, deps),
  };
}

export const sessionCommand = makeSessionCommand();
