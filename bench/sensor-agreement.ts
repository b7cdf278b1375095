/**
 * How far apart the two pressure sensors of healthy simulated builds read, through whole
 * sessions of the firmware on the simulated cuff: the disagreement a rule comparing them must
 * tolerate. Sessions are drawn evenly over the scenario ranges (subjects to 150 bpm, swings
 * to 40 mmHg, pumps, leaks, cuffs), each sensor with its own noise (0-1 mmHg), offset
 * (+-20 mmHg), drift (+-0.1 mmHg/min, a healthy part's) and span error (+-1 %, what a passed
 * span check leaves). Each sensor is zeroed on the samples of the firmware's zeroing; the
 * difference of the zeroed readings is averaged over 0.5 s, as hardware/README.md's rule does.
 *
 *   npx tsx bench/sensor-agreement.ts [--seed 1] [--count 100] [--threshold 9]
 */
import type { PressureSample } from "../firmware/board/board.ts";
import { countsToMmhg, referenceProfile, secondaryCountsToMmhg } from "../hardware/profile.ts";
import { runScenario } from "../hardware/sim/bench/run-scenario.ts";
import { trueLopMmhg } from "../hardware/sim/physiology.ts";
import { Prng } from "../hardware/sim/prng.ts";
import { parseScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { MAX_LOP_MMHG } from "../shared/limits.ts";
import type { Phase } from "../shared/protocol/messages.ts";
import { quantile } from "./stats.ts";

const args = process.argv.slice(2);
const USAGE = "usage: npx tsx bench/sensor-agreement.ts [--seed N] [--count N>=1] [--threshold MMHG]";
if (args.includes("--help") || args.includes("-h")) {
  console.log(`${USAGE}\n\nHealthy sessions over the scenario ranges, two sensors each: the largest 0.5 s mean of their\nzeroed difference per session, and how many sessions pass the threshold.`);
  process.exit(0);
}
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const SEED = Number(option("seed", "1"));
const COUNT = Number(option("count", "100"));
const THRESHOLD = Number(option("threshold", "9"));
if (!Number.isInteger(SEED) || !Number.isInteger(COUNT) || COUNT < 1 || !(THRESHOLD > 0)) {
  console.error(USAGE);
  process.exit(2);
}
/** 0.5 s of samples at 100 Hz. */
const WINDOW = 50;

function draw(rng: Prng, index: number): Scenario {
  const u = (min: number, max: number, digits = 0) => Number(rng.uniform(min, max).toFixed(digits));
  const limb = rng.next() < 0.5 ? "arm" : "leg";
  const systolic = u(95, 190);
  return parseScenario({
    name: `sensor agreement ${SEED} #${index}`,
    seed: SEED * 10_000 + index,
    limb,
    subject: { systolic, diastolic: Math.min(systolic - 20, u(45, 110)), heartRate: u(45, 150), limbCircumferenceCm: limb === "arm" ? u(22, 45) : u(38, 75) },
    cuff: { widthCm: u(5, 13, 1) },
    hardware: {
      pumpFreeFlowLpm: u(2, 6, 2),
      leakMmhgPerMin: u(0, 20, 1),
      sensorNoiseMmhg: u(0, 1, 2),
      sensorOffsetMmhg: u(-20, 20, 1),
      sensorDriftMmhgPerMin: u(-0.1, 0.1, 3),
      sensorSpanErrorPercent: u(-1, 1, 2),
      secondarySensorNoiseMmhg: u(0, 1, 2),
      secondarySensorOffsetMmhg: u(-20, 20, 1),
      secondarySensorDriftMmhgPerMin: u(-0.1, 0.1, 3),
      secondarySensorSpanErrorPercent: u(-1, 1, 2),
    },
    plan: { sets: [15, 10, 10], restSeconds: u(20, 60), target: { percentLop: limb === "leg" ? u(60, 80) : u(40, 60) }, lop: "measure" },
    exercise: { repSeconds: u(1.5, 4, 1), contractionSwingMmhg: u(5, 40), swellingMmhg: u(0, 20), motionArtefactMmhg: u(0, 4, 1) },
  });
}

const profile = referenceProfile();
const rng = new Prng(SEED, 19);
const worstPerSession: number[] = [];
const worstSample: number[] = [];
let over = 0;
let skipped = 0;
let worstName = "";
for (let i = 0; i < COUNT; i++) {
  const scenario = draw(rng, i);
  if (trueLopMmhg(scenario.limb, scenario.subject, scenario.cuff.widthCm) > MAX_LOP_MMHG) {
    skipped++;
    continue;
  }
  const zero: [number[], number[]] = [[], []];
  let zeros: [number, number] | null = null;
  const window: number[] = [];
  let sum = 0;
  let worstMean = 0;
  let worstOne = 0;
  runScenario(scenario, {
    profile,
    onSample: (sample: PressureSample, phase: Phase) => {
      const first = countsToMmhg(profile, sample.counts);
      const second = secondaryCountsToMmhg(profile, sample.secondaryCounts!)!;
      if (phase === "zero") {
        zero[0].push(first);
        zero[1].push(second);
        return;
      }
      if (zero[0].length === 0) return;
      zeros ??= [zero[0].reduce((a, b) => a + b, 0) / zero[0].length, zero[1].reduce((a, b) => a + b, 0) / zero[1].length];
      const difference = second - zeros[1] - (first - zeros[0]);
      worstOne = Math.max(worstOne, Math.abs(difference));
      window.push(difference);
      sum += difference;
      if (window.length > WINDOW) sum -= window.shift()!;
      if (window.length === WINDOW) worstMean = Math.max(worstMean, Math.abs(sum / WINDOW));
    },
  });
  worstPerSession.push(worstMean);
  worstSample.push(worstOne);
  if (worstMean > THRESHOLD) over++;
  if (worstMean >= Math.max(...worstPerSession)) worstName = `${scenario.name}: ${JSON.stringify(scenario.hardware)}`;
}

const sorted = [...worstPerSession].sort((a, b) => a - b);
const sortedOne = [...worstSample].sort((a, b) => a - b);
const fmt = (v: number) => v.toFixed(2);
console.log(`Two healthy sensors over the scenario ranges, seed ${SEED}: ${worstPerSession.length} sessions (${skipped} drawn with a true LOP over ${MAX_LOP_MMHG} mmHg skipped)`);
console.log(`largest 0.5 s mean of |second - first| per session: median ${fmt(quantile(sorted, 0.5))}, p90 ${fmt(quantile(sorted, 0.9))}, max ${fmt(sorted.at(-1)!)} mmHg`);
console.log(`largest single-sample |second - first| per session: median ${fmt(quantile(sortedOne, 0.5))}, max ${fmt(sortedOne.at(-1)!)} mmHg`);
console.log(`sessions over ${THRESHOLD} mmHg: ${over} of ${worstPerSession.length}`);
console.log(`worst: ${worstName}`);
