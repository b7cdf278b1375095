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
  cuff pair 3f1c9a0e5b7d2c4816f0a9e3b5d7c1e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4
`;

export const pairCommand: Command = {
  name: "pair",
  summary: "keep a cuff's pairing key so this computer may command it over a serial link",
  help: HELP,
  async run(argv, io) {
    const { positionals } = parseOptions(argv, {}, true);
    if (positionals.length !== 1) throw new UsageError("give the pairing key cuff firmware showed: cuff pair followed by its 64 hex digits");
    const path = saveHostPairingKey(io.env, positionals[0]!);
    io.stdout.write(`Paired: cuff commands on this computer now prove the key to the cuff (kept in ${path}).\n`);
    return 0;
  },
};
