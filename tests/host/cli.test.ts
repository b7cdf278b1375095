/** The `cuff` command line as a person or a script meets it: exit codes, one-sentence errors, JSON lines. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../host/cli/main.ts";
import { makeSessionCommand } from "../../host/cli/commands/session.ts";
import { openLink } from "../../host/cli/link.ts";
import { stripAnsi } from "../../host/display/render.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-cli-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cuff(args: string[], options: Parameters<typeof fakeIo>[0] = {}) {
  const io = fakeIo(options);
  const code = await main(args, io);
  return { code, out: io.out.text, err: io.err.text, io };
}

describe("cuff usage", () => {
  it("lists the commands, and exits 2 without one", async () => {
    const r = await cuff([]);
    expect(r.code).toBe(2);
    for (const name of ["demo", "session", "lop", "deflate", "monitor", "ports", "plot"]) expect(r.out).toContain(`  ${name}`);
  });

  it.each([
    [["session"], 'cuff session: say where the cuff is: --board PATH (the cuff\'s board on USB, see "cuff ports"), --port PATH (a cuff link served elsewhere) or --sim for the simulated cuff.\n'],
    [["session", "--sim", "--target", "150"], 'cuff session: --target must be a percentage of LOP like 60% or a pressure like 150mmHg, got "150".\n'],
    [["session", "--port", "/dev/ttyUSB0", "--sim"], "cuff session: use either --port PATH or --sim, not both.\n"],
    [["session", "--port", "/dev/ttyUSB0"], "cuff session: say where the cuff is: --limb arm or --limb leg.\n"],
    [["session", "--port", "/dev/ttyUSB0", "--limb", "leg", "--speed", "5"], "cuff session: --speed only applies to the simulated cuff (--sim); real cuffs run in real time.\n"],
    [["demo", "--sets", "30,x"], 'cuff demo: --sets must be 1 to 12 rep counts of 1-200 separated by commas, like 30,15,15,15, got "30,x".\n'],
    [["demo", "--bogus"], "cuff demo: Unknown option '--bogus'; see --help.\n"],
    [["plot"], "cuff plot: give one recording or trace file to draw, e.g. cuff plot session.jsonl.\n"],
    [["demo", "--host-silence", "pause"], 'cuff demo: --host-silence must be vent or continue, got "pause".\n'],
  ])("bad usage %j exits 2 with one sentence on stderr", async (args, message) => {
    const r = await cuff(args);
    expect(r.code).toBe(2);
    expect(r.err).toBe(message);
    expect(r.out).toBe("");
  });

  it("--help answers units, defaults and examples", async () => {
    const r = await cuff(["session", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--target 60% +pressure as a percentage of LOP \(10-90 %\), or as --target 150mmHg/);
    expect(r.out).toMatch(/default 50 % on an arm, 80 % on a leg/);
    expect(r.out).toMatch(/--rest 30 +seconds of rest between sets, cuff inflated \(sets; default 30\)/);
    expect(r.out).toMatch(/Examples:\n  cuff session --board \/dev\/ttyUSB0 --limb leg --target 70%/);
    expect(r.out).toMatch(/Exit codes: 0 the session completed; 1 it failed/);
    for (const name of ["demo", "lop", "deflate", "monitor", "ports", "plot"]) {
      const h = await cuff([name, "--help"]);
      expect(h.code).toBe(0);
      expect(h.out).toMatch(/^Usage: cuff /);
      expect(h.out).toMatch(/Exit codes/);
    }
  });
});

describe("cuff with a cuff that is not there", () => {
  it("a wrong port path is a clear one-line error, exit 1", async () => {
    const r = await cuff(["session", "--port", "/dev/ttyNOPE7", "--limb", "leg", "--screened", "--profile-dir", tempDir()]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('cuff session: there is no serial port at /dev/ttyNOPE7; run "cuff ports" to list the ports this computer has.\n');
    expect(r.out).toBe("");
  });

  it("a run without a terminal and an unscreened profile stops before touching the port", async () => {
    const r = await cuff(["session", "--port", "/dev/ttyNOPE7", "--limb", "arm", "--profile-dir", tempDir()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^cuff session: this profile \(.*\) has not answered the safety screen yet and there is no terminal to ask it on: .*--screened.*\.\n$/);
  });

  it("a yes on the screen stops with advice to see a clinician, exit 1", async () => {
    const r = await cuff(["lop", "--port", "/dev/ttyNOPE7", "--limb", "arm", "--profile-dir", tempDir()], { stdinTty: true, stdin: "n\nn\nn\ny\n" });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[y\/n\] cuff lop: do not use the cuff: .* please see one first\.\n$/);
  });
});

describe("cuff on the simulated cuff", () => {
  it("session --sim --json: JSON lines only on stdout, events as they happen, then the summary; exit 0", async () => {
    const dir = tempDir();
    const record = join(dir, "run.jsonl");
    const r = await cuff(["session", "--sim", "--speed", "max", "--json", "--lop", "195", "--record", record]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ type: "summary", ok: true, lopMmhg: 195, recording: record });
    expect(lines.filter((l) => l.type === "summary")).toHaveLength(1);
    // the reps streamed as they happened add up to the reps in the summary, set by set
    const summarySets = last.sets as { planned: number; reps: number }[];
    expect(summarySets.map((x) => x.planned)).toEqual([30, 15, 15, 15]);
    const repsBySet = [1, 2, 3, 4].map((set) => lines.filter((l) => l.type === "rep" && l.set === set).length);
    expect(repsBySet).toEqual(summarySets.map((x) => x.reps));
    expect(repsBySet.every((n) => n > 0)).toBe(true);
    expect(lines.filter((l) => l.type === "phase").map((l) => l.phase)).toEqual(["lop", "deflate", "inflate", "set", "rest", "set", "rest", "set", "rest", "set", "deflate"]);
    // the events are in time order
    const times = lines.filter((l) => typeof l.t === "number").map((l) => l.t as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("Ctrl-C mid-set vents the cuff before exiting with 130", async () => {
    let io: ReturnType<typeof fakeIo> | null = null;
    let ventedAtExit: number | null = null;
    let stateAtExit: string | null = null;
    const command = makeSessionCommand({
      now: () => new Date(),
      openLink: async (choice) => {
        const link = await openLink(choice);
        link.client.events$.subscribe((e) => {
          if (e.type === "phase" && e.phase === "set" && e.set === 2) io!.interrupt();
        });
        const close = link.close;
        return {
          ...link,
          close: async () => {
            ventedAtExit = link.sim!.plant.trueMmhg();
            stateAtExit = link.sim!.stack.controller.stateName;
            await close();
          },
        };
      },
    });
    io = fakeIo();
    const code = await command.run(["--sim", "--speed", "max", "--lop", "195", "--json"], io);
    expect(code).toBe(130);
    const last = JSON.parse(io.out.text.trimEnd().split("\n").at(-1)!);
    expect(last).toMatchObject({ type: "summary", ok: false, endReason: "interrupted", vented: true });
    expect(ventedAtExit).not.toBeNull();
    // the firmware confirmed "vented" (its sensor below 15 mmHg) with the vent left open
    expect(stateAtExit).toBe("vented");
    expect(ventedAtExit!).toBeLessThan(20);
    expect(io.handlers.size).toBe(0);
  });

  it("demo with its defaults (LOP measured) completes; --json lines parse", async () => {
    const r = await cuff(["demo", "--speed", "max", "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const lop = lines.find((l) => l.type === "lop-result")!;
    expect(lop).toMatchObject({ ok: true });
    const last = lines.at(-1)!;
    expect(last).toMatchObject({ type: "summary", ok: true, lopMmhg: lop.mmhg });
    // 80 % of the measured LOP on a leg
    expect(last.targetMmhg as number).toBeCloseTo(0.8 * (lop.mmhg as number), 0);
  });

  it("lop --sim measures and prints the LOP of the simulated subject", async () => {
    const dir = tempDir();
    const scenario = join(dir, "arm.json");
    writeFileSync(scenario, JSON.stringify({ name: "arm, LOP pinned at 170", seed: 11, limb: "arm", subject: { lopMmhg: 170 } }));
    const r = await cuff(["lop", "--sim", "--scenario", scenario, "--limb", "arm", "--speed", "max"]);
    expect(r.code, r.err).toBe(0);
    const m = /^LOP \(arm\): (\d+) mmHg   quality (0\.\d\d|1\.00), took (\d+) s\n$/.exec(r.out);
    expect(m).not.toBeNull();
    expect(Math.abs(Number(m![1]) - 170)).toBeLessThanOrEqual(15);
    // Live on stderr: the pressure and what the cuff is doing, a line whenever that changes and every 5 s.
    const lines = r.err.trimEnd().split("\n");
    expect(lines[0]).toBe("Measuring the arm LOP: keep the limb still and relaxed...");
    const progress = lines.slice(1).map((l) => /^(-?\d+) mmHg  (.+)$/.exec(l)!);
    expect(progress.every((p) => p !== null)).toBe(true);
    const doing = progress.map((p) => p[2]);
    for (const step of ["zeroing the pressure sensor (cuff open)", "inflating to the ramp's start", "inflating slowly, reading the pulsations", "deflating"]) expect(doing).toContain(step);
    const reading = progress.filter((p) => p[2] === "inflating slowly, reading the pulsations").map((p) => Number(p[1]));
    expect(Math.max(...reading)).toBeGreaterThan(140);
  });

  it("lop --sim with the distal pulse sensor clipped on: says when the distal pulse is present and when it is gone", async () => {
    const dir = tempDir();
    const scenario = join(dir, "arm-clip.json");
    writeFileSync(scenario, JSON.stringify({ name: "arm with the clip", seed: 11, limb: "arm", subject: { lopMmhg: 170, distalPerfusionPercent: 3 }, hardware: { distalPulseSensor: true }, exercise: { motionArtefactMmhg: 0 } }));
    const r = await cuff(["lop", "--sim", "--scenario", scenario, "--limb", "arm", "--speed", "max"]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/mmHg {2}inflating slowly, reading the pulsations, distal pulse present\n/);
    expect(r.err).toMatch(/mmHg {2}inflating slowly, reading the pulsations, distal pulse fading\n/);
    expect(r.err).toMatch(/mmHg {2}deflating, distal pulse gone\n/);
    const m = /^LOP \(arm\): (\d+) mmHg/.exec(r.out);
    expect(Math.abs(Number(m![1]) - 170)).toBeLessThanOrEqual(8);
  });

  it("on a terminal, Enter ends the current set early (set done)", async () => {
    let io: ReturnType<typeof fakeIo> | null = null;
    const command = makeSessionCommand({
      now: () => new Date(),
      openLink: async (choice) => {
        const link = await openLink(choice);
        link.client.events$.subscribe((e) => {
          if (e.type === "rep" && e.set === 1 && e.rep === 10) io!.input.write("\n");
        });
        return link;
      },
    });
    io = fakeIo({ tty: true, stdinTty: true });
    const code = await command.run(["--sim", "--speed", "max", "--lop", "195", "--sets", "30,15"], io);
    expect(code).toBe(0);
    const screen = stripAnsi(io.out.text);
    // the set ended with Enter keeps its counted reps, marked as cut short
    expect(screen).toMatch(/  sets: +1[01]\/30 \(cut short\)  15\/15  \(reps counted\/planned\)/);
    expect(screen).toMatch(/SET 1 of 2   rep \d+\/30   \(Enter: set done\)/);
  });

  it("deflate on an idle cuff says it is vented, exit 0", async () => {
    const r = await cuff(["deflate", "--sim"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^The cuff is vented \(\d+ mmHg\)\.\n$/);
  });

  it("monitor --json --seconds 2 streams 20 telemetry frames a second", async () => {
    const r = await cuff(["monitor", "--sim", "--speed", "max", "--json", "--seconds", "2"]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const frames = lines.filter((l) => l.type === "telemetry");
    expect(frames.length).toBeGreaterThanOrEqual(38);
    expect(frames.length).toBeLessThanOrEqual(42);
    expect(frames[0]).toMatchObject({ state: "vented", phase: "idle", vent: 1 });
    expect(lines.at(-1)).toMatchObject({ type: "summary", ok: true, frames: frames.length, state: "vented" });
  });
});

describe("cuff as a process", () => {
  it("session --sim --json exits by itself when done: no timer, port or subscription keeps it alive", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["bin/cuff.js", "session", "--sim", "--speed", "max", "--json", "--lop", "190"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 45_000);
      child.on("exit", (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; ok?: boolean });
    expect(lines.at(-1)).toMatchObject({ type: "summary", ok: true });
  });
});

describe("cuff session on a real port (the simulated cuff behind it)", () => {
  /** The session command with the port opened as the simulated cuff: the real-cuff path, profile and all. */
  function sessionOnSimPort(now: Date) {
    return makeSessionCommand({
      now: () => now,
      openLink: (choice) => openLink({ sim: true, speed: Number.POSITIVE_INFINITY, ...(choice.limb ? { limb: choice.limb } : {}) }),
    });
  }

  it("first session: screen answered, LOP measured and saved with its date, session recorded into the profile", async () => {
    const dir = tempDir();
    const command = sessionOnSimPort(new Date("2026-11-22T10:00:00Z"));
    const io = fakeIo({ env: { CUFF_PROFILE_DIR: dir } });
    const code = await command.run(["--port", "/dev/ttyUSB0", "--limb", "leg", "--screened", "--json"], io);
    expect(io.err.text).toBe("");
    expect(code).toBe(0);
    const { readFileSync, readdirSync } = await import("node:fs");
    const profile = JSON.parse(readFileSync(join(dir, "profile.json"), "utf8"));
    expect(profile.screening).toMatchObject({ how: "flag", clear: true });
    const lop = JSON.parse(io.out.text.trimEnd().split("\n").find((l) => l.includes('"lop-result"'))!);
    expect(profile.lop.leg).toEqual({ mmhg: Math.round(lop.mmhg), measuredAt: "2026-11-22T10:00:00.000Z", source: "measured" });
    expect(readdirSync(join(dir, "sessions"))).toEqual(["2026-11-22T10-00-00-leg.jsonl"]);
  });

  it("next session within 30 days hands the saved LOP to the cuff, which measures to check it; after 30 days it measures again", async () => {
    const dir = tempDir();
    const { writeFileSync: write } = await import("node:fs");
    write(join(dir, "profile.json"), JSON.stringify({
      version: 1,
      screening: { answeredAt: "2026-10-01T09:00:00.000Z", how: "interactive", clear: true },
      lop: { leg: { mmhg: 188, measuredAt: "2026-11-10T09:00:00.000Z", source: "measured" } },
    }));
    const fresh = fakeIo({ env: { CUFF_PROFILE_DIR: dir } });
    expect(await sessionOnSimPort(new Date("2026-11-22T10:00:00Z")).run(["--port", "/dev/ttyUSB0", "--limb", "leg"], fresh)).toBe(0);
    expect(fresh.err.text).toBe("Using your leg LOP of 188 mmHg from 2026-11-10 (12 days ago); the cuff measures the limb to check it.\n");
    // the claim agrees with the cuff's own reading, and the session runs on it
    expect(fresh.out.text).toMatch(/\] LOP \d+ mmHg \(quality/);
    expect(fresh.out.text).toContain("  LOP:          188 mmHg");
    const { readFileSync } = await import("node:fs");
    const checked = JSON.parse(readFileSync(join(dir, "profile.json"), "utf8")).lop.leg;
    expect(checked).toMatchObject({ measuredAt: "2026-11-22T10:00:00.000Z", source: "measured" });

    const stale = fakeIo({ env: { CUFF_PROFILE_DIR: dir } });
    expect(await sessionOnSimPort(new Date("2026-12-24T10:00:00Z")).run(["--port", "/dev/ttyUSB0", "--limb", "leg"], stale)).toBe(0);
    expect(stale.err.text).toBe("Your leg LOP is 32 days old: measuring it again (keep the limb still).\n");
    expect(stale.out.text).toMatch(/\] LOP \d+ mmHg \(quality/);
  });
});
