/**
 * Guard timings of the cuff_guard image on simavr, over many phases of the
 * event against the board's 10 ms sampling grid and 1 ms tick: keep-alive loss,
 * an overpressure on the first sensor, one seen only by the second sensor with the
 * first sensor's ADC dead, and a hung firmware. Prints
 * min / mean / max in simulated AVR time, then flash and RAM use.
 *
 *   npx tsx bench/measure-guard.ts [trials]
 */
import { mmhgToCounts, pinNumber, referenceProfile, secondaryMmhgToCounts } from "../hardware/profile.ts";
import { GUARD_SYSEX, GuardSubcommand, encodeGuardConfigure } from "../shared/guard.ts";
import { SimavrBoard } from "../hardware/sim/mcu/simavr-board.ts";
import { buildFirmware } from "../hardware/sim/mcu/toolchain.ts";

const profile = referenceProfile();
const PUMP = pinNumber(profile.pins.pump);
const VENT = pinNumber(profile.pins.vent);
const PWM = 0x03;
const deadlineMs = profile.guard.keepAliveDeadlineMs;
const tripCounts = mmhgToCounts(profile, profile.guard.tripMmhg);
const secondaryTripCounts = secondaryMmhgToCounts(profile, profile.guard.tripMmhg)!;

type Trial = "keep-alive" | "overpressure" | "overpressure-second" | "hang";

/** Milliseconds from the event to the pump pin going low, the event placed `phaseMs` into a 10 ms cycle. */
async function trial(kind: Trial, phaseMs: number): Promise<number> {
  let mmhg = 200;
  let secondaryMmhg = 200;
  const sim = new SimavrBoard({
    source: { sensorCounts: () => mmhgToCounts(profile, mmhg), secondarySensorCounts: () => secondaryMmhgToCounts(profile, secondaryMmhg) },
  });
  try {
    const send = (...bytes: number[]) => sim.port.write(Buffer.from(bytes));
    const keepAlive = () => send(0xf0, GUARD_SYSEX, GuardSubcommand.KEEPALIVE, 0xf7);
    await sim.advance(0.01);
    send(0xf0, GUARD_SYSEX, ...encodeGuardConfigure(deadlineMs, tripCounts, secondaryTripCounts), 0xf7);
    send(0xf4, PUMP, PWM, 0xf4, VENT, PWM, 0xe0 | PUMP, 0x7f, 0x01, 0xe0 | VENT, 0x7f, 0x01);
    await sim.advance(0.1, 0.01, keepAlive);
    // The second sensor's overpressure is measured with the first sensor's ADC dead: it alone sees it.
    if (kind === "overpressure-second") sim.setSensorPresent(false);
    await sim.advance(0.05, 0.01, keepAlive);
    // Step in 0.1 ms to place the event finely.
    await sim.advance(phaseMs / 1000 + 1e-4, 1e-4);
    if (sim.outputs().pumpDuty !== 1) throw new Error("the pump did not start");
    let eventAt = sim.timeSeconds;
    if (kind === "keep-alive") {
      keepAlive();
      // The board's timer restarts once the 4 bytes have crossed the wire.
      eventAt += (4 * 10) / 57600;
    } else if (kind === "overpressure") {
      keepAlive();
      mmhg = profile.guard.tripMmhg + 5;
    } else if (kind === "overpressure-second") {
      keepAlive();
      secondaryMmhg = profile.guard.tripMmhg + 5;
    } else {
      keepAlive();
      sim.hang();
    }
    const took = await sim.advanceUntil(() => sim.outputs().pumpDuty === 0, 1, 1e-4);
    if (took === null) throw new Error(`${kind}: the pump never stopped`);
    const off = sim.pinChanges.filter((c) => c.pin === PUMP && c.level === 0).at(-1)!;
    return (off.tSeconds - eventAt) * 1000;
  } finally {
    await sim.close();
  }
}

const trials = Number(process.argv[2] ?? 20);
const build = buildFirmware();
for (const kind of ["keep-alive", "overpressure", "overpressure-second", "hang"] as const) {
  const times: number[] = [];
  for (let i = 0; i < trials; i++) times.push(await trial(kind, (10 * i) / trials));
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const what = {
    "keep-alive": `last keep-alive received (deadline ${deadlineMs} ms)`,
    overpressure: `sensor step to ${profile.guard.tripMmhg + 5} mmHg (trip ${profile.guard.tripMmhg})`,
    "overpressure-second": `second sensor alone steps to ${profile.guard.tripMmhg + 5} mmHg, ADS1115 dead (trip ${profile.guard.tripMmhg})`,
    hang: "firmware hang (watchdog)",
  }[kind];
  console.log(`${what} -> pump off: min ${Math.min(...times).toFixed(2)} ms, mean ${mean.toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms over ${trials} phases`);
}
console.log(`image: flash ${build.size.flashBytes} bytes, static RAM ${build.size.ramBytes} bytes`);
