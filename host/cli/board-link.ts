/**
 * `--board PATH`: the cuff controller runs in this process on the Firmata board
 * at PATH, and the command talks to it over an in-process cuff link, exactly as
 * it would to a link served elsewhere. One command, one process; if the process
 * dies, the board's guard vents the cuff when its keep-alive stops.
 */
import { loadProfile, REFERENCE_PROFILE_PATH } from "../../hardware/profile.ts";
import { SystemClock } from "../../shared/clock.ts";
import { startFirmware } from "../../firmware/factory.ts";
import { serveInProcess } from "../../firmware/link/in-process.ts";
import { CuffClient } from "../client/client.ts";
import { CuffLinkError } from "../client/errors.ts";
import { duplexConnector } from "../client/stream-port.ts";
import { CliError } from "./errors.ts";
import type { OpenLink } from "./link.ts";

export async function openBoardLink(path: string, profilePath = REFERENCE_PROFILE_PATH, bench = false): Promise<OpenLink> {
  const clock = new SystemClock();
  const profile = loadProfile(profilePath);
  // Loaded only for boards: johnny-five is heavy, and the other links do not need it.
  const { connectJohnnyFiveBoard } = await import("../../firmware/board/johnny-five-board.ts");
  let board: Awaited<ReturnType<typeof connectJohnnyFiveBoard>>;
  try {
    board = await connectJohnnyFiveBoard({ path, profile, clock });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const runtime = startFirmware({ profile, board, clock, ...(bench ? { benchAcceptance: true } : {}) });
  const link = serveInProcess(runtime);
  let first = true;
  const connect = async () => {
    if (first) {
      first = false;
      return link.hostStream;
    }
    return link.replug();
  };
  const stop = async () => {
    link.close();
    runtime.stop();
    await board.close();
  };
  const label = `the board at ${path}`;
  let client: CuffClient;
  try {
    client = await CuffClient.open({ connect: duplexConnector(connect), clock, label });
  } catch (error) {
    await stop();
    throw error instanceof CuffLinkError ? new CliError(error.message) : error;
  }
  return {
    client,
    clock,
    label,
    sim: null,
    async close() {
      await client.close();
      await stop();
    },
  };
}
