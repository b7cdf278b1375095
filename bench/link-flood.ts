/**
 * A peer that floods the cuff link with status requests and reads nothing, against
 * `cuff firmware --board sim --link stdio` in its own process, for a given time.
 * The firmware's resident memory (VmRSS, /proc) is sampled every second; growth is
 * counted from the end of the first 30 s (module loading, JIT and the heap's first
 * growth) to the largest sample after it.
 *
 * Run: npx tsx bench/link-flood.ts [--minutes 10] [--cuff bin/cuff.js] [--json]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { encodeFrame } from "../shared/protocol/framing.ts";
import { SCHEMA_FINGERPRINT } from "../shared/protocol/fingerprint.ts";
import { PROTOCOL_VERSION } from "../shared/protocol/messages.ts";

const { values } = parseArgs({ options: { minutes: { type: "string" }, cuff: { type: "string" }, json: { type: "boolean" }, warmup: { type: "string" } } });
const minutes = Number(values.minutes ?? 10);
const warmupSeconds = Number(values.warmup ?? 30);
const cuffBin = values.cuff ?? "bin/cuff.js";

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

const child = spawn(process.execPath, [cuffBin, "firmware", "--board", "sim", "--link", "stdio"], { stdio: ["pipe", "pipe", "ignore"] });
// The flood's whole point: nobody ever reads what the firmware sends.
child.stdout.pause();
let seq = 0;
let sent = 0;
const frame = (body: Record<string, unknown>) => encodeFrame({ v: PROTOCOL_VERSION, seq: seq++ & 0xffff, ...body } as never);
child.stdin.write(frame({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "flood", instance: "flood" }));
const batch = Array.from({ length: 64 }, () => "");
let flooding = true;
const pump = () => {
  while (flooding) {
    for (let i = 0; i < batch.length; i++) batch[i] = frame({ type: "status-request", cuff: 0 });
    sent += batch.length;
    if (!child.stdin.write(batch.join(""))) {
      child.stdin.once("drain", pump);
      return;
    }
  }
};
child.stdin.on("error", () => (flooding = false));
pump();

const samples: { t: number; mb: number }[] = [];
const started = Date.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const t = (Date.now() - started) / 1000;
    const mb = rssMb(child.pid!);
    if (mb !== null) samples.push({ t, mb });
    if (!values.json) process.stderr.write(`\rlink flood: ${t.toFixed(0)} s, ${sent} requests sent, firmware RSS ${mb?.toFixed(1) ?? "?"} MB   `);
    if (t >= minutes * 60 || child.exitCode !== null) {
      clearInterval(timer);
      resolve();
    }
  }, 1000);
});
flooding = false;
const alive = child.exitCode === null;
child.kill("SIGTERM");

const afterWarmup = samples.filter((s) => s.t >= warmupSeconds);
const base = afterWarmup[0]?.mb ?? Number.NaN;
const peak = Math.max(...afterWarmup.map((s) => s.mb));
const result = {
  minutes,
  requestsSent: sent,
  requestsPerSecond: Math.round(sent / ((Date.now() - started) / 1000)),
  firmwareAliveAtEnd: alive,
  rssAtWarmupMb: Number(base.toFixed(1)),
  rssPeakMb: Number(peak.toFixed(1)),
  rssEndMb: Number((samples.at(-1)?.mb ?? Number.NaN).toFixed(1)),
  growthMb: Number((peak - base).toFixed(1)),
};
if (values.json) process.stdout.write(JSON.stringify(result) + "\n");
else process.stdout.write(`\n${JSON.stringify(result, null, 2)}\n`);
process.exit(0);
