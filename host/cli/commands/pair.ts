/** `cuff pair KEY`: keep the cuff's pairing key, so this computer's commands may command it over a paired link. */
import { type Command, parseOptions } from "../command.ts";
import { UsageError } from "../errors.ts";
import { saveHostPairingKey } from "../pairing.ts";

const HELP = `Usage: cuff pair KEY

Keeps the pairing key that "cuff firmware --link PATH" showed when it made it,
so the cuff commands on this computer (session, lop, deflate, monitor) prove it
to the cuff over a serial port or Bluetooth SPP. The key itself never crosses
the link: each hello proves it over a fresh challenge from the cuff.

Without the key, a paired cuff answers status requests and deflates, nothing
else. Links on stdio or a pty (cuff firmware --link stdio|pty) are the local
user's own and need no key.

The key is saved in the config folder ($CUFF_PROFILE_DIR, else ~/.config/cuff),
readable by you alone; pairing again replaces it.

Exit codes: 0 saved, 1 it could not be saved, 2 bad usage.

Examples:
  cuff pair 3f1c...e9 (the 64 hex digits cuff firmware printed)
`;

export const pairCommand: Command = {
  name: "pair",
  summary: "keep a cuff's pairing key so this computer may command it over a serial link",
  help: HELP,
  async run(argv, io) {
    const { positionals } = parseOptions(argv, {}, true);
    if (positionals.length !== 1) throw new UsageError("give the pairing key cuff firmware showed, e.g. cuff pair 3f1c...e9 (64 hex digits)");
    const path = saveHostPairingKey(io.env, positionals[0]!);
    io.stdout.write(`Paired: cuff commands on this computer now prove the key to the cuff (kept in ${path}).\n`);
    return 0;
  },
};
