/**
 * A command's recording (--record, or a real cuff's automatic one): created
 * with a sentence that names the file when it cannot be, and a write failure
 * mid-run told once, as a warning, without stopping the run.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { describeFileError } from "../../shared/files.ts";
import type { LiveDisplay } from "../display/terminal.ts";
import { FileWriteError, type LineFileFs } from "../record/line-file.ts";
import { Recorder, type RecordingHeader } from "../record/recorder.ts";
import { CliError } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { fileFailureWarning } from "./output.ts";

export interface RecordingOptions {
  path: string;
  header: Omit<RecordingHeader, "type" | "format" | "version">;
  /** Prefix of the warning: "cuff session". */
  command: string;
  io: CliIo;
  /** What happens to the run when the file fails, as the warning ends: "the session goes on". */
  then: string;
  /** The live display, if any: a warning on its terminal must not break the dashboard. */
  display: () => LiveDisplay | null;
  /** Called once, after the warning. */
  onFailure?: () => void;
  fs?: LineFileFs;
}

export function openRecording(o: RecordingOptions): Recorder {
  try {
    mkdirSync(dirname(o.path), { recursive: true });
  } catch (error) {
    throw new CliError(`cannot create the folder ${dirname(o.path)} for the recording: ${describeFileError(error)}`);
  }
  try {
    return new Recorder(o.path, o.header, {
      ...(o.fs ? { fs: o.fs } : {}),
      onFailure: (failure, keptUpToSeconds) => {
        const sentence = `${o.command}: ${fileFailureWarning(failure, keptUpToSeconds, o.then)}.`;
        const display = o.display();
        if (display?.tty) display.line(sentence, o.io.stderr);
        else o.io.stderr.write(sentence + "\n");
        o.onFailure?.();
      },
    });
  } catch (error) {
    if (error instanceof FileWriteError) throw new CliError(error.message);
    throw error;
  }
}
