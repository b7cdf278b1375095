/**
 * The composition root of a host connection: a real serial port, or the
 * in-process simulated cuff paced against the wall clock. Commands get an
 * OpenLink and never care which.
 */
import type { CuffPlant } from "../../hardware/sim/plant.ts";
import { loadScenario, parseScenario, type Scenario } from "../../hardware/sim/scenario.ts";
import { type Clock, ManualClock, SystemClock } from "../../shared/clock.ts";
import type { Limb } from "../../shared/plan.ts";
import { createSimStack, type SimStack } from "../../hardware/sim/sim-stack.ts";
import { CuffClient } from "../client/client.ts";
import { CuffLinkError } from "../client/errors.ts";
import { DEFAULT_BAUD, serialConnector } from "../client/transport.ts";
import { SimulatedAthlete } from "../../hardware/sim/athlete.ts";
import { Pacer } from "../../hardware/sim/pacer.ts";
import { parseDecimal } from "../../shared/decimal.ts";
import { CliError, UsageError } from "./errors.ts";
import { loadHostPairingKey } from "./pairing.ts";
import { duplexConnector } from "../client/stream-port.ts";
import { Prng } from "../../hardware/sim/prng.ts";

export interface LinkChoice {
  port?: string;
  sim: boolean;
  scenarioPath?: string;
  /** Limb of the built-in simulated subject when no scenario file is given. */
  limb?: Limb;
  speed: number;
  baud?: number;
  /** The simulated cuff's firmware as for bench acceptance (holds without a LOP). */
  bench?: boolean;
}

export interface SimParts {
  stack: SimStack;
  plant: CuffPlant;
  pacer: Pacer;
  scenario: Scenario;
}

export interface OpenLink {
  client: CuffClient;
  clock: Clock;
  label: string;
  sim: SimParts | null;
  close(): Promise<void>;
}

export type LinkOpener = (choice: LinkChoice) => Promise<OpenLink>;

export function checkLinkChoice(choice: { port?: string; sim?: boolean; scenario?: string; speed?: string }): void {
  if (choice.port && choice.sim) throw new UsageError("use either --port PATH or --sim, not both");
  if (!choice.port && !choice.sim) throw new UsageError('say where the cuff is: --port PATH (see "cuff ports") or --sim for the simulated cuff');
  if (choice.scenario && !choice.sim) throw new UsageError("--scenario only applies to the simulated cuff (--sim)");
  if (choice.speed !== undefined && !choice.sim) throw new UsageError("--speed only applies to the simulated cuff (--sim); real cuffs run in real time");
}

export function loadSimScenario(path: string | undefined, limb: Limb | undefined): Scenario {
  try {
    if (path) return loadScenario(path);
    return parseScenario({ name: "built-in simulated cuff", ...(limb ? { limb } : {}) });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** Real ports and the simulated cuff. */
export const openLink: LinkOpener = async (choice) => {
  if (choice.sim) return openSim(choice);
  const path = choice.port!;
  const clock = new SystemClock();
  const pairingKey = loadHostPairingKey(process.env);
  try {
    const client = await CuffClient.open({ connect: serialConnector(path, choice.baud ?? DEFAULT_BAUD), clock, label: path, ...(pairingKey ? { pairingKey } : {}) });
    return { client, clock, label: path, sim: null, close: () => client.close() };
  } catch (error) {
    if (error instanceof CuffLinkError) throw new CliError(error.message);
    throw error;
  }
};

async function openSim(choice: LinkChoice): Promise<OpenLink> {
  const scenario = loadSimScenario(choice.scenarioPath, choice.limb);
  const clock = new ManualClock();
  const stack = createSimStack({ scenario, clock, ...(choice.bench ? { benchAcceptance: true } : {}) });
  let first = true;
  const connect = async () => {
    if (first) {
      first = false;
      return stack.hostStream;
    }
    return stack.replugLink();
  };
  let client: CuffClient | null = null;
  const pacer = new Pacer(stack, choice.speed, (error) => {
    void client?.closeWithError(new CliError(`the simulated cuff stopped: ${error.message}`));
  });
  try {
    client = await CuffClient.open({ connect: duplexConnector(connect), clock, label: "the simulated cuff" });
  } catch (error) {
    await pacer.stop();
    await stack.close();
    throw error instanceof CuffLinkError ? new CliError(error.message) : error;
  }
  const opened = client;
  const reactions = new Prng(scenario.seed, 17);
  const athlete = new SimulatedAthlete(opened, stack.plant, clock, () => reactions.next());
  return {
    client: opened,
    clock,
    label: "the simulated cuff",
    sim: { stack, plant: stack.plant, pacer, scenario },
    async close() {
      athlete.dispose();
      await opened.close();
      await pacer.stop();
      await stack.close();
    },
  };
}

/** --baud N: a whole serial speed; undefined when not given. */
export function parseBaud(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const baud = parseDecimal(text);
  if (baud === null || !Number.isInteger(baud) || baud < 1200 || baud > 4_000_000) {
    throw new UsageError(`--baud must be a whole serial speed from 1200 to 4000000, like 115200, got "${text}"`);
  }
  return baud;
}

/** The options every command that talks to a cuff takes. */
export const LINK_OPTIONS = {
  port: { type: "string" },
  sim: { type: "boolean" },
  scenario: { type: "string" },
  speed: { type: "string" },
  baud: { type: "string" },
} as const;

export const LINK_HELP = `Where the cuff is:
  --port PATH        serial port of a real cuff, e.g. /dev/ttyUSB0 or COM3 ("cuff ports" lists them)
  --baud N           serial speed of the link (default 115200)
  --sim              the built-in simulated cuff
  --scenario FILE    simulated subject and hardware (JSON, CONTRACTS.md section 3; sim only)
  --speed N          simulated seconds per real second (sim only; default 1; "max" = as fast as possible)`;

export function linkChoiceFrom(
  values: { port?: string; sim?: boolean; scenario?: string; speed?: string; baud?: string },
  limb: Limb | undefined,
  defaultSpeed: number,
  parseSpeed: (text: string | undefined, fallback: number) => number,
): LinkChoice {
  checkLinkChoice(values);
  const baud = parseBaud(values.baud);
  return {
    sim: values.sim === true,
    speed: parseSpeed(values.speed, defaultSpeed),
    ...(values.port ? { port: values.port } : {}),
    ...(values.scenario ? { scenarioPath: values.scenario } : {}),
    ...(baud ? { baud } : {}),
    ...(limb ? { limb } : {}),
  };
}
