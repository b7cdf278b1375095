/**
 * The contraindication screen of BRIEF.md section 1, asked before the first
 * session on a profile. Any "yes" stops with advice to see a clinician.
 * Without a terminal it never waits on stdin.
 */
import type { CliIo } from "../cli/io.ts";
import { LineReader } from "../cli/prompt.ts";
import type { ProfileStore } from "./profile.ts";

export const CONTRAINDICATIONS = [
  "Have you ever had deep vein thrombosis (DVT), a blood clot or a pulmonary embolism?",
  "Do you have varicose veins on the limb the cuff goes on?",
  "Are you pregnant?",
  "Do you have peripheral artery disease?",
  "Do you have a circulatory or heart condition?",
  "Is your blood pressure above 180/100 mmHg (or unknown and possibly that high)?",
  "Is there an open wound or an infection on that limb?",
  "Is that limb used for dialysis access (a fistula or graft)?",
  "Do you have sickle cell disease (or sickle cell trait with symptoms)?",
] as const;

export const SCREEN_FLAG_HELP =
  "--screened   confirm that none of the contraindications of the screen applies to you (for runs without a terminal)";

export class ScreenStop extends Error {
  override name = "ScreenStop";
}

export const CLINICIAN_ADVICE =
  "do not use the cuff: blood-flow-restriction training is not safe with this condition unless a clinician who knows your history says otherwise; please see one first";

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
