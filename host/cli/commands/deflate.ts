/** `cuff deflate`: vent the cuff now, from any state. */
import { deflateNow } from "../../session/runner.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError } from "../errors.ts";
import { LINK_HELP, LINK_OPTIONS, linkChoiceFrom, type LinkOpener, openLink } from "../link.ts";
import { jsonLine } from "../output.ts";
import { parseSpeed } from "../plan-options.ts";

const HELP = `Usage: cuff deflate (--board PATH | --port PATH | --sim) [--ack-fault] [--json]

Vents the cuff now, from any state: stops a session, a hold or an LOP
measurement, opens the vent and waits until the firmware reports the cuff
vented (below 15 mmHg). If the cuff cannot be reached, remember that it vents by
itself 2 s after it stops hearing from its host, and that the emergency button
vents it without any software.

${LINK_HELP}

  --ack-fault        also acknowledge a latched fault once vented, so a new session may start
                     (check the cause first: the alarm is printed)
  --json             print one JSON object: {"type":"summary","ok":true,"mmhg":...,"state":...,"detail":...,
                     "faultAcknowledged":...,"activeAlarms":[...]} (mmhg: the reading once vented)

Exit codes: 0 vented, 1 the cuff could not be reached or did not confirm, 2 bad usage.
Ctrl-C does not stop the venting.

Examples:
  cuff deflate --board /dev/ttyUSB0
  cuff deflate --port /dev/rfcomm0 --ack-fault
  cuff deflate --sim --json
`;

export function makeDeflateCommand(open: LinkOpener = openLink): Command {
  return {
    name: "deflate",
    summary: "vent the cuff now, from any state",
    help: HELP,
    async run(argv, io) {
      const { values } = parseOptions(argv, { ...LINK_OPTIONS, "ack-fault": { type: "boolean" }, json: { type: "boolean" } });
      const choice = linkChoiceFrom(values, undefined, Number.POSITIVE_INFINITY, parseSpeed);
      const link = await open(choice);
      // Ctrl-C while venting must not stop the venting
      const offInterrupt = io.onInterrupt(() => {
        io.stderr.write("venting the cuff; one moment...\n");
      });
      try {
        const before = link.client.lastStatus;
        const result = await deflateNow(link.client, link.clock);
        if (!result.ok) throw new CliError(`could not confirm that the cuff vented: ${result.detail}`);
        let acknowledged = false;
        if (values["ack-fault"] && link.client.state === "fault") {
          await link.client.ackFault();
          acknowledged = true;
        }
        const alarms = before?.activeAlarms ?? [];
        if (values.json) {
          io.stdout.write(
            jsonLine({ type: "summary", ok: true, mmhg: result.mmhg === null ? null : Math.round(result.mmhg * 10) / 10, state: link.client.state, detail: result.detail, faultAcknowledged: acknowledged, activeAlarms: alarms }),
          );
        } else {
          io.stdout.write(`The cuff is ${result.detail}.\n`);
          if (link.client.state === "fault") io.stdout.write(`A fault is latched (${alarms.join(", ") || "see the cuff"}); run with --ack-fault once the cause is fixed.\n`);
          if (acknowledged) io.stdout.write("Fault acknowledged.\n");
        }
        return 0;
      } finally {
        offInterrupt();
        await link.close();
      }
    },
  };
}

export const deflateCommand = makeDeflateCommand();
