/**
 * How fast the simulated cuff's physics runs: simulated seconds per wall second
 * at 100 Hz steps on one core, for a thigh and an arm scenario through a whole
 * session shape (inflate, hold with sets and rests, vent). Run:
 *   npx tsx bench/physics-speed.ts
 */
import { referenceProfile } from "../hardware/profile.ts";
import { createPlant, type SimulatedCuff } from "../hardware/sim/cuff.ts";
import { parseScenario } from "../hardware/sim/scenario.ts";

const DT_SECONDS = 0.01;
const profile = referenceProfile();

/** A crude on/off holder, enough to keep the physics busy in every regime. */
function runSession(cuff: SimulatedCuff, simSeconds: number): number {
  const target = cuff.calibrationMmhg;
  let checksum = 0;
  const steps = Math.round(simSeconds / DT_SECONDS);
  const cycleSteps = Math.round(120 / DT_SECONDS);
  for (let i = 0; i < steps; i++) {
    const inCycle = i % cycleSteps;
    if (inCycle === Math.round(40 / DT_SECONDS)) cuff.beginSet(15);
    const venting = inCycle >= Math.round(100 / DT_SECONDS);
    const p = cuff.trueMmhg();
    const pump = !venting && p < target - 3 ? 1 : 0;
    const vent = venting ? 1 : p > target + 3 ? 0.3 : 0;
    cuff.step(DT_SECONDS, pump, vent);
    checksum += cuff.sensorCounts();
  }
  return checksum;
}

const cases = [
  { name: "thigh 11.5 cm", json: { name: "bench thigh", limb: "leg" } },
  { name: "arm 10 cm", json: { name: "bench arm", limb: "arm" } },
  { name: "thigh, kinked hose", json: { name: "bench kink", limb: "leg", faults: [{ at: 30, kind: "hose-kink" }] } },
];

/** Best of a few runs: on a shared machine the slowest runs measure the neighbours. */
const RUNS = 3;
runSession(createPlant(parseScenario(cases[0]!.json), profile), 600);
for (const c of cases) {
  const simSeconds = 3600;
  let bestWall = Infinity;
  let bestCpu = Infinity;
  let checksum = 0;
  for (let run = 0; run < RUNS; run++) {
    const cuff = createPlant(parseScenario(c.json), profile);
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    checksum = runSession(cuff, simSeconds);
    bestWall = Math.min(bestWall, (performance.now() - start) / 1000);
    const cpu = process.cpuUsage(cpuStart);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  console.log(
    `${c.name.padEnd(20)} ${simSeconds} s simulated: ${Math.round(simSeconds / bestWall)}x real time per wall second, ` +
      `${Math.round(simSeconds / bestCpu)}x per CPU second (best of ${RUNS}, 100 Hz steps, checksum ${checksum})`,
  );
}
