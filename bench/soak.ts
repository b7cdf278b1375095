/**
 * The soak: session after session on one simulated cuff, firmware and host in this
 * process, as fast as the simulation goes, for a given simulated time. Plans rotate
 * (sets with the LOP measured, sets on a given LOP the cuff checks, a continuous hold,
 * cycles), with the enforced deflated rest between them. Reports every session's ending,
 * the faults (healthy hardware: none expected), whether each session ended vented, and
 * the process's memory: the live heap after a full collection and the resident set,
 * every simulated half hour.
 *
 * Run: node --expose-gc --import tsx bench/soak.ts [--hours 8] [--json]
 */
import { parseArgs } from "node:util";
import { SimulatedAthlete } from "../hardware/sim/athlete.ts";
import { parseScenario } from "../hardware/sim/scenario.ts";
import { createSimStack } from "../hardware/sim/sim-stack.ts";
import { CuffClient } from "../host/client/client.ts";
import { duplexConnector } from "../host/client/stream-port.ts";
import { runSession } from "../host/session/runner.ts";
import { ManualClock } from "../shared/clock.ts";
import { DEFAULT_REST_BETWEEN_EXERCISES_SECONDS } from "../shared/limits.ts";
import { type Plan, PlanSchema } from "../shared/plan.ts";

const { values } = parseArgs({ options: { hours: { type: "string" }, json: { type: "boolean" }, seed: { type: "string" } } });
const hours = Number(values.hours ?? 8);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc --import tsx bench/soak.ts");

const clock = new ManualClock();
const scenario = parseScenario({ name: "soak", seed: Number(values.seed ?? 1), limb: "leg" });
const stack = createSimStack({ clock, scenario });
const advance = (seconds: number) => stack.advance(seconds);

async function until<T>(promise: Promise<T>, limitSeconds: number): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  tracked.catch(() => undefined);
  for (let t = 0; t < limitSeconds && !settled; t += 1) await advance(1);
  if (!settled) throw new Error(`not settled within ${limitSeconds} simulated seconds`);
  return tracked;
}

const client = await until(CuffClient.open({ connect: duplexConnector(async () => stack.hostStream), clock, instance: "soak" }), 10);
const athlete = new SimulatedAthlete(client, stack.plant, clock, () => 0.5);
const lopTrue = Math.round(stack.plant.lopTrueMmhg);
const plans: Plan[] = [
  { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 }, lop: "measure" },
  { sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 75 }, lop: lopTrue },
  { mode: "continuous", minutes: 5, target: { percentLop: 60 }, lop: "measure" },
  { mode: "cycle", cycles: 4, holdSeconds: 30, releaseSeconds: 5, target: { percentLop: 50 }, lop: lopTrue },
].map((p) => PlanSchema.parse(p));

const memory: { simHours: number; heapMb: number; rssMb: number }[] = [];
const sample = () => {
  gc();
  const m = process.memoryUsage();
  memory.push({ simHours: Number((clock.nowSeconds() / 3600).toFixed(2)), heapMb: Number((m.heapUsed / 1e6).toFixed(1)), rssMb: Number((m.rss / 1e6).toFixed(1)) });
};
let faults = 0;
client.events$.subscribe((e) => {
  if (e.type === "alarm" && e.severity === "fault") faults++;
});
const endings: Record<string, number> = {};
let sessions = 0;
let ventedAtEnd = 0;
const started = performance.now();
sample();
let nextSample = 1800;
while (clock.nowSeconds() < hours * 3600) {
  const plan = plans[sessions % plans.length]!;
  const summary = await until(runSession({ client, clock, limb: "leg", plan }), 1800).catch((error: Error) => ({ ending: `error: ${error.message}` }) as const);
  sessions++;
  endings[summary.ending] = (endings[summary.ending] ?? 0) + 1;
  if (client.state === "vented" && stack.plant.trueMmhg() < 15) ventedAtEnd++;
  await advance(DEFAULT_REST_BETWEEN_EXERCISES_SECONDS + 5);
  if (clock.nowSeconds() >= nextSample) {
    sample();
    nextSample += 1800;
  }
  if (!values.json) process.stderr.write(`\rsoak: ${(clock.nowSeconds() / 3600).toFixed(2)} h simulated, ${sessions} sessions, ${faults} faults   `);
}
sample();
athlete.dispose();
await client.close();
await stack.close();

const after = memory.filter((m) => m.simHours >= 0.5);
const spread = (key: "heapMb" | "rssMb") => Number((Math.max(...after.map((m) => m[key])) - Math.min(...after.map((m) => m[key]))).toFixed(1));
const result = {
  simHours: Number((clock.nowSeconds() / 3600).toFixed(2)),
  wallSeconds: Math.round((performance.now() - started) / 1000),
  sessions,
  endings,
  faults,
  sessionsVentedAtEnd: ventedAtEnd,
  heapSpreadMbAfterFirstHalfHour: spread("heapMb"),
  rssSpreadMbAfterFirstHalfHour: spread("rssMb"),
  memory,
};
if (!values.json) process.stderr.write("\n");
process.stdout.write((values.json ? JSON.stringify(result) : JSON.stringify(result, null, 2)) + "\n");
