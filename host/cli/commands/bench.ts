import { loadProfile, REFERENCE_PROFILE_PATH } from "../../../hardware/profile.ts";
import { loadScenario } from "../../../hardware/sim/scenario.ts";
import { parseOptions, type Command } from "../command.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { fileFailureWarning } from "../output.ts";
import { FileWriteError } from "../../record/line-file.ts";
import { parseHostSilencePolicy } from "../host-silence.ts";
import { runScenario } from "../../../hardware/sim/bench/run-scenario.ts";
import { TraceWriter } from "../../../hardware/sim/bench/trace.ts";

const HELP = `Usage: cuff bench --scenario FILE [--trace FILE.csv] [--json] [--profile FILE]

Runs one scenario headless in virtual time: the whole firmware (controller,
supervisor, link server) against the simulated cuff, with a simulated host and
athlete. Faults in the scenario are injected at their times.

Options:
  --scenario FILE     scenario JSON (see scenarios/ for examples; format: docs/formats.md)
  --trace FILE.csv    write t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase every 10 ms
  --json              print one JSON object with the results (nothing else on stdout)
  --profile FILE      hardware profile (default: hardware/profiles/reference-nano.json)
  --host-silence vent|continue
                      what the firmware does when the host goes quiet (default vent)

Metrics are fractions of phase time with the TRUE cuff pressure within the
band of the target: exerciseWithin5/10 during sets, restWithin3/5 during rests.
Exit code 0 when the run ends vented, 1 otherwise, and 1 when the trace could
not be written (the run goes on and prints its results; a warning names the
file, and the trace keeps its rows up to the failure), 2 bad usage.

Example:
  cuff bench --scenario scenarios/leg-press-80-lop.json --trace leg.csv
`;

export const benchCommand: Command = {
  name: "bench",
  summary: "run one scenario headless in virtual time",
  help: HELP,
  async run(argv, io) {
    const { values } = parseOptions(argv, {
      scenario: { type: "string" },
      trace: { type: "string" },
      json: { type: "boolean", default: false },
      profile: { type: "string" },
      "host-silence": { type: "string" },
    });
    if (!values.scenario) throw new UsageError("--scenario FILE is required");
    const policy = parseHostSilencePolicy(values["host-silence"]);
    const scenario = loadScenario(values.scenario);
    const profile = loadProfile(values.profile ?? REFERENCE_PROFILE_PATH);
    const trace = values.trace ? openTrace(values.trace, io) : null;
    const result = await runScenario(scenario, {
      profile,
      ...(trace ? { onTrace: (row) => trace.write(row) } : {}),
      ...(policy ? { hostSilence: { policy, timeoutSeconds: 2 } } : {}),
    });
    trace?.close();
    if (values.json) {
      io.stdout.write(JSON.stringify(result) + "\n");
    } else {
      const m = result.metrics;
      const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)} %`);
      io.stdout.write(
        [
          `${result.name}`,
          `  LOP true ${result.lopTrueMmhg} mmHg, measured ${result.lopMeasuredMmhg ?? "-"} mmHg; target ${result.targetMmhg ?? "-"} mmHg`,
          `  exercise within 10 %: ${pct(m.exerciseWithin10)}, within 5 %: ${pct(m.exerciseWithin5)}`,
          `  rest within 5 %: ${pct(m.restWithin5)}, within 3 %: ${pct(m.restWithin3)}`,
          `  peak ${m.peakPercentLop ?? "-"} % LOP, valley ${m.valleyPercentLop ?? "-"} % LOP, ${m.secondsAboveLop} s above LOP`,
          `  inflate ${m.inflateSeconds ?? "-"} s, final deflation ${m.deflateSeconds ?? "-"} s`,
          `  alarms: ${result.alarms.map((a) => `${a.kind}@${a.t.toFixed(1)}s`).join(", ") || "none"}`,
          `  final state ${result.finalState} (${result.endReason ?? result.outcome})`,
          `  ${result.simSeconds} s simulated in ${result.wallSeconds} s (${Math.round(result.simSeconds / Math.max(result.wallSeconds, 1e-6))}x real time)`,
          "",
        ].join("\n"),
      );
    }
    return result.finalState === "vented" && !trace?.failure ? 0 : 1;
  },
};

function openTrace(path: string, io: CliIo): TraceWriter {
  try {
    return new TraceWriter(path, (failure, keptUpTo) => io.stderr.write(`cuff bench: ${fileFailureWarning(failure, keptUpTo, "the run goes on")}.\n`));
  } catch (error) {
    if (error instanceof FileWriteError) throw new CliError(error.message);
    throw error;
  }
}
