/**
 * `cuff firmware` serving the link on a serial port (here a pty pair standing in for
 * /dev/rfcomm0, Bluetooth SPP): a device without the pairing key may read status and
 * deflate, nothing else; a host paired with `cuff pair KEY` commands the cuff.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openPtyPair, SOCAT_MISSING, socatAvailable } from "../../hardware/sim/pty.ts";
import { CuffClient } from "../../host/client/client.ts";
import { NackError } from "../../host/client/errors.ts";
import { serialConnector } from "../../host/client/transport.ts";
import { main } from "../../host/cli/main.ts";
import { loadHostPairingKey } from "../../host/cli/pairing.ts";
import { SystemClock } from "../../shared/clock.ts";
import { fakeIo } from "./fake-io.ts";

const haveSocat = socatAvailable();
if (!haveSocat) {
  if (process.env.CI === "true") throw new Error(`pairing tests need socat on CI: ${SOCAT_MISSING}`);
  console.warn(`\n*** SKIPPING the pairing tests: ${SOCAT_MISSING} ***\n`);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-pair-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `cuff firmware --board sim --link PATH` in its own process; resolves once it serves the link, with what it said. */
async function firmwareOn(linkPath: string, configDir: string): Promise<{ child: ChildProcessWithoutNullStreams; said: () => string }> {
  const child = spawn(process.execPath, ["bin/cuff.js", "firmware", "--board", "sim", "--link", linkPath], {
    env: { ...process.env, CUFF_PROFILE_DIR: configDir },
  });
  cleanups.push(async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("exit", resolve));
  });
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/Ctrl-C vents and stops/.test(err)) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    child.once("exit", (code) => reject(new Error(`cuff firmware exited (${code}): ${err}`)));
  });
  return { child, said: () => err };
}

async function client(path: string, pairingKey?: Uint8Array): Promise<CuffClient> {
  const c = await CuffClient.open({ connect: serialConnector(path), clock: new SystemClock(), label: path, reconnect: false, ...(pairingKey ? { pairingKey } : {}) });
  cleanups.push(() => c.close());
  return c;
}

describe.skipIf(!haveSocat)("a cuff served on a serial port", () => {
  it("makes a pairing key on first run and shows it once; without it a device may read status and deflate only; paired, it commands the cuff", async () => {
    const firmwareConfig = tempDir();
    const hostConfig = tempDir();
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    const firmware = await firmwareOn(pair.boardPath, firmwareConfig);
    const shown = /made the link's pairing key[^\n]*\n\s+([0-9a-f]{64})\n/.exec(firmware.said());
    expect(shown).not.toBeNull();
    const keyText = shown![1]!;
    expect(statSync(join(firmwareConfig, "firmware-pairing-key")).mode & 0o777).toBe(0o600);

    const stranger = await client(pair.hostPath);
    expect(stranger.paired).toBe(false);
    expect(stranger.firmware).toMatchObject({ link: "paired", authenticated: false });
    const status = await stranger.status();
    expect(status).toMatchObject({ state: "vented", lop: null });
    for (const attempt of [
      () => stranger.command({ type: "configure", cuff: 0, lopMmhg: 300, hostSilence: { policy: "continue", timeoutSeconds: 60 } }),
      () => stranger.zero(),
      () => stranger.hold({ mmhg: 290 }),
    ]) {
      const refusal = await attempt().catch((error: Error) => error);
      expect(refusal).toBeInstanceOf(NackError);
      expect((refusal as NackError).reason).toBe("not-paired");
    }
    await expect(stranger.deflate()).resolves.toMatchObject({ type: "ack" });
    await stranger.close();

    const pairIo = fakeIo({ env: { CUFF_PROFILE_DIR: hostConfig } });
    expect(await main(["pair", keyText], pairIo)).toBe(0);
    expect(pairIo.out.text).toMatch(/^Paired: /);
    const key = loadHostPairingKey({ CUFF_PROFILE_DIR: hostConfig });
    const host = await client(pair.hostPath, key);
    expect(host.paired).toBe(true);
    await expect(host.zero()).resolves.toMatchObject({ type: "ack" });
    await host.close();

    // a second run keeps the key and does not show it again
    firmware.child.kill("SIGINT");
    await new Promise((resolve) => firmware.child.once("exit", resolve));
    const again = await firmwareOn(pair.boardPath, firmwareConfig);
    expect(again.said()).not.toContain(keyText);
    const returning = await client(pair.hostPath, key);
    expect(returning.paired).toBe(true);
  }, 40_000);

  it("a key that is not this cuff's is refused at the hello with one sentence", async () => {
    const pair = await openPtyPair();
    cleanups.push(() => pair.close());
    await firmwareOn(pair.boardPath, tempDir());
    const wrong = new Uint8Array(32).fill(7);
    const failure = await client(pair.hostPath, wrong).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`${pair.hostPath} refused this host: the pairing proof does not match this cuff's pairing key; pair this host again (cuff pair KEY)`);
  }, 20_000);
});
