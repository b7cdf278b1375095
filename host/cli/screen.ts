/**
 * Asks the safety screen on a terminal before the first session on a profile.
 * Without a terminal it never waits on stdin: --screened confirms instead.
 */
import { CLINICIAN_ADVICE, CONTRAINDICATIONS } from "../profile/screen.ts";
import type { ProfileStore } from "../profile/profile.ts";
import type { CliIo } from "./io.ts";
import { LineReader } from "./prompt.ts";

export const SCREEN_FLAG_HELP =
  "--screened   confirm that none of the contraindications of the screen applies to you (for runs without a terminal)";

export class ScreenStop extends Error {
  override name = "ScreenStop";
}

export type ScreenOutcome = "already" | "passed";

/**
 * Make sure the profile has a passed screen. Asks on a terminal, accepts
 * --screened without one, and otherwise stops with a message saying how.
 */
export async function ensureScreened(
  store: ProfileStore,
  io: CliIo,
  options: { screenedFlag: boolean; now: Date },
): Promise<ScreenOutcome> {
  const profile = store.load();
  if (profile.screening?.clear) return "already";
  if (options.screenedFlag) {
    store.recordScreening("flag", options.now);
    return "passed";
  }
  if (!io.stdin.isTTY) {
    throw new ScreenStop(
      `this profile (${store.dir}) has not answered the safety screen yet and there is no terminal to ask it on: ` +
        `run the command once in a terminal, or add --screened if none of "cuff session --help" screen questions applies to you`,
    );
  }
  io.stderr.write(
    "\nBefore the first session: a short safety screen. Answer y or n.\n" +
      "Blood-flow-restriction training is not safe for everyone.\n\n",
  );
  const reader = new LineReader(io.stdin, io.stderr);
  try {
    for (const question of CONTRAINDICATIONS) {
      let answer = "";
      while (answer !== "y" && answer !== "n") {
        const raw = await reader.ask(`${question} [y/n] `);
        if (raw === null) throw new ScreenStop("the safety screen was not finished, so nothing was recorded and no session ran");
        answer = raw.trim().toLowerCase().slice(0, 1);
      }
      if (answer === "y") throw new ScreenStop(CLINICIAN_ADVICE);
    }
  } finally {
    reader.close();
  }
  store.recordScreening("interactive", options.now);
  io.stderr.write("Thank you. Your answers are recorded in this profile; you will not be asked again.\n\n");
  return "passed";
}
