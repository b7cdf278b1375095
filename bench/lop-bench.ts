/**
 * LOP benchmark: the shipped firmware (firmware/factory.ts on the simulated board,
 * "zero" then "measure-lop") over a seeded population of arm and thigh subjects,
 * three repeats each, 30 s apart. The held-out family benchmark is
 * bench/lop-uncertainty.ts.
 *
 *   npx tsx bench/lop-bench.ts [--count 240] [--seed 2026] [--quick]
 *
 * Prints the accuracy table by limb and cuff width with Delfi's published figures
 * beside it, the motion runs (knocks and injected pressure jumps), and the sensor
 * runs (noise and ADC resolution) that show what limits the accuracy.
 */
import { parseProfile, referenceProfile, type HardwareProfile } from "../hardware/profile.ts";
import { FirmwareLopBench, type FirmwareLopRun as LopRun } from "../hardware/sim/bench/lop-run.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import { Prng } from "../hardware/sim/prng.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import { fixedOrDash as f, quantile } from "./stats.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : fallback;
};
const quick = args.includes("--quick");
const COUNT = option("count", quick ? 60 : 240);
const SEED = option("seed", 2026);
const REPEATS = 3;
/** Rest between repeats, cuff vented (clinical practice: at least 30 s). */
const REST_SECONDS = 30;

interface SubjectResult {
  scenario: Scenario;
  runs: LopRun[];
}

function measureSubject(scenario: Scenario, profile: HardwareProfile, repeats: number, disturb?: (t: number) => number): SubjectResult {
  const bench = new FirmwareLopBench(scenario, profile);
  bench.zero();
  const runs: LopRun[] = [];
  for (let i = 0; i < repeats; i++) {
    if (i > 0) bench.rest(REST_SECONDS);
    runs.push(bench.measure(scenario.limb, disturb));
  }
  bench.close();
  return { scenario, runs };
}

const mean = (v: readonly number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);
const sd = (v: readonly number[]) => {
  const m = mean(v);
  return v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : Number.NaN;
};

interface Row {
  label: string;
  n: number;
  meanError: number;
  sdError: number;
  p95Abs: number;
  maxAbs: number;
  success: number;
  medianSeconds: number;
  aboveMedian: number;
  aboveMax: number;
  spreadMedian: number;
  spreadP95: number;
  quality: number;
}

function summarise(label: string, subjects: readonly SubjectResult[]): Row {
  const runs = subjects.flatMap((s) => s.runs);
  const errors = runs.flatMap((r) => (r.errorMmhg === null ? [] : [r.errorMmhg]));
  const spreads = subjects.flatMap((s) => {
    const values = s.runs.flatMap((r) => (r.outcome.ok && r.outcome.mmhg !== null ? [r.outcome.mmhg] : []));
    return values.length >= 2 ? [Math.max(...values) - Math.min(...values)] : [];
  });
  return {
    label,
    n: subjects.length,
    meanError: mean(errors),
    sdError: sd(errors),
    p95Abs: quantile(errors.map(Math.abs), 0.95),
    maxAbs: errors.length ? Math.max(...errors.map(Math.abs)) : Number.NaN,
    success: errors.length / runs.length,
    medianSeconds: quantile(runs.map((r) => r.outcome.durationSeconds), 0.5),
    aboveMedian: quantile(runs.map((r) => r.secondsAboveLop), 0.5),
    aboveMax: Math.max(...runs.map((r) => r.secondsAboveLop)),
    spreadMedian: quantile(spreads, 0.5),
    spreadP95: quantile(spreads, 0.95),
    quality: mean(runs.flatMap((r) => (r.outcome.ok ? [r.outcome.quality] : []))),
  };
}

function printTable(title: string, rows: readonly Row[], delfi: (label: string) => string): void {
  console.log(`\n${title}`);
  const header = [
    "group".padEnd(16),
    "subj",
    "mean err",
    "  SD",
    "p95|err|",
    "max|err|",
    "result",
    "median s",
    "s>LOP med/max",
    "3-repeat spread med/p95",
    "quality",
    "  Delfi (vs Doppler)",
  ];
  console.log(header.join(" | "));
  for (const r of rows) {
    console.log(
      [
        r.label.padEnd(16),
        String(r.n).padStart(4),
        f(r.meanError).padStart(8),
        f(r.sdError).padStart(4),
        f(r.p95Abs).padStart(8),
        f(r.maxAbs).padStart(8),
        `${f(100 * r.success, 1)} %`.padStart(6),
        f(r.medianSeconds).padStart(8),
        `${f(r.aboveMedian, 2)}/${f(r.aboveMax, 2)}`.padStart(13),
        `${f(r.spreadMedian)}/${f(r.spreadP95)} mmHg`.padStart(23),
        f(r.quality, 2).padStart(7),
        delfi(r.label),
      ].join(" | "),
    );
  }
}

const DELFI = {
  arm: "  1 +- 8 mmHg, 29-51 % success upright",
  leg: "  0 +- 15 mmHg, 29-51 % success upright",
};
const delfiFor = (label: string) => (label.startsWith("arm") ? DELFI.arm : label.startsWith("leg") ? DELFI.leg : "  arm 1 +- 8, leg 0 +- 15 mmHg");

function groupRows(results: readonly SubjectResult[]): Row[] {
  const rows: Row[] = [];
  for (const limb of ["arm", "leg"] as const) {
    const ofLimb = results.filter((r) => r.scenario.limb === limb);
    const widths = [...new Set(ofLimb.map((r) => r.scenario.cuff.widthCm))].sort((a, b) => a - b);
    for (const w of widths) rows.push(summarise(`${limb} ${w} cm`, ofLimb.filter((r) => r.scenario.cuff.widthCm === w)));
    rows.push(summarise(`${limb} all`, ofLimb));
  }
  rows.push(summarise("all", results));
  return rows;
}

function withHardware(scenario: Scenario, hardware: Partial<Scenario["hardware"]>, exercise: Partial<Scenario["exercise"]> = {}): Scenario {
  return { ...scenario, hardware: { ...scenario.hardware, ...hardware }, exercise: { ...scenario.exercise, ...exercise } };
}

/**
 * Movement injected into the estimate stream on top of the simulator's knocks:
 * a limb that is bumped (half-sine spikes) or tensed (the pressure jumps, holds
 * 0.5-2 s and comes back), 3-15 mmHg either way, every 4-15 s at random.
 */
function jumpDisturbance(seed: number): (t: number) => number {
  const rng = new Prng(seed, 7);
  const events: { at: number; size: number; seconds: number; hold: boolean }[] = [];
  for (let t = 5 + rng.uniform(0, 10); t < 300; t += rng.uniform(4, 15)) {
    const hold = rng.next() < 0.5;
    events.push({ at: t, size: (rng.next() < 0.5 ? -1 : 1) * rng.uniform(3, 15), seconds: hold ? rng.uniform(0.5, 2) : rng.uniform(0.1, 0.6), hold });
  }
  const edge = 0.1;
  return (t: number) => {
    let extra = 0;
    for (const e of events) {
      if (t < e.at) break;
      const age = t - e.at;
      if (e.hold) extra += e.size * Math.max(0, Math.min(1, age / edge, (e.seconds + edge - age) / edge));
      else if (age < e.seconds) extra += e.size * Math.sin((Math.PI * age) / e.seconds);
    }
    return extra;
  };
}

/** Accepted on the procedure's second pass, after movement spoiled the first. */
const measuredAgain = (r: LopRun): boolean => r.outcome.ok && r.outcome.reason.startsWith("measured again");
/** Pulsations too weak to read: rejected with that reason. */
const weakRejected = (r: LopRun): boolean => !r.outcome.ok && r.outcome.reason.startsWith("pulsations too weak");

function motionRow(label: string, subjects: readonly SubjectResult[]): string {
  const runs = subjects.flatMap((s) => s.runs);
  const accepted = runs.filter((r) => r.errorMmhg !== null);
  const worst = accepted.length ? Math.max(...accepted.map((r) => Math.abs(r.errorMmhg!))) : Number.NaN;
  const off10 = accepted.filter((r) => Math.abs(r.errorMmhg!) > 10).length;
  const retried = accepted.filter(measuredAgain);
  const retriedOff10 = retried.filter((r) => Math.abs(r.errorMmhg!) > 10).length;
  const reasons = new Map<string, number>();
  for (const r of runs.filter((x) => !x.outcome.ok)) {
    const key = r.outcome.reason.replace(/[0-9.]+/g, "N");
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  const top = [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([k, v]) => `${v}x "${k}"`).join("; ");
  return `${label.padEnd(34)} | ${String(runs.length).padStart(4)} runs | accepted ${f((100 * accepted.length) / runs.length)} % | worst accepted |err| ${f(worst)} mmHg | accepted off by >10 mmHg: ${off10} | measured again after movement: ${retried.length} accepted, ${retriedOff10} off by >10 | too weak: ${runs.filter(weakRejected).length} rejected | rejections: ${top || "none"}`;
}

function main(): void {
  const started = performance.now();
  const profile = referenceProfile();
  const population = generatePopulation(SEED, COUNT);

  const results = population.map((s) => measureSubject(s, profile, REPEATS));
  printTable(
    `LOP from the cuff signal: ${COUNT} simulated subjects (population seed ${SEED}), ${REPEATS} repeats each, ${REST_SECONDS} s apart; error = measured - true LOP`,
    groupRows(results),
    delfiFor,
  );
  const all = summarise("all", results);
  console.log(
    `\nGoals (held-out, bench/lop-uncertainty.ts): mean error within +-3 (here ${f(all.meanError)}), SD <= 8 (${f(all.sdError)}), p95 |error| ${f(all.p95Abs)}, ` +
      `result >= 95 % (${f(100 * all.success)} % of measurements), median duration ${f(all.medianSeconds)} s.`,
  );
  const withResult = results.filter((s) => s.runs.some((r) => r.outcome.ok)).length;
  const firstTime = results.filter((s) => s.runs[0]!.outcome.ok).length;
  console.log(
    `Subjects with a result from their first measurement: ${firstTime} of ${results.length} (${f((100 * firstTime) / results.length)} %); ` +
      `from at least one of their ${REPEATS}: ${withResult} (${f((100 * withResult) / results.length)} %).`,
  );
  const runs = results.flatMap((s) => s.runs);
  console.log(`Measured again after movement spoiled the first pass, then accepted: ${runs.filter(measuredAgain).length} of ${runs.length} measurements.`);
  console.log(`Pulsations too weak to read: ${runs.filter(weakRejected).length} of ${runs.length} measurements.`);
  const failures = results.flatMap((s) => s.runs.filter((r) => !r.outcome.ok).map((r) => `${s.scenario.name}: ${r.outcome.reason}`));
  if (failures.length) console.log(`Rejected (${failures.length}):\n  ${failures.slice(0, 8).join("\n  ")}`);

  const motionSubjects = population.slice(0, quick ? 30 : 100);
  console.log("\nMotion: accepted results must stay within 10 mmHg");
  const knocks = motionSubjects.map((s) => measureSubject(withHardware(s, {}, { motionArtefactMmhg: 8 }), profile, REPEATS));
  console.log(motionRow("simulator knocks, 8 mmHg typical", knocks));
  const jumps = motionSubjects.map((s, i) => measureSubject(s, profile, REPEATS, jumpDisturbance(SEED + i)));
  console.log(motionRow("injected jumps and spikes 3-15 mmHg", jumps));

  const sensorSubjects = population.slice(0, quick ? 30 : 80);
  console.log("\nSensor: what limits the accuracy (same subjects, one sensor setting per row)");
  const variants: { label: string; profile: HardwareProfile; hardware: Partial<Scenario["hardware"]> }[] = [
    { label: "reference: 14-bit, population noise", profile, hardware: {} },
    { label: "16-bit (quantisation ~off)", profile: parseProfile({ ...profile, sensor: { ...profile.sensor, adcBits: 16 } }), hardware: {} },
    { label: "10-bit (Nano's own ADC)", profile: parseProfile({ ...profile, sensor: { ...profile.sensor, adcBits: 10, adcFullScaleVolts: 5 } }), hardware: {} },
    { label: "14-bit, noise 0.1 mmHg", profile, hardware: { sensorNoiseMmhg: 0.1 } },
    { label: "14-bit, noise 0.6 mmHg", profile, hardware: { sensorNoiseMmhg: 0.6 } },
    { label: "14-bit, no noise", profile, hardware: { sensorNoiseMmhg: 0 } },
  ];
  const sensorRows = variants.map((v) => summarise(v.label, sensorSubjects.map((s) => measureSubject(withHardware(s, v.hardware), v.profile, 1))));
  printTable("", sensorRows, () => "");
  console.log("\nReps counted from the cuff signal: npx tsx bench/reps-bench.ts");
  console.log(`\nwall ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();
