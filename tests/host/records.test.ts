/**
 * Records a therapist can trust: how each session ended, every set with its counted and
 * planned reps, the LOP kept the moment it is measured, a person per session, history and
 * CSV export, recordings in the data folder. Real-cuff sessions run here on the simulated
 * cuff at full speed through the real-cuff path (profile, screen, recording).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeSessionCommand } from "../../host/cli/commands/session.ts";
import { type LinkOpener, openLink } from "../../host/cli/link.ts";
import { main } from "../../host/cli/main.ts";
import { useTempDirs } from "../temp-dirs.ts";
import { fakeIo, type FakeIo } from "./fake-io.ts";

const tempDir = useTempDirs("cuff-records-");

/** The real-cuff path of `cuff session --port` with the simulated cuff behind it, at full speed. */
function realPathOnSim(onOpen: (link: Awaited<ReturnType<LinkOpener>>) => void = () => {}) {
  return makeSessionCommand({
    now: () => new Date("2026-11-22T10:00:00.000Z"),
    openLink: async (choice) => {
      const link = await openLink({ ...choice, sim: true, speed: Number.POSITIVE_INFINITY });
      onOpen(link);
      return link;
    },
  });
}

function jsonLines(io: FakeIo): Record<string, unknown>[] {
  return io.out.text.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("session records", () => {
  it("a session for a person is recorded in the data folder; history and export list it", async () => {
    const profiles = tempDir();
    const data = tempDir();
    const folders = ["--profile-dir", profiles, "--data-dir", data];
    const io = fakeIo();
    const args = ["--port", "/dev/ttyUSB0", "--limb", "leg", "--target", "60%", "--lop", "180", "--sets", "5,5", "--rest", "5", "--screened", "--person", "Ana María", "--json", ...folders];
    expect(await realPathOnSim().run(args, io), io.err.text).toBe(0);
    const summary = jsonLines(io).at(-1)!;
    expect(summary).toMatchObject({ type: "summary", ok: true, outcome: "completed", fault: null, ended: "completed", person: "Ana María" });
    expect(summary.sets).toEqual([
      expect.objectContaining({ set: 1, planned: 5, reps: 5, complete: true }),
      expect.objectContaining({ set: 2, planned: 5, reps: 5, complete: true }),
    ]);
    const recordings = readdirSync(join(data, "sessions"));
    expect(recordings).toEqual(["2026-11-22T10-00-00-ana-maría-leg.jsonl"]);
    expect(existsSync(join(profiles, "people", "ana-maría.json"))).toBe(true);
    const last = readFileSync(join(data, "sessions", recordings[0]!), "utf8").trimEnd().split("\n").at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ type: "session-end", outcome: "completed", text: "completed" });

    const history = fakeIo();
    expect(await main(["history", "--json", ...folders], history)).toBe(0);
    const [entry, end] = jsonLines(history);
    expect(entry).toMatchObject({ type: "session", person: "Ana María", limb: "leg", mode: "sets", lopMmhg: 180, targetMmhg: 108, outcome: "completed" });
    expect(end).toMatchObject({ type: "summary", count: 1 });
    const table = fakeIo();
    expect(await main(["history", "--person", "Ana María", ...folders], table)).toBe(0);
    expect(table.out.text).toMatch(/^date +person +limb +LOP mmHg +target mmHg +sets \(reps counted\/planned\) +how it ended\n/);
    expect(table.out.text).toMatch(/Ana María +leg +180 +108 +5\/5 {2}5\/5 +completed\n/);
    const nobody = fakeIo();
    expect(await main(["history", "--person", "Ben", ...folders], nobody)).toBe(0);
    expect(nobody.out.text).toMatch(/^No sessions for Ben in /);

    const csv = fakeIo();
    expect(await main(["export", ...folders], csv)).toBe(0);
    const [header, row, ...rest] = csv.out.text.trimEnd().split("\n");
    expect(header).toBe("started_at,person,limb,mode,lop_mmhg,target_mmhg,sets,reps_counted,reps_planned,restriction_seconds,exercise_within_10,peak_mmhg,outcome,ended,file");
    expect(row).toMatch(/^2026-11-22T10:00:00.000Z,Ana María,leg,sets,180,108,5\/5  5\/5,10,10,[\d.]+,[\d.]+,[\d.]+,completed,completed,/);
    expect(rest).toEqual([]);
    const samples = join(tempDir(), "samples.csv");
    expect(await main(["export", "--samples", join(data, "sessions", recordings[0]!), "--output", samples], fakeIo())).toBe(0);
    const rows = readFileSync(samples, "utf8").trimEnd().split("\n");
    expect(rows[0]).toBe("t,mmhg,target_mmhg,state,phase,pump,vent,set,rep");
    // 20 telemetry frames a second over the session (two sets of 5 reps, 5 s rest: over half a minute)
    expect(rows.length).toBeGreaterThan(20 * 30);
    expect(rows.slice(1).every((r) => /^[\d.]+,-?[\d.]+,[\d.]*,[a-z]+,[a-z]+,[\d.]+,[\d.]+,\d*,\d*$/.test(r))).toBe(true);
  });

  it("Ctrl-C after the LOP was measured: the LOP is in the profile, the record says stopped by the user", async () => {
    const profiles = tempDir();
    const data = tempDir();
    const io = fakeIo();
    const command = realPathOnSim((link) => {
      link.client.events$.subscribe((e) => {
        if (e.type === "phase" && e.phase === "inflate") io.interrupt();
      });
    });
    const code = await command.run(["--port", "/dev/ttyUSB0", "--limb", "arm", "--lop", "measure", "--screened", "--json", "--profile-dir", profiles, "--data-dir", data], io);
    expect(code).toBe(130);
    const summary = jsonLines(io).at(-1)!;
    expect(summary).toMatchObject({ type: "summary", ok: false, vented: true, outcome: "stopped", ended: "stopped by the user" });
    const measured = jsonLines(io).find((l) => l.type === "lop-result")!;
    const profile = JSON.parse(readFileSync(join(profiles, "profile.json"), "utf8")) as { lop: { arm?: { mmhg: number; source: string } } };
    expect(profile.lop.arm).toMatchObject({ mmhg: Math.round(measured.mmhg as number), source: "measured" });
    const history = fakeIo();
    await main(["history", "--json", "--profile-dir", profiles, "--data-dir", data], history);
    expect(jsonLines(history)[0]).toMatchObject({ outcome: "stopped", ended: "stopped by the user" });
  });

  it("a fault in the middle of a set: the set is kept with the reps counted before it", async () => {
    const io = fakeIo();
    const code = await main(["session", "--sim", "--speed", "max", "--scenario", "scenarios/sensor-stuck-mid-set.json", "--json"], io);
    expect(code).toBe(1);
    const summary = jsonLines(io).at(-1)!;
    expect(summary).toMatchObject({ ok: false, outcome: "fault", fault: "sensor-stuck", ended: "fault: sensor-stuck" });
    const sets = summary.sets as { set: number; planned: number; reps: number; complete: boolean }[];
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({ set: 1, planned: 30, complete: false });
    // the stuck sensor came 95 s into the scenario, well into the first set
    expect(sets[0]!.reps).toBeGreaterThan(5);
    expect(sets[0]!.reps).toBeLessThan(30);
    expect(io.err.text).toBe("cuff session: the session ended early: fault: sensor-stuck.\n");
  });

  it("recordings older versions kept in the profile folder move once to the data folder", async () => {
    const profiles = tempDir();
    const data = tempDir();
    mkdirSync(join(profiles, "sessions"));
    const header = { type: "recording", format: "cuff-recording", version: 1, startedAt: "2026-01-02T03:04:05.000Z", software: "cuff-host 0.1", source: "/dev/ttyUSB0", limb: "leg", plan: null };
    writeFileSync(join(profiles, "sessions", "2026-01-02T03-04-05-leg.jsonl"), JSON.stringify(header) + "\n");
    const first = fakeIo();
    expect(await main(["history", "--json", "--profile-dir", profiles, "--data-dir", data], first)).toBe(0);
    expect(first.err.text).toBe(`Moved 1 recording(s) from ${join(profiles, "sessions")} to ${join(data, "sessions")}.\n`);
    expect(existsSync(join(profiles, "sessions"))).toBe(false);
    expect(jsonLines(first)[0]).toMatchObject({ startedAt: "2026-01-02T03:04:05.000Z", outcome: "unknown", ended: "no end recorded (cut short)" });
    const again = fakeIo();
    await main(["history", "--profile-dir", profiles, "--data-dir", data], again);
    expect(again.err.text).toBe("");
  });
});

describe("plans from the command line", () => {
  it("--mode continuous --minutes 1 holds one minute and ends", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--speed", "max", "--json", "--mode", "continuous", "--minutes", "1", "--lop", "190"], io)).toBe(0);
    const summary = jsonLines(io).at(-1)!;
    expect(summary).toMatchObject({ ok: true, outcome: "completed" });
    const [hold] = summary.sets as { planned: number; seconds: number; complete: boolean }[];
    expect(hold).toMatchObject({ planned: 0, complete: true });
    expect(hold!.seconds).toBeCloseTo(60, 0);
  });

  it("--mode cycle runs the cycles asked for, each hold as long as --on", async () => {
    const io = fakeIo();
    expect(await main(["demo", "--speed", "max", "--json", "--mode", "cycle", "--cycles", "3", "--on", "20", "--off", "4", "--lop", "190"], io)).toBe(0);
    const sets = jsonLines(io).at(-1)!.sets as { seconds: number }[];
    expect(sets.map((s) => Math.round(s.seconds))).toEqual([20, 20, 20]);
  });

  it("a scenario's cycle plan is run as it is, and another --mode is refused with a sentence", async () => {
    const scenario = join(tempDir(), "cycles.json");
    writeFileSync(scenario, JSON.stringify({ name: "cycles", limb: "arm", plan: { mode: "cycle", cycles: 2, holdSeconds: 15, target: { percentLop: 50 }, lop: 170 } }));
    const run = fakeIo();
    expect(await main(["session", "--sim", "--speed", "max", "--scenario", scenario, "--json"], run)).toBe(0);
    expect((jsonLines(run).at(-1)!.sets as unknown[]).length).toBe(2);
    const refused = fakeIo();
    expect(await main(["session", "--sim", "--scenario", scenario, "--mode", "continuous", "--minutes", "5"], refused)).toBe(2);
    expect(refused.err.text).toBe(
      `cuff session: the scenario's plan is "cycle", so --mode continuous cannot run it: leave out the continuous options, or change "plan" in the scenario file.\n`,
    );
    const mixed = fakeIo();
    expect(await main(["demo", "--sets", "10,10", "--minutes", "3"], mixed)).toBe(2);
    expect(mixed.err.text).toBe("cuff demo: --sets and --minutes belong to different plans; choose one with --mode.\n");
    const missing = fakeIo();
    expect(await main(["demo", "--mode", "continuous"], missing)).toBe(2);
    expect(missing.err.text).toBe("cuff demo: --mode continuous needs --minutes N, the length of the hold.\n");
  });
});
