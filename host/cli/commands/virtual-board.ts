/**
 * `cuff virtual-board`: a simulated cuff, and the person wearing it, behind a
 * Firmata board on a new pseudo-terminal, so `cuff session --board <path>` runs
 * the real path end to end with nothing real attached.
 */
import { loadProfile, REFERENCE_PROFILE_PATH } from "../../../hardware/profile.ts";
import { createPlant } from "../../../hardware/sim/cuff.ts";
import { CuffFeelingPerson } from "../../../hardware/sim/person.ts";
import { startVirtualBoardOnPty } from "../../../hardware/sim/pty.ts";
import { SystemClock } from "../../../shared/clock.ts";
import { type Command, parseOptions } from "../command.ts";
import { CliError } from "../errors.ts";
import { loadSimScenario } from "../link.ts";
import { describePlan } from "../plan-options.ts";

const HELP = `Usage: cuff virtual-board [--mcu] [--scenario FILE] [--profile FILE]

Starts a simulated cuff behind a Firmata board on a new pseudo-terminal and
prints the terminal's path as the first line on stdout. Point any command at it
as at a board on USB: "cuff session --board <path> ...". The simulated person
wearing the cuff goes by what they feel: once the cuff holds its pressure they
do the scenario's plan (default 30-15-15-15 reps with 30 s rests; for a
continuous or cycle plan they keep still), and they stop when it deflates.
Runs in real time until Ctrl-C or SIGTERM; the board then unplugs.

  --mcu              run the real cuff sketch (firmware/mcu) on simavr instead of the board model
                     (needs gcc-avr, avr-libc, simavr and libsimavr-dev: scripts/install-test-tools.sh)
  --scenario FILE    simulated subject, cuff, hardware, plan and faults (JSON, docs/formats.md)
  --profile FILE     hardware profile: pins, sensor, guard (default: the reference Nano)

Needs socat (Debian: apt-get install socat) to make the pseudo-terminal.

Exit codes: 0 stopped with Ctrl-C or SIGTERM, 1 the board could not start, 2 bad usage.

Examples:
  cuff virtual-board
  cuff virtual-board --scenario scenarios/arm-50-lop.json
  cuff virtual-board --mcu
`;

/** How often the person checks the cuff, wall milliseconds. */
const PERSON_TICK_MS = 20;

export const virtualBoardCommand: Command = {
  name: "virtual-board",
  summary: "a simulated cuff behind a Firmata board on a new pseudo-terminal (cuff session --board PATH)",
  help: HELP,
  async run(argv, io) {
    const { values } = parseOptions(argv, { mcu: { type: "boolean" }, scenario: { type: "string" }, profile: { type: "string" } });
    const scenario = loadSimScenario(values.scenario, undefined);
    let profile;
    try {
      profile = loadProfile(values.profile ?? REFERENCE_PROFILE_PATH);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const plant = createPlant(scenario, profile);
    let close: () => Promise<void>;
    let path: string;
    try {
      if (values.mcu) {
        const { startSimavrOnPty } = await import("../../../hardware/sim/mcu/serve-pty.ts");
        const { missingToolchain } = await import("../../../hardware/sim/mcu/toolchain.ts");
        const missing = missingToolchain();
        if (missing.length) throw new CliError(`--mcu needs the AVR toolchain and simavr: apt-get install ${missing.join(" ")}`);
        const served = await startSimavrOnPty(plant, profile);
        path = served.path;
        close = served.close;
      } else {
        const served = await startVirtualBoardOnPty({ plant, clock: new SystemClock(), profile });
        path = served.path;
        close = async () => {
          served.board.unplug();
          await served.close();
        };
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message);
    }
    const person = new CuffFeelingPerson(plant, scenario.plan);
    const timer = setInterval(() => person.update(), PERSON_TICK_MS);
    io.stdout.write(path + "\n");
    io.stderr.write(
      `cuff virtual-board: ${values.mcu ? "the cuff sketch on simavr" : "a virtual Firmata board"} with ${scenario.name} ` +
        `(${scenario.limb}; the person does ${describePlan(scenario.plan, scenario.limb)}) on ${path}\n` +
        `  try: cuff session --board ${path} --limb ${scenario.limb}\n` +
        "  Ctrl-C stops it.\n",
    );
    await new Promise<void>((resolve) => {
      const off = io.onInterrupt(() => {
        off();
        resolve();
      });
    });
    clearInterval(timer);
    await close();
    io.stderr.write("cuff virtual-board: unplugged and stopped\n");
    return 0;
  },
};
