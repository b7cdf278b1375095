/**
 * Files written in one go (charts, exports): whole or not at all. The text goes
 * into a temporary file beside the target and is renamed over it, so a full
 * disk leaves neither half a file nor a damaged earlier one.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { describeFileError } from "../../shared/files.ts";
import { FileWriteError } from "./line-file.ts";

/** The temporary name a whole file is written under before it takes its own. */
export function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

/** Throws a FileWriteError that names the file and says why; `what` names the kind: "chart". */
export function writeFileWhole(path: string, data: string | Uint8Array, what: string): void {
  const temporary = temporaryPathFor(path);
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new FileWriteError(path, describeFileError(error), what);
  }
}
