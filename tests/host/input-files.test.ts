/**
 * Files handed to the program by a careless user or a hostile tester: endless
 * devices, FIFOs, folders, huge files. Each kind is refused with one sentence
 * that names the file, before it is read into memory.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadProfile } from "../../hardware/profile.ts";
import { loadScenario, parseScenario } from "../../hardware/sim/scenario.ts";
import { main } from "../../host/cli/main.ts";
import { loadPlotData } from "../../host/plot/load.ts";
import { ProfileStore } from "../../host/profile/profile.ts";
import { type InputFs, MAX_INPUT_BYTES, readInputFile } from "../../shared/files.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-input-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fifo(): string {
  const path = join(tempDir(), "pipe");
  expect(spawnSync("mkfifo", [path]).status).toBe(0);
  return path;
}

describe("every kind of file is refused when it is no regular file or too big", () => {
  const loaders: [string, (path: string) => unknown, RegExp][] = [
    ["scenario", loadScenario, /scenario file/],
    ["hardware profile", loadProfile, /hardware profile file/],
    ["recording or trace", loadPlotData, /recording or trace/],
  ];

  it.each(loaders)("%s: a device, a FIFO with no writer and a folder, each in one sentence naming the file", (_kind, load, noun) => {
    for (const [path, what] of [
      ["/dev/zero", "a character device"],
      [fifo(), "a FIFO \\(named pipe\\)"],
      [tempDir(), "a folder"],
    ] as const) {
      expect(() => load(path)).toThrow(new RegExp(`^${path.replace(/[/.]/g, "\\$&")} is ${what}, not a regular file; a ${noun.source} must be a regular file$`));
    }
  });

  it.each(loaders)("%s: a file over the kind's limit is refused from its size, without reading it", (kind, load) => {
    const path = join(tempDir(), "huge");
    writeFileSync(path, "");
    truncateSync(path, MAX_INPUT_BYTES[kind as keyof typeof MAX_INPUT_BYTES] + 1);
    expect(() => load(path)).toThrow(/^\S+huge is [\d.]+ (KiB|MiB); a .* is at most [\d.]+ (KiB|MiB)$/);
  });

  it("the profile in the profile folder: a folder in its place is refused, naming it", () => {
    const dir = tempDir();
    fs.mkdirSync(join(dir, "profile.json"));
    expect(() => new ProfileStore(dir).load()).toThrow(`${join(dir, "profile.json")} is a folder, not a regular file; a profile must be a regular file`);
  });

  it("a file that reports size 0 but never ends (/proc, a growing file) is read only up to the limit", () => {
    let handedOut = 0;
    const endless: InputFs = {
      openSync: () => 3,
      fstatSync: () => ({ size: 0, isFile: () => true, isDirectory: () => false, isCharacterDevice: () => false, isBlockDevice: () => false, isFIFO: () => false, isSocket: () => false }),
      readSync: (_fd, buffer, offset, length) => {
        buffer.fill(0x20, offset, offset + length);
        handedOut += length;
        return length;
      },
      closeSync: () => {},
      constants: { O_RDONLY: 0, O_NONBLOCK: 0 },
    };
    expect(() => readInputFile(endless, "/proc/endless", "scenario")).toThrow("/proc/endless is more than 1 MiB; a scenario file is at most 1 MiB");
    expect(handedOut).toBe(MAX_INPUT_BYTES.scenario + 1);
  });

  it("a missing file is named as before", () => {
    expect(() => loadScenario("/no/such/scenario.json")).toThrow("there is no scenario file /no/such/scenario.json");
    expect(() => loadPlotData("/no/such/run.jsonl")).toThrow("there is no file /no/such/run.jsonl");
  });
});

describe("text inside a scenario is bounded", () => {
  it("a 10 MB name is refused without being echoed: the file is too big, and a smaller one breaks the name rule", async () => {
    const dir = tempDir();
    for (const [chars, reason] of [
      [10_000_000, "is 9.5 MiB; a scenario file is at most 1 MiB"],
      [500_000, ": name: must be a non-empty string of at most 200 characters, without control characters"],
    ] as const) {
      const path = join(dir, `name-${chars}.json`);
      writeFileSync(path, JSON.stringify({ name: "x".repeat(chars) }));
      const io = fakeIo();
      expect(await main(["bench", "--scenario", path, "--json"], io)).toBe(1);
      expect(io.err.text).toBe(`cuff bench: ${path}${reason.startsWith(":") ? "" : " "}${reason}.\n`);
      expect(io.out.text).toBe("");
    }
  });

  it("control characters (a terminal escape) in a name are refused; 200 printable characters are fine", () => {
    expect(() => parseScenario({ name: "\u001b[2Jcleared" })).toThrow(/name: must be a non-empty string of at most 200 characters, without control characters/);
    expect(parseScenario({ name: "é".repeat(200) }).name).toHaveLength(200);
  });
});

/** Runs the real `cuff` process under /usr/bin/time: exit code, stderr, wall and CPU seconds, peak RSS. */
async function measured(args: string[]): Promise<{ code: number | null; stderr: string; wallSeconds: number; cpuSeconds: number; peakMb: number }> {
  const stats = join(tempDir(), "time.txt");
  const child = spawn("/usr/bin/time", ["-o", stats, "-f", "%e %U %S %M", process.execPath, "bin/cuff.js", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  const [wall, user, system, maxRssKb] = fs.readFileSync(stats, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  return { code, stderr, wallSeconds: wall!, cpuSeconds: user! + system!, peakMb: maxRssKb! / 1024 };
}

describe("cuff bench as a process", () => {
  it("refuses --scenario /dev/zero and a 100 MB scenario file at once, in under 200 MB of memory", async () => {
    const big = join(tempDir(), "big.json");
    writeFileSync(big, `{"name":"${"x".repeat(100 * 1024 * 1024)}"}`);
    for (const [path, reason] of [
      ["/dev/zero", "is a character device, not a regular file; a scenario file must be a regular file"],
      [big, "is 100 MiB; a scenario file is at most 1 MiB"],
    ] as const) {
      const run = await measured(["bench", "--scenario", path]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`cuff bench: ${path} ${reason}.\n`);
      expect(run.peakMb).toBeLessThan(200);
      // CPU rather than wall time: the machine is shared, and reading the file would cost CPU
      expect(run.cpuSeconds).toBeLessThan(2);
      expect(run.wallSeconds).toBeLessThan(20);
    }
  }, 60_000);
});
