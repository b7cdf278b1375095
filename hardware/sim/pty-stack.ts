/**
 * The in-process firmware and simulated cuff served on a real pseudo-terminal
 * (socat pair, serialport's native binding on both ends), as a USB cuff would be.
 */
import { SerialPort } from "serialport";
import { parseScenario } from "./scenario.ts";
import { openPtyPair } from "./pty.ts";
import { ManualClock } from "../../shared/clock.ts";
import { createSimStack, type SimStack } from "./sim-stack.ts";
import { LinkServer } from "../../firmware/link/server.ts";

export interface PtyStack {
  clock: ManualClock;
  stack: SimStack;
  hostPath: string;
  close(): Promise<void>;
}

export async function startPtyStack(scenario = parseScenario({ name: "pty stack", seed: 5, limb: "leg", subject: { lopMmhg: 195 } })): Promise<PtyStack> {
  const clock = new ManualClock();
  const stack = createSimStack({ clock, scenario });
  stack.unplugLink(); // the in-memory cable; the pty takes its place
  const pair = await openPtyPair();
  const port = new SerialPort({ path: pair.boardPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  const server = new LinkServer({ runtime: stack.runtime, input: port, output: port });
  return {
    clock,
    stack,
    hostPath: pair.hostPath,
    async close() {
      server.close();
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
      await stack.close();
      await pair.close();
    },
  };
}
