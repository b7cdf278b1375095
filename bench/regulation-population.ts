/**
 * Regulation over a population of simulated subjects on the protocol of
 * BRIEF.md's table (80 % LOP on the thigh, 30-15-15-15, 30 s rests), LOP given
 * as the true value so that regulation is judged on its own.
 * `npx tsx bench/regulation-population.ts [count] [seed]`
 */
import { referenceProfile } from "../hardware/profile.ts";
import { trueLopMmhg as lopOf } from "../hardware/sim/physiology.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import { type BenchResult, runScenarios } from "../hardware/sim/bench/run-scenario.ts";

/** The simulator's true LOP for a scenario's subject and cuff. */
export function trueLopMmhg(s: Scenario): number {
  return lopOf(s.limb, s.subject, s.cuff.widthCm);
}

/**
 * BRIEF.md's protocol: 30-15-15-15, 30 s rests; legs at 80 % LOP, arms at 50 %; no faults.
 * LOP given as the true value (regulation judged on its own; run with lopConfirmed, as if the cuff had measured it) or measured by the cuff first.
 */
export function protocolScenario(s: Scenario, lop: "given" | "measure" = "given"): Scenario {
  const percentLop = s.limb === "leg" ? 80 : 50;
  return {
    ...s,
    faults: [],
    plan: { mode: "sets", sets: [30, 15, 15, 15], restSeconds: 30, countReps: true, target: { percentLop }, lop: lop === "given" ? Math.round(trueLopMmhg(s)) : "measure" },
  };
}

export function runRegulationPopulation(count: number, seed: number): Promise<BenchResult[]> {
  const profile = referenceProfile();
  return runScenarios(generatePopulation(seed, count).map((s) => protocolScenario(s)), { profile, lopConfirmed: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 20);
  const seed = Number(process.argv[3] ?? 1);
  const results = await runRegulationPopulation(count, seed);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const pick = (k: keyof BenchResult["metrics"]) => results.map((r) => (r.metrics[k] as number | null) ?? 0);
  for (const r of results) {
    const m = r.metrics;
    console.log(
      `${r.name.slice(0, 70).padEnd(70)} ex10 ${m.exerciseWithin10?.toFixed(3)} ex5 ${m.exerciseWithin5?.toFixed(3)} r3 ${m.restWithin3?.toFixed(3)} peak ${m.peakPercentLop} valley ${m.valleyPercentLop} above ${m.secondsAboveLop} ${r.finalState} ${r.alarms.map((a) => (process.env.DETAIL ? `${a.kind}@${a.t}: ${a.detail}` : a.kind)).join(",")}`,
    );
  }
  console.log(
    `mean ex10 ${mean(pick("exerciseWithin10")).toFixed(4)} ex5 ${mean(pick("exerciseWithin5")).toFixed(4)} min ex5 ${Math.min(...pick("exerciseWithin5")).toFixed(3)} r3 ${mean(pick("restWithin3")).toFixed(4)} r5 ${mean(pick("restWithin5")).toFixed(4)} above ${mean(pick("secondsAboveLop")).toFixed(2)} vented ${results.filter((r) => r.finalState === "vented").length}/${results.length}`,
  );
}
