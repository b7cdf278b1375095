/** `cuff plot`: draw a recorded session or a bench trace as an SVG (or PNG) chart. */
import { spawnSync } from "node:child_process";
import { checkPlotData } from "../../plot/checks.ts";
import { loadPlotData, PlotInputError } from "../../plot/load.ts";
import { renderSvg } from "../../plot/svg.ts";
import { FileWriteError } from "../../record/line-file.ts";
import { writeFileWhole } from "../../record/whole-file.ts";
import { type Command, parseNumberOption, parseOptions } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { jsonLine } from "../output.ts";

const HELP = `Usage: cuff plot FILE [--output OUT.svg|OUT.png] [options]

Draws a session as a chart you can open in a browser: cuff pressure over time,
the target with its +-10 % band, the limb occlusion pressure (LOP) line, sets and
rests shaded and numbered, alarms marked in red.

FILE is either a session recording (JSON lines written by "cuff session --record"
or "cuff demo --record") or a bench trace (CSV written by "cuff bench --trace").

  --output FILE      where to write (default: FILE with .svg instead of its extension).
                     A name ending in .png is rendered with rsvg-convert (Debian/Ubuntu:
                     apt-get install librsvg2-bin) when it is installed.
  --lop MMHG         LOP line to draw when FILE has none (bench traces carry no LOP)
  --width PX         chart width in pixels (default 1200; height follows at 1:2)
  --title TEXT       chart title (default: the file name and start time)
  --json             print {"type":"summary","output":...,"points":...} instead of a sentence
                     (with "notes":[...] when the file needed any of the checks below)

What the file holds is checked before it is drawn, and every change is said (on stderr, in
--json's "notes", and on the chart): pressures outside -50 to 400 mmHg are drawn clipped at the
chart's edge (above the 330 mmHg relief valve a reading is a failed sensor or a damaged file);
samples with a negative or unreadable time are left out; times out of order are sorted; times
more than 7 days apart are refused as not one recording.

Exit codes: 0 written, 1 the file cannot be read or is not a recording or trace, 2 bad usage.

Examples:
  cuff demo --record demo.jsonl && cuff plot demo.jsonl          # writes demo.svg
  cuff bench --scenario scenarios/leg-press-80-lop.json --trace leg.csv && cuff plot leg.csv --lop 190
`;

export const plotCommand: Command = {
  name: "plot",
  summary: "draw a recorded session or a bench trace as an SVG chart",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseOptions(
      argv,
      { output: { type: "string", short: "o" }, lop: { type: "string" }, width: { type: "string" }, title: { type: "string" }, json: { type: "boolean" } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError("give one recording or trace file to draw, e.g. cuff plot session.jsonl");
    const input = positionals[0]!;
    const lop = parseNumberOption("lop", values.lop, 50, 300);
    const width = parseNumberOption("width", values.width, 400, 6000) ?? 1200;
    const output = values.output ?? input.replace(/\.[^./\\]*$/, "") + ".svg";
    if (output === input) throw new UsageError("--output must differ from the input file");
    if (!/\.(svg|png)$/i.test(output)) throw new UsageError("--output must end in .svg or .png");
    let data;
    try {
      data = checkPlotData(loadPlotData(input), input);
    } catch (error) {
      if (error instanceof PlotInputError) throw new CliError(error.message);
      throw error;
    }
    if (values.title) data.title = values.title;
    const svg = renderSvg(data, { width, height: Math.round(width / 2), lopMmhg: lop ?? null });
    try {
      if (/\.png$/i.test(output)) {
        const result = spawnSync("rsvg-convert", ["-f", "png"], { input: svg, maxBuffer: 256 * 1024 * 1024 });
        if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
          throw new CliError("PNG output needs rsvg-convert (apt-get install librsvg2-bin); write an .svg instead");
        }
        if (result.error || result.status !== 0) throw new CliError(`rsvg-convert failed: ${String(result.error?.message ?? result.stderr).trim().split("\n")[0]}`);
        writeFileWhole(output, result.stdout, "chart");
      } else {
        writeFileWhole(output, svg, "chart");
      }
    } catch (error) {
      if (error instanceof FileWriteError) throw new CliError(error.message);
      throw error;
    }
    const seconds = data.points.at(-1)!.t - data.points[0]!.t;
    if (values.json) {
      io.stdout.write(jsonLine({ type: "summary", ok: true, output, points: data.points.length, seconds: Number(seconds.toFixed(2)), ...(data.notes.length ? { notes: data.notes } : {}) }));
    } else {
      io.stdout.write(`Wrote ${output} (${data.points.length} samples, ${Math.round(seconds)} s).\n`);
      for (const note of data.notes) io.stderr.write(`cuff plot: note: ${note}.\n`);
    }
    return 0;
  },
};
