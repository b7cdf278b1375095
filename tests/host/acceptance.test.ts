/** `cuff acceptance`: the bench acceptance walk-through of hardware/CALIBRATION.md, on the simulated cuff in virtual time. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AcceptanceRecordSchema, type StepResult } from "../../host/acceptance/record.ts";
import { makeAcceptanceCommand } from "../../host/cli/commands/acceptance.ts";
import { openLink, type OpenLink } from "../../host/cli/link.ts";
import { main } from "../../host/cli/main.ts";
import { useTempDirs } from "../temp-dirs.ts";
import { fakeIo } from "./fake-io.ts";

const tempDir = useTempDirs("cuff-acceptance-");

// The walk of a cuff with both pressure sensors, in the order a person does it.
const STEPS_OF_A_TWO_SENSOR_CUFF = [
  "zero",
  "zero, second sensor",
  "span 100 mmHg",
  "span 100 mmHg, second sensor",
  "span 200 mmHg",
  "span 200 mmHg, second sensor",
  "span 300 mmHg (at 290)",
  "span 300 mmHg (at 290), second sensor",
  "leak at 300 mmHg",
  "relief valve",
  "deflation 260 -> 15 mmHg",
  "guard trips when the USB cable is pulled",
];

async function cuff(args: string[], options: Parameters<typeof fakeIo>[0] = {}) {
  const io = fakeIo(options);
  const code = await main(args, io);
  return { code, out: io.out.text, err: io.err.text, io };
}

function readRecord(path: string) {
  return AcceptanceRecordSchema.parse(JSON.parse(readFileSync(path, "utf8")));
}

function step(steps: StepResult[], name: string): StepResult {
  const found = steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step "${name}" in ${steps.map((s) => s.name).join(", ")}`);
  return found;
}

describe("cuff acceptance on the simulated cuff", () => {
  it("walks through every step unattended, passes, and records it in the profile folder's acceptance/", async () => {
    const profile = tempDir();
    const r = await cuff(["acceptance", "--sim", "--speed", "max", "--json"], { env: { CUFF_PROFILE_DIR: profile } });
    expect(r.err).not.toMatch(/cuff acceptance:/);
    // a failed step shows here with the firmware's reason
    expect(r.out.split("\n").filter((l) => l.includes('"verdict":"fail"'))).toEqual([]);
    expect(r.code).toBe(0);

    const lines = r.out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines.slice(0, -1).every((l) => l.type === "step")).toBe(true);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: "summary", ok: true, failed: 0, skipped: 0, manual: 2, passed: 10 });

    const files = readdirSync(join(profile, "acceptance"));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-simulated\.json$/);
    expect(summary.record).toBe(join(profile, "acceptance", files[0]!));
    const record = readRecord(join(profile, "acceptance", files[0]!));
    expect(record.ok).toBe(true);
    expect(record.source).toBe("sim:built-in simulated cuff");
    expect(record.steps.map((s) => s.name)).toEqual(STEPS_OF_A_TWO_SENSOR_CUFF);

    expect(Math.abs(step(record.steps, "zero").measured!)).toBeLessThanOrEqual(0.5);
    for (const name of ["span 100 mmHg", "span 200 mmHg", "span 300 mmHg (at 290)"]) {
      const s = step(record.steps, name);
      expect(s.verdict).toBe("pass");
      expect(Math.abs(s.measured!)).toBeLessThanOrEqual(3);
    }
    expect(step(record.steps, "span 300 mmHg (at 290)").detail).toMatch(/checked at 290 mmHg because the firmware holds at most 10 mmHg below its 300 mmHg ceiling/);
    for (const name of ["leak at 300 mmHg", "relief valve"]) {
      expect(step(record.steps, name)).toMatchObject({ verdict: "manual", measured: null });
    }

    const deflation = step(record.steps, "deflation 260 -> 15 mmHg");
    expect(deflation.verdict).toBe("pass");
    expect(deflation.measured!).toBeGreaterThan(0.5);
    expect(deflation.measured!).toBeLessThanOrEqual(10);
    expect(deflation.detail).toMatch(/sensor reads low while venting fast/);
    // the simulator's true pressure is timed too, and the step is judged on the slower of the two
    const truth = Number(/true pressure took ([\d.]+) s/.exec(deflation.detail)![1]);
    const sensor = Number(/^([\d.]+) s from the deflate command/.exec(deflation.detail)![1]);
    expect(deflation.measured).toBeCloseTo(Math.max(truth, sensor), 2);

    const guard = step(record.steps, "guard trips when the USB cable is pulled");
    expect(guard.verdict).toBe("pass");
    expect(guard.measured!).toBeLessThan(15);
    expect(guard.detail).toMatch(/^the firmware reported board-lost; the gauge read/);

    for (const s of record.steps) expect(Date.parse(s.at)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
  });

  it("a sensor that drifted 8 mmHg after zeroing fails the span check: exit 1, recorded", async () => {
    const dir = tempDir();
    const scenario = join(dir, "drifting-sensor.json");
    // the sensor warms up after the zero: +8 mmHg between 15 s and 45 s, then stays there
    writeFileSync(scenario, JSON.stringify({ name: "drifting sensor", faults: [{ kind: "sensor-drift", at: 15, until: 45, mmhgPerMin: 16 }] }));
    const recordPath = join(dir, "bad.json");
    const r = await cuff(["acceptance", "--sim", "--scenario", scenario, "--speed", "max", "--record", recordPath]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL +span 100 mmHg: [\d.]+ mmHg/);
    expect(r.out).toMatch(/NOT ACCEPTED: /);

    const record = readRecord(recordPath);
    expect(record.ok).toBe(false);
    expect(record.source).toBe("sim:drifting sensor");
    expect(step(record.steps, "zero").verdict).toBe("pass");
    const span = step(record.steps, "span 100 mmHg");
    expect(span.verdict).toBe("fail");
    expect(span.measured!).toBeGreaterThan(6);
    expect(span.measured!).toBeLessThan(10);
  });

  it("Ctrl-C during a hold vents the cuff, records what was done and exits 130", async () => {
    const dir = tempDir();
    const recordPath = join(dir, "interrupted.json");
    const io = fakeIo();
    let trueAtExit = Number.NaN;
    const command = makeAcceptanceCommand({
      now: () => new Date(),
      openLink: async (choice) => {
        const link = await openLink(choice);
        // press Ctrl-C once the cuff holds the first span point
        link.client.telemetry$.subscribe((m) => {
          if (m.state === "regulating" && m.mmhg > 95) io.interrupt();
        });
        const close = link.close.bind(link);
        return {
          ...link,
          close: async () => {
            trueAtExit = link.sim!.plant.trueMmhg();
            await close();
          },
        };
      },
    });
    const code = await command.run(["--sim", "--speed", "max", "--record", recordPath], io);
    expect(code).toBe(130);
    expect(io.err.text).toMatch(/^The cuff is vented \(\d+ mmHg\)\.$/m);
    expect(trueAtExit).toBeLessThan(15);
    const record = readRecord(recordPath);
    expect(record.ok).toBe(false);
    expect(record.steps.map((s) => s.name)).toEqual(["zero", "zero, second sensor"]);
  });
});

/** A firmware on a build without a second sensor: its telemetry carries no second reading. */
function withoutSecondSensorTelemetry(link: OpenLink): OpenLink {
  const controller = link.sim!.stack.controller;
  const snapshot = controller.snapshot.bind(controller);
  controller.snapshot = (t: number) => ({ ...snapshot(t), secondaryMmhg: null });
  return link;
}

describe("cuff acceptance with a firmware that reports its second sensor", () => {
  async function walk(scenario: object) {
    const dir = tempDir();
    const scenarioPath = join(dir, "scenario.json");
    writeFileSync(scenarioPath, JSON.stringify(scenario));
    const recordPath = join(dir, "record.json");
    const io = fakeIo();
    const command = makeAcceptanceCommand({ now: () => new Date(), openLink });
    const code = await command.run(["--sim", "--scenario", scenarioPath, "--speed", "max", "--record", recordPath], io);
    return { code, out: io.out.text, record: readRecord(recordPath) };
  }

  it("zeroes and span-checks the second sensor too, against the gauge and the first sensor: a good pair passes", async () => {
    const { code, record } = await walk({ name: "good pair", hardware: { secondarySensorOffsetMmhg: 6 } });
    expect(code).toBe(0);
    expect(record.steps.map((s) => s.name)).toEqual(STEPS_OF_A_TWO_SENSOR_CUFF);
    // Its own 6 mmHg offset is zeroed away; its 10-bit steps widen its spread a little.
    expect(Math.abs(step(record.steps, "zero, second sensor").measured!)).toBeLessThanOrEqual(0.5);
    for (const name of ["span 100 mmHg, second sensor", "span 200 mmHg, second sensor", "span 300 mmHg (at 290), second sensor"]) {
      expect(step(record.steps, name)).toMatchObject({ verdict: "pass" });
      expect(Math.abs(step(record.steps, name).measured!)).toBeLessThanOrEqual(3);
    }
  });

  it("a second sensor drifting 2 mmHg/min fails the walk: off from the first sensor at 200 mmHg, and the firmware stops the 290 mmHg hold when the two disagree: exit 1", async () => {
    const { code, out, record } = await walk({ name: "second sensor drifting", hardware: { secondarySensorSpanErrorPercent: 1, secondarySensorDriftMmhgPerMin: 2 } });
    expect(code).toBe(1);
    expect(out).toMatch(/NOT ACCEPTED/);
    expect(step(record.steps, "span 100 mmHg, second sensor").verdict).toBe("pass");
    const at200 = step(record.steps, "span 200 mmHg, second sensor");
    expect(at200.verdict).toBe("fail");
    expect(at200.measured!).toBeGreaterThan(3);
    expect(at200.detail).toMatch(/from the first sensor/);
    // The first sensor itself is fine until the firmware vents on the disagreement.
    expect(step(record.steps, "span 200 mmHg").verdict).toBe("pass");
    expect(record.steps.find((s) => s.verdict === "fail" && /sensor-disagreement/.test(s.detail ?? ""))).toBeDefined();
  });

  it("without the second reading in the telemetry, the walk says so and judges the first sensor alone", async () => {
    const dir = tempDir();
    const recordPath = join(dir, "record.json");
    const io = fakeIo();
    const command = makeAcceptanceCommand({ now: () => new Date(), openLink: async (choice) => withoutSecondSensorTelemetry(await openLink(choice)) });
    await command.run(["--sim", "--speed", "max", "--record", recordPath], io);
    const record = readRecord(recordPath);
    expect(step(record.steps, "zero").detail).toMatch(/the firmware reports no second sensor reading/);
    expect(record.steps.map((s) => s.name).filter((name) => name.includes("second sensor"))).toEqual([]);
  });
});

describe("cuff acceptance on a real port", () => {
  it("without a terminal and without --skip-manual, stops before touching the port with one sentence, exit 1", async () => {
    const profile = tempDir();
    const r = await cuff(["acceptance", "--port", "/dev/ttyNOPE7"], { env: { CUFF_PROFILE_DIR: profile } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "cuff acceptance: there is no terminal to type the gauge readings on: run cuff acceptance at a terminal, or add --skip-manual to run only the steps that need nobody at the bench.\n",
    );
    expect(r.out).toBe("");
    expect(existsSync(join(profile, "acceptance"))).toBe(false);
  });

  it("at a terminal, prompts the person at each step and judges the readings they type", async () => {
    const dir = tempDir();
    const recordPath = join(dir, "bench.json");
    const io = fakeIo({ stdinTty: true });
    let link: OpenLink | null = null;
    // the port is the simulated cuff; the test plays the builder: Enter, the gauge (true pressure, whole mmHg), the cable
    const command = makeAcceptanceCommand({
      now: () => new Date(),
      // a build without the second sensor: the walk judges the first sensor alone
      openLink: async () => (link = withoutSecondSensorTelemetry(await openLink({ sim: true, speed: Number.POSITIVE_INFINITY, bench: true }))),
    });
    const type = (line: string) => setImmediate(() => io.input.write(line + "\n"));
    const gauge = () => String(Math.round(link!.sim!.plant.trueMmhg()));
    const prompts: string[] = [];
    const write = io.out._write.bind(io.out);
    io.out._write = (chunk: Buffer, encoding: BufferEncoding, callback: () => void) => {
      write(chunk, encoding, callback);
      const text = chunk.toString("utf8");
      if (/press Enter[^:]*: $/i.test(text)) {
        prompts.push("enter");
        type("");
      } else if (/mmHg: $/.test(text)) {
        prompts.push("reading");
        type(gauge());
      } else if (/Pull the USB cable between the laptop and the board NOW/.test(text)) {
        prompts.push("pull");
        link!.sim!.stack.board.unplug();
      }
    };
    const code = await command.run(["--port", "/dev/ttyUSB0", "--record", recordPath], io);

    const record = readRecord(recordPath);
    for (const name of ["zero", "span 100 mmHg", "span 200 mmHg", "span 300 mmHg (at 290)", "deflation 260 -> 15 mmHg", "guard trips when the USB cable is pulled"]) {
      expect(step(record.steps, name).verdict, `${name}: ${step(record.steps, name).detail}`).toBe("pass");
    }
    // a gauge read to the whole mmHg is still within 3 mmHg of the sensor
    expect(Math.abs(step(record.steps, "span 200 mmHg").measured!)).toBeLessThanOrEqual(3);
    // nobody can pump the simulated cuff with a bulb: the hand-made steps see an empty cuff and fail
    expect(step(record.steps, "leak at 300 mmHg")).toMatchObject({ verdict: "fail", detail: expect.stringMatching(/pump it to 300 mmHg with the exhaust plugged/) });
    expect(step(record.steps, "relief valve").verdict).toBe("fail");
    expect(code).toBe(1);
    expect(prompts).toEqual(["enter", "enter", "reading", "reading", "reading", "enter", "enter", "enter", "enter", "enter", "pull", "reading"]);
    expect(io.out.text).toMatch(/NOT ACCEPTED: 6 passed, 2 failed, 0 skipped, 0 by hand\./);
  });

  it("with --skip-manual and no terminal, runs the zero and the deflation and records the rest as skipped", async () => {
    const dir = tempDir();
    const recordPath = join(dir, "auto.json");
    // the port is the simulated cuff, but the command treats it as real: no gauge, no cable to pull
    const command = makeAcceptanceCommand({ now: () => new Date(), openLink: async () => withoutSecondSensorTelemetry(await openLink({ sim: true, speed: Number.POSITIVE_INFINITY, bench: true })) });
    const io = fakeIo();
    const code = await command.run(["--port", "/dev/ttyUSB0", "--skip-manual", "--record", recordPath], io);
    expect(code).toBe(0);
    const record = readRecord(recordPath);
    expect(record.ok).toBe(true);
    const verdicts = Object.fromEntries(record.steps.map((s) => [s.name, s.verdict]));
    expect(verdicts).toEqual({
      zero: "pass",
      "span 100 mmHg": "skipped",
      "span 200 mmHg": "skipped",
      "span 300 mmHg (at 290)": "skipped",
      "leak at 300 mmHg": "skipped",
      "relief valve": "skipped",
      "deflation 260 -> 15 mmHg": "pass",
      "guard trips when the USB cable is pulled": "skipped",
    });
    expect(step(record.steps, "span 100 mmHg").detail).toBe("skipped: needs a person at the gauge");
    expect(step(record.steps, "deflation 260 -> 15 mmHg").detail).toMatch(/time the gauge with a stopwatch/);
    expect(io.out.text).toMatch(/ACCEPTED: 2 passed, 0 failed, 6 skipped, 0 by hand\./);
  });
});

describe("cuff acceptance usage", () => {
  it("--help names the steps with their limits and units, the options, exit codes and examples", async () => {
    const r = await cuff(["acceptance", "--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: cuff acceptance \(--port PATH \| --sim \[--scenario FILE\]\)/);
    expect(r.out).toMatch(/\|device - gauge\| <= 3 mmHg/);
    expect(r.out).toMatch(/checked at 290 mmHg/);
    expect(r.out).toMatch(/under 15 mmHg within 10 s\s+\(aim 5 s on the thigh cuff\)/);
    expect(r.out).toMatch(/--speed N .*default max/);
    expect(r.out).toMatch(/--skip-manual/);
    expect(r.out).toMatch(/Exit codes: 0 every step passed/);
    expect(r.out).toMatch(/Examples:\n  cuff acceptance --port \/dev\/pts\/5/);
  });

  it("bad usage exits 2 with one sentence", async () => {
    const r = await cuff(["acceptance", "--sim", "--port", "/dev/ttyUSB0"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("cuff acceptance: use either --port PATH or --sim, not both.\n");
  });
});
