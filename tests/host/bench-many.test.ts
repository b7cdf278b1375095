/** `cuff bench` over several scenarios: a folder, one JSON line each, a trace each, spread over workers. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../host/cli/main.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-bench-many-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two short sessions: one set of 4 reps each, LOP given. */
function scenarioFolder(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "arm.json"), JSON.stringify({ name: "arm, 4 reps", limb: "arm", plan: { sets: [4], target: { percentLop: 50 }, lop: 170 } }));
  writeFileSync(join(dir, "thigh.json"), JSON.stringify({ name: "thigh, 4 reps", limb: "leg", seed: 5, plan: { sets: [4], target: { percentLop: 80 }, lop: 200 } }));
  writeFileSync(join(dir, "notes.txt"), "not a scenario");
  return dir;
}

describe("cuff bench with several scenarios", () => {
  it("runs a folder's scenarios over two workers: one JSON line each in file order, a trace named after each file", async () => {
    const folder = scenarioFolder();
    const traces = join(tempDir(), "traces");
    const io = fakeIo();
    expect(await main(["bench", "--scenario", folder, "--trace-dir", traces, "--jobs", "2", "--json"], io)).toBe(0);
    const lines = io.out.lines().map((l) => JSON.parse(l));
    expect(lines.map((l) => l.scenario)).toEqual([join(folder, "arm.json"), join(folder, "thigh.json")]);
    expect(lines.map((l) => l.finalState)).toEqual(["vented", "vented"]);
    // The physical bound beside the achieved share: no controller beats it.
    for (const l of lines) expect(l.metrics.exerciseWithin5).toBeLessThanOrEqual(l.bound.within5Share + 1e-9);
    for (const name of ["arm", "thigh"]) {
      const trace = readFileSync(join(traces, `${name}.csv`), "utf8").split("\n");
      expect(trace[0]).toMatch(/^t,cuff_mmhg/);
      expect(trace.length).toBeGreaterThan(1000);
    }
    expect(existsSync(join(traces, "notes.csv"))).toBe(false);
  }, 60_000);

  it("gives the same results in one thread as over workers", async () => {
    const folder = scenarioFolder();
    const [one, two] = [fakeIo(), fakeIo()];
    await main(["bench", "--scenario", join(folder, "arm.json"), join(folder, "thigh.json"), "--jobs", "1", "--json"], one);
    await main(["bench", "--scenario", folder, "--jobs", "2", "--json"], two);
    const strip = (text: string) => text.split("\n").filter(Boolean).map((l) => ({ ...JSON.parse(l), wallSeconds: 0 }));
    expect(strip(one.out.text)).toEqual(strip(two.out.text));
  }, 60_000);

  it("refuses one trace file for several scenarios, and a bad job count, before running anything", async () => {
    const folder = scenarioFolder();
    const io = fakeIo();
    expect(await main(["bench", "--scenario", folder, "--trace", join(folder, "x.csv")], io)).toBe(2);
    expect(io.err.text).toMatch(/--trace-dir/);
    const jobs = fakeIo();
    expect(await main(["bench", "--scenario", folder, "--jobs", "0"], jobs)).toBe(2);
    expect(jobs.out.text).toBe("");
  });
});
