/**
 * The hostile-host model over many random sequences and family members: how long the
 * true cuff pressure stays at or above the true LOP outside the firmware's own LOP
 * measurement, with and without the distal pulse sensor, and whether every sequence
 * ends vented once the host asks. The property test runs the same model briefly.
 *
 * Run: npx tsx bench/hostile-host.ts [--runs 200] [--seed 1] [--sensor cuff|distal|both] [--json]
 */
import fc from "fast-check";
import { parseArgs } from "node:util";
import { runHostileSequence } from "../hardware/sim/bench/hostile-host.ts";
import { familyMember, hostileSequence } from "./hostile-commands.ts";

const { values } = parseArgs({ options: { runs: { type: "string" }, seed: { type: "string" }, sensor: { type: "string" }, json: { type: "boolean" } } });
const sensor = values.sensor ?? "both";
const runs = Number(values.runs ?? 200);
const seed = Number(values.seed ?? 1);

const cases = fc.sample(fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), hostileSequence), { seed, numRuns: runs });
const rows = [];
for (const distal of sensor === "both" ? [false, true] : [sensor === "distal"]) {
  const longest: number[] = [];
  let over5 = 0;
  let notVented = 0;
  let worst: { subjectSeed: number; seconds: number } | null = null;
  let simSeconds = 0;
  let heldNearLop = 0;
  const endings: Record<string, number> = {};
  const occlusionShares: number[] = [];
  const started = performance.now();
  for (const [subjectSeed, steps] of cases) {
    const run = runHostileSequence(familyMember(subjectSeed, distal), steps);
    simSeconds += run.simSeconds;
    if (run.highestHeldShareOfLop >= 0.85) heldNearLop++;
    for (const ending of run.sessionEndings) endings[ending] = (endings[ending] ?? 0) + 1;
    occlusionShares.push(...run.occlusionFaultsAtShareOfLop);
    longest.push(run.longestAboveLopSeconds);
    if (run.longestAboveLopSeconds > 5) over5++;
    if (run.ventedSecondsAfterDeflate === null) notVented++;
    if (!worst || run.longestAboveLopSeconds > worst.seconds) worst = { subjectSeed, seconds: run.longestAboveLopSeconds };
    if (!values.json) process.stderr.write(`\rhostile host (${distal ? "distal sensor" : "cuff only"}): ${longest.length}/${runs}`);
  }
  longest.sort((a, b) => a - b);
  const q = (p: number) => Number(longest[Math.min(longest.length - 1, Math.floor(p * longest.length))]!.toFixed(2));
  rows.push({
    sensor: distal ? "distal pulse sensor" : "cuff only",
    runs,
    seed,
    aboveLopSeconds: { median: q(0.5), p95: q(0.95), p99: q(0.99), max: q(1) },
    runsHoldingAt85PercentLopOrMore: heldNearLop,
    runsOver5Seconds: over5,
    runsNotVentedAfterDeflate: notVented,
    sessionEndings: endings,
    occlusionFaultsAtShareOfTrueLop: occlusionShares.sort((a, b) => a - b).map((s) => Number(s.toFixed(3))),
    worstSubjectSeed: worst?.subjectSeed ?? null,
    simHours: Number((simSeconds / 3600).toFixed(1)),
    wallSeconds: Number(((performance.now() - started) / 1000).toFixed(0)),
  });
}
if (!values.json) process.stderr.write("\n");
for (const row of rows) process.stdout.write((values.json ? JSON.stringify(row) : JSON.stringify(row, null, 2)) + "\n");
