/**
 * The real cuff_guard image on simavr behind a pseudo-terminal, paced to real
 * time, driving the simulated cuff: a host connects to it exactly as to a Nano on
 * /dev/ttyUSB0 (`cuff firmware --board <path>`).
 *
 *   npx tsx hardware/sim/mcu/serve-pty.ts [--scenario FILE]
 */
import { pathToFileURL } from "node:url";
import type { Duplex } from "node:stream";
import { referenceProfile, type HardwareProfile } from "../../profile.ts";
import { createPlant } from "../cuff.ts";
import type { CuffPlant } from "../plant.ts";
import { PtyError, openPtyPair, ttyDuplex } from "../pty.ts";
import { loadScenario, parseScenario } from "../scenario.ts";
import { SimavrBoard } from "./simavr-board.ts";
import { buildFirmware } from "./toolchain.ts";

const STEP_SECONDS = 0.001;
const TICK_MS = 10;
/** Behind by more than this (a stalled process), simulated time skips ahead rather than racing to catch up. */
const MAX_LAG_SECONDS = 0.25;

export interface SimavrPty {
  /** Path for the host. */
  path: string;
  sim: SimavrBoard;
  close(): Promise<void>;
}

export async function startSimavrOnPty(plant: CuffPlant, profile: HardwareProfile = referenceProfile()): Promise<SimavrPty> {
  buildFirmware();
  const pair = await openPtyPair();
  let serial: Duplex;
  try {
    serial = ttyDuplex(pair.boardPath);
  } catch (error) {
    await pair.close();
    throw new PtyError(`cannot open the board end of the pty: ${(error as Error).message}`);
  }
  const sim = new SimavrBoard({ source: plant, profile });
  serial.on("data", (chunk: Buffer) => sim.port.write(chunk));
  sim.port.on("data", (chunk: Buffer) => serial.write(chunk));

  const startedAt = performance.now();
  let offsetSeconds = 0;
  let running = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = true;
    const wallSeconds = (performance.now() - startedAt) / 1000 - offsetSeconds;
    let behind = wallSeconds - sim.timeSeconds;
    if (behind > MAX_LAG_SECONDS) {
      offsetSeconds += behind - STEP_SECONDS;
      behind = STEP_SECONDS;
    }
    const steps = Math.floor(behind / STEP_SECONDS);
    sim
      .advance(steps * STEP_SECONDS, STEP_SECONDS)
      .catch((error: Error) => {
        stopped = true;
        process.stderr.write(`${error.message}\n`);
      })
      .finally(() => (running = false));
  }, TICK_MS);

  return {
    path: pair.hostPath,
    sim,
    close: async () => {
      stopped = true;
      clearInterval(timer);
      await sim.close();
      if (!serial.destroyed) await new Promise<void>((resolve) => serial.destroy().once("close", () => resolve()));
      await pair.close();
    },
  };
}

async function main(args: string[]): Promise<void> {
  const i = args.indexOf("--scenario");
  const scenario = i >= 0 ? loadScenario(args[i + 1]!) : parseScenario({ name: "cuff_guard on simavr" });
  const profile = referenceProfile();
  const pty = await startSimavrOnPty(createPlant(scenario, profile), profile);
  process.stdout.write(`cuff_guard image on simavr (${scenario.name}) on ${pty.path}\n`);
  process.once("SIGINT", () => void pty.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
