/**
 * Random host command sequences for the hostile-host model (hardware/sim/bench/hostile-host.ts):
 * every valid command with any LOP claim (50-300 mmHg) and any target, silences, reconnections
 * and reused seqs, against a random member of the simulated physiology family. Used by the
 * property test (tests/firmware/hostile-host.test.ts) and by bench/hostile-host.ts.
 */
import fc from "fast-check";
import type { HostileStep } from "../hardware/sim/bench/hostile-host.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import { PLAN_RANGES as R } from "../shared/limits.ts";

const limb = fc.constantFrom("arm" as const, "leg" as const);
const claim = fc.integer({ min: R.lopMmhg.min, max: R.lopMmhg.max });
/** Any target, but mostly the highest the limits allow: that is where a wrong LOP would occlude. */
const target = fc.oneof(
  { weight: 1, arbitrary: fc.record({ percentLop: fc.integer({ min: R.targetPercentLop.min, max: R.targetPercentLop.max }) }) },
  { weight: 2, arbitrary: fc.record({ percentLop: fc.integer({ min: 80, max: R.targetPercentLop.max }) }) },
  { weight: 1, arbitrary: fc.record({ mmhg: fc.integer({ min: R.targetMmhg.min, max: R.targetMmhg.max }) }) },
);
const lopSource = fc.oneof(fc.constant("measure" as const), claim);
const plan = fc.oneof(
  fc.record({ mode: fc.constant("sets" as const), sets: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }), restSeconds: fc.integer({ min: 0, max: 60 }), target, lop: lopSource }),
  fc.record({ mode: fc.constant("continuous" as const), minutes: fc.integer({ min: 1, max: 10 }), target, lop: lopSource }),
  fc.record({ mode: fc.constant("cycle" as const), cycles: fc.integer({ min: 1, max: 6 }), holdSeconds: fc.integer({ min: 5, max: 60 }), stepMmhg: fc.integer({ min: 0, max: 40 }), target, lop: lopSource }),
);
const hostSilence = fc.record({ policy: fc.constantFrom("vent" as const, "continue" as const), timeoutSeconds: fc.integer({ min: 1, max: 60 }) });

const command: fc.Arbitrary<HostileStep> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "zero" as const }) },
  { weight: 1, arbitrary: limb.map((l) => ({ kind: "measure-lop" as const, limb: l })) },
  {
    weight: 3,
    arbitrary: fc.record(
      { kind: fc.constant("configure" as const), lopMmhg: claim, maxPercentLop: fc.integer({ min: R.targetPercentLop.min, max: R.targetPercentLop.max }), hostSilence },
      { requiredKeys: ["kind"] },
    ),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("start-session" as const), limb, plan }) },
  { weight: 4, arbitrary: target.map((t) => ({ kind: "hold" as const, target: t })) },
  { weight: 2, arbitrary: fc.constantFrom({ kind: "set-done" as const }, { kind: "deflate" as const }, { kind: "abort" as const }, { kind: "ack-fault" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reconnect" as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }).map((back) => ({ kind: "reuse-seq" as const, back })) },
  { weight: 1, arbitrary: fc.integer({ min: 3, max: 20 }).map((reps) => ({ kind: "reps" as const, reps })) },
);

/** What follows a command: the host goes on talking, or falls silent, for up to two minutes (or at once). */
const pause: fc.Arbitrary<HostileStep[]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<HostileStep[]>([]) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 150 }).map((seconds) => [{ kind: "wait" as const, seconds }]) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 120 }).map((seconds) => [{ kind: "silence" as const, seconds }]) },
);

/** The straight attack: an LOP claim, the highest target on it, then minutes of holding, talking or silent. */
const attack: fc.Arbitrary<HostileStep[]> = fc
  .tuple(
    claim,
    fc.integer({ min: 80, max: R.targetPercentLop.max }),
    fc.constantFrom("configure-then-hold" as const, "start-session" as const),
    fc.integer({ min: 60, max: 400 }),
    fc.boolean(),
  )
  .map(([lopMmhg, percentLop, how, seconds, silent]) => [
    ...(how === "configure-then-hold"
      ? [{ kind: "configure" as const, lopMmhg, hostSilence: { policy: "continue" as const, timeoutSeconds: 60 } }, { kind: "hold" as const, target: { percentLop } }]
      : [{ kind: "start-session" as const, limb: "leg" as const, plan: { mode: "continuous" as const, minutes: 10, target: { percentLop }, lop: lopMmhg } }]),
    { kind: silent ? ("silence" as const) : ("wait" as const), seconds },
  ]);

/** Commands, each followed by a pause, or whole attacks, after the cuff is zeroed. */
export const hostileSequence: fc.Arbitrary<HostileStep[]> = fc
  .array(fc.oneof({ weight: 3, arbitrary: fc.tuple(command, pause).map(([c, p]) => [c, ...p]) }, { weight: 1, arbitrary: attack }), { minLength: 2, maxLength: 10 })
  .map((moves) => [{ kind: "zero" as const }, { kind: "wait" as const, seconds: 3 }, ...moves.flat()]);

/** One member of the physiology family (population draws: limb, cuff, blood pressure, physiology keys), with or without the distal pulse sensor. */
export function familyMember(seed: number, distalPulseSensor: boolean): Scenario {
  const scenario = generatePopulation(seed, 1)[0]!;
  return { ...scenario, faults: [], hardware: { ...scenario.hardware, distalPulseSensor } };
}
