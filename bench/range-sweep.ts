/**
 * Healthy hardware across the scenario ranges: sessions drawn evenly over the ranges a
 * scenario file may ask for (not the population model's typical subjects), none with a
 * fault injected. Whatever ends such a session in a fault, or warns, is a false alarm
 * or a limit of the design; so is any time above LOP.
 *
 *   npx tsx bench/range-sweep.ts [--seed 1] [--count 150] [--ranges contract|schema]
 *
 * contract: subjects (systolic 95-190, heart rate 45-140, arm or thigh), cuffs 5-13 cm,
 *   pumps 0.5-6 L/min, leaks 0-60 mmHg/min, sensor noise 0-1 mmHg, offsets +-15 mmHg, any
 *   cadence, swing, swelling and knocks; the reference hose, vent and manifold.
 * schema: the same, and hoses 0.3-4 m of 2.5-6 mm tube, vents 1-3.5 mm, manifolds 3-60 mL.
 * Plans: 15-10-10 reps, 20-60 s rests, thighs at 60-80 % LOP and arms at 40-60 %, the LOP
 * measured by the cuff in every other session and given in the rest.
 */
import { type BenchResult, runScenario } from "../hardware/sim/bench/run-scenario.ts";
import { referenceProfile } from "../hardware/profile.ts";
import { trueLopMmhg } from "../hardware/sim/physiology.ts";
import { Prng } from "../hardware/sim/prng.ts";
import { parseScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { MAX_LOP_MMHG } from "../shared/limits.ts";
import { fixedOrDash as f, quantile } from "./stats.ts";

const args = process.argv.slice(2);
const USAGE = "usage: npx tsx bench/range-sweep.ts [--seed N] [--count N>=1] [--ranges contract|schema]";
if (args.includes("--help") || args.includes("-h")) {
  console.log(`${USAGE}\n\nHealthy sessions drawn evenly over the scenario ranges, no fault injected: how they ended,\nthe alarms raised, time above LOP and the LOP errors. contract: subjects, cuffs, pumps, leaks,\nsensor noise and offset, cadence and swing; schema: also hose, vent and manifold.`);
  process.exit(0);
}
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const SEED = Number(option("seed", "1"));
const COUNT = Number(option("count", "150"));
const RANGES = option("ranges", "contract");
if (!Number.isInteger(SEED) || !Number.isInteger(COUNT) || COUNT < 1 || (RANGES !== "contract" && RANGES !== "schema")) {
  console.error(USAGE);
  process.exit(2);
}

function draw(rng: Prng, index: number): Scenario {
  const u = (min: number, max: number, digits = 0) => Number(rng.uniform(min, max).toFixed(digits));
  const limb = rng.next() < 0.5 ? "arm" : "leg";
  const systolic = u(95, 190);
  const hardware: Record<string, number> = { pumpFreeFlowLpm: u(0.5, 6, 2), leakMmhgPerMin: u(0, 60, 1), sensorNoiseMmhg: u(0, 1, 2), sensorOffsetMmhg: u(-15, 15, 1) };
  if (RANGES === "schema") Object.assign(hardware, { ventOrificeMm: u(1, 3.5, 2), hoseLengthM: u(0.3, 4, 2), hoseInnerMm: u(2.5, 6, 1), manifoldMl: u(3, 60) });
  const measured = index % 2 === 0;
  const scenario = parseScenario({
    name: `range ${RANGES} ${SEED} #${index}`,
    seed: SEED * 10_000 + index,
    limb,
    subject: { systolic, diastolic: Math.min(systolic - 20, u(45, 110)), heartRate: u(45, 140), limbCircumferenceCm: limb === "arm" ? u(22, 45) : u(38, 75), breathsPerMin: u(8, 28) },
    cuff: { widthCm: u(5, 13, 1) },
    hardware,
    plan: { sets: [15, 10, 10], restSeconds: u(20, 60), target: { percentLop: limb === "leg" ? u(60, 80) : u(40, 60) }, lop: "measure" },
    exercise: { repSeconds: u(1.5, 4, 1), contractionSwingMmhg: u(5, 40), swellingMmhg: u(0, 20), motionArtefactMmhg: u(0, 4, 1) },
  });
  return measured ? scenario : { ...scenario, plan: { ...scenario.plan, lop: Math.round(trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm)) } };
}

function describe(s: Scenario, r: BenchResult): string {
  const h = s.hardware;
  const hose = RANGES === "schema" ? `, hose ${h.hoseLengthM} m x ${h.hoseInnerMm} mm, vent ${h.ventOrificeMm} mm` : "";
  const cause = r.alarms.find((a) => r.endReason === `fault: ${a.kind}`);
  return `  #${s.name.split("#")[1]} ${s.limb} ${s.cuff.widthCm} cm, ${s.subject.systolic}/${s.subject.diastolic}, ${s.subject.heartRate} bpm, pump ${h.pumpFreeFlowLpm} L/min, leak ${h.leakMmhgPerMin}, noise ${h.sensorNoiseMmhg}${hose}: ${r.endReason ?? r.outcome}${cause ? ` at ${f(cause.t)} s (${cause.detail})` : ""}`;
}

const profile = referenceProfile();
const rng = new Prng(SEED, 9);
const endings = new Map<string, number>();
const warnings = new Map<string, number>();
const faulted: string[] = [];
const lopErrors: number[] = [];
let unreachable = 0;
let run = 0;
let aboveLop = 0;
let peakPercent = 0;
const started = Date.now();
for (let i = 0; i < COUNT; i++) {
  const scenario = draw(rng, i);
  if (trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm) > MAX_LOP_MMHG) {
    unreachable++;
    continue;
  }
  const result = await runScenario(scenario, { profile, lopConfirmed: true });
  run++;
  const ending = result.finalState === "fault" ? (result.endReason ?? "fault") : result.finalState;
  endings.set(ending, (endings.get(ending) ?? 0) + 1);
  for (const kind of new Set(result.alarms.filter((a) => a.kind !== "lop-failed").map((a) => a.kind))) warnings.set(kind, (warnings.get(kind) ?? 0) + 1);
  if (result.finalState === "fault") faulted.push(describe(scenario, result));
  if ((result.metrics.secondsAboveLop ?? 0) > 0) aboveLop++;
  peakPercent = Math.max(peakPercent, result.metrics.peakPercentLop ?? 0);
  if (result.lopMeasuredMmhg !== null) lopErrors.push(result.lopMeasuredMmhg - result.lopTrueMmhg);
}

const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
const measuredSessions = Math.ceil(COUNT / 2);
console.log(`Healthy hardware across the ${RANGES} ranges, seed ${SEED}: ${run} sessions (${unreachable} drawn with a true LOP over ${MAX_LOP_MMHG} mmHg skipped)`);
console.log(`ended: ${sorted(endings)}`);
console.log(`sessions with each alarm kind (lop-failed aside): ${sorted(warnings) || "none"}`);
console.log(`time above true LOP: ${aboveLop} sessions; highest peak ${f(peakPercent)} % LOP`);
const absErrors = lopErrors.map(Math.abs);
console.log(
  `LOP measured in ${lopErrors.length} of about ${measuredSessions} sessions: mean error ${f(lopErrors.reduce((a, b) => a + b, 0) / Math.max(1, lopErrors.length))} mmHg, p95 |error| ${f(quantile(absErrors, 0.95))}, more than 10 mmHg off ${absErrors.filter((e) => e > 10).length}`,
);
if (faulted.length) console.log(["sessions that ended in a fault:", ...faulted].join("\n"));
console.log(`\nwall ${((Date.now() - started) / 1000).toFixed(1)} s`);
