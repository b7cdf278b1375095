/**
 * Signals reach a real `cuff` process as they would from a terminal: Ctrl-C (SIGINT), a kill
 * (SIGTERM) and a closed terminal (SIGHUP) all deflate the cuff before the program exits 130.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs `cuff session --sim` in its own process and sends `signal` once the first set has begun. */
async function signalledSession(signal: NodeJS.Signals): Promise<{ code: number | null; killedBy: string | null; lines: Record<string, unknown>[] }> {
  const home = mkdtempSync(join(tmpdir(), "cuff-signal-"));
  dirs.push(home);
  const child = spawn(process.execPath, ["bin/cuff.js", "session", "--sim", "--speed", "20", "--lop", "195", "--json"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
  });
  let out = "";
  let sent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (!sent && /"type":"phase"[^\n]*"phase":"set"/.test(out)) {
      sent = true;
      child.kill(signal);
    }
  });
  const [code, killedBy] = await new Promise<[number | null, string | null]>((resolve) => child.once("exit", (c, s) => resolve([c, s])));
  const lines = out
    .trimEnd()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, killedBy, lines };
}

describe("cuff session in its own process", () => {
  it.each(["SIGHUP", "SIGTERM"] as const)("%s mid-set deflates the cuff, then exits 130", async (signal) => {
    const { code, killedBy, lines } = await signalledSession(signal);
    expect(killedBy).toBeNull();
    expect(code).toBe(130);
    const states = lines.filter((l) => l.type === "state").map((l) => l.to);
    // the firmware went from holding, through deflating, to vented before the program ended
    expect(states.slice(-2)).toEqual(["deflating", "vented"]);
    expect(lines.at(-1)).toMatchObject({ type: "summary", ok: false, endReason: "interrupted", vented: true });
  }, 30_000);
});
