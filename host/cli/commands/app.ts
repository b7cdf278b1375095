/** `cuff app`: the browser app, served on this computer (or, in box mode, to phones on the same network). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemClock } from "../../../shared/clock.ts";
import { newPairingKey, parsePairingKey } from "../../../shared/protocol/pairing.ts";
import { LinkHub } from "../../app/hub/link-hub.ts";
import { startAppServer } from "../../app/server/app-server.ts";
import { SessionLog } from "../../app/session-log.ts";
import { profileDir } from "../../profile/profile.ts";
import { deflateNow } from "../../session/runner.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError } from "../errors.ts";
import { LINK_HELP, LINK_OPTIONS, linkChoiceFrom, type LinkOpener, openLink } from "../link.ts";
import { parseSpeed } from "../plan-options.ts";
import { appToken, parseListen } from "../app-options.ts";
import { FOLDER_OPTIONS, parsePerson, recordingsFolder } from "../records-folder.ts";

const HELP = `Usage: cuff app (--board PATH | --port PATH | --sim [--scenario FILE] [--speed N]) [--listen HOST:PORT] [options]

Serves the cuff app: a page for a phone or a laptop browser with the live
pressure, the plan, LOP measurement, set and rep counters, rest countdown,
sound cues, alarms, a Deflate button on every screen, and past sessions. The
page's address is the first line this command prints. The page speaks the cuff
link itself over a WebSocket; this program is the cuff's host, so the cuff
vents on its own 2 s after this program stops talking to it.

${LINK_HELP}

Where the page is served:
  --listen HOST:PORT the address to listen on (default 127.0.0.1:8780; PORT 0 = any free port).
                     On 127.0.0.1 only this computer can open the page. Any other address (e.g.
                     0.0.0.0:8780 for phones on the same Wi-Fi) needs the token in the printed
                     address; the browser keeps it as a cookie after the first visit, and a
                     request without it gets HTTP 401.

Records (sessions run from the app are recorded as "cuff session" records them, and
the page's history lists them, with their charts and a CSV export):
  --person NAME      whose sessions these are (for a therapist with several clients)
  --profile-dir DIR  profile folder, where the access token is kept too (default:
                     $CUFF_PROFILE_DIR, else ~/.config/cuff); given, it also holds the recordings
  --data-dir DIR     recordings folder (default: $CUFF_DATA_DIR, else ~/.local/share/cuff). With
                     --sim and no --data-dir, a temporary folder removed when the app stops

One page controls the cuff at a time (the first to start something); other pages
watch, and any page can press Deflate. Stop with Ctrl-C: the cuff is vented first.

Exit codes: 0 stopped with Ctrl-C or SIGTERM (the cuff vented); 1 the link to the
cuff failed beyond repair or the address is taken; 2 bad usage.

Examples:
  cuff app --sim --speed 5
  cuff app --board /dev/ttyUSB0 --listen 0.0.0.0:8780
  cuff app --board /dev/ttyUSB0 --person "Ana" --listen 127.0.0.1:0
  cuff app --sim --scenario scenarios/sensor-stuck-mid-set.json --speed 10
`;

const OPTIONS = {
  ...LINK_OPTIONS,
  ...FOLDER_OPTIONS,
  listen: { type: "string" },
} as const;

export function makeAppCommand(open: LinkOpener = openLink): Command {
  return {
    name: "app",
    summary: "serve the browser app (phone or laptop) for a cuff (--board PATH, --port PATH) or the simulated cuff (--sim)",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, OPTIONS);
      const listen = parseListen(values.listen);
      const choice = linkChoiceFrom(values, undefined, 1, parseSpeed);
      const person = parsePerson(values.person);
      const profile = profileDir(values["profile-dir"], io.env);
      const temporaryRecords = choice.sim && !values["data-dir"] ? mkdtempSync(join(tmpdir(), "cuff-app-sessions-")) : null;
      const recordsFolder = temporaryRecords ?? recordingsFolder(values, io);
      const link = await open(choice);
      const scenario = link.sim?.scenario ?? null;
      // the key each page proves in its hello: only pages this server served command the cuff
      const pageKey = newPairingKey();
      const hub = new LinkHub({ upstream: link.client, clock: new SystemClock(), pageKey: parsePairingKey(pageKey)! });
      const log = new SessionLog({ hub, upstream: link.client, folder: recordsFolder, source: link.label, person, now: () => new Date(), warn: (s) => io.stderr.write(s + "\n") });
      let server;
      try {
        server = await startAppServer({
          hub,
          host: listen.host,
          port: listen.port,
          token: appToken(profile, listen.host),
          recordsFolder,
          config: {
            sim: choice.sim,
            source: choice.sim ? "simulated cuff" : link.label,
            limb: scenario?.limb ?? null,
            plan: scenario?.plan ?? null,
            pageKey,
          },
        });
      } catch (error) {
        log.close();
        hub.close();
        await link.close();
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new CliError(`${listen.host}:${listen.port} is taken by another program: choose another --listen port (0 = any free port)`);
        if (code === "EADDRNOTAVAIL") throw new CliError(`this computer has no address ${listen.host}: use 127.0.0.1, 0.0.0.0 or one of its own addresses`);
        throw error;
      }
      io.stdout.write(server.url + "\n");
      io.stderr.write(
        server.tokenRequired
          ? "Open that address on a phone or computer on the same network; it holds the access token, so share it only with people who may use this cuff. Ctrl-C stops the app and vents the cuff.\n"
          : "Open that address in a browser on this computer. Ctrl-C stops the app and vents the cuff.\n",
      );
      let offInterrupt = () => {};
      const ending = await new Promise<"stopped" | "failed">((resolve) => {
        offInterrupt = io.onInterrupt(() => resolve("stopped"));
        link.client.connection$.subscribe({ complete: () => resolve("failed") });
      });
      offInterrupt();
      try {
        if (ending === "stopped" && link.client.state !== "vented") {
          const result = await deflateNow(link.client, link.clock);
          io.stderr.write(result.ok ? `The cuff is ${result.detail}.\n` : `Could not confirm the cuff vented: ${result.detail}\n`);
        }
      } finally {
        log.close();
        hub.close();
        await server.close();
        await link.close();
        if (temporaryRecords) rmSync(temporaryRecords, { recursive: true, force: true });
      }
      if (ending === "failed") throw new CliError(link.client.failure?.message ?? "the link to the cuff closed");
      return 0;
    },
  };
}

export const appCommand = makeAppCommand();
