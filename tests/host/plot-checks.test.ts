/**
 * `cuff plot` on files it did not write: absurd pressures, shuffled and
 * negative times, times years apart, numbers a CSV should not hold. Each is
 * clipped, sorted, left out or refused, and the chart or the refusal says so.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../host/cli/main.ts";
import { checkPlotData, PLOT_MAX_MMHG } from "../../host/plot/checks.ts";
import type { PlotData, PlotPoint } from "../../host/plot/load.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-plotcheck-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A 100 s set at 20 Hz around a 152 mmHg target, as recording lines; `edit` changes the frames first. */
function recording(edit: (frames: Record<string, unknown>[]) => Record<string, unknown>[] = (f) => f): string {
  const header = { type: "recording", format: "cuff-recording", version: 1, startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null };
  const frames = Array.from({ length: 2000 }, (_, i) => ({
    v: 1, seq: i, type: "telemetry", cuff: 0, t: Number((i / 20).toFixed(2)), mmhg: Number((152 + 8 * Math.sin(i / 10)).toFixed(2)),
    target: 152, state: "regulating", phase: "set", pump: 0, vent: 0, lop: 190, set: 1, rep: 0,
  }));
  const path = join(tempDir(), "run.jsonl");
  writeFileSync(path, [header, ...edit(frames)].map((l) => JSON.stringify(l)).join("\n") + "\n");
  return path;
}

/** Seeded shuffle, so a failure can be repeated. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function data(points: Partial<PlotPoint>[], lopMmhg: number | null = 190): PlotData {
  return {
    title: "test", pressureLabel: "cuff pressure", lopMmhg, limb: "leg", alarms: [], summary: null, ended: null, setReps: {},
    points: points.map((p) => ({ t: 0, mmhg: 0, target: null, phase: "set", set: 1, ...p })),
  };
}

describe("what a chart may draw", () => {
  it("clips pressures to -50..400 mmHg and says how many", () => {
    const checked = checkPlotData(data([{ t: 0, mmhg: 150 }, { t: 1, mmhg: 1e308 }, { t: 2, mmhg: 1e7 }, { t: 3, mmhg: -900 }, { t: 4, mmhg: 150, target: 1e308 }]), "f");
    expect(checked.points.map((p) => p.mmhg)).toEqual([150, 400, 400, -50, 150]);
    expect(checked.points[4]!.target).toBe(PLOT_MAX_MMHG);
    expect(checked.notes).toEqual(["2 pressures above 400 mmHg drawn clipped at the top edge", "1 pressure below -50 mmHg drawn clipped at the bottom edge"]);
  });

  it("leaves out negative and unreadable times and pressures, sorts the rest, and says both", () => {
    const checked = checkPlotData(data([{ t: 2, mmhg: 1 }, { t: -5, mmhg: 1 }, { t: 1, mmhg: Number.POSITIVE_INFINITY }, { t: Number.NaN, mmhg: 1 }, { t: 0, mmhg: 1 }, { t: 3, mmhg: 1 }]), "f");
    expect(checked.points.map((p) => p.t)).toEqual([0, 2, 3]);
    expect(checked.notes).toEqual(["3 samples with a negative or unreadable time or pressure left out", "times out of order at 1 sample: drawn sorted by time"]);
  });

  it("refuses times more than 7 days apart, and a file with no usable sample, in a sentence naming the file", () => {
    expect(() => checkPlotData(data([{ t: 0 }, { t: 1e308 }]), "/tmp/x.jsonl")).toThrow(
      "/tmp/x.jsonl has times from 0 to 1e+308 s, more than 7 days apart: not one recording (a damaged or edited file)",
    );
    expect(() => checkPlotData(data([{ t: -1 }, { t: Number.NaN }]), "/tmp/x.jsonl")).toThrow("/tmp/x.jsonl has no sample with a usable time and pressure to draw");
  });

  it("drops an impossible LOP and cuts labels to a readable length", () => {
    const raw = data([{ t: 0 }, { t: 1 }], 1e308);
    raw.alarms = [{ t: 0.5, kind: "k".repeat(10_000) }, { t: Number.NaN, kind: "never" }];
    raw.summary = { ok: false, endReason: "\u001b[2J" + "r".repeat(10_000) };
    raw.limb = "tentacle";
    const checked = checkPlotData(raw, "f");
    expect(checked.lopMmhg).toBeNull();
    expect(checked.notes).toEqual(["the file's LOP of 1e+308 mmHg is outside 50-300 mmHg: not drawn"]);
    expect(checked.alarms).toHaveLength(1);
    expect(checked.alarms[0]!.kind.length).toBeLessThanOrEqual(120);
    expect(checked.summary!.endReason).not.toContain("\u001b");
    expect(checked.limb).toBeNull();
  });
});

describe("cuff plot on damaged recordings and traces", () => {
  it("a 1e308 pressure: a readable chart, its axis up to the clip, and the note on stderr and on the chart", async () => {
    const input = recording((f) => f.map((x, i) => (i === 700 ? { ...x, mmhg: 1e308 } : x)));
    const io = fakeIo();
    expect(await main(["plot", input], io)).toBe(0);
    expect(io.err.text).toBe("cuff plot: note: 1 pressure above 400 mmHg drawn clipped at the top edge.\n");
    const svg = readFileSync(input.replace(/\.jsonl$/, ".svg"), "utf8");
    expect(statSync(input.replace(/\.jsonl$/, ".svg")).size).toBeLessThan(200_000);
    const yLabels = [...svg.matchAll(/text-anchor="end" fill="#222222">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...yLabels)).toBeLessThanOrEqual(500);
    expect(svg).toContain(">Note: 1 pressure above 400 mmHg drawn clipped at the top edge</text>");
  });

  it("shuffled times: drawn in time order, said in --json notes", async () => {
    const input = recording((f) => shuffled(f, 7));
    const output = join(tempDir(), "out.svg");
    const io = fakeIo();
    expect(await main(["plot", input, "--output", output, "--json"], io)).toBe(0);
    const summary = JSON.parse(io.out.text) as { points: number; seconds: number; notes: string[] };
    expect(summary).toMatchObject({ points: 2000, seconds: 99.95 });
    expect(summary.notes).toHaveLength(1);
    expect(summary.notes[0]).toMatch(/^times out of order at \d+ samples: drawn sorted by time$/);
    const xs = /<polyline points="([^"]+)" fill="none" stroke="#1f3b73"/.exec(readFileSync(output, "utf8"))![1]!.split(" ").map((p) => Number(p.split(",")[0]));
    expect(xs.every((x, i) => i === 0 || x >= xs[i - 1]!)).toBe(true);
  });

  it("negative times are left out and said; times years apart are refused", async () => {
    const negative = recording((f) => f.map((x, i) => (i < 100 ? { ...x, t: -(x.t as number) - 1 } : x)));
    const io = fakeIo();
    expect(await main(["plot", negative], io)).toBe(0);
    expect(io.out.text).toMatch(/\(1900 samples, 95 s\)/);
    expect(io.err.text).toBe("cuff plot: note: 100 samples with a negative or unreadable time or pressure left out.\n");

    const apart = recording((f) => f.map((x, i) => (i === 1999 ? { ...x, t: 1e9 } : x)));
    const refused = fakeIo();
    expect(await main(["plot", apart], refused)).toBe(1);
    expect(refused.err.text).toBe(`cuff plot: ${apart} has times from 0 to 1000000000 s, more than 7 days apart: not one recording (a damaged or edited file).\n`);
  });

  it("a trace's cells are decimal numbers: hex and empty pressures are left out, not read as 100 and 0", async () => {
    const rows = ["t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase"];
    for (let i = 0; i < 1000; i++) rows.push(`${(i / 100).toFixed(2)},${i === 500 ? "0x64" : i === 501 ? "" : "150.00"},150.1,150.00,0.1,0,regulating,set`);
    const input = join(tempDir(), "trace.csv");
    writeFileSync(input, rows.join("\n") + "\n");
    const io = fakeIo();
    expect(await main(["plot", input, "--json"], io)).toBe(0);
    expect(JSON.parse(io.out.text)).toMatchObject({ points: 998, notes: ["2 samples with a negative or unreadable time or pressure left out"] });
  });
});

/** The real process, killed after `seconds`: the chart must come back within that. */
async function plotWithin(seconds: number, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["bin/cuff.js", "plot", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const guard = setTimeout(() => child.kill("SIGKILL"), seconds * 1000);
    child.on("exit", (c) => {
      clearTimeout(guard);
      resolve(c);
    });
  });
  return { code, stderr };
}

describe("cuff plot as a process", () => {
  it("answers within 10 s on a 1e308 pressure and on shuffled times", async () => {
    const huge = recording((f) => f.map((x, i) => (i === 700 ? { ...x, mmhg: 1e308 } : x)));
    const shuffle = recording((f) => shuffled(f, 11));
    for (const input of [huge, shuffle]) {
      const r = await plotWithin(10, [input]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^cuff plot: note: /);
    }
  }, 30_000);
});
