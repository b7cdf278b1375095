/**
 * `cuff firmware`: the composition root of the cuff controller as a program.
 * Board: a Firmata board on a serial port (johnny-five + firmata-io) or the
 * simulated cuff in real time. Link: a serial port, a new pty, or stdio.
 */
import { SerialPort } from "serialport";
import type { Readable, Writable } from "node:stream";
import { loadProfile, REFERENCE_PROFILE_PATH, type HardwareProfile } from "../../../hardware/profile.ts";
import { createPlant } from "../../../hardware/sim/cuff.ts";
import { openPtyPair, type PtyPair } from "../../../hardware/sim/pty.ts";
import { loadScenario, parseScenario } from "../../../hardware/sim/scenario.ts";
import { type Clock, ManualClock, SystemClock } from "../../../shared/clock.ts";
import { parseNumberOption, parseOptions, type Command } from "../command.ts";
import { parseBaud } from "../link.ts";
import { DEFAULT_HOST_SILENCE_SECONDS } from "../../../shared/limits.ts";
import { CliError, UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import type { CuffBoard } from "../../../firmware/board/board.ts";
import { SIM_STEP_SECONDS, SimBoard } from "../../../hardware/sim/sim-board.ts";
import { LinkServer, type LinkInput, type LinkOutput } from "../../../firmware/link/server.ts";
import { parseHostSilencePolicy } from "../host-silence.ts";
import { startFirmware } from "../../../firmware/factory.ts";
import { firmwareKeyPath, loadOrCreateFirmwareKey } from "../pairing.ts";

const HELP = `Usage: cuff firmware --board PATH|sim [--scenario FILE] --link PATH|pty|stdio [options]

Runs the cuff controller: samples the pressure at 100 Hz, supervises,
regulates, runs the session plan, and serves the cuff link to a host
(cuff session --port ..., or any program speaking the cuff link of
docs/formats.md). For a session on a board plugged into this computer you do
not need it: "cuff session --board PATH" runs the controller itself.

Board:
  --board PATH        a board running the cuff sketch (firmware/mcu) or a Firmata board on this
                      serial port (57600 baud); the guard is configured at connect
  --board sim         the built-in simulated cuff, in real time
  --scenario FILE     with --board sim: the simulated subject, cuff and faults (scenarios/)
  --profile FILE      hardware profile: pins, sensor, guard (default hardware/profiles/reference-nano.json)

Link to the host:
  --link PATH         serve the cuff link on this serial port (e.g. a Bluetooth SPP or USB CDC device)
  --link pty          create a pseudo-terminal and print its path on stdout (needs socat)
  --link stdio        speak the link on stdin/stdout
  --baud N            baud rate of a --link serial port (default 115200)
  --pairing-key-file FILE
                      with --link PATH: the key a host must prove in its hello (default: the config
                      folder's firmware-pairing-key; made on first run and shown once). A host without
                      it may read status and deflate, nothing else. stdio and pty links need no key.

Safety:
  --bench             bench acceptance (hardware/CALIBRATION.md): the cuff is on its mock limb, never
                      on a person; targets in mmHg are held without a LOP (up to 290 mmHg)
  --host-silence vent|continue
                      when the host stops talking mid-session: vent after --silence-seconds
                      (default), or continue the plan on its own
  --silence-seconds N seconds without a heartbeat before the policy acts (default 2)

Stop with Ctrl-C or SIGTERM: the cuff is vented before the program exits.

Exit codes: 0 stopped (Ctrl-C, SIGTERM, or the host's end of stdio closed), 1 the board or the
link could not be opened, 2 bad usage.

Examples:
  cuff firmware --board /dev/ttyUSB0 --link /dev/rfcomm0
  cuff firmware --board /dev/ttyUSB0 --link pty
  cuff firmware --board sim --link pty
`;

export const firmwareCommand: Command = {
  name: "firmware",
  summary: "run the cuff controller on a board (--board PATH|sim) and serve the cuff link",
  help: HELP,
  async run(argv, io) {
    const { values } = parseOptions(argv, {
      board: { type: "string" },
      scenario: { type: "string" },
      profile: { type: "string" },
      link: { type: "string" },
      baud: { type: "string" },
      "host-silence": { type: "string" },
      "silence-seconds": { type: "string" },
      "pairing-key-file": { type: "string" },
      bench: { type: "boolean" },
    });
    if (!values.board) throw new UsageError("--board PATH or --board sim is required");
    if (!values.link) throw new UsageError("--link PATH, --link pty or --link stdio is required");
    if (values.scenario && values.board !== "sim") throw new UsageError("--scenario only goes with --board sim");
    const localLink = values.link === "stdio" || values.link === "pty";
    if (values["pairing-key-file"] && localLink) throw new UsageError(`--pairing-key-file only goes with a serial --link PATH; --link ${values.link} is the local user's own and needs no key`);
    const policy = parseHostSilencePolicy(values["host-silence"]) ?? "vent";
    const silenceSeconds = parseNumberOption("silence-seconds", values["silence-seconds"], 0.5, 60) ?? DEFAULT_HOST_SILENCE_SECONDS;
    const baud = parseBaud(values.baud) ?? 115200;

    const profile = loadProfile(values.profile ?? REFERENCE_PROFILE_PATH);
    // stdout may be the link itself; everything for people goes to stderr.
    const log = (line: string) => io.stderr.write(line + "\n");
    // A serial port or Bluetooth SPP reaches other devices: only a host with the pairing key may command the cuff.
    const pairingKey = localLink ? undefined : loadOrCreateFirmwareKey(values["pairing-key-file"] ?? firmwareKeyPath(io.env), log);

    const { board, clock, stopBoard } = await openBoard(values.board, values.scenario, profile);
    const bench = values.bench === true;
    const runtime = startFirmware({ profile, board, clock, hostSilence: { policy, timeoutSeconds: silenceSeconds }, ...(bench ? { benchAcceptance: true } : {}) });
    if (bench) log("cuff firmware: bench acceptance: targets are held without a LOP; the cuff must be on its mock limb, never on a person");

    let link: Awaited<ReturnType<typeof openLink>>;
    try {
      link = await openLink(values.link, baud, io, log);
    } catch (error) {
      runtime.stop();
      await stopBoard();
      throw error;
    }
    const server = new LinkServer({ runtime, input: link.input, output: link.output, log, ...(pairingKey ? { pairingKey } : {}) });
    log(`cuff firmware: board ${values.board}, link ${values.link}; Ctrl-C vents and stops`);

    const reason = await new Promise<string>((resolve) => {
      const stop = io.onInterrupt(async () => {
        stop();
        resolve("interrupted");
      });
      // The host's end of stdio closing means the host is gone for good: vent and stop.
      link.onEnd(() => resolve("the link closed"));
      board.onLost((why) => log(`cuff firmware: ${why}; the board's guard has vented the cuff`));
    });
    log(`cuff firmware: ${reason}`);
    server.close();
    runtime.stop();
    await stopBoard();
    await link.close();
    log("cuff firmware: vented and stopped");
    return 0;
  },
};

async function openBoard(
  board: string,
  scenarioPath: string | undefined,
  profile: HardwareProfile,
): Promise<{ board: CuffBoard; clock: Clock; stopBoard: () => Promise<void> }> {
  if (board !== "sim") {
    const clock = new SystemClock();
    // Loaded only for real boards: johnny-five is heavy, and the simulated cuff does not need it.
    const { connectJohnnyFiveBoard } = await import("../../../firmware/board/johnny-five-board.ts");
    try {
      const real = await connectJohnnyFiveBoard({ path: board, profile, clock });
      return { board: real, clock, stopBoard: () => real.close() };
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  const scenario = scenarioPath ? loadScenario(scenarioPath) : parseScenario({ name: "built-in simulated cuff" });
  const plant = createPlant(scenario, profile);
  // The simulated cuff keeps its own time, stepped in 10 ms samples to follow the wall clock.
  const clock = new ManualClock();
  const sim = new SimBoard(plant, profile, clock);
  const wall = new SystemClock();
  let steps = 0;
  const timer = setInterval(() => {
    const due = Math.floor(wall.nowSeconds() / SIM_STEP_SECONDS);
    // After a stall (a suspended laptop) the simulation resumes rather than racing to catch up.
    if (due - steps > 50) steps = due - 50;
    while (steps < due) {
      steps++;
      clock.advanceTo(steps * SIM_STEP_SECONDS);
      sim.advance(SIM_STEP_SECONDS);
    }
  }, 5);
  return {
    board: sim,
    clock,
    stopBoard: async () => {
      clearInterval(timer);
      await sim.close();
    },
  };
}

async function openLink(
  link: string,
  baud: number,
  io: CliIo,
  log: (line: string) => void,
): Promise<{ input: LinkInput; output: LinkOutput; close(): Promise<void>; onEnd(listener: () => void): void }> {
  if (link === "stdio") {
    const input = io.stdin as Readable;
    return { input, output: io.stdout as Writable, close: async () => {}, onEnd: (listener) => input.once("end", listener) };
  }
  let pair: PtyPair | null = null;
  let path = link;
  if (link === "pty") {
    try {
      pair = await openPtyPair();
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    path = pair.boardPath;
  }
  const port = new SerialPort({ path, baudRate: baud, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  } catch (error) {
    await pair?.close();
    const message = (error as Error).message;
    throw new CliError(/ENOENT|No such file/i.test(message) ? `no such serial port ${path}` : `cannot open ${path}: ${message}`);
  }
  if (pair) {
    io.stdout.write(pair.hostPath + "\n");
    log(`cuff firmware: the cuff link is on ${pair.hostPath} (cuff session --port ${pair.hostPath})`);
  }
  // A port error (the host end vanished, a read cancelled by closing) ends the link: never a crash.
  const ended = new Set<() => void>();
  port.on("error", (error: Error) => {
    if (!/cancel/i.test(error.message)) log(`cuff firmware: the link port failed: ${error.message}`);
    for (const listener of ended) listener();
  });
  return {
    input: port,
    output: port,
    onEnd: (listener) => {
      ended.add(listener);
      port.once("close", listener);
    },
    close: async () => {
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      await pair?.close();
    },
  };
}
