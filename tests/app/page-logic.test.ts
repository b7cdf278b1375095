/** The page's pure parts: the decimated chart trace, the audible cues, and reading recordings. */
import { describe, expect, it } from "vitest";
import { initialView, type SessionView } from "../../host/display/view.ts";
import { cuesBetween } from "../../host/app/web/cue-rules.ts";
import { DecimatedSeries } from "../../host/app/web/series.ts";
import { sessionsCsv, summariseRecording, tracePoints } from "../../host/app/web/recordings.ts";

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
  const header = '{"type":"recording","format":"cuff-recording","version":1,"startedAt":"2026-03-02T09:15:00.000Z","software":"cuff-host 0.1","source":"sim","limb":"leg","plan":{}}';
  const telemetry = (t: number, mmhg: number) => `{"v":1,"seq":${t},"type":"telemetry","cuff":0,"t":${t},"mmhg":${mmhg},"target":150,"state":"regulating","phase":"set","pump":0.2,"vent":0,"lop":195}`;
  const summary =
    '{"v":1,"seq":99,"type":"summary","cuff":0,"t":90,"summary":{"ok":false,"ending":"fault","fault":"sensor-stuck","endReason":"sensor stuck","lopMmhg":195.2,"targetMmhg":156.1,"sets":[{"planned":30,"reps":30,"seconds":60},{"planned":15,"reps":7,"seconds":14}],"restrictionSeconds":80,"exerciseWithin10":0.9,"restWithin5":0.95,"peakMmhg":170,"alarms":[]}}';

  it("tells when, which limb, the LOP, target, counted/planned reps and how the session ended", () => {
    const body = [header, telemetry(1, 20), telemetry(2, 160), summary].join("\n") + "\n";
    const s = summariseRecording("a.jsonl", body, "");
    expect(s).toEqual({ file: "a.jsonl", startedAt: "2026-03-02T09:15:00.000Z", person: null, limb: "leg", lopMmhg: 195, targetMmhg: 156, sets: "30/30 7/15", ending: "fault: sensor-stuck" });
    expect([...tracePoints(body)].map((p) => p.mmhg)).toEqual([20, 160]);
  });

  it("reads the summary from the tail of a long file, past a line cut by the byte range", () => {
    const s = summariseRecording("b.jsonl", header + "\n" + telemetry(1, 20).slice(0, 40), `0,"state":"regulating"}\n${telemetry(80, 150)}\n${summary}\n`);
    expect(s?.ending).toBe("fault: sensor-stuck");
    expect(summariseRecording("c.jsonl", telemetry(1, 20), "")).toBeNull();
  });

  it("writes one CSV row per session, quoting where needed", () => {
    const csv = sessionsCsv([{ file: "a.jsonl", startedAt: "2026-03-02T09:15:00.000Z", person: 'Ann "A", PT', limb: "arm", lopMmhg: 170, targetMmhg: 85, sets: "15/15", ending: "completed" }]);
    expect(csv.split("\n")[0]).toBe("date,person,limb,lop_mmhg,target_mmhg,sets,ended,file");
    expect(csv.split("\n")[1]).toBe('2026-03-02T09:15:00.000Z,"Ann ""A"", PT",arm,170,85,15/15,completed,a.jsonl');
  });
});
