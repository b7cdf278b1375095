import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lopFreshness, profileDir, ProfileError, ProfileStore } from "../../host/profile/profile.ts";
import { ensureScreened, ScreenStop } from "../../host/cli/screen.ts";
import { CLINICIAN_ADVICE, CONTRAINDICATIONS } from "../../host/profile/screen.ts";
import { fakeIo } from "./fake-io.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cuff-profile-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const now = new Date("2026-11-22T10:00:00Z");

describe("profile folder", () => {
  it("is --profile-dir, then CUFF_PROFILE_DIR, then the per-user config folder", () => {
    expect(profileDir("/flag", { CUFF_PROFILE_DIR: "/env" })).toBe("/flag");
    expect(profileDir(undefined, { CUFF_PROFILE_DIR: "/env" })).toBe("/env");
    expect(profileDir(undefined, { XDG_CONFIG_HOME: "/home/ana/.config" })).toBe(
      process.platform === "linux" ? "/home/ana/.config/cuff" : profileDir(undefined, { XDG_CONFIG_HOME: "/home/ana/.config" }),
    );
  });

  it("refuses a damaged profile with a sentence naming the file", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "profile.json"), JSON.stringify({ version: 1, screening: null, lop: { arm: { mmhg: 900 } } }));
    expect(() => new ProfileStore(dir).load()).toThrow(ProfileError);
    expect(() => new ProfileStore(dir).load()).toThrow(/profile\.json is damaged \(lop\.arm\.mmhg: .*\); fix or delete it/);
  });
});

describe("LOP in the profile", () => {
  it("is remembered per limb with its date, and stale after 30 days", () => {
    const store = new ProfileStore(tempDir());
    store.recordLop("leg", 194.6, "measured", new Date("2026-11-01T09:00:00Z"));
    store.recordLop("arm", 171, "entered", new Date("2026-10-01T09:00:00Z"));
    const profile = store.load();
    expect(profile.lop.leg).toEqual({ mmhg: 195, measuredAt: "2026-11-01T09:00:00.000Z", source: "measured" });
    expect(lopFreshness(profile, "leg", now)).toMatchObject({ kind: "fresh", ageDays: 21 });
    expect(lopFreshness(profile, "arm", now)).toMatchObject({ kind: "stale", ageDays: 52 });
    expect(lopFreshness({ ...profile, lop: {} }, "arm", now)).toEqual({ kind: "none" });
  });
});

describe("contraindication screen", () => {
  it("asks every question of BRIEF.md on a terminal and records a clear screen once", async () => {
    const store = new ProfileStore(tempDir());
    const io = fakeIo({ stdinTty: true, stdin: "n\n".repeat(CONTRAINDICATIONS.length) });
    expect(await ensureScreened(store, io, { screenedFlag: false, now })).toBe("passed");
    for (const q of CONTRAINDICATIONS) expect(io.err.text).toContain(q);
    expect(io.err.text).toMatch(/thrombosis/);
    expect(io.err.text).toMatch(/sickle cell/);
    expect(store.load().screening).toEqual({ answeredAt: now.toISOString(), how: "interactive", clear: true });
    // the second time nothing is asked
    const again = fakeIo({ stdinTty: true });
    expect(await ensureScreened(store, again, { screenedFlag: false, now })).toBe("already");
    expect(again.err.text).toBe("");
  });

  it("stops on a yes with advice to see a clinician, and records nothing", async () => {
    const store = new ProfileStore(tempDir());
    const io = fakeIo({ stdinTty: true, stdin: "n\nn\nyes\n" });
    const error = await ensureScreened(store, io, { screenedFlag: false, now }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ScreenStop);
    expect((error as Error).message).toBe(CLINICIAN_ADVICE);
    expect(store.load().screening).toBeNull();
  });

  it("asks again when an answer is neither yes nor no", async () => {
    const store = new ProfileStore(tempDir());
    const io = fakeIo({ stdinTty: true, stdin: "maybe\n" + "n\n".repeat(CONTRAINDICATIONS.length) });
    expect(await ensureScreened(store, io, { screenedFlag: false, now })).toBe("passed");
    expect(io.err.text.split(CONTRAINDICATIONS[0]).length - 1).toBe(2);
  });

  it("without a terminal never waits on stdin: it stops with how to answer", async () => {
    const store = new ProfileStore(tempDir());
    const io = fakeIo({ stdinTty: false });
    const error = await ensureScreened(store, io, { screenedFlag: false, now }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ScreenStop);
    expect((error as Error).message).toMatch(/has not answered the safety screen yet and there is no terminal.*--screened/);
  });

  it("accepts --screened without a terminal and records how", async () => {
    const dir = tempDir();
    const store = new ProfileStore(dir);
    expect(await ensureScreened(store, fakeIo(), { screenedFlag: true, now })).toBe("passed");
    expect(JSON.parse(readFileSync(join(dir, "profile.json"), "utf8")).screening.how).toBe("flag");
  });

  it("an unfinished screen (stdin closed) records nothing", async () => {
    const store = new ProfileStore(tempDir());
    const io = fakeIo({ stdinTty: true, stdin: "n\nn\n" });
    const error = await ensureScreened(store, io, { screenedFlag: false, now }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/not finished/);
    expect(store.load().screening).toBeNull();
  });
});
