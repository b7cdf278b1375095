/** `cuff export`: past sessions as CSV, one row each, or one session's samples. */
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { historyCsv, readHistory, readHistoryEntry, SAMPLE_HEADER, sampleRow, type HistoryEntry } from "../../record/history.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { FOLDER_HELP, FOLDER_OPTIONS, parsePerson, recordingsFolder } from "../records-folder.ts";

const HELP = `Usage: cuff export [RECORDING ...] [--person NAME] [--output FILE.csv] [--samples]

Writes past sessions as CSV for a spreadsheet: one row per session with
started_at, person, limb, mode, lop_mmhg, target_mmhg, sets, reps_counted,
reps_planned, restriction_seconds, exercise_within_10, peak_mmhg, outcome,
ended and file. Without RECORDING, every session in the recordings folder
(one person's with --person); with RECORDING, those files.

  --samples          with one RECORDING: its telemetry instead, one row per frame (20 a second):
                     t,mmhg,target_mmhg,state,phase,pump,vent,set,rep
  --output FILE      write there instead of stdout
${FOLDER_HELP}

Exit codes: 0 written, 1 a recording cannot be read, 2 bad usage.

Examples:
  cuff export --output sessions.csv
  cuff export --person "Ana" > ana.csv
  cuff export --samples run.jsonl --output run.csv
`;

export const exportCommand: Command = {
  name: "export",
  summary: "past sessions as CSV (one or all), or one session's samples",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseOptions(argv, { ...FOLDER_OPTIONS, output: { type: "string" }, samples: { type: "boolean" } }, true);
    const person = parsePerson(values.person);
    if (values.samples && positionals.length !== 1) throw new UsageError("--samples exports one recording: give its file, e.g. cuff export --samples run.jsonl");
    for (const file of positionals) if (!existsSync(file)) throw new CliError(`there is no recording ${file}`);
    const out = values.output ? createWriteStream(values.output) : io.stdout;
    const failed = values.output ? once(out, "error").then(([error]) => error as Error) : null;
    const write = async (chunk: string) => {
      if (!out.write(chunk)) await Promise.race([once(out, "drain"), failed?.then((e) => Promise.reject(e))]);
    };
    try {
      if (values.samples) {
        await write(SAMPLE_HEADER);
        for await (const line of createInterface({ input: createReadStream(positionals[0]!), crlfDelay: Infinity })) {
          const row = sampleRow(line);
          if (row) await write(row);
        }
      } else {
        let entries: HistoryEntry[];
        if (positionals.length > 0) {
          entries = positionals.map((file) => {
            const entry = readHistoryEntry(file);
            if (!entry) throw new CliError(`${file} is not a session recording`);
            return entry;
          });
        } else {
          entries = readHistory(recordingsFolder(values, io)).filter((e) => person === null || e.person === person);
        }
        await write(historyCsv(entries));
      }
      if (values.output) {
        out.end();
        await Promise.race([once(out, "finish"), failed!.then((e) => Promise.reject(e))]);
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`cannot ${code === "ENOENT" && !values.output ? "read" : "write"} the export: ${code ?? (error as Error).message}`);
    }
    return 0;
  },
};
