/**
 * The disk fills up while the program writes: recordings, traces, charts. A
 * write failure is a warning, never a crash: the file keeps its whole lines,
 * the user hears once which file failed and why, the session goes on (or this
 * program deflates the cuff when the user asked for that), and the summary
 * prints.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TraceWriter } from "../../hardware/sim/bench/trace.ts";
import { makeMonitorCommand } from "../../host/cli/commands/monitor.ts";
import { makeSessionCommand } from "../../host/cli/commands/session.ts";
import { CliError } from "../../host/cli/errors.ts";
import { openLink, type OpenLink } from "../../host/cli/link.ts";
import { LineFile, type LineFileFs } from "../../host/record/line-file.ts";
import type { TraceRow } from "../../hardware/sim/bench/run-scenario.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-full-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A disk with room for `capacityBytes` more: the write that reaches the end
 * takes what fits (a short write, as a real disk does), the next fails with
 * ENOSPC. `onFull` runs at the first failure.
 */
function fillingDisk(capacityBytes: number, onFull: () => void = () => {}): LineFileFs & { failures: number } {
  let free = capacityBytes;
  const disk = {
    failures: 0,
    openSync: (path: string, flags: string) => fs.openSync(path, flags),
    writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
      if (free === 0) {
        if (disk.failures++ === 0) onFull();
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      const written = fs.writeSync(fd, buffer, offset, Math.min(length, free));
      free -= written;
      return written;
    },
    fdatasyncSync: (fd: number) => fs.fdatasyncSync(fd),
    ftruncateSync: (fd: number, length: number) => fs.ftruncateSync(fd, length),
    closeSync: (fd: number) => fs.closeSync(fd),
  };
  return disk;
}

/** Every line of a file parses as JSON: the recording is valid JSON lines. */
function jsonLines(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.trimEnd().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Observed {
  link: OpenLink | null;
  /** Commands this program sent, with the session time. */
  sent: { type: string; t: number }[];
  fullAtSeconds: number | null;
  trueMmhgAtClose: number | null;
  stateAtClose: string | null;
}

/** `cuff session` on the simulated cuff, its recording on a disk that fills up after `capacityBytes`. */
function sessionOnFillingDisk(capacityBytes: number) {
  const seen: Observed = { link: null, sent: [], fullAtSeconds: null, trueMmhgAtClose: null, stateAtClose: null };
  const disk = fillingDisk(capacityBytes, () => (seen.fullAtSeconds = seen.link!.clock.nowSeconds()));
  const command = makeSessionCommand({
    now: () => new Date("2026-11-22T10:00:00Z"),
    files: disk,
    openLink: async (choice) => {
      const link = await openLink(choice);
      seen.link = link;
      const send = link.client.command.bind(link.client);
      link.client.command = (body) => {
        seen.sent.push({ type: body.type, t: link.clock.nowSeconds() });
        return send(body);
      };
      return {
        ...link,
        close: async () => {
          seen.trueMmhgAtClose = link.sim!.plant.trueMmhg();
          seen.stateAtClose = link.sim!.stack.controller.stateName;
          await link.close();
        },
      };
    },
  });
  return { command, seen, disk };
}

const WARNING = (path: string, then: string) =>
  new RegExp(`^cuff session: warning: cannot write the recording ${path.replace(/[/.]/g, "\\$&")}: the disk is full \\(ENOSPC\\); it keeps what was written up to (\\d+\\.\\d\\d) s, and ${then}\\.\\n$`);

describe("the recording's disk fills up mid-session", () => {
  // About 90 s into the session at 20 telemetry lines a second (the cuff's check of the given LOP and the inflation come first): in the first set.
  const CAPACITY = 300_000;

  it("with --record-required and --host-silence continue: this program deflates the cuff, warns once, prints the summary, exit 1", async () => {
    const path = join(tempDir(), "run.jsonl");
    const { command, seen, disk } = sessionOnFillingDisk(CAPACITY);
    const io = fakeIo();
    const args = ["--sim", "--speed", "max", "--lop", "190", "--host-silence", "continue", "--record", path, "--record-required", "--json"];
    // main() turns this CliError into exit 1 and its sentence (the help's "1 it failed or ended early")
    await expect(command.run(args, io)).rejects.toThrow(new CliError("the session ended early: its recording could not be written"));

    // one sentence, naming the file and why
    const warning = WARNING(path, "the session ends: this program deflates the cuff now").exec(io.err.text);
    expect(warning, io.err.text).not.toBeNull();
    const keptUpTo = Number(warning![1]);

    // the cuff: deflated by this program's command within half a second of session time, vented within
    // 10 s; host silence could not have done it, the firmware was told to carry on through silence
    expect(seen.sent.find((c) => c.type === "configure")).toBeDefined();
    expect(seen.fullAtSeconds).not.toBeNull();
    const deflates = seen.sent.filter((c) => c.type === "deflate");
    expect(deflates.length).toBeGreaterThanOrEqual(1);
    expect(deflates[0]!.t - seen.fullAtSeconds!).toBeLessThan(0.5);
    const events = io.out.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const vented = events.find((e) => e.type === "state" && e.to === "vented" && typeof e.t === "number" && (e.t as number) > seen.fullAtSeconds!);
    expect(vented).toMatchObject({ from: "deflating", reason: "deflate requested" });
    expect((vented!.t as number) - seen.fullAtSeconds!).toBeLessThan(10);
    expect(events.some((e) => e.type === "alarm" && e.kind === "host-silent")).toBe(false);
    expect(seen.stateAtClose).toBe("vented");
    expect(seen.trueMmhgAtClose!).toBeLessThan(15);

    // the summary still prints, and says why it ended and what happened to the recording
    expect(events.at(-1)).toMatchObject({
      type: "summary",
      ok: false,
      endReason: "this program deflated the cuff: the recording could not be written",
      vented: true,
      lopMmhg: 190,
      recording: path,
      recordingError: "the disk is full (ENOSPC)",
    });

    // the recording: valid JSON lines up to the failure, mid-set, nothing after it
    expect(disk.failures).toBe(1);
    const lines = jsonLines(path);
    expect(lines[0]).toMatchObject({ type: "recording", format: "cuff-recording" });
    const frames = lines.filter((l) => l.type === "telemetry");
    expect(frames.at(-1)!.t).toBe(keptUpTo);
    expect(frames.at(-1)!.phase).toBe("set");
    expect(keptUpTo).toBeLessThanOrEqual(seen.fullAtSeconds!);
    expect(fs.statSync(path).size).toBeLessThanOrEqual(CAPACITY);
  });

  it.each([
    ["plain lines", false],
    ["the live dashboard on a terminal", true],
  ])("by default the session goes on to its end (%s); the warning comes once, the summary says the recording is incomplete, exit 1", async (_display, tty) => {
    const path = join(tempDir(), "run.jsonl");
    const { command, seen, disk } = sessionOnFillingDisk(CAPACITY);
    const io = fakeIo({ tty });
    const code = await command.run(["--sim", "--speed", "max", "--lop", "190", "--record", path], io);
    expect(code).toBe(1);
    const warning = WARNING(path, "the session goes on").exec(io.err.text);
    expect(warning, io.err.text).not.toBeNull();
    expect(seen.sent.filter((c) => c.type === "deflate")).toHaveLength(0);
    // the plan ran to its end and the cuff deflated by itself
    expect(io.out.text).toContain("Session complete.");
    expect(io.out.text).toMatch(/ {2}sets: +30\/30 {2}15\/15 {2}15\/15 {2}15\/15/);
    expect(io.out.text).toContain(`  recording:    ${path} (incomplete: the disk is full (ENOSPC))`);
    expect(seen.stateAtClose).toBe("vented");
    // every later write was skipped, not retried into the full disk
    expect(disk.failures).toBe(1);
    const frames = jsonLines(path).filter((l) => l.type === "telemetry");
    expect(frames.at(-1)!.t).toBe(Number(warning![1]));
  });

  it("a disk already full at the start refuses the session before it begins, naming the file", async () => {
    const path = join(tempDir(), "run.jsonl");
    const { command, seen } = sessionOnFillingDisk(0);
    const io = fakeIo();
    await expect(command.run(["--sim", "--speed", "max", "--lop", "190", "--record", path], io)).rejects.toThrow(
      new CliError(`cannot write the recording ${path}: the disk is full (ENOSPC)`),
    );
    expect(seen.sent.map((c) => c.type)).not.toContain("start-session");
    expect(seen.trueMmhgAtClose!).toBeLessThan(1);
  });
});

describe("monitor, bench trace and chart on a full disk", () => {
  it("monitor --record: warns once and keeps monitoring; the summary prints; exit 1", async () => {
    const path = join(tempDir(), "frames.jsonl");
    const disk = fillingDisk(20_000);
    const command = makeMonitorCommand(openLink, disk);
    const io = fakeIo();
    const code = await command.run(["--sim", "--speed", "max", "--seconds", "10", "--record", path, "--json"], io);
    expect(code).toBe(1);
    expect(io.err.text).toMatch(/^cuff monitor: warning: cannot write the recording \S+frames\.jsonl: the disk is full \(ENOSPC\); it keeps what was written up to \d+\.\d\d s, and monitoring goes on\.\n$/);
    const lines = io.out.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === "telemetry").length).toBeGreaterThanOrEqual(198);
    expect(lines.at(-1)).toMatchObject({ type: "summary", ok: true, recordingError: "the disk is full (ENOSPC)" });
    expect(jsonLines(path).length).toBeGreaterThan(10);
  });

  it("a bench trace keeps its whole rows up to the failure and reports it once", () => {
    const path = join(tempDir(), "trace.csv");
    const failures: { message: string; keptUpTo: number | null }[] = [];
    const trace = new TraceWriter(path, (failure, keptUpTo) => failures.push({ message: failure.message, keptUpTo }), fillingDisk(250_000));
    const row = (t: number): TraceRow => ({ t, cuffMmhg: 150.25, sensorMmhg: 150.5, secondarySensorMmhg: null, targetMmhg: 152, pump: 0.2, vent: 0, state: "regulating", phase: "set" });
    for (let i = 0; i < 30_000; i++) trace.write(row(i / 100));
    trace.close();
    expect(failures).toEqual([{ message: `cannot write the trace ${path}: the disk is full (ENOSPC)`, keptUpTo: expect.any(Number) }]);
    const rows = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(rows[0]).toBe("t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase");
    expect(rows.slice(1).every((r) => /^\d+\.\d\d,150\.25,150\.50,152\.00,0\.200,0\.000,regulating,set$/.test(r))).toBe(true);
    expect(Number(rows.at(-1)!.split(",")[0])).toBe(failures[0]!.keptUpTo);
  });

  it("a line file cut short mid-line is cut back to its last whole line", () => {
    const path = join(tempDir(), "lines.jsonl");
    const file = new LineFile(path, "recording", fillingDisk(25));
    expect(file.append('{"a":1}\n{"b":2}\n')).toBe(true);
    expect(file.append('{"c":"a longer line"}\n')).toBe(false);
    expect(file.failure?.message).toBe(`cannot write the recording ${path}: the disk is full (ENOSPC)`);
    expect(file.append('{"d":4}\n')).toBe(false);
    file.close();
    expect(readFileSync(path, "utf8")).toBe('{"a":1}\n{"b":2}\n');
  });
});

/** The real process, its files limited to `kib` KiB (RLIMIT_FSIZE: writes past it fail with EFBIG). */
async function cuffWithFileLimit(kib: number, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("bash", ["-c", `trap '' XFSZ; ulimit -f ${kib}; exec "${process.execPath}" bin/cuff.js ${quoted}`], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { code, stdout, stderr };
}

describe("as a process whose files cannot grow past a limit", () => {
  it("cuff demo --record-required: one warning naming the file, the cuff deflated by this program, the summary, exit 1", async () => {
    const path = join(tempDir(), "demo.jsonl");
    const r = await cuffWithFileLimit(320, ["demo", "--speed", "max", "--lop", "190", "--host-silence", "continue", "--record", path, "--record-required", "--json"]);
    expect(r.code).toBe(1);
    const [warning, ending, ...rest] = r.stderr.trimEnd().split("\n");
    expect(warning).toMatch(new RegExp(`^cuff demo: warning: cannot write the recording ${path.replace(/[/.]/g, "\\$&")}: the file has reached the largest size this system allows \\(EFBIG\\); it keeps what was written up to \\d+\\.\\d\\d s, and the session ends: this program deflates the cuff now\\.$`));
    expect(ending).toBe("cuff demo: the session ended early: its recording could not be written.");
    expect(rest).toEqual([]);
    const events = r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.type === "state" && e.from === "deflating" && e.to === "vented")).toMatchObject({ reason: "deflate requested" });
    expect(events.at(-1)).toMatchObject({ type: "summary", ok: false, vented: true, recordingError: expect.stringContaining("EFBIG") });
    const lines = jsonLines(path);
    expect(lines.filter((l) => l.type === "telemetry").at(-1)).toMatchObject({ phase: "set" });
  }, 90_000);

  it("cuff acceptance: the results print and a warning names the record that could not be written, exit 1", async () => {
    const dir = tempDir();
    const record = join(dir, "acceptance.json");
    const r = await cuffWithFileLimit(1, ["acceptance", "--sim", "--speed", "max", "--json", "--record", record]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cuff acceptance: warning: cannot write the acceptance record ${record}: the file has reached the largest size this system allows (EFBIG); the results follow.\n`);
    expect(JSON.parse(r.stdout.trimEnd().split("\n").at(-1)!)).toMatchObject({ type: "summary", ok: true, passed: 10, record, recordError: expect.stringContaining("EFBIG") });
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it("cuff plot: the chart is written whole or not at all, and the earlier chart stays", async () => {
    const dir = tempDir();
    const recording = join(dir, "run.jsonl");
    const header = { type: "recording", format: "cuff-recording", version: 1, startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null };
    const frames = Array.from({ length: 4000 }, (_, i) => ({ v: 1, seq: i, type: "telemetry", cuff: 0, t: i / 20, mmhg: 150 + 10 * Math.sin(i / 10), target: 152, state: "regulating", phase: "set", pump: 0, vent: 0, lop: 190 }));
    writeFileSync(recording, [header, ...frames].map((l) => JSON.stringify(l)).join("\n") + "\n");
    const chart = join(dir, "run.svg");
    writeFileSync(chart, "<svg>the earlier chart</svg>\n");
    const r = await cuffWithFileLimit(16, ["plot", recording]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`cuff plot: cannot write the chart ${chart}: the file has reached the largest size this system allows (EFBIG).\n`);
    expect(readFileSync(chart, "utf8")).toBe("<svg>the earlier chart</svg>\n");
    expect(readdirSync(dir).sort()).toEqual(["run.jsonl", "run.svg"]);
  }, 60_000);
});
