/**
 * Command-to-ack round trip over a real pseudo-terminal, host client on
 * serialport's native binding. Two firmware setups:
 *   in-process  the link server, controller and simulated cuff in this process
 *               behind a socat pty pair, paced at real time (default)
 *   process     `cuff firmware --board sim --link pty` as its own process
 * Run: npx tsx bench/round-trip.ts [in-process|process] [samples]
 */
import { spawn } from "node:child_process";
import { SystemClock, type Clock } from "../shared/clock.ts";
import { CuffClient } from "../host/client/client.ts";
import { serialConnector } from "../host/client/transport.ts";
import { Pacer } from "../hardware/sim/pacer.ts";
import { startPtyStack } from "../hardware/sim/pty-stack.ts";

const mode = process.argv[2] ?? "in-process";
const samples = Number(process.argv[3] ?? 500);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  path: string;
  clock: Clock;
  describe: string;
  stop(): Promise<void>;
}

async function inProcess(): Promise<Target> {
  const rig = await startPtyStack();
  const pacer = new Pacer(rig.stack, 1);
  return {
    path: rig.hostPath,
    clock: rig.clock,
    describe: "in-process firmware behind a socat pty pair, paced at real time",
    async stop() {
      await pacer.stop();
      await rig.close();
    },
  };
}

async function separateProcess(): Promise<Target> {
  const child = spawn(process.execPath, ["bin/cuff.js", "firmware", "--board", "sim", "--link", "pty"], { stdio: ["ignore", "pipe", "pipe"] });
  const path = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`cuff firmware printed no pty path in 10 s: ${text}`)), 10_000);
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
      const m = /(\/dev\/pts\/\d+|\/tmp\/\S+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => reject(new Error(`cuff firmware exited (${code}): ${text}`)));
  });
  return {
    path,
    clock: new SystemClock(),
    describe: "`cuff firmware --board sim --link pty` in its own process",
    async stop() {
      child.kill("SIGINT");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

const target = mode === "process" ? await separateProcess() : await inProcess();
const client = await CuffClient.open({ connect: serialConnector(target.path), clock: target.clock, label: target.path });
let frames = 0;
client.telemetry$.subscribe(() => frames++);
await wait(500);

const ackMs: number[] = [];
const statusMs: number[] = [];
for (let i = 0; i < samples; i++) {
  const t0 = performance.now();
  await client.command({ type: "configure", cuff: 0 });
  ackMs.push(performance.now() - t0);
  if (i % 5 === 0) {
    const t1 = performance.now();
    await client.status();
    statusMs.push(performance.now() - t1);
  }
  await wait(3 + (i % 7));
}
await client.close();
await target.stop();

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const line = (name: string, v: number[]) =>
  `${name.padEnd(26)} n=${String(v.length).padStart(4)}  median ${pct(v, 50).toFixed(2)} ms  p95 ${pct(v, 95).toFixed(2)} ms  p99 ${pct(v, 99).toFixed(2)} ms  max ${Math.max(...v).toFixed(2)} ms`;
console.log(`cuff link round trip over a pty: ${target.describe}; ${frames} telemetry frames received meanwhile`);
console.log(line("configure -> ack", ackMs));
console.log(line("status-request -> status", statusMs));
