/**
 * The composition root of a host connection: a cuff link served elsewhere on a
 * serial port (--port), the controller run in this process on a Firmata board
 * (--board), or the in-process simulated cuff paced against the wall clock
 * (--sim). Commands get an OpenLink and never care which.
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
import { openBoardLink } from "./board-link.ts";
import { duplexConnector } from "../client/stream-port.ts";
import { Prng } from "../../hardware/sim/prng.ts";

export interface LinkChoice {
  port?: string;
  /** A Firmata board running the cuff sketch: the controller runs in this process. */
  board?: string;
  sim: boolean;
  scenarioPath?: string;
  /** Limb of the built-in simulated subject when no scenario file is given. */
  limb?: Limb;
  speed: number;
  baud?: number;
  /** The firmware this command runs (the simulated cuff, or on --board) as for bench acceptance: holds without a LOP. */
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

export function checkLinkChoice(choice: { port?: string; board?: string; sim?: boolean; scenario?: string; speed?: string; baud?: string }): void {
  const given = [choice.board ? "--board PATH" : null, choice.port ? "--port PATH" : null, choice.sim ? "--sim" : null].filter(Boolean);
  if (given.length === 2) throw new UsageError(`use either ${given[0]} or ${given[1]}, not both`);
  if (given.length > 2) throw new UsageError(`use one of ${given.join(", ")}, not several`);
  if (given.length === 0) {
    throw new UsageError('say where the cuff is: --board PATH (the cuff\'s board on USB, see "cuff ports"), --port PATH (a cuff link served elsewhere) or --sim for the simulated cuff');
  }
  if (choice.scenario && !choice.sim) throw new UsageError("--scenario only applies to the simulated cuff (--sim); for a simulated board use cuff virtual-board --scenario FILE");
  if (choice.speed !== undefined && !choice.sim) throw new UsageError("--speed only applies to the simulated cuff (--sim); real cuffs run in real time");
  if (choice.baud !== undefined && !choice.port) throw new UsageError("--baud only applies to a cuff link on --port; a board always speaks 57600 baud");
}

export function loadSimScenario(path: string | undefined, limb: Limb | undefined): Scenario {
  try {
    if (path) return loadScenario(path);
    return parseScenario({ name: "built-in simulated cuff", ...(limb ? { limb } : {}) });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** A board, a served link, or the simulated cuff. */
export const openLink: LinkOpener = async (choice) => {
  if (choice.sim) return openSim(choice);
  if (choice.board) return openBoardLink(choice.board, undefined, choice.bench === true);
  const path = choice.port!;
  const clock = new SystemClock();
  const pairingKey = loadHostPairingKey(process.env);
  try {
    const client = await CuffClient.open({ connect: serialConnector(path, choice.baud ?? DEFAULT_BAUD), clock, label: path, ...(pairingKey ? { pairingKey } : {}) });
    return { client, clock, label: path, sim: null, close: () => client.close() };
  } catch (error) {
    if (!(error instanceof CuffLinkError)) throw error;
    // The usual mix-up: the board itself (Firmata) named where a served cuff link was expected.
    const hint = /no cuff answered|is not a cuff/.test(error.message) ? `; if ${path} is the cuff's board, use --board ${path}` : "";
    throw new CliError(error.message + hint);
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
  board: { type: "string" },
  port: { type: "string" },
  sim: { type: "boolean" },
  scenario: { type: "string" },
  speed: { type: "string" },
  baud: { type: "string" },
} as const;

export const LINK_HELP = `Where the cuff is (one of):
  --board PATH       the cuff's board on USB, e.g. /dev/ttyUSB0 or COM3 ("cuff ports" says which):
                     the controller runs in this program
  --port PATH        a cuff link served elsewhere ("cuff firmware --link ...", Bluetooth SPP)
  --baud N           serial speed of a --port link (default 115200)
  --sim              the built-in simulated cuff
  --scenario FILE    simulated subject and hardware (JSON, docs/formats.md; sim only)
  --speed N          simulated seconds per real second (sim only; default 1; "max" = as fast as possible)`;

export function linkChoiceFrom(
  values: { port?: string; board?: string; sim?: boolean; scenario?: string; speed?: string; baud?: string },
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
    ...(values.board ? { board: values.board } : {}),
    ...(values.scenario ? { scenarioPath: values.scenario } : {}),
    ...(baud ? { baud } : {}),
    ...(limb ? { limb } : {}),
  };
}
