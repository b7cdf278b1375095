/** The page's pure parts: the decimated chart trace, the audible cues, and reading recordings. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initialView, type SessionView } from "../../host/display/view.ts";
import { cuesBetween } from "../../host/app/web/cue-rules.ts";
import { DecimatedSeries } from "../../host/app/web/series.ts";
import { entryFromSlices, tracePoints } from "../../host/app/web/recordings.ts";
import { readHistoryEntry } from "../../host/record/history.ts";
import { historyCsv } from "../../host/record/history-entry.ts";

describe("the chart's decimated trace", () => {
  it("draws an hour at 20 Hz with at most twice its bucket count, keeping every peak and valley", () => {
    const series = new DecimatedSeries(1000);
    let peak = { t: 0, mmhg: -Infinity };
    let valley = { t: 0, mmhg: Infinity };
    for (let i = 0; i < 72_000; i++) {
      const t = i / 20;
      // a held pressure with contractions, one spike and one dip
      let mmhg = 150 + 12 * Math.sin(t * Math.PI);
      if (i === 40_123) mmhg = 241;
      if (i === 55_555) mmhg = 12;
      series.append(t, mmhg, 150, 195);
      if (mmhg > peak.mmhg) peak = { t, mmhg };
      if (mmhg < valley.mmhg) valley = { t, mmhg };
    }
    const drawn = series.drawn();
    expect(series.samples).toBe(72_000);
    expect(drawn.t.length).toBeLessThanOrEqual(2000);
    expect(drawn.t.length).toBeGreaterThan(900);
    expect(Math.max(...drawn.mmhg)).toBe(241);
    expect(Math.min(...drawn.mmhg)).toBe(12);
    expect(drawn.t[drawn.mmhg.indexOf(241)]).toBeCloseTo(peak.t, 6);
    for (let i = 1; i < drawn.t.length; i++) expect(drawn.t[i]!).toBeGreaterThan(drawn.t[i - 1]!);
    expect([drawn.mmhg.length, drawn.target.length, drawn.lop.length]).toEqual([drawn.t.length, drawn.t.length, drawn.t.length]);
    // the newest bucket (128 samples, 6.4 s, by then) is drawn too
    expect(drawn.t.at(-1)).toBeGreaterThan(71_999 / 20 - 6.4);
  });

  it("keeps every sample while they fit", () => {
    const series = new DecimatedSeries(100);
    for (let i = 0; i < 80; i++) series.append(i, i * 2, null, null);
    expect(series.drawn().mmhg).toEqual(Array.from({ length: 80 }, (_, i) => i * 2));
  });
});

describe("the audible cues", () => {
  const base: SessionView = { ...initialView("t", "leg", null), plannedSets: [15, 15], restSeconds: 30 };
  const at = (patch: Partial<SessionView>): SessionView => ({ ...base, ...patch });

  it("sounds once when a set starts, again at the next set", () => {
    expect(cuesBetween(at({ phase: "inflate" }), at({ phase: "set", set: 1 }))).toEqual(["set-start"]);
    expect(cuesBetween(at({ phase: "set", set: 1, rep: 3 }), at({ phase: "set", set: 1, rep: 4 }))).toEqual([]);
    expect(cuesBetween(at({ phase: "rest", set: 1, remaining: 0.1 }), at({ phase: "set", set: 2 }))).toEqual(["set-start"]);
  });

  it("sounds when ten seconds of rest are left, once", () => {
    expect(cuesBetween(at({ phase: "rest", set: 1, remaining: 10.1 }), at({ phase: "rest", set: 1, remaining: 9.9 }))).toEqual(["rest-ending"]);
    expect(cuesBetween(at({ phase: "rest", set: 1, remaining: 9.9 }), at({ phase: "rest", set: 1, remaining: 9.8 }))).toEqual([]);
    expect(cuesBetween(at({ phase: "set", set: 1 }), at({ phase: "rest", set: 1, remaining: 8 }))).toEqual([]);
  });

  it("sounds at the end of the session", () => {
    expect(cuesBetween(at({ phase: "deflate" }), at({ phase: "deflate", ended: true }))).toEqual(["session-end"]);
  });
});

describe("reading recordings in the page", () => {
  const header = '{"type":"recording","format":"cuff-recording","version":1,"startedAt":"2026-03-02T09:15:00.000Z","software":"cuff-host 0.1","source":"sim","limb":"leg","plan":{"mode":"sets"},"person":"Ana"}';
  const telemetry = (t: number, mmhg: number) => `{"v":1,"seq":${t},"type":"telemetry","cuff":0,"t":${t},"mmhg":${mmhg},"target":150,"state":"regulating","phase":"set","pump":0.2,"vent":0,"lop":195}`;
  const summary =
    '{"v":1,"seq":99,"type":"summary","cuff":0,"t":90,"summary":{"ok":false,"ending":"fault","fault":"sensor-stuck","endReason":"sensor stuck","lopMmhg":195.2,"targetMmhg":156.1,"sets":[{"planned":30,"reps":30,"seconds":60}],"restrictionSeconds":80,"exerciseWithin10":0.9,"restWithin5":0.95,"peakMmhg":170,"alarms":[]}}';
  const end = '{"type":"session-end","t":90,"outcome":"fault","fault":"sensor-stuck","text":"fault: sensor-stuck","sets":[{"set":1,"planned":30,"reps":30,"seconds":60,"complete":true},{"set":2,"planned":15,"reps":7,"seconds":14,"complete":false}]}';
  const body = [header, telemetry(1, 20), telemetry(2, 160), summary, end].join("\n") + "\n";

  it("tells a session as cuff history does, from the file's first and last bytes", () => {
    const folder = mkdtempSync(join(tmpdir(), "cuff-page-records-"));
    try {
      const path = join(folder, "a.jsonl");
      writeFileSync(path, body);
      const fromFile = readHistoryEntry(path)!;
      const fromSlices = entryFromSlices("a.jsonl", body, null)!;
      expect(fromSlices).toEqual({ ...fromFile, file: "a.jsonl" });
      expect(fromSlices).toMatchObject({ person: "Ana", limb: "leg", outcome: "fault", ended: "fault: sensor-stuck", lopMmhg: 195.2 });
      expect(historyCsv([fromSlices]).split("\n")[1]).toContain("30/30  7/15 (cut short)");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it("reads the end of a long file from its tail, past a line cut by the byte range", () => {
    const s = entryFromSlices("b.jsonl", header + "\n" + telemetry(1, 20).slice(0, 40), `0,"state":"regulating"}\n${telemetry(80, 150)}\n${summary}\n${end}\n`);
    expect(s?.ended).toBe("fault: sensor-stuck");
    expect(entryFromSlices("c.jsonl", telemetry(1, 20), null)).toBeNull();
  });

  it("draws the pressure trace of a recording", () => {
    expect([...tracePoints(body)].map((p) => [p.t, p.mmhg, p.lop])).toEqual([
      [1, 20, 195],
      [2, 160, 195],
    ]);
  });
});
