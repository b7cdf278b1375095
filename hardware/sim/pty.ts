/**
 * The virtual board on a pseudo-terminal, so a host connects to it exactly as to
 * a board on /dev/ttyUSB0 (`cuff firmware --board /dev/pts/N`). Node cannot
 * open a pty without native code, so Debian's socat makes a linked pair of
 * ptys; the board opens one end with serialport and the host gets the other.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { Duplex } from "node:stream";
import { ReadStream, WriteStream } from "node:tty";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { SystemClock } from "../../shared/clock.ts";
import { loadProfile, referenceProfile } from "../profile.ts";
import { createPlant } from "./cuff.ts";
import { loadScenario, parseScenario } from "./scenario.ts";
import { VirtualBoard, type VirtualBoardOptions } from "./virtual-board.ts";

export class PtyError extends Error {
  override name = "PtyError";
}

export const SOCAT_MISSING = "socat is not installed (run scripts/install-test-tools.sh, or apt-get install socat)";

export function socatAvailable(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

export interface PtyPair {
  /** The end the board opens. */
  boardPath: string;
  /** The end handed to the host (a /dev/pts/N path). */
  hostPath: string;
  close(): Promise<void>;
}

/** A linked pair of raw pseudo-terminals; resolves once socat is relaying. */
export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "cuff-pty-"));
  const boardLink = join(dir, "board");
  const hostLink = join(dir, "host");
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${boardLink}`, `pty,raw,echo=0,link=${hostLink}`], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      reject(new PtyError(`cannot start socat: ${(error as Error).message}`));
      return;
    }
    const ptys: string[] = [];
    let stderr = "";
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      rmSync(dir, { recursive: true, force: true });
      reject(new PtyError(message));
    };
    const timer = setTimeout(() => fail(`socat did not create the ptys within ${timeoutMs / 1000} s: ${stderr.trim()}`), timeoutMs);
    child.on("error", (error: NodeJS.ErrnoException) => fail(error.code === "ENOENT" ? SOCAT_MISSING : `socat failed: ${error.message}`));
    child.on("exit", (code) => fail(`socat exited (code ${code}) before relaying: ${stderr.trim()}`));
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (text: string) => {
      stderr += text;
      for (const match of text.matchAll(/PTY is (\S+)/g)) ptys.push(match[1]!);
      if (!settled && ptys.length === 2 && stderr.includes("starting data transfer loop")) {
        settled = true;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        // However this process ends, socat and its links go with it.
        const onExit = () => {
          child.kill();
          rmSync(dir, { recursive: true, force: true });
        };
        process.once("exit", onExit);
        resolve({
          boardPath: boardLink,
          hostPath: ptys[1]!,
          close: () => {
            process.off("exit", onExit);
            return stopSocat(child, dir);
          },
        });
      }
    });
  });
}

function stopSocat(child: ChildProcess, dir: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) {
      done();
      return;
    }
    child.once("exit", done);
    child.kill();
  });
}

export interface PtyBoard {
  /** Path for the host: `cuff firmware --board <path>`. */
  path: string;
  board: VirtualBoard;
  /** Stops the board's timers, closes its port and the pty pair. */
  close(): Promise<void>;
}

/**
 * The board's end of the pty, read and written on the event loop (tty handles), not through
 * serialport's thread pool: a microcontroller answers at once, and on a busy machine the
 * pool's extra hops delayed samples past the firmware's 0.1 s staleness limit.
 */
export function ttyDuplex(path: string): Duplex {
  const open = () => openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  const reader = new ReadStream(open());
  const writer = new WriteStream(open());
  const port = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      if (writer.destroyed) callback();
      else writer.write(chunk, () => callback());
    },
    destroy(error, callback) {
      reader.destroy();
      writer.destroy();
      callback(error);
    },
  });
  reader.setRawMode(true);
  reader.on("data", (chunk: Buffer) => port.push(chunk));
  for (const end of [reader, writer]) {
    end.on("error", () => port.destroy());
    end.on("close", () => port.destroy());
  }
  return port;
}

/** Start a virtual board behind a pseudo-terminal. */
export async function startVirtualBoardOnPty(options: VirtualBoardOptions): Promise<PtyBoard> {
  const pair = await openPtyPair();
  let port: Duplex;
  try {
    port = ttyDuplex(pair.boardPath);
  } catch (error) {
    await pair.close();
    throw new PtyError(`cannot open the board end of the pty: ${(error as Error).message}`);
  }
  const board = new VirtualBoard(port, options);
  // socat outlives a hung-up pty end; ending the relay when the board's end closes
  // makes an unplug reach the host as the device vanishing, as a USB board's does.
  port.once("close", () => void pair.close());
  return {
    path: pair.hostPath,
    board,
    close: async () => {
      board.dispose();
      if (!port.destroyed) await new Promise<void>((resolve) => port.destroy().once("close", () => resolve()));
      await pair.close();
    },
  };
}

/**
 * `npx tsx hardware/sim/pty.ts [--scenario FILE] [--profile FILE]`: a virtual board
 * on a pty in real time, for `cuff firmware --board <path>`; Ctrl-C unplugs it.
 */
async function main(args: string[]): Promise<void> {
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const scenarioPath = option("--scenario");
  const profilePath = option("--profile");
  const profile = profilePath ? loadProfile(profilePath) : referenceProfile();
  const scenario = scenarioPath ? loadScenario(scenarioPath) : parseScenario({ name: "virtual board on a pty" });
  const pty = await startVirtualBoardOnPty({ plant: createPlant(scenario, profile), clock: new SystemClock(), profile });
  process.stdout.write(`virtual board (${scenario.name}) on ${pty.path}\n`);
  process.once("SIGINT", () => {
    pty.board.unplug();
    void pty.close().then(() => process.exit(0));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
