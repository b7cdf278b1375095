/**
 * The second pressure sensor, measured through whole sessions of the firmware on the simulated
 * cuff:
 * 1. healthy builds over the scenario ranges (subjects to 150 bpm, swings to 35 mmHg, every cuff,
 *    pump and leak; each sensor with its own noise up to 1 mmHg, offset, drift and span error):
 *    how many sessions the disagreement rule (or any sensor rule) ends, and how far apart the
 *    two zeroed readings came;
 * 2. a sensor drifting in the first set of the population's sessions (thighs at 80 % LOP, arms
 *    at 60 %): the highest true pressure reached, as a share of LOP, and how long after the
 *    drifting sensor was 10 mmHg off the board was pump off, vent open.
 *
 *   npx tsx bench/sensor-faults.ts [--healthy N] [--seed S] [--population N]
 */
import { type HardwareProfile, referenceProfile } from "../hardware/profile.ts";
import { type BenchResult, runScenario, type TraceRow } from "../hardware/sim/bench/run-scenario.ts";
import { trueLopMmhg } from "../hardware/sim/physiology.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import { Prng } from "../hardware/sim/prng.ts";
import { parseScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { MAX_LOP_MMHG } from "../shared/limits.ts";
import { fixedOrDash as f, quantile } from "./stats.ts";


export interface HealthyPairs {
  runs: number;
  disagreements: number;
  /** Sessions with any sensor alarm, described. */
  sensorAlarms: string[];
  /** Per session, the widest 0.5 s mean gap between the zeroed readings. */
  gaps: number[];
}

export interface DriftFigures {
  peaksPercentLop: number[];
  secondsAtLop: number;
  /** Per session caught after the sensor was 10 mmHg off, seconds from then to the safe state. */
  toSafeAfterTen: number[];
  endings: Map<string, number>;
}

function drawHealthy(rng: Prng, seed: number, index: number): Scenario {
  const u = (min: number, max: number, digits = 0) => Number(rng.uniform(min, max).toFixed(digits));
  const limb = rng.next() < 0.5 ? "arm" : "leg";
  const systolic = u(90, 200);
  return parseScenario({
    name: `healthy pair ${seed} #${index}`,
    seed: seed * 10_000 + index,
    limb,
    subject: { systolic, diastolic: Math.max(40, Math.min(systolic - 20, u(40, 130))), heartRate: u(40, 150), limbCircumferenceCm: limb === "arm" ? u(20, 45) : u(38, 80) },
    cuff: { widthCm: u(4, 15, 1) },
    hardware: {
      pumpFreeFlowLpm: u(0.5, 6, 2),
      leakMmhgPerMin: u(0, 60, 1),
      sensorNoiseMmhg: u(0, 1, 2),
      sensorOffsetMmhg: u(-20, 20, 1),
      sensorSpanErrorPercent: u(-1, 1, 2),
      secondarySensorNoiseMmhg: u(0, 1, 2),
      secondarySensorOffsetMmhg: u(-9, 9, 1),
      secondarySensorDriftMmhgPerMin: u(-0.1, 0.1, 3),
      secondarySensorSpanErrorPercent: u(-1, 1, 2),
    },
    plan: { sets: [15, 10, 10], restSeconds: u(20, 60), target: { percentLop: limb === "leg" ? u(60, 80) : u(40, 60) }, lop: index % 2 === 0 ? "measure" : 200 },
    exercise: { repSeconds: u(1, 6, 1), contractionSwingMmhg: u(0, 35), swellingMmhg: u(0, 30), motionArtefactMmhg: u(0, 4, 1) },
  });
}

/** The largest 0.5 s mean of |first - second| of the firmware's two zeroed readings in a trace. */
function widestGap(): { row(r: TraceRow): void; widest(): number } {
  const window: number[] = [];
  let sum = 0;
  let widest = 0;
  return {
    row(r) {
      if (r.sensorMmhg === null || r.secondarySensorMmhg === null || !Number.isFinite(r.secondarySensorMmhg) || r.state === "zeroing" || r.phase === "idle") return;
      const gap = Math.abs(r.sensorMmhg - r.secondarySensorMmhg);
      window.push(gap);
      sum += gap;
      if (window.length > 50) sum -= window.shift()!;
      if (window.length === 50) widest = Math.max(widest, sum / 50);
    },
    widest: () => widest,
  };
}

/** Healthy two-sensor builds drawn over the scenario ranges, run whole. */
export async function runHealthyPairs(count: number, seed: number, profile: HardwareProfile): Promise<HealthyPairs> {
  const rng = new Prng(seed, 23);
  const out: HealthyPairs = { runs: 0, disagreements: 0, sensorAlarms: [], gaps: [] };
  for (let i = 0; out.runs < count; i++) {
    const scenario = drawHealthy(rng, seed, i);
    const lop = trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm);
    if (lop > MAX_LOP_MMHG) continue;
    const given = scenario.plan.lop === "measure" ? scenario : { ...scenario, plan: { ...scenario.plan, lop: Math.round(lop) } };
    const gap = widestGap();
    const result = await runScenario(given, { profile, onTrace: (r) => gap.row(r) });
    out.runs++;
    out.gaps.push(gap.widest());
    if (result.alarms.some((a) => a.kind === "sensor-disagreement")) out.disagreements++;
    const sensorAlarm = result.alarms.find((a) => a.kind.startsWith("sensor"));
    if (sensorAlarm) out.sensorAlarms.push(`${scenario.name}: ${sensorAlarm.kind} at ${f(sensorAlarm.t)} s (${sensorAlarm.detail})`);
  }
  return out;
}

async function driftRun(s: Scenario, sensor: 0 | 1, mmhgPerMin: number, profile: HardwareProfile): Promise<{ peakPercent: number; secondsAtLop: number; toSafeAfterApart: number | null; result: BenchResult }> {
  const lop = trueLopMmhg(s.limb, s.subject, s.cuff.widthCm);
  const percentLop = s.limb === "leg" ? 80 : 60;
  const scenario: Scenario = { ...s, faults: [], plan: { mode: "sets", sets: [30, 15, 15, 15], restSeconds: 30, countReps: true, target: { percentLop }, lop: Math.round(lop) } };
  let peak = 0;
  let atLop = 0;
  const result = await runScenario(scenario, {
    profile,
    faultOnPhase: { kind: "sensor-drift", phase: "set", afterSeconds: 2, params: { sensor, mmhgPerMin } },
    onTrace: (r) => {
      if (r.phase === "lop" || r.phase === "deflate") return;
      peak = Math.max(peak, r.cuffMmhg);
      if (r.cuffMmhg >= lop) atLop += 0.01;
    },
  });
  const fault = result.faults.find((x) => x.kind === "sensor-drift");
  const safeAt = fault?.toSafeSeconds === null || fault === undefined ? null : fault.at + fault.toSafeSeconds;
  // The drifting sensor is 10 mmHg off this long after the fault begins; a session that ends
  // vented before then is not judged, one that goes on past it without a fault is a miss.
  const offBy10At = fault === undefined ? null : fault.at + (10 / Math.abs(mmhgPerMin)) * 60;
  let toSafe: number | null = null;
  if (offBy10At !== null && result.finalState === "fault" && safeAt !== null) toSafe = Math.max(0, safeAt - offBy10At);
  else if (offBy10At !== null && offBy10At < result.simSeconds) toSafe = Number.POSITIVE_INFINITY;
  return { peakPercent: (100 * peak) / lop, secondsAtLop: atLop, toSafeAfterApart: toSafe, result };
}

/** A sensor drifting from 2 s into the first set of each session (thighs at 80 % LOP, arms at 60 %). */
export async function runDrifts(population: readonly Scenario[], sensor: 0 | 1, mmhgPerMin: number, profile: HardwareProfile): Promise<DriftFigures> {
  const out: DriftFigures = { peaksPercentLop: [], secondsAtLop: 0, toSafeAfterTen: [], endings: new Map() };
  for (const s of population) {
    const r = await driftRun(s, sensor, mmhgPerMin, profile);
    out.peaksPercentLop.push(r.peakPercent);
    out.secondsAtLop += r.secondsAtLop;
    if (r.toSafeAfterApart !== null) out.toSafeAfterTen.push(r.toSafeAfterApart);
    const ending = r.result.finalState === "fault" ? (r.result.endReason ?? "fault") : r.result.finalState;
    out.endings.set(ending, (out.endings.get(ending) ?? 0) + 1);
  }
  return out;
}

/** A markdown row of a drift's figures. */
export function driftRow(label: string, d: DriftFigures, count: number): string {
  const sorted = [...d.peaksPercentLop].sort((a, b) => a - b);
  const endings = [...d.endings.entries()].map(([k, n]) => `${k} ${n}`).join(", ");
  const safe = d.toSafeAfterTen.length ? `${f(Math.max(...d.toSafeAfterTen))} s` : "-";
  return `| ${label} | ${f(quantile(sorted, 0.5))} % | ${f(quantile(sorted, 0.9))} % | ${f(sorted.at(-1)!)} % | ${sorted.filter((p) => p >= 97).length} of ${count} | ${f(d.secondsAtLop)} | ${safe} | ${endings} |`;
}

export const DRIFT_HEADER = "| sensor, drift | median peak | p90 | worst | sessions at 97 % LOP or more | s at or above LOP | safe after the sensor is 10 mmHg off (worst) | ended |\n|---|---|---|---|---|---|---|---|";

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const USAGE = "usage: npx tsx bench/sensor-faults.ts [--healthy N] [--seed N] [--population N]";
  const option = (name: string, fallback: string): number => {
    const i = args.indexOf(`--${name}`);
    return Number(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback);
  };
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`${USAGE}\n\nHealthy two-sensor builds over the scenario ranges (faults and disagreement), then a sensor\ndrifting in the first set of population sessions (peak true pressure, time to the safe state).`);
    process.exit(0);
  }
  const HEALTHY = option("healthy", "500");
  const SEED = option("seed", "31");
  const POPULATION = option("population", "60");
  if (![HEALTHY, SEED, POPULATION].every(Number.isInteger) || HEALTHY < 0 || POPULATION < 0) {
    console.error(USAGE);
    process.exit(2);
  }

  const profile = referenceProfile();

  const started = Date.now();
  if (HEALTHY > 0) {
    const healthy = await runHealthyPairs(HEALTHY, SEED, profile);
    const sorted = [...healthy.gaps].sort((a, b) => a - b);
    console.log(`Healthy two-sensor builds over the scenario ranges, seed ${SEED}: ${healthy.runs} sessions`);
    console.log(`  sessions ended by sensor-disagreement: ${healthy.disagreements}; with any sensor alarm: ${healthy.sensorAlarms.length}`);
    console.log(`  widest 0.5 s mean gap between the zeroed readings per session: median ${f(quantile(sorted, 0.5))}, p99 ${f(quantile(sorted, 0.99))}, max ${f(sorted.at(-1) ?? 0)} mmHg (rule: 9 mmHg)`);
    if (healthy.sensorAlarms.length) console.log(healthy.sensorAlarms.map((a) => `  ${a}`).join("\n"));
  }
  if (POPULATION > 0) {
    const population = generatePopulation(2026, POPULATION);
    console.log(`\nA sensor drifting from 2 s into the first set, population seed 2026, ${POPULATION} sessions (thighs at 80 % LOP, arms at 60 %)`);
    console.log(DRIFT_HEADER);
    for (const sensor of [0, 1] as const) {
      for (const mmhgPerMin of [-50, -20, -10, -5, -2, 20]) {
        console.log(driftRow(`${sensor === 0 ? "first" : "second"}, ${mmhgPerMin} mmHg/min`, await runDrifts(population, sensor, mmhgPerMin, profile), POPULATION));
      }
    }
  }
  console.log(`\nwall ${((Date.now() - started) / 1000).toFixed(0)} s`);

}
