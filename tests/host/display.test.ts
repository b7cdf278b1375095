import { describe, expect, it } from "vitest";
import { PlanSchema } from "../../shared/plan.ts";
import { renderDashboard, renderSummary, stripAnsi } from "../../host/display/render.ts";
import { LiveDisplay } from "../../host/display/terminal.ts";
import { foldEvent, foldTelemetry, initialView, sessionProgress } from "../../host/display/view.ts";
import { Capture } from "./fake-io.ts";

const plan = PlanSchema.parse({ sets: [30, 15, 15, 15], restSeconds: 30, target: { percentLop: 80 } });
const base = { v: 1 as const, seq: 0, cuff: 0 };

function telemetry(t: number, mmhg: number, phase: "set" | "rest" | "inflate", extra: Record<string, number> = {}) {
  return { ...base, type: "telemetry" as const, t, mmhg, target: 152, state: "regulating" as const, phase, pump: 0.2, vent: 0, lop: 190, ...extra };
}

function midSet() {
  let v = initialView("cuff demo - leg, 80 % LOP, 30-15-15-15, rest 30 s", "leg", plan);
  v = foldTelemetry(v, telemetry(40, 0, "inflate"));
  v = foldEvent(v, { ...base, type: "phase", t: 50, phase: "set", set: 1, reps: 30 });
  v = foldEvent(v, { ...base, type: "phase", t: 112, phase: "rest", set: 1, seconds: 30 });
  v = foldEvent(v, { ...base, type: "phase", t: 142, phase: "set", set: 2, reps: 15 });
  v = foldEvent(v, { ...base, type: "rep", t: 156, set: 2, rep: 7 });
  return foldTelemetry(v, telemetry(156.5, 150.4, "set", { set: 2, rep: 7 }));
}

describe("live display text", () => {
  it("shows pressure against target with its band, % of LOP, set and rep, and progress", () => {
    const lines = renderDashboard(midSet(), { width: 80, color: false });
    expect(lines[0]).toBe("cuff demo - leg, 80 % LOP, 30-15-15-15, rest 30 s");
    expect(lines[2]).toMatch(/^SET 2 of 4   rep 7\/15   \(Enter: set done\) +state regulating$/);
    expect(lines[3]).toBe("pressure  150 mmHg = 79 % of LOP 190   target 152 (137-167) in band");
    // gauge: band brackets around the target, the pressure marker inside, LOP marked L
    expect(lines[4]).toMatch(/^0 -+\[=*#?=*\|?=*\]-*L-* 250 mmHg$/);
    expect(lines[4]!.indexOf("#")).toBeGreaterThan(lines[4]!.indexOf("["));
    expect(lines[4]!.indexOf("#")).toBeLessThan(lines[4]!.indexOf("]"));
    // 30 reps + 30 s rest + 7 reps done of 150 s of reps and 90 s of rest
    expect(sessionProgress(midSet())).toBeCloseTo((60 + 30 + 14) / 240, 5);
    expect(lines[5]).toBe("  # pressure   [=|=] target +-10 %   L limb occlusion pressure");
    expect(lines[6]).toMatch(/^session #+\.+  43 %   1:57 elapsed$/);
  });

  it("counts the rest down and says the cuff stays inflated", () => {
    let v = midSet();
    v = foldEvent(v, { ...base, type: "phase", t: 175, phase: "rest", set: 2, seconds: 30 });
    // during a rest the firmware's telemetry names the set just done
    v = foldTelemetry(v, telemetry(187, 153, "rest", { set: 2, remaining: 18.2 }));
    const lines = renderDashboard(v, { width: 80, color: false });
    expect(lines[2]).toMatch(/^REST after set 2   0:18 left   \(the cuff stays inflated\)/);
    // sets 1-2 (90 s of reps), the first rest (30 s) and 11.8 s of this one, of 240 s
    expect(sessionProgress(v)).toBeCloseTo((90 + 30 + 11.8) / 240, 5);
  });

  it("shows alarms loudly, in red on a colour terminal", () => {
    let v = midSet();
    v = foldEvent(v, { ...base, type: "alarm", t: 160, kind: "leak", severity: "fault", detail: "pressure falls 40 mmHg/min" });
    const plain = renderDashboard(v, { width: 80, color: false });
    expect(plain.at(-1)).toBe("!! FAULT leak: pressure falls 40 mmHg/min !!");
    const coloured = renderDashboard(v, { width: 80, color: true });
    expect(coloured.at(-1)).toContain("\x1b[1;97;41m!! FAULT leak");
    // the fault vents the cuff; the bar stays where the session stopped
    const before = sessionProgress(v);
    v = foldEvent(v, { ...base, type: "state", t: 160, from: "regulating", to: "fault", phase: "fault", cause: "fault", reason: "fault: leak" });
    v = foldEvent(v, { ...base, type: "summary", t: 163, summary: { ok: false, ending: "fault", fault: "leak", endReason: "fault: leak", lopMmhg: 190, targetMmhg: 152, sets: [], restrictionSeconds: 120, exerciseWithin10: null, restWithin5: null, peakMmhg: null, alarms: [] } });
    expect(sessionProgress(v)).toBe(before);
    expect(renderDashboard(v, { width: 80, color: false })[2]).toMatch(/^ FAULT - cuff vented /);
  });

  it("wraps a long alarm and never draws a line wider than the terminal (a wrapped line would break the redraw)", () => {
    let v = midSet();
    v = foldEvent(v, { ...base, type: "alarm", t: 160, kind: "valve-stuck-closed", severity: "fault", detail: "vent valve does not open: pressure stays at 158 mmHg; press the emergency deflate button" });
    for (const width of [60, 80, 120]) {
      const lines = renderDashboard(v, { width, color: true }).map(stripAnsi);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(Math.min(width, 100));
      expect(lines.filter((l) => l.startsWith("!! FAULT valve-stuck-closed")).length).toBe(1);
      expect(lines.join(" ")).toContain("press the emergency deflate button !!");
    }
  });

  it("marks a pressure above LOP in red and outside the band", () => {
    const v = foldTelemetry(midSet(), telemetry(157, 195, "set"));
    const lines = renderDashboard(v, { width: 80, color: true });
    expect(stripAnsi(lines[3]!)).toContain("195 mmHg = 103 % of LOP 190   target 152 (137-167) OUT of band");
    expect(lines[3]).toContain("\x1b[1;97;41m 195 mmHg");
  });

  it("writes plain lines, no escape codes, when stdout is not a terminal", () => {
    const out = new Capture(false);
    const display = new LiveDisplay(out, initialView("t", "leg", plan), {});
    display.telemetry(telemetry(40, 0, "inflate"));
    display.event({ ...base, type: "lop-result", t: 41, ok: true, mmhg: 190, quality: 0.9, reason: "ok", durationSeconds: 35 });
    display.event({ ...base, type: "phase", t: 50, phase: "set", set: 1, reps: 30 });
    for (let rep = 1; rep <= 10; rep++) display.event({ ...base, type: "rep", t: 50 + rep * 2, set: 1, rep });
    display.event({ ...base, type: "alarm", t: 71, kind: "deviation", severity: "warning", detail: "12 mmHg off target for 1.1 s" });
    display.finish();
    expect(out.text).not.toMatch(/\x1b/);
    expect(out.lines()).toEqual([
      "[0:00] pressure 0 mmHg, target 152 (0 % LOP)",
      "[0:01] LOP 190 mmHg (quality 0.90, 35 s)",
      "[0:10] set 1 of 4: 30 reps at 152 mmHg",
      "[0:20] set 1 rep 5/30",
      "[0:30] set 1 rep 10/30",
      "[0:31] !! WARNING deviation: 12 mmHg off target for 1.1 s !!",
    ]);
  });

  it("redraws in place on a terminal", () => {
    const out = new Capture(true, 90);
    const display = new LiveDisplay(out, initialView("t", "leg", plan), {});
    display.event({ ...base, type: "phase", t: 50, phase: "set", set: 1, reps: 30 });
    display.event({ ...base, type: "phase", t: 112, phase: "rest", set: 1, seconds: 30 });
    display.finish();
    // the second frame moves the cursor up over the first and clears it
    expect(out.text).toMatch(/\x1b\[\d+F\x1b\[J/);
    expect(out.text.startsWith("\x1b[?25l")).toBe(true);
    expect(out.text.endsWith("\x1b[?25h")).toBe(true);
  });

  it("summarises a session in words and numbers", () => {
    const lines = renderSummary({
      ok: true, ending: "completed", endReason: "plan complete", lopMmhg: 190, targetMmhg: 152,
      sets: [{ planned: 30, reps: 30, seconds: 61 }, { planned: 15, reps: 15, seconds: 31 }],
      restrictionSeconds: 312, exerciseWithin10: 0.993, restWithin5: 1, peakMmhg: 163, alarms: [],
    });
    expect(lines).toEqual([
      "Session complete.",
      "  end:          plan complete",
      "  LOP:          190 mmHg",
      "  target:       152 mmHg (80 % of LOP)",
      "  sets:         30/30  15/15",
      "  restriction:  5:12 (min:s)",
      "  in band:      99 % of exercise time within +-10 %, 100 % of rest within +-5 %",
      "  peak:         163 mmHg",
    ]);
  });
});
