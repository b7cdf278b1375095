import { loadProfile, REFERENCE_PROFILE_PATH } from "../../../hardware/profile.ts";
import { loadScenario } from "../../../hardware/sim/scenario.ts";
import { parseOptions, type Command } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import { FileWriteError } from "../../record/line-file.ts";
import { parseHostSilencePolicy } from "../host-silence.ts";
import type { BenchResult } from "../../../hardware/sim/bench/run-scenario.ts";
import { defaultJobs, runScenariosParallel } from "../../../hardware/sim/bench/parallel.ts";
import { physicalBound, type SessionBound } from "../../../hardware/sim/bench/physical-bound.ts";
import { TraceWriter } from "../../../hardware/sim/bench/trace.ts";
import { mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";

const HELP = `Usage: cuff bench --scenario FILE|DIR [FILE|DIR ...] [--trace FILE.csv | --trace-dir DIR]
                  [--jobs N] [--json] [--profile FILE]

Runs scenarios headless in virtual time: the whole firmware (controller,
supervisor, link server) against the simulated cuff, with a simulated host and
athlete. Faults in the scenario are injected at their times.

Options:
  --scenario FILE|DIR scenario JSON (see scenarios/ for examples; format: docs/formats.md);
                      several files, or a folder (its *.json files), run them all
  --trace FILE.csv    write t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase every 10 ms
                      (one scenario only)
  --trace-dir DIR     one trace per scenario, named after its file (leg.json -> DIR/leg.csv)
  --jobs N            scenarios run at once, one per core (default: the number of cores)
  --json              one JSON object per scenario, one per line, with its "scenario" path
                      (nothing else on stdout)
  --profile FILE      hardware profile (default: hardware/profiles/reference-nano.json)
  --host-silence vent|continue
                      what the firmware does when the host goes quiet (default vent)

Metrics are fractions of phase time with the TRUE cuff pressure within the
band of the target: exerciseWithin5/10 during sets, restWithin3/5 during rests.
Beside them, the physical bound ("bound" in JSON): the smallest band any
controller could hold through steady reps, and the largest share of a set
within 5 and 10 % any controller could reach, from the simulated pump, vent,
hose, cuff and limb.
Exit code 0 when every run ends vented, 1 otherwise, and 1 when a trace could
not be written (the run goes on and prints its results; a warning names the
file, and the trace keeps its rows up to the failure), 2 bad usage.

Examples:
  cuff bench --scenario scenarios/leg-press-80-lop.json --trace leg.csv
  cuff bench --scenario scenarios/arm-50-lop.json scenarios/low-bp.json --trace-dir traces --jobs 2 --json
`;

export const benchCommand: Command = {
  name: "bench",
  summary: "run scenarios headless in virtual time",
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseOptions(
      argv,
      {
        scenario: { type: "string", multiple: true },
        trace: { type: "string" },
        "trace-dir": { type: "string" },
        jobs: { type: "string" },
        json: { type: "boolean", default: false },
        profile: { type: "string" },
        "host-silence": { type: "string" },
      },
      true,
    );
    if (!values.scenario?.length) throw new UsageError("--scenario FILE is required");
    const policy = parseHostSilencePolicy(values["host-silence"]);
    const jobs = parseJobs(values.jobs);
    const paths = scenarioPaths([...values.scenario, ...positionals]);
    if (values.trace && paths.length > 1) throw new UsageError("--trace takes one scenario; use --trace-dir DIR for several");
    if (values.trace && values["trace-dir"]) throw new UsageError("give --trace or --trace-dir, not both");
    const scenarios = paths.map((path) => loadScenario(path));
    const profile = loadProfile(values.profile ?? REFERENCE_PROFILE_PATH);
    const traceDir = values["trace-dir"];
    if (traceDir) makeTraceDir(traceDir);
    const tracePaths = paths.map((path) => (values.trace ? values.trace : traceDir ? join(traceDir, `${basename(path, extname(path))}.csv`) : null));
    if (tracePaths[0]) checkTraceWritable(tracePaths[0]);
    const outcomes = await runScenariosParallel(scenarios, {
      profile,
      jobs,
      ...(policy ? { hostSilence: { policy, timeoutSeconds: 2 } } : {}),
      tracePathOf: (_, index) => tracePaths[index] ?? null,
    });
    let allGood = true;
    outcomes.forEach((outcome, index) => {
      const path = paths[index]!;
      if (outcome.traceFailure) {
        const { message, keptUpToSeconds } = outcome.traceFailure;
        const kept = keptUpToSeconds === null ? "nothing of the run was kept in it" : `it keeps what was written up to ${keptUpToSeconds.toFixed(2)} s`;
        io.stderr.write(`cuff bench: warning: ${message}; ${kept}, and the run goes on.\n`);
      }
      if (!outcome.result) {
        io.stderr.write(`cuff bench: ${path}: ${outcome.error ?? "the run failed"}\n`);
        allGood = false;
        return;
      }
      const result = outcome.result;
      const scenario = scenarios[index]!;
      const firstSet = scenario.plan.mode === "sets" ? scenario.plan.sets[0]! : null;
      const bound = result.targetMmhg !== null && firstSet !== null && result.metrics.exerciseWithin5 !== null ? physicalBound(scenario, profile, result.targetMmhg, firstSet) : null;
      if (values.json) io.stdout.write(JSON.stringify({ scenario: path, ...result, bound }) + "\n");
      else io.stdout.write(describeResult(result, bound, paths.length > 1 ? path : null));
      if (result.finalState !== "vented" || outcome.traceFailure) allGood = false;
    });
    return allGood ? 0 : 1;
  },
};

/** Files as given; a folder gives its *.json files in name order. */
function scenarioPaths(given: readonly string[]): string[] {
  return given.flatMap((path) => {
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      return [path];
    }
    if (!folder) return [path];
    const files = readdirSync(path).filter((name) => name.endsWith(".json")).sort();
    if (files.length === 0) throw new UsageError(`${path} holds no .json scenario files`);
    return files.map((name) => join(path, name));
  });
}

function parseJobs(text: string | undefined): number {
  if (text === undefined) return defaultJobs();
  const jobs = Number(text);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs must be a whole number from 1 to 256, not "${text}"`);
  return jobs;
}

function makeTraceDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`cannot create the trace folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** The first trace is opened here so that a path that cannot be written fails before any run. */
function checkTraceWritable(path: string): void {
  try {
    new TraceWriter(path).close();
  } catch (error) {
    if (error instanceof FileWriteError) throw new CliError(error.message);
    throw error;
  }
}

function describeResult(result: BenchResult, bound: SessionBound | null, heading: string | null): string {
  const m = result.metrics;
  const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)} %`);
  const beside = (x: number | null | undefined) => (x === null || x === undefined ? "" : ` (bound ${pct(x)})`);
  return [
    ...(heading ? [heading] : []),
    `${result.name}`,
    `  LOP true ${result.lopTrueMmhg} mmHg, measured ${result.lopMeasuredMmhg ?? "-"} mmHg; target ${result.targetMmhg ?? "-"} mmHg`,
    `  exercise within 10 %: ${pct(m.exerciseWithin10)}${beside(bound?.within10Share)}, within 5 %: ${pct(m.exerciseWithin5)}${beside(bound?.within5Share)}`,
    ...(bound ? [`  smallest band any controller could hold through steady reps: +-${bound.halfBandMmhg.toFixed(1)} mmHg (pump ${bound.pumpRateMmhgPerSecond.toFixed(1)}, vent ${bound.ventRateMmhgPerSecond.toFixed(1)} mmHg/s at the target)`] : []),
    `  rest within 5 %: ${pct(m.restWithin5)}, within 3 %: ${pct(m.restWithin3)}`,
    `  peak ${m.peakPercentLop ?? "-"} % LOP, valley ${m.valleyPercentLop ?? "-"} % LOP, ${m.secondsAboveLop} s above LOP`,
    `  inflate ${m.inflateSeconds ?? "-"} s, final deflation ${m.deflateSeconds ?? "-"} s`,
    `  alarms: ${result.alarms.map((a) => `${a.kind}@${a.t.toFixed(1)}s`).join(", ") || "none"}`,
    `  final state ${result.finalState} (${result.endReason ?? result.outcome})`,
    `  ${result.simSeconds} s simulated in ${result.wallSeconds} s (${Math.round(result.simSeconds / Math.max(result.wallSeconds, 1e-6))}x real time)`,
    "",
  ].join("\n");
}
