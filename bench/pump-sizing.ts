/**
 * Pump and vent sizing (issue 7, item 5), with the simulator and the real controller.
 *
 * Pump: the regulation goal of the controller issue (95 % of exercise time within
 * +-5 % of target) on the 80 %-LOP leg press (30-15-15-15, LOP given as the true
 * value), over a fixed-seed population of thighs, for a grid of pump free flows and
 * contraction swings. Each subject keeps its own cuff, limb, leak, sensor and cadence;
 * only the pump's free flow and the swing are set by the grid (stall pressure stays
 * the reference pump's).
 *
 * Vent: the emergency deflation (vent fully open, pump off, as when the button cuts
 * power) from 300 and 260 mmHg to 15 mmHg on the median and the largest thigh cuff,
 * for a few vent orifices, driving SimulatedCuff directly.
 *
 * `npx tsx bench/pump-sizing.ts [subjects] [seed]` (default 24 subjects, seed 7).
 */
import { referenceProfile, type HardwareProfile } from "../hardware/profile.ts";
import { SimulatedCuff } from "../hardware/sim/cuff.ts";
import { generatePopulation } from "../hardware/sim/population.ts";
import { REFERENCE_CUFFS, REFERENCE_PUMP, REFERENCE_VENT_VALVE } from "../hardware/sim/reference-parts.ts";
import { parseScenario, type Scenario } from "../hardware/sim/scenario.ts";
import { DEFLATED_MMHG } from "../shared/limits.ts";
import { runScenarios } from "../hardware/sim/bench/run-scenario.ts";
import { protocolScenario } from "./regulation-population.ts";

export const PUMP_FLOWS_LPM = [2, 3, 4, 5, 6] as const;
/** The thigh range of the population generator (hardware/sim/population.ts). */
export const SWINGS_MMHG = [12, 15.5, 19, 22.5, 26] as const;
export const VENT_ORIFICES_MM = [1.6, 1.8, 2.0, 2.4] as const;
export const DEFLATION_STARTS_MMHG = [300, 260] as const;
/** The controller issue's regulation goal. */
export const GOAL_WITHIN5 = 0.95;
/** "Most subjects": the share of subject-swing runs that must meet the goal for a pump to qualify. */
export const MOST_SHARE = 0.9;
/** BRIEF.md section 2 (BP-cuff standards) and issue 7's aim for the thigh cuff. */
export const DEFLATION_STANDARD_SECONDS = 10;
export const DEFLATION_AIM_SECONDS = 5;

/**
 * Thigh cuffs for the deflation: the reference cuff on the median thigh, and the
 * widest cuff of the population on the thickest thigh it draws (the most air to let out).
 */
export const DEFLATION_CUFFS = [
  { label: "median thigh", widthCm: REFERENCE_CUFFS.legWidthCm, circumferenceCm: 56 },
  { label: "largest thigh", widthCm: 12, circumferenceCm: 75 },
] as const;

/** The vent's share of regulation (letting out what a contraction pushes back) at these pumps. */
export const VENT_REGULATION_FLOWS_LPM = [3, 5] as const;
export const VENT_REGULATION_ORIFICES_MM = [1.6, 2.0, 2.4] as const;

export interface SizingCell {
  flowLpm: number;
  ventOrificeMm: number;
  swingMmhg: number;
  /** exerciseWithin5 per subject. */
  within5: number[];
  restWithin3: number[];
  /** Runs that raised any alarm or warning (none of these subjects has a fault), and the kinds raised. */
  alarmed: number;
  alarmKinds: string[];
  secondsAboveLop: number[];
}

export function sizingScenario(subject: Scenario, flowLpm: number, swingMmhg: number, ventOrificeMm: number = REFERENCE_VENT_VALVE.orificeMm): Scenario {
  return protocolScenario({
    ...subject,
    hardware: { ...subject.hardware, pumpFreeFlowLpm: flowLpm, ventOrificeMm },
    exercise: { ...subject.exercise, contractionSwingMmhg: swingMmhg },
  });
}

export async function runGrid(
  subjects: readonly Scenario[],
  profile: HardwareProfile,
  flows: readonly number[],
  vents: readonly number[],
  swings: readonly number[] = SWINGS_MMHG,
): Promise<SizingCell[]> {
  const cells: SizingCell[] = [];
  for (const flowLpm of flows) {
    for (const ventOrificeMm of vents) {
      for (const swingMmhg of swings) {
        const results = await runScenarios(subjects.map((s) => sizingScenario(s, flowLpm, swingMmhg, ventOrificeMm)), { profile });
        cells.push({
          flowLpm,
          ventOrificeMm,
          swingMmhg,
          within5: results.map((r) => r.metrics.exerciseWithin5 ?? 0),
          restWithin3: results.map((r) => r.metrics.restWithin3 ?? 0),
          alarmed: results.filter((r) => r.alarms.length > 0).length,
          alarmKinds: [...new Set(results.flatMap((r) => r.alarms.map((a) => a.kind)))],
          secondsAboveLop: results.map((r) => r.metrics.secondsAboveLop),
        });
      }
    }
  }
  return cells;
}

export interface Summary {
  mean: number;
  min: number;
  /** Share of runs meeting GOAL_WITHIN5. */
  meeting: number;
  runs: number;
}

export function summarise(values: readonly number[]): Summary {
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    min: Math.min(...values),
    meeting: values.filter((v) => v >= GOAL_WITHIN5).length / values.length,
    runs: values.length,
  };
}

/** The smallest flow whose runs meet the goal for at least MOST_SHARE of subject-swing pairs (null: none). */
export function smallestSufficientFlow(cells: readonly SizingCell[]): number | null {
  const flows = [...new Set(cells.map((c) => c.flowLpm))].sort((a, b) => a - b);
  for (const flow of flows) {
    const all = cells.filter((c) => c.flowLpm === flow).flatMap((c) => c.within5);
    if (summarise(all).meeting >= MOST_SHARE) return flow;
  }
  return null;
}

export interface DeflationResult {
  /** True cuff pressure from `fromMmhg` down to 15 mmHg, s. */
  seconds: number;
  /** The same as the sensor in the box sees it (the hose drop makes it read low while venting), s. */
  sensorSeconds: number;
}

const STEP_SECONDS = 0.005;

/**
 * Pump a thigh cuff to `fromMmhg`, let it settle sealed, then open the vent fully with
 * the pump off (what the emergency button does) and time the fall to 15 mmHg.
 */
export function deflationSeconds(
  profile: HardwareProfile,
  widthCm: number,
  circumferenceCm: number,
  ventOrificeMm: number,
  fromMmhg: number,
): DeflationResult {
  const scenario = parseScenario({
    name: `deflation ${fromMmhg} mmHg, ${widthCm} cm on ${circumferenceCm} cm, vent ${ventOrificeMm} mm`,
    limb: "leg",
    subject: { limbCircumferenceCm: circumferenceCm },
    cuff: { widthCm },
    hardware: { ventOrificeMm, sensorNoiseMmhg: 0, sensorDriftMmhgPerMin: 0 },
  });
  const cuff = new SimulatedCuff(scenario, profile);
  // A couple of mmHg over, so the sealed cuff settles at or above the start pressure.
  while (cuff.trueMmhg() < fromMmhg + 2) {
    cuff.step(STEP_SECONDS, 1, 0);
    if (cuff.timeSeconds > 600) throw new Error(`${scenario.name}: the pump cannot reach ${fromMmhg} mmHg`);
  }
  const ventFromSeconds = cuff.timeSeconds + 0.5;
  cuff.step(0.5, 0, 0);
  if (cuff.trueMmhg() < fromMmhg) throw new Error(`${scenario.name}: the sealed cuff settled below ${fromMmhg} mmHg`);
  let trueFrom: number | null = null;
  let sensorFrom: number | null = null;
  let trueEnd: number | null = null;
  let sensorEnd: number | null = null;
  let previousTrue = cuff.trueMmhg();
  let previousSensor = cuff.hoseMmhg();
  // Linear interpolation within the last step.
  const crossing = (from: number, to: number, level: number) => cuff.timeSeconds - STEP_SECONDS + (STEP_SECONDS * (from - level)) / (from - to);
  while (trueEnd === null || sensorEnd === null) {
    cuff.step(STEP_SECONDS, 0, 1);
    const t = cuff.trueMmhg();
    const s = cuff.hoseMmhg();
    if (trueFrom === null && t <= fromMmhg) trueFrom = crossing(previousTrue, t, fromMmhg);
    if (sensorFrom === null && s <= fromMmhg) sensorFrom = crossing(previousSensor, s, fromMmhg);
    if (trueEnd === null && t < DEFLATED_MMHG) trueEnd = crossing(previousTrue, t, DEFLATED_MMHG);
    if (sensorEnd === null && s < DEFLATED_MMHG) sensorEnd = crossing(previousSensor, s, DEFLATED_MMHG);
    previousTrue = t;
    previousSensor = s;
    if (cuff.timeSeconds > ventFromSeconds + 120) throw new Error(`${scenario.name}: the cuff did not deflate within 120 s`);
  }
  return { seconds: trueEnd - (trueFrom ?? trueEnd), sensorSeconds: sensorEnd - (sensorFrom ?? sensorEnd) };
}

const f3 = (v: number) => v.toFixed(3);
const pct = (v: number) => `${Math.round(v * 100)} %`;

function alarmText(cells: readonly SizingCell[]): string {
  const count = cells.reduce((a, c) => a + c.alarmed, 0);
  const kinds = [...new Set(cells.flatMap((c) => c.alarmKinds))];
  return count === 0 ? "0" : `${count} (${kinds.join(", ")})`;
}

/**
 * The vent on the arms too: the mixed population of bench/regulation-population.ts (its own
 * pumps and swings, 80 % LOP on thighs, 50 % on arms), alarms raised on subjects without a fault.
 */
async function printMixedVentCheck(profile: HardwareProfile, count: number, seed: number): Promise<void> {
  console.log(`\nThe vent on arms and thighs: ${count} subjects of the mixed population (seed ${seed}), regulation-population protocol\n`);
  console.log("| vent | mean exerciseWithin5 | mean restWithin3 | runs with an alarm | alarms |");
  console.log("|---:|---:|---:|---:|---|");
  const population = generatePopulation(seed, count);
  for (const vent of VENT_REGULATION_ORIFICES_MM) {
    const results = await runScenarios(population.map((s) => protocolScenario({ ...s, hardware: { ...s.hardware, ventOrificeMm: vent } })), { profile });
    const within5 = summarise(results.map((r) => r.metrics.exerciseWithin5 ?? 0));
    const rest = summarise(results.map((r) => r.metrics.restWithin3 ?? 0));
    const alarms = results.flatMap((r, i) => r.alarms.map((a) => `${r.name.match(/#\d+/)?.[0] ?? r.name} ${population[i]!.limb} ${a.kind} at ${Math.round(a.t)} s`));
    console.log(`| ${vent.toFixed(1)} mm | ${f3(within5.mean)} | ${f3(rest.mean)} | ${results.filter((r) => r.alarms.length > 0).length} of ${count} | ${alarms.slice(0, 4).join("; ")}${alarms.length > 4 ? "; ..." : ""} |`);
  }
}

function printVentRegulationTable(cells: readonly SizingCell[]): void {
  const swings = [...new Set(cells.map((c) => c.swingMmhg))];
  console.log("\nThe vent's share: runs meeting the goal (mean exerciseWithin5 / min) by vent orifice, all swings and per swing\n");
  console.log(`| pump, vent | all swings | ${swings.map((w) => `swing ${w} mmHg`).join(" | ")} | runs with an alarm |`);
  console.log(`|---|---:|${swings.map(() => "---:").join("|")}|---:|`);
  for (const flow of VENT_REGULATION_FLOWS_LPM) {
    for (const vent of VENT_REGULATION_ORIFICES_MM.filter((v) => cells.some((c) => c.flowLpm === flow && c.ventOrificeMm === v))) {
      const mine = cells.filter((c) => c.flowLpm === flow && c.ventOrificeMm === vent);
      const all = summarise(mine.flatMap((c) => c.within5));
      const row = swings.map((w) => {
        const s = summarise(mine.find((c) => c.swingMmhg === w)!.within5);
        return `${pct(s.meeting)} (${f3(s.mean)} / ${f3(s.min)})`;
      });
      console.log(`| ${flow} L/min, ${vent.toFixed(1)} mm | ${pct(all.meeting)} (${f3(all.mean)} / ${f3(all.min)}) | ${row.join(" | ")} | ${alarmText(mine)} |`);
    }
  }
}

function printPumpTables(cells: readonly SizingCell[], subjects: number, seed: number): void {
  const flows = [...new Set(cells.map((c) => c.flowLpm))];
  const swings = [...new Set(cells.map((c) => c.swingMmhg))];
  console.log(`\nRegulation, 80 % LOP leg press 30-15-15-15, ${subjects} thighs (population seed ${seed}) x ${swings.length} swings; stall ${REFERENCE_PUMP.stallMmhg} mmHg, vent ${REFERENCE_VENT_VALVE.orificeMm} mm`);
  console.log(`goal: exerciseWithin5 >= ${GOAL_WITHIN5}\n`);
  console.log("| pump free flow | mean exerciseWithin5 | min exerciseWithin5 | runs meeting the goal | mean restWithin3 | runs with an alarm | most s above LOP |");
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const flow of flows) {
    const mine = cells.filter((c) => c.flowLpm === flow);
    const s = summarise(mine.flatMap((c) => c.within5));
    const rest = summarise(mine.flatMap((c) => c.restWithin3));
    const alarmed = alarmText(mine);
    const above = Math.max(...mine.flatMap((c) => c.secondsAboveLop));
    console.log(`| ${flow} L/min | ${f3(s.mean)} | ${f3(s.min)} | ${pct(s.meeting)} of ${s.runs} | ${f3(rest.mean)} | ${alarmed} | ${above.toFixed(2)} |`);
  }
  console.log("\nShare of subjects meeting the goal (mean exerciseWithin5 / min) by contraction swing:\n");
  console.log(`| pump free flow | ${swings.map((w) => `swing ${w} mmHg`).join(" | ")} |`);
  console.log(`|---:|${swings.map(() => "---:").join("|")}|`);
  for (const flow of flows) {
    const row = swings.map((w) => {
      const s = summarise(cells.find((c) => c.flowLpm === flow && c.swingMmhg === w)!.within5);
      return `${pct(s.meeting)} (${f3(s.mean)} / ${f3(s.min)})`;
    });
    console.log(`| ${flow} L/min | ${row.join(" | ")} |`);
  }
  const best = smallestSufficientFlow(cells);
  console.log(
    best === null
      ? `\nNo pump in the grid meets the goal for ${pct(MOST_SHARE)} of runs.`
      : `\nSmallest pump meeting the goal for at least ${pct(MOST_SHARE)} of subject-swing runs: ${best} L/min free flow.`,
  );
}

function printDeflationTable(profile: HardwareProfile): void {
  console.log("\nEmergency deflation: vent fully open, pump off, true cuff pressure (sensor in the box in brackets), s\n");
  const headers = DEFLATION_CUFFS.flatMap((c) => DEFLATION_STARTS_MMHG.map((p) => `${c.label} (${c.widthCm} x ${c.circumferenceCm} cm) ${p} -> ${DEFLATED_MMHG}`));
  console.log(`| vent orifice | ${headers.join(" | ")} |`);
  console.log(`|---:|${headers.map(() => "---:").join("|")}|`);
  for (const orifice of VENT_ORIFICES_MM) {
    const row = DEFLATION_CUFFS.flatMap((c) =>
      DEFLATION_STARTS_MMHG.map((p) => {
        const r = deflationSeconds(profile, c.widthCm, c.circumferenceCm, orifice, p);
        return `${r.seconds.toFixed(1)} (${r.sensorSeconds.toFixed(1)})`;
      }),
    );
    console.log(`| ${orifice.toFixed(1)} mm | ${row.join(" | ")} |`);
  }
  console.log(`\nstandard: 260 -> ${DEFLATED_MMHG} mmHg within ${DEFLATION_STANDARD_SECONDS} s; aim: ${DEFLATION_AIM_SECONDS} s on the thigh cuff`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 24);
  const seed = Number(process.argv[3] ?? 7);
  const profile = referenceProfile();
  const started = performance.now();
  console.log(`npx tsx bench/pump-sizing.ts ${count} ${seed}  (${new Date().toISOString().slice(0, 10)})`);
  printDeflationTable(profile);
  const subjects = generatePopulation(seed, count, { limb: "leg" });
  const reference = REFERENCE_VENT_VALVE.orificeMm;
  const pumpCells = await runGrid(subjects, profile, PUMP_FLOWS_LPM, [reference]);
  printPumpTables(pumpCells, count, seed);
  const otherVents = VENT_REGULATION_ORIFICES_MM.filter((v) => v !== reference);
  const ventCells = [...pumpCells.filter((c) => (VENT_REGULATION_FLOWS_LPM as readonly number[]).includes(c.flowLpm)), ...(await runGrid(subjects, profile, VENT_REGULATION_FLOWS_LPM, otherVents))];
  printVentRegulationTable(ventCells);
  await printMixedVentCheck(profile, 30, 3);
  console.log(`\nwall ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
