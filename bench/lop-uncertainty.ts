/**
 * LOP under model uncertainty: the shipped firmware (controller, supervisor and
 * LOP procedure, built by firmware/factory.ts on the simulated board) measures
 * members of the simulated limb family it was not tuned on (bench/lop-family.ts),
 * through "zero" and "measure-lop" commands, in virtual time.
 *
 *   npx tsx bench/lop-uncertainty.ts [--part held-out|edges|tuning] [--count 320] [--repeats 2] [--distal] [--dump FILE.jsonl]
 *
 * Prints the accuracy, the result rate and the exposure (time above the true LOP,
 * highest pressure over the true LOP) beside the AAMI/ISO 81060-2 criterion and
 * Delfi's published figures; --dump writes one JSON line per measurement.
 */
import { writeFileSync } from "node:fs";
import { referenceProfile, type HardwareProfile } from "../hardware/profile.ts";
import { FirmwareLopBench, type FirmwareLopRun } from "../hardware/sim/bench/lop-run.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import { drawFamily, HELD_OUT, HELD_OUT_EDGES, TUNING, type FamilyPart } from "./lop-family.ts";
import { fixedOrDash as f, quantile } from "./stats.ts";

/** Rest between repeats on one subject, cuff vented (clinical practice: at least 30 s). */
export const REST_SECONDS = 30;

export interface LopMeasurement {
  scenario: Scenario;
  repeat: number;
  run: FirmwareLopRun;
}

export interface LopSummary {
  measurements: number;
  subjects: number;
  results: number;
  meanErrorMmhg: number;
  sdErrorMmhg: number;
  p95AbsErrorMmhg: number;
  offBy10: number;
  medianSeconds: number;
  maxSecondsAboveLop: number;
  over10SecondsAbove: number;
  maxPeakOverLop: number;
  over13PeakOverLop: number;
}

/** The same member with the distal pulse sensor clipped on (its own random stream: the limb and the cuff are unchanged). */
export function withDistalSensor(scenario: Scenario): Scenario {
  return { ...scenario, hardware: { ...scenario.hardware, distalPulseSensor: true } };
}

/** Measure `count` members of a part, `repeats` times each, 30 s apart; `distal`: with the distal pulse sensor fitted. */
export function measureFamily(
  part: FamilyPart,
  count: number,
  repeats: number,
  profile: HardwareProfile = referenceProfile(),
  onSubject?: (done: number) => void,
  distal = false,
): LopMeasurement[] {
  const out: LopMeasurement[] = [];
  drawFamily(part, count).map((s) => (distal ? withDistalSensor(s) : s)).forEach((scenario, i) => {
    const bench = new FirmwareLopBench(scenario, profile);
    bench.zero();
    for (let repeat = 0; repeat < repeats; repeat++) {
      if (repeat > 0) bench.rest(REST_SECONDS);
      out.push({ scenario, repeat, run: bench.measure(scenario.limb) });
    }
    bench.close();
    onSubject?.(i + 1);
  });
  return out;
}

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
const sd = (v: readonly number[]) => {
  const m = mean(v);
  return v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : Number.NaN;
};

export function summarise(measurements: readonly LopMeasurement[]): LopSummary {
  const runs = measurements.map((m) => m.run);
  const errors = runs.flatMap((r) => (r.errorMmhg === null ? [] : [r.errorMmhg]));
  return {
    measurements: runs.length,
    subjects: new Set(measurements.map((m) => m.scenario.name)).size,
    results: errors.length,
    meanErrorMmhg: mean(errors),
    sdErrorMmhg: sd(errors),
    p95AbsErrorMmhg: quantile(errors.map(Math.abs), 0.95),
    offBy10: errors.filter((e) => Math.abs(e) > 10).length,
    medianSeconds: quantile(runs.map((r) => r.outcome.durationSeconds), 0.5),
    maxSecondsAboveLop: Math.max(0, ...runs.map((r) => r.secondsAboveLop)),
    over10SecondsAbove: runs.filter((r) => r.secondsAboveLop > 10).length,
    maxPeakOverLop: Math.max(0, ...runs.map((r) => r.peakOverLop)),
    over13PeakOverLop: runs.filter((r) => r.peakOverLop > 1.3).length,
  };
}

/** One line per measurement for offline analysis: the member's keys, the truth and the result. */
export function dumpLine(m: LopMeasurement): string {
  const { scenario: s, run } = m;
  return JSON.stringify({
    name: s.name,
    repeat: m.repeat,
    limb: s.limb,
    widthCm: s.cuff.widthCm,
    subject: s.subject,
    sensorNoiseMmhg: s.hardware.sensorNoiseMmhg,
    pumpFreeFlowLpm: s.hardware.pumpFreeFlowLpm,
    leakMmhgPerMin: s.hardware.leakMmhgPerMin,
    motionArtefactMmhg: s.exercise.motionArtefactMmhg,
    lopTrueMmhg: run.lopTrueMmhg,
    ok: run.outcome.ok,
    mmhg: run.outcome.mmhg,
    errorMmhg: run.errorMmhg,
    reason: run.outcome.reason,
    durationSeconds: run.outcome.durationSeconds,
    secondsAboveLop: run.secondsAboveLop,
    peakOverLop: run.peakOverLop,
    alarms: run.alarms,
  });
}

export function summaryLine(label: string, s: LopSummary): string {
  return (
    `${label}: ${s.measurements} measurements of ${s.subjects} subjects; results ${f((100 * s.results) / Math.max(1, s.measurements))} %; ` +
    `error ${f(s.meanErrorMmhg)} +- ${f(s.sdErrorMmhg)} mmHg, p95 |error| ${f(s.p95AbsErrorMmhg)}, ${s.offBy10} more than 10 mmHg off; ` +
    `median ${f(s.medianSeconds, 0)} s; above the true LOP at most ${f(s.maxSecondsAboveLop)} s (${s.over10SecondsAbove} over 10 s); ` +
    `highest pressure ${f(s.maxPeakOverLop, 2)} x the true LOP (${s.over13PeakOverLop} over 1.3)`
  );
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  if (args.includes("--help")) {
    console.log("usage: npx tsx bench/lop-uncertainty.ts [--part held-out|edges|tuning] [--count 320] [--repeats 2] [--distal] [--dump FILE.jsonl]");
    return;
  }
  const parts: Record<string, FamilyPart> = { "held-out": HELD_OUT, edges: HELD_OUT_EDGES, tuning: TUNING };
  const partName = option("part", "held-out");
  const count = Number(option("count", "320"));
  const repeats = Number(option("repeats", "2"));
  const part = parts[partName];
  if (!part || !(count >= 1) || !(repeats >= 1)) {
    console.error("usage: npx tsx bench/lop-uncertainty.ts [--part held-out|edges|tuning] [--count N] [--repeats N] [--dump FILE.jsonl]");
    process.exit(2);
  }
  const started = performance.now();
  const distal = args.includes("--distal");
  const measurements = measureFamily(
    part,
    count,
    repeats,
    referenceProfile(),
    (done) => {
      if (done % 20 === 0) process.stderr.write(`${done} subjects\n`);
    },
    distal,
  );
  const dump = option("dump", "");
  if (dump) writeFileSync(dump, measurements.map(dumpLine).join("\n") + "\n");
  console.log(summaryLine(`${partName}${distal ? ", distal pulse sensor" : ""}`, summarise(measurements)));
  const reasons = new Map<string, number>();
  for (const m of measurements.filter((x) => !x.run.outcome.ok)) {
    const key = m.run.outcome.reason.replace(/-?[0-9.]+/g, "N").slice(0, 90);
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  for (const [reason, n] of [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${n} x ${reason}`);
  console.log(`wall ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
