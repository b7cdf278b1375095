import type { Command } from "../command.ts";
import { CliError } from "../errors.ts";

export const demoCommand: Command = {
  name: "demo",
  summary: "a whole BFR session on the built-in simulated cuff",
  help: "Usage: cuff demo\n\nRuns a whole BFR session on the built-in simulated cuff.\n",
  async run() {
    throw new CliError("the demo is not built yet: it needs the simulated cuff and the controller");
  },
};
