import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { LopProgress, lopProgressLine } from "../../host/display/lop-progress.ts";
import type { TelemetryMessage } from "../../shared/protocol/index.ts";

const frame = (t: number, mmhg: number, extra: Partial<TelemetryMessage> = {}): TelemetryMessage => ({
  v: 1,
  seq: 0,
  type: "telemetry",
  cuff: 0,
  t,
  mmhg,
  target: null,
  state: "lop",
  phase: "lop",
  pump: 0.4,
  vent: 0,
  lopStep: "ramping",
  ...extra,
});

function sink(tty: boolean) {
  const out = Object.assign(new PassThrough(), { isTTY: tty });
  let text = "";
  out.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { out, text: () => text };
}

describe("cuff lop's live line", () => {
  it("says the pressure first, then what the cuff is doing and the distal pulse", () => {
    expect(lopProgressLine(frame(1, 12.4, { lopStep: "filling" }))).toBe("  12 mmHg  inflating to the ramp's start");
    expect(lopProgressLine(frame(9, 151, { distalPulse: "fading" }))).toBe(" 151 mmHg  inflating slowly, reading the pulsations, distal pulse fading");
    expect(lopProgressLine(frame(20, 96, { state: "deflating", phase: "deflate", lopStep: undefined, distalPulse: "gone" }))).toBe("  96 mmHg  deflating, distal pulse gone");
    expect(lopProgressLine(frame(12, 160, { lopStep: "retreating" }))).toBe(" 160 mmHg  venting a little to measure again after movement");
  });

  it("on a terminal: one line redrawn in place, left on screen at the end", async () => {
    const { out, text } = sink(true);
    const progress = new LopProgress(out, {});
    progress.telemetry(frame(1, 40));
    await new Promise((resolve) => setTimeout(resolve, 120));
    progress.telemetry(frame(2, 52));
    progress.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toBe("\r  40 mmHg  inflating slowly, reading the pulsations\x1b[K\r  52 mmHg  inflating slowly, reading the pulsations\x1b[K\n");
  });

  it("elsewhere: a line when what it does changes, and the pressure every 5 s", async () => {
    const { out, text } = sink(false);
    const progress = new LopProgress(out, {});
    for (let t = 0; t <= 12; t += 0.05) progress.telemetry(frame(t, 40 + 5 * t, t > 11 ? { distalPulse: "gone" } : {}));
    await new Promise((resolve) => setImmediate(resolve));
    expect(text().trimEnd().split("\n")).toEqual([
      "40 mmHg  inflating slowly, reading the pulsations",
      "65 mmHg  inflating slowly, reading the pulsations",
      "90 mmHg  inflating slowly, reading the pulsations",
      "95 mmHg  inflating slowly, reading the pulsations, distal pulse gone",
    ]);
  });
});
