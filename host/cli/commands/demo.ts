import type { Command } from "../command.ts";
import { DEFAULT_DEPS, runSessionCommand, type SessionDeps } from "./session.ts";

export const DEMO_SPEED = 10;

const HELP = `Usage: cuff demo [options]

A whole blood-flow-restriction session on the built-in simulated cuff, with the
live display: zero the sensor, measure the limb occlusion pressure (LOP), inflate,
30-15-15-15 reps with 30 s rests holding pressure, deflate, summary.
Same as "cuff session --sim --speed ${DEMO_SPEED}". Nobody wears the simulated cuff, so no
safety screen is asked. Ctrl-C vents the cuff and stops.

Options (all optional):
  --speed N          simulated seconds per real second (default ${DEMO_SPEED}: about 40 s for the
                     whole session; 1 = real time, about 6 min; "max" = as fast as possible)
  --limb arm|leg     limb of the simulated person (default leg)
  --target 80%       % of LOP (10-90) or 10-290 mmHg like 150mmHg (default 80 % on a leg, 50 % on an arm)
  --sets 30,15,15,15 reps per set          --rest 30   seconds of rest, cuff inflated
  --lop measure|MMHG measure the LOP (default) or give one in mmHg, which the cuff measures to check
  --scenario FILE    another simulated subject, hardware, plan or faults (docs/formats.md)
  --record FILE      write the session as JSON lines, to draw with "cuff plot FILE"
  --json             JSON lines on stdout instead of the display

Exit codes: 0 the session completed, 1 it ended early (the reason is printed),
2 bad usage, 130 interrupted.

Examples:
  cuff demo
  cuff demo --speed 1                    # real time
  cuff demo --limb arm --target 50% --record arm.jsonl && cuff plot arm.jsonl
`;

export function makeDemoCommand(deps: SessionDeps = DEFAULT_DEPS): Command {
  return {
    name: "demo",
    summary: "a whole BFR session on the built-in simulated cuff",
    help: HELP,
    run: (argv, io) => runSessionCommand(argv, io, { demo: true, speed: DEMO_SPEED }, deps),
  };
}

export const demoCommand = makeDemoCommand();
