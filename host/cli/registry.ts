import type { Command } from "./command.ts";

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Every `cuff` subcommand, loaded only when used so `cuff --help` stays fast. */
export const COMMANDS: CommandEntry[] = [
  { name: "demo", summary: "a whole BFR session on the built-in simulated cuff", load: async () => (await import("./commands/demo.ts")).demoCommand },
  { name: "session", summary: "a session on a real cuff (--board PATH, --port PATH) or the simulated cuff (--sim)", load: async () => (await import("./commands/session.ts")).sessionCommand },
  { name: "lop", summary: "measure limb occlusion pressure and print it", load: async () => (await import("./commands/lop.ts")).lopCommand },
  { name: "deflate", summary: "vent the cuff now, from any state", load: async () => (await import("./commands/deflate.ts")).deflateCommand },
  { name: "monitor", summary: "live telemetry until interrupted", load: async () => (await import("./commands/monitor.ts")).monitorCommand },
  { name: "ports", summary: "list serial ports with their descriptions", load: async () => (await import("./commands/ports.ts")).portsCommand },
  { name: "firmware", summary: "run the cuff controller on a board (--board PATH|sim) and serve the cuff link", load: async () => (await import("./commands/firmware.ts")).firmwareCommand },
  { name: "virtual-board", summary: "a simulated cuff behind a Firmata board on a new pseudo-terminal", load: async () => (await import("./commands/virtual-board.ts")).virtualBoardCommand },
  { name: "bench", summary: "run one scenario headless in virtual time", load: async () => (await import("./commands/bench.ts")).benchCommand },
  { name: "plot", summary: "draw a recorded session or a bench trace as an SVG chart", load: async () => (await import("./commands/plot.ts")).plotCommand },
  { name: "history", summary: "past sessions: date, person, limb, LOP, target, sets, how they ended", load: async () => (await import("./commands/history.ts")).historyCommand },
  { name: "export", summary: "past sessions as CSV (one or all), or one session's samples", load: async () => (await import("./commands/export.ts")).exportCommand },
  { name: "app", summary: "serve the browser app (phone or laptop) for a cuff or the simulated cuff", load: async () => (await import("./commands/app.ts")).appCommand },
  { name: "pair", summary: "keep a cuff's pairing key so this computer may command it over a serial link", load: async () => (await import("./commands/pair.ts")).pairCommand },
  { name: "acceptance", summary: "walk through the bench acceptance test of hardware/CALIBRATION.md and record it", load: async () => (await import("./commands/acceptance.ts")).acceptanceCommand },
];
