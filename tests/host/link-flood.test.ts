/**
 * `cuff firmware --board sim --link stdio` in its own process against a peer that floods it with
 * status requests and never reads its replies: the firmware stays alive and its resident memory
 * flat (bench/link-flood.ts runs the same for 10 minutes).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../shared/protocol/framing.ts";
import { SCHEMA_FINGERPRINT } from "../../shared/protocol/fingerprint.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol/messages.ts";

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

describe.skipIf(process.platform !== "linux")("a peer that floods the link and reads nothing", () => {
  it("6 s of status requests as fast as the pipe takes them: the firmware lives, its memory grows under 20 MB after the first 2 s", async () => {
    const child = spawn(process.execPath, ["bin/cuff.js", "firmware", "--board", "sim", "--link", "stdio"], { stdio: ["pipe", "pipe", "ignore"] });
    child.stdout.pause();
    let seq = 0;
    const frame = (body: Record<string, unknown>) => encodeFrame({ v: PROTOCOL_VERSION, seq: seq++ & 0xffff, ...body } as never);
    child.stdin.on("error", () => undefined);
    child.stdin.write(frame({ type: "hello", role: "host", protocol: PROTOCOL_VERSION, fingerprint: SCHEMA_FINGERPRINT, software: "flood", instance: "flood" }));
    let flooding = true;
    const pump = () => {
      while (flooding) {
        const batch = Array.from({ length: 64 }, () => frame({ type: "status-request", cuff: 0 })).join("");
        if (!child.stdin.write(batch)) {
          child.stdin.once("drain", pump);
          return;
        }
      }
    };
    pump();
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (Date.now() - started >= 2000) samples.push(rssMb(child.pid!));
        if (Date.now() - started >= 6000) {
          clearInterval(timer);
          resolve();
        }
      }, 250);
    });
    flooding = false;
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
    // the reader comes back so the firmware can write its last frames and exit
    child.stdout.resume();
    await new Promise((resolve) => child.once("exit", resolve));
    expect(Math.max(...samples) - samples[0]!).toBeLessThan(20);
  }, 30_000);
});
