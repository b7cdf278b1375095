/**
 * The bench acceptance walk-through of hardware/CALIBRATION.md, driven over the
 * cuff link with the firmware's own commands (zero, hold, deflate, status,
 * ack-fault). A Bench stands for what the program cannot do itself: a person
 * who plugs, pumps and reads the reference gauge, or, on the simulator, the
 * simulated cuff's true pressure as the gauge and its board cable to pull.
 */
import { filter, map, merge } from "rxjs";
import type { Clock } from "../../shared/clock.ts";
import { DEFLATED_MMHG, HARD_CEILING_MMHG, MAX_TARGET_MMHG, TARGET_MARGIN_MMHG } from "../../shared/limits.ts";
import type { CuffClient } from "../client/client.ts";
import { NackError } from "../client/errors.ts";
import { checkIdle, waitVented, zeroCuff } from "../session/runner.ts";
import { abortable, InterruptedError, waitFor } from "../session/wait.ts";
import { ACCEPTANCE_LIMITS as L, mean, standardDeviation, type StepResult, type Verdict } from "./record.ts";
import { judgeSecondSpan, judgeSecondZero, NO_SECOND_READING } from "./second-sensor.ts";

export interface Bench {
  /** Someone at the bench answers prompts. */
  person: boolean;
  /** An instruction or a note for the person at the bench. */
  say(text: string): void;
  /** Waits for Enter; false when nobody can answer (stdin ended). */
  confirm(prompt: string): Promise<boolean>;
  /** A reading typed in mmHg; null when nobody can answer. */
  askMmhg(prompt: string): Promise<number | null>;
  /** The reference gauge read by the program (the simulator's true cuff pressure), if there is one. */
  gaugeMmhg: (() => number) | null;
  /** Pull the USB cable between the computer and the board (the simulator acts it out). */
  pullBoardCable: (() => void) | null;
}

export interface WalkOptions {
  client: CuffClient;
  clock: Clock;
  bench: Bench;
  signal: AbortSignal;
  now: () => Date;
  /** Each step as soon as it is judged. */
  onStep(step: StepResult): void;
}

/** The options plus what the firmware last said when it latched a fault. */
interface Walk extends WalkOptions {
  lastFault: string | null;
  /** Warnings the firmware raised since the step cleared them (slow-leak during a hold: the vent valve's seat). */
  warnings: Set<string>;
}

/** The top point is the highest target the firmware holds (shared/limits.ts). */
export const SPAN_POINTS_MMHG = [100, 200, MAX_TARGET_MMHG] as const;
/** CALIBRATION.md step 4: compressed air cools and the foam settles before a reading. */
const SPAN_SETTLE_SECONDS = 30;
const ZERO_CHECK_SECONDS = 10;
const LEAK_CREEP_SECONDS = 60;
const READING_SECONDS = 2;
const REACH_SECONDS = 120;
const CABLE_PULL_WAIT_SECONDS = 120;
const NEEDS_PERSON = "skipped: needs a person at the gauge";

class StepFailed extends Error {}

/** Records one judged step (the walk adds the time). */
type Note = (step: Omit<StepResult, "at">) => void;

const round = (value: number, digits = 1) => Number(value.toFixed(digits)) || 0;
/** One decimal, never "-0.0". */
const fixed = (value: number) => round(value).toFixed(1);
const signed = (value: number) => `${round(value) >= 0 ? "+" : ""}${fixed(value)}`;

/** Runs every step in order; a step that cannot be carried out ends the walk (after venting). */
export async function walkThrough(options: WalkOptions): Promise<StepResult[]> {
  const o: Walk = { ...options, lastFault: null, warnings: new Set() };
  const faults = o.client.events$.subscribe((e) => {
    if (e.type === "state" && e.to === "fault") o.lastFault = e.reason;
    if (e.type === "alarm" && e.severity === "warning") o.warnings.add(e.kind);
  });
  const steps: StepResult[] = [];
  const record: Note = (step) => {
    const full = { ...step, at: o.now().toISOString() };
    steps.push(full);
    o.onStep(full);
  };
  const sequence: [string, string, (o: Walk, record: Note) => Promise<void>][] = [
    ["zero", ZERO_LIMIT, zeroStep],
    ["span", SPAN_LIMIT, spanSteps],
    ["leak at 300 mmHg", LEAK_LIMIT, leakStep],
    ["relief valve", RELIEF_LIMIT, reliefStep],
    ["deflation 260 -> 15 mmHg", DEFLATE_LIMIT, deflationStep],
    ["guard trips when the USB cable is pulled", GUARD_LIMIT, guardStep],
  ];
  try {
    for (const [name, limit, run] of sequence) {
      try {
        await run(o, record);
      } catch (error) {
        if (error instanceof InterruptedError) throw error;
        record({ name, limit, measured: null, unit: "", verdict: "fail", detail: (error as Error).message });
        break;
      }
    }
  } finally {
    faults.unsubscribe();
  }
  return steps;
}

// ---- the steps ------------------------------------------------------------------

const ZERO_LIMIT = `mean within +-${L.zeroMeanMmhg} mmHg of 0, SD at most ${L.zeroSdMmhg} mmHg over ${ZERO_CHECK_SECONDS} s`;

async function zeroStep(o: Walk, record: Note): Promise<void> {
  o.bench.say("Step 1, zero (CALIBRATION.md step 3): pump off, vent open, cuff empty; the firmware zeroes both sensors.");
  if (o.bench.person) await confirm(o, "Disconnect the hose from the cuff so the line is open to the air, wait until the board has been powered for 60 s, then press Enter: ");
  await checkIdle(o.client);
  await zeroCuff(o.client, o.clock, o.signal);
  const { device, secondary } = await readings(o, ZERO_CHECK_SECONDS);
  const m = mean(device);
  const sd = standardDeviation(device);
  const pass = Math.abs(m) <= L.zeroMeanMmhg && sd <= L.zeroSdMmhg;
  const none = secondary ? "" : `; ${NO_SECOND_READING}`;
  record({ name: "zero", limit: ZERO_LIMIT, measured: round(m, 2), unit: "mmHg", verdict: verdict(pass), detail: `mean ${m.toFixed(2)} mmHg, SD ${sd.toFixed(2)} mmHg over ${device.length} readings${none}` });
  if (secondary) record(judgeSecondZero(secondary));
}

const SPAN_LIMIT = `|device - gauge| at most ${L.spanErrorMmhg} mmHg`;


async function spanSteps(o: Walk, record: Note): Promise<void> {
  const name = (p: number) => (p === MAX_TARGET_MMHG ? `span 300 mmHg (at ${p})` : `span ${p} mmHg`);
  if (!o.bench.gaugeMmhg && !o.bench.person) {
    for (const p of SPAN_POINTS_MMHG) record({ name: name(p), limit: SPAN_LIMIT, measured: null, unit: "mmHg", verdict: "skipped", detail: NEEDS_PERSON });
    return;
  }
  o.bench.say("Steps 2-4, span (CALIBRATION.md step 4): the cuff holds each pressure and the reference gauge is read.");
  if (o.bench.person) {
    await confirm(o, "Reconnect the hose: arm cuff on its mock limb, reference gauge on the T-piece, bulb screw closed, vent exhaust open. Press Enter to inflate to 100 mmHg: ");
  }
  // A fresh hold for each point, as a session would start: the firmware's checks of a still hold
  // (pulsations, leak) take the start of the hold as their reference.
  for (const p of SPAN_POINTS_MMHG) {
    try {
      o.warnings.clear();
      await holdAt(o, p);
      o.bench.say(`Holding ${p} mmHg; waiting ${SPAN_SETTLE_SECONDS} s for the air and the foam to settle.`);
      await sleep(o, SPAN_SETTLE_SECONDS);
      const note = p === MAX_TARGET_MMHG ? `; checked at ${p} mmHg because the firmware holds at most ${TARGET_MARGIN_MMHG} mmHg below its ${HARD_CEILING_MMHG} mmHg ceiling` : "";
      let device: number;
      let second: number | null;
      let gauge: number | null;
      if (o.bench.gaugeMmhg) {
        const window = await readings(o, READING_SECONDS);
        device = mean(window.device);
        second = window.secondary ? mean(window.secondary) : null;
        gauge = mean(window.gauge);
      } else {
        const window = await readings(o, 1);
        device = mean(window.device);
        second = window.secondary ? mean(window.secondary) : null;
        gauge = await abortable(o.bench.askMmhg(`Tap the gauge glass and read it at eye level now; type its reading in mmHg: `), o.signal);
      }
      await expectHolding(o, p);
      if (gauge === null) {
        record({ name: name(p), limit: SPAN_LIMIT, measured: null, unit: "mmHg", verdict: "skipped", detail: `no gauge reading was typed (device ${device.toFixed(1)} mmHg)${note}` });
        continue;
      }
      const error = device - gauge;
      const pass = Math.abs(error) <= L.spanErrorMmhg;
      const warned = o.warnings.size ? `; the firmware warned during the hold: ${[...o.warnings].join(", ")}` : "";
      record({ name: name(p), limit: SPAN_LIMIT, measured: round(error), unit: "mmHg", verdict: verdict(pass), detail: `error ${signed(error)} mmHg: device ${fixed(device)}, gauge ${fixed(gauge)} mmHg${note}${warned}` });
      if (second !== null) record(judgeSecondSpan(name(p), second, gauge, device));
    } finally {
      await ventAndWait(o);
    }
  }
}

const LEAK_LIMIT = `drop under ${L.leakMmhgPerMin} mmHg/min at 300 mmHg`;

async function leakStep(o: Walk, record: Note): Promise<void> {
  const name = "leak at 300 mmHg";
  if (!o.bench.person) {
    record(byHand(o, name, LEAK_LIMIT, "mmHg/min", "CALIBRATION.md step 5: the firmware never closes the vent at 300 mmHg, so this is done with the bulb and the exhaust plugged"));
    return;
  }
  o.bench.say("Step 5, leak at 300 mmHg (CALIBRATION.md step 5), by hand with the bulb: the firmware never pumps to 300 mmHg.");
  o.bench.say('The firmware may raise "vent valve does not open" while the exhaust is plugged: that is its supervisor seeing the plug.');
  await confirm(o, "Push the exhaust plug onto the vent valve's exhaust port, close the bulb's screw, pump with the bulb to 300 mmHg on the gauge, then press Enter: ");
  o.bench.say(`Waiting ${LEAK_CREEP_SECONDS} s for the cuff and the foam to creep and the air to cool; then the drop is timed over 60 s.`);
  await sleep(o, LEAK_CREEP_SECONDS);
  const first = mean((await readings(o, READING_SECONDS)).device);
  if (first < 250) {
    record({ name, limit: LEAK_LIMIT, measured: null, unit: "mmHg/min", verdict: "fail", detail: `the cuff read only ${first.toFixed(0)} mmHg at the start: pump it to 300 mmHg with the exhaust plugged and run again` });
    return;
  }
  await sleep(o, 60 - READING_SECONDS);
  const second = mean((await readings(o, READING_SECONDS)).device);
  const perMin = first - second;
  record({ name, limit: LEAK_LIMIT, measured: round(perMin), unit: "mmHg/min", verdict: verdict(perMin < L.leakMmhgPerMin), detail: `device ${first.toFixed(1)} then ${second.toFixed(1)} mmHg 60 s later` });
}

const RELIEF_LIMIT = `opens between ${L.reliefMinMmhg} and ${L.reliefMaxMmhg} mmHg`;

async function reliefStep(o: Walk, record: Note): Promise<void> {
  const name = "relief valve";
  if (!o.bench.person) {
    record(byHand(o, name, RELIEF_LIMIT, "mmHg", "CALIBRATION.md step 6: only the bulb may pump past the firmware's 300 mmHg ceiling"));
    return;
  }
  o.bench.say("Step 6, relief valve (CALIBRATION.md step 6), by hand with the bulb; the device's sensor reads to 337 mmHg.");
  let highest = Number.NEGATIVE_INFINITY;
  const watch = o.client.telemetry$.subscribe((m) => (highest = Math.max(highest, m.mmhg)));
  try {
    await confirm(o, "Exhaust still plugged: pump slowly with the bulb past 300 mmHg until the relief valve hisses and the pressure stops rising however much you pump, then press Enter: ");
  } finally {
    watch.unsubscribe();
  }
  const pass = highest >= L.reliefMinMmhg && highest <= L.reliefMaxMmhg;
  record({ name, limit: RELIEF_LIMIT, measured: Number.isFinite(highest) ? round(highest) : null, unit: "mmHg", verdict: verdict(pass), detail: Number.isFinite(highest) ? `highest device reading ${fixed(highest)} mmHg (aim 315-325)` : "no telemetry arrived while you pumped" });
  await confirm(o, "Remove the exhaust plug (the cuff empties) and store it away from the device, then press Enter: ");
  await waitFor(o.client, o.client.telemetry$, (m) => m.mmhg < DEFLATED_MMHG, o.clock, REACH_SECONDS, "the cuff emptying", o.signal);
  if (o.client.state === "fault") {
    const status = await abortable(o.client.status(), o.signal);
    o.bench.say(`Acknowledging the alarm the plug caused (${status.activeAlarms.join(", ") || "see the cuff"}).`);
    await abortable(o.client.ackFault(), o.signal);
  }
}

const DEFLATE_LIMIT = `${L.deflateFromMmhg} -> ${L.deflateToMmhg} mmHg within ${L.deflateSeconds} s (aim ${L.deflateAimSeconds} s on the thigh cuff)`;

async function deflationStep(o: Walk, record: Note): Promise<void> {
  o.bench.say("Step 7, deflation (CALIBRATION.md step 7): the cuff holds 260 mmHg and the firmware opens the vent.");
  if (o.bench.person) await confirm(o, "Put the thigh cuff on the thigh-sized mock limb, exhaust open, then press Enter to inflate to 260 mmHg: ");
  await holdAt(o, L.deflateFromMmhg);
  await sleep(o, READING_SECONDS);
  await expectHolding(o, L.deflateFromMmhg);
  const gauge = o.bench.gaugeMmhg;
  const start = o.clock.nowSeconds();
  const under: { device: number | null; gauge: number | null } = { device: null, gauge: null };
  const watch = o.client.telemetry$.subscribe((m) => {
    const t = o.clock.nowSeconds() - start;
    if (under.device === null && m.mmhg < L.deflateToMmhg) under.device = t;
    if (gauge && under.gauge === null && gauge() < L.deflateToMmhg) under.gauge = t;
  });
  try {
    await abortable(o.client.deflate(), o.signal);
    await waitFor(o.client, o.client.telemetry$, () => under.device !== null && (gauge === null || under.gauge !== null), o.clock, 3 * L.deflateSeconds, "deflation below 15 mmHg", o.signal);
  } finally {
    watch.unsubscribe();
  }
  await waitVented(o.client, o.clock, o.signal);
  const device = under.device!;
  const truth = under.gauge;
  const worst = Math.max(device, truth ?? 0);
  const aim = worst <= L.deflateAimSeconds ? "meets" : "misses";
  const detail =
    `${device.toFixed(2)} s from the deflate command to a sensor reading under ${L.deflateToMmhg} mmHg; the sensor reads low while venting fast, so on a real cuff this is a lower bound` +
    (truth !== null ? `; the simulated cuff's true pressure took ${truth.toFixed(2)} s` : "; time the gauge with a stopwatch as a cross-check") +
    `; ${aim} the ${L.deflateAimSeconds} s aim of the thigh cuff`;
  record({ name: "deflation 260 -> 15 mmHg", limit: DEFLATE_LIMIT, measured: round(worst, 2), unit: "s", verdict: verdict(worst <= L.deflateSeconds), detail });
}

const GUARD_LIMIT = `the firmware reports the board lost or the guard tripped, and the cuff is under ${L.deflateToMmhg} mmHg ${L.guardVentedSeconds} s later`;

async function guardStep(o: Walk, record: Note): Promise<void> {
  const name = "guard trips when the USB cable is pulled";
  if (!o.bench.person && !o.bench.pullBoardCable) {
    record({ name, limit: GUARD_LIMIT, measured: null, unit: "mmHg", verdict: "skipped", detail: "skipped: needs a person to pull the cable and read the gauge" });
    return;
  }
  o.bench.say(`Step 8, guard (CALIBRATION.md step 8): the cuff holds ${L.guardHoldMmhg} mmHg and the board's USB cable is pulled.`);
  if (o.bench.person) await confirm(o, `Arm cuff on its mock limb, exhaust open, gauge on the T-piece. Press Enter to inflate to ${L.guardHoldMmhg} mmHg: `);
  await holdAt(o, L.guardHoldMmhg);
  const sign = waitFor(
    o.client,
    merge(
      o.client.events$.pipe(
        filter((e) => e.type === "alarm" && (e.kind === "board-lost" || e.kind === "guard-tripped")),
        map((e) => (e.type === "alarm" ? `the firmware reported ${e.kind}` : "")),
      ),
      o.client.connection$.pipe(
        filter((s) => s === "reconnecting"),
        map(() => "the firmware fell silent"),
      ),
    ),
    () => true,
    o.clock,
    CABLE_PULL_WAIT_SECONDS,
    "a sign that the board's cable was pulled",
    o.signal,
  );
  sign.catch(() => undefined);
  if (o.bench.pullBoardCable) {
    o.bench.say("Simulator: pulling the board's USB cable now.");
    o.bench.pullBoardCable();
  } else {
    o.bench.say("Pull the USB cable between the laptop and the board NOW: the pump must stop, the valve click open and the gauge fall.");
  }
  const seen = await sign;
  const belowAt = o.bench.gaugeMmhg ? watchGaugeFall(o, o.bench.gaugeMmhg) : null;
  await sleep(o, L.guardVentedSeconds);
  const reading = o.bench.gaugeMmhg ? o.bench.gaugeMmhg() : await o.bench.askMmhg(`${L.guardVentedSeconds} s have passed: type the reading of the reference gauge in mmHg: `);
  const fell = belowAt?.seconds();
  if (reading === null) {
    record({ name, limit: GUARD_LIMIT, measured: null, unit: "mmHg", verdict: "skipped", detail: `${seen}; no gauge reading was typed` });
    return;
  }
  const detail =
    `${seen}; the gauge read ${fixed(reading)} mmHg ${L.guardVentedSeconds} s later` +
    (fell !== undefined ? (fell === null ? "" : ` (under ${L.deflateToMmhg} mmHg ${fell.toFixed(2)} s after the firmware noticed)`) : "");
  record({ name, limit: GUARD_LIMIT, measured: round(reading), unit: "mmHg", verdict: verdict(reading < L.deflateToMmhg), detail });
  o.bench.say(
    o.bench.person
      ? "Plug the cable back in and restart cuff firmware: it should report the guard TRIPPED, reason keep-alive lost. Then try the S1 button and pulling the 12 V adapter by hand (CALIBRATION.md step 8)."
      : "The simulated board stays unplugged; the S1 button and the 12 V adapter are checked by hand on the bench (CALIBRATION.md step 8).",
  );
}

// ---- helpers ------------------------------------------------------------------------

function verdict(pass: boolean): Verdict {
  return pass ? "pass" : "fail";
}

function byHand(o: Walk, name: string, limit: string, unit: string, why: string): Omit<StepResult, "at"> {
  // the simulator has a gauge but nobody to pump the bulb: the step is left to the bench
  return o.bench.gaugeMmhg
    ? { name, limit, measured: null, unit, verdict: "manual", detail: `manual: ${why}` }
    : { name, limit, measured: null, unit, verdict: "skipped", detail: NEEDS_PERSON };
}

async function confirm(o: Walk, prompt: string): Promise<void> {
  if (!(await abortable(o.bench.confirm(prompt), o.signal))) throw new StepFailed("nobody answered at the bench (the input ended)");
}

/** Hold `mmhg` and wait until the cuff is there; waits out the firmware's enforced rest between inflations. */
async function holdAt(o: Walk, mmhg: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await abortable(o.client.hold({ mmhg }), o.signal);
      break;
    } catch (error) {
      const rest = error instanceof NackError && error.reason === "rest-enforced" ? /(\d+) s/.exec(error.detail) : null;
      if (error instanceof NackError && (error.reason === "target-refused" || error.reason === "no-lop")) {
        throw new StepFailed(`the firmware refuses to hold ${mmhg} mmHg (${error.detail}); start cuff firmware afresh with --bench (the cuff on its mock limb), without a configured LOP or a lower ceiling, and run again`);
      }
      if (!rest || attempt >= 2) throw error;
      o.bench.say(`The firmware keeps the cuff deflated ${rest[1]} s more between inflations; waiting.`);
      await sleep(o, Number(rest[1]) + 1);
    }
  }
  const reached = (m: { state: string; mmhg: number }) => m.state === "regulating" && Math.abs(m.mmhg - mmhg) <= 0.02 * mmhg;
  await waitFor(o.client, o.client.telemetry$, (m) => reached(m) || m.state === "fault" || m.state === "vented", o.clock, REACH_SECONDS, `reaching ${mmhg} mmHg`, o.signal);
  await expectHolding(o, mmhg);
}

/** A reading taken after the hold ended (an alarm vented the cuff) would compare two zeros. */
async function expectHolding(o: Walk, mmhg: number): Promise<void> {
  if (o.client.state === "regulating") return;
  const why = o.client.state === "fault" && o.lastFault ? `fault ${o.lastFault}` : `the cuff is ${o.client.state}`;
  throw new StepFailed(`the cuff stopped holding ${mmhg} mmHg (${why})`);
}

async function ventAndWait(o: Walk): Promise<void> {
  if (o.client.state === "vented" || o.client.state === "fault") return;
  await abortable(o.client.deflate(), o.signal);
  await waitVented(o.client, o.clock, o.signal);
}

/**
 * Telemetry for `seconds` from now, each frame with the gauge beside it when the program can read one;
 * `secondary` holds the second sensor's readings when every frame carried one, null otherwise.
 */
async function readings(o: Walk, seconds: number): Promise<{ device: number[]; secondary: number[] | null; gauge: number[] }> {
  const device: number[] = [];
  const secondary: number[] = [];
  const gauge: number[] = [];
  const sub = o.client.telemetry$.subscribe((m) => {
    device.push(m.mmhg);
    if (typeof m.secondaryMmhg === "number") secondary.push(m.secondaryMmhg);
    if (o.bench.gaugeMmhg) gauge.push(o.bench.gaugeMmhg());
  });
  try {
    await sleep(o, seconds);
  } finally {
    sub.unsubscribe();
  }
  if (device.length === 0) throw new StepFailed(`no telemetry from the cuff for ${seconds} s`);
  return { device, secondary: secondary.length === device.length ? secondary : null, gauge };
}

function sleep(o: Walk, seconds: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (o.signal.aborted) {
      reject(new InterruptedError());
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(new InterruptedError());
    };
    const timer = o.clock.schedule(seconds, () => {
      o.signal.removeEventListener("abort", onAbort);
      resolve();
    });
    o.signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Samples the gauge every 50 ms (simulator only: there is no telemetry once the board is gone). */
function watchGaugeFall(o: Walk, gauge: () => number): { seconds(): number | null } {
  const start = o.clock.nowSeconds();
  let below: number | null = null;
  const poll = () => {
    if (gauge() < L.deflateToMmhg) {
      below = o.clock.nowSeconds() - start;
      return;
    }
    if (o.clock.nowSeconds() - start < L.guardVentedSeconds) o.clock.schedule(0.05, poll);
  };
  poll();
  return { seconds: () => below };
}
