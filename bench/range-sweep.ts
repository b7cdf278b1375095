/**
 * Healthy hardware across the whole scenario ranges (bench/range-draw.ts), no fault
 * injected, against the goals of regulation, rep counting and false alarms. Each session's
 * share of exercise within +-5 % is set beside its physical bound (what any controller on
 * that hardware and limb could reach: hardware/sim/bench/physical-bound.ts).
 *
 *   npx tsx bench/range-sweep.ts [--seed 1] [--count 500] [--jobs N] [--out rows.jsonl]
 */
import { writeFileSync } from "node:fs";
import { referenceProfile } from "../hardware/profile.ts";
import type { BenchResult } from "../hardware/sim/bench/run-scenario.ts";
import { defaultJobs, runScenariosParallel } from "../hardware/sim/bench/parallel.ts";
import { physicalBound } from "../hardware/sim/bench/physical-bound.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import { drawRangeSweep } from "./range-draw.ts";

export interface SweepRow {
  index: number;
  limb: string;
  widthCm: number;
  pumpLpm: number;
  swingMmhg: number;
  repSeconds: number;
  heartRate: number;
  targetMmhg: number | null;
  ex10: number | null;
  ex5: number | null;
  rest3: number | null;
  bound5: number | null;
  bound10: number | null;
  boundHalfBandMmhg: number | null;
  secondsAboveLop: number;
  finalState: string;
  endReason: string | null;
  alarms: string[];
  /** The alarm that ended the session in a fault: when and what it said. */
  faultDetail: string | null;
  planned: number;
  counted: number;
  sets: number;
  setsEndedEarly: number;
  /** Reps counted beyond those the athlete had done when the set ended (the rep under way aside). */
  overCounted: number;
}

export function sweepRow(index: number, s: Scenario, r: BenchResult): SweepRow {
  const profile = referenceProfile();
  const planned = r.reps.reduce((a, x) => a + x.planned, 0);
  const firstSet = s.plan.mode === "sets" ? s.plan.sets[0]! : 15;
  const bound = r.targetMmhg !== null && r.metrics.exerciseWithin5 !== null ? physicalBound(s, profile, r.targetMmhg, firstSet) : null;
  return {
    index,
    limb: s.limb,
    widthCm: s.cuff.widthCm,
    pumpLpm: s.hardware.pumpFreeFlowLpm,
    swingMmhg: s.exercise.contractionSwingMmhg,
    repSeconds: s.exercise.repSeconds,
    heartRate: s.subject.heartRate,
    targetMmhg: r.targetMmhg,
    ex10: r.metrics.exerciseWithin10,
    ex5: r.metrics.exerciseWithin5,
    rest3: r.metrics.restWithin3,
    bound5: bound ? round(bound.within5Share) : null,
    bound10: bound ? round(bound.within10Share) : null,
    boundHalfBandMmhg: bound ? round(bound.halfBandMmhg, 2) : null,
    secondsAboveLop: r.metrics.secondsAboveLop,
    finalState: r.finalState,
    endReason: r.endReason,
    alarms: [...new Set(r.alarms.map((a) => a.kind))],
    faultDetail: r.finalState === "fault" ? (r.alarms.filter((a) => r.endReason === `fault: ${a.kind}`).map((a) => `${a.t.toFixed(1)} s ${a.kind}: ${a.detail}`)[0] ?? null) : null,
    planned,
    // The athlete's reps are done when their whole period has passed, while the count closes a rep
    // as it relaxes: the rep under way when the count was made counts as done. A count run further
    // ahead of the athlete is not a rep counted.
    counted: r.reps.reduce((a, x) => a + Math.min(x.counted, x.done + 1, x.planned), 0),
    sets: r.reps.length,
    // A set ended before the athlete finished it (a whole rep not yet begun), whether the count fell short or ran ahead.
    setsEndedEarly: r.reps.filter((x) => x.done + 1 < x.planned).length,
    overCounted: r.reps.reduce((a, x) => a + Math.max(0, x.counted - x.done - 1), 0),
  };
}

export interface SweepSummary {
  sessions: number;
  ex10Mean: number;
  ex10Worst: number;
  ex5Mean: number;
  ex5EasyMean: number;
  ex5EasySessions: number;
  ex5BelowBound: number;
  rest3Mean: number;
  sessionsAboveLop: number;
  faulted: number;
  faults: Record<string, number>;
  warnings: Record<string, number>;
  repsCountedShare: number;
  setsEndedEarlyShare: number;
  sets: number;
  /** The same over sessions in the counter's design range: swings from 5 mmHg, reps from 1.2 s. */
  countableRepsCountedShare: number;
  countableSetsEndedEarlyShare: number;
  countableSets: number;
  /** Reps counted beyond what the athlete had done, same sessions. */
  countableOverCounted: number;
}

export function summariseSweep(rows: readonly SweepRow[]): SweepSummary {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const got = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const easy = rows.filter((r) => r.swingMmhg <= 25 && r.repSeconds >= 2);
  const faults: Record<string, number> = {};
  const warnings: Record<string, number> = {};
  for (const r of rows) {
    if (r.finalState === "fault") faults[r.endReason ?? "fault"] = (faults[r.endReason ?? "fault"] ?? 0) + 1;
    for (const a of r.alarms) if (a !== "lop-failed") warnings[a] = (warnings[a] ?? 0) + 1;
  }
  const sets = rows.reduce((a, r) => a + r.sets, 0);
  const countable = rows.filter((r) => r.swingMmhg >= 5 && r.repSeconds >= 1.2);
  const countableSets = countable.reduce((a, r) => a + r.sets, 0);
  return {
    sessions: rows.length,
    ex10Mean: mean(got(rows.map((r) => r.ex10))),
    ex10Worst: Math.min(...got(rows.map((r) => r.ex10))),
    ex5Mean: mean(got(rows.map((r) => r.ex5))),
    ex5EasyMean: mean(got(easy.map((r) => r.ex5))),
    ex5EasySessions: easy.length,
    ex5BelowBound: rows.filter((r) => r.ex5 !== null && r.bound5 !== null && r.ex5 < r.bound5 - 0.02).length,
    rest3Mean: mean(got(rows.map((r) => r.rest3))),
    sessionsAboveLop: rows.filter((r) => r.secondsAboveLop > 0).length,
    faulted: rows.filter((r) => r.finalState === "fault").length,
    faults,
    warnings,
    repsCountedShare: rows.reduce((a, r) => a + r.counted, 0) / Math.max(1, rows.reduce((a, r) => a + r.planned, 0)),
    setsEndedEarlyShare: rows.reduce((a, r) => a + r.setsEndedEarly, 0) / Math.max(1, sets),
    sets,
    countableRepsCountedShare: countable.reduce((a, r) => a + r.counted, 0) / Math.max(1, countable.reduce((a, r) => a + r.planned, 0)),
    countableSetsEndedEarlyShare: countable.reduce((a, r) => a + r.setsEndedEarly, 0) / Math.max(1, countableSets),
    countableSets,
    countableOverCounted: countable.reduce((a, r) => a + r.overCounted, 0),
  };
}

export async function runRangeSweep(seed: number, count: number, jobs = defaultJobs(), onDone?: (done: number) => void): Promise<SweepRow[]> {
  const scenarios = drawRangeSweep(seed, count);
  let done = 0;
  // A given LOP is the true one, known to the firmware as if measured: those sessions judge the regulation whatever the measurement would do.
  const outcomes = await runScenariosParallel(scenarios, { profile: referenceProfile(), jobs, lopConfirmed: true, onResult: () => onDone?.(++done) });
  return outcomes.map((o, i) => {
    if (!o.result) throw new Error(`range sweep #${i}: ${o.error ?? "no result"}`);
    return sweepRow(i, scenarios[i]!, o.result);
  });
}

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function describeSweep(seed: number, s: SweepSummary): string[] {
  const list = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  return [
    `Healthy sessions over the full scenario ranges, seed ${seed}: ${s.sessions}`,
    `exercise within 10 %: mean ${pct(s.ex10Mean)}, worst session ${pct(s.ex10Worst)}`,
    `exercise within 5 %: mean ${pct(s.ex5Mean)}; swings up to 25 mmHg with reps of 2 s or longer (${s.ex5EasySessions} sessions): ${pct(s.ex5EasyMean)}; sessions more than 2 points below their bound: ${s.ex5BelowBound}`,
    `rest within 3 %: mean ${pct(s.rest3Mean)}; sessions with time above LOP: ${s.sessionsAboveLop}`,
    `ended in a fault: ${s.faulted} (${list(s.faults)}); sessions with each warning: ${list(s.warnings)}`,
    `reps counted (swings from 5 mmHg, reps from 1.2 s): ${pct(s.countableRepsCountedShare)} of planned; sets ended early: ${pct(s.countableSetsEndedEarlyShare)} of ${s.countableSets}; reps counted that were not done: ${s.countableOverCounted}`,
    `reps counted (every session, swings from 0 mmHg and reps from 1 s): ${pct(s.repsCountedShare)} of planned; sets ended early: ${pct(s.setsEndedEarlyShare)} of ${s.sets}`,
  ];
}

/** The report's section: each goal of the range sweep, what was reached, and the physical bound beside it. */
export function rangeSweepSection(seed: number, rows: readonly SweepRow[], heading: string): string {
  const s = summariseSweep(rows);
  const mean = (xs: (number | null)[]) => {
    const got = xs.filter((x): x is number => x !== null);
    return got.reduce((a, b) => a + b, 0) / Math.max(1, got.length);
  };
  const easy = rows.filter((r) => r.swingMmhg <= 25 && r.repSeconds >= 2);
  const exercised = rows.filter((r) => r.ex10 !== null);
  const list = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  const noLop = rows.filter((r) => r.ex10 === null).length;
  return `${heading}

${s.sessions} healthy sessions (bench/range-draw.ts) drawn uniformly over every numeric range of the
scenario schema, a tenth of the draws on a range's end: arm or thigh, systolic 90-200, heart rate
40-150, cuffs 4-15 cm, pumps 0.5-6 L/min stalling at 250-1000 mmHg, leaks 0-60 mmHg/min, sensor
noise 0-3 mmHg, vents 0.8-4 mm, hoses 0.2-5 m of 2-8 mm, manifolds 2-100 mL, reps of 1-6 s,
contraction swings and relaxation drops of 0-60 mmHg, swelling to 30 mmHg, knocks to 10 mmHg;
targets 40-80 % LOP, 1-4 sets of 5-30 reps, the LOP measured by the cuff in every other session.
Not drawn over the schema's whole range: sensor drift (a healthy part's +-0.1 mmHg/min; the
schema's +-2 mmHg/min is a failing part, which the sensors' disagreement rule is for).
Seed ${seed}, not used in tuning. ${exercised.length} sessions reached a set; ${noLop} ended before one (the
LOP measurement refused a noisy sensor's pulsations, and the like: no fault).
The bound is what a clairvoyant controller with the same pump, vent, hose and cuff could reach
on that limb (firmware/core/control/bound.ts, hardware/sim/bench/physical-bound.ts).

| goal | aim | reached | physical bound |
|---|---|---|---|
| exercise within ±10 %, mean | ≥ 99 % | ${pct(s.ex10Mean)} | ${pct(mean(exercised.map((r) => r.bound10)))} |
| exercise within ±10 %, worst session | ≥ 90 % | ${pct(s.ex10Worst)} | ${pct(Math.min(...exercised.map((r) => r.bound10 ?? 1)))} |
| exercise within ±5 %, swings ≤ 25 mmHg, reps ≥ 2 s (${s.ex5EasySessions} sessions) | ≥ 95 % | ${pct(s.ex5EasyMean)} | ${pct(mean(easy.map((r) => r.bound5)))} |
| exercise within ±5 %, every session | - | ${pct(s.ex5Mean)} | ${pct(mean(exercised.map((r) => r.bound5)))} |
| sessions more than 2 points below their ±5 % bound | 0 | ${s.ex5BelowBound} of ${exercised.length} | - |
| rest within ±3 %, mean | ≥ 99 % | ${pct(s.rest3Mean)} | - |
| sessions with time above the true LOP | 0 | ${s.sessionsAboveLop} | - |
| sessions ending in a fault | 0 | ${s.faulted} (${list(s.faults)}) | - |
| reps counted, swings ≥ 5 mmHg and reps ≥ 1.2 s | ≥ 99 % | ${pct(s.countableRepsCountedShare)} | - |
| sets ended before the athlete finished (the count short or ahead), same sessions | ≤ 1 % | ${pct(s.countableSetsEndedEarlyShare)} of ${s.countableSets} | - |
| reps counted that the athlete had not done, same sessions | 0 | ${s.countableOverCounted} | - |
| reps counted, every session (swings from 0 mmHg, reps from 1 s) | - | ${pct(s.repsCountedShare)} | - |

Sessions with each warning: ${list(s.warnings)}.
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const USAGE = "usage: npx tsx bench/range-sweep.ts [--seed N] [--count N>=1] [--jobs N>=1] [--out FILE.jsonl]";
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`${USAGE}\n\nHealthy sessions drawn over the full scenario ranges, no fault injected: regulation against\nthe physical bound, reps counted, faults and warnings.`);
    process.exit(0);
  }
  const option = (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
  };
  const seed = Number(option("seed", "1"));
  const count = Number(option("count", "500"));
  const jobs = Number(option("jobs", String(defaultJobs())));
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || !Number.isInteger(jobs) || jobs < 1) {
    console.error(USAGE);
    process.exit(2);
  }
  const started = Date.now();
  const rows = await runRangeSweep(seed, count, jobs, (done) => {
    if (done % 50 === 0) process.stderr.write(`range sweep: ${done}/${count}\n`);
  });
  const out = option("out", "");
  if (out) writeFileSync(out, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  console.log(describeSweep(seed, summariseSweep(rows)).join("\n"));
  console.log(`wall ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
