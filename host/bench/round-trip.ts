/**
 * Command-to-ack round trip over a real pseudo-terminal: the host client on
 * serialport's native binding, the firmware's link server and controller on the
 * other end running in real time (telemetry at 20 Hz flowing meanwhile).
 * Run: npx tsx host/bench/round-trip.ts [samples]
 */
import { CuffClient } from "../client/client.ts";
import { serialConnector } from "../client/transport.ts";
import { Pacer } from "../sim/pacer.ts";
import { startPtyStack } from "./pty-stack.ts";

const samples = Number(process.argv[2] ?? 500);
const rig = await startPtyStack();
const pacer = new Pacer(rig.stack, 1);
const client = await CuffClient.open({ connect: serialConnector(rig.hostPath), clock: rig.clock, label: rig.hostPath });
let frames = 0;
client.telemetry$.subscribe(() => frames++);
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
await wait(500);

const roundTripsMs: number[] = [];
const statusMs: number[] = [];
for (let i = 0; i < samples; i++) {
  const t0 = performance.now();
  await client.command({ type: "configure", cuff: 0 });
  roundTripsMs.push(performance.now() - t0);
  if (i % 5 === 0) {
    const t1 = performance.now();
    await client.status();
    statusMs.push(performance.now() - t1);
  }
  await wait(3 + (i % 7));
}
await client.close();
await pacer.stop();
await rig.close();

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const line = (name: string, v: number[]) =>
  `${name.padEnd(26)} n=${String(v.length).padStart(4)}  median ${pct(v, 50).toFixed(2)} ms  p95 ${pct(v, 95).toFixed(2)} ms  p99 ${pct(v, 99).toFixed(2)} ms  max ${Math.max(...v).toFixed(2)} ms`;
console.log(`cuff link over a pty (socat pair, serialport native binding, firmware at 100 Hz real time; ${frames} telemetry frames received meanwhile)`);
console.log(line("configure -> ack", roundTripsMs));
console.log(line("status-request -> status", statusMs));
