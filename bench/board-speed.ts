/**
 * How fast the board layers run in virtual time, one core, against the real
 * simulated cuff (arm, reference hardware). A controller-like loop on every
 * sample: keep-alive plus a pump/vent write, so each sample costs what a
 * session's does.
 *
 *   npx tsx bench/board-speed.ts [simSeconds]
 */
import { SimBoard } from "../hardware/sim/sim-board.ts";
import { connectJohnnyFiveBoard } from "../firmware/board/johnny-five-board.ts";
import type { CuffBoard } from "../firmware/board/board.ts";
import { mmhgToCounts, referenceProfile } from "../hardware/profile.ts";
import { createPlant } from "../hardware/sim/cuff.ts";
import { parseScenario } from "../hardware/sim/scenario.ts";
import { VirtualBoard, duplexPair } from "../hardware/sim/virtual-board.ts";
import { ManualClock } from "../shared/clock.ts";

const simSeconds = Number(process.argv[2] ?? 60);
const profile = referenceProfile();
const scenario = parseScenario({ name: "board speed", limb: "arm", seed: 1 });
const STEP = 0.01;

/** Bang-bang around 150 mmHg: enough to keep both actuators busy. */
function attachLoop(board: CuffBoard): () => number {
  let samples = 0;
  board.onSample((sample) => {
    samples++;
    board.keepAlive();
    const high = sample.counts > mmhgToCounts(profile, 150);
    board.setPump(high ? 0 : 1);
    board.setVent(high ? 0.3 : 0);
  });
  return () => samples;
}

function report(name: string, wallSeconds: number, cpuMicros: number, samples: number): void {
  const ratio = simSeconds / wallSeconds;
  console.log(
    `${name.padEnd(44)} ${samples} samples, ${wallSeconds.toFixed(3)} s wall, ${ratio.toFixed(0)}x real time, ` +
      `${(cpuMicros / samples).toFixed(1)} us CPU per sample`,
  );
}

async function direct(): Promise<void> {
  const clock = new ManualClock();
  const board = new SimBoard(createPlant(scenario, profile), profile, clock);
  const count = attachLoop(board);
  board.configureGuard(profile.guard.keepAliveDeadlineMs, mmhgToCounts(profile, profile.guard.tripMmhg));
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < simSeconds / STEP; i++) {
    clock.advance(STEP);
    board.advance(STEP);
  }
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  report("SimBoard (direct, no Firmata)", wall, used.user + used.system, count());
}

async function viaFirmata(): Promise<void> {
  const clock = new ManualClock();
  const [hostEnd, boardEnd] = duplexPair();
  const virtual = new VirtualBoard(boardEnd, { plant: createPlant(scenario, profile), clock, profile });
  const board = await connectJohnnyFiveBoard({ stream: hostEnd, clock, profile, label: "virtual board" });
  const count = attachLoop(board);
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < simSeconds / STEP; i++) {
    clock.advance(STEP);
    // Two turns of the event loop: the sample reaches the host, the host's writes reach the board.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  report("johnny-five + firmata-io + VirtualBoard", wall, used.user + used.system, count());
  if (virtual.guardStatus().tripCount > 0) console.log("  (the guard tripped: the lock-step starved the keep-alive)");
  await board.close();
  virtual.dispose();
}

console.log(`${simSeconds} s of simulated time, ${scenario.name}`);
await direct();
await viaFirmata();
