/** `cuff history`: past sessions from their recordings. */
import { readHistory } from "../../record/history.ts";
import { describeSets } from "../../record/session-record.ts";
import { type Command, parseNumberOption, parseOptions } from "../command.ts";
import { jsonLine } from "../output.ts";
import { FOLDER_HELP, FOLDER_OPTIONS, parsePerson, recordingsFolder } from "../records-folder.ts";

const HELP = `Usage: cuff history [--person NAME] [--limit N] [--json]

Lists past sessions on real cuffs, newest first: date, person, limb, LOP,
target, sets (reps counted/planned; "cut short" when a set did not run its
course) and how the session ended (completed, stopped by the user, fault and
its kind, ended early). Read from the recordings every session leaves.

${FOLDER_HELP}
  --limit N          the N newest sessions only
  --json             one JSON object per session: {"type":"session","startedAt","person","limb","mode",
                     "lopMmhg","targetMmhg","sets":[{"set","planned","reps","seconds","complete"}],
                     "outcome","ended","file",...}, then {"type":"summary","count":N,"folder":...}

Exit codes: 0 listed (even if none), 1 the folder cannot be read, 2 bad usage.

Examples:
  cuff history
  cuff history --person "Ana" --limit 10
  cuff history --json > sessions.jsonl
`;

export const historyCommand: Command = {
  name: "history",
  summary: "past sessions: date, person, limb, LOP, target, sets, how they ended",
  help: HELP,
  async run(argv, io) {
    const { values } = parseOptions(argv, { ...FOLDER_OPTIONS, limit: { type: "string" }, json: { type: "boolean" } });
    const person = parsePerson(values.person);
    const limit = parseNumberOption("limit", values.limit, 1, 100_000);
    const folder = recordingsFolder(values, io);
    const entries = readHistory(folder)
      .filter((e) => person === null || e.person === person)
      .slice(0, limit ?? Number.POSITIVE_INFINITY);
    if (values.json) {
      for (const e of entries) io.stdout.write(jsonLine({ type: "session", ...e }));
      io.stdout.write(jsonLine({ type: "summary", count: entries.length, folder }));
      return 0;
    }
    if (entries.length === 0) {
      io.stdout.write(`No sessions${person ? ` for ${person}` : ""} in ${folder}.\n`);
      return 0;
    }
    const rows = entries.map((e) => [
      e.startedAt ? localStamp(e.startedAt) : "?",
      e.person ?? "-",
      e.limb ?? "-",
      e.lopMmhg === null ? "-" : `${Math.round(e.lopMmhg)}`,
      e.targetMmhg === null ? "-" : `${Math.round(e.targetMmhg)}`,
      e.mode === "sets" || e.mode === null ? describeSets(e.sets) : `${e.mode}: ${describeSets(e.sets)}`,
      e.ended,
    ]);
    const head = ["date", "person", "limb", "LOP mmHg", "target mmHg", "sets (reps counted/planned)", "how it ended"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ") + "\n";
    io.stdout.write(line(head));
    for (const r of rows) io.stdout.write(line(r));
    io.stdout.write(`${entries.length} session(s) in ${folder}\n`);
    return 0;
  },
};

/** 2026-11-22T10:00:00.000Z -> "2026-11-22 11:00" in this computer's time zone. */
function localStamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
