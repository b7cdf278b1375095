import { writeFileSync } from "node:fs";
import { referenceProfile } from "./hardware/profile.ts";
import { FirmwareLopBench } from "./hardware/sim/bench/lop-run.ts";
import { drawFamily, TUNING, HELD_OUT, HELD_OUT_EDGES } from "./bench/lop-family.ts";
import { withDistalSensor } from "./bench/lop-uncertainty.ts";
const parts: Record<string, typeof TUNING> = { tuning: TUNING, held: HELD_OUT, edges: HELD_OUT_EDGES };
const part = parts[process.argv[2] ?? "tuning"]!;
const n = Number(process.argv[3] ?? 200);
let beats: any[] = [];
(globalThis as any).DEBUG_FADE = (b: any) => beats.push([b.mmhg, b.amplitudeCounts, b.noiseCounts, b.tSeconds]);
const out: any[] = [];
for (const scenario0 of drawFamily(part, n)) {
  const scenario = withDistalSensor(scenario0);
  beats = [];
  const bench = new FirmwareLopBench(scenario, referenceProfile());
  bench.zero();
  const run = bench.measure(scenario.limb);
  bench.close();
  out.push({ lop: run.lopTrueMmhg, err: run.errorMmhg, reason: run.outcome.reason, beats, subject: scenario.subject });
}
writeFileSync(`/tmp/dp/collect2-${process.argv[2] ?? "tuning"}.json`, JSON.stringify(out));
