/**
 * Every fault kind a scenario file may name, injected into sessions drawn over the whole
 * scenario ranges (bench/range-draw.ts: every subject, cuff, pump, vent, hose and sensor,
 * range ends included) at a random moment of a random phase, with its own parameters drawn
 * over their ranges. The fault matrix (tests/firmware/fault-matrix.test.ts) and bench/REPORT.md
 * section 3 inject each fault into one reference session; this asks whether that holds on
 * hardware and limbs nobody picked.
 *
 * Per session: did the session end with the pump off and the vent open (and after how long),
 * which alarms named it, the highest true cuff pressure from the fault on, and the time the cuff
 * spent at or above the true LOP after it, before the outputs were safe and in all. A fault that
 * leaves the cuff unable to empty (a kinked hose, a vent stuck shut) counts as handled when the
 * outputs are safe and an alarm told the user to take the cuff off: the trapped cuff may go on
 * rising with the limb's contractions, which no firmware can vent.
 *
 *   npx tsx bench/fault-sweep.ts [--seed 41] [--count 280] [--jobs N] [--out rows.jsonl]
 */
import { writeFileSync } from "node:fs";
import { referenceProfile } from "../hardware/profile.ts";
import type { BenchResult } from "../hardware/sim/bench/run-scenario.ts";
import { seededRandom } from "../hardware/sim/bench/run-scenario.ts";
import { defaultJobs, type FaultOnPhase, runScenariosParallel } from "../hardware/sim/bench/parallel.ts";
import { FAULT_KINDS, type FaultKind } from "../hardware/sim/plant.ts";
import type { Scenario } from "../hardware/sim/scenario.ts";
import type { Phase } from "../shared/protocol/messages.ts";
import { drawRangeSweep } from "./range-draw.ts";
import { quantile } from "./stats.ts";

/** Offset jumps under the two sensors' disagreement limit (9 mmHg) are within what the pair may read apart. */
export const CAUGHT_JUMP_MMHG = 12;

/** Faults after which the session must end with the pump off and the vent open. */
const MUST_END_SAFE: ReadonlySet<FaultKind> = new Set([
  "sensor-disconnect",
  "sensor-stuck",
  "sensor-offset-jump",
  "hose-kink",
  "cuff-off",
  "valve-stuck-closed",
  "valve-stuck-open",
  "pump-dead",
  "host-silent",
  "firmware-hang",
  "board-unplugged",
]);

export interface FaultSweepRow {
  index: number;
  kind: FaultKind;
  phase: Phase;
  afterSeconds: number;
  params: Record<string, number>;
  limb: string;
  widthCm: number;
  pumpLpm: number;
  ventMm: number;
  hoseM: number;
  hoseMm: number;
  lopTrueMmhg: number;
  injected: boolean;
  endedSafe: boolean;
  toSafeSeconds: number | null;
  alarms: string[];
  peakOverLop: number;
  secondsAboveLopAfter: number;
  /** Of that, before the pump was off and the vent open for good. */
  secondsAboveLopUntilSafe: number;
  endReason: string | null;
  /** Why this session counts against the sweep (null: handled). */
  problem: string | null;
}

/** The phases the session enters (the LOP measurement only when the plan measures it). */
function phasesOf(scenario: Scenario): Phase[] {
  return scenario.plan.lop === "measure" ? ["lop", "inflate", "set", "rest"] : ["inflate", "set", "rest"];
}

/** The index-th session's fault: kinds in turn, a random phase and moment, parameters over their ranges. */
export function drawFault(seed: number, index: number, scenario: Scenario): FaultOnPhase {
  const random = seededRandom(seed * 7_919 + index * 104_729 + 3);
  const kind = FAULT_KINDS[index % FAULT_KINDS.length]!;
  const phases = phasesOf(scenario);
  const phase = phases[Math.floor(random() * phases.length)]!;
  const afterSeconds = Math.round((0.5 + random() * 9.5) * 100) / 100;
  const sign = random() < 0.5 ? -1 : 1;
  const sensor = random() < 0.5 ? 0 : 1;
  const logUniform = (min: number, max: number) => Math.exp(Math.log(min) + random() * (Math.log(max) - Math.log(min)));
  const params: Record<string, number> = {};
  if (kind === "sensor-disconnect") Object.assign(params, { sensor, rail: random() < 0.5 ? 0 : 1 });
  if (kind === "sensor-stuck") params.sensor = sensor;
  if (kind === "sensor-drift") Object.assign(params, { sensor, mmhgPerMin: round(sign * logUniform(2, 120), 1) });
  if (kind === "sensor-offset-jump") Object.assign(params, { sensor, mmhg: round(sign * logUniform(CAUGHT_JUMP_MMHG, 300), 1) });
  if (kind === "leak") params.mmhgPerMin = round(logUniform(0.5, 2000), 1);
  return { kind, phase, afterSeconds, params };
}

export function faultRow(index: number, scenario: Scenario, fault: FaultOnPhase, r: BenchResult): FaultSweepRow {
  const timing = r.faults.find((f) => f.kind === fault.kind) ?? null;
  const injected = timing !== null && r.simSeconds >= timing.at;
  const endedSafe = injected && timing.toSafeSeconds !== null && r.outcome !== "finished";
  const alarms = [...new Set(timing?.alarmKinds ?? [])];
  const secondsAboveLopAfter = timing?.secondsAboveLopAfter ?? 0;
  const secondsAboveLopUntilSafe = timing?.secondsAboveLopUntilSafe ?? 0;
  let problem: string | null = null;
  if (injected && MUST_END_SAFE.has(fault.kind) && !endedSafe) problem = `not ended safe (${r.outcome}, ${r.endReason ?? "no reason"})`;
  else if (injected && timing.toSafeSeconds === null) problem = "outputs not safe at the end";
  else if (secondsAboveLopUntilSafe > 0) problem = `${secondsAboveLopUntilSafe.toFixed(2)} s at or above the true LOP after the fault, before the outputs were safe`;
  return {
    index,
    kind: fault.kind,
    phase: fault.phase,
    afterSeconds: fault.afterSeconds,
    params: fault.params ?? {},
    limb: scenario.limb,
    widthCm: scenario.cuff.widthCm,
    pumpLpm: scenario.hardware.pumpFreeFlowLpm,
    ventMm: scenario.hardware.ventOrificeMm,
    hoseM: scenario.hardware.hoseLengthM,
    hoseMm: scenario.hardware.hoseInnerMm,
    lopTrueMmhg: r.lopTrueMmhg,
    injected,
    endedSafe,
    toSafeSeconds: timing?.toSafeSeconds ?? null,
    alarms,
    peakOverLop: round((timing?.peakMmhgAfter ?? 0) / r.lopTrueMmhg, 3),
    secondsAboveLopAfter,
    secondsAboveLopUntilSafe,
    endReason: r.endReason,
    problem,
  };
}

export interface FaultKindSummary {
  kind: FaultKind;
  injected: number;
  endedSafe: number;
  rodeThrough: number;
  toSafeMedian: number | null;
  toSafeP90: number | null;
  toSafeWorst: number | null;
  peakOverLopWorst: number;
  problems: number;
}

export function summariseFaults(rows: readonly FaultSweepRow[]): FaultKindSummary[] {
  return FAULT_KINDS.map((kind) => {
    const mine = rows.filter((r) => r.kind === kind && r.injected);
    const times = mine.filter((r) => r.endedSafe).map((r) => r.toSafeSeconds!);
    return {
      kind,
      injected: mine.length,
      endedSafe: times.length,
      rodeThrough: mine.length - times.length,
      toSafeMedian: times.length ? round(quantile(times, 0.5), 2) : null,
      toSafeP90: times.length ? round(quantile(times, 0.9), 2) : null,
      toSafeWorst: times.length ? round(Math.max(...times), 2) : null,
      peakOverLopWorst: round(Math.max(0, ...mine.map((r) => r.peakOverLop)), 2),
      problems: mine.filter((r) => r.problem !== null).length,
    };
  });
}

export async function runFaultSweep(seed: number, count: number, jobs: number): Promise<FaultSweepRow[]> {
  const scenarios = drawRangeSweep(seed, count);
  const faults = scenarios.map((s, i) => drawFault(seed, i, s));
  const outcomes = await runScenariosParallel(scenarios, { profile: referenceProfile(), jobs, lopConfirmed: true, faultOf: (_, i) => faults[i] });
  return outcomes.map((o, i) => {
    if (!o.result) throw new Error(`fault sweep ${seed} #${i}: ${o.error ?? "no result"}`);
    return faultRow(i, scenarios[i]!, faults[i]!, o.result);
  });
}

const PHASE_WORDS: Partial<Record<Phase, string>> = { lop: "LOP measurement", inflate: "inflation" };

const seconds = (v: number | null) => (v === null ? "-" : v.toFixed(2));

/** One session that counts against the firmware: what struck, on what hardware, and why it counts. */
function problemLine(r: FaultSweepRow): string {
  return `#${r.index} ${r.kind} ${r.afterSeconds} s into the ${PHASE_WORDS[r.phase] ?? r.phase} (${r.limb}, ${r.widthCm} cm cuff, ${r.pumpLpm} L/min pump, ${r.ventMm} mm vent, hose ${r.hoseM} m x ${r.hoseMm} mm): ${r.problem}; alarms: ${r.alarms.join(", ") || "none"}`;
}

export function faultSweepLines(rows: readonly FaultSweepRow[]): string[] {
  const lines = summariseFaults(rows).map(
    (s) =>
      `${s.kind.padEnd(19)} injected ${String(s.injected).padStart(3)}, ended safe ${String(s.endedSafe).padStart(3)}, rode through ${String(s.rodeThrough).padStart(3)}; to safe median ${seconds(s.toSafeMedian)} / p90 ${seconds(s.toSafeP90)} / worst ${seconds(s.toSafeWorst)} s; peak after the fault ${s.peakOverLopWorst.toFixed(2)} x true LOP; problems ${s.problems}`,
  );
  for (const r of rows.filter((x) => x.problem !== null)) lines.push(`  ${problemLine(r)}`);
  return lines;
}

/** bench/REPORT.md's section on faults over the whole ranges: one row per kind, then each session that counts against it. */
export function faultSweepSection(rows: readonly FaultSweepRow[], seed: number): string {
  const table = summariseFaults(rows).map(
    (s) => `| ${s.kind} | ${s.injected} | ${s.endedSafe} | ${s.rodeThrough} | ${seconds(s.toSafeMedian)} / ${seconds(s.toSafeP90)} / ${seconds(s.toSafeWorst)} | ${s.peakOverLopWorst.toFixed(2)} | ${s.problems} |`,
  );
  const problems = rows.filter((r) => r.problem !== null).map((r) => `- ${problemLine(r)}`);
  return `Every fault kind a scenario file may name, injected into ${rows.length} sessions drawn over the whole
scenario ranges (seed ${seed}; the draws of section 1, range ends included), the kinds in turn, each at
a random moment 0.5-10 s into a random phase, with its parameters drawn over their ranges (leaks
0.5-2000 mmHg/min, drifts 2-120 mmHg/min either way, offset jumps of 12-300 mmHg either way, either
sensor). \`npx tsx bench/fault-sweep.ts --seed ${seed} --count ${rows.length}\`. "Ended safe": the session ended
with the pump off and the vent open, and how long after the fault (median / p90 / worst); "rode
through": the session went on (a leak the pump makes up for, garbage on the link, a drift too slow
to matter before the session ended). A fault counts against the firmware when it must end the
session and did not, or when the cuff stood at or above the true LOP after it before the outputs
were safe (outside the LOP measurement, which crosses the LOP by design). A cuff trapped by a kinked
hose or a vent stuck shut can be pushed over its LOP by the limb afterwards: the alarm tells the
user to take the cuff off, and no firmware can vent it.

| fault | injected | ended safe | rode through | to safe, median / p90 / worst (s) | highest pressure after, x true LOP | counts against |
|---|---|---|---|---|---|---|
${table.join("\n")}

${problems.length ? problems.join("\n") : "No session counts against the firmware."}
`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : fallback;
  };
  const outAt = args.indexOf("--out");
  const seed = option("--seed", 41);
  const count = option("--count", 280);
  const started = Date.now();
  const rows = await runFaultSweep(seed, count, option("--jobs", defaultJobs()));
  if (outAt >= 0) writeFileSync(args[outAt + 1]!, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  console.log(`fault sweep: seed ${seed}, ${count} sessions over the whole scenario ranges, one fault each (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const line of faultSweepLines(rows)) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
