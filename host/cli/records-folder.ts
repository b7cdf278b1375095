/** The options that say where profiles and recordings live, shared by the commands that read them. */
import { dirname, join } from "node:path";
import { dataDir, moveOldRecordings, sessionsDir } from "../profile/data-dir.ts";
import { PersonNameSchema, profileDir } from "../profile/profile.ts";
import { CliError, UsageError } from "./errors.ts";
import type { CliIo } from "./io.ts";

export const FOLDER_OPTIONS = {
  person: { type: "string" },
  "profile-dir": { type: "string" },
  "data-dir": { type: "string" },
} as const;

export const FOLDER_HELP = `  --person NAME      only this person's sessions
  --profile-dir DIR  profile folder (default: $CUFF_PROFILE_DIR, else ~/.config/cuff); given, it also
                     holds the recordings
  --data-dir DIR     recordings folder (default: $CUFF_DATA_DIR, else ~/.local/share/cuff; macOS
                     ~/Library/Application Support/cuff, Windows %LOCALAPPDATA%\\cuff)`;

export function parsePerson(text: string | undefined): string | null {
  if (text === undefined) return null;
  const parsed = PersonNameSchema.safeParse(text);
  if (!parsed.success) throw new UsageError(`--person must be a name of 1 to 80 characters without slashes, got "${text}"`);
  return parsed.data;
}

/** The sessions folder, after moving recordings older versions kept in the profile folder. */
export function recordingsFolder(values: { "profile-dir"?: string; "data-dir"?: string }, io: CliIo): string {
  const profile = profileDir(values["profile-dir"], io.env);
  const folder = sessionsDir(dataDir({ dataDirFlag: values["data-dir"], profileDirFlag: values["profile-dir"] }, io.env));
  try {
    const moved = moveOldRecordings(profile, dirname(folder));
    if (moved > 0) io.stderr.write(`Moved ${moved} recording(s) from ${join(profile, "sessions")} to ${folder}.\n`);
  } catch (error) {
    throw new CliError(`cannot move the old recordings to ${folder}: ${(error as Error).message}`);
  }
  return folder;
}
