import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makePortsCommand, scanDevPorts } from "../../host/cli/commands/ports.ts";
import { main } from "../../host/cli/main.ts";
import { loadPlotData } from "../../host/plot/load.ts";
import { phaseSegments } from "../../host/plot/svg.ts";
import { Recorder } from "../../host/record/recorder.ts";
import type { FirmwareMessage } from "../../shared/protocol/index.ts";
import { useTempDirs } from "../temp-dirs.ts";
import { fakeIo } from "./fake-io.ts";

const tempDir = useTempDirs("cuff-rec-");

const env = { v: 1 as const, cuff: 0 };
let seq = 0;
function telemetry(t: number, mmhg: number, phase: "inflate" | "set" | "rest" | "deflate" | "idle", set = 0): FirmwareMessage {
  const target = phase === "idle" || phase === "deflate" ? null : 152;
  return { ...env, seq: seq++, type: "telemetry", t, mmhg, target, state: phase === "idle" ? "vented" : "regulating", phase, pump: 0, vent: 0, lop: 190, set, rep: 0 };
}

/** A short synthetic session: inflate, set 1, rest, set 2, deflate; 20 Hz telemetry. */
function syntheticSession(): FirmwareMessage[] {
  const out: FirmwareMessage[] = [];
  const spans: [number, number, "inflate" | "set" | "rest" | "deflate" | "idle", number][] = [
    [0, 10, "inflate", 0], [10, 40, "set", 1], [40, 70, "rest", 1], [70, 100, "set", 2], [100, 105, "deflate", 2], [105, 107, "idle", 2],
  ];
  for (const [from, to, phase, set] of spans) {
    if (phase === "set" || phase === "rest") out.push({ ...env, seq: seq++, type: "phase", t: from, phase, set, ...(phase === "set" ? { reps: 15 } : { seconds: 30 }) });
    // set 1 counts all 15 reps, set 2 only 12
    if (phase === "set") for (let rep = 1; rep <= (set === 1 ? 15 : 12); rep++) out.push({ ...env, seq: seq++, type: "rep", t: from + 2 * rep, set, rep });
    for (let t = from; t < to; t += 0.05) {
      const mmhg = phase === "inflate" ? (t / 10) * 152 : phase === "set" ? 152 + 10 * Math.sin(t * Math.PI) : phase === "rest" ? 152 : phase === "deflate" ? 152 * (1 - (t - 100) / 5) : 2;
      out.push(telemetry(Number(t.toFixed(2)), mmhg, phase, set));
    }
  }
  out.push({ ...env, seq: seq++, type: "alarm", t: 80, kind: "deviation", severity: "warning", detail: "12 mmHg off for 1.1 s" });
  return out;
}

describe("recording", () => {
  it("hands lines to the OS within half a second of session time, before the file is closed", () => {
    const path = join(tempDir(), "crash.jsonl");
    const rec = new Recorder(path, { startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null });
    for (let i = 0; i <= 30; i++) rec.write(telemetry(i * 0.05, 150, "set", 1)); // 1.5 s of frames
    // the process "crashes" here: nothing closed, nothing flushed on purpose
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { type: string; t?: number });
    expect(lines[0]).toMatchObject({ type: "recording", format: "cuff-recording", version: 1, limb: "leg" });
    const lastT = lines.at(-1)!.t!;
    expect(lastT).toBeGreaterThanOrEqual(1.5 - 0.5);
    rec.write({ ...env, seq: 99, type: "rep", t: 1.52, set: 1, rep: 1 });
    expect(readFileSync(path, "utf8")).toContain('"type":"rep"');
    rec.close();
    expect(readFileSync(path, "utf8").trimEnd().split("\n")).toHaveLength(1 + 31 + 1);
  });
});

describe("cuff plot", () => {
  function recordSynthetic(): string {
    const path = join(tempDir(), "session.jsonl");
    const rec = new Recorder(path, { startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null });
    for (const m of syntheticSession()) rec.write(m);
    rec.close();
    return path;
  }

  it("reads a recording into phases with set numbers, LOP and alarms", () => {
    const data = loadPlotData(recordSynthetic());
    expect(data.lopMmhg).toBe(190);
    expect(data.limb).toBe("leg");
    expect(data.setReps).toEqual({ 1: { planned: 15, counted: 15 }, 2: { planned: 15, counted: 12 } });
    expect(phaseSegments(data.points).map((s) => `${s.phase}${s.phase === "set" ? s.set : ""}`)).toEqual(["inflate", "set1", "rest", "set2", "deflate", "idle"]);
    expect(data.alarms).toEqual([{ t: 80, kind: "deviation" }]);
  });

  it("draws pressure, the +-10 % band, the LOP line, shaded sets and rests, axes and a legend", async () => {
    const input = recordSynthetic();
    const io = fakeIo();
    const code = await main(["plot", input], io);
    expect(code).toBe(0);
    const output = input.replace(/\.jsonl$/, ".svg");
    const frames = syntheticSession().filter((m) => m.type === "telemetry").length;
    expect(io.out.text).toBe(`Wrote ${output} (${frames} samples, 107 s).\n`);
    const svg = readFileSync(output, "utf8");
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1200" height="600"/);
    expect(svg).toContain(">set 1 · 15/15 reps</text>");
    expect(svg).toContain(">set 2 · 12/15 reps</text>");
    expect(svg.match(/>rest<\/text>/g)).toHaveLength(2); // one shaded label, one legend entry
    expect(svg).toContain(">LOP 190 mmHg</text>");
    expect(svg).toContain(">target +-10 %</text>");
    expect(svg).toContain(">pressure (mmHg)</text>");
    expect(svg).toContain(">time since start (min:s)</text>");
    expect(svg).toContain(">! deviation</text>");
    expect(svg).toContain("leg  ·  LOP 190 mmHg  ·  target 152 mmHg (80 % LOP)  ·  2 sets  ·  1:47 long  ·  no end recorded (cut short)");
    // the band spans 0.9-1.1 x target: 136.8-167.2 mmHg on a 0-250 axis
    const band = /<polygon points="([^"]+)"/.exec(svg)![1]!.split(" ").map((p) => Number(p.split(",")[1]));
    const plotTop = 92;
    const plotH = 600 - 92 - 56;
    const mmhgAt = (y: number) => ((plotTop + plotH - y) / plotH) * 250;
    expect(mmhgAt(Math.min(...band))).toBeCloseTo(167.2, 0);
    expect(mmhgAt(Math.max(...band))).toBeCloseTo(136.8, 0);
  });

  it("says how the session ended: its session-end line, or for older recordings an interrupted note", async () => {
    const dir = tempDir();
    const stopped = join(dir, "stopped.jsonl");
    const rec = new Recorder(stopped, { startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null });
    for (const m of syntheticSession()) rec.write(m);
    rec.ended(107, { outcome: "stopped", fault: null, text: "stopped by the user" }, []);
    rec.close();
    expect(loadPlotData(stopped).ended).toBe("stopped by the user");
    const older = join(dir, "older.jsonl");
    const summary = { ok: false, endReason: "deflate requested", lopMmhg: 190, targetMmhg: 152, sets: [], restrictionSeconds: 90, exerciseWithin10: 1, restWithin5: 1, peakMmhg: 160, alarms: [] };
    writeFileSync(
      older,
      [readFileSync(stopped, "utf8").split("\n")[0], JSON.stringify({ type: "host", t: 60, note: "interrupted: deflating" }), JSON.stringify({ ...env, seq: 1, type: "summary", t: 61, summary })]
        .concat(syntheticSession().map((m) => JSON.stringify(m)))
        .join("\n") + "\n",
    );
    expect(loadPlotData(older).ended).toBe("stopped by the user");
    expect(await main(["plot", stopped], fakeIo())).toBe(0);
    expect(readFileSync(stopped.replace(/jsonl$/, "svg"), "utf8")).toContain("1:47 long  ·  stopped by the user");
  });

  it("draws a 10 h recording at 20 Hz (720,000 frames) at the chart's resolution, keeping its extremes", async () => {
    const dir = tempDir();
    const path = join(dir, "long.jsonl");
    const lines = [JSON.stringify({ type: "recording", format: "cuff-recording", version: 1, startedAt: "2026-11-22T10:00:00.000Z", software: "test", source: "sim", limb: "leg", plan: null })];
    const hours = 10;
    for (let i = 0; i < hours * 3600 * 20; i++) {
      const t = i / 20;
      // a held 150 mmHg with one 231 mmHg spike and one 3 mmHg dip that the drawing must keep
      const mmhg = i === 400_000 ? 231 : i === 500_000 ? 3 : 150 + 5 * Math.sin(t);
      lines.push(`{"v":1,"seq":${i % 65536},"type":"telemetry","cuff":0,"t":${t},"mmhg":${mmhg},"target":150,"state":"regulating","phase":"set","pump":0,"vent":0,"set":1,"rep":0}`);
    }
    writeFileSync(path, lines.join("\n") + "\n");
    const io = fakeIo();
    expect(await main(["plot", path, "--json"], io)).toBe(0);
    expect(JSON.parse(io.out.text)).toMatchObject({ ok: true, points: 720_000, seconds: 35999.95 });
    const svg = readFileSync(join(dir, "long.svg"), "utf8");
    const ys = /<polyline points="([^"]+)" fill="none" stroke="#1f3b73"/.exec(svg)![1]!.split(" ").map((p) => Number(p.split(",")[1]));
    // at most a lowest and a highest point per pixel column of the 1100 px plot
    expect(ys.length).toBeLessThanOrEqual(2 * 1101);
    // y of 231 and 3 mmHg on the 0-250 axis: the spike and the dip are drawn
    const yOf = (mmhg: number) => 92 + (600 - 92 - 56) * (1 - mmhg / 250);
    expect(Math.min(...ys)).toBeCloseTo(yOf(231), 0);
    expect(Math.max(...ys)).toBeCloseTo(yOf(3), 0);
    expect(svg).toContain("  ·  10:00:00 long  ·  ");
    expect(svg).toContain(">time since start (h:min:s)</text>");
  }, 120_000);

  it("draws a bench trace CSV, with the LOP given on the command line", async () => {
    const dir = tempDir();
    const rows = ["t,cuff_mmhg,sensor_mmhg,target_mmhg,pump,vent,state,phase"];
    for (let i = 0; i < 3000; i++) {
      const t = i * 0.01;
      const phase = t < 5 ? "inflate" : t < 20 ? "set" : "rest";
      rows.push(`${t.toFixed(2)},${(phase === "inflate" ? t * 30 : 150).toFixed(2)},150.1,${phase === "inflate" ? "" : "150.00"},0.1,0,regulating,${phase}`);
    }
    writeFileSync(join(dir, "trace.csv"), rows.join("\n") + "\n");
    const io = fakeIo();
    expect(await main(["plot", join(dir, "trace.csv"), "--lop", "188", "--output", join(dir, "out.svg"), "--json"], io)).toBe(0);
    expect(JSON.parse(io.out.text)).toEqual({ type: "summary", ok: true, output: join(dir, "out.svg"), points: 3000, seconds: 29.99 });
    const svg = readFileSync(join(dir, "out.svg"), "utf8");
    expect(svg).toContain(">LOP 188 mmHg</text>");
    expect(svg).toContain(">cuff pressure (simulated, true)</text>");
    // 3000 samples drawn at the chart's resolution, not one vertex each
    const vertices = /<polyline points="([^"]+)" fill="none" stroke="#1f3b73"/.exec(svg)![1]!.split(" ").length;
    expect(vertices).toBeLessThan(2 * 1100);
  });

  it("says what is wrong with a file it cannot draw, exit 1", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "notes.txt"), "hello\n");
    const io = fakeIo();
    expect(await main(["plot", join(dir, "notes.txt")], io)).toBe(1);
    expect(io.err.text).toBe(`cuff plot: ${join(dir, "notes.txt")} is neither a session recording (JSON lines from --record) nor a bench trace (CSV from cuff bench --trace).\n`);
    const missing = fakeIo();
    expect(await main(["plot", join(dir, "nope.jsonl")], missing)).toBe(1);
    expect(missing.err.text).toBe(`cuff plot: there is no file ${join(dir, "nope.jsonl")}.\n`);
  });
});

describe("cuff ports", () => {
  it("without udev, lists /dev ports described from /dev/serial/by-id", async () => {
    const dev = tempDir();
    for (const name of ["ttyUSB0", "ttyACM1", "tty0", "null"]) writeFileSync(join(dev, name), "");
    mkdirSync(join(dev, "serial", "by-id"), { recursive: true });
    symlinkSync("../../ttyUSB0", join(dev, "serial", "by-id", "usb-1a86_USB_Serial_A50285BI-if00-port0"));
    expect(scanDevPorts(dev).map((p) => p.path)).toEqual([join(dev, "ttyACM1"), join(dev, "ttyUSB0")]);
    const command = makePortsCommand(async () => {
      throw new Error("spawn udevadm ENOENT");
    }, dev);
    const io = fakeIo();
    expect(await command.run([], io)).toBe(0);
    expect(io.out.lines()).toEqual([
      `${join(dev, "ttyACM1")}  USB CDC-ACM device (Arduino Leonardo/Micro/Uno R4, native-USB boards)  <- looks like a cuff board: --board ${join(dev, "ttyACM1")}`,
      `${join(dev, "ttyUSB0")}  1a86 USB Serial (serial A50285BI)  <- looks like a cuff board: --board ${join(dev, "ttyUSB0")}`,
    ]);
    expect(io.err.text).toBe("(udev is not available here, so ports were found in /dev and described from /dev/serial/by-id)\n");
  });

  it("with the system listing, shows manufacturer and USB ids and which flag each port takes; --json gives one object per port", async () => {
    const command = makePortsCommand(async () => [
      { path: "/dev/ttyUSB0", manufacturer: "FTDI", serialNumber: "A50285BI", vendorId: "0403", productId: "6001", pnpId: undefined, locationId: undefined },
      { path: "/dev/rfcomm0", manufacturer: undefined, serialNumber: undefined, vendorId: undefined, productId: undefined, pnpId: undefined, locationId: undefined },
      { path: "/dev/ttyS0", manufacturer: undefined, serialNumber: undefined, vendorId: undefined, productId: undefined, pnpId: undefined, locationId: undefined },
    ]);
    const io = fakeIo();
    expect(await command.run(["--json"], io)).toBe(0);
    expect(io.out.lines().map((l) => JSON.parse(l))).toEqual([
      { type: "port", path: "/dev/ttyUSB0", description: "FTDI", manufacturer: "FTDI", serialNumber: "A50285BI", vendorId: "0403", productId: "6001", looksLike: "board", flag: "--board" },
      { type: "port", path: "/dev/rfcomm0", description: "Bluetooth serial (SPP)", looksLike: "link", flag: "--port" },
      { type: "port", path: "/dev/ttyS0", description: "built-in serial port (often not connected)", looksLike: null, flag: null },
      { type: "summary", count: 3, source: "serialport" },
    ]);
    const text = fakeIo();
    expect(await command.run([], text)).toBe(0);
    expect(text.out.lines()).toEqual([
      "/dev/ttyUSB0  FTDI  [0403:6001 A50285BI]  <- looks like a cuff board: --board /dev/ttyUSB0",
      "/dev/rfcomm0  Bluetooth serial (SPP)  <- a Bluetooth link: --port /dev/rfcomm0",
      "/dev/ttyS0    built-in serial port (often not connected)",
    ]);
  });
});
