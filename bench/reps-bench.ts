/**
 * Rep-counting benchmark: reps counted from the cuff pressure during regulated sets.
 *
 *   npx tsx bench/reps-bench.ts [--seed 2026] [--count 60] [--stack 40]
 *
 * 1. The shipped scenarios, through the whole controller (`cuff bench`'s runScenario):
 *    every set ends at its count; then each scenario to failure in the closed-loop
 *    harness (20-10-12-8 of 30-15-15-15 done): how long after the athlete's last rep
 *    the set ends by itself.
 * 2. A seeded population (each subject's own cadence 1.5-3 s, swing, pump, cuff and
 *    knocks) in the harness: all planned reps done, and to failure.
 * 3. The same population through the whole controller (`protocolScenario`): sets that
 *    ended before the athlete finished, reps counted of those planned.
 *
 * "Phantom" reps: the counter is fed on through each 30 s rest (the controller does not
 * count there); a phantom is a rep counted beyond those the athlete began.
 */
import { runScenario } from "../hardware/sim/bench/run-scenario.ts";
import { referenceProfile } from "../hardware/profile.ts";
import { createPlant } from "../hardware/sim/cuff.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import { loadScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { targetMmhg } from "../shared/plan.ts";
import { runSets, type SetRun } from "../hardware/sim/bench/reps-harness.ts";
import { protocolScenario } from "./regulation-population.ts";
import { fixedOrDash as f, quantile } from "./stats.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const SEED = option("seed", 2026);
const COUNT = option("count", 60);
const STACK = option("stack", 40);
const SCHEME = [30, 15, 15, 15];
const TO_FAILURE = [20, 10, 12, 8];
const REST_SECONDS = 30;
const SHIPPED = ["arm-50-lop", "high-bp", "leg-press-80-lop", "low-bp", "narrow-cuff-thigh", "wide-cuff-arm", "leak-and-host-silent"];

const profile = referenceProfile();

function harnessSets(scenario: Scenario, athlete?: readonly number[]): SetRun[] {
  const plant = createPlant(scenario, profile);
  return runSets(plant, profile, targetMmhg(scenario.plan.target, plant.lopTrueMmhg)!, SCHEME, REST_SECONDS, athlete);
}

/** One line over many sets: what a user would notice. */
function harnessRow(label: string, runs: readonly SetRun[], toFailure: boolean): string {
  const expected = runs.reduce((a, r) => a + (toFailure ? r.done : r.planned), 0);
  const counted = runs.reduce((a, r) => a + Math.min(r.counted, toFailure ? r.done : r.planned), 0);
  const overCounted = runs.reduce((a, r) => a + Math.max(0, r.counted - (toFailure ? r.done : r.planned)), 0);
  const early = runs.filter((r) => r.endedBy === "quiet" && r.done < r.planned).length;
  const ends = runs.flatMap((r) => (toFailure && r.quietDetectedAfterSeconds !== null ? [r.quietDetectedAfterSeconds] : []));
  const endText = toFailure
    ? ` | set end after the last rep median/p90/max ${f(quantile(ends, 0.5))}/${f(quantile(ends, 0.9))}/${f(Math.max(...ends))} s, over 3 s: ${ends.filter((e) => e > 3).length}`
    : ` | sets ended before the athlete finished: ${early}`;
  return `${label.padEnd(30)} | ${String(runs.length).padStart(3)} sets | counted ${f((100 * counted) / expected)} % of ${expected} | over-counted ${overCounted} | phantom reps in rests ${runs.reduce((a, r) => a + r.phantomInRest, 0)}${endText}`;
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Shipped scenarios through the whole controller (${SCHEME.join("-")} unless the file plans otherwise), then to failure (${TO_FAILURE.join("-")} done) in the closed-loop harness`);
  const failureRuns: SetRun[] = [];
  for (const name of SHIPPED) {
    const scenario = loadScenario(new URL(`../scenarios/${name}.json`, import.meta.url).pathname);
    const stack = await runScenario(scenario, { profile });
    const sets = stack.reps.map((r) => `${r.counted}/${r.planned}`).join(" ");
    const runs = harnessSets(scenario, TO_FAILURE);
    failureRuns.push(...runs);
    const ends = runs.map((r) => f(r.quietDetectedAfterSeconds ?? Number.NaN)).join(" ");
    console.log(
      `  ${name.padEnd(22)} rep ${f(scenario.exercise.repSeconds)} s | controller: counted/planned ${sets.padEnd(23)} (${stack.endReason}) | to failure: counted/done ${runs.map((r) => `${r.counted}/${r.done}`).join(" ")}, set end ${ends} s after the last rep, phantom ${runs.reduce((a, r) => a + r.phantomInRest, 0)}`,
    );
  }
  console.log(harnessRow("  shipped, to failure", failureRuns, true));

  const population = generatePopulation(SEED, COUNT);
  console.log(`\nPopulation seed ${SEED}, ${COUNT} subjects (cadence 1.5-3 s, arm and thigh cuffs 5-12 cm, pumps 2-4 L/min), closed-loop harness`);
  console.log(harnessRow("  all planned reps done", population.flatMap((s) => harnessSets(s)), false));
  console.log(harnessRow("  to failure", population.flatMap((s) => harnessSets(s, TO_FAILURE)), true));

  let planned = 0;
  let counted = 0;
  let sets = 0;
  let early = 0;
  for (const s of population.slice(0, STACK)) {
    for (const r of (await runScenario(protocolScenario(s), { profile })).reps) {
      sets++;
      planned += r.planned;
      counted += Math.min(r.counted, r.planned);
      if (r.counted < r.planned && r.done < r.planned) early++;
    }
  }
  console.log(`\nWhole controller, first ${STACK} of them (80 % LOP thigh, 50 % arm): counted ${f((100 * counted) / planned)} % of ${planned} planned reps; ${early} of ${sets} sets ended before the athlete finished`);
  console.log(`\nwall ${f((performance.now() - started) / 1000)} s`);
}

await main();
