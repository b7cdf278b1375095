import type { Command } from "./command.ts";

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Every `cuff` subcommand, loaded only when used so `cuff --help` stays fast. */
export const COMMANDS: CommandEntry[] = [
  { name: "demo", summary: "a whole BFR session on the built-in simulated cuff", load: async () => (await import("./commands/demo.ts")).demoCommand },
];
