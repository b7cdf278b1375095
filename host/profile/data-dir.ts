/**
 * Where session recordings live: the platform's per-user data folder
 * ($XDG_DATA_HOME/cuff, ~/.local/share/cuff; macOS ~/Library/Application Support/cuff;
 * Windows %LOCALAPPDATA%\cuff), apart from the profile in the config folder. A
 * profile folder named on purpose (--profile-dir, CUFF_PROFILE_DIR) keeps its
 * recordings with it; --data-dir or CUFF_DATA_DIR name the folder outright.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, copyFileSync, rmSync, rmdirSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export interface FolderChoice {
  dataDirFlag?: string | undefined;
  profileDirFlag?: string | undefined;
}

export function dataDir(choice: FolderChoice, env: NodeJS.ProcessEnv): string {
  if (choice.dataDirFlag) return choice.dataDirFlag;
  if (env.CUFF_DATA_DIR) return env.CUFF_DATA_DIR;
  if (choice.profileDirFlag) return choice.profileDirFlag;
  if (env.CUFF_PROFILE_DIR) return env.CUFF_PROFILE_DIR;
  if (process.platform === "win32") return join(env.LOCALAPPDATA || env.APPDATA || join(homedir(), "AppData", "Local"), "cuff");
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "cuff");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "cuff");
}

export function sessionsDir(dataFolder: string): string {
  return join(dataFolder, "sessions");
}

/**
 * Recordings that older versions kept in the profile folder's sessions/ move to the data
 * folder once; a name already taken there is left where it is. Returns how many moved.
 */
export function moveOldRecordings(profileFolder: string, dataFolder: string): number {
  const from = sessionsDir(profileFolder);
  const to = sessionsDir(dataFolder);
  if (resolve(from) === resolve(to) || !existsSync(from)) return 0;
  let moved = 0;
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    if (!name.endsWith(".jsonl") || existsSync(join(to, name))) continue;
    try {
      renameSync(join(from, name), join(to, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
      // another file system: copy, then remove the original
      copyFileSync(join(from, name), join(to, name));
      rmSync(join(from, name));
    }
    moved++;
  }
  if (readdirSync(from).length === 0) rmdirSync(from);
  return moved;
}
