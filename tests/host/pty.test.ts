/**
 * The host on a real pseudo-terminal through serialport's native binding, as
 * on /dev/ttyUSB0. Real I/O: the host's hello timeout runs on the wall clock.
 */
import { SerialPort } from "serialport";
import { afterEach, describe, expect, it } from "vitest";
import { openPtyPair, type PtyPair, SOCAT_MISSING, socatAvailable } from "../../hardware/sim/pty.ts";
import { main } from "../../host/cli/main.ts";
import { fakeIo } from "./fake-io.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const haveSocat = socatAvailable();
if (!haveSocat) {
  if (process.env.CI === "true") throw new Error(`pty tests need socat on CI: ${SOCAT_MISSING}`);
  console.warn(`\n*** SKIPPING the host pty tests: ${SOCAT_MISSING} ***\n`);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function chattyDevice(): Promise<{ pair: PtyPair; port: SerialPort }> {
  const pair = await openPtyPair();
  const port = new SerialPort({ path: pair.boardPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  // a GPS or a modem: it talks, but not the cuff link
  const timer = setInterval(() => port.write("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n"), 200);
  cleanups.push(async () => {
    clearInterval(timer);
    await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    await pair.close();
  });
  return { pair, port };
}

describe.skipIf(!haveSocat)("host on a pty", () => {
  it("a port that is not a cuff: one clear line, exit 1", async () => {
    const { pair } = await chattyDevice();
    const profile = mkdtempSync(join(tmpdir(), "cuff-pty-"));
    cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
    const io = fakeIo();
    const code = await main(["session", "--port", pair.hostPath, "--limb", "leg", "--screened", "--profile-dir", profile], io);
    expect(code).toBe(1);
    expect(io.err.text).toMatch(
      new RegExp(`^cuff session: ${pair.hostPath} is not a cuff: it sent \\d+ line\\(s\\) that are not cuff link frames and no hello within 3 s; if ${pair.hostPath} is the cuff's board, use --board ${pair.hostPath}\\.\\n$`),
    );
    expect(io.out.text).toBe("");
  });

  it("a silent port: no cuff answered, exit 1", async () => {
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const io = fakeIo();
    const code = await main(["deflate", "--port", pair.hostPath], io);
    expect(code).toBe(1);
    expect(io.err.text).toBe(`cuff deflate: no cuff answered on ${pair.hostPath} within 3 s (is it a cuff, is the firmware running?); if ${pair.hostPath} is the cuff's board, use --board ${pair.hostPath}.\n`);
  });

  it("cuff firmware in its own process on a pty: monitor streams 20 frames a second, deflate confirms vented", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["bin/cuff.js", "firmware", "--board", "sim", "--link", "pty"], { stdio: ["ignore", "pipe", "pipe"] });
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill("SIGINT");
        await new Promise((resolve) => child.once("exit", resolve));
      }
    });
    const path = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout.on("data", (d: Buffer) => {
        text += d.toString();
        const m = /(\/dev\/pts\/\d+|\/tmp\/\S+)/.exec(text);
        if (m) resolve(m[1]!);
      });
      child.on("exit", (code) => reject(new Error(`cuff firmware exited (${code}): ${text}`)));
    });
    const monitor = fakeIo();
    expect(await main(["monitor", "--port", path, "--json", "--seconds", "1"], monitor)).toBe(0);
    const lines = monitor.out.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const frames = lines.filter((l) => l.type === "telemetry");
    expect(frames.length).toBeGreaterThanOrEqual(17);
    expect(frames.length).toBeLessThanOrEqual(23);
    expect(frames[0]).toMatchObject({ state: "vented", phase: "idle" });
    const deflate = fakeIo();
    expect(await main(["deflate", "--port", path], deflate)).toBe(0);
    expect(deflate.out.text).toMatch(/^The cuff is vented \(\d+ mmHg\)\.\n$/);
  });
});
