/** `cuff lop`: measure limb occlusion pressure and print it. */
import { CuffLinkError } from "../../client/errors.ts";
import { LopProgress } from "../../display/lop-progress.ts";
import { profileDir, ProfileError, ProfileStore } from "../../profile/profile.ts";
import { parsePerson } from "../records-folder.ts";
import { ensureScreened, ScreenStop } from "../screen.ts";
import { deflateNow, measureLop } from "../../session/runner.ts";
import { InterruptedError } from "../../session/wait.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { LINK_HELP, LINK_OPTIONS, linkChoiceFrom, type LinkOpener, openLink } from "../link.ts";
import { jsonLine, messageBody } from "../output.ts";
import { parseLimb, parseSpeed } from "../plan-options.ts";

const HELP = `Usage: cuff lop (--board PATH --limb arm|leg | --port PATH --limb arm|leg | --sim) [options]

Measures limb occlusion pressure (LOP): the cuff pressure at which the pulse
beyond the cuff disappears. The cuff zeroes, inflates slowly while it watches the
pulse, and vents as soon as the pulse is gone (about 40 s; up to a minute, rarely
two, when a weak pulse is read a second time or movement spoils a pass; it never
goes above 300 mmHg). With the distal pulse sensor clipped to a finger or toe of
the cuffed limb, the LOP is read where that pulse disappears and the cuff's own
reading cross-checks it; without it, from the pulsations in the cuff. Sit still
with the limb relaxed and supported; movement spoils the measurement and it is
then refused, not guessed. While it runs, the pressure and what the cuff is doing
(inflating, reading the pulsations, the distal pulse present or gone, deflating)
show on stderr.
The result (mmHg) is saved in your profile for that limb, with the date, and
sessions use it for 30 days ("cuff session --lop auto").

${LINK_HELP}

  --limb arm|leg     where the cuff sits (required with --board and --port; default with --sim: leg)
  --json             JSON lines: the lop-result event, then {"type":"summary","ok":...,"limb":...,"lopMmhg":...,
                     "quality":...,"durationSeconds":...,"savedTo":...}
  --person NAME      whose LOP: the profile of that person (see "cuff session --help")
  --profile-dir DIR  profile folder (default: $CUFF_PROFILE_DIR, else ~/.config/cuff)
  --screened         confirm the safety screen without a terminal (see "cuff session --help")

Exit codes: 0 measured, 1 the measurement failed (the reason is printed: e.g. motion), 2 bad usage,
130 interrupted (the cuff is vented first).

Examples:
  cuff lop --board /dev/ttyUSB0 --limb arm
  cuff lop --board /dev/ttyUSB0 --limb leg --person "Ana"
  cuff lop --sim --speed max --json
`;

export function makeLopCommand(open: LinkOpener = openLink, now: () => Date = () => new Date()): Command {
  return {
    name: "lop",
    summary: "measure limb occlusion pressure and print it",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, {
        ...LINK_OPTIONS,
        limb: { type: "string" },
        json: { type: "boolean" },
        person: { type: "string" },
        "profile-dir": { type: "string" },
        screened: { type: "boolean" },
      });
      if ((values.port || values.board) && values.limb === undefined) throw new UsageError("say where the cuff is: --limb arm or --limb leg");
      const person = parsePerson(values.person);
      const limb = parseLimb(values.limb, "leg");
      const choice = linkChoiceFrom(values, limb, 1, parseSpeed);
      let store: ProfileStore | null = null;
      if (!choice.sim) {
        store = new ProfileStore(profileDir(values["profile-dir"], io.env), person);
        try {
          await ensureScreened(store, io, { screenedFlag: values.screened === true, now: now() });
        } catch (error) {
          if (error instanceof ScreenStop || error instanceof ProfileError) throw new CliError(error.message);
          throw error;
        }
      }
      const link = await open(choice);
      const abort = new AbortController();
      const offInterrupt = io.onInterrupt(() => abort.abort());
      let vented = false;
      let progress: LopProgress | null = null;
      try {
        if (!values.json) {
          io.stderr.write(`Measuring the ${limb} LOP: keep the limb still and relaxed...\n`);
          progress = new LopProgress(io.stderr, io.env);
          const shown = progress;
          link.client.telemetry$.subscribe((m) => shown.telemetry(m));
        } else link.client.events$.subscribe((e) => e.type !== "summary" && io.stdout.write(jsonLine(messageBody(e))));
        const result = await measureLop(link.client, link.clock, limb, abort.signal);
        progress?.finish();
        vented = true;
        if (!result.ok || result.mmhg === null) {
          if (values.json) io.stdout.write(jsonLine({ type: "summary", ok: false, limb, lopMmhg: null, reason: result.reason }));
          throw new CliError(`the LOP measurement failed: ${result.reason}`);
        }
        store?.recordLop(limb, result.mmhg, "measured", now());
        if (values.json) {
          io.stdout.write(jsonLine({ type: "summary", ok: true, limb, lopMmhg: result.mmhg, quality: result.quality, durationSeconds: result.durationSeconds, savedTo: store?.file ?? null }));
        } else {
          io.stdout.write(`LOP (${limb}): ${Math.round(result.mmhg)} mmHg   quality ${result.quality.toFixed(2)}, took ${result.durationSeconds.toFixed(0)} s\n`);
          if (store) io.stdout.write(`Saved in ${store.file}.\n`);
        }
        return 0;
      } catch (error) {
        progress?.finish();
        if (!vented) {
          const result = await deflateNow(link.client, link.clock);
          if (error instanceof InterruptedError) {
            io.stderr.write(result.ok ? `interrupted: the cuff is ${result.detail}\n` : `interrupted: could not confirm the cuff vented (${result.detail})\n`);
            return 130;
          }
        }
        if (error instanceof CuffLinkError) throw new CliError(error.message);
        throw error;
      } finally {
        offInterrupt();
        await link.close();
      }
    },
  };
}

export const lopCommand = makeLopCommand();
